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
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from tracker.dates import article_date, dateline_agency
from tracker.errors import InputError, PageError, TrackerError
from tracker.extract import extract
from tracker.models import Article, Extraction
from tracker.registry import Registry

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
                 published: str | None = None) -> Article:
    from tracker.page import parse_html

    article = parse_html(data, id=id, source=source, url=url)
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


def ingest(db: Path, inputs: list[str], registry: Registry,
           progress: Callable[[int, int], None] | None = None) -> RunSummary:
    """One ingestion run over local files: store every article, record the run, publish."""
    from tracker import store

    summary = RunSummary(run_id=uuid.uuid4().hex)
    con = store.connect_writer(db)
    try:
        store.migrate(con)
        if not con.execute("select count(*) from actors where in_registry").fetchone()[0]:  # type: ignore[index]
            store.load_registry_rows(con, registry)
        started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        con.execute("insert into runs (run_id, started_at, status, options) values (?, ?, 'running', ?)",
                    [summary.run_id, started, json.dumps({"inputs": inputs})])
        items = list(expand(inputs))
        summary.sources = len(inputs)
        fetch_rows: list[dict[str, Any]] = []
        for done, item in enumerate(items, start=1):
            if isinstance(item, Failure):
                _fail(summary, fetch_rows, item)
            else:
                for article in read_articles(item):
                    if isinstance(article, Failure):
                        _fail(summary, fetch_rows, article)
                        continue
                    summary.fetched += 1
                    try:
                        result = store.save_extraction(con, extract(article, registry), article_key(article),
                                                       registry)
                    except TrackerError as exc:
                        _fail(summary, fetch_rows, Failure(article.source, str(exc)))
                        continue
                    if result.status == "new":
                        summary.new_articles += 1
                    elif result.status == "updated":
                        summary.updated += 1
                    else:
                        summary.unchanged += 1
                    summary.posts += result.posts
                    summary.relations += result.relations
                    fetch_rows.append({"run_id": summary.run_id, "url": article.source, "status": None,
                                       "bytes": len(article.text.encode("utf-8")), "error": None,
                                       "error_kind": None})
            if progress is not None:
                progress(done, len(items))
        store._insert(con, "fetches", fetch_rows)
        con.execute(
            "update runs set finished_at = ?, status = 'finished', sources = ?, fetched = ?, new_articles = ?, "
            "updated = ?, unchanged = ?, posts = ?, relations = ?, errors = ? where run_id = ?",
            [dt.datetime.now(dt.UTC).replace(tzinfo=None), summary.sources, summary.fetched,
             summary.new_articles, summary.updated, summary.unchanged, summary.posts, summary.relations,
             summary.errors, summary.run_id],
        )
        store.publish(con, db)
    finally:
        con.close()
    return summary


def _fail(summary: RunSummary, rows: list[dict[str, Any]], failure: Failure) -> None:
    summary.errors += 1
    summary.failures.append(failure)
    log.info("skipped %s: %s", failure.source, failure.message)
    rows.append({"run_id": summary.run_id, "url": failure.source, "status": None, "bytes": None,
                 "error": failure.message, "error_kind": "input"})
