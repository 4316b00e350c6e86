"""Wire copy: articles that are near-duplicate texts of one story, so syndication is counted once.

The same agency story runs on many outlets with light edits (another headline, the outlet's
boilerplate, a sentence cut). Each article gets a MinHash (datasketch) of the word 5-grams of
its normalised text; a MinHash LSH index finds earlier articles whose estimated Jaccard
similarity is at least ``THRESHOLD``, and the article joins the story of the earliest of them,
else starts its own story (``story_id`` = its own ``article_id``).

``assign_stories`` is incremental and idempotent: signatures are stored in ``article_stories``
so a later run compares new articles with the stored ones without reading old texts again; an
article whose text changed is signed and assigned again; a second run with nothing new writes
nothing. Candidates are limited to articles dated within ``WINDOW_DAYS`` of each other (the
published date, else the day it was fetched): wire copy runs within days, and the window bounds
the signatures a run loads.

Texts with fewer than ``MIN_SHINGLES`` shingles (a few sentences) are too short to tell a copy
from two stories sharing one long quote; each is its own story and has no signature.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
from datasketch import LeanMinHash, MinHash, MinHashLSH

from tracker.store import transaction, utcnow

log = logging.getLogger(__name__)

# 128 permutations: the Jaccard estimate's standard error is about 0.04 at J = 0.6.
NUM_PERM = 128
# Word 5-grams: long enough that two stories sharing common phrases do not look alike, short
# enough that a changed word spoils only five shingles.
SHINGLE_WORDS = 5
# Estimated Jaccard similarity of the 5-gram sets from which two articles are one story.
# Measured (benchmarks/bench_stories.py prints it): copies of the seed story with another
# headline, outlet boilerplate and one to three paragraphs dropped score 0.75-0.85 against the
# original and 0.60 against each other; another story quoting the same 45-word post scores
# 0.09-0.14; the 46 distinct development articles pairwise at most 0.03. 0.5 sits between them.
THRESHOLD = 0.5
# Below this many shingles (about 100 words) an article is its own story, without a signature:
# two short articles that are mostly one quoted post (up to ~50 words) would otherwise reach the
# threshold; at 100 shingles a shared 50-word quote gives at most 50/150 = 0.33.
MIN_SHINGLES = 100
# Candidates further apart than this (published date, else fetch date) are not compared.
WINDOW_DAYS = 14
# Articles signed and written per transaction: bounds the texts held in memory at once.
CHUNK = 500

_WORD = re.compile(r"\w+")
_SCHEME = "affine32"
_DTYPE = np.dtype("<u4")  # affine32 hash values, stored little-endian in the blob


def normalise_words(text: str) -> list[str]:
    """Lower-cased words of the text, Unicode-normalised, punctuation and markup dropped."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[bytes]:
    words = normalise_words(text)
    return {" ".join(words[i:i + size]).encode("utf-8") for i in range(max(len(words) - size + 1, 0))}


# zlib.crc32 hashes the shingles: stable across processes (signatures are stored), twice as fast
# as datasketch's default SHA-1 here, and the affine32 scheme premixes it with MurmurHash3's
# finalizer before permuting. Changing it (or NUM_PERM) invalidates every stored signature.
_TEMPLATE = MinHash(num_perm=NUM_PERM, scheme=_SCHEME, hashfunc=zlib.crc32)


def signature(grams: Iterable[bytes]) -> MinHash:
    minhash = _TEMPLATE.copy()
    minhash.update_batch(list(grams))
    return minhash


def _to_blob(minhash: MinHash) -> bytes:
    return bytes(np.asarray(minhash.hashvalues, dtype=_DTYPE).tobytes())


def _from_blob(blob: bytes) -> LeanMinHash:
    # Lean: hash values only, no permutations: all that LSH look-ups and Jaccard estimates need.
    values = np.frombuffer(blob, dtype=_DTYPE).astype(np.uint32)
    return LeanMinHash(seed=_TEMPLATE.seed, hashvalues=values, scheme=_SCHEME)


def similarity(a: str, b: str) -> float:
    """Estimated Jaccard similarity of two texts' shingle sets (what the threshold is set on)."""
    return float(signature(shingles(a)).jaccard(signature(shingles(b))))


@dataclass
class _Signed:
    article_id: str
    story_id: str
    day: dt.date
    order: tuple[Any, ...]
    minhash: MinHash


