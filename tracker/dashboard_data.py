"""Read-side loaders for the dashboard: plain DataFrames from the published snapshot.

Every loader opens the snapshot read-only with ``connect_reader``, runs one parameterised query
and closes the connection (DESIGN.md: never hold a connection, or a publish would be refused and
the reader would keep serving the old file). Caching belongs to the dashboard (``st.cache_data``
with a ttl), not here, so the loaders stay plain functions that tests can call directly.

An absent snapshot, a snapshot without the tables, or an empty one gives empty frames with the
expected columns; ``snapshot_message`` says in one line what to run instead.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import duckdb
import pandas as pd

from tracker import search
from tracker.errors import TrackerError
from tracker.filters import Filters, edge_where, post_where
from tracker.store import SQL_DIR, Target, connect_reader

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
TIMELINE_COLUMNS = ["week", "government", "posts"]
ACCOUNT_COLUMNS = [
    "actor_id", "display_name", "government", "kind", "in_registry", "posts", "citing_articles",
    "outlets", "first_seen", "last_seen",
]
ACTOR_EDGE_COLUMNS = ["direction", "other_actor", "other_name", "other_government", "relation", "n", "articles"]
UNKNOWN_COLUMNS = ["actor_id", "display_name", "posts", "citing_articles", "outlets", "example"]
POST_LIST_COLUMNS = [
    "post_id", "actor", "actor_id", "government", "platform", "posted", "text", "stories", "articles",
    "outlets", "score",
]
POST_DETAIL_COLUMNS = [
    "post_id", "actor", "actor_id", "government", "platform", "posted", "text", "stories", "articles",
    "outlets", "status_id", "url", "confidence",
]
CITATION_COLUMNS = [
    "article_id", "article_title", "outlet", "article_url", "published", "story_id", "actor_name", "quote",
    "cue", "embed_kind", "sentence", "sentence_start", "sentence_end",
]
TREE_COLUMNS = ["post_id", "parent_id", "relation", "depth", "actor", "posted", "text"]
ARTICLE_COLUMNS = ["article_id", "title", "outlet", "published", "url", "source", "language", "posts"]
ARTICLE_DETAIL_COLUMNS = ["article_id", "title", "outlet", "published", "url", "source", "language", "authors", "text"]
SPAN_COLUMNS = ["span_start", "span_end", "kind", "ref"]
RUN_COLUMNS = [
    "run_id", "started_at", "finished_at", "status", "sources", "fetched", "not_modified", "new_articles",
    "updated", "unchanged", "posts", "relations", "errors", "seconds",
]
ERROR_COLUMNS = ["host", "error_kind", "n", "last_seen", "example"]

# Legend category for actors whose government is not known, drawn grey.
UNKNOWN_GOVERNMENT = "unknown"
UNKNOWN_COLOUR = "#9e9e9e"
# One colour per government (Tableau 10, colour-blind friendly); the theme's default blues are
# too close to each other to tell two governments apart.
GOVERNMENT_COLOURS = [
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
]

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


def _load(db: Target, sql: str, params: Mapping[str, Any], columns: Sequence[str]) -> pd.DataFrame:
    """Run one read query on the snapshot; a missing or unusable snapshot gives an empty frame."""
    return _load_with(db, lambda _con: (sql, dict(params)), columns)


def _load_with(
    db: Target,
    build: Callable[[duckdb.DuckDBPyConnection], tuple[str, dict[str, Any]]],
    columns: Sequence[str],
) -> pd.DataFrame:
    """Like ``_load`` for a query that depends on the snapshot (its index, its optional tables)."""
    try:
        con = connect_reader(db)
    except TrackerError as exc:  # no snapshot yet, a store that cannot be opened, a bad store URL
        log.warning("dashboard query skipped: %s", exc)
        return _empty(columns, f"{exc}. {INGEST_HINT}")
    try:
        sql, params = build(con)
        frame = con.execute(sql, params).df()
    except duckdb.CatalogException as exc:
        # A snapshot published before `tracker init` created the tables and views.
        log.warning("dashboard query failed on %s: %s", db, exc)
        return _empty(columns, f"the snapshot of {db} has no tracker tables. {INGEST_HINT}")
    finally:
        con.close()
    return frame.reindex(columns=list(columns))


def snapshot_message(db: Target) -> str | None:
    """One line to show instead of the dashboard when there is nothing to show, else None."""
    try:
        con = connect_reader(db)
    except TrackerError as exc:
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


def actor_posts(db: Target, actor_id: str) -> pd.DataFrame:
    """The actor's posts, one row per citing article: the post and its evidence sentence."""
    return _load(db, _POSTS_SQL, {"actor": actor_id}, POST_COLUMNS)


