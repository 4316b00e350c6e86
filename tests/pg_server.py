"""A throwaway PostgreSQL server for the DuckLake catalog tests, from Debian's server binaries.

`make postgres` (part of `make test`, so of `.ci/run`) installs them. The server lives in a
temporary folder: data, log and unix socket there, TCP on a free port of 127.0.0.1, trust
authentication for the one role ``tracker``, no fsync. initdb and postgres refuse to run as
root, so as root the server runs as the ``postgres`` user that the Debian package creates.

``pg`` is the session-scoped pytest fixture; it skips, naming the reason, only where a server
cannot be started. ``start_server`` is for scripts (the DuckLake benchmark).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROLE = "tracker"


class PgUnavailable(Exception):
    """No PostgreSQL server can be started here (the message says why)."""


class PgServer:
    def __init__(self, root: Path, bindir: Path, port: int, as_user: list[str]) -> None:
        self.root = root
        self.bindir = bindir
        self.port = port
        self.as_user = as_user

    def conninfo(self, dbname: str) -> str:
        return f"dbname={dbname} host=127.0.0.1 port={self.port} user={ROLE}"

    def create_database(self, name: str | None = None) -> str:
        """A new empty database; its name."""
        name = name or f"lake_{uuid.uuid4().hex[:12]}"
        subprocess.run([str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", ROLE, name],
                       check=True, capture_output=True, timeout=30, env=_client_env())
        return name

    def lake_url(self, data: Path, dbname: str | None = None) -> str:
        """The store URL of a DuckLake in a new database, its Parquet files under ``data``."""
        return f"ducklake:postgres:{self.conninfo(dbname or self.create_database())}?data={data}"

    def stop(self) -> None:
        subprocess.run([*self.as_user, str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate",
                        "-w", "stop"], capture_output=True, timeout=60, check=False)
        shutil.rmtree(self.root, ignore_errors=True)


def _client_env() -> dict[str, str]:
    # The server is named in full: no PGHOST, PGUSER... of the caller's environment may redirect it.
    return {k: v for k, v in os.environ.items() if not k.startswith("PG")}


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise PgUnavailable("no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb); `make postgres` "
                            "installs them")
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server() -> PgServer:
    bindir = _bindir()
    root = Path(tempfile.mkdtemp(prefix="tracker-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam("postgres")
        except KeyError as exc:
            shutil.rmtree(root, ignore_errors=True)
            raise PgUnavailable("running as root and there is no 'postgres' user to run the server as") from exc
        os.chown(root, user.pw_uid, user.pw_gid)
        runuser = shutil.which("runuser")
        as_user = [runuser, "-u", "postgres", "--"] if runuser else [
            "setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--init-groups"]
    try:
        init = subprocess.run([*as_user, str(bindir / "initdb"), "-D", str(root / "data"), "-U", ROLE, "-A", "trust",
                               "-E", "UTF8", "--no-sync", "--no-instructions"],
                              capture_output=True, text=True, timeout=120, check=False, env=_client_env())
        if init.returncode != 0:
            raise PgUnavailable(f"initdb failed: {(init.stderr.strip().splitlines() or ['?'])[-1]}")
        last = ""
        for _ in range(3):  # the free port may be taken between the probe and the start
            port = _free_port()
            options = (f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -F -c full_page_writes=off "
                       "-c synchronous_commit=off -c max_connections=200")
            started = subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(root / "data"), "-l",
                                      str(root / "server.log"), "-o", options, "-w", "-t", "60", "start"],
                                     capture_output=True, text=True, timeout=120, check=False, env=_client_env())
            if started.returncode == 0:
                return PgServer(root, bindir, port, as_user)
            log = root / "server.log"
            last = (log.read_text(errors="replace").strip().splitlines() or [started.stderr.strip()])[-1] \
                if log.exists() else started.stderr.strip()
        raise PgUnavailable(f"the server did not start: {last}")
    except PgUnavailable:
        shutil.rmtree(root, ignore_errors=True)
        raise
    except (OSError, subprocess.SubprocessError) as exc:
        shutil.rmtree(root, ignore_errors=True)
        raise PgUnavailable(f"cannot run the server: {exc}") from exc


@pytest.fixture(scope="session")
def pg() -> Iterator[PgServer]:
    """A PostgreSQL server for the whole test session (skipped, with the reason, where none starts)."""
    try:
        server = start_server()
    except PgUnavailable as exc:
        pytest.skip(f"PostgreSQL cannot start: {exc}")
    try:
        yield server
    finally:
        server.stop()
