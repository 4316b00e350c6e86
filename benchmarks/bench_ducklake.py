"""Ingestion workers on DuckLake: pages per second with 1, 2 and 4 workers, against one DuckDB file.

The local test site serves the dev set's articles as ~2,000 HTML pages (44 copies) with a feed
listing them all. The single-file store runs first (`tracker ingest --db`), then, each on a new
lake whose catalog lives in a PostgreSQL server started here (a SQLite catalog where none can
start), N processes `tracker ingest --store URL --worker K/N` over the same feed. Each store is
created with `tracker init` before the clock starts; the time is from starting the processes to
the last one's exit. Locally fetching costs nothing, so a second round serves every article
page 0.25 s late, as a distant server does: the case extra workers are for. Then the sizes that
docs/scale.md builds on: Parquet bytes per article, per
citation and per post (one copy of the dev set, written as DuckLake writes: Parquet, snappy),
and the catalog's snapshots and data files per 1,000 articles.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from pg_server import PgServer, PgUnavailable, start_server  # noqa: E402
from site_server import article_pages, serve_site  # noqa: E402

from tracker import store  # noqa: E402

COPIES = 44
CONCURRENCY = 16
WORKERS = (1, 2, 4)
LATENCY = 0.25  # seconds per article page in the second round


def run(command: list[str]) -> None:
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(done.stderr)
        raise SystemExit(1)


def ingest_args(feed: str) -> list[str]:
    return ["--allow-private", "--concurrency", str(CONCURRENCY), "--per-host", str(CONCURRENCY), "--format", "json",
            feed]


def timed_workers(target: str, flag: str, feed: str, workers: int) -> float:
    tracker = [sys.executable, "-m", "tracker.cli"]
    run([*tracker, "init", flag, target])
    shares = [["--worker", f"{k}/{workers}"] for k in range(1, workers + 1)] if flag == "--store" else [[]]
    started = time.perf_counter()
    processes = [subprocess.Popen([*tracker, "ingest", flag, target, *share, *ingest_args(feed)], cwd=ROOT,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for share in shares]
    for process in processes:
        _, err = process.communicate()
        if process.returncode != 0:
            print(err)
            raise SystemExit(1)
    return time.perf_counter() - started


def parquet_sizes(db: Path, folder: Path) -> dict[str, float]:
    """Bytes per row of one copy of the dev set (distinct articles) as Parquet files."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    queries = {
        "article": "select * from articles where url like '%/news/0/%'",
        "citation": "select c.* from post_citations c join articles a using (article_id) where a.url like '%/news/0/%'",
        "post": "select * from posts",
        "relation+mention": "select r.* from post_relations r join articles a using (article_id) "
                            "where a.url like '%/news/0/%'",
    }
    sizes = {}
    try:
        for name, query in queries.items():
            path = folder / f"{name}.parquet"
            con.execute(f"copy ({query}) to '{path}' (format parquet, compression snappy)")
            count = con.execute(f"select count(*) from ({query})").fetchone()
            sizes[name] = path.stat().st_size / max(1, count[0] if count else 1)
    finally:
        con.close()
    return sizes


def compare(feed: str, tmp: Path, pages: int, server: PgServer | None, catalog: str) -> tuple[str, Path]:
    db = tmp / "bench.duckdb"
    single = pages / timed_workers(str(db), "--db", feed, 1)
    print(f"single DuckDB file, 1 process: {single:,.0f} pages/s ({pages} pages)", flush=True)
    lake_1 = ""
    for workers in WORKERS:
        folder = tmp / f"lake-{workers}"
        url = (server.lake_url(folder / "data") if server is not None
               else f"ducklake:sqlite:{folder / 'catalog.sqlite'}?data={folder / 'data'}")
        rate = pages / timed_workers(url, "--store", feed, workers)
        print(f"DuckLake ({catalog} catalog), {workers} worker(s): {rate:,.0f} pages/s "
              f"= {rate / single:.2f} x the single file", flush=True)
        lake_1 = lake_1 or url
    return lake_1, db


def sizes_and_catalog(lake: str, db: Path, tmp: Path) -> None:
    articles = store.run_query(lake, "select count(*) from articles").rows[0][0]
    snapshots = store.run_query(lake, "select count(*) from ducklake_snapshots('lake')").rows[0][0]
    files = sum(1 for _ in (tmp / "lake-1" / "data").rglob("*.parquet"))
    print(f"catalog, 1 worker: {snapshots} snapshots and {files} Parquet files for {articles} articles "
          f"({1000 * snapshots / articles:.0f} and {1000 * files / articles:.0f} per 1,000 articles)")
    sizes = parquet_sizes(db, tmp)
    print("Parquet (snappy) bytes per row: " + ", ".join(f"{k} {v:,.0f}" for k, v in sizes.items()))


def main() -> None:
    pages = article_pages(COPIES)
    server = None
    try:
        server = start_server()
        catalog = "PostgreSQL"
    except PgUnavailable as exc:
        print(f"no PostgreSQL ({exc}): the lakes get a SQLite catalog")
        catalog = "SQLite"
    try:
        for delay in (0.0, LATENCY):
            with serve_site(pages, delay=delay) as site, tempfile.TemporaryDirectory() as tmp:
                print(f"-- pages served {'at once' if not delay else f'{delay:g} s late'}", flush=True)
                lake_1, db = compare(site.url("/feed.xml"), Path(tmp), len(pages), server, catalog)
                if not delay:
                    sizes_and_catalog(lake_1, db, Path(tmp))
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