def actor_relations(db: Target, actor_id: str) -> pd.DataFrame:
    """Relations and mentions from and to the actor's posts, with the other side's post text."""
    return _load(db, _RELATIONS_SQL, {"actor": actor_id}, RELATION_COLUMNS)


# ---------------------------------------------------------------- graph


def filter_domain(db: Target) -> dict[str, Any]:
    """What the graph's filters can choose from: posted date range, governments, platforms, relations."""
    frame = _load(db, """
        select
            (select min(posted) from posts where length(posted) >= 7) as first_posted,
            (select max(posted) from posts where length(posted) >= 7) as last_posted,
            (select list(distinct coalesce(government, 'unknown') order by coalesce(government, 'unknown'))
               from post_actors) as governments,
            (select list(distinct platform order by platform) from posts) as platforms,
            (select list(distinct relation order by relation) from amplification_edge_posts) as relations
    """, {}, ["first_posted", "last_posted", "governments", "platforms", "relations"])
    if frame.empty:
        return {"first": None, "last": None, "governments": [], "platforms": [], "relations": []}
    row = frame.iloc[0]
    return {
        "first": _day(row["first_posted"], start=True),
        "last": _day(row["last_posted"], start=False),
        "governments": _list(row["governments"]),
        "platforms": _list(row["platforms"]),
        "relations": _list(row["relations"]),
    }


def _list(value: Any) -> list[str]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    return [str(v) for v in value if v is not None]


def _day(value: Any, *, start: bool) -> dt.date | None:
    """A posted value ('YYYY-MM-DD' or 'YYYY-MM') as a date; a month gives its first or last day."""
    if not isinstance(value, str):
        return None
    try:
        if len(value) == 7:
            first = dt.date.fromisoformat(value + "-01")
            if start:
                return first
            following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            return following - dt.timedelta(days=1)
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def graph_edges(db: Target, filters: Filters | None = None) -> pd.DataFrame:
    """Actor -> actor edges with counts, filtered, strongest first, at most ``filters.top_n``."""
    filters = filters or Filters()
    where, params = edge_where(filters)
    limit = "" if filters.top_n is None else f"limit {int(filters.top_n)}"
    sql = f"""
    with
    occurrences as (select * from amplification_edge_posts as e where {where}),
    final as (
        select
            source_actor,
            target_actor,
            relation,
            count(*) as n,
            count(distinct article_id) as articles,
            any_value(cross_government) as cross_government,
            any_value(source_government) as source_government,
            any_value(target_government) as target_government,
            min(posted) as first_posted,
            max(posted) as last_posted,
        from occurrences
        group by source_actor, target_actor, relation
        having count(*) >= $min_count
    )
    select * from final
    order by n desc, articles desc, source_actor, target_actor, relation
    {limit}
    """
    return _load(db, sql, {**params, "min_count": filters.min_count}, EDGE_COLUMNS)


def graph_nodes(db: Target, filters: Filters | None = None, edges: pd.DataFrame | None = None) -> pd.DataFrame:
    """The accounts to draw: both ends of the shown edges, then the busiest posters up to ``top_n``.

    Post counts follow the date, platform and government filters. With "cross-government only"
    only the edges' ends are drawn (an isolated account has no cross-government edge).
    """
    filters = filters or Filters()
    if edges is None:
        edges = graph_edges(db, filters)
    ends = sorted(set(edges["source_actor"].dropna()) | set(edges["target_actor"].dropna()))
    room = 0 if filters.cross_government_only or filters.relations else max(0, (filters.top_n or 1_000_000) - len(ends))
    where, params = post_where(filters)
    sql = f"""
    with
    posters as (
        select p.actor_id, count(*) as posts,
        from post_actors as p
        where p.actor_id is not null and {where}
        group by p.actor_id
    ),
    chosen as (
        select unnest($ends::varchar[]) as actor_id
        union
        select actor_id from (select actor_id from posters order by posts desc, actor_id limit $room)
    ),
    final as (
        select
            c.actor_id,
            coalesce(a.display_name, c.actor_id) as display_name,
            a.government,
            a.kind,
            coalesce(a.in_registry, false) as in_registry,
            coalesce(p.posts, 0) as posts,
        from chosen as c
        left join actors as a on a.actor_id = c.actor_id
        left join posters as p on p.actor_id = c.actor_id
    )
    select * from final
    order by posts desc, actor_id
    """
    return _load(db, sql, {**params, "ends": ends, "room": room}, NODE_COLUMNS)


