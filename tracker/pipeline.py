"""What happens to one source: read it into articles, extract, store; and one ingestion run.

Inputs are files or folders of ``.txt`` (optionally starting with a ` date YYYY-MM-DD`
header), ``.html``/``.htm`` pages and ``.jsonl`` files with one article per line (``id``,
``text`` or ``html``, optional ``url``, ``published``). A bad input is reported in one line and
the run goes on with the others.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from tracker.dates import article_date, dateline_agency
from tracker.errors import ConfigError, InputError, PageError, StoreBusy
from tracker.extract import extract
from tracker.models import Article, Extraction
from tracker.registry import Registry
from tracker.store import Store, Target, utcnow

log = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt", ".text"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
ARTICLE_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES
# Bigger inputs are refused rather than read into memory: no article is 50 MB of text.
MAX_INPUT_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Failure:
    source: str
    message: str


def expand(paths: Iterable[str]) -> Iterator[Path | Failure]:
    """Files named, and the article files inside folders named (sorted, recursive)."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in ARTICLE_SUFFIXES and not child.name.startswith("."):
                    yield child
        elif path.is_file():
            yield path
        elif path.exists():
            yield Failure(raw, "not a regular file")
        else:
            yield Failure(raw, "no such file or folder")


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def decode_text(data: bytes, source: str) -> str:
    """Text bytes as str: UTF-8 (with or without BOM), else the detected encoding; binary refused."""
    if not data.strip():
        return ""
    if b"\x00" in data[:4096]:
        raise InputError(f"{source}: binary data, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    if best is None:
        raise InputError(f"{source}: binary data, not text")
    return data.decode(best.encoding, errors="replace")


def text_article(text: str, *, id: str, source: str, url: str | None = None,
                 published: str | None = None, outlet: str | None = None) -> Article:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if published is None:
        found = article_date(text)
        published = found.isoformat() if found else None
    return Article(id=id, text=text, source=source, url=url, published=published,
                   outlet=outlet or dateline_agency(text), content_hash=_sha256(text))


def html_article(data: bytes, *, id: str, source: str, url: str | None = None,
                 published: str | None = None, declared_charset: str | None = None) -> Article:
    from tracker.page import parse_html

    article = parse_html(data, id=id, source=source, url=url, declared_charset=declared_charset)
    if published and not article.published:
        article = replace(article, published=published)
    return article


def read_articles(path: Path) -> Iterator[Article | Failure]:
    """The articles in one input file."""
    source = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_INPUT_BYTES:
            yield Failure(source, f"too large ({size} bytes; the limit is {MAX_INPUT_BYTES})")
            return
        data = path.read_bytes()
    except OSError as exc:
        yield Failure(source, f"cannot read: {exc.strerror or exc}")
        return
    suffix = path.suffix.lower()
    try:
        if suffix in JSONL_SUFFIXES:
            yield from _jsonl_articles(data, source, path.stem)
        elif suffix in HTML_SUFFIXES:
            yield html_article(data, id=path.stem, source=source)
        else:
            yield text_article(decode_text(data, source), id=path.stem, source=source)
    except (InputError, PageError) as exc:
        yield Failure(source, str(exc).removeprefix(f"{source}: "))


def _jsonl_articles(data: bytes, source: str, stem: str) -> Iterator[Article | Failure]:
    text = decode_text(data, source)
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Failure(where, f"not JSON ({exc.msg})")
            continue
        if not isinstance(row, dict):
            yield Failure(where, "not a JSON object")
            continue
        article_id = str(row.get("id") or f"{stem}-{number}")
        url = row.get("url") if isinstance(row.get("url"), str) else None
        published = row.get("published") if isinstance(row.get("published"), str) else None
        try:
            if isinstance(row.get("text"), str):
                yield text_article(row["text"], id=article_id, source=source, url=url, published=published,
                                   outlet=row.get("outlet") if isinstance(row.get("outlet"), str) else None)
            elif isinstance(row.get("html"), str):
                yield html_article(row["html"].encode("utf-8"), id=article_id, source=source, url=url,
                                   published=published)
            else:
                yield Failure(where, "no 'text' or 'html' field")
        except (InputError, PageError) as exc:
            yield Failure(where, str(exc))


def extract_paths(paths: Iterable[str], registry: Registry) -> Iterator[Extraction | Failure]:
    for item in expand(paths):
        if isinstance(item, Failure):
            yield item
            continue
        for article in read_articles(item):
            if isinstance(article, Failure):
                yield article
            else:
                yield extract(article, registry)


def article_key(article: Article) -> str:
    """The stored article id: the canonical URL when known, else the absolute file path and the id."""
    basis = article.url or f"file:{Path(article.source).resolve()}#{article.id}"
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:24]


