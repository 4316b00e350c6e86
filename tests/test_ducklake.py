"""DuckLake stores: store URLs, migrations, the same answers as the DuckDB file, locked-down
readers, several workers on one lake (one of them killed), and the faults a worker meets.

The PostgreSQL catalog is a real server started for the session (``pg_server.pg``); the SQLite
catalog needs nothing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner
from conftest import SEED
from pg_server import PgServer, pg  # noqa: F401  (pg: the session's PostgreSQL server)
from site_server import article_pages, serve_site
from test_ingest_web import TABLES

from tracker import store
from tracker.cli import main
from tracker.errors import ConfigError, QueryError
from tracker.lake import LakeStore, lake_ddl
from tracker.pipeline import IngestOptions, Share, ingest
from tracker.registry import Registry

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
LOCAL = IngestOptions(allow_private=True, timeout=10.0, concurrency=8, per_host=8)


def sqlite_lake(folder: Path) -> str:
    return f"ducklake:sqlite:{folder / 'catalog.sqlite'}?data={folder / 'data'}"


def rows(target: Any, tables: dict[str, str] = TABLES) -> dict[str, list[tuple[Any, ...]]]:
    """What was stored (without run ids and timestamps), as readers see it."""
    con = store.connect_reader(target)
    try:
        return {t: sorted(con.execute(f"select {c} from {t}").fetchall(), key=repr) for t, c in tables.items()}
    finally:
        con.close()


def one(target: Any, sql: str) -> Any:
    return store.run_query(target, sql).rows[0][0]


# ---------------------------------------------------------------- store URLs


def test_store_urls_name_a_file_or_a_lake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert store.open_store("duckdb:data/t.duckdb") == store.FileStore(Path("data/t.duckdb"))
    assert store.open_store(Path("x.duckdb")) == store.open_store("x.duckdb") == store.FileStore(Path("x.duckdb"))
    lake = store.open_store("ducklake:sqlite:cat.sqlite?data=files", base=tmp_path)
    assert lake == LakeStore("sqlite", str(tmp_path / "cat.sqlite"), f"{tmp_path / 'files'}/")
    pgsql = store.open_store(f"ducklake:postgres:dbname=lake host=127.0.0.1 port=5432?data={tmp_path}/d/")
    assert isinstance(pgsql, LakeStore) and pgsql.spec == "dbname=lake host=127.0.0.1 port=5432"
    assert store.open_store(pgsql.url) == pgsql
    for bad, words in [("mysql:db", "unknown store 'mysql'"), ("ducklake:sqlite:c.sqlite", "?data=PATH"),
                       ("ducklake:duckdb:x?data=y", "catalog must be"),
                       ("ducklake:sqlite:c?data=y&z=1", "unknown parameter"),
                       ("ducklake:postgres:dbname=x password=secret?data=y", "PGPASSWORD")]:
        with pytest.raises(ConfigError, match=words.replace("?", r"\?")):
            store.open_store(bad)
    monkeypatch.delenv("TRACKER_STORE", raising=False)
    monkeypatch.delenv("TRACKER_DB", raising=False)
    assert store.default_target() == store.DEFAULT_DB
    monkeypatch.setenv("TRACKER_DB", "other.duckdb")
    assert store.default_target() == Path("other.duckdb")
    monkeypatch.setenv("TRACKER_STORE", lake.url)
    assert store.default_target() == lake.url


def test_a_sources_file_names_its_store_relative_to_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "conf" / "sources.toml"
    config.parent.mkdir()
    config.write_text(f'store = "ducklake:sqlite:lake/c.sqlite?data=lake/files"\n\n[[source]]\npath = "{SEEDS}"\n',
                      encoding="utf-8")
    monkeypatch.delenv("TRACKER_STORE", raising=False)
    monkeypatch.delenv("TRACKER_DB", raising=False)
    result = CliRunner().invoke(main, ["ingest", "--config", str(config)])
    assert result.exit_code == 0 and "posts=4" in result.output, result.output
    url = sqlite_lake(config.parent / "lake").replace("catalog.sqlite", "c.sqlite").replace("/data", "/files")
    assert one(url, "select count(*) from posts") == 4
    # --store (and the environment) come before the file
    other = sqlite_lake(tmp_path / "other")
    assert CliRunner().invoke(main, ["ingest", "--store", other, "--config", str(config)]).exit_code == 0
    assert one(other, "select count(*) from posts") == 4


def test_migrations_become_ducklake_ddl() -> None:
    sql = ("create table t (\n    id varchar primary key,  -- the key\n    tags varchar[] not null default [],\n"
           "    n integer unique,\n    primary key (id, n),\n    unique (n),\n);\ncreate unique index i on t (n);\n")
    assert lake_ddl(sql) == ("create table t (\n    id varchar,  -- the key\n    tags varchar[] not null,\n"
                             "    n integer,\n\n\n);\n")


MIGRATE = "import sys; from tracker import store; print(*store.migrate(store.open_store(sys.argv[1]).connect_writer()))"


def test_migrations_apply_to_a_lake_once_when_workers_start_together(tmp_path: Path, registry: Registry) -> None:
    url = sqlite_lake(tmp_path)
    every = [f"{version:04d}_{name}" for version, name, _ in store.migrations()]
    starts = [subprocess.Popen([sys.executable, "-c", MIGRATE, url], cwd=ROOT, stdout=subprocess.PIPE, text=True)
              for _ in range(2)]
    applied = [start.communicate(timeout=120)[0].split() for start in starts]
    assert [start.returncode for start in starts] == [0, 0]
    assert sorted(name for names in applied for name in names) == every  # each applied once, by one of them
    con = store.open_store(url).connect_writer()
    try:
        assert con.execute("select count(*) from schema_migrations").fetchone() == (len(every),)
        snapshots = con.execute("select count(*) from ducklake_snapshots('lake')").fetchone()
        assert snapshots is not None
        assert store.migrate(con) == [] and store.load_registry_rows(con, registry) == len(registry)
        # unchanged views are not created again: a worker's start adds no snapshot for them
        assert con.execute("select count(*) from ducklake_snapshots('lake')").fetchone() == (snapshots[0] + 1,)
    finally:
        con.close()


# ---------------------------------------------------------------- the same answers as the file


def _seed_answers(runner: CliRunner, flag: str, target: str) -> list[str]:
    assert runner.invoke(main, ["init", flag, target]).exit_code == 0
    result = runner.invoke(main, ["ingest", flag, target, str(SEEDS)])
    assert result.exit_code == 0 and "posts=4" in result.output, result.output
    queries = [path.read_text(encoding="utf-8") for path in sorted((store.SQL_DIR / "queries").glob("*.sql"))]
    queries += [f"select {columns} from {table} order by all" for table, columns in TABLES.items()]
    queries += ["select * exclude (first_seen) from posts order by post_id",
                "select * from amplification_edges order by all", "select * from post_actors order by all"]
    answers = []
    for query in queries:
        result = runner.invoke(main, ["sql", flag, target, "--format", "csv", "--", query])
        assert result.exit_code == 0, (query, result.output)
        header, *lines = result.output.splitlines()
        answers.append("\n".join([header, *sorted(lines)]))  # rows tied in an ORDER BY come in any order
    return answers


@pytest.mark.parametrize("catalog", ["sqlite", "postgres"])
def test_the_seed_gives_the_same_sql_answers_through_a_lake(tmp_path: Path, catalog: str,
                                                            request: pytest.FixtureRequest) -> None:
    runner = CliRunner()
    lake = (sqlite_lake(tmp_path / "lake") if catalog == "sqlite"
            else request.getfixturevalue("pg").lake_url(tmp_path / "lake"))
    expected = _seed_answers(runner, "--db", str(tmp_path / "t.duckdb"))
    assert _seed_answers(runner, "--store", lake) == expected
    assert "USAndIndia,AmitShah,response" in "".join(expected)
    again = runner.invoke(main, ["ingest", "--store", lake, str(SEEDS)])
    assert again.exit_code == 0 and "unchanged=1" in again.output
    assert one(lake, "select count(*) from posts") == 4


def test_lake_readers_are_locked_down(tmp_path: Path, pg: PgServer, registry: Registry) -> None:  # noqa: F811
    lake = pg.lake_url(tmp_path / "lake")
    ingest(lake, [str(SEED)], registry)
    assert store.run_query(lake, "select count(*) as n from posts").rows == [(4,)]
    refused = ["drop table posts", "insert into posts (post_id, platform) values ('x', 'x')",
               "copy posts to 'out.csv'", "attach 'other.duckdb' as other", "install fts",
               "select 1; delete from posts",
               "select * from postgres_query('__ducklake_metadata_lake', 'select 1')",
               "select * from __ducklake_metadata_lake.public.ducklake_snapshot",
               "select * from ducklake_expire_snapshots('lake', older_than => now())",
               "select * from ducklake_cleanup_old_files('lake', cleanup_all => true)",
               "explain analyze select * from \"ducklake_merge_adjacent_files\"('lake')",
               "select * from sqlite_scan('x.sqlite', 't')"]
    for query in refused:
        with pytest.raises(QueryError, match=r"only read queries|not available to read queries"):
            store.run_query(lake, query)
    secret = tmp_path / "secret.csv"  # beside the lake's data folder, not in it
    secret.write_text("a\n1\n", encoding="utf-8")
    for path in ("/etc/passwd", secret):
        with pytest.raises(QueryError, match="file system operations are disabled"):
            store.run_query(lake, f"select * from read_csv('{path}')")
    capped = store.run_query(lake, "select * from range(100)", max_rows=10)
    assert len(capped.rows) == 10 and capped.truncated
    # the lake's own history stays readable, and so do its snapshots (time travel)
    before = store.data_version(lake)
    assert before == one(lake, "select max(snapshot_id) from ducklake_snapshots('lake')")
    copy = tmp_path / "copy.txt"
    copy.write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    ingest(lake, [str(copy)], registry)  # another article citing the same four posts
    assert store.data_version(lake) > before
    assert one(lake, f"select count(*) from post_citations at (version => {before})") == 4
    assert one(lake, "select count(*) from post_citations") == 8 and one(lake, "select count(*) from posts") == 4


# ---------------------------------------------------------------- workers


def test_shares_split_every_key_once() -> None:
    keys = [f"https://example.org/news/{i}" for i in range(2000)]
    shares = [Share(k, 4) for k in range(1, 5)]
    taken = [[key for key in keys if share.takes(key)] for share in shares]
    assert sorted(key for part in taken for key in part) == sorted(keys)
    assert all(400 < len(part) < 600 for part in taken)
    assert str(Share.parse(" 2/4")) == "2/4"
    for bad in ("0/4", "5/4", "2", "a/b", "2/-4"):
        with pytest.raises(ConfigError, match="K/N"):
            Share.parse(bad)


def _worker(lake: str, share: str, feed: str) -> list[str]:
    return [sys.executable, "-m", "tracker.cli", "ingest", "--store", lake, "--worker", share, "--allow-private",
            "--concurrency", "8", "--per-host", "8", "--timeout", "30", "--format", "json", feed]


def test_four_workers_one_killed_and_restarted_store_the_rows_of_one_worker(
        tmp_path: Path, pg: PgServer, registry: Registry) -> None:  # noqa: F811
    pages = article_pages(44)  # 2,024 pages
    assert len(pages) > 2000
    with serve_site(pages) as site:
        feed = site.url("/feed.xml")
        single = pg.lake_url(tmp_path / "one")
        summary = ingest(single, [feed], registry, options=LOCAL)
        assert summary.errors == 0 and summary.new_articles == len(pages)
        lake = pg.lake_url(tmp_path / "four")
        served = sum(site.hits[p] for p in pages)
        logs = {k: tmp_path / f"worker-{k}.log" for k in range(1, 5)}

        def start(k: int) -> subprocess.Popen[bytes]:
            # its own process group, to kill with its pool; output to a file, which no orphan holds open
            with logs[k].open("ab") as log:
                return subprocess.Popen(_worker(lake, f"{k}/4", feed), cwd=ROOT, stdout=log, stderr=log,
                                        start_new_session=True)

        workers = {k: start(k) for k in range(1, 5)}
        # SIGKILL worker 3 once a quarter of the pages have been served: mid-fetch, mid-commit, whatever it was doing
        deadline = time.monotonic() + 120
        while sum(site.hits[p] for p in pages) - served < len(pages) // 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert workers[3].poll() is None, "worker 3 finished before it could be killed"
        os.killpg(workers[3].pid, signal.SIGKILL)  # the worker and its page-and-extract processes, as a machine dies
        workers[3].wait(timeout=60)
        workers[3] = start(3)
        for k, worker in workers.items():
            assert worker.wait(timeout=300) == 0, (k, logs[k].read_text(errors="replace")[-2000:])
    assert rows(lake) == rows(single)  # same articles, posts, citations, relations, mentions: no duplicates
    con = store.connect_reader(lake)
    try:
        runs = con.execute("select worker, status from runs order by worker, status").fetchall()
        taken = con.execute("select sum(new_articles) from runs where status = 'finished'").fetchone()
    finally:
        con.close()
    assert runs == [("1/4", "finished"), ("2/4", "finished"), ("3/4", "finished"), ("3/4", "interrupted"),
                    ("4/4", "finished")]
    assert taken is not None and taken[0] <= len(pages)  # the restarted worker redid only what was lost


def test_two_workers_given_the_same_share(tmp_path: Path, registry: Registry) -> None:
    lake = sqlite_lake(tmp_path)
    assert CliRunner().invoke(main, ["init", "--store", lake]).exit_code == 0
    # on this machine the share's run lock refuses the second at once
    where = store.open_store(lake)
    from tracker.schedule import run_lock

    with run_lock(where, "1/2"):
        result = CliRunner().invoke(main, ["ingest", "--store", lake, "--worker", "1/2", str(SEEDS)])
        assert result.exit_code == 1 and result.output.count("\n") == 1
        assert "another ingestion run holds" in result.output
        assert CliRunner().invoke(main, ["ingest", "--store", lake, "--worker", "2/2", str(SEEDS)]).exit_code == 0
    # on another machine: its run of the same share commits still, so this one refuses to start
    con = where.connect_writer()
    try:
        store.write(con, lambda: con.execute(
            "insert into runs (run_id, started_at, status, worker, host, pid, heartbeat_at) "
            "values ('elsewhere', ?, 'running', '1/2', 'other-host', 4242, ?)", [store.utcnow(), store.utcnow()]))
    finally:
        con.close()
    result = CliRunner().invoke(main, ["ingest", "--store", lake, "--worker", "1/2", str(SEEDS)])
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert "worker 1/2 is already running on other-host (pid 4242" in result.output
    # once it has been silent for long it is taken for dead, and the rerun completes the work
    con = where.connect_writer()
    try:
        store.write(con, lambda: con.execute("update runs set heartbeat_at = heartbeat_at - interval 1 hour "
                                             "where run_id = 'elsewhere'"))
    finally:
        con.close()
    assert CliRunner().invoke(main, ["ingest", "--store", lake, "--worker", "1/2", str(SEEDS)]).exit_code == 0
    assert one(lake, "select count(*) from posts") == 4 and one(lake, "select count(*) from articles") == 1
    assert one(lake, "select status from runs where run_id = 'elsewhere'") == "interrupted"


def test_each_share_keeps_its_own_feed_state(tmp_path: Path, registry: Registry) -> None:
    pages = article_pages()
    with serve_site(pages) as site:
        lake = sqlite_lake(tmp_path)
        feed = site.url("/feed.xml")
        for k in (1, 2):
            ingest(lake, [feed], registry, options=IngestOptions(allow_private=True, share=Share(k, 2)))
        assert one(lake, "select count(*) from articles") == len(pages)
        states = {r[0] for r in store.run_query(lake, "select url from url_state where url like '%feed.xml%'").rows}
        assert states == {f"{feed}#worker=1/2", f"{feed}#worker=2/2"}
        # the next run of each share costs a 304, without hiding the share's items from the other
        again = ingest(lake, [feed], registry, options=IngestOptions(allow_private=True, share=Share(2, 2)))
        assert again.fetched == 0 and again.new_articles == 0 and site.hits["/feed.xml"] == 3


@pytest.mark.parametrize("problem", ["catalog", "data"])
def test_an_unusable_store_is_one_line_and_exit_1(tmp_path: Path, problem: str) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    lake = {
        # nothing listens on port 1 of 127.0.0.1
        "catalog": f"ducklake:postgres:dbname=lake host=127.0.0.1 port=1 user=tracker?data={tmp_path}/data",
        "data": f"ducklake:sqlite:{tmp_path}/c.sqlite?data={blocker}/data",  # a folder inside a file
    }[problem]
    for args in (["init", "--store", lake], ["ingest", "--store", lake, "--worker", "1/2", str(SEEDS)]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1 and result.output.count("\n") == 1, result.output
        assert result.output.startswith("error: ") and "Traceback" not in result.output
        assert ("cannot reach the DuckLake postgres catalog" if problem == "catalog" else "is not writable") \
            in result.output
    result = CliRunner().invoke(main, ["sql", "--store", lake, "select 1"])
    assert result.exit_code == 1 and result.output.count("\n") == 1


def test_a_conflicting_commit_is_retried_against_the_winner(tmp_path: Path, pg: PgServer,  # noqa: F811
                                                            registry: Registry) -> None:
    """Two workers meet the same new posts at the same moment: one commit conflicts, is redone
    after the other, and finds the posts there: one row each, both articles' citations."""
    from tracker.extract import extract
    from tracker.pipeline import text_article

    lake = pg.lake_url(tmp_path / "lake")
    text = SEED.read_text(encoding="utf-8")
    connections = []
    for _ in range(2):
        con = store.open_store(lake).connect_writer()
        store.migrate(con)
        connections.append(con)
    store.load_registry_rows(connections[0], registry)
    both_staged = threading.Barrier(2, timeout=30)
    attempts: list[str] = []

    def commit(con: duckdb.DuckDBPyConnection, article_id: str) -> None:
        batch = store.ArticleBatch(con, registry)
        batch.add(extract(text_article(text, id=article_id, source=article_id), registry), article_id)
        pending, batch.pending = batch.pending, []

        def action() -> None:
            batch._commit(pending, {})
            attempts.append(article_id)
            if len(attempts) <= 2:
                both_staged.wait()  # neither commits before both have written: they must conflict

        store.write(con, action)
        batch.close()

    threads = [threading.Thread(target=commit, args=(con, f"article-{i}")) for i, con in enumerate(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for con in connections:
        con.close()
    assert len(attempts) == 3  # two first tries, one retry
    assert one(lake, "select count(*) from posts") == 4
    assert one(lake, "select count(*) from post_citations") == 8
    assert one(lake, "select count(distinct article_id) from post_citations") == 2
