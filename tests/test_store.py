"""The store on a real DuckDB file: migrations, idempotent ingestion, the snapshot, the read guard."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from conftest import SEED, scalar

from tracker import store
from tracker.errors import QueryError, StoreError
from tracker.pipeline import ingest
from tracker.registry import Registry


def _count(db: Path, table: str) -> int:
    return int(scalar(db, f"select count(*) from {table}"))


def test_migrations_apply_once_and_rerun_safely(tmp_path: Path, registry: Registry) -> None:
    db = tmp_path / "t.duckdb"
    con = store.connect_writer(db)
    try:
        every = [f"{version:04d}_{name}" for version, name, _ in store.migrations()]
        assert every[:2] == ["0001_core_tables", "0002_fetch_state"]
        assert store.migrate(con) == every
        assert store.migrate(con) == []
        store.load_registry_rows(con, registry)
        store.load_registry_rows(con, registry)
        versions = con.execute("select version from schema_migrations").fetchall()
        actors = con.execute("select count(*) from actors where in_registry").fetchone()
    finally:
        con.close()
    assert versions == [(v,) for v, _, _ in store.migrations()]
    assert actors is not None and actors[0] == len(registry)


def test_ingesting_the_seed_twice_changes_nothing(seeded_db: Path, registry: Registry) -> None:
    before = {t: _count(seeded_db, t) for t in ("articles", "posts", "post_citations", "post_relations",
                                                 "post_mentions")}
    assert before["posts"] == 4 and before["post_relations"] == 1 and before["articles"] == 1
    again = ingest(seeded_db, [str(SEED)], registry)
    assert again.unchanged == 1 and again.new_articles == 0
    after = {t: _count(seeded_db, t) for t in before}
    assert after == before
    assert _count(seeded_db, "runs") == 2


def test_a_changed_article_replaces_its_citations(tmp_path: Path, registry: Registry) -> None:
    article = tmp_path / "story.txt"
    article.write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    db = tmp_path / "t.duckdb"
    ingest(db, [str(article)], registry)
    # The upstream copy drops the MEA's post.
    text = SEED.read_text(encoding="utf-8")
    start = text.index('"India and the US held')
    end = text.index("the MEA posted on X.") + len("the MEA posted on X.")
    article.write_text(text[:start] + text[end:], encoding="utf-8")
    summary = ingest(db, [str(article)], registry)
    assert summary.updated == 1
    assert _count(db, "articles") == 1
    assert _count(db, "post_citations") == 3
    assert _count(db, "posts") == 3  # the orphaned post went with its citation


def test_citations_hold_the_exact_evidence(seeded_db: Path) -> None:
    con = duckdb.connect(str(seeded_db), read_only=True)
    try:
        failing = con.execute((store.SQL_DIR / "checks" / "citations_without_evidence.sql").read_text()).fetchall()
        orphans = con.execute((store.SQL_DIR / "checks" / "orphan_posts.sql").read_text()).fetchall()
        spans = con.execute(
            "select c.quote[1], substr(a.text, c.quote_starts[1] + 1, c.quote_ends[1] - c.quote_starts[1]) "
            "from post_citations c join articles a using (article_id)"
        ).fetchall()
    finally:
        con.close()
    assert failing == [] and orphans == []
    assert len(spans) == 4 and all(quote == span for quote, span in spans)


def test_readers_use_the_snapshot_and_cannot_write(seeded_db: Path) -> None:
    assert store.snapshot_path(seeded_db).exists()
    result = store.run_query(seeded_db, "select count(*) as n from posts")
    assert result.columns == ["n"] and result.rows == [(4,)]
    for query in ("drop table posts", "insert into posts (post_id, platform) values ('x', 'x')",
                  "copy posts to 'out.csv'", "attach 'other.duckdb' as other", "install fts",
                  "select 1; delete from posts"):
        with pytest.raises(QueryError, match="only read queries"):
            store.run_query(seeded_db, query)
    with pytest.raises(QueryError, match="file system operations are disabled"):
        store.run_query(seeded_db, "select * from read_csv('/etc/passwd')")
    with pytest.raises(QueryError, match="syntax error"):
        store.run_query(seeded_db, "selec 1")
    assert store.run_query(seeded_db, "select count(*) from posts").rows == [(4,)]


def test_a_query_row_cap_and_time_limit(seeded_db: Path) -> None:
    capped = store.run_query(seeded_db, "select * from range(100)", max_rows=10)
    assert len(capped.rows) == 10 and capped.truncated
    with pytest.raises(QueryError, match="stopped after"):
        store.run_query(seeded_db, "select count(*) from range(100000000000) a", timeout=0.5)


def test_no_snapshot_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no published snapshot"):
        store.run_query(tmp_path / "none.duckdb", "select 1")


def test_the_snapshot_stays_readable_while_the_writer_holds_the_working_file(seeded_db: Path) -> None:
    writer = store.connect_writer(seeded_db)
    try:
        assert store.run_query(seeded_db, "select count(*) from posts").rows == [(4,)]
    finally:
        writer.close()


def test_amplification_edges_view(seeded_db: Path) -> None:
    rows = store.run_query(
        seeded_db,
        "select source_actor, target_actor, relation, n, cross_government from amplification_edges "
        "order by relation desc, source_actor, target_actor",
    ).rows
    assert rows == [
        ("USAndIndia", "AmitShah", "response", 1, True),
        ("AmitShah", "narcoticsbureau", "mention", 1, False),
        ("IndianEmbassyUS", "ONDCP", "mention", 1, True),
        ("USAndIndia", "narcoticsbureau", "mention", 1, True),
    ]


def test_html_pages_are_stored_with_their_embedded_posts(tmp_path: Path, registry: Registry) -> None:
    from conftest import FIXTURES

    pages = sorted((FIXTURES / "html").glob("*.html"))
    db = tmp_path / "html.duckdb"
    summary = ingest(db, [str(p) for p in pages], registry)
    assert summary.errors == 0 and summary.new_articles == len(pages)
    con = duckdb.connect(str(db), read_only=True)
    try:
        failing = con.execute((store.SQL_DIR / "checks" / "citations_without_evidence.sql").read_text()).fetchall()
        embedded = con.execute("select count(distinct status_id) from posts where status_id is not null").fetchone()
        mashable = con.execute(
            "select count(*) from post_citations c join articles a using (article_id) "
            "where a.source like '%mashable%' and c.embed_kind = 'blockquote'"
        ).fetchone()
    finally:
        con.close()
    assert failing == []
    assert embedded is not None and embedded[0] == 72  # every gold embed of the fixture pages, once
    assert mashable is not None and mashable[0] == 12
    again = ingest(db, [str(p) for p in pages], registry)
    assert again.unchanged == len(pages) and again.new_articles == 0
