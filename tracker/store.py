"""Storage: the store a URL names, migrations, one-transaction batches of articles, safe reads.

Two stores behind one interface (``Store``), chosen by a URL (``open_store``):

- ``duckdb:PATH`` (the default, ``data/tracker.duckdb``): one DuckDB file. DuckDB locks a file
  per process and never waits (DESIGN.md), so there is one writer, the ingestion run, on the
  working database; at the end of a run it publishes a read-only copy
  (``<name>.published.duckdb``) that ``tracker sql`` and the dashboard open per query.
- ``ducklake:postgres:CONNINFO?data=PATH`` or ``ducklake:sqlite:PATH?data=PATH``
  (``tracker.lake``): a DuckLake, which several writers share and readers read at its latest
  snapshot; publishing is a no-op there.

Everything else works with a ``Store`` and a DuckDB connection whose current database is the
store, and the SQL is the same for both: upserts are ``MERGE`` (DuckLake has no keys for
``ON CONFLICT``), and every write runs through ``write``, which bumps the one-row
``store_commits`` table so that two writers' concurrent commits conflict and the later one is
retried against the other's rows: that, with deterministic ids, is why two workers that meet the
same post make one row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import random
import re
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import duckdb
import pyarrow as pa

from tracker import extensions, search
from tracker.errors import ConfigError, QueryError, StoreBusy, StoreError
from tracker.lake import LakeStore, lake_ddl
from tracker.models import Extraction, PostRef
from tracker.registry import Registry
from tracker.resolve import actor_id_for, post_identity

log = logging.getLogger(__name__)

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
DEFAULT_DB = Path("data/tracker.duckdb")
T = TypeVar("T")

# Statement types a reader may run; everything else is refused before DuckDB sees it.
READ_STATEMENTS = {"SELECT", "EXPLAIN"}
# Functions read queries may not name: they reach the catalog database behind a DuckLake
# (postgres_query, sqlite_scan, the __ducklake_metadata_* database) or change the lake
# (ducklake_expire_snapshots, ducklake_cleanup_old_files...). The lake's read-only functions stay.
_REFUSED_NAME = re.compile(
    r"^(?:postgres_|sqlite_|__ducklake_metadata|ducklake_(?!(?:snapshots|table_info|table_changes|"
    r"table_insertions|table_deletions|list_files|current_snapshot|last_committed_snapshot|options|"
    r"settings)$))", re.I)
_LOCK_WORDS = ("Could not set lock", "Conflicting lock", "lock on file")
# A commit that lost a race with another writer's: worth retrying against the new snapshot.
_CONFLICT_WORDS = ("conflict", "database is locked", "SQLITE_BUSY", "could not serialize", "duplicate key value")
COMMIT_ATTEMPTS = 40
_URL_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")

Target = str | Path


class Store(Protocol):
    """Where the tables live. ``FileStore`` (one DuckDB file) or ``tracker.lake.LakeStore``."""

    @property
    def url(self) -> str: ...

    @property
    def label(self) -> str: ...

    @property
    def batch_size(self) -> int: ...

    def connect_writer(self) -> duckdb.DuckDBPyConnection: ...

    def connect_reader(self) -> duckdb.DuckDBPyConnection: ...

    def publish(self, con: duckdb.DuckDBPyConnection) -> None: ...

    def lock_path(self, share: str | None) -> Path: ...


def default_db() -> Path:
    return Path(os.environ.get("TRACKER_DB") or DEFAULT_DB)


def default_target() -> Target:
    """The store to use when none is given: $TRACKER_STORE, else $TRACKER_DB, else the default file.

    A URL comes back as a string (``duckdb:...``, ``ducklake:...``), a plain file as a Path;
    ``connect_reader``, ``run_query`` and ``open_store`` take either.
    """
    for name in ("TRACKER_STORE", "TRACKER_DB"):
        value = os.environ.get(name, "").strip()
        if value:
            return value if _URL_SCHEME.match(value) else Path(value)
    return DEFAULT_DB


def open_store(target: Target | Store, base: Path | None = None) -> Store:
    """The store a target names: a URL, a plain path to a DuckDB file, or a Store already.

    Relative paths inside a URL are read from ``base`` (a configuration file's folder), else
    from the working directory.
    """
    if isinstance(target, FileStore | LakeStore):
        return target
    text = str(target).strip()
    if text.startswith("ducklake:"):
        return LakeStore.parse(text, base)
    if text.startswith("duckdb:"):
        text = text.removeprefix("duckdb:")
        if not text:
            raise ConfigError("store 'duckdb:' needs a path, e.g. duckdb:data/tracker.duckdb")
        path = Path(text).expanduser()
        return FileStore(path if path.is_absolute() or base is None else base / path)
    match = _URL_SCHEME.match(text)
    if match and isinstance(target, str):
        raise ConfigError(f"unknown store {match.group(1)!r}: use duckdb:PATH, ducklake:postgres:CONNINFO?data=PATH "
                          "or ducklake:sqlite:PATH?data=PATH")
    return FileStore(Path(text))


def store_from_config(path: Path) -> str | None:
    """The top-level ``store = "URL"`` of a sources file, if any (relative paths: the file's folder)."""
    import tomllib

    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None  # load_sources reports what is wrong with the file
    value = document.get("store")
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{path}: store must be a URL such as duckdb:data/tracker.duckdb")
    return open_store(value.strip(), base=path.resolve().parent).url


@dataclass(frozen=True)
class FileStore:
    """One DuckDB file: a single writer, readers on its published snapshot."""

    path: Path

    @property
    def url(self) -> str:
        return f"duckdb:{self.path}"

    @property
    def label(self) -> str:
        return f"database {self.path}"

    @property
    def batch_size(self) -> int:
        """Articles per commit: a commit to a local file is cheap."""
        return 64

    def connect_writer(self) -> duckdb.DuckDBPyConnection:
        return connect_writer(self.path)

    def connect_reader(self) -> duckdb.DuckDBPyConnection:
        return _connect_snapshot(self.path)

    def publish(self, con: duckdb.DuckDBPyConnection) -> None:
        publish(con, self.path)

    def lock_path(self, share: str | None) -> Path:
        """One lock for every share: a DuckDB file has one writer at a time."""
        return self.path.with_name(self.path.name + ".lock")


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


# Connections inside ``write``: a ``transaction`` there joins the outer one instead of nesting.
_WRITING: set[int] = set()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    if id(con) in _WRITING:
        yield  # the enclosing write() commits, or retries the whole of it
        return
    con.execute("begin transaction")
    try:
        yield
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


def write(con: duckdb.DuckDBPyConnection, action: Callable[[], T], *, guard: bool = True,
          attempts: int = COMMIT_ATTEMPTS) -> T:
    """Run ``action`` in one transaction and commit it, retrying with backoff when another writer
    committed first (a DuckLake conflict, a busy SQLite catalog).

    ``guard`` bumps ``store_commits`` in the same transaction, so any two concurrent writes
    conflict and the retried one sees the other's rows (its reads are redone from the start).
    Other database errors become one-line ``StoreError``s; the transaction is rolled back.
    """
    for attempt in range(attempts):
        con.execute("begin transaction")
        _WRITING.add(id(con))
        try:
            result = action()
            if guard:
                con.execute("update store_commits set n = n + 1")
            con.execute("commit")
            return result
        except duckdb.Error as exc:
            _rollback(con)
            if not any(word.lower() in str(exc).lower() for word in _CONFLICT_WORDS):
                raise StoreError(f"cannot write to the store: {_first_line(exc)}") from exc
            if attempt == attempts - 1:
                raise StoreBusy(f"gave up after {attempts} commits lost to other writers: {_first_line(exc)}") from exc
            log.debug("commit conflict (attempt %d): %s", attempt + 1, _first_line(exc))
            time.sleep(min(2.0, 0.02 * 1.5**attempt) + random.uniform(0, 0.05))
        except BaseException:
            _rollback(con)
            raise
        finally:
            _WRITING.discard(id(con))
    raise AssertionError("unreachable")


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    with suppress(duckdb.Error):  # a failed commit has already ended the transaction
        con.execute("rollback")


# ---------------------------------------------------------------- migrations


def migrations() -> list[tuple[int, str, Path]]:
    found = []
    for path in sorted((SQL_DIR / "migrations").glob("*.sql")):
        match = re.match(r"(\d+)_(.+)\.sql$", path.name)
        if match:
            found.append((int(match.group(1)), match.group(2), path))
    return found


_SCHEMA_MIGRATIONS = (
    "create table if not exists schema_migrations ("
    " version integer primary key, name varchar not null,"
    " applied_at timestamp not null default current_timestamp)"
)


def _is_lake(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute("select type from duckdb_databases() where database_name = current_database()").fetchone()
    return row is not None and row[0] == "ducklake"


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute(
        "select table_name from duckdb_tables() where database_name = current_database()").fetchall()}


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply the migrations not yet recorded, each in its own transaction; (re)create the views
    whose text changed. Safe when several workers start at once: each step re-checks inside its
    transaction, and a step that lost a race is retried."""
    ddl = lake_ddl if _is_lake(con) else str
    write(con, lambda: con.execute(ddl(_SCHEMA_MIGRATIONS)), guard=False)
    applied = []
    for version, name, path in migrations():

        def apply(version: int = version, name: str = name, path: Path = path) -> bool:
            if con.execute("select 1 from schema_migrations where version = ?", [version]).fetchone():
                return False  # recorded already (by another worker, perhaps)
            con.execute(ddl(path.read_text(encoding="utf-8")))
            con.execute("insert into schema_migrations (version, name) values (?, ?)", [version, name])
            if "store_commits" in _tables(con):
                con.execute("update store_commits set n = n + 1")
            return True

        if write(con, apply, guard=False):
            applied.append(f"{version:04d}_{name}")
            log.info("applied migration %04d_%s", version, name)
    current = dict(con.execute(
        "select view_name, comment from duckdb_views() where database_name = current_database() and not internal"
    ).fetchall())
    for view in sorted((SQL_DIR / "views").glob("*.sql")):
        text = view.read_text(encoding="utf-8")
        stamp = "tracker " + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        names = re.findall(r"create\s+or\s+replace\s+view\s+(\w+)", text, re.I)
        if names and all(current.get(name) == stamp for name in names):
            continue  # unchanged: no new snapshot on a lake, no write on every start

        def create(text: str = text, stamp: str = stamp, names: list[str] = names) -> None:
            con.execute(text)
            for name in names:
                con.execute(f"comment on view {name} is '{stamp}'")

        write(con, create)
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
    write(con, lambda: upsert(con, "actors", rows, key=("actor_id",)))
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


def upsert(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[dict[str, Any]],
           key: tuple[str, ...], update: bool = True) -> None:
    """Insert rows whose key is new; update the others (or leave them, ``update=False``).

    ``MERGE``, not ``INSERT ... ON CONFLICT``: DuckLake tables have no keys. Keys are never null.
    """
    if not rows:
        return
    frame = _arrow(rows)
    con.register("_rows", frame)
    try:
        columns = frame.column_names
        on = " and ".join(f"t.{k} = s.{k}" for k in key)
        sets = ", ".join(f"{c} = s.{c}" for c in columns if c not in key)
        matched = f"when matched then update set {sets} " if sets and update else ""
        con.execute(
            f"merge into {table} as t using _rows as s on {on} {matched}"
            f"when not matched then insert ({', '.join(columns)}) values ({', '.join('s.' + c for c in columns)})"
        )
    finally:
        con.unregister("_rows")


_upsert = upsert


def _merge_unknown_actors(con: duckdb.DuckDBPyConnection, rows: Sequence[dict[str, Any]]) -> None:
    """Posters outside the registry, kept by name. Whichever worker meets one first, the row
    ends the same: each column keeps the least value seen; registry rows are never touched."""
    if not rows:
        return
    frame = _arrow(rows)
    con.register("_rows", frame)
    try:
        columns = frame.column_names
        con.execute(
            "merge into actors as t using _rows as s on t.actor_id = s.actor_id "
            "when matched and not t.in_registry and (t.handle is distinct from least(t.handle, s.handle) "
            "or t.platform is distinct from least(t.platform, s.platform) "
            "or t.display_name is distinct from least(t.display_name, s.display_name)) "
            "then update set handle = least(t.handle, s.handle), "
            "platform = least(t.platform, s.platform), display_name = least(t.display_name, s.display_name) "
            f"when not matched then insert ({', '.join(columns)}) values ({', '.join('s.' + c for c in columns)})"
        )
    finally:
        con.unregister("_rows")


def _unknown_actor_row(post: PostRef, actor_id: str) -> dict[str, Any]:
    return {
        "actor_id": actor_id, "handle": post.actor, "platform": post.platform,
        "display_name": post.actor or post.actor_name or actor_id, "aliases": [], "titles": [],
        "in_registry": False,
    }


def _least(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """Column by column the least non-null value: the same row whatever the order of arrival."""
    if old is None:
        return new
    return {k: min((v for v in (old.get(k), new.get(k)) if v is not None), default=None) for k in new}


def save_extraction(con: duckdb.DuckDBPyConnection, extraction: Extraction, article_id: str,
                    registry: Registry) -> SaveResult:
    """Store one article and everything cited in it, in one transaction (a batch of one)."""
    batch = ArticleBatch(con, registry)
    try:
        result = batch.add(extraction, article_id)
        batch.flush()
    finally:
        batch.close()
    return result


class ArticleBatch:
    """Whole articles stored together: one transaction and one bulk insert per table per flush.

    Each article is all-or-nothing (its rows are in one transaction with the others of the
    batch), so a run killed at any moment leaves no partial article, and the next run stores
    what was lost. Rows for other tables (``fetches``, ``url_state``) ride in the same
    transaction through ``also``. An unchanged article (same content hash) is left alone; a
    changed one has its citations, relations and mentions replaced, and posts that no article
    cites any more are removed.

    A batch is committed when ``size`` articles wait, or when its oldest row has waited
    ``max_age`` seconds; each commit also stamps the run's heartbeat. Commits run on a writer
    thread, so fetching goes on while one commits (and while it retries after losing a race to
    another worker); rows arriving meanwhile gather into the next, larger commit. Whoever uses
    ``con`` directly calls ``wait`` first.
    """

    # While the writer is busy, rows gather up to this many batches before adding waits for it.
    MAX_WAITING = 8

    def __init__(self, con: duckdb.DuckDBPyConnection, registry: Registry, size: int = 64,
                 run_id: str | None = None, max_age: float = 30.0) -> None:
        self.con = con
        self.registry = registry
        self.size = size
        self.run_id = run_id
        self.max_age = max_age
        self.pending: list[tuple[Extraction, str, dict[str, str]]] = []
        self.extra: dict[str, list[dict[str, Any]]] = {}
        self.hashes: dict[str, str] = {}
        self._loaded = False
        self._since: float | None = None
        self._writer: ThreadPoolExecutor | None = None
        self._commit_running: Future[None] | None = None

    def known_hash(self, article_id: str) -> str | None:
        if self._loaded is False:
            self.wait()  # the connection is the writer's while it commits
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
        self._maybe_flush()
        return SaveResult("new" if previous is None else "updated", len(extraction.posts),
                          len(extraction.relations))

    def also(self, table: str, row: dict[str, Any]) -> None:
        """A row of another table to write with the next flush (fetch records, URL state)."""
        self.extra.setdefault(table, []).append(row)
        self._maybe_flush()

    def _maybe_flush(self) -> None:
        now = time.monotonic()
        if self._since is None:
            self._since = now
        if len(self.pending) < self.size and now - self._since < self.max_age:
            return
        running = self._commit_running
        if running is not None and not running.done() and len(self.pending) < self.size * self.MAX_WAITING:
            return  # the writer is busy: gather more for its next commit
        self.wait()
        self._submit()

    def _submit(self) -> None:
        pending, extra = self.pending, self.extra
        self.pending, self.extra, self._since = [], {}, None
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tracker-writer")
        self._commit_running = self._writer.submit(write, self.con, lambda: self._commit(pending, extra))

    def wait(self) -> None:
        """Until the commit under way is done; its error, if it failed."""
        running, self._commit_running = self._commit_running, None
        if running is not None:
            running.result()

    def flush(self) -> None:
        """Commit everything added so far, and wait for it."""
        self.wait()
        if self.pending or self.extra:
            self._submit()
            self.wait()

    def close(self) -> None:
        """Stop the writer thread (after the commit under way); rows not flushed are dropped."""
        try:
            self.wait()
        finally:
            if self._writer is not None:
                self._writer.shutdown()
                self._writer = None

    def _commit(self, pending: list[tuple[Extraction, str, dict[str, str]]],
                extra: dict[str, list[dict[str, Any]]]) -> None:
        con = self.con
        article_ids = [article_id for _, article_id, _ in pending]
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
            if table == "url_state":
                upsert(con, table, list({r["url"]: r for r in rows}.values()), key=("url",))
            else:
                _insert(con, table, rows)
        if self.run_id is not None:
            con.execute("update runs set heartbeat_at = ? where run_id = ?", [utcnow(), self.run_id])

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
                    actors[actor_id] = _least(actors.get(actor_id), _unknown_actor_row(post, actor_id))
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
        upsert(con, "articles", list({a["article_id"]: a for a in articles}.values()), key=("article_id",))
        _merge_unknown_actors(con, list(actors.values()))
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
    changed = []
    for post_id, row in rows.items():
        merged = _better(existing[post_id], row) if post_id in existing else row
        if merged != existing.get(post_id):
            changed.append(merged)  # a post met again as it is stored costs no rewrite
    upsert(con, "posts", changed, key=("post_id",))


def _better(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Two renditions of one post as one: the longest text, the most precise (then earliest)
    date, the highest confidence. Order-free, so workers meeting the post in any order agree."""
    out = dict(old)
    for key in ("actor_id", "status_id", "url"):
        out[key] = min((v for v in (old.get(key), new.get(key)) if v), default=None)
    out["text"] = max(old.get("text"), new.get("text"), key=lambda text: (len(text or ""), text or ""))
    dated = min(old, new, key=lambda row: (-len(row.get("posted") or ""), row.get("posted") or ""))
    out["posted"], out["posted_granularity"] = dated.get("posted"), dated.get("posted_granularity")
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


def _connect_snapshot(db: Path) -> duckdb.DuckDBPyConnection:
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


def connect_reader(target: Target | Store) -> duckdb.DuckDBPyConnection:
    """A locked-down read-only connection to what readers see of a store.

    ``target`` is a Path to the working DuckDB file (its published snapshot is read), or a
    store URL (``duckdb:PATH``, ``ducklake:...``: the lake's latest snapshot). The tables and
    views are reached by unqualified name. Read-only, no file system access beyond the lake's
    own data files (no read_csv of arbitrary files, no COPY TO, no ATTACH, no INSTALL), and the
    settings cannot be changed back by the query.
    """
    return open_store(target).connect_reader()


def data_version(target: Target | Store) -> int:
    """A number that changes whenever readers would see new data (for cache keys): the snapshot
    file's modification time, or the lake's latest snapshot id; 0 when there is nothing yet."""
    store = open_store(target)
    if isinstance(store, FileStore):
        try:
            return snapshot_path(store.path).stat().st_mtime_ns
        except OSError:
            return 0
    try:
        con = store.connect_reader()
    except StoreError:
        return 0
    try:
        row = con.execute("select max(snapshot_id) from ducklake_snapshots(current_database())").fetchone()
    finally:
        con.close()
    return int(row[0]) if row and row[0] is not None else 0


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    truncated: bool


def check_read_only(sql: str) -> None:
    """Refuse anything but SELECT/EXPLAIN statements, and the functions that reach past the
    store's tables (``_REFUSED_NAME``), with a one-line reason."""
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
    tokens = duckdb.tokenize(sql)
    ends = [start for start, _ in tokens[1:]] + [len(sql)]
    for (start, token), end in zip(tokens, ends, strict=True):
        if token == duckdb.token_type.identifier:
            name = sql[start:end].strip().strip('"')
            if _REFUSED_NAME.match(name):
                raise QueryError(f"{name} is not available to read queries")


def run_query(target: Target | Store, sql: str, *, max_rows: int | None = None,
              timeout: float | None = None) -> QueryResult:
    """Run a user's read query on what readers see of a store (``connect_reader``); the
    connection is closed afterwards."""
    check_read_only(sql)
    con = connect_reader(target)
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
