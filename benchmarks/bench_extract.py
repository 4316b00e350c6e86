"""Extraction speed on one core: seed-sized articles per second, and how time grows with size.

Distinct articles are used (the dev set's texts, each made seed-sized), and the registry's
caches are cleared before each article so repeated text is not answered from cache. The
baseline in the same run is a plain regex pass that only finds quote marks and sentence ends
over the same texts: the floor any extractor pays to read the text.

The same articles are also measured through what `tracker extract` does with each (extract, then
the JSON line it prints), without reading files, in rounds alternating with extract alone.

Articles per second are given by CPU time (what one core spends; steady on a busy machine) and
by wall time. ``--against REV`` measures the extractor of a git revision too (checked out in a
temporary worktree), on the same articles, alternating with this checkout's, and prints both.

Each figure names the build it measured: ``compiled`` (the modules mypyc compiled at install,
setup.py) or ``pure`` (Python). When this checkout runs compiled, the pure-Python build (a copy of
the .py sources, tracker.compiled.pure_tree) is measured too, alternating with the compiled one in
fresh interpreters, and the ratio printed: the speed-up of compiling, from one run on one machine.
A revision checked out by ``--against`` has no compiled modules: it runs pure.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEED = (ROOT / "seeds" / "seed-article.txt").read_text(encoding="utf-8")
DEV = ROOT / "tests" / "fixtures" / "eval" / "dev.jsonl"
BASELINE = re.compile(r"[\"“”]|[.!?]\s")
ROUNDS = 9


def seed_sized_articles() -> list[str]:
    texts = [json.loads(line)["text"] for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = []
    for i, text in enumerate(texts):
        body = text
        while len(body) < len(SEED):
            body += "\n\n" + texts[(i + 1) % len(texts)]
        out.append(body[: len(SEED) + 200])
    return out


def best_of(rounds: int, fn: Any, *args: Any) -> tuple[float, float]:
    """The least (CPU, wall) seconds of ``rounds`` runs."""
    cpu = wall = float("inf")
    for _ in range(rounds):
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        fn(*args)
        cpu = min(cpu, time.process_time() - start_cpu)
        wall = min(wall, time.perf_counter() - start_wall)
    return cpu, wall


def build_of(module: Any) -> str:
    """'compiled' for a module mypyc compiled (an extension module), else 'pure' (also in old revisions)."""
    return "compiled" if str(module.__file__).endswith(tuple(EXTENSION_SUFFIXES)) else "pure"


def measure(tree: Path, rounds: int, sizes: bool) -> dict[str, Any]:
    """Throughput of the extractor in ``tree`` on this checkout's articles."""
    sys.path.insert(0, str(tree))
    from tracker import extract as extract_module
    from tracker import output
    from tracker.extract import clear_caches, extract
    from tracker.output import extraction_record
    from tracker.pipeline import text_article
    from tracker.registry import load_registry

    registry = load_registry()
    articles = [text_article(t, id=str(i), source="bench") for i, t in enumerate(seed_sized_articles())]

    def run_extract() -> None:
        for article in articles:
            clear_caches(registry)
            extract(article, registry)

    # how `tracker extract` writes a record (revisions before output.record_line used json.dumps)
    line = getattr(output, "record_line", None) or (lambda record: json.dumps(record, ensure_ascii=False))

    def run_records() -> None:  # what `tracker extract` does per article: extract, then its JSON line
        for article in articles:
            clear_caches(registry)
            line(extraction_record(extract(article, registry), "auto"))

    def run_baseline() -> None:
        for article in articles:
            sum(1 for _ in BASELINE.finditer(article.text))

    run_extract()
    cpu = wall = records = float("inf")
    for _ in range(rounds):  # extract alone and with its JSON line in turn, so both meet the same machine
        round_cpu, round_wall = best_of(1, run_extract)
        cpu, wall = min(cpu, round_cpu), min(wall, round_wall)
        if sizes:
            records = min(records, best_of(1, run_records)[0])
    result: dict[str, Any] = {"articles": len(articles), "per_s_cpu": len(articles) / cpu,
                              "per_s_wall": len(articles) / wall, "build": build_of(extract_module)}
    if sizes:
        result["records_per_s_cpu"] = len(articles) / records
        baseline = best_of(rounds, run_baseline)[1]
        result["baseline_per_s"] = len(articles) / baseline
        result["ratio_to_baseline"] = wall / baseline
        ten_kb = (SEED * 4)[:10 * 1024]
        one_mb = (SEED * 320)[:1024 * 1024]

        def small_run() -> None:
            clear_caches(registry)
            extract(text_article(ten_kb, id="s", source="s"), registry)

        def big_run() -> None:
            clear_caches(registry)
            extract(text_article(one_mb, id="b", source="b"), registry)

        result["ten_kb_s"] = best_of(5, small_run)[1]
        result["one_mb_s"] = best_of(1, big_run)[1]
    return result


