"""Read-side loaders for the dashboard: plain DataFrames from the published snapshot.

Every loader opens the snapshot read-only with ``connect_reader``, runs one parameterised query
and closes the connection (DESIGN.md: never hold a connection, or a publish would be refused and
the reader would keep serving the old file). Caching belongs to the dashboard (``st.cache_data``
with a ttl), not here, so the loaders stay plain functions that tests can call directly.

An absent snapshot, a snapshot without the tables, or an empty one gives empty frames with the
expected columns; ``snapshot_message`` says in one line what to run instead.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from tracker.errors import StoreError
from tracker.store import connect_reader

log = logging.getLogger(__name__)

INGEST_HINT = "Run `tracker init` and `tracker ingest` to fill the database and publish its snapshot."

EDGE_COLUMNS = [
    "source_actor", "target_actor", "relation", "n", "articles", "cross_government",
    "source_government", "target_government", "first_posted", "last_posted",
]
NODE_COLUMNS = ["actor_id", "display_name", "government", "kind", "in_registry", "posts"]
POST_COLUMNS = [
    "post_id", "platform", "posted", "text", "post_url", "article_url", "article_title",
    "outlet", "source", "published", "cue", "sentence",
]
RELATION_COLUMNS = [
    "post_id", "direction", "relation", "other_actor", "other_name", "other_post_id",
    "other_text", "evidence", "article_title", "article_url",
]
OPTION_COLUMNS = ["actor_id", "display_name", "government", "posts", "label"]

# Legend category for actors whose government is not known, drawn grey.
UNKNOWN_GOVERNMENT = "unknown"
UNKNOWN_COLOUR = "#9e9e9e"
# One colour per government (Tableau 10, colour-blind friendly); the theme's default blues are
# too close to each other to tell two governments apart.
GOVERNMENT_COLOURS = [
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
]

_EDGES_SQL = """
with
edges as (select * from amplification_edges),
final as (
    select
        source_actor,
        target_actor,
        relation,
        n,
        articles,
        cross_government,
        source_government,
        target_government,
        first_posted,
        last_posted,
    from edges
    where cross_government or not $cross_only
)
select * from final
order by source_actor, target_actor, relation
"""

_NODES_SQL = """
with
edges as (select * from amplification_edges),
posters as (
    select actor_id, count(*) as posts,
    from posts
    where actor_id is not null
    group by actor_id
),
ids as (
    select source_actor as actor_id from edges
    union
    select target_actor from edges
    union
    select actor_id from posters
),
final as (
    select
        i.actor_id,
        coalesce(a.display_name, i.actor_id) as display_name,
        a.government,
        a.kind,
        coalesce(a.in_registry, false) as in_registry,
        coalesce(p.posts, 0) as posts,
    from ids as i
    left join actors as a on a.actor_id = i.actor_id
    left join posters as p on p.actor_id = i.actor_id
)
select * from final
order by posts desc, actor_id
"""

_POSTS_SQL = """
with
posts_ as (select * from posts where actor_id = $actor),
citations as (select * from post_citations),
articles_ as (select * from articles),
final as (
    select
        p.post_id,
        p.platform,
        p.posted,
        p.text,
        p.url as post_url,
        a.url as article_url,
        a.title as article_title,
        a.outlet,
        a.source,
        a.published,
        c.cue,
        c.sentence,
        c.sentence_start,
    from posts_ as p
    join citations as c on c.post_id = p.post_id
    join articles_ as a on a.article_id = c.article_id
)
select * exclude (sentence_start) from final
order by posted desc nulls last, post_id, published desc nulls last, article_url, sentence_start
"""

# Both directions of every relation and mention touching the actor's posts: the reply chains.
_RELATIONS_SQL = """
with
mine as (select post_id from posts where actor_id = $actor),
outgoing as (
    select
        r.source_post as post_id, 'outgoing' as direction, r.relation,
        dst.actor_id as other_actor, r.target_post as other_post_id,
        r.evidence, r.article_id, r.span_start,
    from post_relations as r
    join posts as dst on dst.post_id = r.target_post
    where r.source_post in (select post_id from mine)
),
incoming as (
    select
        r.target_post as post_id, 'incoming' as direction, r.relation,
        src.actor_id as other_actor, r.source_post as other_post_id,
        r.evidence, r.article_id, r.span_start,
    from post_relations as r
    join posts as src on src.post_id = r.source_post
    where r.target_post in (select post_id from mine)
),
names as (
    select
        m.post_id, 'outgoing' as direction, 'mention' as relation,
        coalesce(m.actor_id, m.actor_name) as other_actor, null as other_post_id,
        m.actor_name as evidence, m.article_id, m.span_start,
    from post_mentions as m
    where m.post_id in (select post_id from mine)
),
named_by as (
    select
        null as post_id, 'incoming' as direction, 'mention' as relation,
        p.actor_id as other_actor, m.post_id as other_post_id,
        m.actor_name as evidence, m.article_id, m.span_start,
    from post_mentions as m
    join posts as p on p.post_id = m.post_id
    where m.actor_id = $actor
      and p.actor_id is distinct from $actor
),
all_relations as (
    select * from outgoing
    union all select * from incoming
    union all select * from names
    union all select * from named_by
),
final as (
    select
        r.post_id,
        r.direction,
        r.relation,
        r.other_actor,
        coalesce(oa.display_name, r.other_actor) as other_name,
        r.other_post_id,
        op.text as other_text,
        r.evidence,
        a.title as article_title,
        a.url as article_url,
        r.span_start,
    from all_relations as r
    left join actors as oa on oa.actor_id = r.other_actor
    left join posts as op on op.post_id = r.other_post_id
    left join articles as a on a.article_id = r.article_id
)
select * exclude (span_start) from final
order by direction desc, relation, other_actor, article_url, span_start
"""

_STATUS_SQL = "select (select count(*) from posts) as posts, (select count(*) from actors) as actors"


def _empty(columns: Sequence[str], message: str | None = None) -> pd.DataFrame:
    frame = pd.DataFrame({column: pd.Series(dtype="object") for column in columns})
    if message:
        frame.attrs["message"] = message
    return frame


def _load(db: Path, sql: str, params: Mapping[str, Any], columns: Sequence[str]) -> pd.DataFrame:
    """Run one read query on the snapshot; a missing or unusable snapshot gives an empty frame."""
    try:
        con = connect_reader(db)
    except StoreError as exc:
        log.warning("dashboard query skipped: %s", exc)
        return _empty(columns, f"{exc}. {INGEST_HINT}")
    try:
        frame = con.execute(sql, dict(params)).df()
    except duckdb.CatalogException as exc:
        # A snapshot published before `tracker init` created the tables and views.
        log.warning("dashboard query failed on %s: %s", db, exc)
        return _empty(columns, f"the snapshot of {db} has no tracker tables. {INGEST_HINT}")
    finally:
        con.close()
    return frame.reindex(columns=list(columns))


def snapshot_message(db: Path) -> str | None:
    """One line to show instead of the dashboard when there is nothing to show, else None."""
    try:
        con = connect_reader(db)
    except StoreError as exc:
        return f"No data yet: {exc}"
    try:
        row = con.execute(_STATUS_SQL).fetchone()
    except duckdb.CatalogException:
        return f"No data yet: the snapshot of {db} has no tracker tables. {INGEST_HINT}"
    finally:
        con.close()
    if row is None or row[0] == 0:
        return f"No posts in the snapshot of {db} yet. {INGEST_HINT}"
    return None


def graph_edges(db: Path, cross_government_only: bool = False) -> pd.DataFrame:
    """Actor -> actor amplification edges (relations and mentions) with counts."""
    return _load(db, _EDGES_SQL, {"cross_only": cross_government_only}, EDGE_COLUMNS)


def graph_nodes(db: Path) -> pd.DataFrame:
    """Actors that post or appear in an edge, with their government, kind and post count."""
    return _load(db, _NODES_SQL, {}, NODE_COLUMNS)


def actor_posts(db: Path, actor_id: str) -> pd.DataFrame:
    """The actor's posts, one row per citing article: the post and its evidence sentence."""
    return _load(db, _POSTS_SQL, {"actor": actor_id}, POST_COLUMNS)


