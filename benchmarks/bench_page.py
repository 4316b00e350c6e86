"""Speed of the page stage (tracker.page.parse_html) on the real fixture pages, on one core.

Runs parse_html (metadata, body, embedded posts) over tests/fixtures/html for a few rounds, then
trafilatura's bare_extraction (metadata and body, no embeds) over the same pages in the same
process, and prints both rates and their ratio. The target is 50 pages/s for parse_html.

    python benchmarks/bench_page.py [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracker.page import parse_html  # noqa: E402 - after the path set-up, so it runs from a checkout

FIXTURES = ROOT / "tests" / "fixtures" / "html"
TARGET_PAGES_PER_SECOND = 50


def pin_to_one_core() -> str:
    """Run on a single CPU, so the rate is per core whatever the machine."""
    if hasattr(os, "sched_setaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"pinned to CPU {core}"
    return "not pinned (no sched_setaffinity on this platform)"


def rate(name: str, pages: list[tuple[str, bytes]], work: Callable[[str, bytes], object], rounds: int) -> float:
    """Pages per second of ``work`` over ``rounds`` passes, after one warm-up pass."""
    for file, data in pages:
        work(file, data)
    start = time.perf_counter()
    for _ in range(rounds):
        for file, data in pages:
            work(file, data)
    elapsed = time.perf_counter() - start
    count = rounds * len(pages)
    print(f"{name:<34} {count:5d} pages in {elapsed:6.2f} s = {count / elapsed:7.1f} pages/s")
    return count / elapsed


def ours(file: str, data: bytes) -> object:
    return parse_html(data, id=file)


def trafilatura_bare(file: str, data: bytes) -> object:
    from trafilatura import bare_extraction

    return bare_extraction(data, with_metadata=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="passes over the fixture pages (default 10)")
    args = parser.parse_args()

    pages = [(path.name, path.read_bytes()) for path in sorted(FIXTURES.glob("*.html"))]
    size = sum(len(data) for _, data in pages)
    print(f"{len(pages)} fixture pages, {size / 1e6:.1f} MB, {pin_to_one_core()}")

    ours_rate = rate("tracker.page.parse_html", pages, ours, args.rounds)
    try:
        import trafilatura  # noqa: F401 - only to know whether the comparison can run
    except ImportError:
        print("trafilatura is not installed: no comparison")
        return 0
    trafilatura_rate = rate("trafilatura.bare_extraction", pages, trafilatura_bare, max(1, args.rounds // 2))
    print(f"ratio ours/trafilatura: {ours_rate / trafilatura_rate:.2f}x")
    verdict = "meets" if ours_rate >= TARGET_PAGES_PER_SECOND else "MISSES"
    print(f"parse_html {verdict} the target of {TARGET_PAGES_PER_SECOND} pages/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
