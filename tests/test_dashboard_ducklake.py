"""The dashboard's AppTest suite (tests/test_dashboard_apptest.py) once more, on DuckLake stores.

Every test there that runs on the seed article's store (the ``seed_db`` fixture) is collected
here too, with ``seed_db`` a DuckLake holding the same seed: one with a SQLite catalog, one with
the session's PostgreSQL catalog. The store reaches the dashboard as it does from
``tracker dashboard --store URL``: through TRACKER_STORE (and TRACKER_DB, which the tests set).
"""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
import test_dashboard_apptest
from dash_helpers import SEEDS
from pg_server import pg  # noqa: F401  (the PostgreSQL catalog's server, for the postgres runs)

from tracker.pipeline import ingest
from tracker.registry import load_registry

for _name, _test in vars(test_dashboard_apptest).items():
    if _name.startswith("test_") and callable(_test) and "seed_db" in inspect.signature(_test).parameters:
        globals()[_name] = _test


@pytest.fixture(scope="module")
def seed_lake(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp(f"lake-{request.param}")
    url = (f"ducklake:sqlite:{folder / 'catalog.sqlite'}?data={folder / 'data'}" if request.param == "sqlite"
           else request.getfixturevalue("pg").lake_url(folder / "data"))
    summary = ingest(url, [str(SEEDS)], load_registry())
    assert summary.errors == 0 and summary.posts == 4, summary.line()
    return url


@pytest.fixture
def seed_db(seed_lake: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TRACKER_STORE", seed_lake)
    return seed_lake  # type: ignore[return-value]  # the tests pass it on as TRACKER_DB: a URL works there too


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "seed_db" in metafunc.fixturenames:
        metafunc.parametrize("seed_lake", ["sqlite", "postgres"], indirect=True, scope="module")


def test_saved_searches_on_a_lake(tmp_path: Path) -> None:
    """Saving, replacing and deleting a named view works on a DuckLake as on a DuckDB file."""
    from tracker import saved
    from tracker.store import run_query

    url = f"ducklake:sqlite:{tmp_path / 'catalog.sqlite'}?data={tmp_path / 'data'}"
    ingest(url, [str(SEEDS)], load_registry())
    saved.save(url, "US answers", "graph", {"gov": "US", "rel": "response"})
    saved.save(url, "US answers", "graph", {"gov": "US"})
    rows = run_query(url, "select name, page, params from saved_searches").rows
    assert rows == [("US answers", "graph", '{"gov": "US"}')]
    assert saved.delete(url, "US answers") is True
    assert run_query(url, "select count(*) from saved_searches").rows == [(0,)]
