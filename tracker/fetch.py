"""Fetching pages, feeds and sitemaps over HTTP: the one module that uses httpx (DESIGN.md).

Every request takes the same guarded path, so a URL from a config file, the command line or a
feed gets the same protection::

    fetch(url) ─► canonical_url ─► address guard ─► robots.txt (once per origin)
               ─► per-host slot ─► crawl delay ─► global slot ─► address guard ─► GET (streamed)
               ─► 3xx: next hop (≤ MAX_REDIRECTS), each hop guarded and checked against robots.txt
               ─► 429/5xx/connection error: back off (Retry-After or full jitter) and try again

httpx alone would not do: its transport retries only connection errors, its timeouts are per
socket read (a server trickling one byte a second never times out), it has no size cap, and its
automatic redirects skip our address guard. So redirects are followed here, the whole exchange
runs under one deadline, and bodies are decoded here with a bound on the output of each zlib
call, which stops a gzip bomb after ``max_bytes`` instead of after one 64 KB read has inflated
to 64 MB.

Faults never escape ``fetch``: each ends as a ``FetchResult`` whose ``error_kind`` is one of
``ERROR_KINDS``. Only bad constructor options raise (``ConfigError``).
"""

from __future__ import annotations

import asyncio
import email.utils
import inspect
import ipaddress
import logging
import random
import re
import socket
import time
import urllib.request
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit

import httpx
from protego import Protego

from tracker.errors import ConfigError, FetchError, RefusedAddress

log = logging.getLogger(__name__)

USER_AGENT = "post-provenance-tracker/0.1 (+https://example.org/tracker)"
# The product token robots.txt groups name; protego matches a group when its token is in this.
ROBOTS_AGENT = "post-provenance-tracker"
# We decode bodies ourselves (see _BoundedDecoder), so we offer only what zlib can bound.
ACCEPT_ENCODING = "gzip, deflate"
ACCEPT = (
    "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
    "application/xml;q=0.9,text/xml;q=0.9,text/plain;q=0.8,*/*;q=0.1"
)

DEFAULT_MAX_BYTES = 10_000_000
DEFAULT_TIMEOUT = 30.0
MAX_REDIRECTS = 10
# A robots.txt is a few KB; Google reads at most 500 KiB of one and so do we.
ROBOTS_MAX_BYTES = 512_000
# Waits a server may impose. Longer ones are cut so one host cannot stall a run.
MAX_RETRY_AFTER = 60.0
MAX_CRAWL_DELAY = 60.0
MAX_BACKOFF = 30.0

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Transient answers worth another try: timeouts, rate limits, overloaded or restarting servers and
# gateways (520–524 are Cloudflare's "origin unreachable" family). 501 and 505 are left out: a
# server that does not implement GET or our HTTP version will not learn to by the next try.
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524})

# What a FetchResult.error_kind can be.
ERROR_KINDS = (
    "invalid_url",      # not an http(s) URL with a host, or a redirect to one
    "refused_address",  # resolves to a private/loopback/... address and allow_private is off
    "dns",              # the host name does not resolve
    "robots",           # robots.txt disallows us
    "connection",       # refused, reset or broken connection, after the retries
    "timeout",          # the overall deadline (or a socket timeout on the last try) passed
    "http_status",      # a 4xx/5xx answer (5xx and 429 after the retries)
    "redirects",        # more than MAX_REDIRECTS redirects, or a 3xx without Location
    "content_type",     # an image, PDF, video... rather than a page, feed or sitemap
    "encoding",         # a Content-Encoding we did not offer, or a corrupt compressed body
    "too_large",        # more than max_bytes after decompression
    "internal",         # a bug here; logged with its traceback
)

