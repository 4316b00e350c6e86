"""Where articles come from: configured sources, and discovering article URLs in them.

A sources file (TOML, ``--config FILE``; ``seeds/sources.toml`` is the documented example) holds
``[[source]]`` tables. Each is an RSS/Atom feed, an XML sitemap (index, news or gzip'd), a plain
list of URLs, a local folder, or ``auto``: a URL read as a feed or sitemap when its response is
one, else as an article. ``discover`` turns one source into canonical article URLs::

    Source ─► fetch (or read the local file) ─► sniff ─► parse_feed / parse_sitemap (children,
           bounded) / parse_url_list ─► filter_items (include, exclude, dedupe, max_items)

Parsers take bytes and return plain values; they raise ``InputError`` for a document that
cannot be read at all. ``discover`` never raises for a fault of the source: every fetch is
returned for the record and every other fault as a one-line error.
"""

from __future__ import annotations

import email.utils
import io
import logging
import os
import re
import time
import tomllib
import xml.sax
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urljoin

import feedparser
from lxml import etree

from tracker.errors import ConfigError, FetchError, InputError
from tracker.fetch import Fetcher, FetchResult, canonical_url

log = logging.getLogger(__name__)

SourceKind = Literal["feed", "sitemap", "urls", "folder", "auto"]
SOURCE_KINDS: tuple[SourceKind, ...] = ("feed", "sitemap", "urls", "folder", "auto")
SOURCE_KEYS = frozenset({"name", "kind", "url", "path", "enabled", "include", "exclude", "max_items", "min_interval"})
Sniffed = Literal["feed", "sitemap", "html", "other"]

# "90", "30s", "15m", "1h", "1d", "1h30m": a number and a unit, repeated; a bare number is seconds.
INTERVAL = re.compile(r"(?:\s*\d+(?:\.\d+)?\s*[smhd])+\s*|\s*\d+(?:\.\d+)?\s*")
INTERVAL_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd])")
INTERVAL_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

# The protocol caps a sitemap at 50 MB uncompressed; more from a .gz is a bomb, not a sitemap.
MAX_SITEMAP_BYTES = 50 * 1024 * 1024
# Bounds on following a sitemap index: nesting depth, and sitemaps read per source and run.
MAX_SITEMAP_DEPTH = 3
MAX_SITEMAPS = 50
# Local feed, sitemap and list files, like the pipeline's inputs, are refused beyond this.
MAX_LOCAL_BYTES = 50 * 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"

# Sniffing looks at the start of a document: past a BOM, the XML declaration, processing
# instructions (xml-stylesheet), comments and a DOCTYPE, to the name of the first element.
SNIFF_BYTES = 8192
PROLOG_ITEM = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^>\[]|\[.*?\])*>)", re.S | re.I)
FIRST_ELEMENT = re.compile(rb"\s*<([A-Za-z_][\w.:-]*)")
FEED_ROOTS = frozenset({"rss", "rdf", "feed", "channel"})  # rdf:RDF is RSS 1.0
SITEMAP_ROOTS = frozenset({"urlset", "sitemapindex"})
# Pages whose markup starts without <html>, as browsers allow.
HTML_ROOTS = frozenset({"html", "head", "body", "meta", "title", "link", "script", "style", "div", "p", "main"})
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml",
                        "application/x-rss+xml"})
# "# comment" to the end of a URL-list line; a "#" inside a URL (a fragment) has no space before it.
LIST_COMMENT = re.compile(r"(?:^|\s)#.*$")
# A W3C datetime's date part (sitemaps allow "2024-03-01" alone).
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Source:
    """One configured place to look for articles. ``location`` is a URL or a local path."""

    name: str
    kind: SourceKind
    location: str
    enabled: bool = True
    include: tuple[str, ...] = ()      # regexes (re.search on the canonical URL); none = all
    exclude: tuple[str, ...] = ()
    max_items: int | None = None       # newest first, when the source dates its items
    min_interval_s: float = 0.0        # a scheduled run skips the source until this has passed

    def __post_init__(self) -> None:
        problem = _source_problem(self.kind, self.location, self.include, self.exclude, self.max_items,
                                  self.min_interval_s)
        if problem:
            raise ConfigError(f"source {self.name!r}: {problem}")

    @property
    def is_url(self) -> bool:
        return is_url(self.location)


