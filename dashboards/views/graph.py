"""The cross-government amplification graph: filters, the graph, a timeline, and the chosen account.

A click on a node copies the node's name (the actor_id) into the plain session-state key that
the "Account" selectbox also drives (DESIGN.md), so tests select accounts through the selectbox.
Filters and the account live in the URL (see ui.url_state). All article and post text is shown
with st.text or st.dataframe: never rendered as Markdown/HTML.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st
import ui
from streamlit_echarts import st_echarts

from tracker import dashboard_data
from tracker.filters import DEFAULT_TOP_N, PARAMS, Filters, from_params, to_params
from tracker.models import PLATFORMS, RELATION_TYPES

ACCOUNT_KEY = "account"
GRAPH_KEY = "amplification_graph"
TOP_CHOICES = [25, 50, 100, DEFAULT_TOP_N, 500, 1000, 5000, "all"]
# Runs in the browser: a node click sends its name (the actor_id) back; edge clicks send nothing.
NODE_CLICK = "function(params){ if (params.dataType === 'node') { return params.name; } }"


def _load_url(domain: dict[str, Any]) -> None:
    """Copy the URL's filters and account into the widgets' state, once per session."""
    params = ui.url_state("graph", (*PARAMS, "account"))
    if not params:
        return
    filters = from_params(params)
    ui.show_problems(filters.problems)
    first, last = domain["first"], domain["last"]
    if first and last and (filters.since or filters.until):
        since = dt.date.fromisoformat(filters.since) if filters.since else first
        until = dt.date.fromisoformat(filters.until) if filters.until else last
        st.session_state["f_dates"] = (min(max(since, first), last), max(min(until, last), first))
    st.session_state["f_gov"] = [g for g in filters.governments if g in domain["governments"]]
    st.session_state["f_rel"] = list(filters.relations)
    st.session_state["f_platform"] = list(filters.platforms)
    st.session_state["f_min"] = filters.min_count
    st.session_state["f_cross"] = filters.cross_government_only
    st.session_state["f_top"] = "all" if filters.top_n is None else filters.top_n
    if filters.top_n not in TOP_CHOICES and filters.top_n is not None:
        TOP_CHOICES.append(filters.top_n)
    ui.select_from_url(params, "account", ACCOUNT_KEY, set(ui.actor_options()["actor_id"]).__contains__, "account")


def _defaults(domain: dict[str, Any]) -> None:
    """Widget values live only in session state (no `value=`), so URL values never conflict."""
    first, last = domain["first"], domain["last"]
    defaults: dict[str, Any] = {
        "f_gov": [], "f_rel": [], "f_platform": [], "f_min": 1, "f_top": DEFAULT_TOP_N, "f_cross": False,
    }
    if first and last:
        defaults["f_dates"] = (first, last)
    for key, value in defaults.items():
        st.session_state.setdefault(key, value)


def _filters(domain: dict[str, Any]) -> Filters:
    """The filter widgets; returns the filters they describe."""
    since = until = None
    first, last = domain["first"], domain["last"]
    _defaults(domain)
    top = st.columns([3, 2, 2, 2])
    with top[0]:
        if first and last and first < last:
            chosen = st.slider("Posted between", min_value=first, max_value=last, format="YYYY-MM-DD",
                               key="f_dates")
            if isinstance(chosen, tuple) and tuple(chosen) != (first, last):
                since, until = chosen[0].isoformat(), chosen[1].isoformat()
        else:
            st.caption(f"Posted dates: {first or 'none known'}")
    with top[1]:
        governments = st.multiselect("Governments", domain["governments"], key="f_gov",
                                     help="Edges with either end in these governments.")
    with top[2]:
        relations = st.multiselect("Relations", list(RELATION_TYPES), key="f_rel")
    with top[3]:
        platforms = st.multiselect("Platforms", [p for p in PLATFORMS if p in domain["platforms"]] or list(PLATFORMS),
                                   key="f_platform")
    row = st.columns([2, 2, 3])
    with row[0]:
        min_count = st.number_input("Minimum edge count", min_value=1, max_value=1_000_000, step=1, key="f_min")
    with row[1]:
        top_n = st.selectbox("Strongest edges shown", TOP_CHOICES, key="f_top")
    with row[2]:
        cross = st.checkbox("Cross-government only", key="f_cross",
                            help="Keep only edges between accounts of different governments.")
    return Filters(
        since=since, until=until, governments=tuple(governments), relations=tuple(relations),
        platforms=tuple(platforms), min_count=int(min_count or 1), cross_government_only=bool(cross),
        top_n=None if top_n == "all" else int(top_n or DEFAULT_TOP_N),
    )


def _on_graph_click() -> None:
    event = (st.session_state.get(GRAPH_KEY) or {}).get("chart_event")
    if isinstance(event, str) and event in set(ui.actor_options()["actor_id"]):
        st.session_state[ACCOUNT_KEY] = event


def _show_posts(posts: pd.DataFrame) -> None:
    for post_id, citations in posts.groupby("post_id", sort=False):
        first = citations.iloc[0]
        with st.container(border=True):
            st.caption(f"Post on {ui.present(first['platform'])} · {ui.present(first['posted']) or 'date unknown'}")
            st.text(ui.present(first["text"]) or "(the articles paraphrase this post without quoting it)")
            for citation in citations.itertuples(index=False):
                st.text(f"Evidence: {ui.present(citation.sentence)}")
                st.text(f"Cited by: {ui.present(citation.article_title) or '(untitled)'}"
                        f" — {ui.present(citation.outlet) or 'unknown outlet'}"
                        f" ({ui.present(citation.published) or 'undated'})")
            cited = citations.assign(article_url=citations["article_url"].map(ui.web_link))
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
            st.page_link("views/posts.py", label="Provenance of this post", icon="🔎",
                         query_params={"post": str(post_id)})


def _relation_line(relation: Any) -> str:
    other = ui.present(relation.other_name)
    if relation.relation == "mention":
        line = f"→ names {other}" if relation.direction == "outgoing" else f"← named by {other}"
    elif relation.direction == "outgoing":
        line = f"→ {relation.relation} to {other}"
    else:
        line = f"← {relation.relation} from {other}"
    if ui.present(relation.other_text):
        line += f": “{ui.present(relation.other_text)}”"
    return line


def _show_relations(relations: pd.DataFrame) -> None:
    for relation in relations.itertuples(index=False):
        st.text(_relation_line(relation))
        if relation.relation != "mention":
            st.text(f"Evidence: {ui.present(relation.evidence)}")


st.title("Amplification graph")
st.caption("Accounts whose posts answer, repost, quote or name one another, from the articles that cite them.")
ui.stop_if_empty()

domain = ui.filter_domain()
_load_url(domain)
filters = _filters(domain)
edges = ui.graph_edges(filters)
nodes = ui.graph_nodes(filters, edges)
st.caption(f"{ui.plural(len(edges), 'edge')} between {ui.plural(len(nodes), 'account')}"
           + ("" if filters.top_n is None else f" (the strongest {filters.top_n} edges at most)"))
if edges.empty:
    st.info("No amplification edges for these filters: no cited post answers, reposts or names another account.")

st_echarts(
    dashboard_data.echarts_graph_option(nodes, edges),
    events={"click": NODE_CLICK},
    height="560px",
    key=GRAPH_KEY,
    on_change=_on_graph_click,
)

downloads = st.columns(4)
for column, fmt in zip(downloads, ("gexf", "graphml", "csv", "parquet"), strict=True):
    with column:
        st.download_button(f"Graph as {fmt.upper()}", data=lambda fmt=fmt: ui.export_download("graph", fmt, filters),
                           file_name=f"amplification.{fmt}", key=f"download-graph-{fmt}", on_click="ignore")

st.subheader("Posts per week")
weekly = ui.timeline(filters)
if weekly.empty:
    st.text("No posts with a known day for these filters.")
else:
    st.bar_chart(weekly, x="week", y="posts", color="government", height=220)

options = ui.actor_options()
labels = dict(zip(options["actor_id"], options["label"], strict=True))
account = st.selectbox(
    "Account",
    options=list(labels),
    format_func=lambda actor_id: labels.get(actor_id, actor_id),
    index=None,
    placeholder="Click a node in the graph or choose an account",
    key=ACCOUNT_KEY,
)
ui.set_url({**to_params(filters), "account": account or ""})

if account is None:
    st.stop()

st.page_link("views/accounts.py", label=f"Open {labels.get(account, account)} in Accounts", icon="👤",
             query_params={"account": account})
posts = ui.actor_posts(account)
st.subheader("Posts")
if posts.empty:
    st.text(f"No cited posts by {labels.get(account, account)}; other posts name this account.")
else:
    _show_posts(posts)

relations = ui.actor_relations(account)
st.subheader("Replies, responses and mentions")
if relations.empty:
    st.text("None recorded.")
else:
    _show_relations(relations)
