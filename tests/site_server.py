"""A small news site on 127.0.0.1 for end-to-end ingestion tests.

Articles (the dev set's texts turned into HTML pages) are served at ``/news/<id>.html`` with an
ETag, listed in an RSS feed (``/feed.xml``) and a sitemap index (``/sitemap.xml`` pointing at two
sitemaps). ``delay`` slows every article response (bounded), to catch a run in the middle.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import http.server
import json
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

DEV = Path(__file__).resolve().parent / "fixtures" / "eval" / "dev.jsonl"


def article_pages(copies: int = 1) -> dict[str, bytes]:
    """path -> HTML for every dev article (``copies`` times, under different paths)."""
    pages: dict[str, bytes] = {}
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    for copy in range(copies):
        for row in rows:
            paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in row["text"].split("\n") if p.strip())
            title = html.escape(row["id"])
            published = row.get("published") or ""
            page = (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
                    f"<meta property='article:published_time' content='{published}'>"
                    f"<meta property='og:site_name' content='Test Wire'></head><body>"
                    f"<nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
                    f"<article><h1>{title}</h1>{paragraphs}</article>"
                    f"<footer>Copyright Test Wire</footer></body></html>")
            pages[f"/news/{copy}/{row['id']}.html"] = page.encode("utf-8")
    return pages


class Site:
    def __init__(self, httpd: http.server.ThreadingHTTPServer, hits: Counter[str]) -> None:
        self.httpd = httpd
        self.hits = hits
        self.origin = f"http://127.0.0.1:{httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.origin + path


def _feed(origin: str, paths: list[str]) -> bytes:
    items = "".join(f"<item><title>{p}</title><link>{origin}{p}?utm_source=rss</link></item>" for p in paths)
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Test Wire</title>{items}'
            f"</channel></rss>").encode()


def _urlset(origin: str, paths: list[str]) -> bytes:
    urls = "".join(f"<url><loc>{origin}{p}</loc></url>" for p in paths)
    return (f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}'
            f"</urlset>").encode()


@contextlib.contextmanager
def serve_site(pages: dict[str, bytes], delay: float = 0.0) -> Iterator[Site]:
    hits: Counter[str] = Counter()
    stop = threading.Event()
    paths = sorted(pages)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            hits[path] += 1
            origin = f"http://127.0.0.1:{self.server.server_address[1]}"
            if path == "/robots.txt":
                return self.send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
            if path == "/feed.xml":
                return self.send(200, _feed(origin, paths), "application/rss+xml")
            if path == "/sitemap.xml":
                index = "".join(f"<sitemap><loc>{origin}/sitemap-{i}.xml</loc></sitemap>" for i in (1, 2))
                body = f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{index}</sitemapindex>'
                return self.send(200, body.encode(), "application/xml")
            if path in ("/sitemap-1.xml", "/sitemap-2.xml"):
                half = paths[: len(paths) // 2] if path.endswith("1.xml") else paths[len(paths) // 2:]
                return self.send(200, _urlset(origin, half), "application/xml")
            body = pages.get(path)
            if body is None:
                return self.send(404, b"not found", "text/plain")
            if delay:
                stop.wait(delay)
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                return self.send(304, b"", None, etag)
            return self.send(200, body, "text/html; charset=utf-8", etag)

        def send(self, status: int, body: bytes, content_type: str | None, etag: str | None = None) -> None:
            self.send_response(status)
            if content_type:
                self.send_header("Content-Type", content_type)
            if etag:
                self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)) if status != 304 else "0")
            self.end_headers()
            if status != 304:
                self.wfile.write(body)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(httpd, hits)
    finally:
        stop.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)