# Articles needing a story: none yet, or text changed since it was signed. Oldest first, so the
# earliest copy of a story is assigned before the later ones and gives the story its id.
_PENDING_SQL = """
with
articles_ as (select * from articles),
stories as (select * from article_stories),
final as (
    select
        a.article_id,
        coalesce(try_cast(a.published as date), cast(a.fetched_at as date)) as day,
        a.fetched_at,
    from articles_ as a
    left join stories as s on s.article_id = a.article_id
    where s.article_id is null
       or s.content_hash <> a.content_hash
)
select * from final
order by day, fetched_at, article_id
"""

_SIGNED_SQL = """
with
articles_ as (select * from articles),
stories as (select * from article_stories where minhash is not null),
final as (
    select
        s.article_id,
        s.story_id,
        coalesce(try_cast(a.published as date), cast(a.fetched_at as date)) as day,
        a.fetched_at,
        s.minhash,
    from stories as s
    join articles_ as a on a.article_id = s.article_id
    where s.content_hash = a.content_hash
)
select * from final
where day between $first and $last
order by day, fetched_at, article_id
"""


def assign_stories(con: duckdb.DuckDBPyConnection, *, threshold: float = THRESHOLD,
                   window_days: int = WINDOW_DAYS) -> int:
    """Give every article without a (current) story row its story; the number assigned."""
    con.execute("delete from article_stories where article_id not in (select article_id from articles)")
    pending = con.execute(_PENDING_SQL).fetchall()
    if not pending:
        return 0
    window = dt.timedelta(days=window_days)
    first = min(row[1] for row in pending) - window
    last = max(row[1] for row in pending) + window
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    signed: dict[str, _Signed] = {}
    pending_ids = {row[0] for row in pending}
    for article_id, story_id, day, fetched_at, blob in con.execute(
            _SIGNED_SQL, {"first": first, "last": last}).fetchall():
        if article_id in pending_ids:
            continue  # its text changed: it is signed again below
        entry = _Signed(article_id, story_id, day, (day, fetched_at, article_id), _from_blob(blob))
        signed[article_id] = entry
        lsh.insert(article_id, entry.minhash, check_duplication=False)
    for start in range(0, len(pending), CHUNK):
        chunk = pending[start:start + CHUNK]
        ids = [row[0] for row in chunk]
        texts = {row[0]: row[1:] for row in con.execute(
            "select article_id, text, content_hash from articles where article_id in (select unnest(?))",
            [ids]).fetchall()}
        rows = []
        for article_id, day, fetched_at in chunk:
            text, content_hash = texts[article_id]
            grams = shingles(text)
            story_id = article_id
            blob = None
            if len(grams) >= MIN_SHINGLES:
                minhash = signature(grams)
                story_id = _earliest_match(lsh, signed, minhash, day, window, threshold) or article_id
                signed[article_id] = _Signed(article_id, story_id, day, (day, fetched_at, article_id),
                                             LeanMinHash(minhash))
                lsh.insert(article_id, minhash, check_duplication=False)
                blob = _to_blob(minhash)
            rows.append({
                "article_id": article_id, "story_id": story_id, "content_hash": content_hash,
                "shingles": len(grams), "minhash": blob, "assigned_at": utcnow(),
            })
        _write(con, rows)
    log.info("assigned %d article(s) to stories", len(pending))
    return len(pending)


def _earliest_match(lsh: MinHashLSH, signed: dict[str, _Signed], minhash: MinHash, day: dt.date,
                    window: dt.timedelta, threshold: float) -> str | None:
    """The story of the earliest signed article that is a near-duplicate, within the window."""
    best: _Signed | None = None
    for key in lsh.query(minhash):
        other = signed[key]
        if abs(other.day - day) > window or other.minhash.jaccard(minhash) < threshold:
            continue  # LSH gives candidates; the estimate decides
        if best is None or other.order < best.order:
            best = other
    return best.story_id if best else None


_SCHEMA = pa.schema([
    ("article_id", pa.string()), ("story_id", pa.string()), ("content_hash", pa.string()),
    ("shingles", pa.int32()), ("minhash", pa.binary()), ("assigned_at", pa.timestamp("us")),
])


def _write(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> None:
    """Replace the story rows of these articles (delete + insert: no upsert, works on any catalog)."""
    frame = pa.Table.from_pylist(rows, schema=_SCHEMA)
    con.register("_stories", frame)
    try:
        with transaction(con):
            con.execute("delete from article_stories where article_id in (select article_id from _stories)")
            con.execute("insert into article_stories by name select * from _stories")
    finally:
        con.unregister("_stories")
