"""Exports of the published snapshot: the amplification graph, posts, citations and relations.

One code path serves ``tracker export`` and the dashboard's download buttons:
``export_file`` writes a file (atomically: a temporary file renamed into place), ``export_bytes``
returns the bytes for ``st.download_button``, and both go through ``write_export`` onto any
binary sink.

Tables are streamed: DuckDB hands Arrow record batches of ``BATCH_ROWS`` rows from the
read-only snapshot (``COPY ... TO`` is refused on that locked-down connection) and pyarrow
writes each batch as it comes, so any number of rows is exported without holding them: memory
follows the joined lookup tables (posts, articles), not the rows written. There is no row cap
and no ORDER BY (a sort would hold every row); rows come in stored order, which DuckDB keeps
(``preserve_insertion_order``), so the same snapshot gives the same file.

The graph is read with the dashboard's own loaders (``graph_edges``/``graph_nodes``), so a
filtered export is the graph the dashboard shows; as GEXF or GraphML it is a networkx
``MultiDiGraph`` (one edge per source, target and relation) that Gephi opens; as CSV, Parquet or
JSONL it is the edge list.

Filters mean what the dashboard's graph filters mean (tracker/filters.py). Posts and citations
take the posted-date, platform and government filters (the poster's government); relations
take those (on the source post; a government at either end) plus relation types and
cross-government only; the edge count and top-N filters apply to the graph alone.
"""

from __future__ import annotations

import io
import json
import os
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

import duckdb
import pyarrow as pa

from tracker.errors import ConfigError, QueryError, StoreError
from tracker.filters import dated_where
from tracker.store import Target, connect_reader

if TYPE_CHECKING:
    import pandas as pd

    from tracker.filters import Filters

WHATS = ("graph", "posts", "citations", "relations")
TABLE_FORMATS = ("csv", "parquet", "jsonl")
GRAPH_FORMATS = ("gexf", "graphml")
FORMATS: dict[str, tuple[str, ...]] = {
    "graph": (*GRAPH_FORMATS, *TABLE_FORMATS),
    "posts": TABLE_FORMATS,
    "citations": TABLE_FORMATS,
    "relations": TABLE_FORMATS,
}
# For the dashboard's download buttons (st.download_button's mime).
MEDIA_TYPES = {
    "gexf": "application/gexf+xml",
    "graphml": "application/graphml+xml",
    "csv": "text/csv",
    "parquet": "application/vnd.apache.parquet",
    "jsonl": "application/x-ndjson",
}
# The graph as an edge list (the columns of dashboard_data.EDGE_COLUMNS), typed even when empty.
EDGE_SCHEMA = pa.schema([
    ("source_actor", pa.string()), ("target_actor", pa.string()), ("relation", pa.string()),
    ("n", pa.int64()), ("articles", pa.int64()), ("cross_government", pa.bool_()),
    ("source_government", pa.string()), ("target_government", pa.string()),
    ("first_posted", pa.string()), ("last_posted", pa.string()),
])
# Rows per Arrow batch: a few MB of post text at a time, whatever the table's size.
BATCH_ROWS = 10_000


def check(what: str, fmt: str) -> None:
    """Refuse an unknown export or a format it cannot take, in one line."""
    if what not in FORMATS:
        raise ConfigError(f"unknown export {what!r}: choose one of {', '.join(WHATS)}")
    if fmt not in FORMATS[what]:
        raise ConfigError(f"{what} cannot be exported as {fmt!r}: choose one of {', '.join(FORMATS[what])}")


def format_for(path: str | Path) -> str | None:
    """The format a file name asks for by its suffix (``.gexf``, ``.parquet``, ...), if any."""
    suffix = Path(path).suffix.lower().lstrip(".")
    suffix = {"ndjson": "jsonl", "pq": "parquet"}.get(suffix, suffix)
    return suffix if suffix in MEDIA_TYPES else None


def export_filename(what: str, fmt: str) -> str:
    """A file name for a download: ``tracker-graph.gexf``, ``tracker-posts.parquet``."""
    check(what, fmt)
    return f"tracker-{what}.{fmt}"