def timeline(db: Target, filters: Filters | None = None) -> pd.DataFrame:
    """Posts per week per government for the filters (day-dated posts only)."""
    filters = filters or Filters()
    where, params = post_where(filters)
    sql = f"""
    with
    dated as (
        select
            date_trunc('week', try_cast(p.posted as date)) as week,
            coalesce(p.government, 'unknown') as government,
        from post_actors as p
        where length(p.posted) = 10 and {where}
    ),
    final as (
        select week, government, count(*) as posts,
        from dated
        where week is not null
        group by all
    )
    select * from final order by week, government
    """
    return _load(db, sql, params, TIMELINE_COLUMNS)


def actor_options(db: Target) -> pd.DataFrame:
    """Every account that posts or is named, labelled "name (id)", for the account pickers."""
    sql = """
    with
    ids as (
        select actor_id from posts where actor_id is not null
        union
        select actor_id from post_mentions where actor_id is not null
    ),
    final as (
        select
            i.actor_id,
            coalesce(a.display_name, i.actor_id) as display_name,
            a.government,
            (select count(*) from posts as p where p.actor_id = i.actor_id) as posts,
        from ids as i
        left join actors as a on a.actor_id = i.actor_id
    )
    select * from final
    """
    options = _load(db, sql, {}, OPTION_COLUMNS[:-1])
    options["label"] = [
        name if name == actor_id else f"{name} ({actor_id})"
        for actor_id, name in zip(options["actor_id"], options["display_name"], strict=True)
    ]
    return options.sort_values("label", key=lambda labels: labels.str.casefold()).reset_index(drop=True)


# ---------------------------------------------------------------- accounts

_ACCOUNTS_SQL = """
with
cited as (
    select
        p.actor_id,
        count(distinct p.post_id) as posts,
        count(distinct c.article_id) as citing_articles,
        count(distinct a.outlet) as outlets,
        min(coalesce(a.published, strftime(a.fetched_at, '%Y-%m-%d'))) as first_seen,
        max(coalesce(a.published, strftime(a.fetched_at, '%Y-%m-%d'))) as last_seen,
    from posts as p
    join post_citations as c on c.post_id = p.post_id
    join articles as a on a.article_id = c.article_id
    where p.actor_id is not null and ($actor is null or p.actor_id = $actor)
    group by p.actor_id
),
final as (
    select
        a.actor_id,
        a.display_name,
        a.government,
        a.kind,
        a.in_registry,
        coalesce(c.posts, 0) as posts,
        coalesce(c.citing_articles, 0) as citing_articles,
        coalesce(c.outlets, 0) as outlets,
        c.first_seen,
        c.last_seen,
    from actors as a
    left join cited as c on c.actor_id = a.actor_id
    where (a.in_registry or c.posts > 0) and ($actor is null or a.actor_id = $actor)
)
select * from final
order by posts desc, citing_articles desc, display_name
"""


def accounts(db: Target) -> pd.DataFrame:
    """Registry accounts (and cited unknown posters) with post, article and outlet counts."""
    return _load(db, _ACCOUNTS_SQL, {"actor": None}, ACCOUNT_COLUMNS)


def account(db: Target, actor_id: str) -> pd.DataFrame:
    """The one account ``actor_id`` (an empty frame when it is unknown)."""
    return _load(db, _ACCOUNTS_SQL, {"actor": actor_id}, ACCOUNT_COLUMNS)


