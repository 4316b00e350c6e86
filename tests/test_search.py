"""Full-text post search: the BM25 index is built into the published snapshot only."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tracker import search, store


def _search(db: Path, q: str) -> list[str]:
    with search.wanted():
        con = store.connect_reader(db)
    try:
        rows = con.execute(f"select post_id, text from ({search.search_sql(con)}) order by score desc", {"q": q})
        return [text for _, text in rows.fetchall()]
    finally:
        con.close()


def test_the_snapshot_has_a_bm25_index_and_the_working_file_has_none(seeded_db: Path) -> None:
    with search.wanted():
        con = store.connect_reader(seeded_db)
    try:
        assert search.has_index(con)
    finally:
        con.close()
    working = duckdb.connect(str(seeded_db), read_only=True)
    try:
        schemas = {row[0] for row in working.execute("select schema_name from duckdb_schemas()").fetchall()}
    finally:
        working.close()
    assert search.INDEX_SCHEMA not in schemas


def test_search_ranks_posts_by_their_words_with_stemming(seeded_db: Path) -> None:
    hits = _search(seeded_db, "congratulation")  # stemmed: matches "Congratulations"
    assert hits and hits[0].startswith("Congratulations to NCB")
    assert _search(seeded_db, "zanzibar") == []


def test_reader_keeps_file_access_off_after_loading_fts(seeded_db: Path) -> None:
    con = store.connect_reader(seeded_db)
    try:
        with pytest.raises(duckdb.Error, match=r"disabled|Permission"):
            con.execute("select * from read_csv('/etc/passwd')").fetchall()
        with pytest.raises(duckdb.Error):
            con.execute("set enable_external_access = true")
    finally:
        con.close()


def test_substring_fallback_when_there_is_no_index(tmp_path: Path) -> None:
    path = tmp_path / "plain.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create table posts (post_id varchar, text varchar)")
    con.execute("insert into posts values ('a', 'Thanks to 100% of NCB'), ('b', 'unrelated'), ('c', null)")
    assert not search.has_index(con)
    rows = con.execute(f"select post_id from ({search.search_sql(con)})", {"q": "100%"}).fetchall()
    assert rows == [("a",)]
    assert con.execute(f"select post_id from ({search.search_sql(con)})", {"q": "_"}).fetchall() == []
    con.close()


def test_two_readers_open_at_once_share_the_locked_instance(seeded_db: Path) -> None:
    """DuckDB gives both connections one instance: the second must not try to lock it again."""
    with search.wanted():
        first = store.connect_reader(seeded_db)
        second = store.connect_reader(seeded_db)
    try:
        assert second.execute("select count(*) from posts").fetchone() == (4,)
        assert search.has_index(second)
        with pytest.raises(duckdb.Error):
            second.execute("select * from read_csv('/etc/passwd')").fetchall()
    finally:
        first.close()
        second.close()


def test_readers_load_fts_only_when_asked(seeded_db: Path) -> None:
    con = store.connect_reader(seeded_db)
    try:
        assert not search.has_index(con)  # the index is there, the extension is not: substring search
        rows = con.execute(f"select text from ({search.search_sql(con)})", {"q": "Thanks to NCB"}).fetchall()
        assert [text for (text,) in rows] == [
            "Thanks to NCB and Indian authorities for helping protect Americans against illegal drugs and saving "
            "American lives!"
        ]
    finally:
        con.close()
