"""A real HTTP server on 127.0.0.1 with the faults the fetcher must survive.

``serve()`` starts a ``ThreadingHTTPServer`` on a free port in a background thread and stops it
(joining every handler thread) on exit, so no socket outlives a test. Every wait inside a handler
is an ``Event.wait`` that ``stop`` cuts short, and every loop is bounded, so a test that stops
reading cannot leave a thread sleeping or streaming.

Routes (``ROUTES``) and what each does are listed below; ``hits[path]`` counts requests per path
and ``sent[path]`` the body bytes each route managed to write.
"""

from __future__ import annotations

import contextlib
import gzip
import http.server
import socket
import struct
import threading
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from functools import cache

PAGE = (b"<!doctype html><html><head><title>Embassy thanks NCB</title></head><body>"
        b"<p>In a post on X, the US Embassy in India said, \"Thanks to NCB.\"</p></body></html>")
BAD_UTF8_PAGE = b"<!doctype html><html><body><p>caf\xe9 \xff\xfe broken \xc3\x28 utf-8</p></body></html>"

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Wire</title><link>http://wire.example/</link>
<item><title>MEA posts on X</title><link>/news/mea-post</link>
  <pubDate>Sat, 02 Mar 2024 01:30:00 +0530</pubDate></item>
<item><title>Embassy replies</title><link>http://wire.example/news/embassy-reply?utm_source=rss</link>
  <pubDate>Fri, 01 Mar 2024 10:00:00 GMT</pubDate></item>
<item><title>No link here</title></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Ministry</title><id>urn:ministry</id>
<updated>2024-03-03T00:00:00Z</updated>
<entry><title>Statement on drug policy</title><id>urn:1</id>
  <link rel="alternate" href="http://ministry.example/press/1"/>
  <published>2024-03-03T09:00:00+05:30</published><updated>2024-03-04T00:00:00Z</updated></entry>
<entry><title>Second statement</title><id>urn:2</id>
  <link href="http://ministry.example/press/2#top"/><updated>2024-03-05T12:00:00Z</updated></entry>
</feed>"""

EMPTY_FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Nothing yet</title></channel></rss>"""
# An unescaped "&" and a feed cut off mid-item: the common ways real feeds break.
MALFORMED_FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Wire & Co</title>
<item><title>First</title><link>http://wire.example/a</link></item>
<item><title>Second</title><link>http://wire.example/b</link></item>
<item><title>Trunc"""


def _sitemap(urls: list[str]) -> bytes:
    body = "".join(f"<url><loc>{url}</loc><lastmod>2024-03-0{i + 1}</lastmod></url>" for i, url in enumerate(urls))
    return (f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{body}</urlset>").encode()


NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>http://wire.example/news/shah-post</loc>
  <news:news><news:publication><news:name>Wire</news:name><news:language>en</news:language></news:publication>
  <news:publication_date>2024-03-02T08:00:00+05:30</news:publication_date>
  <news:title>Shah posts on X</news:title></news:news></url>
<url><loc>http://wire.example/news/ncb</loc>
  <news:news><news:publication_date>2024-03-01</news:publication_date><news:title>NCB thanked</news:title></news:news>
</url>
</urlset>"""


class Server:
    """Handle on a running test server."""

    def __init__(self, httpd: http.server.ThreadingHTTPServer, stop: threading.Event, hits: Counter[str],
                 sent: Counter[str]) -> None:
        self.httpd = httpd
        self.stop = stop
        self.hits = hits
        self.sent = sent
        self.host = "127.0.0.1"
        self.port = int(httpd.server_address[1])

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.origin + path