def actor_edges(db: Target, actor_id: str) -> pd.DataFrame:
    """Who the account amplifies (outgoing) and who amplifies it (incoming), with counts."""
    sql = """
    with
    outgoing as (
        select 'amplifies' as direction, target_actor as other_actor, relation,
               count(*) as n, count(distinct article_id) as articles,
        from amplification_edge_posts where source_actor = $actor
        group by all
    ),
    incoming as (
        select 'amplified by' as direction, source_actor as other_actor, relation,
               count(*) as n, count(distinct article_id) as articles,
        from amplification_edge_posts where target_actor = $actor
        group by all
    ),
    both_ as (select * from outgoing union all select * from incoming),
    final as (
        select
            b.direction,
            b.other_actor,
            coalesce(a.display_name, b.other_actor) as other_name,
            a.government as other_government,
            b.relation,
            b.n,
            b.articles,
        from both_ as b
        left join actors as a on a.actor_id = b.other_actor
    )
    select * from final order by direction, n desc, other_actor, relation
    """
    return _load(db, sql, {"actor": actor_id}, ACTOR_EDGE_COLUMNS)


def unknown_posters(db: Target, limit: int = 200) -> pd.DataFrame:
    """Posters outside the registry, most cited first: the candidates to add to seeds/actors.csv."""
    sql = """
    with
    final as (
        select
            a.actor_id,
            a.display_name,
            count(distinct p.post_id) as posts,
            count(distinct c.article_id) as citing_articles,
            count(distinct ar.outlet) as outlets,
            any_value(c.sentence order by ar.published desc nulls last) as example,
        from actors as a
        join posts as p on p.actor_id = a.actor_id
        join post_citations as c on c.post_id = p.post_id
        join articles as ar on ar.article_id = c.article_id
        where not a.in_registry
        group by a.actor_id, a.display_name
    )
    select * from final order by citing_articles desc, posts desc, display_name limit $limit
    """
    return _load(db, sql, {"limit": limit}, UNKNOWN_COLUMNS)


# ---------------------------------------------------------------- posts


def search_posts(db: Target, query: str = "", filters: Filters | None = None, limit: int = 200) -> pd.DataFrame:
    """Posts matching ``query`` (BM25 over post text; substring where there is no index), best first.

    An empty query lists the most recently posted. Each row counts the citing articles and
    the stories (wire copies of one story count once) and outlets.
    """
    filters = filters or Filters()
    where, params = post_where(filters, "pa")
    query = query.strip()[:500]

    def build(con: duckdb.DuckDBPyConnection) -> tuple[str, dict[str, Any]]:
        if query:
            source = f"select post_id, score from ({search.search_sql(con)})"
            order = "m.score desc, p.posted desc nulls last, p.post_id"
            extra = {"q": query}
        else:
            source = "select post_id, 0.0 as score from posts"
            order = "p.posted desc nulls last, p.post_id"
            extra = {}
        # The page shows `limit` posts: choose them first, then count citations for those only
        # (counting for every post first took 0.5 s of 0.85 s at 100,000 posts).
        sql = f"""
        with
        matched as ({source}),
        chosen as (
            select p.post_id, m.score, row_number() over (order by {order}) as rank,
            from matched as m
            join posts as p on p.post_id = m.post_id
            join post_actors as pa on pa.post_id = p.post_id
            where {where}
            order by {order}
            limit $limit
        ),
        counts as ({_citation_counts_sql("(select post_id from chosen)")}),
        final as (
            select
                p.post_id,
                coalesce(pa.actor_name, c.actor_name) as actor,
                p.actor_id,
                pa.government,
                p.platform,
                p.posted,
                p.text,
                coalesce(c.stories, 0) as stories,
                coalesce(c.articles, 0) as articles,
                c.outlets,
                ch.score,
                ch.rank,
            from chosen as ch
            join posts as p on p.post_id = ch.post_id
            join post_actors as pa on pa.post_id = p.post_id
            left join counts as c on c.post_id = p.post_id
        )
        select * exclude (rank) from final order by rank
        """
        return sql, {**params, **extra, "limit": limit}

    if query:
        with search.wanted():
            return _load_with(db, build, POST_LIST_COLUMNS)
    return _load_with(db, build, POST_LIST_COLUMNS)