@dataclass
class RunSummary:
    run_id: str
    sources: int = 0
    fetched: int = 0
    not_modified: int = 0
    new_articles: int = 0
    updated: int = 0
    unchanged: int = 0
    posts: int = 0
    relations: int = 0
    errors: int = 0
    failures: list[Failure] = field(default_factory=list)

    def line(self) -> str:
        return (f"sources={self.sources} fetched={self.fetched} not_modified={self.not_modified} "
                f"new={self.new_articles} updated={self.updated} unchanged={self.unchanged} "
                f"posts={self.posts} relations={self.relations} errors={self.errors}")

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["failures"] = [asdict(f) for f in self.failures]
        return data


@dataclass(frozen=True)
class Share:
    """Worker K of N (``--worker K/N``): the article URLs and files whose hash falls to it.

    N processes on N machines given one configuration split its articles between them without
    talking to each other: each discovers every source and keeps only its share.
    """

    k: int
    n: int

    @classmethod
    def parse(cls, text: str) -> Share:
        k, sep, n = text.strip().partition("/")
        if not (sep and k.isdigit() and n.isdigit() and 1 <= int(k) <= int(n)):
            raise ConfigError(f"--worker takes K/N with 1 <= K <= N, e.g. 2/4, not {text!r}")
        return cls(int(k), int(n))

    def __str__(self) -> str:
        return f"{self.k}/{self.n}"

    def takes(self, key: str) -> bool:
        digest = hashlib.sha256(key.encode("utf-8")).digest()
        return int.from_bytes(digest[:8], "big") % self.n == self.k - 1


@dataclass(frozen=True)
class IngestOptions:
    """How a run fetches: the command line's --allow-private, --timeout, --max-bytes, --concurrency,
    --worker, and the sources of --config."""

    allow_private: bool = False
    timeout: float = 30.0
    max_bytes: int = 10_000_000
    concurrency: int = 8
    per_host: int = 2
    sources: tuple[Any, ...] = ()  # tracker.sources.Source
    share: Share | None = None


# A running run of another machine whose last commit is older than this is taken for dead.
STALE_AFTER = dt.timedelta(minutes=5)


def is_url(value: str) -> bool:
    return value.lower().startswith(("http://", "https://"))


