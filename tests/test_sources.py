"""tracker.sources: the sources file, feed/sitemap/list parsing, sniffing, filtering and discovery."""

from __future__ import annotations

import asyncio
import gzip
import re
import time
import zlib
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from http_server import ATOM, EMPTY_FEED, MALFORMED_FEED, NEWS_SITEMAP, RSS, Server, serve

from tracker.errors import ConfigError, InputError
from tracker.fetch import Fetcher, make_client
from tracker.sources import (
    MAX_SITEMAP_BYTES,
    DiscoveredItem,
    Discovery,
    Source,
    discover,
    due,
    filter_items,
    load_sources,
    parse_feed,
    parse_interval,
    parse_sitemap,
    parse_url_list,
    sniff,
    source_from_argument,
)

ROOT = Path(__file__).resolve().parent.parent
BASE = "http://wire.example/feed"


# The sources file ------------------------------------------------------------------------------

def test_example_sources_file() -> None:
    sources = load_sources(ROOT / "seeds" / "sources.toml")
    enabled = [source for source in sources if source.enabled]
    assert [(s.kind, Path(s.location).resolve()) for s in enabled] == [("folder", ROOT / "seeds")]
    assert (ROOT / "seeds" / "seed-article.txt").is_file()
    assert {s.kind for s in sources} == {"folder", "feed", "sitemap", "urls", "auto"}
    assert all(s.location.startswith("https://") for s in sources if s.kind in ("feed", "sitemap", "auto"))


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_full_source(tmp_path: Path) -> None:
    path = write(tmp_path, """
[[source]]
name = "wire"
kind = "sitemap"
url = "https://wire.example/news-sitemap.xml"
enabled = false
include = ["/world/", "/india/"]
exclude = "/video/"
max_items = 20
min_interval = "1h30m"

[[source]]
path = "articles"
""")
    wire, folder = load_sources(path)
    assert wire == Source(name="wire", kind="sitemap", location="https://wire.example/news-sitemap.xml",
                          enabled=False, include=("/world/", "/india/"), exclude=("/video/",), max_items=20,
                          min_interval_s=5400.0)
    assert folder.kind == "folder" and folder.location == str(tmp_path / "articles") and folder.enabled


@pytest.mark.parametrize(("body", "expected"), [
    ('[[source]]\nname = "a"\nkind = "podcast"\nurl = "https://x.example/"', "unknown kind 'podcast'"),
    ('[[source]]\nname = "a"\nkind = "feed"\nurl = "https://x.example/"\ninclude = ["(unclosed"]',
     "bad include pattern '(unclosed'"),
    ('[[source]]\nname = "a"\nkind = "feed"\nurl = "https://x.example/"\nexclude = ["*x"]', "bad exclude pattern"),
    ('[[source]]\nname = "a"\nkind = "feed"', "needs exactly one of url or path"),
    ('[[source]]\nname = "a"\nurl = "https://x.example/"\npath = "x"', "needs exactly one of url or path"),
    ('[[source]]\nname = "a"\nurl = "https://x.example/"\nmin_interval = "soon"', "bad min_interval"),
    ('[[source]]\nname = "a"\nurl = "https://x.example/"\nmin_interval = "-5m"', "bad min_interval"),
    ('[[source]]\nname = "a"\nurl = "https://x.example/"\nmin_interval = -5', "negative interval"),
    ('[[source]]\nname = "a"\nurl = "https://x.example/"\nmax_items = 0', "max_items must be at least 1"),
    ('[[source]]\nname = "a"\nurl = "https://x.example/"\nmax_items = "ten"', "max_items must be a whole number"),
    ('[[source]]\nname = "a"\nurl = "https://x.example/"\nenabled = "yes"', "enabled must be true or false"),
    ('[[source]]\nname = "a"\nurl = "https://x.example/"\nmax_item = 3', "unknown key 'max_item'"),
    ('[[source]]\nname = "a"\nurl = "ftp://x.example/"', "url must be an http(s) URL"),
    ('[[source]]\nname = "a"\nkind = "folder"\nurl = "https://x.example/"', "folder source needs a path"),
    ('[[source]]\nname = "a"\nkind = "auto"\npath = "x"', "auto source needs a url"),
    ('[[source]]\nname = "a"\npath = "x"\n[[source]]\nname = "a"\npath = "y"', "used by an earlier source"),
])
def test_bad_source_named_in_one_line(tmp_path: Path, body: str, expected: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    message = str(caught.value)
    assert expected in message and str(path) in message and "\n" not in message
    assert message.count("source 'a'") == 1


@pytest.mark.parametrize(("body", "expected"), [
    ("[[source]\nname = 1", "not valid TOML"),
    ('title = "no sources"', "no [[source]] tables"),
    ("[[sources]]\npath = 'x'", "no [[source]] tables"),
    ("source = 3", "no [[source]] tables"),
])
def test_bad_file(tmp_path: Path, body: str, expected: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(ConfigError, match=re.escape(expected)) as caught:
        load_sources(path)
    assert str(path) in str(caught.value)


def test_unnamed_source_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="source #2: needs exactly one"):
        load_sources(write(tmp_path, '[[source]]\npath = "x"\n[[source]]\nkind = "feed"\n'))
    with pytest.raises(ConfigError, match="cannot read"):
        load_sources(tmp_path / "missing.toml")


def test_source_checks_itself() -> None:
    with pytest.raises(ConfigError, match="bad include pattern"):
        Source(name="x", kind="feed", location="https://x.example/", include=("[",))
    with pytest.raises(ConfigError, match="unknown kind"):
        Source(name="x", kind="tweets", location="https://x.example/")  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("15m", 900), ("1h", 3600), ("1d", 86400),
                                               ("1h30m", 5400), ("90", 90), (" 2 h ", 7200), ("1.5h", 5400),
                                               (45, 45), (0.5, 0.5), ("0", 0)])