@dataclass(frozen=True)
class DiscoveredItem:
    """An article URL found in a source. Dates are YYYY-MM-DD as the source wrote them (its own
    time zone), like ``Article.published``."""

    url: str                      # canonical
    published: str | None = None  # feed published date, news:publication_date
    title: str | None = None
    source: str = ""              # the source's name, or the feed/sitemap URL
    updated: str | None = None    # feed updated date, sitemap lastmod


@dataclass(frozen=True)
class Discovery:
    """What one source yielded in one run."""

    source: str
    items: tuple[DiscoveredItem, ...] = ()
    fetches: tuple[FetchResult, ...] = ()  # every request made, for the fetches table
    pages: tuple[FetchResult, ...] = ()    # article pages already fetched (an ``auto`` URL that was a page)
    errors: tuple[str, ...] = ()           # one line each: failed fetches (also in fetches) and unreadable documents
    not_modified: bool = False             # the feed/sitemap/list answered 304: nothing new


def is_url(location: str) -> bool:
    return location.strip().lower().startswith(("http://", "https://"))


# Configuration ------------------------------------------------------------------------------

def parse_interval(value: str | float) -> float:
    """Seconds in "90", "30s", "15m", "1h", "1d", "1h30m" (or a number of seconds); ValueError if not."""
    if isinstance(value, bool):
        raise ValueError(f"not an interval: {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        if not INTERVAL.fullmatch(value):
            raise ValueError(f"not an interval: {value!r} (use e.g. 30s, 15m, 1h, 1d, 1h30m)")
        parts = INTERVAL_PART.findall(value)
        seconds = sum(float(n) * INTERVAL_UNITS[u] for n, u in parts) if parts else float(value)
    if seconds < 0:
        raise ValueError(f"negative interval: {value!r}")
    return seconds


def load_sources(path: Path) -> list[Source]:
    """The sources of a TOML file; ``ConfigError`` naming the file and source for any fault.
    Relative paths in the file are read from the file's own folder."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    tables = document.get("source")
    if not isinstance(tables, list) or not tables:
        raise ConfigError(f"{path}: no [[source]] tables")
    sources: list[Source] = []
    seen: set[str] = set()
    for index, table in enumerate(tables, 1):
        label = f"source #{index}"
        if isinstance(table, dict) and isinstance(table.get("name"), str) and table["name"].strip():
            label = f"source {table['name'].strip()!r}"
        try:
            source = _source_from_table(table, path.parent)
        except ConfigError as exc:
            raise ConfigError(f"{path}: {label}: {exc}") from exc
        except ValueError as exc:
            raise ConfigError(f"{path}: {label}: {exc}") from exc
        if source.name in seen:
            raise ConfigError(f"{path}: {label}: the name is used by an earlier source")
        seen.add(source.name)
        sources.append(source)
    return sources


def _source_from_table(table: object, base: Path) -> Source:
    if not isinstance(table, dict):
        raise ConfigError("must be a table")
    unknown = sorted(set(table) - SOURCE_KEYS)
    if unknown:
        raise ConfigError(f"unknown key {unknown[0]!r} (known: {', '.join(sorted(SOURCE_KEYS))})")
    url, path = table.get("url"), table.get("path")
    if (url is None) == (path is None):
        raise ConfigError("needs exactly one of url or path")
    if url is not None:
        if not isinstance(url, str) or not is_url(url):
            raise ConfigError(f"url must be an http(s) URL, not {url!r}")
        try:
            canonical_url(url)
        except FetchError as exc:
            raise ConfigError(exc.reason) from exc
        location = url.strip()
    else:
        if not isinstance(path, str) or not path.strip():
            raise ConfigError("path must be a non-empty string")
        location = os.path.normpath(base / Path(path).expanduser())
    kind = table.get("kind", "auto" if url is not None else "folder")
    if kind not in SOURCE_KINDS:
        raise ConfigError(f"unknown kind {kind!r} (one of {', '.join(SOURCE_KINDS)})")
    if kind == "folder" and url is not None:
        raise ConfigError("a folder source needs a path, not a url")
    if kind == "auto" and path is not None:
        raise ConfigError("an auto source needs a url; give a local file its kind")
    name = table.get("name", location)
    enabled = table.get("enabled", True)
    if not isinstance(name, str) or not name.strip():
        raise ConfigError("name must be a non-empty string")
    if not isinstance(enabled, bool):
        raise ConfigError("enabled must be true or false")
    max_items = table.get("max_items")
    if max_items is not None and (isinstance(max_items, bool) or not isinstance(max_items, int)):
        raise ConfigError(f"max_items must be a whole number, not {max_items!r}")
    raw_interval = table.get("min_interval", 0)
    if not isinstance(raw_interval, str | int | float):
        raise ConfigError(f"bad min_interval {raw_interval!r}")
    try:
        interval = parse_interval(raw_interval)
    except ValueError as exc:
        raise ConfigError(f"bad min_interval: {exc}") from exc
    include, exclude = _patterns(table, "include"), _patterns(table, "exclude")
    problem = _source_problem(kind, location, include, exclude, max_items, interval)
    if problem:
        raise ConfigError(problem)  # here, so that the message names the source once
    return Source(name=name.strip(), kind=kind, location=location, enabled=enabled, include=include,
                  exclude=exclude, max_items=max_items, min_interval_s=interval)


def _patterns(table: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = table.get(key, ())
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key} must be a regex or a list of regexes")
    return tuple(value)


def _source_problem(kind: str, location: str, include: tuple[str, ...], exclude: tuple[str, ...],
                    max_items: int | None, min_interval_s: float) -> str | None:
    if kind not in SOURCE_KINDS:
        return f"unknown kind {kind!r} (one of {', '.join(SOURCE_KINDS)})"
    if not location.strip():
        return "no url or path"
    if max_items is not None and max_items < 1:
        return f"max_items must be at least 1, not {max_items}"
    if min_interval_s < 0:
        return "min_interval must not be negative"
    for key, patterns in (("include", include), ("exclude", exclude)):
        for pattern in patterns:
            try:
                _compiled(pattern)
            except re.error as exc:
                return f"bad {key} pattern {pattern!r}: {exc}"
    return None


def source_from_argument(argument: str) -> Source:
    """A source for a URL or path given on the command line: a URL is ``auto`` (read as a feed
    or sitemap when it is one), a path a ``folder`` (a folder or one file, as pipeline.expand reads)."""
    if is_url(argument):
        return Source(name=argument, kind="auto", location=argument.strip())
    return Source(name=argument, kind="folder", location=argument)


def due(source: Source, last_run: datetime | None, now: datetime | None = None) -> bool:
    """Whether a scheduled run should read the source: enabled, and min_interval since its last
    run. Naive datetimes are taken as UTC."""
    if not source.enabled:
        return False
    if last_run is None or source.min_interval_s <= 0:
        return True
    now = _aware(now or datetime.now(UTC))
    return now - _aware(last_run) >= timedelta(seconds=source.min_interval_s)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# Filtering ----------------------------------------------------------------------------------

@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def filter_items(items: Iterable[DiscoveredItem], source: Source) -> list[DiscoveredItem]:
    """Items whose URL matches an include pattern (if any) and no exclude pattern, first of each
    canonical URL kept; with ``max_items``, the newest that many (undated ones after dated)."""
    includes = [_compiled(p) for p in source.include]
    excludes = [_compiled(p) for p in source.exclude]
    kept: dict[str, DiscoveredItem] = {}
    for item in items:
        if item.url in kept:
            continue
        if includes and not any(p.search(item.url) for p in includes):
            continue
        if any(p.search(item.url) for p in excludes):
            continue
        kept[item.url] = item
    chosen = list(kept.values())
    if source.max_items is not None and len(chosen) > source.max_items:
        # sorted() is stable, so items with equal (or no) dates keep the source's order.
        chosen = sorted(chosen, key=lambda item: item.published or item.updated or "", reverse=True)
        chosen = chosen[: source.max_items]
    return chosen


# Parsers ------------------------------------------------------------------------------------

def sniff(content: bytes, content_type: str | None) -> Sniffed:
    """What a response is, from its first element (its Content-Type only as a tie-breaker), so a
    URL given on the command line is read as a feed or sitemap when it is one."""
    head = content[:SNIFF_BYTES]
    if head.startswith(GZIP_MAGIC):
        head = _gunzip(content, SNIFF_BYTES, "", strict=False)
    head = _to_utf8(head)
    media_type = (content_type or "").split(";")[0].strip().lower()
    position = 0
    while match := PROLOG_ITEM.match(head, position):
        if match.end() == position:
            break
        position = match.end()
    first = FIRST_ELEMENT.match(head, position)
    if first is not None:
        root = first.group(1).decode("ascii", "replace").rsplit(":", 1)[-1].lower()
        if root in FEED_ROOTS:
            return "feed"
        if root in SITEMAP_ROOTS:
            return "sitemap"
        if root in HTML_ROOTS:
            return "html"
    if media_type in HTML_TYPES or head[position:position + 20].lower().startswith(b"<!doctype html"):
        return "html"
    if media_type in FEED_TYPES and first is not None:
        return "feed"
    return "other"


def parse_feed(content: bytes, base_url: str, source: str | None = None) -> list[DiscoveredItem]:
    """Article links of an RSS or Atom feed. A feed with no entries gives []; a malformed one
    gives what feedparser recovers, or ``InputError`` when that is nothing and it is no feed."""
    # A BytesIO, never bytes: feedparser treats bytes that name a file as that file's path.
    parsed = feedparser.parse(io.BytesIO(content), response_headers={"content-location": base_url})
    entries = parsed.get("entries") or []
    if not entries and not parsed.get("version"):
        # Only XML errors explain anything; feedparser's other bozo notes are about headers.
        exc = parsed.get("bozo_exception")
        problem = _one_line(str(exc)) if isinstance(exc, xml.sax.SAXException) else "no RSS or Atom root element"
        raise InputError(f"{base_url}: not a readable feed ({problem})")
    if parsed.get("bozo"):
        log.info("%s: malformed feed, %d entries recovered (%s)", base_url, len(entries), parsed.get("bozo_exception"))
    items: list[DiscoveredItem] = []
    for entry in entries:
        link = _entry_link(entry)
        if not link:
            continue
        try:
            url = canonical_url(urljoin(base_url, link))
        except FetchError:
            log.debug("%s: skipping entry link %r", base_url, link)
            continue
        items.append(DiscoveredItem(
            url=url,
            published=_feed_date(entry, "published"),
            updated=_feed_date(entry, "updated"),
            title=_one_line(dict.get(entry, "title") or "") or None,
            source=source or base_url,
        ))
    return items


# Entries are read with dict.get: FeedParserDict.get maps a missing "updated" to "published"
# with a DeprecationWarning, and we want each date only where the feed gives it.

def _entry_link(entry: dict[str, Any]) -> str | None:
    link = dict.get(entry, "link")
    if isinstance(link, str) and link.strip():
        return link.strip()
    for candidate in dict.get(entry, "links") or []:
        if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
            return str(candidate["href"]).strip()
    guid = dict.get(entry, "id")
    # An RSS guid is a permalink unless it says otherwise; an Atom id often is a URN.
    if isinstance(guid, str) and is_url(guid) and dict.get(entry, "guidislink", True):
        return guid.strip()
    return None


def _feed_date(entry: dict[str, Any], key: str) -> str | None:
    raw = dict.get(entry, key)
    if isinstance(raw, str) and raw.strip():
        written = _date_as_written(raw)
        if written:
            return written
    parsed = dict.get(entry, f"{key}_parsed")  # UTC, when feedparser could read a format we cannot
    if isinstance(parsed, time.struct_time):
        return time.strftime("%Y-%m-%d", parsed)
    return None


def _date_as_written(text: str) -> str | None:
    """YYYY-MM-DD of an RFC 822 or W3C/ISO 8601 date, in its own time zone."""
    text = text.strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(text).date().isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    match = ISO_DATE.match(text)
    return match.group(0) if match else None


def _safe_parser(recover: bool) -> Any:
    # No entity expansion (billion laughs), no DTD or network fetches (XXE), no huge trees.
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                           remove_comments=True, remove_pis=True, recover=recover)


def parse_sitemap(content: bytes, base_url: str, source: str | None = None) -> tuple[list[str], list[DiscoveredItem]]:
    """(child sitemaps, newest lastmod first; article items) of a sitemap index, a urlset or a
    news sitemap, plain or gzip'd. ``InputError`` when it is not a readable sitemap."""
    if content.startswith(GZIP_MAGIC):
        content = _gunzip(content, MAX_SITEMAP_BYTES, base_url, strict=True)
    if not content.strip():
        raise InputError(f"{base_url}: empty sitemap")
    root = None
    try:
        root = etree.fromstring(content, _safe_parser(recover=False))
    except etree.XMLSyntaxError as exc:
        log.info("%s: malformed sitemap XML (%s); recovering what can be read", base_url, exc)
        try:
            root = etree.fromstring(content, _safe_parser(recover=True))
        except etree.XMLSyntaxError:
            root = None
    if root is None:
        raise InputError(f"{base_url}: not readable XML")
    kind = _local(root)
    label = source or base_url
    if kind == "sitemapindex":
        children: list[tuple[str, str]] = []
        for node in root:
            if _local(node) != "sitemap":
                continue
            url = _canonical_or_none(_child_text(node, "loc"), base_url)
            if url:
                children.append((url, _date_or_empty(_child_text(node, "lastmod"))))
        children.sort(key=lambda child: child[1], reverse=True)  # stable: undated keep their order, last
        return [url for url, _ in children], []
    if kind != "urlset":
        raise InputError(f"{base_url}: not a sitemap (root element <{kind}>)")
    items: list[DiscoveredItem] = []
    for node in root:
        if _local(node) != "url":
            continue
        url = _canonical_or_none(_child_text(node, "loc"), base_url)
        if not url:
            continue
        news = next((child for child in node if _local(child) == "news"), None)
        published = title = None
        if news is not None:
            published = _date_as_written(_child_text(news, "publication_date") or "")
            title = _one_line(_child_text(news, "title") or "") or None
        lastmod = _child_text(node, "lastmod")
        items.append(DiscoveredItem(url=url, published=published, title=title, source=label,
                                    updated=_date_as_written(lastmod) if lastmod else None))
    return [], items


def _local(node: Any) -> str:
    tag = node.tag
    if not isinstance(tag, str):  # comments, entities
        return ""
    return str(etree.QName(tag).localname).lower()


def _child_text(node: Any, name: str) -> str | None:
    for child in node:
        if _local(child) == name:
            return "".join(child.itertext()).strip() or None
    return None


def _date_or_empty(text: str | None) -> str:
    return (_date_as_written(text) or "") if text else ""


def _canonical_or_none(link: str | None, base_url: str) -> str | None:
    if not link:
        return None
    try:
        return canonical_url(urljoin(base_url, link))
    except FetchError:
        log.debug("%s: skipping URL %r", base_url, link)
        return None


def parse_url_list(text: str) -> list[str]:
    """Canonical URLs of a list with one URL a line; blank lines and ``#`` comments ignored,
    lines that are not http(s) URLs skipped with a warning. Duplicates are kept once."""
    urls: dict[str, None] = {}
    for number, line in enumerate(text.splitlines(), 1):
        entry = LIST_COMMENT.sub("", line).strip()
        if not entry:
            continue
        try:
            urls[canonical_url(entry)] = None
        except FetchError as exc:
            log.warning("URL list line %d skipped: %s", number, exc.reason)
    return list(urls)


def _gunzip(data: bytes, limit: int, label: str, *, strict: bool) -> bytes:
    """Up to ``limit`` inflated bytes of gzip data; beyond it, InputError (strict) or the prefix."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        if not strict:
            return b""
        raise InputError(f"{label}: corrupt gzip data ({exc})") from exc
    if len(out) > limit:
        if not strict:
            return out[:limit]
        raise InputError(f"{label}: more than {limit} bytes once decompressed")
    if strict and not out and not inflater.eof:
        raise InputError(f"{label}: corrupt or truncated gzip data")
    return out


def _to_utf8(head: bytes) -> bytes:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", "replace").encode("utf-8")
    return head.removeprefix(b"\xef\xbb\xbf")


def _one_line(text: str) -> str:
    return " ".join(text.split())


# Discovery ----------------------------------------------------------------------------------

@dataclass
class _Collector:
    source: Source
    items: list[DiscoveredItem] = field(default_factory=list)
    fetches: list[FetchResult] = field(default_factory=list)
    pages: list[FetchResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    not_modified: bool = False

    def done(self) -> Discovery:
        return Discovery(source=self.source.name, items=tuple(filter_items(self.items, self.source)),
                         fetches=tuple(self.fetches), pages=tuple(self.pages), errors=tuple(self.errors),
                         not_modified=self.not_modified)

    def enough(self) -> bool:
        limit = self.source.max_items
        return limit is not None and len(filter_items(self.items, _unlimited(self.source))) >= limit


def _unlimited(source: Source) -> Source:
    return replace(source, max_items=None)


async def discover(source: Source, fetcher: Fetcher,
                   validators: Mapping[str, tuple[str | None, str | None]] | None = None) -> Discovery:
    """The article URLs of one feed, sitemap, URL-list or auto source, filtered by its patterns.

    ``validators`` maps canonical URLs of feeds/sitemaps/lists to their stored (ETag,
    Last-Modified), so an unchanged one costs a 304. Folder sources yield nothing here: the
    pipeline reads their files. Never raises for a fault of the source.
    """
    found = _Collector(source)
    if source.kind == "folder":
        return found.done()
    validators = validators or {}
    if source.is_url:
        result = await _fetch(fetcher, source.location, validators, found)
        if result is None:
            found.not_modified = bool(found.fetches and found.fetches[-1].not_modified)
            return found.done()
        content, content_type, where = result.content, result.content_type, result.final_url
    else:
        local = _read_local(Path(source.location), found)
        if local is None:
            return found.done()
        content, content_type, where = local, None, source.location
    kind: str = source.kind
    if kind == "auto":
        sniffed = sniff(content, content_type)
        if sniffed in ("html", "other"):
            if not source.is_url:
                found.errors.append(f"{where}: neither a feed nor a sitemap")
                return found.done()
            # Not a list of articles: the URL is an article, already fetched.
            found.items.append(DiscoveredItem(url=canonical_url(source.location), source=source.name))
            found.pages.extend(r for r in found.fetches[-1:] if r.ok)
            return found.done()
        kind = sniffed
    try:
        if kind == "feed":
            found.items.extend(parse_feed(content, where, source.name))
        elif kind == "sitemap":
            await _read_sitemaps(content, where, fetcher, validators, found)
        else:
            text = content.decode("utf-8", errors="replace")
            found.items.extend(DiscoveredItem(url=url, source=source.name) for url in parse_url_list(text))
    except InputError as exc:
        found.errors.append(str(exc))
    return found.done()


async def _fetch(fetcher: Fetcher, url: str, validators: Mapping[str, tuple[str | None, str | None]],
                 found: _Collector) -> FetchResult | None:
    """The fetched document, or None (recorded) when it failed or is unchanged."""
    try:
        key = canonical_url(url)
    except FetchError:
        key = url
    etag, modified = validators.get(key, (None, None))
    result = await fetcher.fetch(url, etag, modified)
    found.fetches.append(result)
    if result.error is not None:
        found.errors.append(f"{result.url}: {result.error}")
        return None
    if result.not_modified:
        return None
    return result


def _read_local(path: Path, found: _Collector) -> bytes | None:
    try:
        size = path.stat().st_size
        if size > MAX_LOCAL_BYTES:
            found.errors.append(f"{path}: too large ({size} bytes; the limit is {MAX_LOCAL_BYTES})")
            return None
        return path.read_bytes()
    except OSError as exc:
        found.errors.append(f"{path}: cannot read: {exc.strerror or exc}")
        return None


async def _read_sitemaps(content: bytes, where: str, fetcher: Fetcher,
                         validators: Mapping[str, tuple[str | None, str | None]], found: _Collector) -> None:
    """Read a sitemap and, depth first and newest first, the sitemaps it points to, until the
    source has max_items or MAX_SITEMAPS have been read. A bad child is recorded and skipped."""
    children, items = parse_sitemap(content, where, found.source.name)
    found.items.extend(items)
    queue = [(child, 1) for child in children]
    seen = {where, *children}
    read = 1
    while queue and read < MAX_SITEMAPS and not found.enough():
        url, depth = queue.pop(0)
        result = await _fetch(fetcher, url, validators, found)
        read += 1
        if result is None:
            continue
        try:
            grandchildren, items = parse_sitemap(result.content, result.final_url, found.source.name)
        except InputError as exc:
            found.errors.append(str(exc))
            continue
        found.items.extend(items)
        if depth < MAX_SITEMAP_DEPTH:
            fresh = [child for child in grandchildren if child not in seen]
            seen.update(fresh)
            queue[:0] = [(child, depth + 1) for child in fresh]
        elif grandchildren:
            found.errors.append(f"{url}: sitemap indexes nested deeper than {MAX_SITEMAP_DEPTH}; not followed")
    if queue and read >= MAX_SITEMAPS:
        found.errors.append(f"{where}: stopped after {MAX_SITEMAPS} sitemaps ({len(queue)} not read)")