# Query parameters that only say how a reader arrived (campaign, click and referral tags). Dropped
# so the same article shared through many channels is fetched and stored once. Matched ignoring case.
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "igshid", "ttclid",
    "mc_cid", "mc_eid", "ref_src", "ref_url", "cmpid", "ocid", "ncid", "sr_share", "smid", "smtyp",
    "_hsenc", "_hsmi", "mkt_tok", "wt.mc_id", "at_medium", "at_campaign", "cid_source", "__twitter_impression",
})
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_")  # Google Analytics, Piwik and Matomo campaign tags
DEFAULT_PORTS = {"http": 80, "https": 443}
# A DNS label as sites use them: letters, digits, hyphens and (off the RFCs, but common) underscores.
HOST_LABEL = re.compile(r"[a-z0-9_-]{1,63}")
# Lower-case hex in percent-escapes is the same character; upper-case is the RFC 3986 normal form.
PERCENT_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")
# Characters left as they are in a path; everything else is percent-encoded (spaces, non-ASCII).
PATH_SAFE = "/%:@!$&'()*+,;=-._~"
QUERY_SAFE = PATH_SAFE + "?"

# Bodies the later stages can read: pages, plain text, feeds, sitemaps (also gzip'd sitemaps
# served as files). Any "+xml" type is accepted too.
ACCEPTED_TYPES = frozenset({
    "text/html", "application/xhtml+xml", "text/plain", "text/xml", "application/xml",
    "application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/x-rss+xml",
    "application/feed+json", "application/json", "application/gzip", "application/x-gzip",
})
# Object stores often serve sitemaps as application/octet-stream; accepted only under these names.
OCTET_STREAM_SUFFIXES = (".xml", ".xml.gz", ".gz", ".txt", ".rss", ".atom")
REFUSED_FAMILIES = {"image": "an image", "video": "a video", "audio": "audio", "font": "a font"}
REFUSED_TYPES = {"application/pdf": "a PDF", "application/zip": "a zip archive"}

# NAT64's well-known prefix carries an IPv4 address in its last 32 bits; judge that address.
NAT64_PREFIX = ipaddress.IPv6Network("64:ff9b::/96")

Resolver = Callable[[str, int], Awaitable[list[str]]]
Sleep = Callable[[float], Awaitable[None]]
Validators = tuple[str, str | None, str | None]  # url, ETag, Last-Modified


@dataclass(frozen=True)
class FetchResult:
    """What became of one URL. ``error`` is None on success and on 304 Not Modified."""

    url: str                      # the canonical URL asked for
    final_url: str                # where the redirects ended, canonical
    status: int | None = None     # the last HTTP status seen, None when no answer came
    content: bytes = b""          # decoded (decompressed) body; empty on errors and 304
    content_type: str | None = None  # media type without parameters, lower case
    charset: str | None = None    # from Content-Type; decoding is the page stage's job
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    elapsed_ms: float = 0.0       # from the first request sent to the result; 0 when none was sent
    attempts: int = 0             # HTTP requests sent for this URL: retries and redirect hops (not robots.txt)
    error: str | None = None      # one line
    error_kind: str | None = None  # one of ERROR_KINDS
    bytes_read: int = 0           # decoded bytes read, also when the read stopped at the cap

    @property
    def ok(self) -> bool:
        return self.error is None


def canonical_url(url: str) -> str:
    """One spelling per resource, so an article linked many ways is fetched once.

    Lower-case scheme and host (IDNA for non-ASCII hosts), no default port, no fragment, no
    tracking parameters, the other query parameters sorted by name (repeated names keep their
    order), ``/`` for an empty path. Raises ``FetchError`` for anything but an http(s) URL with a host.
    """
    raw = url.strip()
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as exc:
        raise FetchError(raw, f"invalid URL ({exc})") from exc
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise FetchError(raw, "invalid URL (only http and https URLs can be fetched)")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise FetchError(raw, "invalid URL (no host)")
    host = _ascii_host(raw, host)
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    if parts.username is not None or parts.password is not None:
        userinfo = parts.netloc.rpartition("@")[0]
        netloc = f"{userinfo}@{netloc}"
    path = _normalise_escapes(quote(parts.path, safe=PATH_SAFE)) or "/"
    return urlunsplit((scheme, netloc, path, _canonical_query(parts.query), ""))


