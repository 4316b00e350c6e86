"""Which build of the extractor runs: modules compiled by mypyc at install (setup.py), or pure Python.

``pip install -e .`` (``make install``) builds the modules named in pyproject.toml's
``[tool.tracker] mypyc-modules`` into the source tree, as ``tracker/<name>.<abi tag>.so``, where
they shadow the .py files: an edited module takes effect only once ``make install`` rebuilds it
(the Makefile's install stamp depends on those sources). ``stale_modules`` finds compiled modules
older than their source; the package logs a warning at import (tracker/__init__.py) and
tests/test_compiled.py fails. TRACKER_PURE_PYTHON=1 at install gives the pure-Python build.
"""

from __future__ import annotations

import logging
import shutil
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path
from types import ModuleType

PACKAGE = Path(__file__).resolve().parent


def is_compiled(module: ModuleType) -> bool:
    """Whether ``module`` was loaded from an extension module (mypyc's output) rather than a .py file."""
    return str(getattr(module, "__file__", None) or "").endswith(tuple(EXTENSION_SUFFIXES))


def build_name() -> str:
    """'compiled' when the extractor runs compiled by mypyc, else 'pure'."""
    from tracker import extract

    return "compiled" if is_compiled(extract) else "pure"


def stale_modules(package: Path = PACKAGE) -> list[str]:
    """Sources edited after their in-tree compiled module was built (they do not take effect).

    Only a source checkout (setup.py beside the package) is checked: an installed package's
    files all carry the time pip wrote them, in no particular order."""
    if not (package.parent / "setup.py").is_file():
        return []
    stale = []
    for built in package.iterdir():
        if not built.name.endswith(tuple(EXTENSION_SUFFIXES)):
            continue
        name = built.name.split(".", 1)[0]
        for source in (package / f"{name}.py", package / f"{name}.c"):  # mypyc's, or a C module's
            if source.is_file() and source.stat().st_mtime > built.stat().st_mtime:
                stale.append(f"{package.name}/{source.name}")
    return sorted(stale)


def warn_if_stale(package: Path = PACKAGE) -> None:
    stale = stale_modules(package)
    if stale:
        logging.getLogger("tracker").warning(
            "%s edited after being compiled: the compiled module still runs; run `make install` to rebuild",
            ", ".join(stale))


def pure_tree(dest: Path) -> Path:
    """A copy of the package's .py sources under ``dest`` (no compiled modules), beside links to the
    seeds/ and sql/ it reads: put ``dest`` first on sys.path of a fresh interpreter to run pure Python."""
    package = dest / PACKAGE.name
    package.mkdir(parents=True)
    for source in [*PACKAGE.glob("*.py"), *PACKAGE.glob("py.typed")]:
        shutil.copy2(source, package / source.name)
    for data in ("seeds", "sql"):
        if (PACKAGE.parent / data).exists():
            (dest / data).symlink_to(PACKAGE.parent / data)
    return dest
