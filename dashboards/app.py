"""The tracker's dashboard: `tracker dashboard` runs `streamlit run dashboards/app.py`.

Pages stay thin over ``ui`` (cached loaders over tracker.dashboard_data) and read only the
published snapshot of the store named by TRACKER_STORE or TRACKER_DB. The sidebar lists the
saved searches (named page + URL parameters, stored in the database) and saves the current view.
"""

from __future__ import annotations

import json

import streamlit as st
import ui

from tracker import saved
from tracker.errors import TrackerError

st.set_page_config(page_title="Post provenance tracker", page_icon="🔗", layout="wide")

PAGES = {
    "graph": st.Page("views/graph.py", title="Amplification graph", icon="🕸️", default=True),  # served at /
    "accounts": st.Page("views/accounts.py", title="Accounts", icon="👤", url_path="accounts"),
    "posts": st.Page("views/posts.py", title="Posts", icon="💬", url_path="posts"),
    "articles": st.Page("views/articles.py", title="Articles", icon="📰", url_path="articles"),
    "sql": st.Page("views/sql.py", title="SQL", icon="🧮", url_path="sql"),
    "runs": st.Page("views/runs.py", title="Runs", icon="⏱️", url_path="runs"),
}
NAMES = {page.url_path: name for name, page in PAGES.items()}  # the default page's url_path is ""


def _sidebar(current: str) -> None:
    st.sidebar.subheader("Saved searches")
    searches = ui.saved_searches()
    if searches.empty:
        st.sidebar.caption("None yet: save the current view below.")
    for row in searches.itertuples(index=False):
        try:
            params = json.loads(str(row.params))
        except ValueError:
            params = {}
        page = PAGES.get(str(row.page))
        if page is None or not isinstance(params, dict):
            continue
        st.sidebar.page_link(page, label=str(row.name), query_params=params)
    with st.sidebar.form("save-search", clear_on_submit=True, border=False):
        name = st.text_input("Name this view", max_chars=80, key="saved_name")
        submitted = st.form_submit_button("Save view")
        if submitted:
            params = {key: st.query_params.get_all(key) for key in st.query_params}
            flat = {key: values[0] if len(values) == 1 else values for key, values in params.items()}
            try:
                saved.save(ui.target(), name, current, flat)
            except TrackerError as exc:
                st.sidebar.error(ui.one_line_error(exc))
            else:
                st.cache_data.clear()
                st.session_state["_saved_flash"] = f"saved “{' '.join(name.split())}”"
                st.rerun()
    if flash := st.session_state.pop("_saved_flash", None):
        st.sidebar.success(flash)


navigation = st.navigation(list(PAGES.values()))
_sidebar(NAMES.get(navigation.url_path, "graph"))
navigation.run()