def _ascii_host(url: str, host: str) -> str:
    """The host as httpx will send it: IDNA 2008 A-labels for a non-ASCII name (httpx's own
    encoding, so the canonical URL names the host actually asked), checked label by label."""
    if ":" in host:  # an IPv6 literal, already unbracketed by urlsplit
        try:
            return str(ipaddress.IPv6Address(host))
        except ValueError as exc:
            raise FetchError(url, f"invalid URL (bad IPv6 address {host!r})") from exc
    try:
        parsed = httpx.URL(f"http://{host}/")
        ascii_host = parsed.raw_host.decode("ascii").lower()
        parsed.host  # noqa: B018 - decoding the A-labels back is what validates them
    except (httpx.InvalidURL, UnicodeError) as exc:
        raise FetchError(url, f"invalid URL (host {host!r} is not a valid domain name)") from exc
    if len(ascii_host) > 253 or not all(HOST_LABEL.fullmatch(label) for label in ascii_host.split(".")):
        raise FetchError(url, f"invalid URL (host {host!r} is not a valid domain name)")
    return ascii_host


def _normalise_escapes(text: str) -> str:
    return PERCENT_ESCAPE.sub(lambda m: m.group(0).upper(), text)


def _canonical_query(query: str) -> str:
    kept: list[tuple[str, str]] = []
    for segment in query.split("&"):
        if not segment:
            continue
        name = unquote(segment.partition("=")[0].replace("+", " ")).strip().lower()
        if name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES):
            continue
        kept.append((name, _normalise_escapes(quote(segment, safe=QUERY_SAFE))))
    kept.sort(key=lambda pair: pair[0])  # stable: repeated names keep their order
    return "&".join(segment for _, segment in kept)


def make_client(
    timeout: float = DEFAULT_TIMEOUT,
    *,
    connect_timeout: float = 10.0,
    max_connections: int = 32,
    transport: httpx.AsyncBaseTransport | None = None,
    trust_env: bool = True,
) -> httpx.AsyncClient:
    """The client a ``Fetcher`` expects: redirects off (the fetcher follows and guards each hop),
    connect/read timeouts, our User-Agent, a connection pool bound. Use it as ``async with``.

    ``trust_env`` honours HTTP(S)_PROXY; tests against 127.0.0.1 pass False so a proxy set in the
    environment cannot intercept them.
    """
    return httpx.AsyncClient(
        follow_redirects=False,
        timeout=httpx.Timeout(timeout, connect=min(connect_timeout, timeout)),
        headers={"User-Agent": USER_AGENT, "Accept": ACCEPT, "Accept-Encoding": ACCEPT_ENCODING},
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections // 2),
        transport=transport,
        trust_env=trust_env,
    )


class _Fault(FetchError):
    """A fault ending one exchange; ``transient`` ones are worth another try."""

    def __init__(self, url: str, kind: str, message: str, *, status: int | None = None,
                 transient: bool = False) -> None:
        super().__init__(url, message)
        self.kind = kind
        self.status = status
        self.transient = transient


@dataclass
class _Trace:
    """Mutable bookkeeping of one fetch, so a timeout can still report what had happened."""

    url: str
    final_url: str
    timeout: float
    deadline: asyncio.Timeout | None = None
    sent_at: float | None = None
    attempts: int = 0
    status: int | None = None
    bytes_read: int = 0

    def start_clock(self) -> None:
        """Start the deadline at the first request, not while queued for a slot or a crawl delay."""
        if self.sent_at is None:
            self.sent_at = time.perf_counter()
            if self.deadline is not None:
                self.deadline.reschedule(asyncio.get_running_loop().time() + self.timeout)

    def remaining(self) -> float:
        when = None if self.deadline is None else self.deadline.when()
        if when is None:
            return self.timeout
        return max(0.0, when - asyncio.get_running_loop().time())

    def elapsed_ms(self) -> float:
        return 0.0 if self.sent_at is None else (time.perf_counter() - self.sent_at) * 1000

    def failure(self, kind: str, message: str, status: int | None = None) -> FetchResult:
        return FetchResult(url=self.url, final_url=self.final_url, status=status if status is not None else self.status,
                           elapsed_ms=self.elapsed_ms(), attempts=self.attempts, error=_one_line(message),
                           error_kind=kind, bytes_read=self.bytes_read)