@cache
def gzip_bomb(expanded: int = 200 * 1024 * 1024) -> bytes:
    """About 200 KB of gzip that inflates to ``expanded`` bytes of zeros (built once, in pieces)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1024 * 1024)
    parts = [packer.compress(block) for _ in range(expanded // len(block))]
    parts.append(packer.flush())
    return b"".join(parts)


class Handler(http.server.BaseHTTPRequestHandler):
    """Dispatches to ROUTES; ``serve`` subclasses it with the server's own state."""

    protocol_version = "HTTP/1.1"
    # An idle keep-alive connection ends after this, so closing the server never waits on one.
    timeout = 5.0
    stop: threading.Event
    hits: Counter[str]
    sent: Counter[str]
    lock: threading.Lock
    robots: bytes

    def log_message(self, format: str, *args: object) -> None:
        pass  # the tests assert on hits, not on a log

    def do_GET(self) -> None:
        path = self.route_path
        with self.lock:
            self.hits[path] += 1
            count = self.hits[path]
        route = ROUTES.get(path)
        if route is None and path.startswith("/chain/"):
            route = _chain
        if route is None:
            self.reply(404, b"not found", "text/plain")
            return
        route(self, count)

    @property
    def route_path(self) -> str:
        return self.path.split("?", 1)[0]

    def reply(self, status: int, body: bytes, content_type: str | None = "text/html; charset=utf-8",
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.write(body)

    def write(self, body: bytes) -> bool:
        """Write and count; False when the client has hung up (expected at a cap or deadline)."""
        try:
            self.wfile.write(body)
            self.wfile.flush()
        except OSError:
            self.close_connection = True
            return False
        with self.lock:
            self.sent[self.route_path] += len(body)
        return True

    def pause(self, seconds: float) -> bool:
        """Sleep unless the server is stopping; True when it is."""
        return self.stop.wait(seconds)


# Route handlers: (handler, nth request to this path) -> None ---------------------------------

def _page(h: Handler, n: int) -> None:
    h.reply(200, PAGE)


def _robots(h: Handler, n: int) -> None:
    h.reply(200, h.robots, "text/plain")


def _slow(h: Handler, n: int) -> None:
    if not h.pause(3.0):
        h.reply(200, PAGE)


def _trickle(h: Handler, n: int) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", "100")
    h.end_headers()
    for _ in range(100):  # one byte every 0.2 s: 20 s if nobody gives up, which the deadline must
        if not h.write(b"x") or h.pause(0.2):
            return


def _status(code: int) -> Callable[[Handler, int], None]:
    def route(h: Handler, n: int) -> None:
        h.reply(code, f"status {code}".encode(), "text/plain")
    return route


def _flaky(h: Handler, n: int) -> None:
    if n <= 2:
        h.reply(503, b"busy", "text/plain")
    else:
        h.reply(200, PAGE)


def _rate_limited(h: Handler, n: int) -> None:
    if n == 1:
        h.reply(429, b"slow down", "text/plain", {"Retry-After": "1"})
    else:
        h.reply(200, PAGE)


def _reset(h: Handler, n: int) -> None:
    """Promise 10 000 bytes, send 20, then close with SO_LINGER 0 so the kernel sends RST."""
    h.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 10000\r\n\r\n<html><body>partial")
    h.wfile.flush()
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.connection.shutdown(socket.SHUT_RD)
    h.close_connection = True
    h.connection.close()


def _big(h: Handler, n: int) -> None:
    size, block = 50_000_000, bytes(64 * 1024)
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", str(size))
    h.end_headers()
    for _ in range(size // len(block) + 1):  # streamed: never more than one block in memory
        if not h.write(block) or h.stop.is_set():
            return


def _big_chunked(h: Handler, n: int) -> None:
    """50 MB without Content-Length, so only counting can stop it."""
    block = bytes(64 * 1024)
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Transfer-Encoding", "chunked")
    h.end_headers()
    frame = f"{len(block):x}\r\n".encode() + block + b"\r\n"
    for _ in range(50_000_000 // len(block)):
        if not h.write(frame) or h.stop.is_set():
            return
    h.write(b"0\r\n\r\n")


def _bomb(h: Handler, n: int) -> None:
    h.reply(200, gzip_bomb(), "text/html", {"Content-Encoding": "gzip"})


def _gzip_page(h: Handler, n: int) -> None:
    h.reply(200, gzip.compress(PAGE), "text/html; charset=utf-8", {"Content-Encoding": "gzip"})


def _loop_a(h: Handler, n: int) -> None:
    h.reply(302, b"", None, {"Location": "/loop-b"})


def _loop_b(h: Handler, n: int) -> None:
    h.reply(302, b"", None, {"Location": "/loop-a"})


def _chain(h: Handler, n: int) -> None:
    """/chain/N redirects N times, then serves the page."""
    left = int(h.route_path.rsplit("/", 1)[1])
    if left == 0:
        h.reply(200, PAGE)
    else:
        h.reply(301, b"", None, {"Location": f"/chain/{left - 1}"})


def _typed(content_type: str, body: bytes) -> Callable[[Handler, int], None]:
    def route(h: Handler, n: int) -> None:
        h.reply(200, body, content_type)
    return route


def _etag(h: Handler, n: int) -> None:
    validators = {"ETag": '"v1"', "Last-Modified": "Sat, 02 Mar 2024 10:00:00 GMT"}
    if h.headers.get("If-None-Match") == '"v1"':
        h.reply(304, b"", None, validators)
    else:
        h.reply(200, PAGE, headers=validators)


def _index(h: Handler, n: int) -> None:
    origin = f"http://{h.headers.get('Host')}"
    body = (f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{origin}/sitemap-1.xml</loc><lastmod>2024-01-01</lastmod></sitemap>"
            f"<sitemap><loc>{origin}/sitemap-2.xml</loc><lastmod>2024-02-01</lastmod></sitemap>"
            f"</sitemapindex>").encode()
    h.reply(200, body, "application/xml")


def _gz_sitemap(h: Handler, n: int) -> None:
    body = gzip.compress(_sitemap(["http://wire.example/gz/1", "http://wire.example/gz/2"]))
    h.reply(200, body, "application/x-gzip")


ROUTES: dict[str, Callable[[Handler, int], None]] = {
    "/page": _page,                                   # a normal article page
    "/robots.txt": _robots,                           # disallows /private/ (see serve())
    "/private/secret": _page,                         # must never be requested
    "/slow": _slow,                                   # answers after 3 s, past the tests' deadlines
    "/trickle": _trickle,                             # 1 byte per 0.2 s
    "/500": _status(500),
    "/404": _status(404),
    "/flaky": _flaky,                                 # 503, 503, then the page
    "/rate-limited": _rate_limited,                   # 429 with Retry-After: 1, then the page
    "/reset": _reset,                                 # connection reset mid-body, every time
    "/big": _big,                                     # 50 MB with Content-Length
    "/big-chunked": _big_chunked,                     # 50 MB, chunked
    "/bomb": _bomb,                                   # ~200 KB gzip -> 200 MB
    "/gzip-page": _gzip_page,                         # an ordinary gzip'd page
    "/loop-a": _loop_a,                               # /loop-a <-> /loop-b
    "/loop-b": _loop_b,
    "/image.png": _typed("image/png", b"\x89PNG\r\n\x1a\n" + bytes(100)),
    "/doc.pdf": _typed("application/pdf", b"%PDF-1.4\n" + bytes(100)),
    "/bad-utf8": _typed("text/html; charset=utf-8", BAD_UTF8_PAGE),
    "/empty": _typed("text/html", b""),
    "/etag": _etag,                                   # 304 on If-None-Match: "v1"
    "/feed.rss": _typed("application/rss+xml", RSS),
    "/feed.atom": _typed("application/atom+xml", ATOM),
    "/feed-as-html": _typed("text/html", RSS),        # a feed served with the wrong type
    "/empty-feed.xml": _typed("application/rss+xml", EMPTY_FEED),
    "/malformed-feed.xml": _typed("application/rss+xml", MALFORMED_FEED),
    "/sitemap-index.xml": _index,                     # points at the two below
    "/sitemap-1.xml": _typed("application/xml", _sitemap(["http://wire.example/s1/a", "http://wire.example/s1/b"])),
    "/sitemap-2.xml": _typed("text/xml", _sitemap(["http://wire.example/s2/a", "http://wire.example/s1/a"])),
    "/news-sitemap.xml": _typed("application/xml", NEWS_SITEMAP),
    "/sitemap.xml.gz": _gz_sitemap,
    "/urls.txt": _typed("text/plain", b"# two articles\nhttp://wire.example/u/1\n\nhttp://wire.example/u/2#x\n"),
}

DEFAULT_ROBOTS = b"User-agent: *\nDisallow: /private/\n"


class _Httpd(http.server.ThreadingHTTPServer):
    # Handler threads are joined on close (block_on_close), which is safe because every
    # handler wait is cut short by the stop event.
    daemon_threads = False
    block_on_close = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client hanging up mid-body is what half of these routes provoke


@contextlib.contextmanager
def serve(robots: bytes = DEFAULT_ROBOTS) -> Iterator[Server]:
    stop = threading.Event()
    hits: Counter[str] = Counter()
    sent: Counter[str] = Counter()
    handler = type("BoundHandler", (Handler,), {"stop": stop, "hits": hits, "sent": sent,
                                                "lock": threading.Lock(), "robots": robots})
    httpd = _Httpd(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield Server(httpd, stop, hits, sent)
    finally:
        stop.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
