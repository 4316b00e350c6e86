"""DuckDB storage: migrations, one-transaction-per-article writes, the published snapshot, safe reads.

DuckDB locks a file per process and never waits (DESIGN.md), so there is one writer, the
ingestion run, on the working database; at the end of a run it publishes a read-only copy
(``<name>.published.duckdb``) that ``tracker sql`` and the dashboard open per query.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import random
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pyarrow as pa

from tracker import extensions, search
from tracker.errors import QueryError, StoreBusy, StoreError
from tracker.models import Extraction, PostRef
from tracker.registry import Registry
from tracker.resolve import actor_id_for, post_identity

log = logging.getLogger(__name__)

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
DEFAULT_DB = Path("data/tracker.duckdb")
T = TypeVar("T")

# Statement types a reader may run; everything else is refused before DuckDB sees it.
READ_STATEMENTS = {"SELECT", "EXPLAIN"}
_LOCK_WORDS = ("Could not set lock", "Conflicting lock", "lock on file")


def default_db() -> Path:
    return Path(os.environ.get("TRACKER_DB") or DEFAULT_DB)


def snapshot_path(db: Path) -> Path:
    """The published read-only copy of working database ``db``."""
    return db.with_name(f"{db.stem}.published{db.suffix or '.duckdb'}")


def _retry(action: Callable[[], T], *, attempts: int = 5, what: str = "database") -> T:
    """Run ``action``, retrying briefly with jitter while another process holds the file."""
    for attempt in range(attempts):
        try:
            return action()
        except duckdb.IOException as exc:
            if not any(w in str(exc) for w in _LOCK_WORDS):
                raise StoreError(f"cannot open the {what}: {_first_line(exc)}") from exc
            if attempt == attempts - 1:
                raise StoreBusy(f"the {what} is in use by another process; try again when it finishes") from exc
            time.sleep(0.05 * (2**attempt) + random.uniform(0, 0.05))
    raise AssertionError("unreachable")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def connect_writer(db: Path) -> duckdb.DuckDBPyConnection:
    db.parent.mkdir(parents=True, exist_ok=True)
    return _retry(lambda: duckdb.connect(str(db), config=dict(extensions.BASE_CONFIG)), what=f"database {db}")


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    con.execute("begin transaction")
    try:
        yield
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


# ---------------------------------------------------------------- migrations


def migrations() -> list[tuple[int, str, Path]]:
    found = []
    for path in sorted((SQL_DIR / "migrations").glob("*.sql")):
        match = re.match(r"(\d+)_(.+)\.sql$", path.name)
        if match:
            found.append((int(match.group(1)), match.group(2), path))
    return found


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply the migrations not yet recorded, each in its own transaction; re-create the views."""
    con.execute(
        "create table if not exists schema_migrations ("
        " version integer primary key, name varchar not null,"
        " applied_at timestamp not null default current_timestamp)"
    )
    done = {row[0] for row in con.execute("select version from schema_migrations").fetchall()}
    applied = []
    for version, name, path in migrations():
        if version in done:
            continue
        with transaction(con):
            con.execute(path.read_text(encoding="utf-8"))
            con.execute("insert into schema_migrations (version, name) values (?, ?)", [version, name])
        applied.append(f"{version:04d}_{name}")
        log.info("applied migration %04d_%s", version, name)
    for view in sorted((SQL_DIR / "views").glob("*.sql")):
        con.execute(view.read_text(encoding="utf-8"))
    return applied


def load_registry_rows(con: duckdb.DuckDBPyConnection, registry: Registry) -> int:
    rows = [
        {
            "actor_id": a.handle, "handle": a.handle, "platform": a.platform,
            "display_name": a.display_name, "aliases": list(a.aliases), "titles": list(a.titles),
            "government": a.government or None, "kind": a.kind or None, "parent": a.parent,
            "in_registry": True,
        }
        for a in registry
    ]
    with transaction(con):
        _upsert(con, "actors", rows, key=("actor_id",))
    return len(rows)


# ---------------------------------------------------------------- writes


@dataclass(frozen=True)
class SaveResult:
    status: str  # new | updated | unchanged
    posts: int
    relations: int


