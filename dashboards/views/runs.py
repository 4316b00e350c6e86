"""Runs: ingestion health — each run with its counts, and failed fetches by host and by kind."""

from __future__ import annotations

import streamlit as st
import ui

RUN_KEY = "runs_run"

st.title("Runs")
ui.stop_if_empty()

table = ui.runs(200)
if table.empty:
    st.info("No ingestion runs recorded yet.")
    st.stop()

last = table.iloc[0]
metrics = st.columns(5)
metrics[0].metric("Runs", len(table))
metrics[1].metric("Last run", ui.present(last["status"]))
metrics[2].metric("Fetched (last run)", int(last["fetched"]))
metrics[3].metric("New articles (last run)", int(last["new_articles"]))
metrics[4].metric("Errors (last run)", int(last["errors"]))
st.dataframe(table, hide_index=True, key="runs-table", column_config={
    "run_id": "Run", "started_at": "Started", "finished_at": "Finished", "status": "Status", "sources": "Sources",
    "fetched": "Fetched", "not_modified": "Not modified", "new_articles": "New articles", "updated": "Updated",
    "unchanged": "Unchanged", "posts": "Posts", "relations": "Relations", "errors": "Errors", "seconds": "Seconds",
})

ids = list(table["run_id"])
ui.select_from_url(ui.url_state("runs", ("run",)), "run", RUN_KEY, ids.__contains__, "run",
                   fallback="showing errors of all runs")
run = st.selectbox("Errors of", ids, index=None, key=RUN_KEY, placeholder="all runs")
ui.set_url({"run": run or ""})

errors = ui.fetch_errors(run)
st.subheader("Failed fetches by host and kind")
if errors.empty:
    st.text("No failed fetches.")
else:
    by_kind = errors.groupby("error_kind", as_index=False)["n"].sum().sort_values("n", ascending=False)
    left, right = st.columns([1, 2])
    with left:
        st.dataframe(by_kind, hide_index=True, key="errors-by-kind")
    with right:
        st.dataframe(errors, hide_index=True, key="errors-by-host",
                     column_config={"example": st.column_config.TextColumn("Example error", width="large")})