def actor_relations(db: Path, actor_id: str) -> pd.DataFrame:
    """Relations and mentions from and to the actor's posts, with the other side's post text."""
    return _load(db, _RELATIONS_SQL, {"actor": actor_id}, RELATION_COLUMNS)


def actor_options(db: Path) -> pd.DataFrame:
    """The accounts the dashboard can select: every graph node, labelled "name (id)"."""
    nodes = graph_nodes(db)
    if nodes.empty:
        return _empty(OPTION_COLUMNS, nodes.attrs.get("message"))
    options = nodes[["actor_id", "display_name", "government", "posts"]].copy()
    options["label"] = [
        name if name == actor_id else f"{name} ({actor_id})"
        for actor_id, name in zip(options["actor_id"], options["display_name"], strict=True)
    ]
    return options.sort_values("label", key=lambda labels: labels.str.casefold()).reset_index(drop=True)


def _count(value: Any) -> int:
    """A count from a frame cell as a JSON-ready int (the component serialises with json.dumps)."""
    return 0 if value is None or pd.isna(value) else int(value)


def _government(value: object) -> str:
    return value if isinstance(value, str) and value else UNKNOWN_GOVERNMENT


def _plain(text: object) -> str:
    """Text for an ECharts string formatter: braces would be read as template or rich-text tags."""
    return str(text).replace("{", "(").replace("}", ")")