def _citation_counts_sql(posts: str) -> str:
    """Stories, citing articles and outlets (view ``post_story_counts``: wire copies of one story
    count once) of the posts the ``posts`` subquery names, with a poster's name as written."""
    return f"""
        select
            s.post_id,
            s.stories,
            s.articles,
            array_to_string(s.outlets, ', ') as outlets,
            n.actor_name,
        from post_story_counts as s
        left join (
            select post_id, any_value(actor_name) as actor_name,
            from post_citations
            where post_id in {posts}
            group by post_id
        ) as n on n.post_id = s.post_id
        where s.post_id in {posts}
    """


def post_detail(db: Target, post_id: str) -> pd.DataFrame:
    """The post ``post_id`` with its account and citation counts (empty when unknown)."""
    sql = f"""
    with counts as ({_citation_counts_sql("(select $post)")})
    select
        p.post_id, coalesce(pa.actor_name, c.actor_name) as actor, p.actor_id, pa.government,
        p.platform, p.posted, p.text, coalesce(c.stories, 0) as stories,
        coalesce(c.articles, 0) as articles, c.outlets, p.status_id, p.url, p.confidence,
    from posts as p
    join post_actors as pa on pa.post_id = p.post_id
    left join counts as c on c.post_id = p.post_id
    where p.post_id = $post
    """
    return _load(db, sql, {"post": post_id}, POST_DETAIL_COLUMNS)


def post_citations(db: Target, post_id: str) -> pd.DataFrame:
    """Every article citing the post, earliest first: outlet, story, quote as written, evidence."""
    sql = """
    select
        c.article_id,
        a.title as article_title,
        a.outlet,
        a.url as article_url,
        a.published,
        s.story_id,
        c.actor_name,
        array_to_string(c.quote, ' … ') as quote,
        c.cue,
        c.embed_kind,
        c.sentence,
        c.sentence_start,
        c.sentence_end,
    from post_citations as c
    join articles as a on a.article_id = c.article_id
    join story_articles as s on s.article_id = c.article_id
    where c.post_id = $post
    order by a.published nulls last, a.fetched_at, c.article_id, c.sentence_start
    """
    return _load(db, sql, {"post": post_id}, CITATION_COLUMNS)


def quote_variants(citations: pd.DataFrame) -> pd.DataFrame:
    """The distinct renditions of a post's text across its citations, most common first."""
    quotes = citations[citations["quote"].fillna("").str.len() > 0]
    if quotes.empty:
        return pd.DataFrame({"quote": pd.Series(dtype="object"), "articles": pd.Series(dtype="int64"),
                             "outlets": pd.Series(dtype="object")})
    grouped = quotes.groupby("quote", sort=False).agg(
        articles=("article_id", "nunique"),
        outlets=("outlet", lambda o: ", ".join(sorted({str(x) for x in o if isinstance(x, str)}))),
    )
    return grouped.reset_index().sort_values(["articles", "quote"], ascending=[False, True]).reset_index(drop=True)


_TREE_SQL = """
with recursive
edges as (
    select distinct source_post, target_post, relation
    from post_relations
    where relation in ('reply', 'response', 'quote', 'repost')
),
up(post_id, parent_id, relation, depth, path) as (
    select $post, null::varchar, null::varchar, 0, [$post]
    union all
    select e.target_post, u.post_id, e.relation, u.depth - 1, list_append(u.path, e.target_post)
    from up as u
    join edges as e on e.source_post = u.post_id
    where not list_contains(u.path, e.target_post) and u.depth > -$max_depth
),
down(post_id, parent_id, relation, depth, path) as (
    select $post, null::varchar, null::varchar, 0, [$post]
    union all
    select e.source_post, d.post_id, e.relation, d.depth + 1, list_append(d.path, e.source_post)
    from down as d
    join edges as e on e.target_post = d.post_id
    where not list_contains(d.path, e.source_post) and d.depth < $max_depth
),
nodes as (
    select post_id, parent_id, relation, depth from up where depth < 0
    union
    select post_id, parent_id, relation, depth from down
),
final as (
    select
        n.post_id,
        n.parent_id,
        n.relation,
        n.depth,
        pa.actor_name as actor,
        p.posted,
        p.text,
    from nodes as n
    join posts as p on p.post_id = n.post_id
    left join post_actors as pa on pa.post_id = n.post_id
)
select * from final order by depth, posted nulls last, post_id
"""