def export_bytes(target: Target, what: str, fmt: str, filters: Filters | None = None, *,
                 actors: Sequence[str] = ()) -> bytes:
    """The whole export as bytes (for a download button)."""
    check(what, fmt)
    buffer = io.BytesIO()
    write_export(target, what, fmt, buffer, filters, actors=actors)
    return buffer.getvalue()


def export_file(target: Target, what: str, fmt: str, out: Path, filters: Filters | None = None, *,
                actors: Sequence[str] = (), force: bool = False) -> int:
    """Write the export to ``out``; the number of rows (edges for the graph) written.

    An existing ``out`` is refused unless ``force``. The file appears whole or not at all.
    """
    check(what, fmt)
    if out.exists() and not force:
        raise ConfigError(f"{out} exists: give --force to replace it")
    if out.exists() and not out.is_file():
        raise ConfigError(f"{out} is not a regular file")
    out.parent.mkdir(parents=True, exist_ok=True)
    # A hidden temporary name beside ``out``, created exclusively (with the umask's permissions).
    tmp = out.with_name(f".{out.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with tmp.open("xb") as sink:
            rows = write_export(target, what, fmt, sink, filters, actors=actors)
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return rows


def write_export(target: Target, what: str, fmt: str, sink: IO[bytes], filters: Filters | None = None, *,
                 actors: Sequence[str] = ()) -> int:
    """Write the export onto a binary sink; the number of rows (edges for the graph) written."""
    check(what, fmt)
    if what == "graph":
        nodes, edges = graph_frames(target, filters)
        if fmt in GRAPH_FORMATS:
            _write_graph(nodes, edges, fmt, sink)
        else:
            table = pa.Table.from_pandas(edges, schema=EDGE_SCHEMA, preserve_index=False)
            _write_batches(iter(table.to_batches()), EDGE_SCHEMA, fmt, sink)
        return len(edges)
    sql, params = table_query(what, filters, actors=actors, csv=fmt == "csv")
    if fmt == "jsonl":
        # DuckDB writes each row's JSON text (vectorised; Python's json.dumps is 5x slower here)
        sql = f"select to_json(row_)::varchar as line from ({sql}) as row_"
    con = _connect(target)
    try:
        try:
            reader = con.execute(sql, params).to_arrow_reader(BATCH_ROWS)
        except duckdb.CatalogException as exc:
            raise StoreError(f"the snapshot of {target} lacks the tracker's tables or views: "
                             "run `tracker init` to migrate it") from exc
        except duckdb.Error as exc:
            raise QueryError(str(exc).strip().splitlines()[0]) from exc
        if fmt == "jsonl":
            return _write_lines(iter(reader), sink)
        return _write_batches(iter(reader), reader.schema, fmt, sink)
    finally:
        con.close()


def _connect(target: Target) -> duckdb.DuckDBPyConnection:
    # connect_reader takes what the store is named by (a path today, a store URL too later)
    return connect_reader(cast(Any, target))


# ---------------------------------------------------------------- the graph


def graph_frames(target: Target, filters: Filters | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The dashboard's graph: (nodes, edges) as its loaders give them for these filters."""
    from tracker.dashboard_data import graph_edges, graph_nodes

    edges = graph_edges(target, filters)
    nodes = graph_nodes(target, filters, edges)
    for frame in (edges, nodes):
        if frame.attrs.get("message"):
            # the loaders give an empty frame and a message; an export fails with one line instead
            _connect(target).close()  # raises the store's own error when there is no snapshot
            raise StoreError(str(frame.attrs["message"]))
    return nodes, edges


def _value(value: Any) -> str | int | float | bool:
    """An attribute value GEXF and GraphML accept: no None or NaN (networkx and Gephi refuse them)."""
    import pandas as pd

    if isinstance(value, bool | str):
        return value
    if value is None or pd.isna(value):
        return ""
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, bool | int | float):
        return value
    return str(value)


def build_graph(nodes: pd.DataFrame, edges: pd.DataFrame) -> Any:
    """A networkx MultiDiGraph: accounts with label, government, kind, posts; edges by relation."""
    import networkx as nx

    graph = nx.MultiDiGraph(name="post provenance: actor amplification")
    for row in nodes.to_dict("records"):
        graph.add_node(str(row["actor_id"]), label=_value(row["display_name"]) or str(row["actor_id"]),
                       government=_value(row["government"]), kind=_value(row["kind"]),
                       in_registry=bool(_value(row["in_registry"]) or False), posts=int(_value(row["posts"]) or 0))
    for row in edges.to_dict("records"):
        source, target = str(row["source_actor"]), str(row["target_actor"])
        for end in (source, target):
            if end not in graph:  # an edge end the node query did not return still needs a label
                graph.add_node(end, label=end, government="", kind="", in_registry=False, posts=0)
        relation = str(row["relation"])
        graph.add_edge(
            source, target, key=f"{source}|{relation}|{target}", label=relation, relation=relation,
            weight=int(_value(row["n"]) or 0), articles=int(_value(row["articles"]) or 0),
            first_posted=_value(row["first_posted"]), last_posted=_value(row["last_posted"]),
            cross_government=bool(_value(row["cross_government"]) or False),
            source_government=_value(row["source_government"]), target_government=_value(row["target_government"]),
        )
    return graph


def _write_graph(nodes: pd.DataFrame, edges: pd.DataFrame, fmt: str, sink: IO[bytes]) -> None:
    import networkx as nx

    graph = build_graph(nodes, edges)
    if fmt == "gexf":
        nx.write_gexf(graph, sink)
    else:
        nx.write_graphml(graph, sink)


# ---------------------------------------------------------------- tables


def _conditions(filters: Filters | None, alias: str, *, government: str,
                other_government: str | None = None) -> tuple[list[str], dict[str, Any]]:
    """Date, platform and government conditions over rows with ``posted`` and ``platform``."""
    if filters is None:
        return [], {}
    clauses, params = dated_where(filters, alias)
    if filters.governments:
        ends = [government, *([other_government] if other_government else [])]
        clauses.append("(" + " or ".join(
            f"coalesce({alias}.{g}, 'unknown') in (select unnest($governments))" for g in ends) + ")")
        params["governments"] = list(filters.governments)
    return clauses, params


_POSTS_SQL = """
with
posts_ as (select * from posts),
poster as (select * from post_actors),
counts as (select * from post_story_counts),
final as (
    select
        p.post_id,
        p.platform,
        p.actor_id,
        pa.actor_name,
        pa.government,
        pa.kind,
        pa.in_registry,
        p.status_id,
        p.url,
        p.text,
        p.posted,
        p.posted_granularity,
        p.confidence,
        p.first_seen,
        coalesce(c.stories, 0) as stories,
        coalesce(c.articles, 0) as articles,
        coalesce(c.outlets, []) as outlets,
    from posts_ as p
    join poster as pa on pa.post_id = p.post_id
    left join counts as c on c.post_id = p.post_id
)
select * from final as f
where {where}
"""

_CITATIONS_SQL = """
with
citations as (select * from post_citations),
poster as (select * from post_actors),
articles_ as (select * from story_articles),
final as (
    select
        c.article_id,
        c.post_key,
        c.post_id,
        pa.actor_id,
        pa.actor_name,
        c.actor_name as named_as,
        pa.government,
        pa.platform,
        pa.posted,
        c.quote,
        c.paraphrase,
        c.cue,
        c.sentence,
        c.sentence_start,
        c.sentence_end,
        c.embed_kind,
        c.confidence,
        a.url as article_url,
        a.title as article_title,
        a.outlet,
        a.published,
        a.story_id,
    from citations as c
    join poster as pa on pa.post_id = c.post_id
    join articles_ as a on a.article_id = c.article_id
)
select * from final as f
where {where}
"""

# Relations between posts and the accounts posts name: the rows behind the graph's edges.
_RELATIONS_SQL = """
with
poster as (select * from post_actors),
between_posts as (
    select
        r.article_id,
        r.relation,
        r.source_post,
        src.actor_id as source_actor,
        src.government as source_government,
        r.target_post,
        dst.actor_id as target_actor,
        dst.actor_name as target_name,
        dst.government as target_government,
        src.posted,
        src.platform,
        r.evidence,
        r.span_start,
        r.span_end,
    from post_relations as r
    join poster as src on src.post_id = r.source_post
    join poster as dst on dst.post_id = r.target_post
),
named as (
    select
        m.article_id,
        'mention' as relation,
        m.post_id as source_post,
        src.actor_id as source_actor,
        src.government as source_government,
        null as target_post,
        m.actor_id as target_actor,
        coalesce(ta.display_name, m.actor_name) as target_name,
        ta.government as target_government,
        src.posted,
        src.platform,
        m.actor_name as evidence,
        m.span_start,
        m.span_end,
    from post_mentions as m
    join poster as src on src.post_id = m.post_id
    left join actors as ta on ta.actor_id = m.actor_id
),
all_relations as (
    select * from between_posts
    union all
    select * from named
),
final as (
    select
        *,
        coalesce(source_government, '?') <> coalesce(target_government, '?') as cross_government,
    from all_relations
)
select * from final as f
where {where}
"""


def table_query(what: str, filters: Filters | None = None, *, actors: Sequence[str] = (),
                csv: bool = False) -> tuple[str, dict[str, Any]]:
    """The SQL and parameters of a posts, citations or relations export."""
    if what == "relations":
        clauses, params = _conditions(filters, "f", government="source_government",
                                      other_government="target_government")
        if filters is not None and filters.relations:
            clauses.append("f.relation in (select unnest($relations))")
            params["relations"] = list(filters.relations)
        if filters is not None and filters.cross_government_only:
            clauses.append("f.cross_government")
        if actors:
            clauses.append("(f.source_actor in (select unnest($actors)) or f.target_actor in (select unnest($actors)))")
        template = _RELATIONS_SQL
    elif what in ("posts", "citations"):
        clauses, params = _conditions(filters, "f", government="government")
        if actors:
            clauses.append("f.actor_id in (select unnest($actors))")
        template = _POSTS_SQL if what == "posts" else _CITATIONS_SQL
    else:
        raise ConfigError(f"{what} is not a table export")
    if actors:
        params["actors"] = list(actors)
    sql = template.format(where=" and ".join(clauses) or "true")
    if csv:
        # CSV has no lists: each list column becomes its JSON text ('["AP", "Reuters"]').
        lists = {"posts": ("outlets",), "citations": ("quote",)}.get(what, ())
        if lists:
            sql = (f"select * replace ({', '.join(f'to_json({c})::varchar as {c}' for c in lists)}) "
                   f"from ({sql})")
    return sql, params


def _write_batches(batches: Iterator[pa.RecordBatch], schema: pa.Schema, fmt: str, sink: IO[bytes]) -> int:
    rows = 0
    if fmt == "parquet":
        import pyarrow.parquet as pq

        with pq.ParquetWriter(sink, schema, compression="zstd") as parquet:
            for batch in batches:
                parquet.write_batch(batch)
                rows += batch.num_rows
    elif fmt == "csv":
        import pyarrow.csv as pcsv

        with pcsv.CSVWriter(sink, schema) as writer:
            for batch in batches:
                writer.write_batch(batch)
                rows += batch.num_rows
    elif fmt == "jsonl":
        for batch in batches:
            lines = [json.dumps(record, ensure_ascii=False, default=_json_default) for record in batch.to_pylist()]
            if lines:
                sink.write(("\n".join(lines) + "\n").encode("utf-8"))
            rows += batch.num_rows
    else:
        raise ConfigError(f"{fmt!r} is not a table format: choose one of {', '.join(TABLE_FORMATS)}")
    return rows


def _write_lines(batches: Iterator[pa.RecordBatch], sink: IO[bytes]) -> int:
    """JSON Lines from batches whose one column holds each row's JSON text."""
    rows = 0
    for batch in batches:
        lines = batch.column(0).to_pylist()
        if lines:
            sink.write(("\n".join(lines) + "\n").encode("utf-8"))
        rows += batch.num_rows
    return rows


def _json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return str(value)
