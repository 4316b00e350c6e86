"""The tracker's dashboard: `tracker dashboard` runs `streamlit run dashboards/app.py`.

Pages stay thin and read only the published snapshot of the database named by TRACKER_DB
(tracker.store.default_db); the loaders live in tracker.dashboard_data.
"""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="Post provenance tracker", page_icon="🔗", layout="wide")

pages = [
    st.Page("pages/graph.py", title="Amplification graph", icon="🕸️", default=True),
]
st.navigation(pages).run()
