"""SQL: read-only queries on the published snapshot, with the examples of sql/queries/.

tracker.store.run_query refuses anything but SELECT/EXPLAIN before DuckDB sees it, and the
connection is read-only with file access off: no writes, no read_csv('/etc/passwd'), no ATTACH.
Each query gets a row cap and a time limit (the connection is interrupted); errors are one line.
"""

from __future__ import annotations

import io
import os

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import streamlit as st
import ui

from tracker import dashboard_data, store
from tracker.errors import TrackerError

MAX_ROWS = 10_000
TIMEOUT_S = float(os.environ.get("TRACKER_SQL_TIMEOUT") or 10.0)
SQL_KEY = "sql_text"

st.title("SQL")
st.caption(f"Read-only queries on the published snapshot: at most {MAX_ROWS:,} rows shown and"
           f" {TIMEOUT_S:g} s per query. Use `tracker export` for whole tables.")

examples = dashboard_data.example_queries()
state = ui.url_state("sql", ("q",))
if "q" in state:
    st.session_state[SQL_KEY] = state["q"][0][:20_000]
st.session_state.setdefault(SQL_KEY, next(iter(examples.values()), "select count(*) as posts from posts"))


def _use_example() -> None:
    name = st.session_state.get("sql_example")
    if name in examples:
        st.session_state[SQL_KEY] = examples[name]


st.selectbox("Example queries", list(examples), index=None, key="sql_example", on_change=_use_example,
             placeholder="Load an example from sql/queries/")
sql = st.text_area("Query", key=SQL_KEY, height=220, max_chars=20_000)
run = st.button("Run query", type="primary")
ui.set_url({"q": sql.strip()})

if run or st.session_state.get("sql_last") == sql:
    st.session_state["sql_last"] = sql
    try:
        # Not under ui.READ_LOCK: a query may run for its whole time limit, and the other
        # sessions' pages must not wait for it (the store handles overlapping readers).
        result = store.run_query(ui.target(), sql, max_rows=MAX_ROWS, timeout=TIMEOUT_S)
    except TrackerError as exc:
        st.error(ui.one_line_error(exc))
        st.stop()
    frame = pd.DataFrame.from_records(result.rows, columns=result.columns)
    if result.truncated:
        st.warning(f"showing the first {MAX_ROWS:,} rows only: add a LIMIT or use `tracker export` for all rows")
    st.caption(f"{len(frame):,} rows")
    st.dataframe(frame, hide_index=True, key="sql-result")
    downloads = st.columns(2)
    with downloads[0]:
        st.download_button("Download CSV", frame.to_csv(index=False).encode("utf-8"), file_name="query.csv",
                           mime="text/csv", key="sql-csv", on_click="ignore")
    with downloads[1]:
        buffer = io.BytesIO()
        try:
            pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), buffer)
        except (pa.ArrowException, ValueError) as exc:
            st.caption(f"no Parquet for this result: {ui.one_line_error(exc)}")
        else:
            st.download_button("Download Parquet", buffer.getvalue(), file_name="query.parquet",
                               mime="application/vnd.apache.parquet", key="sql-parquet", on_click="ignore")