def ingest(target: Target | Store, inputs: list[str], registry: Registry,
           progress: Callable[[int, int], None] | None = None,
           options: IngestOptions | None = None) -> RunSummary:
    """One ingestion run: discover, fetch, page, extract, resolve, store, publish.

    ``target`` is a store URL, a Store, or the path of a DuckDB file. Articles are stored in
    batches, each article whole in one transaction, and every request is recorded in
    ``fetches``, so a run killed at any moment leaves a consistent store that the next run
    completes; readers of a DuckDB file see the new snapshot only at the end of a finished run,
    readers of a DuckLake each committed batch.
    """
    from tracker import store
    from tracker.stories import assign_stories

    options = options or IngestOptions()
    share = options.share
    summary = RunSummary(run_id=uuid.uuid4().hex)
    where = store.open_store(target)
    con = where.connect_writer()
    try:
        store.migrate(con)
        if not con.execute("select count(*) from actors where in_registry").fetchone()[0]:  # type: ignore[index]
            store.load_registry_rows(con, registry)
        store.write(con, lambda: _start_run(con, summary, inputs, share))
        paths = [i for i in inputs if not is_url(i)]
        web = [_cli_source(i) for i in inputs if is_url(i)]
        due_sources = _due_sources(con, options.sources, share)
        for source in due_sources:
            if source.kind == "folder":
                paths.append(source.location)
            else:
                web.append(source)
        summary.sources = len(inputs) + len(due_sources)
        batch = store.ArticleBatch(con, registry, size=where.batch_size, run_id=summary.run_id)
        try:
            _ingest_paths(batch, paths, registry, summary, progress, share)
            if web:
                import asyncio

                asyncio.run(_ingest_web(batch, web, registry, options, summary, progress))
            batch.flush()
        finally:
            batch.close()
        store.write(con, lambda: _finish_run(con, summary, due_sources, share))
        # wire copy: syndicated copies of one story share a story id (one transaction, so two
        # workers finishing at once do not both sign the same articles)
        store.write(con, lambda: assign_stories(con))
        where.publish(con)
    finally:
        con.close()
    return summary


def _start_run(con: Any, summary: RunSummary, inputs: list[str], share: Share | None) -> None:
    """Record the run as running, after settling the runs left 'running' by dead processes.

    This machine's run lock for the share is held (``tracker.schedule.run_lock``), so a
    'running' run of the same share here is dead; one on another machine is alive while it
    commits, and then this run refuses to start: two workers were given the same share.
    """
    worker, host, now = (str(share) if share else None), socket.gethostname(), utcnow()
    for run_id, other_worker, other_host, pid, seen in con.execute(
            "select run_id, worker, host, pid, coalesce(heartbeat_at, started_at) from runs "
            "where status = 'running'").fetchall():
        stale = now - seen > STALE_AFTER
        if other_worker == worker and not stale and other_host not in (None, host):
            ago = int((now - seen).total_seconds())
            raise StoreBusy(f"worker {worker or '(whole run)'} is already running on {other_host} (pid {pid}, "
                            f"last commit {ago} s ago): give each worker its own --worker K/N")
        if stale or (other_worker == worker and other_host in (None, host)):
            con.execute("update runs set status = 'interrupted' where run_id = ?", [run_id])
    con.execute(
        "insert into runs (run_id, started_at, status, options, worker, host, pid, heartbeat_at) "
        "values (?, ?, 'running', ?, ?, ?, ?, ?)",
        [summary.run_id, now, json.dumps({"inputs": inputs}), worker, host, os.getpid(), now])


def _finish_run(con: Any, summary: RunSummary, due_sources: list[Any], share: Share | None) -> None:
    from tracker.store import upsert

    upsert(con, "source_state", [{"name": _state_name(s.name, share), "last_run": utcnow()} for s in due_sources],
           key=("name",))
    con.execute(
        "update runs set finished_at = ?, heartbeat_at = ?, status = 'finished', sources = ?, fetched = ?, "
        "not_modified = ?, new_articles = ?, updated = ?, unchanged = ?, posts = ?, relations = ?, errors = ? "
        "where run_id = ?",
        [utcnow(), utcnow(), summary.sources, summary.fetched, summary.not_modified, summary.new_articles,
         summary.updated, summary.unchanged, summary.posts, summary.relations, summary.errors,
         summary.run_id],
    )


def _state_name(name: str, share: Share | None) -> str:
    """A source's state row: each share keeps its own, or a worker would skip a source that
    another worker has just read (min_interval) and never see its share of the new items."""
    return name if share is None else f"{name}#worker={share}"


def _cli_source(url: str) -> Any:
    from tracker.sources import source_from_argument

    return source_from_argument(url)


