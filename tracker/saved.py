"""Saved searches: named dashboard views stored in the database (migration 0003).

The dashboard reads the published snapshot, so saving writes the store under the ingestion run
lock (never while a run is writing there: a clear error says to try again) and then publishes,
which makes the new entry visible to every reader at once. Works on a DuckDB file and on DuckLake.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, TypeVar

import duckdb

from tracker import store
from tracker.errors import TrackerError

T = TypeVar("T")
PAGES = ("graph", "accounts", "posts", "articles", "sql", "runs")
_NAME = re.compile(r"^[\w][\w .,:'()/+-]{0,79}$")


class SavedSearchError(TrackerError):
    """A saved search that cannot be stored (bad name or page, or the database is busy)."""


def check(name: str, page: str, params: dict[str, Any]) -> tuple[str, str, str]:
    """The validated row; raises SavedSearchError with a one-line reason."""
    name = " ".join(name.split())
    if not _NAME.match(name):
        raise SavedSearchError("a saved search needs a name of 1 to 80 letters, digits, spaces or .,:'()/+-")
    if page not in PAGES:
        raise SavedSearchError(f"unknown page {page!r}: expected one of {', '.join(PAGES)}")
    clean: dict[str, str | list[str]] = {}
    for key, value in params.items():
        if not isinstance(key, str) or not key:
            raise SavedSearchError("saved search parameters need names")
        if isinstance(value, list):
            clean[key] = [str(v) for v in value]
        else:
            clean[key] = str(value)
    return name, page, json.dumps(clean, sort_keys=True)


def _write(target: store.Target, busy: str, action: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
    """Run ``action`` in one retried write on the store, under its run lock; then publish."""
    from tracker.schedule import RunLocked, run_lock

    where = store.open_store(target)
    try:
        with run_lock(where):
            con = where.connect_writer()
            try:
                store.migrate(con)
                result = store.write(con, lambda: action(con))
                where.publish(con)
            finally:
                con.close()
    except RunLocked as exc:
        raise SavedSearchError(f"an ingestion run is writing the database; {busy} when it finishes") from exc
    return result


def save(target: store.Target, name: str, page: str, params: dict[str, Any]) -> None:
    """Store (or replace) the saved search ``name`` and publish the snapshot (any store)."""
    name, page, blob = check(name, page, params)
    row = {"name": name, "page": page, "params": blob, "created_at": store.utcnow(), "updated_at": store.utcnow()}

    def action(con: duckdb.DuckDBPyConnection) -> None:
        old = con.execute("select created_at from saved_searches where name = ?", [name]).fetchone()
        if old is not None:
            row["created_at"] = old[0]
        store.upsert(con, "saved_searches", [row], key=("name",))

    _write(target, "save again", action)


def delete(target: store.Target, name: str) -> bool:
    """Remove the saved search ``name``; False when there was none."""
    def action(con: duckdb.DuckDBPyConnection) -> bool:
        found = con.execute("select count(*) from saved_searches where name = ?", [name]).fetchone()
        con.execute("delete from saved_searches where name = ?", [name])
        return bool(found and found[0])

    return _write(target, "try again", action)
