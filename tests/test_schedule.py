"""Scheduling: the run lock that cron and tracker schedule share, and repeated runs."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SEED

from tracker.cli import main
from tracker.errors import ConfigError
from tracker.schedule import RunLocked, lock_path, parse_every, run_lock, trigger


def test_parse_every() -> None:
    assert parse_every("15m") == 900 and parse_every("30s") == 30 and parse_every("2h") == 7200
    assert parse_every("90") == 90
    for bad in ("", "0m", "fortnight", "-5m"):
        with pytest.raises(ConfigError):
            parse_every(bad)


def test_exactly_one_trigger() -> None:
    with pytest.raises(ConfigError):
        trigger(None, None)
    with pytest.raises(ConfigError):
        trigger("15m", "*/5 * * * *")
    with pytest.raises(ConfigError, match="--cron"):
        trigger(None, "not a cron line")
    assert trigger(None, "*/15 * * * *") is not None


def test_the_lock_refuses_a_second_run(tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    with run_lock(db), pytest.raises(RunLocked, match="another ingestion run"), run_lock(db):
        pass
    with run_lock(db):  # released after the first run
        pass


def test_ingest_honours_a_lock_taken_by_flock_from_cron(tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    path = lock_path(db)
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # what `flock -n t.duckdb.lock ...` holds
    try:
        result = CliRunner().invoke(main, ["ingest", "--db", str(db), str(SEED)])
        assert result.exit_code == 1 and "another ingestion run holds" in result.output
        assert not db.exists()
    finally:
        os.close(fd)
    result = CliRunner().invoke(main, ["ingest", "--db", str(db), str(SEED)])
    assert result.exit_code == 0 and "posts=4" in result.output


def test_schedule_runs_repeatedly_and_survives_a_failed_run(tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    ok = subprocess.run(
        [sys.executable, "-m", "tracker.cli", "schedule", "--every", "1s", "--max-runs", "2",
         "--db", str(db), str(SEED)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.count("posts=") == 2  # two runs, the second finds the article unchanged
    assert "unchanged=1" in ok.stdout
    failing = subprocess.run(
        [sys.executable, "-m", "tracker.cli", "-v", "schedule", "--every", "1s", "--max-runs", "2",
         "--db", str(tmp_path / "x" / "y.duckdb"), "--format", "nonsense", str(SEED)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert failing.returncode == 0
    assert failing.stderr.count("run ended with exit code 2") == 2  # both runs failed, logged, went on
