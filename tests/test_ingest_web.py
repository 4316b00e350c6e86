"""Ingestion end to end from real HTTP servers on 127.0.0.1: discovery, faults, idempotence, crashes."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner
from conftest import scalar
from http_server import serve
from site_server import article_pages, serve_site

from tracker import store
from tracker.cli import main
from tracker.pipeline import IngestOptions, ingest
from tracker.registry import Registry

ROOT = Path(__file__).resolve().parent.parent
LOCAL = IngestOptions(allow_private=True, timeout=3.0, concurrency=4)

# Columns that say what was stored, without run ids and timestamps.
TABLES = {
    "articles": "article_id, url, content_hash, outlet, published",
    "posts": "post_id, platform, actor_id, status_id, text, posted",
    "post_citations": "article_id, post_key, post_id, quote, sentence_start, sentence_end, cue",
    "post_relations": "article_id, source_post, target_post, relation, span_start",
    "post_mentions": "article_id, post_id, actor_id, actor_name, span_start",
    "actors": "actor_id, in_registry",
}


def rows(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: sorted(con.execute(f"select {c} from {t}").fetchall(), key=repr) for t, c in TABLES.items()}
    finally:
        con.close()


count = scalar


def test_a_feed_is_discovered_fetched_and_stored_once(tmp_path: Path, registry: Registry) -> None:
    pages = article_pages()
    with serve_site(pages) as site:
        db = tmp_path / "t.duckdb"
        first = ingest(db, [site.url("/feed.xml")], registry, options=LOCAL)
        assert first.errors == 0, first.failures[:3]
        assert first.new_articles == len(pages) and first.fetched == len(pages)
        assert first.posts > 90
        second = ingest(db, [site.url("/feed.xml")], registry, options=LOCAL)
        assert second.not_modified == len(pages) and second.new_articles == 0 and second.fetched == 0
        assert all(site.hits[p] == 2 for p in pages)  # one full fetch, one conditional GET each
        assert site.hits["/robots.txt"] == 2  # once per run
    assert count(db, "select count(*) from articles") == len(pages)
    assert count(db, "select count(*) from runs where status = 'finished'") == 2
    assert count(db, "select count(*) from fetches where status = 304") == len(pages)
    assert count(db, "select count(distinct url) from articles") == len(pages)
    # utm_source was dropped from the feed's links: one canonical URL per article
    assert count(db, "select count(*) from articles where url like '%utm_%'") == 0


def test_a_sitemap_index_gives_the_same_rows_as_the_feed(tmp_path: Path, registry: Registry) -> None:
    with serve_site(article_pages()) as site:
        by_feed, by_sitemap = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
        ingest(by_feed, [site.url("/feed.xml")], registry, options=LOCAL)
        ingest(by_sitemap, [site.url("/sitemap.xml")], registry, options=LOCAL)
    assert rows(by_feed) == rows(by_sitemap)


def test_private_addresses_are_refused_without_the_flag(tmp_path: Path) -> None:
    with serve_site(article_pages()) as site:
        db = tmp_path / "t.duckdb"
        result = CliRunner().invoke(main, ["ingest", "--db", str(db), "--format", "json", site.url("/feed.xml")])
        assert result.exit_code == 0, result.output
        assert site.hits["/feed.xml"] == 0
    assert count(db, "select count(*) from fetches where error_kind = 'refused_address'") == 1
    assert count(db, "select count(*) from articles") == 0


def test_faults_are_recorded_and_the_run_goes_on(tmp_path: Path, registry: Registry) -> None:
    pages = article_pages()
    with serve_site(pages) as site, serve() as faults:
        fault_paths = ["/500", "/flaky", "/rate-limited", "/reset", "/big", "/bomb", "/loop-a",
                       "/image.png", "/doc.pdf", "/empty", "/slow", "/trickle", "/private/secret", "/bad-utf8",
                       "/malformed-feed.xml", "/empty-feed.xml"]
        listing = tmp_path / "urls.txt"
        urls = [site.url(p) for p in sorted(pages)[:10]] + [faults.url(p) for p in fault_paths]
        listing.write_text("\n".join(["# a URL list", *urls]) + "\n", encoding="utf-8")
        db = tmp_path / "t.duckdb"
        config = tmp_path / "sources.toml"
        config.write_text(f'[[source]]\nname = "list"\nkind = "urls"\npath = "{listing}"\n', encoding="utf-8")
        args = ["ingest", "--db", str(db), "--config", str(config), "--allow-private", "--timeout", "6",
                "--max-bytes", "2000000", "--format", "json"]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        first = rows(db)
        again = CliRunner().invoke(main, args)  # the same sources once more
        assert again.exit_code == 0, again.output
        assert rows(db) == first  # nothing lost, nothing duplicated
    con = duckdb.connect(str(db), read_only=True)
    kinds = dict(con.execute(
        "select regexp_extract(url, '^https?://[^/]+(/.*)$', 1) as path, "
        "string_agg(coalesce(error_kind, 'ok'), ',' order by fetched_at) from fetches group by path").fetchall())
    con.close()
    # /500 is retried with backoff until it gives up or the request's deadline passes
    assert kinds.get("/500", "").split(",")[-1] in ("http_status", "timeout"), kinds.get("/500")
    expected = {"/reset": "connection", "/big": "too_large", "/bomb": "too_large",
                "/loop-a": "redirects", "/image.png": "content_type", "/doc.pdf": "content_type",
                "/trickle": "timeout", "/private/secret": "robots", "/empty": "page"}
    for path, kind in expected.items():
        assert kind in kinds.get(path, ""), (path, kinds.get(path))
    # retried to success, and a page with broken UTF-8 still decoded and stored
    stored = {row[0] for row in duckdb.connect(str(db), read_only=True).execute("select url from articles").fetchall()}
    assert {faults.url("/flaky"), faults.url("/rate-limited"), faults.url("/bad-utf8")} <= stored
    assert len([u for u in stored if u.startswith(site.origin)]) == 10
    assert count(db, "select count(*) from runs where status = 'finished'") == 2


def test_reads_answer_from_the_previous_snapshot_while_a_run_writes(tmp_path: Path, registry: Registry) -> None:
    pages = article_pages()
    with serve_site(pages, delay=0.05) as site:
        db = tmp_path / "t.duckdb"
        first = sorted(pages)[:5]
        listing = tmp_path / "first.txt"
        listing.write_text("\n".join(site.url(p) for p in first), encoding="utf-8")
        ingest(db, [site.url(p) for p in first], registry, options=LOCAL)
        before = store.run_query(db, "select count(*) from articles").rows[0][0]
        assert before == 5
        run = subprocess.Popen([sys.executable, "-m", "tracker.cli", "ingest", "--db", str(db), "--allow-private",
                                "--concurrency", "2", site.url("/feed.xml")], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        seen = set()
        try:
            while run.poll() is None:
                seen.add(store.run_query(db, "select count(*) from articles").rows[0][0])
                time.sleep(0.05)
        finally:
            _, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
        # only ever the previous snapshot or the published one: never a half-written state,
        # and the readers were neither blocked nor broken while the run wrote
        assert 5 in seen and seen <= {5, len(pages)}
        assert store.run_query(db, "select count(*) from articles").rows[0][0] == len(pages)


def test_a_run_killed_at_random_moments_then_resumed_ends_with_the_rows_of_one_run(
        tmp_path: Path, registry: Registry) -> None:
    pages = article_pages()
    rng = random.Random(20261125)
    with serve_site(pages, delay=0.01) as site:
        feed = site.url("/feed.xml")
        clean = tmp_path / "clean.duckdb"
        ingest(clean, [feed], registry, options=LOCAL)
        crashed = tmp_path / "crashed.duckdb"
        command = [sys.executable, "-m", "tracker.cli", "ingest", "--db", str(crashed), "--allow-private",
                   "--concurrency", "4", feed]
        kills = 0
        for _ in range(10):
            # A random moment: during start-up, or after a random number of article pages served.
            served_before = sum(site.hits[p] for p in pages)
            target = rng.randint(0, len(pages) - 1)
            run = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 60
            if target == 0:
                time.sleep(rng.uniform(0.0, 0.8))
            else:
                while run.poll() is None and time.monotonic() < deadline and \
                        sum(site.hits[p] for p in pages) - served_before < target:
                    time.sleep(0.005)
            if run.poll() is None:
                os.kill(run.pid, signal.SIGKILL)
                kills += 1
            run.wait(timeout=60)
        assert kills >= 8  # the runs were cut short, not finished
        finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
        assert finished.returncode == 0, finished.stderr
    assert rows(crashed) == rows(clean)
    assert count(crashed, "select count(*) from runs where status = 'running'") == 0
    assert store.run_query(crashed, "select count(*) from articles").rows[0][0] == len(pages)


@pytest.mark.parametrize("flag", ["--allow-private", None])
def test_command_line_ingest_of_one_page_url(tmp_path: Path, flag: str | None) -> None:
    pages = article_pages()
    path = next(p for p in pages if "seed-ians" in p)
    with serve_site(pages) as site:
        db = tmp_path / "t.duckdb"
        args = ["ingest", "--db", str(db), site.url(path)] + ([flag] if flag else [])
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
    stored = count(db, "select count(*) from posts")
    assert stored == (4 if flag else 0)


def test_paging_and_extracting_in_worker_processes_stores_the_same_rows(
        tmp_path: Path, registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    import tracker.pipeline as pipeline

    pages = article_pages(2)
    with serve_site(pages) as site:
        inline, pooled = tmp_path / "inline.duckdb", tmp_path / "pooled.duckdb"
        monkeypatch.setattr(pipeline, "POOL_THRESHOLD", 10**9)
        ingest(inline, [site.url("/feed.xml")], registry, options=LOCAL)
        monkeypatch.setattr(pipeline, "POOL_THRESHOLD", 1)
        monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1}, raising=False)
        summary = ingest(pooled, [site.url("/feed.xml")], registry, options=LOCAL)
    assert summary.new_articles == len(pages)
    assert rows(pooled) == rows(inline)
