"""Shared fixtures: the real registry, the seed article, and databases built by real ingestion."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tracker.registry import Registry, load_registry

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED = ROOT / "seeds" / "seed-article.txt"
DEV_GOLD = FIXTURES / "eval" / "dev.jsonl"
SHARED = ROOT.parent / "shared"


def scalar(db: Path, sql: str) -> Any:
    """The one value a query returns, read from the working database (read-only)."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(sql).fetchone()
        return row[0] if row else None
    finally:
        con.close()


@pytest.fixture(autouse=True)
def _keep_main_module() -> Iterator[None]:
    """AppTest runs the app as ``__main__`` and leaves it there; a process pool started later
    (spawn) would then re-run the dashboard script in its workers. Put the real one back."""
    main = sys.modules.get("__main__")
    yield
    if main is not None:
        sys.modules["__main__"] = main


@pytest.fixture(scope="session")
def registry() -> Registry:
    return load_registry()


@pytest.fixture(scope="session")
def dev_gold() -> list[dict[str, Any]]:
    return [json.loads(line) for line in DEV_GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture()
def seeded_db(tmp_path: Path, registry: Registry) -> Path:
    """A working database with the seed article ingested and its snapshot published."""
    from tracker.pipeline import ingest

    db = tmp_path / "tracker.duckdb"
    summary = ingest(db, [str(SEED)], registry)
    assert summary.errors == 0 and summary.new_articles == 1
    return db
