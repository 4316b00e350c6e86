"""tracker._words, the C module setup.py builds beside the mypyc-compiled modules, if it is there.

Only the module in this package's own directory counts: a pure-Python copy of the package
(tracker.compiled.pure_tree, used by the benchmarks and tests) would otherwise import the C
module of the checkout it was copied from, through the editable install's import finder.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any


def words_module() -> Any:
    """tracker._words, or None (the pure-Python build, or no C compiler at install)."""
    try:
        module = importlib.import_module("tracker._words")
    except ImportError:
        return None
    if Path(str(getattr(module, "__file__", ""))).resolve().parent != Path(__file__).resolve().parent:
        return None
    return module
