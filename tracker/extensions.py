"""DuckDB extensions from the pinned wheels, never downloaded (DESIGN.md).

``duckdb_extensions.import_extension`` installs the wheel's copy into an extension directory
inside the project; ``load`` then loads it. Loading must happen before a reader connection
turns external access off (DuckDB refuses to load extensions after that).
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
EXTENSION_DIR = Path(os.environ.get("TRACKER_EXTENSION_DIR") or ROOT / ".duckdb_extensions")

# Connection settings shared by every connection the tracker opens.
BASE_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "autoinstall_known_extensions": "false",
    "autoload_known_extensions": "false",
    "extension_directory": str(EXTENSION_DIR),
}


def load(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Load extension ``name`` from its wheel; False (and the connection unchanged) if unavailable."""
    try:
        con.execute(f"load {name}")
        return True
    except duckdb.Error:
        pass
    try:
        import duckdb_extensions

        duckdb_extensions.import_extension(name, con=con)
        con.execute(f"load {name}")
    except (ImportError, duckdb.Error, OSError):
        return False
    return True
