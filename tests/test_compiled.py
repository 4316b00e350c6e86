"""The extractor's modules run compiled by mypyc (setup.py), fresh, and say what the pure-Python ones say."""

from __future__ import annotations

import importlib
import json
import logging
import os
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest
from conftest import DEV_GOLD, FIXTURES, ROOT, SEED

from tracker.compiled import is_compiled, pure_tree, stale_modules, warn_if_stale

MYPYC_MODULES: list[str] = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["tracker"][
    "mypyc-modules"]
PURE = os.environ.get("TRACKER_PURE_PYTHON") == "1"


def test_the_extractor_modules_run_compiled() -> None:
    """So CI proves the mypyc build works: a failed build falls back to pure Python quietly."""
    if PURE:
        pytest.skip("TRACKER_PURE_PYTHON=1: the pure-Python build is installed")
    modules = [importlib.import_module(path.removesuffix(".py").replace("/", ".")) for path in MYPYC_MODULES]
    pure = [module.__name__ for module in modules if not is_compiled(module)]
    assert not pure, (f"{', '.join(pure)} run as pure Python: the mypyc build failed or was skipped "
                      "(`.venv/bin/pip install -v -e .` says why)")


def test_no_compiled_module_is_older_than_its_source() -> None:
    stale = stale_modules()
    assert not stale, f"{', '.join(stale)} edited after being compiled (the old build still runs): run `make install`"


def test_a_stale_compiled_module_is_found_and_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    package = tmp_path / "tracker"
    package.mkdir()
    (tmp_path / "setup.py").write_text("")
    built, later = time.time() - 100, time.time()  # set, not left to the file system's clock granularity
    for name in ("extract", "dates"):
        (package / f"{name}.py").write_text("")
        os.utime(package / f"{name}.py", (built - 10, built - 10))
        (package / f"{name}.cpython-311-x86_64-linux-gnu.so").write_bytes(b"")
        os.utime(package / f"{name}.cpython-311-x86_64-linux-gnu.so", (built, built))
    (package / "registry.py").write_text("")  # not compiled: never stale
    assert stale_modules(package) == []
    os.utime(package / "dates.py", (later, later))
    assert stale_modules(package) == ["tracker/dates.py"]
    (tmp_path / "setup.py").unlink()  # an installed package (site-packages) is not checked
    assert stale_modules(package) == []
    (tmp_path / "setup.py").write_text("")
    with caplog.at_level(logging.WARNING, logger="tracker"):
        warn_if_stale(package)
    assert "tracker/dates.py edited after being compiled" in caplog.text
    assert "make install" in caplog.text


def extract_records(tree: Path | None, cwd: Path) -> tuple[str, list[dict[str, Any]]]:
    """`tracker extract --layer all` over the dev set, the seed and the real pages, in a fresh
    interpreter: the installed package, or the one in ``tree``. Returns the build and the records."""
    code = ("import sys\n"
            "if sys.argv[1]: sys.path.insert(0, sys.argv[1])\n"
            "from tracker.compiled import build_name\n"
            "from tracker.cli import main\n"
            "print(build_name(), flush=True)\n"
            "main(sys.argv[2:])\n")
    inputs = [str(DEV_GOLD), str(SEED), *sorted(str(page) for page in (FIXTURES / "html").glob("*.html"))]
    done = subprocess.run([sys.executable, "-c", code, str(tree or ""), "extract", "--layer", "all", *inputs],
                          cwd=cwd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    build, *lines = done.stdout.splitlines()
    return build, [json.loads(line) for line in lines]


def test_pure_python_and_compiled_extractors_agree(tmp_path: Path) -> None:
    """mypyc changes how the code runs, never what it finds (the records of `tracker extract`)."""
    pure = pure_tree(tmp_path / "pure")
    build, records = extract_records(None, tmp_path)
    assert build == ("pure" if PURE else "compiled")
    pure_build, pure_records = extract_records(pure, tmp_path)
    assert pure_build == "pure"
    assert len(records) == 46 + 1 + len(list((FIXTURES / "html").glob("*.html")))
    assert sum(len(record["posts"]) for record in records) > 50
    for got, expected in zip(records, pure_records, strict=True):
        assert got == expected, f"compiled and pure-Python extractors differ on {got['id']}"