@dataclass(frozen=True)
class _Answer:
    status: int
    reason: str
    headers: httpx.Headers
    content: bytes = b""


@dataclass
class _HostState:
    slots: asyncio.Semaphore
    crawl_delay: float = 0.0
    next_start: float = 0.0


@dataclass
class _RobotsCache:
    rules: dict[str, Protego | None] = field(default_factory=dict)
    locks: dict[str, asyncio.Lock] = field(default_factory=dict)


class Fetcher:
    """Fetches URLs politely and safely through the client it is given.

    One fetcher per event loop (its semaphores and locks belong to the loop that first uses
    them). ``resolve``, ``sleep`` and ``rng`` exist for tests.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        allow_private: bool = False,
        max_bytes: int = DEFAULT_MAX_BYTES,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = 3,
        backoff: float = 0.5,
        concurrency: int = 8,
        per_host: int = 2,
        respect_robots: bool = True,
        resolve: Resolver | None = None,
        sleep: Sleep | None = None,
        rng: random.Random | None = None,
    ) -> None:
        for name, value, least in (("max_bytes", max_bytes, 1), ("timeout", timeout, 0.001), ("retries", retries, 0),
                                   ("backoff", backoff, 0), ("concurrency", concurrency, 1), ("per_host", per_host, 1)):
            if value < least:
                raise ConfigError(f"fetch option {name} must be at least {least}, not {value}")
        self.client = client
        self.allow_private = allow_private
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.per_host = per_host
        self.respect_robots = respect_robots
        self._resolve = resolve or _system_resolve
        self._sleep = sleep or asyncio.sleep
        self._rng = rng or random.Random()
        self._global = asyncio.Semaphore(concurrency)
        self._hosts: dict[str, _HostState] = {}
        self._robots = _RobotsCache()

    async def fetch(self, url: str, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        """Fetch one URL (conditionally when validators are given). Never raises for network or
        HTTP faults: they come back as ``error``/``error_kind``."""
        return await self._fetch(url, etag, last_modified, limit=self.max_bytes, robots=self.respect_robots)

    async def fetch_many(
        self,
        requests: Iterable[str | Validators],
        on_result: Callable[[FetchResult], Awaitable[object] | object] | None = None,
    ) -> list[FetchResult]:
        """Fetch many URLs within the concurrency limits; one result per distinct canonical URL,
        in the order given. ``on_result`` (plain or async) sees each result as it arrives; if it
        raises, the other fetches are cancelled and its exception propagates."""
        wanted: dict[str, Validators] = {}
        for request in requests:
            url, etag, modified = (request, None, None) if isinstance(request, str) else request
            try:
                key = canonical_url(url)
            except FetchError:
                key = url  # fetch() reports it as invalid_url
            wanted.setdefault(key, (url, etag, modified))

        async def one(url: str, etag: str | None, modified: str | None) -> FetchResult:
            result = await self.fetch(url, etag, modified)
            if on_result is not None:
                outcome = on_result(result)
                if inspect.isawaitable(outcome):
                    await outcome
            return result

        try:
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(one(*request)) for request in wanted.values()]
        except BaseExceptionGroup as failed:
            raise failed.exceptions[0] from None
        return [task.result() for task in tasks]

    # The path every request takes ------------------------------------------------------------

    async def _fetch(self, url: str, etag: str | None, last_modified: str | None, *, limit: int,
                     robots: bool) -> FetchResult:
        trace = _Trace(url=url, final_url=url, timeout=self.timeout)
        try:
            trace.url = trace.final_url = canonical_url(url)
            async with asyncio.timeout(None) as deadline:
                trace.deadline = deadline
                return await self._follow(trace, etag, last_modified, limit=limit, robots=robots)
        except _Fault as fault:
            return trace.failure(fault.kind, fault.reason, fault.status)
        except RefusedAddress as exc:
            return trace.failure("refused_address", exc.reason)
        except FetchError as exc:
            return trace.failure("invalid_url", exc.reason)
        except TimeoutError:
            return trace.failure("timeout", f"no complete answer within the {self.timeout:g} s deadline")
        except Exception as exc:  # a fetch must end as a recorded error, even on a bug here
            log.warning("fetching %s failed unexpectedly", url, exc_info=True)
            return trace.failure("internal", f"{type(exc).__name__}: {exc}")

    async def _follow(self, trace: _Trace, etag: str | None, last_modified: str | None, *, limit: int,
                      robots: bool) -> FetchResult:
        headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT, "Accept-Encoding": ACCEPT_ENCODING}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        url = trace.url
        for hop in range(MAX_REDIRECTS + 1):
            await self._guard(url)
            if robots:
                await self._check_robots(url)
            answer = await self._with_retries(url, headers, trace, limit)
            if answer.status not in REDIRECT_STATUSES:
                return self._result(trace, answer, etag, last_modified)
            location = answer.headers.get("location", "").strip()
            if not location:
                raise _Fault(url, "redirects", f"HTTP {answer.status} without a Location header", status=answer.status)
            if hop == MAX_REDIRECTS:
                raise _Fault(url, "redirects", f"more than {MAX_REDIRECTS} redirects", status=answer.status)
            # The hop is requested as the server spelled it (servers may insist on their own
            # spelling); only the reported final_url is canonical.
            url = urljoin(url, location).partition("#")[0]
            trace.final_url = canonical_url(url)
        raise AssertionError("unreachable: the loop returns or raises")

    async def _with_retries(self, url: str, headers: Mapping[str, str], trace: _Trace, limit: int) -> _Answer:
        for attempt in range(self.retries + 1):
            retry_after: float | None = None
            try:
                answer = await self._exchange(url, headers, trace, limit)
            except _Fault as fault:
                if not fault.transient:
                    raise
                if attempt == self.retries:
                    tries = f" (after {attempt + 1} attempts)" if attempt else ""
                    raise _Fault(url, fault.kind, fault.reason + tries, status=fault.status) from fault
                why = fault.reason
            else:
                if answer.status not in RETRY_STATUSES or attempt == self.retries:
                    return answer
                why = f"HTTP {answer.status}"
                retry_after = retry_after_seconds(answer.headers.get("retry-after"))
            if retry_after is not None:
                if retry_after > min(MAX_RETRY_AFTER, trace.remaining()):
                    # Waiting it out would only end in a timeout; give the server's answer instead.
                    return answer
                delay = retry_after
            else:
                delay = self._rng.uniform(0, min(MAX_BACKOFF, self.backoff * 2**attempt))
            log.debug("%s: %s; retrying in %.2f s", url, why, delay)
            await self._sleep(min(delay, trace.remaining()))
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _exchange(self, url: str, headers: Mapping[str, str], trace: _Trace, limit: int) -> _Answer:
        """One request: wait for the host's slot and crawl delay, then a global slot, then GET."""
        host = _host_key(url)
        state = self._host(host)
        async with state.slots:
            await self._pace(state)
            async with self._global:
                trace.start_clock()
                # Checked again here: a name can resolve elsewhere by the time a retry goes out.
                await self._guard(url)
                trace.attempts += 1
                try:
                    # follow_redirects=False here too, whatever the client says: each hop is guarded above.
                    async with self.client.stream("GET", url, headers=headers, follow_redirects=False) as response:
                        self._check_peer(url, response)
                        trace.status = response.status_code
                        content = b""
                        if 200 <= response.status_code < 300:
                            _check_content_type(url, response.headers)
                            content = await self._read_body(url, response, trace, limit)
                        return _Answer(response.status_code, response.reason_phrase, response.headers, content)
                except httpx.TimeoutException as exc:
                    raise _Fault(url, "timeout", _describe("socket timeout", exc), transient=True) from exc
                except httpx.ConnectError as exc:
                    raise _Fault(url, "connection", _describe("cannot connect", exc), transient=True) from exc
                except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                    raise _Fault(url, "connection", _describe("connection broken", exc), transient=True) from exc
                except httpx.DecodingError as exc:
                    raise _Fault(url, "encoding", _describe("undecodable body", exc)) from exc
                except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
                    raise _Fault(url, "invalid_url", _describe("invalid URL", exc)) from exc
                except httpx.HTTPError as exc:
                    raise _Fault(url, "connection", _describe("HTTP error", exc)) from exc

    async def _read_body(self, url: str, response: httpx.Response, trace: _Trace, limit: int) -> bytes:
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        decoder = _BoundedDecoder(url, encoding)
        declared = response.headers.get("content-length", "")
        if decoder.identity and declared.isdigit() and int(declared) > limit:
            raise _Fault(url, "too_large", f"body of {declared} bytes is over the {limit}-byte cap")
        chunks: list[bytes] = []
        trace.bytes_read = 0
        if response.is_stream_consumed:
            # A response made from bytes (httpx.MockTransport) arrives read and decoded already.
            decoder = _BoundedDecoder(url, "identity")
            raw_chunks: AsyncIterator[bytes] = _once(response.content)
        else:
            # Undecoded bytes, so that decompression is bounded by our decoder, not httpx's.
            raw_chunks = response.aiter_raw()
        async for raw in raw_chunks:
            piece = decoder.decode(raw, limit - trace.bytes_read + 1)
            trace.bytes_read += len(piece)
            if trace.bytes_read > limit:
                raise _Fault(url, "too_large", f"body is over the {limit}-byte cap (after decompression)")
            chunks.append(piece)
        return b"".join(chunks)

    def _result(self, trace: _Trace, answer: _Answer, etag: str | None, last_modified: str | None) -> FetchResult:
        headers = answer.headers
        new_etag = headers.get("etag") or None
        new_modified = headers.get("last-modified") or None
        if answer.status == 304:
            return FetchResult(url=trace.url, final_url=trace.final_url, status=304, etag=new_etag or etag,
                               last_modified=new_modified or last_modified, not_modified=True,
                               elapsed_ms=trace.elapsed_ms(), attempts=trace.attempts)
        if not 200 <= answer.status < 300:
            message = f"HTTP {answer.status} {answer.reason}".strip()
            if answer.status in RETRY_STATUSES and trace.attempts > 1:
                message += f" after {trace.attempts} attempts"
            if answer.status in RETRY_STATUSES and "retry-after" in headers:
                message += f" (Retry-After: {headers['retry-after'][:40]})"
            return trace.failure("http_status", message, answer.status)
        media_type, charset = _parse_content_type(headers.get("content-type"))
        return FetchResult(url=trace.url, final_url=trace.final_url, status=answer.status, content=answer.content,
                           content_type=media_type, charset=charset, etag=new_etag, last_modified=new_modified,
                           elapsed_ms=trace.elapsed_ms(), attempts=trace.attempts, bytes_read=trace.bytes_read)

    # Politeness and safety ------------------------------------------------------------------

    def _host(self, host: str) -> _HostState:
        state = self._hosts.get(host)
        if state is None:
            state = self._hosts[host] = _HostState(asyncio.Semaphore(self.per_host))
        return state

    async def _pace(self, state: _HostState) -> None:
        """Space requests to one host by its robots.txt crawl delay; each caller books a start time."""
        if state.crawl_delay <= 0:
            return
        now = asyncio.get_running_loop().time()
        start = max(now, state.next_start)
        state.next_start = start + state.crawl_delay
        if start > now:
            await self._sleep(start - now)

    async def _guard(self, url: str) -> None:
        """Refuse a URL whose host resolves to an address that is not on the public internet."""
        if self.allow_private:
            return
        parts = urlsplit(url)
        host = parts.hostname or ""
        try:
            port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower(), 80)
        except ValueError as exc:
            raise _Fault(url, "invalid_url", f"invalid URL ({exc})") from exc
        try:
            literal = ipaddress.ip_address(host)
        except ValueError:
            try:
                # Bounded on its own: before the first request the deadline has not started yet.
                async with asyncio.timeout(self.timeout):
                    addresses = await self._resolve(host, port)
            except TimeoutError as exc:
                raise _Fault(url, "dns", f"cannot resolve {host}: no answer within {self.timeout:g} s") from exc
            except OSError as exc:
                raise _Fault(url, "dns", f"cannot resolve {host}: {exc.strerror or exc}") from exc
        else:
            addresses = [str(literal)]
        if not addresses:
            raise _Fault(url, "dns", f"cannot resolve {host}: no addresses")
        for address in addresses:
            reason = refused_reason(address)
            if reason is not None:
                raise RefusedAddress(url, f"{host} resolves to {address}, a {reason} address "
                                          "(allow_private permits it)")

    def _check_peer(self, url: str, response: httpx.Response) -> None:
        """Refuse an answer from an address the guard would refuse: a name that resolved to a
        public address for ``_guard`` may resolve elsewhere for the connection (DNS rebinding).
        The body of such an answer is never read."""
        if self.allow_private or self._via_proxy(url):
            return  # through a proxy the peer is the proxy, and the proxy resolves the name
        stream = response.extensions.get("network_stream")
        peer = stream.get_extra_info("server_addr") if stream is not None else None
        if not peer:
            return  # no socket (a transport made in memory, as tests use)
        reason = refused_reason(str(peer[0]))
        if reason is not None:
            host = urlsplit(url).hostname or ""
            raise RefusedAddress(url, f"{host} answered from {peer[0]}, a {reason} address, after resolving to a "
                                      "public one (allow_private permits it)")

    def _via_proxy(self, url: str) -> bool:
        """Whether the client sends ``url`` through a proxy from the environment (HTTP(S)_PROXY)."""
        if not self.client.trust_env:
            return False
        parts = urlsplit(url)
        proxies = urllib.request.getproxies()
        if parts.scheme not in proxies and "all" not in proxies:
            return False
        return not urllib.request.proxy_bypass(parts.hostname or "")

    async def _check_robots(self, url: str) -> None:
        origin = _origin(url)
        rules = await self._robots_for(origin)
        if rules is not None and not rules.can_fetch(url, ROBOTS_AGENT):
            raise _Fault(url, "robots", f"robots.txt of {origin} disallows this URL")

    async def _robots_for(self, origin: str) -> Protego | None:
        cache = self._robots
        if origin in cache.rules:
            return cache.rules[origin]
        lock = cache.locks.setdefault(origin, asyncio.Lock())
        async with lock:  # the first caller fetches; the others wait and read the cache
            if origin not in cache.rules:
                cache.rules[origin] = await self._load_robots(origin)
            return cache.rules[origin]

    async def _load_robots(self, origin: str) -> Protego | None:
        """The origin's robots.txt rules, or None (allow all) when it is missing or unreadable:
        the common reading for 4xx, and for 5xx we prefer reading a site to skipping it for a run."""
        result = await self._fetch(f"{origin}/robots.txt", None, None, limit=ROBOTS_MAX_BYTES, robots=False)
        if not result.ok or result.status != 200:
            log.debug("%s/robots.txt: %s; allowing all", origin, result.error or result.status)
            return None
        rules = Protego.parse(result.content.decode("utf-8", errors="replace"))
        delay = rules.crawl_delay(ROBOTS_AGENT)
        if delay:
            state = self._host(_host_key(origin))
            state.crawl_delay = max(state.crawl_delay, min(float(delay), MAX_CRAWL_DELAY))
        return rules