def reply_tree(db: Target, post_id: str, max_depth: int = 20) -> pd.DataFrame:
    """The post's chain up (what it answers: negative depth) and down (what answers it: positive).

    ``parent_id`` is the neighbour one step closer to the post; ``relation`` is the relation
    between the two, read source -> target ("reply" at depth 1 means that post replies to
    its parent; at depth -1 it means the post's parent replies to this one).
    """
    return _load(db, _TREE_SQL, {"post": post_id, "max_depth": max_depth}, TREE_COLUMNS)


def tree_lines(tree: pd.DataFrame, post_id: str, width: int = 140) -> list[str]:
    """The reply chain as indented text lines: the oldest post answered at the top, then each
    answer under the post it answers (depth-first), the chosen post marked."""
    rows = {str(r.post_id): r for r in tree.itertuples(index=False)}
    ups = sorted((r for r in rows.values() if _count(r.depth) < 0), key=lambda r: -_count(r.depth))
    lines: list[str] = []

    def line(row: Any, indent: int, how: str) -> str:
        who = _text(row.actor) or "unknown poster"
        mark = "  [this post]" if str(row.post_id) == post_id else ""
        return f"{'    ' * indent}{how}{who}{mark}: {_text(row.text)[:width]}"

    # Ancestors: depth -k answers nothing above it in this chain; each is answered by the next.
    for indent, row in enumerate(ups):
        how = "" if indent == 0 else f"↳ {_text(ups[indent - 1].relation) or 'answer'}: "
        lines.append(line(row, indent, how))
    base = len(ups)
    if post_id in rows:
        how = f"↳ {_text(ups[-1].relation)}: " if ups else ""
        lines.append(line(rows[post_id], base, how))
    children: dict[str, list[Any]] = {}
    for row in rows.values():
        if _count(row.depth) > 0:
            children.setdefault(str(row.parent_id), []).append(row)

    def walk(parent: str, indent: int, seen: set[str]) -> None:
        for child in children.get(parent, []):
            if str(child.post_id) in seen:
                continue
            lines.append(line(child, indent, f"↳ {_text(child.relation)}: "))
            walk(str(child.post_id), indent + 1, seen | {str(child.post_id)})

    walk(post_id, base + 1, {post_id})
    return lines


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


# ---------------------------------------------------------------- articles


def articles(db: Target, query: str = "", limit: int = 500) -> pd.DataFrame:
    """Articles, newest first, optionally those whose title, outlet or URL contains ``query``."""
    sql = """
    with
    counts as (select article_id, count(distinct post_id) as posts from post_citations group by article_id),
    final as (
        select
            a.article_id, a.title, a.outlet, a.published, a.url, a.source, a.language,
            coalesce(c.posts, 0) as posts, a.fetched_at,
        from articles as a
        left join counts as c on c.article_id = a.article_id
        where $q = ''
           or contains(lower(coalesce(a.title, '')), lower($q))
           or contains(lower(coalesce(a.outlet, '')), lower($q))
           or contains(lower(coalesce(a.url, a.source)), lower($q))
    )
    select * exclude (fetched_at) from final
    order by published desc nulls last, fetched_at desc, article_id
    limit $limit
    """
    return _load(db, sql, {"q": query.strip()[:500], "limit": limit}, ARTICLE_COLUMNS)


def article_detail(db: Target, article_id: str) -> pd.DataFrame:
    sql = """
    select article_id, title, outlet, published, url, source, language, authors, text
    from articles where article_id = $article
    """
    return _load(db, sql, {"article": article_id}, ARTICLE_DETAIL_COLUMNS)


