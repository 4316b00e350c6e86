"""tracker.fetch: retry, backoff, deadlines, caps, redirects, robots.txt and the address guard.

Unit tests drive the Fetcher through httpx.MockTransport with a fake resolver and a recording
sleep (no real waiting); the second half runs it against a real server on 127.0.0.1
(tests/http_server.py) with the faults real servers have.
"""

from __future__ import annotations

import asyncio
import gzip
import socket
import zlib
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
import pytest
from http_server import PAGE, Server, gzip_bomb, serve
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.errors import ConfigError, FetchError
from tracker.fetch import (
    MAX_REDIRECTS,
    USER_AGENT,
    Fetcher,
    FetchResult,
    canonical_url,
    make_client,
    refused_reason,
    retry_after_seconds,
)

T = TypeVar("T")
Handler = Callable[[httpx.Request], Awaitable[httpx.Response]]
PUBLIC_IP = "93.184.216.34"


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


class Recorder:
    """A sleep that records and returns at once, so backoff and Retry-After cost no time."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


async def fake_resolve(host: str, port: int) -> list[str]:
    addresses = {"internal.example": ["10.0.0.5"], "mixed.example": [PUBLIC_IP, "127.0.0.1"]}
    if host == "nxdomain.example":
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    return addresses.get(host, [PUBLIC_IP])


async def mock_fetch(handler: Handler, urls: list[str] | str, **options: Any) -> list[FetchResult]:
    options.setdefault("resolve", fake_resolve)
    options.setdefault("sleep", Recorder())
    options.setdefault("respect_robots", False)
    async with make_client(5.0, transport=httpx.MockTransport(handler), trust_env=False) as client:
        fetcher = Fetcher(client, **options)
        if isinstance(urls, str):
            return [await fetcher.fetch(urls)]
        return await fetcher.fetch_many(urls)


@dataclass(frozen=True)
class Reply:
    """A canned answer; ``response()`` makes a fresh httpx.Response, since one can be read only once."""

    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()

    def response(self) -> httpx.Response:
        return httpx.Response(self.status, content=self.body, headers=list(self.headers))


def page(status: int = 200, body: bytes = PAGE, content_type: str = "text/html; charset=utf-8",
         **headers: str) -> Reply:
    return Reply(status, body, (("Content-Type", content_type), *headers.items()))


# canonical_url -------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "canonical"), [
    ("HTTP://Example.COM:80/a?b=2&a=1#frag", "http://example.com/a?a=1&b=2"),
    ("https://example.com:443", "https://example.com/"),
    ("https://example.com:8443/x", "https://example.com:8443/x"),
    ("https://example.com/story?utm_source=x&utm_MEDIUM=y&fbclid=1&gclid=2&mc_cid=3&mc_eid=4&ref_src=twsrc"
     "&cmpid=5&ocid=6&id=7", "https://example.com/story?id=7"),
    ("https://example.com/?utm_campaign=a", "https://example.com/"),
    ("https://example.com/a b/%7e?q=%2f", "https://example.com/a%20b/%7E?q=%2F"),
    ("https://Bücher.example/ä", "https://xn--bcher-kva.example/%C3%A4"),
    ("https://example.com./p", "https://example.com/p"),
    ("http://[::1]:8080/p?z&a=", "http://[::1]:8080/p?a=&z"),
    ("https://example.com/p?b=1&a=2&b=0", "https://example.com/p?a=2&b=1&b=0"),
    ("  https://example.com/p  ", "https://example.com/p"),
])
def test_canonical_url(raw: str, canonical: str) -> None:
    assert canonical_url(raw) == canonical


@pytest.mark.parametrize("raw", ["ftp://example.com/", "mailto:a@example.com", "http://", "not a url",
                                 "http://example.com:99999/", "javascript:alert(1)", "//example.com/p"])
def test_canonical_url_refuses(raw: str) -> None:
    with pytest.raises(FetchError):
        canonical_url(raw)


URL_TEXT = st.text(alphabet=st.sampled_from("abcXYZ019-._~%/ ?=&+é#:@"), max_size=20)


@settings(max_examples=200, deadline=None)
@given(scheme=st.sampled_from(["http", "HTTPS"]), host=st.from_regex(r"[a-zA-Z][a-zA-Z0-9-]{0,10}(\.[a-z]{2,5}){1,2}",
       fullmatch=True), port=st.sampled_from(["", ":80", ":443", ":8080"]), path=URL_TEXT,
       params=st.lists(st.tuples(st.sampled_from(["a", "B", "utm_source", "fbclid", "id", "ref_src", "q"]), URL_TEXT),
                       max_size=5), fragment=URL_TEXT)
def test_canonical_url_is_idempotent(scheme: str, host: str, port: str, path: str,
                                     params: list[tuple[str, str]], fragment: str) -> None:
    query = "&".join(f"{name}={value.replace('&', '').replace('#', '')}" for name, value in params)
    raw = f"{scheme}://{host}{port}/{path.replace('?', '').replace('#', '')}?{query}#{fragment}"
    once = canonical_url(raw)
    assert canonical_url(once) == once
    assert "#" not in once and "utm_source" not in once and "fbclid" not in once
    assert once.startswith(("http://", "https://"))
    assert not once.startswith("http://") or ":80/" not in once
    assert not once.startswith("https://") or ":443/" not in once


# Retries, backoff and Retry-After ------------------------------------------------------------------

def counting(replies: list[Reply]) -> tuple[Handler, Counter[str]]:
    """A handler answering with ``replies`` in turn (the last one repeated), counting paths."""
    hits: Counter[str] = Counter()

    async def handler(request: httpx.Request) -> httpx.Response:
        hits[request.url.path] += 1
        return replies[min(hits[request.url.path], len(replies)) - 1].response()

    return handler, hits


def test_5xx_retried_with_full_jitter_backoff() -> None:
    handler, hits = counting([page(503), page(502), page(200)])
    sleep = Recorder()
    [result] = run(mock_fetch(handler, "https://news.example/a", sleep=sleep, backoff=0.5))
    assert result.ok and result.status == 200 and result.content == PAGE
    assert result.attempts == 3 and hits["/a"] == 3
    assert len(sleep.delays) == 2
    assert 0 <= sleep.delays[0] <= 0.5 and 0 <= sleep.delays[1] <= 1.0  # base * 2**n, jittered down


def test_gives_up_after_the_retries() -> None:
    handler, hits = counting([page(500)])
    [result] = run(mock_fetch(handler, "https://news.example/a", retries=3))
    assert result.error_kind == "http_status" and result.status == 500
    assert result.attempts == 4 and hits["/a"] == 4
    assert "after 4 attempts" in (result.error or "")


@pytest.mark.parametrize("status", [400, 403, 404, 410, 501])
def test_client_errors_not_retried(status: int) -> None:
    handler, hits = counting([page(status)])
    [result] = run(mock_fetch(handler, "https://news.example/a"))
    assert result.error_kind == "http_status" and result.status == status and result.attempts == 1
    assert hits["/a"] == 1


def test_retry_after_seconds_honoured() -> None:
    handler, _ = counting([page(429, **{"Retry-After": "7"}), page(200)])
    sleep = Recorder()
    [result] = run(mock_fetch(handler, "https://news.example/a", sleep=sleep))
    assert result.ok and result.attempts == 2
    assert sleep.delays == [7.0]


@pytest.mark.parametrize(("retry_after", "timeout"), [("3600", 30.0), ("90", 120.0), ("20", 10.0)])
def test_retry_after_beyond_cap_or_deadline_gives_up_at_once(retry_after: str, timeout: float) -> None:
    handler, hits = counting([page(503, **{"Retry-After": retry_after}), page(200)])
    sleep = Recorder()
    [result] = run(mock_fetch(handler, "https://news.example/a", sleep=sleep, timeout=timeout))
    assert result.error_kind == "http_status" and result.status == 503
    assert result.attempts == 1 and hits["/a"] == 1 and sleep.delays == []


def test_retry_after_parsing() -> None:
    now = datetime(2015, 10, 21, 7, 27, tzinfo=UTC)
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now) == 60.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:00:00 GMT", now) == 0.0  # already past
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_connection_errors_retried() -> None:
    hits = Counter[str]()

    async def handler(request: httpx.Request) -> httpx.Response:
        hits["calls"] += 1
        raise httpx.ConnectError("connection refused", request=request)

    [result] = run(mock_fetch(handler, "https://news.example/a", retries=2))
    assert result.error_kind == "connection" and result.status is None
    assert result.attempts == 3 and hits["calls"] == 3
    assert "cannot connect" in (result.error or "") and "\n" not in (result.error or "")


def test_connection_error_then_success() -> None:
    hits = Counter[str]()

    async def handler(request: httpx.Request) -> httpx.Response:
        hits["calls"] += 1
        if hits["calls"] == 1:
            raise httpx.ReadError("connection reset by peer", request=request)
        return page().response()

    [result] = run(mock_fetch(handler, "https://news.example/a"))
    assert result.ok and result.attempts == 2


# Size cap and decoding --------------------------------------------------------------------------

class Stream:
    """A body of ``chunks`` chunks of ``size`` bytes that counts how many were pulled."""

    def __init__(self, chunks: int, size: int = 1024, data: bytes | None = None) -> None:
        self.chunks, self.size, self.data, self.pulled = chunks, size, data, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self.data is not None:
            for start in range(0, len(self.data), self.size):
                self.pulled += 1
                yield self.data[start:start + self.size]
            return
        for _ in range(self.chunks):
            self.pulled += 1
            yield bytes(self.size)


def test_size_cap_stops_a_stream_early() -> None:
    body = Stream(chunks=1000)  # 1 MB without Content-Length

    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"Content-Type": "text/html"})

    [result] = run(mock_fetch(handler, "https://news.example/a", max_bytes=10_000))
    assert result.error_kind == "too_large" and result.content == b""
    assert 10_000 < result.bytes_read <= 10_000 + 1024
    assert body.pulled < 20


def test_declared_length_over_cap_refused_unread() -> None:
    body = Stream(chunks=100)

    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"Content-Type": "text/html", "Content-Length": "102400"})

    [result] = run(mock_fetch(handler, "https://news.example/a", max_bytes=50_000))
    assert result.error_kind == "too_large" and body.pulled == 0


def test_gzip_bomb_inflates_no_further_than_the_cap() -> None:
    body = Stream(chunks=0, size=65536, data=gzip_bomb())  # 200 MB of zeros in ~200 KB

    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"Content-Type": "text/html", "Content-Encoding": "gzip"})

    [result] = run(mock_fetch(handler, "https://news.example/a", max_bytes=1_000_000))
    assert result.error_kind == "too_large"
    assert result.bytes_read == 1_000_001  # each inflate call is bounded, so not one byte more
    assert body.pulled <= 2


@pytest.mark.parametrize(("encoding", "encode"), [
    ("gzip", gzip.compress),
    ("x-gzip", gzip.compress),
    ("gzip", lambda data: gzip.compress(data[:50]) + gzip.compress(data[50:])),  # two members
    ("gzip", lambda data: gzip.compress(data) + bytes(16)),                     # zero padding after
    ("deflate", zlib.compress),
    ("deflate", lambda data: zlib.compress(data, wbits=-zlib.MAX_WBITS)),       # raw deflate
    ("identity", lambda data: data),
])
def test_content_encodings_decoded(encoding: str, encode: Callable[[bytes], bytes]) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=Stream(0, 7, encode(PAGE)),
                              headers={"Content-Type": "text/html", "Content-Encoding": encoding})

    [result] = run(mock_fetch(handler, "https://news.example/a"))
    assert result.ok and result.content == PAGE and result.bytes_read == len(PAGE)


@pytest.mark.parametrize(("encoding", "body"), [("br", b"\x1b\x00"), ("gzip", b"\x1f\x8bnot gzip at all"),
                                                ("gzip, gzip", gzip.compress(gzip.compress(PAGE)))])
def test_bad_or_unoffered_encodings_refused(encoding: str, body: bytes) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=Stream(0, data=body),
                              headers={"Content-Type": "text/html", "Content-Encoding": encoding})

    [result] = run(mock_fetch(handler, "https://news.example/a"))
    assert result.error_kind == "encoding" and result.attempts == 1


# Content types -------------------------------------------------------------------------------

@pytest.mark.parametrize(("content_type", "what"), [("image/png", "image"), ("application/pdf", "PDF"),
                                                    ("video/mp4", "video"), ("audio/mpeg", "audio")])
def test_media_refused_unread(content_type: str, what: str) -> None:
    body = Stream(chunks=10)

    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"Content-Type": content_type})

    [result] = run(mock_fetch(handler, "https://news.example/a"))
    assert result.error_kind == "content_type" and what in (result.error or "")
    assert body.pulled == 0


@pytest.mark.parametrize(("path", "content_type"), [
    ("/a", "text/plain; charset=iso-8859-1"), ("/feed", "application/rss+xml"), ("/feed", "application/atom+xml"),
    ("/map", "application/xml"), ("/map", "text/xml"), ("/x", "application/xhtml+xml"),
    ("/sitemap.xml.gz", "application/octet-stream"), ("/a", ""),
])
def test_pages_feeds_and_sitemaps_accepted(path: str, content_type: str) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        headers = {"Content-Type": content_type} if content_type else {}
        return httpx.Response(200, content=b"body", headers=headers)

    [result] = run(mock_fetch(handler, f"https://news.example{path}"))
    assert result.ok and result.content == b"body"
    assert result.content_type == (content_type.split(";")[0] or None)


def test_charset_reported() -> None:
    handler, _ = counting([page(content_type='text/html; charset="ISO-8859-1"')])
    [result] = run(mock_fetch(handler, "https://news.example/a"))
    assert result.content_type == "text/html" and result.charset == "iso-8859-1"


# Redirects and the address guard -----------------------------------------------------------------

def redirecting(hops: int) -> tuple[Handler, list[str]]:
    seen: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        left = int(request.url.path.rsplit("/", 1)[1])
        if left == 0:
            return page().response()
        return httpx.Response(301, headers={"Location": f"/hop/{left - 1}?utm_source=x#f"})

    return handler, seen


def test_ten_redirects_followed() -> None:
    handler, seen = redirecting(MAX_REDIRECTS)
    [result] = run(mock_fetch(handler, f"https://news.example/hop/{MAX_REDIRECTS}"))
    assert result.ok and result.attempts == MAX_REDIRECTS + 1
    assert result.url == "https://news.example/hop/10" and result.final_url == "https://news.example/hop/0"
    assert seen[1] == "https://news.example/hop/9?utm_source=x"  # hops go as the server spelled them


def test_eleven_redirects_refused() -> None:
    handler, seen = redirecting(MAX_REDIRECTS + 1)
    [result] = run(mock_fetch(handler, f"https://news.example/hop/{MAX_REDIRECTS + 1}"))
    assert result.error_kind == "redirects" and result.status == 301
    assert len(seen) == MAX_REDIRECTS + 1


def test_redirect_without_location() -> None:
    handler, _ = counting([Reply(302)])
    [result] = run(mock_fetch(handler, "https://news.example/a"))
    assert result.error_kind == "redirects" and "Location" in (result.error or "")


@pytest.mark.parametrize(("location", "kind"), [
    ("http://internal.example/admin", "refused_address"),
    ("http://127.0.0.1:8080/", "refused_address"),
    ("http://[::ffff:169.254.169.254]/latest/meta-data/", "refused_address"),
    ("http://mixed.example/", "refused_address"),  # one private address among public ones is enough
    ("file:///etc/passwd", "invalid_url"),
    ("gopher://news.example/", "invalid_url"),
])
def test_each_redirect_hop_is_guarded(location: str, kind: str) -> None:
    seen: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(302, headers={"Location": location})

    [result] = run(mock_fetch(handler, "https://news.example/a"))
    assert result.error_kind == kind
    assert seen == ["https://news.example/a"]  # the refused hop was never requested


@pytest.mark.parametrize("url", ["http://127.0.0.1/", "http://localhost:8000/", "http://[::1]/", "http://0.0.0.0/",
                                 "http://10.1.2.3/", "http://192.168.1.1/", "http://169.254.169.254/",
                                 "http://2130706433/"])
def test_private_addresses_refused_with_the_system_resolver(url: str) -> None:
    handler, hits = counting([page()])
    [result] = run(mock_fetch(handler, url, resolve=None))
    assert result.error_kind == "refused_address" and result.attempts == 0
    assert not hits and "allow_private" in (result.error or "")


def test_allow_private_permits_them() -> None:
    handler, _ = counting([page()])
    [result] = run(mock_fetch(handler, "http://internal.example/a", allow_private=True))
    assert result.ok


@pytest.mark.parametrize(("address", "reason"), [
    ("127.0.0.1", "loopback"), ("::1", "loopback"), ("10.0.0.1", "private"), ("172.16.5.4", "private"),
    ("192.168.0.1", "private"), ("169.254.169.254", "link-local"), ("fe80::1%eth0", "link-local"),
    ("224.0.0.1", "multicast"), ("ff02::1", "multicast"), ("0.0.0.0", "unspecified"), ("::", "unspecified"),
    ("100.64.0.1", "non-public"), ("240.0.0.1", "private"), ("::ffff:127.0.0.1", "loopback"),
    ("64:ff9b::7f00:1", "loopback"), ("2002:7f00:1::", "loopback"), ("fc00::1", "private"),
    ("8.8.8.8", None), ("2606:4700:4700::1111", None), (PUBLIC_IP, None),
])
def test_refused_reason(address: str, reason: str | None) -> None:
    assert refused_reason(address) == reason


def test_a_client_that_follows_redirects_is_still_guarded() -> None:
    seen: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(302, headers={"Location": "http://internal.example/"})

    async def go() -> FetchResult:
        transport = httpx.MockTransport(handler)
        async with httpx.AsyncClient(transport=transport, follow_redirects=True) as client:
            return await Fetcher(client, resolve=fake_resolve, respect_robots=False).fetch("https://news.example/a")

    result = run(go())
    assert result.error_kind == "refused_address" and seen == ["https://news.example/a"]


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=40) | st.builds(lambda tail: "http://" + tail, st.text(max_size=30)))
def test_fetch_never_raises(url: str) -> None:
    handler, _ = counting([page()])
    [result] = run(mock_fetch(handler, url))
    assert result.ok or result.error_kind in ("invalid_url", "dns", "refused_address")
    assert result.error is None or "\n" not in result.error


def test_unresolvable_host() -> None:
    handler, hits = counting([page()])
    [result] = run(mock_fetch(handler, "https://nxdomain.example/a"))
    assert result.error_kind == "dns" and not hits


def test_hanging_resolver_is_bounded() -> None:
    async def hang(host: str, port: int) -> list[str]:
        await asyncio.sleep(60)
        return [PUBLIC_IP]

    handler, hits = counting([page()])
    [result] = run(mock_fetch(handler, "https://slow-dns.example/a", resolve=hang, timeout=0.2))
    assert result.error_kind == "dns" and "no answer" in (result.error or "") and not hits


@pytest.mark.parametrize("url", ["ftp://news.example/a", "news.example/a", "http:///a", ""])
def test_invalid_urls_are_results(url: str) -> None:
    handler, hits = counting([page()])
    [result] = run(mock_fetch(handler, url))
    assert result.error_kind == "invalid_url" and result.attempts == 0 and not hits


# Conditional GET --------------------------------------------------------------------------------

def test_conditional_get() -> None:
    sent: list[httpx.Headers] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers)
        if request.headers.get("If-None-Match") == '"abc"':
            return httpx.Response(304, headers={"ETag": '"abc"'})
        return page(ETag='"abc"', **{"Last-Modified": "Sat, 02 Mar 2024 10:00:00 GMT"}).response()

    async def go() -> tuple[FetchResult, FetchResult]:
        async with make_client(transport=httpx.MockTransport(handler), trust_env=False) as client:
            fetcher = Fetcher(client, resolve=fake_resolve, respect_robots=False)
            first = await fetcher.fetch("https://news.example/a")
            second = await fetcher.fetch("https://news.example/a", first.etag, first.last_modified)
            return first, second

    first, second = run(go())
    assert first.ok and first.etag == '"abc"' and first.last_modified == "Sat, 02 Mar 2024 10:00:00 GMT"
    assert second.ok and second.not_modified and second.status == 304 and second.content == b""
    assert second.etag == '"abc"' and second.last_modified == first.last_modified  # kept when not resent
    assert sent[1]["If-None-Match"] == '"abc"' and sent[1]["If-Modified-Since"] == first.last_modified
    assert sent[0]["User-Agent"] == USER_AGENT and "If-None-Match" not in sent[0]


# robots.txt ------------------------------------------------------------------------------------

def robots_site(robots: Reply | Exception) -> tuple[Handler, Counter[str]]:
    hits: Counter[str] = Counter()

    async def handler(request: httpx.Request) -> httpx.Response:
        hits[request.url.path] += 1
        if request.url.path == "/robots.txt":
            if isinstance(robots, Exception):
                raise robots
            return robots.response()
        await asyncio.sleep(0.01)
        return page().response()

    return handler, hits


def robots_txt(text: str) -> Reply:
    return Reply(200, text.encode(), (("Content-Type", "text/plain"),))


def test_robots_disallow_and_fetched_once_per_origin() -> None:
    handler, hits = robots_site(robots_txt("User-agent: *\nDisallow: /private/\n"))
    urls = ["https://news.example/private/x", *(f"https://news.example/a{i}" for i in range(6))]
    results = run(mock_fetch(handler, urls, respect_robots=True))
    assert results[0].error_kind == "robots" and results[0].attempts == 0
    assert all(result.ok for result in results[1:])
    assert hits["/robots.txt"] == 1 and hits["/private/x"] == 0


def test_robots_group_for_our_agent() -> None:
    handler, hits = robots_site(robots_txt("User-agent: post-provenance-tracker\nDisallow: /\n\n"
                                           "User-agent: *\nAllow: /\n"))
    [result] = run(mock_fetch(handler, "https://news.example/a", respect_robots=True))
    assert result.error_kind == "robots" and hits["/a"] == 0


@pytest.mark.parametrize("robots", [Reply(404), Reply(500), Reply(200), httpx.ConnectError("refused"),
                                    Reply(200, b"\xff\xfe garbage"), Reply(200, bytes(600_000))])
def test_missing_or_broken_robots_allows_all(robots: Reply | Exception) -> None:
    handler, _ = robots_site(robots)
    [result] = run(mock_fetch(handler, "https://news.example/a", respect_robots=True, retries=0))
    assert result.ok


def test_robots_ignored_when_asked() -> None:
    handler, hits = robots_site(robots_txt("User-agent: *\nDisallow: /\n"))
    [result] = run(mock_fetch(handler, "https://news.example/a", respect_robots=False))
    assert result.ok and hits["/robots.txt"] == 0


def test_crawl_delay_spaces_requests_to_a_host() -> None:
    handler, _ = robots_site(robots_txt("User-agent: *\nCrawl-delay: 5\n"))
    sleep = Recorder()

    async def go() -> None:
        async with make_client(transport=httpx.MockTransport(handler), trust_env=False) as client:
            fetcher = Fetcher(client, resolve=fake_resolve, sleep=sleep)
            for path in ("/a", "/b", "/c"):
                assert (await fetcher.fetch(f"https://news.example{path}")).ok
            assert (await fetcher.fetch("https://other.example/a")).ok  # another host is not slowed

    run(go())
    # The recording sleep returns at once, so each request books the next 5 s slot.
    assert sleep.delays == [pytest.approx(5, abs=0.5), pytest.approx(10, abs=0.5)]


# Concurrency and fetch_many -----------------------------------------------------------------------

def test_concurrency_limits() -> None:
    in_flight: Counter[str] = Counter()
    most: Counter[str] = Counter()

    async def handler(request: httpx.Request) -> httpx.Response:
        host = request.url.host
        in_flight[host] += 1
        in_flight["all"] += 1
        most[host] = max(most[host], in_flight[host])
        most["all"] = max(most["all"], in_flight["all"])
        await asyncio.sleep(0.01)
        in_flight[host] -= 1
        in_flight["all"] -= 1
        return page().response()

    urls = [f"https://{host}.example/{i}" for i in range(8) for host in ("a", "b", "c")]
    results = run(mock_fetch(handler, urls, concurrency=4, per_host=2))
    assert all(result.ok for result in results)
    assert most["all"] <= 4 and max(most["a.example"], most["b.example"], most["c.example"]) <= 2
    assert most["all"] >= 2  # and the limits still let work overlap


def test_fetch_many_dedupes_keeps_order_and_reports_each() -> None:
    handler, hits = counting([page()])
    seen: list[str] = []

    async def on_result(result: FetchResult) -> None:
        seen.append(result.url)

    async def go() -> list[FetchResult]:
        async with make_client(transport=httpx.MockTransport(handler), trust_env=False) as client:
            fetcher = Fetcher(client, resolve=fake_resolve, respect_robots=False)
            return await fetcher.fetch_many([
                "https://news.example/b", ("https://NEWS.example/a?utm_source=x#top", None, None),
                "https://news.example/b?fbclid=1", "ftp://bad.example/"], on_result=on_result)

    results = run(go())
    assert [r.url for r in results] == ["https://news.example/b", "https://news.example/a", "ftp://bad.example/"]
    assert sorted(seen) == sorted(r.url for r in results)
    assert hits["/b"] == 1 and hits["/a"] == 1
    assert results[2].error_kind == "invalid_url"


def test_callback_errors_propagate() -> None:
    handler, _ = counting([page()])

    def on_result(result: FetchResult) -> None:
        raise RuntimeError("store is down")

    async def go() -> None:
        async with make_client(transport=httpx.MockTransport(handler), trust_env=False) as client:
            fetcher = Fetcher(client, resolve=fake_resolve, respect_robots=False)
            await fetcher.fetch_many(["https://news.example/a", "https://news.example/b"], on_result=on_result)

    with pytest.raises(RuntimeError, match="store is down"):
        run(go())


@pytest.mark.parametrize("option", [{"max_bytes": 0}, {"timeout": 0}, {"retries": -1}, {"concurrency": 0},
                                    {"per_host": 0}, {"backoff": -1}])
def test_bad_options_refused(option: dict[str, float]) -> None:
    async def go() -> None:
        async with make_client(trust_env=False) as client:
            Fetcher(client, **option)  # type: ignore[arg-type]

    with pytest.raises(ConfigError):
        run(go())


def test_make_client() -> None:
    async def go() -> None:
        async with make_client(12.0, connect_timeout=3.0, trust_env=False) as client:
            assert client.follow_redirects is False
            assert client.headers["User-Agent"] == USER_AGENT
            assert client.timeout.connect == 3.0 and client.timeout.read == 12.0

    run(go())


# Against a real server on 127.0.0.1 ---------------------------------------------------------------

@pytest.fixture()
def server() -> Iterator[Server]:
    with serve() as running:
        yield running


def real(server: Server, *paths: str, **options: Any) -> list[FetchResult]:
    options = {"allow_private": True, "timeout": 1.0, "retries": 2, "backoff": 0.01} | options

    async def go() -> list[FetchResult]:
        async with make_client(options["timeout"], trust_env=False) as client:
            fetcher = Fetcher(client, **options)
            return [await fetcher.fetch(server.url(path)) for path in paths]

    return run(go())


def test_real_page(server: Server) -> None:
    [result] = real(server, "/page")
    assert result.ok and result.status == 200 and result.content == PAGE and result.attempts == 1
    assert result.content_type == "text/html" and result.charset == "utf-8"
    assert server.hits["/robots.txt"] == 1


def test_real_loopback_refused_without_allow_private(server: Server) -> None:
    [result] = real(server, "/page", allow_private=False)
    assert result.error_kind == "refused_address" and result.status is None
    assert not server.hits  # not even robots.txt was asked for


@pytest.mark.parametrize("path", ["/slow", "/trickle"])
def test_real_deadline(server: Server, path: str) -> None:
    [result] = real(server, path)
    assert result.error_kind == "timeout" and result.content == b""


def test_real_500_retried_then_reported(server: Server) -> None:
    [result] = real(server, "/500")
    assert result.error_kind == "http_status" and result.status == 500 and result.attempts == 3
    assert server.hits["/500"] == 3


def test_real_503_then_success(server: Server) -> None:
    [result] = real(server, "/flaky")
    assert result.ok and result.attempts == 3 and server.hits["/flaky"] == 3


def test_real_429_retry_after_then_success(server: Server) -> None:
    [result] = real(server, "/rate-limited", timeout=3.0)
    assert result.ok and result.attempts == 2 and server.hits["/rate-limited"] == 2


def test_real_connection_reset(server: Server) -> None:
    [result] = real(server, "/reset")
    assert result.error_kind == "connection" and result.attempts == 3 and server.hits["/reset"] == 3


@pytest.mark.parametrize("path", ["/big", "/big-chunked"])
def test_real_50_mb_body_stopped_at_the_cap(server: Server, path: str) -> None:
    [result] = real(server, path, max_bytes=1_000_000)
    assert result.error_kind == "too_large" and result.content == b""
    assert result.bytes_read <= 1_000_000 + 65536
    assert server.sent[path] < 20_000_000  # the server was cut off, not drained


def test_real_gzip_bomb(server: Server) -> None:
    [result] = real(server, "/bomb", max_bytes=1_000_000)
    assert result.error_kind == "too_large" and result.bytes_read == 1_000_001


def test_real_gzip_page(server: Server) -> None:
    [result] = real(server, "/gzip-page")
    assert result.ok and result.content == PAGE


def test_real_redirect_loop(server: Server) -> None:
    [result] = real(server, "/loop-a")
    assert result.error_kind == "redirects" and result.attempts == MAX_REDIRECTS + 1
    assert server.hits["/loop-a"] + server.hits["/loop-b"] == MAX_REDIRECTS + 1


def test_real_redirect_chain(server: Server) -> None:
    [result] = real(server, "/chain/3")
    assert result.ok and result.final_url == server.url("/chain/0") and result.attempts == 4


@pytest.mark.parametrize(("path", "what"), [("/image.png", "image"), ("/doc.pdf", "PDF")])
def test_real_wrong_content_type(server: Server, path: str, what: str) -> None:
    [result] = real(server, path)
    assert result.error_kind == "content_type" and what in (result.error or "")


def test_real_invalid_utf8_is_fetched_as_bytes(server: Server) -> None:
    [result] = real(server, "/bad-utf8")
    assert result.ok and b"\xff\xfe" in result.content and result.charset == "utf-8"


def test_real_empty_page(server: Server) -> None:
    [result] = real(server, "/empty")
    assert result.ok and result.status == 200 and result.content == b""


def test_real_not_found(server: Server) -> None:
    [result] = real(server, "/nowhere")
    assert result.error_kind == "http_status" and result.status == 404 and result.attempts == 1


def test_real_conditional_get(server: Server) -> None:
    async def go() -> tuple[FetchResult, FetchResult]:
        async with make_client(1.0, trust_env=False) as client:
            fetcher = Fetcher(client, allow_private=True, timeout=1.0)
            first = await fetcher.fetch(server.url("/etag"))
            return first, await fetcher.fetch(server.url("/etag"), first.etag, first.last_modified)

    first, second = run(go())
    assert first.status == 200 and first.etag == '"v1"'
    assert second.not_modified and second.status == 304 and second.etag == '"v1"' and second.ok


def test_real_robots_disallow_and_one_robots_fetch(server: Server) -> None:
    async def go() -> list[FetchResult]:
        async with make_client(1.0, trust_env=False) as client:
            fetcher = Fetcher(client, allow_private=True, timeout=1.0)
            return await fetcher.fetch_many([server.url(p) for p in
                                             ("/private/secret", "/page", "/feed.rss", "/feed.atom", "/empty")])

    results = run(go())
    assert results[0].error_kind == "robots"
    assert all(result.ok for result in results[1:])
    assert server.hits["/private/secret"] == 0 and server.hits["/robots.txt"] == 1


def test_real_crawl_delay_obeyed() -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        await asyncio.sleep(seconds)

    with serve(robots=b"User-agent: *\nCrawl-delay: 0.1\n") as running:
        results = real(running, "/page", "/empty", sleep=sleep)
    assert all(result.ok for result in results)
    assert len(waits) == 1 and 0 < waits[0] <= 0.1


def test_real_answer_from_a_private_address_after_a_public_resolution_is_refused(server: Server) -> None:
    """DNS rebinding: the guard's lookup says public, the connection lands on 127.0.0.1."""
    async def says_public(host: str, port: int) -> list[str]:
        return [PUBLIC_IP]  # only what the guard is told; no connection is made to it

    async def go(allow_private: bool) -> FetchResult:
        async with make_client(1.0, trust_env=False) as client:
            fetcher = Fetcher(client, allow_private=allow_private, resolve=says_public, respect_robots=False,
                              timeout=1.0, retries=0)
            return await fetcher.fetch(server.url("/page").replace("127.0.0.1", "localhost"))

    result = run(go(False))
    assert result.error_kind == "refused_address" and result.content == b""
    assert "answered from 127.0.0.1" in (result.error or "") and "\n" not in (result.error or "")
    allowed = run(go(True))
    assert allowed.ok and allowed.content == PAGE


def test_peer_check_is_skipped_through_a_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Behind HTTP(S)_PROXY the connection's peer is the proxy (often a private address)."""
    monkeypatch.setenv("HTTPS_PROXY", "http://10.0.0.8:3128")  # never contacted: only read from the environment
    monkeypatch.setenv("NO_PROXY", "bypassed.example")

    async def go() -> tuple[bool, bool, bool]:
        async with make_client(1.0, trust_env=True) as client, make_client(1.0, trust_env=False) as plain:
            proxied = Fetcher(client)._via_proxy("https://news.example/a")
            bypassed = Fetcher(client)._via_proxy("https://bypassed.example/a")
            untrusting = Fetcher(plain)._via_proxy("https://news.example/a")
            return proxied, bypassed, untrusting

    assert run(go()) == (True, False, False)