class _BoundedDecoder:
    """Content-Encoding decoding that never inflates more than it is asked for."""

    GZIP_WBITS = 16 + zlib.MAX_WBITS

    def __init__(self, url: str, encoding: str) -> None:
        self.url = url
        self.identity = encoding in ("", "identity")
        if self.identity:
            self._wbits = 0
        elif encoding in ("gzip", "x-gzip"):
            self._wbits = self.GZIP_WBITS
        elif encoding == "deflate":
            self._wbits = zlib.MAX_WBITS
        else:
            raise _Fault(url, "encoding", f"unsupported Content-Encoding {encoding!r}")
        self._inflater = None if self.identity else zlib.decompressobj(self._wbits)
        self._started = False     # some output has been produced
        self._new_member = False  # a further gzip member has just begun
        self._finished = False    # the rest of the body is junk to ignore

    def decode(self, data: bytes, room: int) -> bytes:
        """Decoded bytes of ``data``, at most ``room`` of them (identity passes data through whole)."""
        if self._inflater is None:
            return data
        pieces: list[bytes] = []
        while data and room > 0 and not self._finished:
            if self._inflater.eof:
                # gzip may hold several members; anything after a deflate stream is trailing junk.
                if self._wbits != self.GZIP_WBITS:
                    self._finished = True
                    break
                self._inflater = zlib.decompressobj(self._wbits)
                self._new_member = True
            try:
                piece = self._inflater.decompress(data, room)
            except zlib.error as exc:
                if self._wbits == zlib.MAX_WBITS and not self._started:
                    # Some servers send raw deflate, without the zlib header the RFC asks for.
                    self._wbits = -zlib.MAX_WBITS
                    self._inflater = zlib.decompressobj(self._wbits)
                    continue
                if self._new_member:
                    self._finished = True  # padding after a complete gzip member, as some servers send
                    break
                kind = "gzip" if self._wbits == self.GZIP_WBITS else "deflate"
                raise _Fault(self.url, "encoding", f"corrupt {kind} body ({exc})") from exc
            self._started = True
            self._new_member = False
            pieces.append(piece)
            room -= len(piece)
            data = self._inflater.unused_data if self._inflater.eof else self._inflater.unconsumed_tail
            if not piece and not self._inflater.eof:
                break  # all input taken in; the next network chunk continues it
        return b"".join(pieces)


