"""When ingestion runs: a run lock that every ``tracker ingest`` honours, and ``tracker schedule``.

``pipeline`` decides what happens in a run; this module decides only when. Each scheduled run
is a fresh ``tracker ingest`` process (DESIGN.md), so DuckDB's write lock is released between
runs and a crash in one run cannot take the scheduler down. The lock is an ``flock`` on
``<db>.lock``: the same lock ``flock -n data/tracker.duckdb.lock tracker ingest ...`` takes in a
crontab, so cron, systemd timers and ``tracker schedule`` never run two ingestions at once. On
a DuckLake, workers of different shares run at once; the lock is then per share and machine.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.errors import ConfigError, TrackerError

if TYPE_CHECKING:
    from tracker.store import Store

log = logging.getLogger(__name__)

_EVERY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


class RunLocked(TrackerError):
    """Another ingestion run holds the lock."""


def lock_path(db: Path) -> Path:
    return db.with_name(db.name + ".lock")


@contextmanager
def run_lock(db: Path | Store, share: str | None = None) -> Iterator[None]:
    """Hold the ingestion lock of ``db`` for the duration of the block, or raise RunLocked at once.

    ``db`` is a DuckDB file or a store: a DuckDB file has one lock for all runs; a DuckLake has
    one per share on each machine (``--worker K/N``), since its workers write side by side.
    """
    path = lock_path(db) if isinstance(db, Path) else db.lock_path(share)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise RunLocked(f"another ingestion run holds {path}; not starting a second one") from exc
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def parse_every(value: str) -> float:
    """'15m' -> 900.0; plain numbers are seconds."""
    match = _EVERY.match(value)
    if match is None or float(match.group(1)) <= 0:
        raise ConfigError(f"--every takes a duration such as 30s, 15m, 2h or 1d, not {value!r}")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def ingest_command(ingest_args: Sequence[str]) -> list[str]:
    return [sys.executable, "-m", "tracker.cli", "ingest", *ingest_args]


def run_once(ingest_args: Sequence[str]) -> int:
    """One ingestion run in a fresh process; its exit code. Never raises for a failed run."""
    command = ingest_command(ingest_args)
    log.info("starting run: %s", " ".join(command))
    try:
        code = subprocess.call(command)
    except OSError as exc:
        log.error("could not start the run: %s", exc)
        return 1
    if code == 0:
        log.info("run finished")
    else:
        log.warning("run ended with exit code %d", code)
    return code


def trigger(every: str | None, cron: str | None) -> Any:
    """The APScheduler trigger for --every or --cron (exactly one of them)."""
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    if (every is None) == (cron is None):
        raise ConfigError("give exactly one of --every or --cron")
    if every is not None:
        return IntervalTrigger(seconds=parse_every(every))
    try:
        return CronTrigger.from_crontab(cron)
    except ValueError as exc:
        raise ConfigError(f"--cron {cron!r}: {exc}") from exc


def schedule(ingest_args: Sequence[str], *, every: str | None = None, cron: str | None = None,
             max_runs: int | None = None) -> None:
    """Run ingestion on a schedule until interrupted (or after ``max_runs`` runs).

    One run at a time (max_instances=1); runs missed while one was going are coalesced into
    one; a failed run is logged and the schedule goes on.
    """
    from apscheduler.schedulers.blocking import BlockingScheduler

    when = trigger(every, cron)
    scheduler = BlockingScheduler()
    runs = 0

    def job() -> None:
        nonlocal runs
        run_once(ingest_args)
        runs += 1
        if max_runs is not None and runs >= max_runs:
            scheduler.shutdown(wait=False)

    scheduler.add_job(job, when, max_instances=1, coalesce=True, misfire_grace_time=None,
                      next_run_time=_now())
    log.info("schedule started (%s)", f"every {every}" if every else f"cron {cron}")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("schedule stopped")


def _now() -> Any:
    import datetime as dt

    return dt.datetime.now(dt.UTC)
