"""DuckLake: the store for several ingestion workers (DESIGN.md, "Beyond one machine").

A DuckLake keeps its catalog in PostgreSQL (several machines) or SQLite (one machine) and its
rows in Parquet files under a data path; DuckDB reads and writes it through the ``ducklake``
extension, so workers need no coordinator of our own. Every transaction commits a snapshot;
readers see the latest committed snapshot and never block a writer.

This module knows the DuckLake specifics and nothing else does (``tracker.store`` dispatches to
it): parsing the ``ducklake:`` store URL, loading the extensions (``tracker.extensions``), attaching
the lake for a writer or a locked-down reader, checking the data path, and turning the
migrations' DuckDB DDL into what DuckLake accepts.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs

import duckdb

from tracker import extensions
from tracker.errors import ConfigError, StoreError

# The name the lake is attached under; tables and views are reached unqualified after USE.
LAKE = "lake"
CATALOGS = {"sqlite": "sqlite_scanner", "postgres": "postgres_scanner"}
ATTACH_ATTEMPTS = 10
_RACE_WORDS = ("Failed to initialize DuckLake", "duplicate key", "already exists", "database is locked")
# Data paths on object storage need DuckDB's httpfs extension (its wheel is not a dependency).
REMOTE_PREFIXES = ("s3://", "gs://", "gcs://", "r2://", "az://", "abfss://", "http://", "https://")

# DuckDB DDL that DuckLake refuses: keys, uniqueness and indexes (identity comes from
# deterministic ids plus MERGE, not from constraints), and list defaults (writers give lists).
_TABLE_KEY = re.compile(r"^[ \t]*(?:primary[ \t]+key|unique)[ \t]*\([^)]*\)[ \t]*,?[ \t]*(?:--[^\n]*)?\n", re.I | re.M)
_COLUMN_KEY = re.compile(r"[ \t]+(?:primary[ \t]+key|unique)\b(?![ \t]*\()", re.I)
_LIST_DEFAULT = re.compile(r"[ \t]+default[ \t]+\[\s*\]", re.I)
_INDEX = re.compile(r"^[ \t]*create[ \t]+(?:unique[ \t]+)?index\b[^;]*;[ \t]*\n?", re.I | re.M)


def lake_ddl(sql: str) -> str:
    """A migration's DuckDB SQL as DuckLake accepts it (see the patterns above)."""
    for pattern in (_INDEX, _TABLE_KEY, _COLUMN_KEY, _LIST_DEFAULT):
        sql = pattern.sub("\n" if pattern is _TABLE_KEY else "", sql)
    return sql


def _load(con: duckdb.DuckDBPyConnection, names: list[str]) -> None:
    for name in names:
        if not extensions.load(con, name):
            package = f"duckdb-extension-{name.replace('_', '-')}=={duckdb.__version__}"
            raise ConfigError(f"the DuckDB {name} extension cannot be loaded: pip install {package}")