def refused_reason(address: str) -> str | None:
    """Why an IP address may not be fetched without allow_private, or None for a public one."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone ("fe80::1%eth0")
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in NAT64_PREFIX:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return refused_reason(str(embedded))
    checks = (("unspecified", ip.is_unspecified), ("loopback", ip.is_loopback), ("link-local", ip.is_link_local),
              ("multicast", ip.is_multicast), ("private", ip.is_private), ("reserved", ip.is_reserved),
              ("non-public", not ip.is_global))
    return next((name for name, hit in checks if hit), None)


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date), None if absent or bad."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


async def _system_resolve(host: str, port: int) -> list[str]:
    # loop.getaddrinfo runs socket.getaddrinfo in the default executor, off the event loop.
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _check_content_type(url: str, headers: httpx.Headers) -> None:
    media_type, _ = _parse_content_type(headers.get("content-type"))
    if media_type is None or media_type in ACCEPTED_TYPES or media_type.endswith("+xml"):
        return
    if media_type == "application/octet-stream" and urlsplit(url).path.lower().endswith(OCTET_STREAM_SUFFIXES):
        return
    what = REFUSED_TYPES.get(media_type) or REFUSED_FAMILIES.get(media_type.partition("/")[0], "not a page")
    raise _Fault(url, "content_type", f"refused content type {media_type} ({what}; expected HTML, text, a feed "
                                      "or a sitemap)")


def _parse_content_type(value: str | None) -> tuple[str | None, str | None]:
    if not value:
        return None, None
    media_type, *params = value.split(";")
    charset = None
    for param in params:
        name, _, param_value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = param_value.strip().strip("\"'").lower() or None
    return (media_type.strip().lower() or None), charset


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


def _host_key(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def _describe(what: str, exc: BaseException) -> str:
    detail = str(exc)
    return f"{what} ({type(exc).__name__}: {detail})" if detail else f"{what} ({type(exc).__name__})"


def _one_line(text: str) -> str:
    return " ".join(text.split())
