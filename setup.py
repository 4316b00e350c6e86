"""Build hook: compiles the extractor's hot modules with mypyc; pyproject.toml holds all the metadata.

The modules listed in pyproject.toml's [tool.tracker] mypyc-modules are pure, fully annotated
Python (``mypy --strict`` passes); compiled with mypyc (opt level 3) they extract ~1.3x more
articles per second on one core. When mypyc or a working C compiler is missing, or
TRACKER_PURE_PYTHON=1 is set, the package is installed as pure Python and a warning is printed
(``pip -v`` shows it; ``make install`` says which build it installed).

``pip install -e .`` puts the compiled modules in the source tree (tracker/*.so, and mypyc's
shared ``<hash>__mypyc`` module next to this file), where they shadow the .py files: an edited
module takes effect once ``make install`` (whose stamp depends on those sources) rebuilds them;
tracker/compiled.py warns meanwhile.
"""

from __future__ import annotations

import os
import sys
import tempfile
import tomllib
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
COMPILED: list[str] = tomllib.loads((HERE / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["tracker"][
    "mypyc-modules"]
# setup.py runs for metadata too (egg_info, dist_info); only these commands build extensions.
BUILD_COMMANDS = {"build", "build_ext", "bdist_wheel", "editable_wheel", "develop", "install"}


def warn(message: str) -> None:
    print(f"WARNING: post-provenance-tracker: {message}; installing the pure-Python extractor", file=sys.stderr)


def compiler_works() -> bool:
    """Whether a C compiler can build a Python extension here (mypyc's output needs one)."""
    from setuptools._distutils import ccompiler, sysconfig

    with tempfile.TemporaryDirectory(prefix="tracker-cc-") as scratch:
        source = Path(scratch) / "probe.c"
        source.write_text("#include <Python.h>\nint probe(void) { return Py_IsInitialized(); }\n")
        try:
            compiler = ccompiler.new_compiler()
            sysconfig.customize_compiler(compiler)
            compiler.compile([str(source)], output_dir=scratch, include_dirs=[sysconfig.get_python_inc()])
        except Exception as error:  # any failure means: no usable compiler
            warn(f"no working C compiler ({type(error).__name__}: {error})")
            return False
    return True


def remove_in_tree_builds() -> None:
    """Drop compiled modules an earlier build left in the source tree (editable install) or in
    build/lib.* (which a wheel is made of), so they never shadow the sources of a pure build or
    outlive a module taken off COMPILED."""
    for tree in [HERE, *HERE.glob("build/lib.*")]:
        for found in [*tree.glob("tracker/*.so"), *tree.glob("tracker/*.pyd"), *tree.glob("*__mypyc.*")]:
            found.unlink()


def extensions() -> list[object]:
    if not BUILD_COMMANDS.intersection(sys.argv[1:]):
        return []
    remove_in_tree_builds()
    if os.environ.get("TRACKER_PURE_PYTHON") == "1":
        warn("TRACKER_PURE_PYTHON=1")
        return []
    try:
        from mypyc.build import mypycify
    except ImportError as error:
        warn(f"mypyc is not available ({error})")
        return []
    if not compiler_works():
        return []
    try:
        # and the literal search the compiled patterns call (tracker/_words.c; pure Python has a fallback)
        return [*mypycify(COMPILED, opt_level="3"), Extension("tracker._words", ["tracker/_words.c"])]
    except (Exception, SystemExit) as error:  # mypyc exits on a type error: say so, install anyway
        warn(f"mypyc could not compile the modules ({type(error).__name__}: {error}; type errors are listed above)")
        return []


class BuildExtOrPure(build_ext):
    """Falls back to the pure-Python package if compiling fails after all (the probe passed)."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as error:  # any build failure: ship the .py files instead
            warn(f"compiling with mypyc failed ({type(error).__name__}: {error})")
            for ext in self.extensions:
                Path(self.get_ext_fullpath(ext.name)).unlink(missing_ok=True)
            remove_in_tree_builds()
            self.extensions = []


setup(ext_modules=extensions(), cmdclass={"build_ext": BuildExtOrPure})