@dataclass(frozen=True)
class LakeStore:
    """``ducklake:sqlite:PATH?data=PATH`` or ``ducklake:postgres:CONNINFO?data=PATH``."""

    catalog: str  # sqlite | postgres
    spec: str     # the SQLite file, or the libpq connection string
    data: str     # folder (or object-storage URL) of the Parquet files, ending in '/'

    @classmethod
    def parse(cls, url: str, base: Path | None = None) -> LakeStore:
        rest = url.removeprefix("ducklake:")
        catalog, _, rest = rest.partition(":")
        if catalog not in CATALOGS:
            raise ConfigError(f"store {url!r}: the catalog must be ducklake:postgres:... or ducklake:sqlite:...")
        spec, sep, query = rest.rpartition("?")
        if not sep:
            raise ConfigError(f"store {url!r}: add ?data=PATH, the folder of the lake's Parquet files")
        params = parse_qs(query, keep_blank_values=True)
        unknown = sorted(set(params) - {"data"})
        if unknown:
            raise ConfigError(f"store {url!r}: unknown parameter {unknown[0]!r} (only data=PATH)")
        data = (params.get("data") or [""])[-1].strip()
        spec = spec.strip()
        if not data or not spec:
            raise ConfigError(f"store {url!r}: needs a catalog and ?data=PATH")
        if catalog == "postgres" and re.search(r"(?:^|\s)password\s*=", spec, re.I):
            # URLs end up in process lists, logs and duckdb_databases(): keep secrets out of them
            raise ConfigError("put the PostgreSQL password in PGPASSWORD or ~/.pgpass, not in the store URL")
        if catalog == "sqlite":
            spec = str(_absolute(spec, base))
        if not data.lower().startswith(REMOTE_PREFIXES):
            data = str(_absolute(data, base))
        return cls(catalog, spec, data.rstrip("/") + "/")

    @property
    def url(self) -> str:
        return f"ducklake:{self.catalog}:{self.spec}?data={self.data}"

    @property
    def label(self) -> str:
        return f"DuckLake {self.catalog} catalog {self.spec}"

    @property
    def batch_size(self) -> int:
        """Articles per commit: each commit writes Parquet files and catalog rows, and commits of
        concurrent workers take turns, so fewer, bigger ones."""
        return 256

    @property
    def remote_data(self) -> bool:
        return self.data.lower().startswith(REMOTE_PREFIXES)

    def lock_path(self, share: str | None) -> Path:
        """This machine's run lock for one share of this lake (other machines hold their own)."""
        digest = hashlib.sha256(self.url.encode("utf-8")).hexdigest()[:16]
        suffix = "" if share is None else "-" + share.replace("/", "of")
        return Path(tempfile.gettempdir()) / f"tracker-lake-{digest}{suffix}.lock"

    def _open(self, *, read_only: bool) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(":memory:", config=dict(extensions.BASE_CONFIG))
        try:
            names = ["ducklake", CATALOGS[self.catalog]]
            if self.remote_data:
                names.append("httpfs")
            _load(con, names)
            if self.catalog == "sqlite" and not read_only:
                Path(self.spec).parent.mkdir(parents=True, exist_ok=True)
            options = f"data_path '{_quote(self.data)}'" + (", read_only" if read_only else "")
            attach = f"attach '{_quote('ducklake:' + self.catalog + ':' + self.spec)}' as {LAKE} ({options})"
            for attempt in range(ATTACH_ATTEMPTS):
                try:
                    con.execute(attach)
                    break
                except duckdb.Error as exc:
                    # Workers starting together on a new lake race to create its catalog tables:
                    # the losers find them created once the winner has committed.
                    if attempt == ATTACH_ATTEMPTS - 1 or not any(w in str(exc) for w in _RACE_WORDS):
                        raise
                    time.sleep(0.1 * (attempt + 1) + random.uniform(0, 0.1))
            con.execute(f"use {LAKE}")
        except duckdb.Error as exc:
            con.close()
            raise StoreError(self._attach_problem(exc, read_only)) from exc
        except BaseException:
            con.close()
            raise
        return con

    def _attach_problem(self, exc: duckdb.Error, read_only: bool) -> str:
        text = str(exc)
        if "Unable to connect to Postgres" in text or "Unable to open database" in text:
            tail = (text.split("failed:", 1)[-1] if "failed:" in text else text.rsplit(":", 1)[-1]).strip()
            reason = " ".join((tail.splitlines() or ["?"])[0].split())
            hint = "; run `tracker init --store URL` first" if read_only and self.catalog == "sqlite" else ""
            return f"cannot reach the {self.label}: {reason}{hint}"
        if read_only:
            return f"cannot read the {self.label} (run `tracker init --store URL` first?): {_first_line(exc)}"
        return f"cannot open the {self.label}: {_first_line(exc)}"

    def publish(self, con: duckdb.DuckDBPyConnection) -> None:
        """Nothing to do: every commit is a snapshot readers see at once."""

    def connect_writer(self) -> duckdb.DuckDBPyConnection:
        self.check_data_path()
        return self._open(read_only=False)

    def check_data_path(self) -> None:
        """Fail at start, in one line, when the Parquet folder cannot be written."""
        if self.remote_data:
            return
        folder = Path(self.data)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / f".tracker-write-test-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise StoreError(f"the DuckLake data path {self.data} is not writable: {exc.strerror or exc}") from exc

    def connect_reader(self) -> duckdb.DuckDBPyConnection:
        """The latest snapshot, read-only; user SQL can reach no file but the lake's own data."""
        con = self._open(read_only=True)
        try:
            con.execute("set allowed_directories = ?", [[self.data]])
            con.execute("set enable_external_access = false")
            con.execute("set lock_configuration = true")
        except BaseException:
            con.close()
            raise
        return con


def _absolute(path: str, base: Path | None) -> Path:
    candidate = Path(path).expanduser()
    if not candidate.is_absolute():
        candidate = (base or Path.cwd()) / candidate
    return Path(os.path.normpath(candidate))


def _quote(text: str) -> str:
    return text.replace("'", "''")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