def article_spans(db: Target, article_id: str) -> pd.DataFrame:
    """The evidence spans of an article: quotes and cues of its citations, relations, mentions."""
    sql = """
    with
    quotes as (
        select unnest(c.quote_starts) as span_start, unnest(c.quote_ends) as span_end,
               'quote' as kind, c.post_id as ref,
        from post_citations as c where c.article_id = $article
    ),
    sentences as (
        select c.sentence_start, c.sentence_end, 'sentence', c.post_id
        from post_citations as c where c.article_id = $article
    ),
    cues as (
        select c.cue_start, c.cue_end, 'cue', c.post_id
        from post_citations as c where c.article_id = $article and c.cue_start is not null
    ),
    relations as (
        select r.span_start, r.span_end, 'relation', r.relation
        from post_relations as r where r.article_id = $article
    ),
    mentions as (
        select m.span_start, m.span_end, 'mention', coalesce(m.actor_id, m.actor_name)
        from post_mentions as m where m.article_id = $article
    ),
    final as (
        select * from quotes
        union all select * from sentences
        union all select * from cues
        union all select * from relations
        union all select * from mentions
    )
    select * from final where span_start is not null and span_end > span_start
    order by span_start, span_end desc
    """
    return _load(db, sql, {"article": article_id}, SPAN_COLUMNS)


# Higher rank wins where spans overlap: a quote inside its sentence is shown as a quote.
SPAN_RANK = {"sentence": 0, "relation": 1, "cue": 2, "mention": 3, "quote": 4}


def highlight_html(text: str, spans: pd.DataFrame) -> str:
    """The article text as escaped HTML with each evidence span wrapped in a marked ``<mark>``.

    Every character of the article passes through ``html.escape``; only the tags written here
    are markup, so a ``<script>`` or Markdown in the article shows as text.
    """
    kinds: list[str | None] = [None] * len(text)
    for row in spans.itertuples(index=False):
        start, end = max(0, _count(row.span_start)), min(len(text), _count(row.span_end))
        for i in range(start, end):
            current = kinds[i]
            if current is None or SPAN_RANK.get(str(row.kind), 0) >= SPAN_RANK.get(current, 0):
                kinds[i] = str(row.kind)
    parts: list[str] = []
    i = 0
    while i < len(text):
        j = i
        while j < len(text) and kinds[j] == kinds[i]:
            j += 1
        chunk = html.escape(text[i:j])
        kind = kinds[i]
        parts.append(chunk if kind is None else f'<mark class="ev-{kind}" title="{kind}">{chunk}</mark>')
        i = j
    return (
        '<div class="article-text" style="white-space: pre-wrap; font-family: inherit; line-height: 1.5">'
        + "".join(parts) + "</div>"
    )


# ---------------------------------------------------------------- SQL and runs


def example_queries() -> dict[str, str]:
    """The example queries shipped in sql/queries/, by file name."""
    folder = SQL_DIR / "queries"
    return {path.stem: path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.sql"))}


def runs(db: Target, limit: int = 200) -> pd.DataFrame:
    sql = """
    select run_id, started_at, finished_at, status, sources, fetched, not_modified, new_articles,
           updated, unchanged, posts, relations, errors,
           round(epoch(finished_at - started_at), 1) as seconds,
    from runs order by started_at desc limit $limit
    """
    return _load(db, sql, {"limit": limit}, RUN_COLUMNS)


def fetch_errors(db: Target, run_id: str | None = None) -> pd.DataFrame:
    """Failed fetches grouped by host and error kind (all runs, or one)."""
    sql = """
    with
    failed as (
        select
            coalesce(nullif(regexp_extract(url, '^[a-zA-Z][a-zA-Z0-9+.-]*://([^/:?#]+)', 1), ''), '(local)') as host,
            coalesce(error_kind, 'error') as error_kind,
            error,
            fetched_at,
        from fetches
        where error is not null and ($run is null or run_id = $run)
    ),
    final as (
        select host, error_kind, count(*) as n, max(fetched_at) as last_seen,
               any_value(error order by fetched_at desc) as example,
        from failed
        group by host, error_kind
    )
    select * from final order by n desc, host, error_kind
    """
    return _load(db, sql, {"run": run_id}, ERROR_COLUMNS)


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


SAVED_COLUMNS = ["name", "page", "params", "updated_at"]


def saved_searches(db: Target) -> pd.DataFrame:
    """The saved searches, by name (none in a snapshot older than migration 0003)."""
    return _load(db, "select name, page, params, updated_at from saved_searches order by name", {}, SAVED_COLUMNS)
