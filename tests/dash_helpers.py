"""Dashboard test data built by the real pipeline: `tracker init` and `tracker ingest seeds/`."""

from __future__ import annotations

from pathlib import Path

from tracker import store
from tracker.pipeline import ingest
from tracker.registry import load_registry

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


def build_db(tmp_path: Path, *, seed: bool = True, publish_snapshot: bool = True) -> Path:
    """A working database in ``tmp_path``: migrated, registry loaded, optionally the seeds ingested."""
    db = tmp_path / "tracker.duckdb"
    if seed:
        summary = ingest(db, [str(SEEDS)], load_registry())
        assert summary.errors == 0 and summary.posts == 4, summary.line()
        return db
    con = store.connect_writer(db)
    try:
        store.migrate(con)
        if publish_snapshot:
            store.publish(con, db)
    finally:
        con.close()
    return db


def build_seed_snapshot(tmp_path: Path) -> Path:
    return build_db(tmp_path, seed=True)


DASHBOARD_FIXTURES = ROOT / "tests" / "fixtures" / "dashboard"


def build_fixture_db(tmp_path: Path) -> Path:
    """tests/fixtures/dashboard: the seed article (IANS), a second outlet's copy of the MEA's post
    (The Hindu, HTML) and an article whose text holds <script> and Markdown (PTI)."""
    db = tmp_path / "tracker.duckdb"
    summary = ingest(db, [str(DASHBOARD_FIXTURES)], load_registry())
    assert summary.errors == 0 and summary.new_articles == 3, summary.line()
    return db