def test_parse_interval(text: str | float, seconds: float) -> None:
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["", "h", "1y", "soon", "-1h", "1h-5m", "1 hour"])
def test_parse_interval_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_interval(text)


def test_due() -> None:
    hourly = Source(name="x", kind="feed", location="https://x.example/", min_interval_s=3600)
    now = datetime(2024, 3, 2, 12, 0, tzinfo=UTC)
    assert due(hourly, None, now)
    assert not due(hourly, now - timedelta(minutes=59), now)
    assert due(hourly, now - timedelta(hours=1), now)
    assert due(hourly, datetime(2024, 3, 2, 10, 0), now)  # naive: taken as UTC
    assert not due(Source(name="x", kind="feed", location="https://x.example/", enabled=False), None, now)
    assert due(Source(name="x", kind="feed", location="https://x.example/"), now, now)


def test_source_from_argument() -> None:
    assert source_from_argument("https://wire.example/feed").kind == "auto"
    assert source_from_argument("seeds/seed-article.txt") == Source(
        name="seeds/seed-article.txt", kind="folder", location="seeds/seed-article.txt")


# Filtering --------------------------------------------------------------------------------------

def item(path: str, published: str | None = None) -> DiscoveredItem:
    return DiscoveredItem(url=f"https://wire.example{path}", published=published, source="wire")


def test_filter_include_exclude_dedupe() -> None:
    source = Source(name="wire", kind="feed", location="https://wire.example/", include=("/world/", "/india/"),
                    exclude=("/video/",))
    items = [item("/world/a"), item("/sport/b"), item("/india/video/c"), item("/india/d"), item("/world/a")]
    assert [i.url.rsplit("/", 1)[1] for i in filter_items(items, source)] == ["a", "d"]


def test_filter_max_items_keeps_the_newest() -> None:
    source = Source(name="wire", kind="feed", location="https://wire.example/", max_items=2)
    items = [item("/old", "2024-01-01"), item("/undated"), item("/new", "2024-03-01"), item("/mid", "2024-02-01")]
    assert [i.url.rsplit("/", 1)[1] for i in filter_items(items, source)] == ["new", "mid"]
    unlimited = Source(name="wire", kind="feed", location="https://wire.example/")
    assert filter_items(items, unlimited) == items  # the source's order when nothing is cut


# Parsers --------------------------------------------------------------------------------------

SITEMAP_INDEX = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://wire.example/sitemap-2023.xml</loc><lastmod>2023-12-31T00:00:00Z</lastmod></sitemap>
<sitemap><loc>/sitemap-undated.xml</loc></sitemap>
<sitemap><loc>https://wire.example/sitemap-2024.xml</loc><lastmod>2024-03-01</lastmod></sitemap>
</sitemapindex>"""

URLSET = b"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc> https://wire.example/a?utm_source=sitemap </loc><lastmod>2024-03-01T10:00:00+05:30</lastmod></url>
<url><loc>https://wire.example/b</loc></url>
<url><loc>mailto:desk@wire.example</loc></url>
<url></url>
</urlset>"""


