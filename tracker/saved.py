"""Saved searches: named dashboard views stored in the database (migration 0003).

The dashboard reads the published snapshot, so saving writes the working database under the
ingestion run lock (never while a run is writing: a clear error says to try again) and then
publishes the snapshot, which makes the new entry visible to every reader at once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from tracker import store
from tracker.errors import TrackerError

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


@contextmanager
def _writing(db: Path, busy: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """The working database under the run lock, migrated; published after the block."""
    from tracker.schedule import RunLocked, run_lock

    try:
        with run_lock(db):
            con = store.connect_writer(db)
            try:
                store.migrate(con)
                with store.transaction(con):
                    yield con
                store.publish(con, db)
            finally:
                con.close()
    except RunLocked as exc:
        raise SavedSearchError(f"an ingestion run is writing the database; {busy} when it finishes") from exc


def save(db: Path, name: str, page: str, params: dict[str, Any]) -> None:
    """Store (or replace) the saved search ``name`` and publish the snapshot."""
    row = check(name, page, params)
    with _writing(db, "save again") as con:
        con.execute(
            "insert into saved_searches (name, page, params) values (?, ?, ?)"
            " on conflict (name) do update set page = excluded.page, params = excluded.params, updated_at = now()",
            list(row),
        )


def delete(db: Path, name: str) -> bool:
    """Remove the saved search ``name``; False when there was none."""
    with _writing(db, "try again") as con:
        found = con.execute("select count(*) from saved_searches where name = ?", [name]).fetchone()
        con.execute("delete from saved_searches where name = ?", [name])
    return bool(found and found[0])
