"""Full-text search over post text with DuckDB's ``fts`` extension (BM25).

The index lives only in the published snapshot: ``build_index`` runs on the snapshot file just
before it replaces the old one, so the writer's database carries no index to keep up to date and
readers get an index that always matches the posts they see. Where the extension cannot be
loaded (or the store has no index), ``search_sql`` falls back to a case-insensitive substring
match, so the Posts page still answers, only without ranking.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

import duckdb

from tracker import extensions

log = logging.getLogger(__name__)

INDEX_SCHEMA = "fts_main_posts"
# Loading fts costs ~40 ms per reader connection, so only readers opened inside ``wanted()`` load
# it; a reader sharing an instance that was locked without it falls back to substring matching.
_WANTED: ContextVar[bool] = ContextVar("fts_wanted", default=False)


@contextmanager
def wanted() -> Iterator[None]:
    """Readers connected inside this block load the fts extension (for ranked post search)."""
    token = _WANTED.set(True)
    try:
        yield
    finally:
        _WANTED.reset(token)


def is_wanted() -> bool:
    return _WANTED.get()


def build_index(path: Path) -> bool:
    """Create the BM25 index of ``posts.text`` in the DuckDB file at ``path``; False if impossible."""
    con = duckdb.connect(str(path), config=dict(extensions.BASE_CONFIG))
    try:
        if not extensions.load(con, "fts"):
            log.warning("the fts extension is unavailable: post search falls back to substring matching")
            return False
        con.execute("pragma create_fts_index('posts', 'post_id', 'text', stemmer = 'english', overwrite = 1)")
        con.execute("checkpoint")
        return True
    finally:
        con.close()


def has_index(con: duckdb.DuckDBPyConnection) -> bool:
    """The snapshot has the BM25 index and this connection has the extension to use it."""
    row = con.execute(
        "select (select count(*) from duckdb_functions() where schema_name = ? and function_name = 'match_bm25')"
        " * (select count(*) from duckdb_functions() where function_name = 'stem')",  # fts is loaded
        [INDEX_SCHEMA],
    ).fetchone()
    return bool(row and row[0])


def search_sql(con: duckdb.DuckDBPyConnection) -> str:
    """A query over ``posts`` with a ``score`` column for parameter ``$q`` (best first)."""
    if has_index(con):
        return (
            f"select * from (select p.*, {INDEX_SCHEMA}.match_bm25(p.post_id, $q) as score from posts as p)"
            " where score is not null"
        )
    return (
        "select p.*, 1.0 as score from posts as p"
        " where p.text ilike '%' || replace(replace($q, '%', '\\%'), '_', '\\_') || '%' escape '\\'"
    )