def _due_sources(con: Any, sources: tuple[Any, ...], share: Share | None = None) -> list[Any]:
    if not sources:
        return []
    from tracker.sources import due

    last = dict(con.execute("select name, last_run from source_state").fetchall())
    return [s for s in sources if s.enabled and due(s, last.get(_state_name(s.name, share)), utcnow())]


def _record(batch: Any, summary: RunSummary, url: str, *, status: int | None = None, size: int | None = None,
            elapsed_ms: float | None = None, error: str | None = None, kind: str | None = None) -> None:
    batch.also("fetches", {
        "run_id": summary.run_id, "url": url, "status": status, "bytes": size, "elapsed_ms": elapsed_ms,
        "error": error, "error_kind": kind, "fetched_at": utcnow(),
    })


def _store_article(batch: Any, article: Article, registry: Registry, summary: RunSummary,
                   extraction: Extraction | None = None) -> str | None:
    """Extract one article (unless done already) and add it to the batch being stored; its id."""
    key = article_key(article)
    if batch.known_hash(key) == article.content_hash:
        summary.unchanged += 1  # nothing to extract again
        return key
    result = batch.add(extraction or extract(article, registry), key)
    if result.status == "new":
        summary.new_articles += 1
    elif result.status == "updated":
        summary.updated += 1
    else:
        summary.unchanged += 1
    summary.posts += result.posts
    summary.relations += result.relations
    return key


def _ingest_paths(batch: Any, paths: list[str], registry: Registry, summary: RunSummary,
                  progress: Callable[[int, int], None] | None, share: Share | None = None) -> None:
    items = [item for item in expand(paths)
             if share is None or isinstance(item, Failure) or share.takes(str(item.resolve()))]
    for done, item in enumerate(items, start=1):
        if isinstance(item, Failure):
            _fail(summary, item)
            _record(batch, summary, item.source, error=item.message, kind="input")
        else:
            for article in read_articles(item):
                if isinstance(article, Failure):
                    _fail(summary, article)
                    _record(batch, summary, article.source, error=article.message, kind="input")
                    continue
                summary.fetched += 1
                if _store_article(batch, article, registry, summary) is not None:
                    _record(batch, summary, article.source, size=len(article.text.encode("utf-8")))
        if progress is not None:
            progress(done, len(items))


# Below this many pages a run pages and extracts in its own process: starting workers costs more.
POOL_THRESHOLD = 64


def _worker_pool(pages: int) -> Any:
    import os
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if pages < POOL_THRESHOLD or cores < 2:
        return None
    # spawn, not fork: the parent has threads and an open database
    return ProcessPoolExecutor(max_workers=cores, mp_context=get_context("spawn"))


def prepare(content: bytes, content_type: str | None, url: str,
            charset: str | None) -> tuple[Article, Extraction] | str:
    """Page and extract one fetched document: (article, extraction), or a one-line error."""
    from tracker.registry import load_registry

    try:
        if content_type == "text/plain":
            article = text_article(decode_text(content, url), id=url, source=url, url=url)
        else:
            article = html_article(content, id=url, source=url, url=url, declared_charset=charset)
    except (InputError, PageError) as exc:
        return str(exc)
    return article, extract(article, load_registry())