@pytest.mark.parametrize(("content", "content_type", "kind"), [
    (RSS, "application/rss+xml", "feed"),
    (RSS, "text/html", "feed"),  # a feed served as HTML is still a feed
    (ATOM, None, "feed"),
    (b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"></rdf:RDF>', None, "feed"),
    (b'\xef\xbb\xbf<?xml version="1.0"?>\n<?xml-stylesheet href="s.xsl"?>\n<!-- generator -->\n<rss/>', None, "feed"),
    ("<?xml version='1.0' encoding='utf-16'?><feed/>".encode("utf-16"), None, "feed"),
    (SITEMAP_INDEX, "application/xml", "sitemap"),
    (URLSET, "text/xml", "sitemap"),
    (gzip.compress(URLSET), "application/x-gzip", "sitemap"),
    (b"<!DOCTYPE html>\n<html lang=en><body>hi", "text/html", "html"),
    (b'<?xml version="1.0"?><!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
     b'"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd"><html xmlns="http://www.w3.org/1999/xhtml">', None, "html"),
    (b"<meta charset=utf-8><title>x</title>", None, "html"),
    (b"", "text/html", "html"),
    (b"Just text from the wire.", "text/plain", "other"),
    (b'{"version": "https://jsonfeed.org/version/1"}', "application/json", "other"),
    (b"\x1f\x8bnot really gzip", None, "other"),
])
def test_sniff(content: bytes, content_type: str | None, kind: str) -> None:
    assert sniff(content, content_type) == kind


def test_parse_rss() -> None:
    items = parse_feed(RSS, BASE, "wire")
    assert items == [
        DiscoveredItem(url="http://wire.example/news/mea-post", published="2024-03-02", title="MEA posts on X",
                       source="wire"),  # relative link resolved; the date as written (+0530), not UTC
        DiscoveredItem(url="http://wire.example/news/embassy-reply", published="2024-03-01",
                       title="Embassy replies", source="wire"),  # tracking parameter dropped
    ]  # the item without a link is skipped


def test_parse_atom() -> None:
    items = parse_feed(ATOM, BASE)
    assert [(i.url, i.published, i.updated) for i in items] == [
        ("http://ministry.example/press/1", "2024-03-03", "2024-03-04"),
        ("http://ministry.example/press/2", None, "2024-03-05"),
    ]
    assert items[0].source == BASE


def test_parse_empty_and_malformed_feeds() -> None:
    assert parse_feed(EMPTY_FEED, BASE) == []
    assert parse_feed(b"<rss><channel><item>", BASE) == []  # recovered: an item without a link
    assert [i.url for i in parse_feed(MALFORMED_FEED, BASE)] == ["http://wire.example/a", "http://wire.example/b"]


@pytest.mark.parametrize("content", [b"", b"not xml at all", b"<html><body><p>a page</p></body></html>",
                                     b"/etc/passwd", str(Path(__file__)).encode()])
def test_not_a_feed(content: bytes) -> None:
    with pytest.raises(InputError, match="not a readable feed") as caught:
        parse_feed(content, BASE)
    assert BASE in str(caught.value) and "\n" not in str(caught.value)


def test_parse_sitemap_index_newest_first() -> None:
    children, items = parse_sitemap(SITEMAP_INDEX, "https://wire.example/sitemap.xml")
    assert children == ["https://wire.example/sitemap-2024.xml", "https://wire.example/sitemap-2023.xml",
                        "https://wire.example/sitemap-undated.xml"]
    assert items == []


def test_parse_urlset() -> None:
    children, items = parse_sitemap(URLSET, "https://wire.example/sitemap.xml", "wire")
    assert children == []
    assert items == [DiscoveredItem(url="https://wire.example/a", updated="2024-03-01", source="wire"),
                     DiscoveredItem(url="https://wire.example/b", source="wire")]


def test_parse_news_sitemap() -> None:
    _, items = parse_sitemap(NEWS_SITEMAP, "http://wire.example/news.xml")
    assert [(i.url, i.published, i.title) for i in items] == [
        ("http://wire.example/news/shah-post", "2024-03-02", "Shah posts on X"),
        ("http://wire.example/news/ncb", "2024-03-01", "NCB thanked"),
    ]


def test_parse_gzipped_sitemap() -> None:
    base = "https://wire.example/s.xml.gz"
    assert parse_sitemap(gzip.compress(URLSET), base) == parse_sitemap(URLSET, base)


def test_gzipped_sitemap_bomb_refused() -> None:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1 << 20)
    bomb = b"".join(packer.compress(block) for _ in range(MAX_SITEMAP_BYTES // len(block) + 8)) + packer.flush()
    with pytest.raises(InputError, match="more than"):
        parse_sitemap(bomb, "https://wire.example/bomb.xml.gz")


def test_sitemap_external_entities_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    document = f"""<?xml version="1.0"?>
<!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file://{secret}"><!ENTITY remote SYSTEM "http://127.0.0.1:9/x">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>https://wire.example/&xxe;</loc></url><url><loc>https://wire.example/&remote;</loc></url>
<url><loc>https://wire.example/plain</loc></url></urlset>""".encode()
    _, items = parse_sitemap(document, "https://wire.example/evil.xml")
    assert "https://wire.example/plain" in [i.url for i in items]
    assert all("SECRET" not in i.url for i in items)


def test_sitemap_billion_laughs_not_expanded() -> None:
    # l9 would expand to 10**9 "lol"s.
    laughs = "".join(f'<!ENTITY l{i} "{(f"&l{i - 1};") * 10}">' for i in range(1, 10))
    document = f"""<?xml version="1.0"?>
<!DOCTYPE urlset [<!ENTITY l0 "lol">{laughs}]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>https://wire.example/&l9;</loc></url><url><loc>https://wire.example/plain</loc></url></urlset>""".encode()
    started = time.perf_counter()
    try:
        _, items = parse_sitemap(document, "https://wire.example/evil.xml")
    except InputError:
        items = []  # refused outright is as good
    assert time.perf_counter() - started < 5  # expansion would take far longer, or all memory
    assert all(len(i.url) < 200 for i in items)


@pytest.mark.parametrize(("content", "problem"), [(b"", "empty sitemap"), (RSS, "not a sitemap"),
                                                  (b"\x00\x01binary", "not readable XML"),
                                                  (b"\x1f\x8b\x08\x00broken", "corrupt or truncated gzip")])
def test_not_a_sitemap(content: bytes, problem: str) -> None:
    with pytest.raises(InputError, match=problem):
        parse_sitemap(content, "https://wire.example/s.xml")


def test_malformed_sitemap_recovered() -> None:
    broken = URLSET.replace(b"</urlset>", b"<url><loc>https://wire.example/c</loc>")  # cut off
    _, items = parse_sitemap(broken, "https://wire.example/s.xml")
    assert [i.url for i in items][:2] == ["https://wire.example/a", "https://wire.example/b"]


def test_parse_url_list() -> None:
    text = """# reading list
https://wire.example/a?utm_source=mail   # from the newsletter
  https://wire.example/b#section

not a url
ftp://wire.example/c
https://WIRE.example/a
"""
    assert parse_url_list(text) == ["https://wire.example/a", "https://wire.example/b"]


# Discovery against the real server ------------------------------------------------------------------

@pytest.fixture()
def server() -> Iterator[Server]:
    with serve() as running:
        yield running


def discover_all(sources: list[Source], validators: Mapping[str, tuple[str | None, str | None]] | None = None,
                 **options: Any) -> list[Discovery]:
    options = {"allow_private": True, "timeout": 2.0, "retries": 1, "backoff": 0.01} | options

    async def go() -> list[Discovery]:
        async with make_client(2.0, trust_env=False) as client:
            fetcher = Fetcher(client, **options)
            return [await discover(source, fetcher, validators) for source in sources]

    return asyncio.run(go())


def urls(found: Discovery) -> list[str]:
    return [i.url for i in found.items]


def test_discover_feeds(server: Server) -> None:
    rss, atom, empty, broken = discover_all([
        Source(name="rss", kind="feed", location=server.url("/feed.rss")),
        Source(name="atom", kind="auto", location=server.url("/feed.atom")),
        Source(name="empty", kind="feed", location=server.url("/empty-feed.xml")),
        Source(name="broken", kind="feed", location=server.url("/malformed-feed.xml")),
    ])
    assert urls(rss) == [server.url("/news/mea-post"), "http://wire.example/news/embassy-reply"]
    assert rss.items[0].source == "rss" and not rss.errors and len(rss.fetches) == 1
    assert urls(atom) == ["http://ministry.example/press/1", "http://ministry.example/press/2"]
    assert empty.items == () and not empty.errors
    assert urls(broken) == ["http://wire.example/a", "http://wire.example/b"]


def test_discover_sitemaps(server: Server) -> None:
    index, news, packed, limited = discover_all([
        Source(name="index", kind="sitemap", location=server.url("/sitemap-index.xml")),
        Source(name="news", kind="auto", location=server.url("/news-sitemap.xml")),
        Source(name="gz", kind="sitemap", location=server.url("/sitemap.xml.gz")),
        Source(name="limited", kind="sitemap", location=server.url("/sitemap-index.xml"), max_items=1,
               include=("/s1/",)),
    ])
    # sitemap-2 (newer lastmod) is read first; /s1/a is in both and kept once.
    assert urls(index) == ["http://wire.example/s2/a", "http://wire.example/s1/a", "http://wire.example/s1/b"]
    assert [r.url for r in index.fetches] == [server.url(p) for p in
                                              ("/sitemap-index.xml", "/sitemap-2.xml", "/sitemap-1.xml")]
    assert [i.published for i in news.items] == ["2024-03-02", "2024-03-01"]
    assert urls(packed) == ["http://wire.example/gz/1", "http://wire.example/gz/2"]
    # Enough after the first child sitemap: the second is not fetched.
    assert urls(limited) == ["http://wire.example/s1/a"] and len(limited.fetches) == 2


def test_discover_url_lists_and_pages(server: Server, tmp_path: Path) -> None:
    local = tmp_path / "list.txt"
    local.write_text("https://wire.example/local/1\n# done\n", encoding="utf-8")
    remote, here, page, feed_as_html = discover_all([
        Source(name="remote", kind="urls", location=server.url("/urls.txt")),
        Source(name="here", kind="urls", location=str(local)),
        Source(name="page", kind="auto", location=server.url("/page?utm_source=cli")),
        Source(name="odd", kind="auto", location=server.url("/feed-as-html")),
    ])
    assert urls(remote) == ["http://wire.example/u/1", "http://wire.example/u/2"]
    assert urls(here) == ["https://wire.example/local/1"] and here.fetches == ()
    assert urls(page) == [server.url("/page")]
    assert len(page.pages) == 1 and page.pages[0].content.startswith(b"<!doctype html>")
    assert len(urls(feed_as_html)) == 2 and feed_as_html.pages == ()


def test_discover_records_faults(server: Server, tmp_path: Path) -> None:
    image, missing, not_feed, local_missing, folder = discover_all([
        Source(name="image", kind="auto", location=server.url("/image.png")),
        Source(name="missing", kind="feed", location=server.url("/nowhere.xml")),
        Source(name="not a feed", kind="feed", location=server.url("/page")),
        Source(name="local", kind="feed", location=str(tmp_path / "absent.xml")),
        Source(name="folder", kind="folder", location=str(tmp_path)),
    ])
    assert image.items == () and "refused content type image/png" in image.errors[0]
    assert image.fetches[0].error_kind == "content_type"
    assert missing.fetches[0].status == 404 and "HTTP 404" in missing.errors[0]
    assert "not a readable feed" in not_feed.errors[0]
    assert "cannot read" in local_missing.errors[0]
    assert folder == Discovery(source="folder")  # the pipeline reads folders itself


def test_discover_refuses_loopback_without_allow_private(server: Server) -> None:
    [found] = discover_all([Source(name="rss", kind="feed", location=server.url("/feed.rss"))],
                           allow_private=False)
    assert found.items == () and found.fetches[0].error_kind == "refused_address"
    assert not server.hits


def test_discover_unchanged_feed(server: Server) -> None:
    source = Source(name="etag", kind="auto", location=server.url("/etag"))
    [found] = discover_all([source], {server.url("/etag"): ('"v1"', None)})
    assert found.not_modified and found.items == () and found.fetches[0].status == 304