def measure_in_child(tree: Path, rounds: int) -> dict[str, Any]:
    """``measure`` in a fresh interpreter, so two trees' ``tracker`` packages never meet."""
    output = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--tree", str(tree),
                             "--rounds", str(rounds), "--json"], check=True, capture_output=True, text=True)
    return dict(json.loads(output.stdout.strip().splitlines()[-1]))


def alternate(trees: dict[str, Path], rounds: int) -> dict[str, dict[str, Any]]:
    """Each tree measured in a fresh interpreter, in turn, three times; the best of each is kept."""
    best: dict[str, dict[str, Any]] = {}
    for _ in range(3):
        for name, tree in trees.items():
            found = measure_in_child(tree, rounds)
            kept = best.setdefault(name, found)
            for key in ("per_s_cpu", "per_s_wall"):
                kept[key] = max(kept[key], found[key])
    return best


def report(best: dict[str, dict[str, Any]], before: str, after: str, what: str) -> None:
    for name, found in best.items():
        label = name if name == found["build"] else f"{name} ({found['build']} build)"
        print(f"{label}: {found['per_s_cpu']:,.0f} seed-sized articles/s on one core "
              f"by CPU time ({found['per_s_wall']:,.0f} by wall time)")
    old, new = best[before], best[after]
    print(f"{what}: {new['per_s_cpu'] / old['per_s_cpu']:.2f}x by CPU time, "
          f"{new['per_s_wall'] / old['per_s_wall']:.2f}x by wall time (same articles, same run)")


def against(revision: str, rounds: int) -> None:
    """This checkout against ``revision``, alternating three times; the best of each is kept."""
    with tempfile.TemporaryDirectory(prefix="bench-extract-") as scratch:
        old = Path(scratch) / "tree"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(old), revision],
                       check=True)
        try:
            best = alternate({revision: old, "this checkout": ROOT}, rounds)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], check=False)
    report(best, revision, "this checkout", "speed-up")


def against_pure(rounds: int) -> None:
    """This checkout's compiled build against its own .py sources (a copy without compiled modules)."""
    sys.path.insert(0, str(ROOT))
    from tracker.compiled import pure_tree

    with tempfile.TemporaryDirectory(prefix="bench-extract-pure-") as scratch:
        best = alternate({"compiled": ROOT, "pure": pure_tree(Path(scratch))}, rounds)
    report(best, "pure", "compiled", "compiled/pure")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", metavar="REV", help="also measure the extractor of this git revision")
    parser.add_argument("--tree", type=Path, default=ROOT, help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="runs over the articles; the best counts")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.json:
        print(json.dumps(measure(args.tree, args.rounds, sizes=False)))
        return
    if args.against:
        against(args.against, args.rounds)
    found = measure(ROOT, args.rounds, sizes=True)
    print(f"extract ({found['build']} build): {found['per_s_cpu']:,.0f} seed-sized articles/s on one core by CPU time, "
          f"{found['per_s_wall']:,.0f} by wall time ({found['articles']:.0f} distinct articles of "
          f"~{len(SEED):,} chars, caches cleared per article, best of {args.rounds})")
    print(f"extract and its JSON line (what `tracker extract` prints): {found['records_per_s_cpu']:,.0f} "
          "articles/s on one core by CPU time")
    print(f"baseline regex scan: {found['baseline_per_s']:,.0f} articles/s; extract/baseline time ratio "
          f"{found['ratio_to_baseline']:,.0f}")
    print(f"1 MB article: {found['one_mb_s']:.2f} s; 10 KB article: {found['ten_kb_s'] * 1000:.1f} ms; "
          f"ratio {found['one_mb_s'] / found['ten_kb_s']:.0f} (linear would be ~102)")
    if found["build"] == "compiled":
        against_pure(args.rounds)
    else:
        print("pure-Python build measured (installed with TRACKER_PURE_PYTHON=1, or without mypyc or a C compiler): "
              "no compiled build to compare with")


if __name__ == "__main__":
    main()