async def _ingest_web(batch: Any, sources: list[Any], registry: Registry, options: IngestOptions,
                      summary: RunSummary, progress: Callable[[int, int], None] | None) -> None:
    """Discover the article URLs of the web sources, then fetch, page, extract and store each
    (of a worker, only the URLs of its share)."""
    import asyncio

    from tracker.fetch import Fetcher, make_client
    from tracker.sources import discover

    share = options.share
    # A feed's or sitemap's validators are kept per share: had worker 1 stored them, worker 2's
    # next request would get a 304 and never see its share of the new items. The suffix is a
    # fragment, which no canonical URL has.
    suffix = "" if share is None else f"#worker={share}"
    validators: dict[str, tuple[str | None, str | None]] = {}
    own: dict[str, tuple[str | None, str | None]] = {}
    batch.wait()  # the connection is the writer thread's while it commits
    for url, etag, modified in batch.con.execute("select url, etag, last_modified from url_state").fetchall():
        if "#" not in url:
            validators[url] = (etag, modified)
        elif suffix and url.endswith(suffix):
            own[url.removesuffix(suffix)] = (etag, modified)
    async with make_client(options.timeout) as client:
        fetcher = Fetcher(client, allow_private=options.allow_private, max_bytes=options.max_bytes,
                          timeout=options.timeout, concurrency=options.concurrency, per_host=options.per_host)
        wanted: dict[str, None] = {}
        already: set[str] = set()
        for source in sources:
            found = await discover(source, fetcher, own if share else validators)
            for result in found.fetches:
                _record(batch, summary, result.url, status=result.status, size=result.bytes_read,
                        elapsed_ms=result.elapsed_ms, error=result.error, kind=result.error_kind)
                if result.ok and not result.not_modified and result not in found.pages:
                    # the feed's or sitemap's own validators: next run it costs a 304
                    _url_state(batch, result, None, None, suffix)
            for error in found.errors:
                # discovery's lines already name the URL; a source named by its URL need not repeat it
                where = "" if error.startswith(source.name) else source.name
                _fail(summary, Failure(where or source.location, error.removeprefix(f"{source.location}: ")))
            for page in found.pages:  # an 'auto' URL that was itself an article
                if share is None or share.takes(page.url):
                    _store_fetched(batch, page, registry, summary, recorded=True)
                already.add(page.url)
            for item in found.items:
                if item.url not in already and (share is None or share.takes(item.url)):
                    wanted.setdefault(item.url, None)
        total = len(wanted)
        done = 0
        pool = _worker_pool(total)
        loop = asyncio.get_running_loop()

        async def on_result(result: Any) -> None:
            nonlocal done
            prepared = None
            if pool is not None and result.ok and not result.not_modified:
                # page and extract on another core while this one keeps fetching and storing
                prepared = await loop.run_in_executor(pool, prepare, result.content, result.content_type,
                                                      result.final_url, result.charset)
            _store_fetched(batch, result, registry, summary, prepared=prepared)
            done += 1
            if progress is not None:
                progress(done, total)

        try:
            await fetcher.fetch_many([(url, *validators.get(url, (None, None))) for url in wanted],
                                     on_result=on_result)
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)


def _url_state(batch: Any, result: Any, content_hash: str | None, article_id: str | None,
               suffix: str = "") -> None:
    batch.also("url_state", {
        "url": result.url + suffix, "etag": result.etag, "last_modified": result.last_modified,
        "content_hash": content_hash, "status": result.status, "article_id": article_id,
        "last_fetched": utcnow(),
    })


def _store_fetched(batch: Any, result: Any, registry: Registry, summary: RunSummary, *,
                   recorded: bool = False, prepared: tuple[Article, Extraction] | str | None = None) -> None:
    """One fetched article URL: record the request, then page, extract and store what it returned."""
    if not recorded:
        _record(batch, summary, result.url, status=result.status, size=result.bytes_read,
                elapsed_ms=result.elapsed_ms, error=result.error, kind=result.error_kind)
    if result.not_modified:
        summary.not_modified += 1
        return
    if not result.ok:
        _fail(summary, Failure(result.url, result.error or "fetch failed"))
        return
    summary.fetched += 1
    if prepared is None:
        prepared = prepare(result.content, result.content_type, result.final_url, result.charset)
    if isinstance(prepared, str):
        _fail(summary, Failure(result.url, prepared))
        _record(batch, summary, result.url, status=result.status, error=prepared, kind="page")
        return
    article, extraction = prepared
    key = _store_article(batch, article, registry, summary, extraction)
    if key is not None:
        _url_state(batch, result, article.content_hash, key)


def _fail(summary: RunSummary, failure: Failure) -> None:
    summary.errors += 1
    summary.failures.append(failure)
    log.info("skipped %s: %s", failure.source, failure.message)