def echarts_graph_option(nodes: pd.DataFrame, edges: pd.DataFrame) -> dict[str, Any]:
    """The streamlit-echarts option of the amplification graph.

    Nodes are named by ``actor_id`` so a click handler returning ``params.name`` gives the
    account; each government is a legend category (and so a colour); node size follows the
    post count and edge width the number of times the edge was seen.
    """
    governments = sorted({_government(g) for g in nodes["government"]}, key=_category_order)
    category = {name: index for index, name in enumerate(governments)}
    data = [
        {
            "name": str(row.actor_id),
            "value": _count(row.posts),
            "category": category[_government(row.government)],
            "symbolSize": min(60, 14 + 10 * math.sqrt(_count(row.posts))),
            "tooltip": {"formatter": _plain(
                f"{row.display_name} ({row.actor_id})\n"
                f"government: {_government(row.government)}, posts: {_count(row.posts)}"
            )},
        }
        for row in nodes.itertuples(index=False)
    ]
    links = [
        {
            "source": str(row.source_actor),
            "target": str(row.target_actor),
            "value": _count(row.n),
            "relation": str(row.relation),
            "lineStyle": {"width": min(8, 1 + 1.5 * _count(row.n)),
                          "type": "dashed" if row.relation == "mention" else "solid"},
            "label": {"show": True, "formatter": _plain(row.relation)},
            "tooltip": {"formatter": _plain(
                f"{row.source_actor} → {row.target_actor}: {row.relation} × {_count(row.n)}"
            )},
        }
        for row in edges.itertuples(index=False)
    ]
    return {
        # richText draws tooltips on the canvas: names from articles never become HTML.
        "tooltip": {"show": True, "renderMode": "richText"},
        "legend": [{"data": governments, "top": 0}],
        "color": [_colour(i, name) for i, name in enumerate(governments)],
        "series": [
            {
                "type": "graph",
                "layout": "force",
                "roam": True,
                # Dragging a node restarts the force layout under the pointer, so clicks would
                # often land on empty canvas (measured in the browser test): pan and zoom only.
                "draggable": False,
                "categories": [
                    {"name": name, "itemStyle": {"color": _colour(index, name)}}
                    for index, name in enumerate(governments)
                ],
                "data": data,
                "links": links,
                "edgeSymbol": ["none", "arrow"],
                "edgeSymbolSize": 10,
                # Two relations between the same accounts (response and mention) stay apart.
                "autoCurveness": True,
                "label": {"show": True, "position": "right"},
                "edgeLabel": {"fontSize": 11},
                "emphasis": {"focus": "adjacency"},
                "force": {"repulsion": 500, "edgeLength": [130, 240], "gravity": 0.1},
            }
        ],
    }


def _colour(index: int, government: str) -> str:
    if government == UNKNOWN_GOVERNMENT:
        return UNKNOWN_COLOUR
    return GOVERNMENT_COLOURS[index % len(GOVERNMENT_COLOURS)]


def _category_order(government: str) -> tuple[bool, str]:
    return (government == UNKNOWN_GOVERNMENT, government)