def _arrow(rows: Sequence[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(list(rows))


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[dict[str, Any]]) -> None:
    """Bulk insert through Arrow (DESIGN.md: never row-by-row executemany)."""
    if not rows:
        return
    frame = _arrow(rows)
    con.register("_rows", frame)
    try:
        columns = ", ".join(frame.column_names)
        con.execute(f"insert into {table} ({columns}) select {columns} from _rows")
    finally:
        con.unregister("_rows")


def _upsert(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[dict[str, Any]],
            key: tuple[str, ...], update: bool = True) -> None:
    if not rows:
        return
    frame = _arrow(rows)
    con.register("_rows", frame)
    try:
        columns = ", ".join(frame.column_names)
        updates = ", ".join(f"{c} = excluded.{c}" for c in frame.column_names if c not in key)
        conflict = f"do update set {updates}" if updates and update else "do nothing"
        con.execute(
            f"insert into {table} ({columns}) select {columns} from _rows "
            f"on conflict ({', '.join(key)}) {conflict}"
        )
    finally:
        con.unregister("_rows")


def _unknown_actor_row(post: PostRef, actor_id: str) -> dict[str, Any]:
    return {
        "actor_id": actor_id, "handle": post.actor, "platform": post.platform,
        "display_name": post.actor or post.actor_name or actor_id, "in_registry": False,
    }


def save_extraction(con: duckdb.DuckDBPyConnection, extraction: Extraction, article_id: str,
                    registry: Registry) -> SaveResult:
    """Store one article and everything cited in it, in one transaction (a batch of one)."""
    batch = ArticleBatch(con, registry)
    result = batch.add(extraction, article_id)
    batch.flush()
    return result


class ArticleBatch:
    """Whole articles stored together: one transaction and one bulk insert per table per flush.

    Each article is all-or-nothing (its rows are in one transaction with the others of the
    batch), so a run killed at any moment leaves no partial article, and the next run stores
    what was lost. Rows for other tables (``fetches``, ``url_state``) ride in the same
    transaction through ``also``. An unchanged article (same content hash) is left alone; a
    changed one has its citations, relations and mentions replaced, and posts that no article
    cites any more are removed.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, registry: Registry, size: int = 64) -> None:
        self.con = con
        self.registry = registry
        self.size = size
        self.pending: list[tuple[Extraction, str, dict[str, str]]] = []
        self.extra: dict[str, list[dict[str, Any]]] = {}
        self.hashes: dict[str, str] = {}
        self._loaded = False

    def known_hash(self, article_id: str) -> str | None:
        if self._loaded is False:
            # one read per run instead of one query per article (~40 bytes an article in memory)
            self.hashes.update(self.con.execute("select article_id, content_hash from articles").fetchall())
            self._loaded = True
        return self.hashes.get(article_id)

    def add(self, extraction: Extraction, article_id: str) -> SaveResult:
        previous = self.known_hash(article_id)
        if previous == extraction.article.content_hash:
            return SaveResult("unchanged", 0, 0)
        ids = {p.key: post_identity(p, article_id, self.registry) for p in extraction.posts}
        self.pending.append((extraction, article_id, ids))
        self.hashes[article_id] = extraction.article.content_hash
        if len(self.pending) >= self.size:
            self.flush()
        return SaveResult("new" if previous is None else "updated", len(extraction.posts),
                          len(extraction.relations))

    def also(self, table: str, row: dict[str, Any]) -> None:
        """A row of another table to write with the next flush (fetch records, URL state)."""
        self.extra.setdefault(table, []).append(row)

    def flush(self) -> None:
        if not self.pending and not self.extra:
            return
        pending, extra = self.pending, self.extra
        self.pending, self.extra = [], {}
        con = self.con
        article_ids = [article_id for _, article_id, _ in pending]
        with transaction(con):
            if article_ids:
                before = [r[0] for r in con.execute(
                    "select distinct post_id from post_citations where article_id in (select unnest(?))",
                    [article_ids]).fetchall()]
                for table in ("post_citations", "post_relations", "post_mentions"):
                    con.execute(f"delete from {table} where article_id in (select unnest(?))", [article_ids])
                self._write(pending)
                if before:
                    con.execute(
                        "delete from posts where post_id in (select unnest(?)) and not exists "
                        "(select 1 from post_citations c where c.post_id = posts.post_id)", [before])
            for table, rows in extra.items():
                key = ("url",) if table == "url_state" else None
                if key:
                    _upsert(con, table, list({r["url"]: r for r in rows}.values()), key=key)
                else:
                    _insert(con, table, rows)

    def _write(self, pending: list[tuple[Extraction, str, dict[str, str]]]) -> None:
        con, registry = self.con, self.registry
        articles: list[dict[str, Any]] = []
        actors: dict[str, dict[str, Any]] = {}
        posts: list[tuple[PostRef, str]] = []
        citations: list[dict[str, Any]] = []
        relations: list[dict[str, Any]] = []
        mentions: dict[tuple[str, str, str, int], dict[str, Any]] = {}
        for extraction, article_id, ids in pending:
            article = extraction.article
            articles.append({
                "article_id": article_id, "url": article.url, "source": article.source,
                "outlet": article.outlet, "title": article.title, "published": article.published,
                "language": article.language, "authors": list(article.authors),
                "content_hash": article.content_hash, "text": article.text, "updated_at": utcnow(),
            })
            for post in extraction.posts:
                actor_id = actor_id_for(post, registry)
                if actor_id and registry.get(actor_id) is None:
                    actors[actor_id] = _unknown_actor_row(post, actor_id)
            posts.extend((post, ids[post.key]) for post in extraction.posts)
            citations.extend(_citation_row(article_id, p, ids[p.key]) for p in extraction.posts)
            relations.extend({
                "article_id": article_id, "source_post": ids[r.source], "target_post": ids[r.target],
                "relation": r.type, "evidence": r.evidence, "span_start": r.span[0], "span_end": r.span[1],
            } for r in _distinct_relations(extraction, ids))
            for m in extraction.mentions:
                mentions.setdefault((article_id, ids[m.post], m.actor_name, m.span[0]), {
                    "article_id": article_id, "post_id": ids[m.post], "actor_id": m.actor,
                    "actor_name": m.actor_name, "span_start": m.span[0], "span_end": m.span[1],
                })
        _upsert(con, "articles", list({a["article_id"]: a for a in articles}.values()), key=("article_id",))
        _upsert(con, "actors", list(actors.values()), key=("actor_id",), update=False)
        _merge_posts(con, posts, registry)
        _insert(con, "post_citations", citations)
        _insert(con, "post_relations", relations)
        _insert(con, "post_mentions", list(mentions.values()))


def _distinct_relations(extraction: Extraction, ids: dict[str, str]) -> list[Any]:
    seen: dict[tuple[str, str, str], Any] = {}
    for r in extraction.relations:
        if r.source in ids and r.target in ids and ids[r.source] != ids[r.target]:
            seen.setdefault((ids[r.source], ids[r.target], r.type), r)
    return list(seen.values())


def utcnow() -> dt.datetime:
    """Naive UTC, as DuckDB's timestamp columns hold it."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _citation_row(article_id: str, post: PostRef, post_id: str) -> dict[str, Any]:
    return {
        "article_id": article_id, "post_key": post.key, "post_id": post_id,
        "actor_name": post.actor_name, "quote": list(post.quote),
        "quote_starts": [s for s, _ in post.quote_spans], "quote_ends": [e for _, e in post.quote_spans],
        "paraphrase": post.paraphrase, "cue": post.cue,
        "cue_start": post.cue_span[0] if post.cue_span else None,
        "cue_end": post.cue_span[1] if post.cue_span else None,
        "sentence": post.sentence, "sentence_start": post.sentence_span[0],
        "sentence_end": post.sentence_span[1], "platform_inferred": post.platform_inferred,
        "embed_kind": post.embed_kind, "posted": post.posted, "confidence": post.confidence,
    }


def _merge_posts(con: duckdb.DuckDBPyConnection, posts: Sequence[tuple[PostRef, str]], registry: Registry) -> None:
    """Insert new posts; for known ones keep the longest text and the most precise date."""
    rows: dict[str, dict[str, Any]] = {}
    for post, post_id in posts:
        row: dict[str, Any] = {
            "post_id": post_id, "platform": post.platform,
            "actor_id": actor_id_for(post, registry), "status_id": post.status_id, "url": post.url,
            "text": post.text or None, "posted": post.posted, "posted_granularity": post.granularity,
            "confidence": post.confidence,
        }
        old = rows.get(row["post_id"])
        rows[row["post_id"]] = _better(old, row) if old else row
    if not rows:
        return
    existing = {
        r[0]: dict(zip(("post_id", "platform", "actor_id", "status_id", "url", "text", "posted",
                        "posted_granularity", "confidence"), r, strict=True))
        for r in con.execute(
            "select post_id, platform, actor_id, status_id, url, text, posted, posted_granularity, confidence "
            "from posts where post_id in (select unnest(?))", [list(rows)]
        ).fetchall()
    }
    merged = [_better(existing[k], v) if k in existing else v for k, v in rows.items()]
    _upsert(con, "posts", merged, key=("post_id",))


def _better(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    out = dict(old)
    for key in ("actor_id", "status_id", "url"):
        out[key] = old.get(key) or new.get(key)
    if len(new.get("text") or "") > len(old.get("text") or ""):
        out["text"] = new["text"]
    if len(new.get("posted") or "") > len(old.get("posted") or ""):
        out["posted"], out["posted_granularity"] = new["posted"], new["posted_granularity"]
    out["confidence"] = max(old.get("confidence") or 0.0, new.get("confidence") or 0.0)
    return out


# ---------------------------------------------------------------- publish and read


def publish(con: duckdb.DuckDBPyConnection, db: Path) -> Path:
    """Copy the working database to its snapshot atomically: readers see the old or the new file."""
    target = snapshot_path(db)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    con.execute("checkpoint")
    con.execute(f"attach '{_sql_path(tmp)}' as _snapshot")
    try:
        catalog = con.execute("select current_database()").fetchone()
        assert catalog is not None
        con.execute(f'copy from database "{catalog[0]}" to _snapshot')
    finally:
        con.execute("detach _snapshot")
    search.build_index(tmp)
    os.replace(tmp, target)
    _fsync_dir(target.parent)
    return target


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def connect_reader(db: Path) -> duckdb.DuckDBPyConnection:
    """A locked-down read-only connection to the published snapshot of ``db``.

    Read-only, no file system access (no read_csv of arbitrary files, no COPY TO, no ATTACH,
    no INSTALL), and the settings cannot be changed back by the query.
    """
    path = snapshot_path(db)
    if not path.exists():
        raise StoreError(f"no published snapshot at {path}: run `tracker init` and `tracker ingest` first")
    con = _retry(lambda: duckdb.connect(str(path), read_only=True, config=dict(extensions.BASE_CONFIG)),
                 what=f"snapshot {path}")
    _lock_down(con)
    return con


def _lock_down(con: duckdb.DuckDBPyConnection) -> None:
    """Load fts, then switch file access off and lock the settings, once per database instance.

    DuckDB shares one instance among the connections a process opens on one file, so a second
    reader finds the instance already locked: it must not (and cannot) set anything again.
    """
    def locked() -> bool:
        row = con.execute("select current_setting('lock_configuration')").fetchone()
        return bool(row and row[0])

    if locked():
        return
    try:
        # fts (post search) must be loaded before external access is switched off for good.
        if search.is_wanted():
            extensions.load(con, "fts")
        con.execute("set enable_external_access = false")
        con.execute("set lock_configuration = true")
    except duckdb.Error:
        if not locked():  # not a concurrent reader that locked it first: a real failure
            con.close()
            raise


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    truncated: bool


def check_read_only(sql: str) -> None:
    """Refuse anything but SELECT/EXPLAIN statements, with a one-line reason."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryError(_first_line(exc)) from exc
    if not statements:
        raise QueryError("empty query")
    for statement in statements:
        kind = statement.type.name
        if kind not in READ_STATEMENTS:
            raise QueryError(f"only read queries are allowed (this is a {kind} statement)")


def run_query(db: Path, sql: str, *, max_rows: int | None = None, timeout: float | None = None) -> QueryResult:
    """Run a user's read query on the published snapshot; the connection is closed afterwards."""
    check_read_only(sql)
    con = connect_reader(db)
    timer = None
    try:
        if timeout:
            import threading

            timer = threading.Timer(timeout, con.interrupt)
            timer.start()
        try:
            cursor = con.execute(sql)
            columns = [d[0] for d in cursor.description or []]
            if max_rows is None:
                rows = cursor.fetchall()
                truncated = False
            else:
                rows = cursor.fetchmany(max_rows + 1)
                truncated = len(rows) > max_rows
                rows = rows[:max_rows]
        except duckdb.InterruptException as exc:
            raise QueryError(f"query stopped after {timeout:g} s") from exc
        except duckdb.Error as exc:
            raise QueryError(_first_line(exc)) from exc
        return QueryResult(columns, rows, truncated)
    finally:
        if timer is not None:
            timer.cancel()
        con.close()
