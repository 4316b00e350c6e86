"""The cross-government amplification graph: click an account to see its posts and evidence.

A click on a node copies the node's name (the actor_id) into the plain session-state key that
the "Account" selectbox also drives (DESIGN.md), so tests select accounts through the selectbox.
All article and post text is shown with st.text or st.dataframe: never rendered as Markdown/HTML.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
from streamlit_echarts import st_echarts

from tracker import dashboard_data
from tracker.store import default_db, snapshot_path

ACCOUNT_KEY = "account"
GRAPH_KEY = "amplification_graph"
CACHE_TTL = 60  # seconds; the snapshot's mtime is in every cache key, so a publish shows at once
# Runs in the browser: a node click sends its name (the actor_id) back; edge clicks send nothing.
NODE_CLICK = "function(params){ if (params.dataType === 'node') { return params.name; } }"


def _stamp(db: Path) -> int:
    """The snapshot's modification time: part of each cache key so a new publish is read at once."""
    try:
        return snapshot_path(db).stat().st_mtime_ns
    except OSError:
        return 0


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _message(db: str, stamp: int) -> str | None:
    return dashboard_data.snapshot_message(Path(db))


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _nodes(db: str, stamp: int) -> pd.DataFrame:
    return dashboard_data.graph_nodes(Path(db))


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _edges(db: str, stamp: int, cross_only: bool) -> pd.DataFrame:
    return dashboard_data.graph_edges(Path(db), cross_government_only=cross_only)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _options(db: str, stamp: int) -> pd.DataFrame:
    return dashboard_data.actor_options(Path(db))


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _posts(db: str, stamp: int, actor_id: str) -> pd.DataFrame:
    return dashboard_data.actor_posts(Path(db), actor_id)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _relations(db: str, stamp: int, actor_id: str) -> pd.DataFrame:
    return dashboard_data.actor_relations(Path(db), actor_id)


def _web_link(url: object) -> str | None:
    """Only http(s) URLs become links; anything else (javascript:, file:) is left out."""
    return url if isinstance(url, str) and url.lower().startswith(("https://", "http://")) else None


def _present(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _on_graph_click(db: str, stamp: int) -> None:
    event = (st.session_state.get(GRAPH_KEY) or {}).get("chart_event")
    if isinstance(event, str) and event in set(_options(db, stamp)["actor_id"]):
        st.session_state[ACCOUNT_KEY] = event


def _show_posts(posts: pd.DataFrame) -> None:
    for post_id, citations in posts.groupby("post_id", sort=False):
        first = citations.iloc[0]
        with st.container(border=True):
            st.caption(f"Post on {_present(first['platform'])} · {_present(first['posted']) or 'date unknown'}")
            st.text(_present(first["text"]) or "(the articles paraphrase this post without quoting it)")
            for citation in citations.itertuples(index=False):
                st.text(f"Evidence: {_present(citation.sentence)}")
                st.text(f"Cited by: {_present(citation.article_title) or '(untitled)'}"
                        f" — {_present(citation.outlet) or 'unknown outlet'}"
                        f" ({_present(citation.published) or 'undated'})")
            cited = citations.assign(article_url=citations["article_url"].map(_web_link))
            st.dataframe(
                cited[["article_title", "outlet", "published", "article_url", "source", "cue", "sentence"]],
                hide_index=True,
                column_config={
                    "article_title": "Article",
                    "outlet": "Outlet",
                    "published": "Published",
                    "article_url": st.column_config.LinkColumn("Link"),
                    "source": "Source",
                    "cue": "Cue",
                    "sentence": st.column_config.TextColumn("Evidence sentence", width="large"),
                },
                key=f"citations-{post_id}",
            )


def _relation_line(relation: Any) -> str:
    other = _present(relation.other_name)
    if relation.relation == "mention":
        line = f"→ names {other}" if relation.direction == "outgoing" else f"← named by {other}"
    elif relation.direction == "outgoing":
        line = f"→ {relation.relation} to {other}"
    else:
        line = f"← {relation.relation} from {other}"
    if _present(relation.other_text):
        line += f": “{_present(relation.other_text)}”"
    return line


def _show_relations(relations: pd.DataFrame) -> None:
    for relation in relations.itertuples(index=False):
        st.text(_relation_line(relation))
        if relation.relation != "mention":
            st.text(f"Evidence: {_present(relation.evidence)}")


db = default_db()
stamp = _stamp(db)

st.title("Amplification graph")
st.caption("Accounts whose posts answer, repost, quote or name one another, from the articles that cite them.")

message = _message(str(db), stamp)
if message:
    st.info(message)
    st.stop()

cross_only = st.checkbox("Cross-government only", value=False,
                         help="Keep only edges between accounts of different governments.")
nodes = _nodes(str(db), stamp)
edges = _edges(str(db), stamp, cross_only)
if cross_only:
    ends = set(edges["source_actor"]) | set(edges["target_actor"])
    nodes = nodes[nodes["actor_id"].isin(ends)]
if edges.empty:
    st.info("No amplification edges yet: no cited post answers, reposts or names another account.")

st_echarts(
    dashboard_data.echarts_graph_option(nodes, edges),
    events={"click": NODE_CLICK},
    height="560px",
    key=GRAPH_KEY,
    on_change=lambda: _on_graph_click(str(db), stamp),
)

options = _options(str(db), stamp)
labels = dict(zip(options["actor_id"], options["label"], strict=True))
account = st.selectbox(
    "Account",
    options=list(labels),
    format_func=lambda actor_id: labels.get(actor_id, actor_id),
    index=None,
    placeholder="Click a node in the graph or choose an account",
    key=ACCOUNT_KEY,
)

if account is None:
    st.stop()

posts = _posts(str(db), stamp, account)
st.subheader("Posts")
if posts.empty:
    st.text(f"No cited posts by {labels.get(account, account)}; other posts name this account.")
else:
    _show_posts(posts)

relations = _relations(str(db), stamp, account)
st.subheader("Replies, responses and mentions")
if relations.empty:
    st.text("None recorded.")
else:
    _show_relations(relations)
