"""Extraction speed on one core: seed-sized articles per second, and how time grows with size.

Distinct articles are used (the dev set's texts, each made seed-sized), and the registry's
caches are cleared before each article so repeated text is not answered from cache. The
baseline in the same run is a plain regex pass that only finds quote marks and sentence ends
over the same texts: the floor any extractor pays to read the text.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracker.extract import clear_caches, extract  # noqa: E402
from tracker.pipeline import text_article  # noqa: E402
from tracker.registry import load_registry  # noqa: E402

SEED = (ROOT / "seeds" / "seed-article.txt").read_text(encoding="utf-8")
DEV = ROOT / "tests" / "fixtures" / "eval" / "dev.jsonl"
BASELINE = re.compile(r"[\"“”]|[.!?]\s")


def seed_sized_articles() -> list[str]:
    texts = [json.loads(line)["text"] for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = []
    for i, text in enumerate(texts):
        body = text
        while len(body) < len(SEED):
            body += "\n\n" + texts[(i + 1) % len(texts)]
        out.append(body[: len(SEED) + 200])
    return out


def timed(fn: object, *args: object) -> float:
    start = time.perf_counter()
    fn(*args)  # type: ignore[operator]
    return time.perf_counter() - start


def main() -> None:
    registry = load_registry()
    articles = [text_article(t, id=str(i), source="bench") for i, t in enumerate(seed_sized_articles())]

    def run_extract() -> None:
        for article in articles:
            clear_caches(registry)
            extract(article, registry)

    def run_baseline() -> None:
        for article in articles:
            sum(1 for _ in BASELINE.finditer(article.text))

    run_extract()
    rounds = 5
    extract_s = min(timed(run_extract) for _ in range(rounds))
    baseline_s = min(timed(run_baseline) for _ in range(rounds))
    per_s = len(articles) / extract_s
    print(f"extract: {per_s:,.0f} seed-sized articles/s on one core "
          f"({len(articles)} distinct articles of ~{len(SEED):,} chars, best of {rounds})")
    print(f"baseline regex scan: {len(articles) / baseline_s:,.0f} articles/s; extract/baseline time ratio "
          f"{extract_s / baseline_s:,.0f}")

    ten_kb = (SEED * 4)[:10 * 1024]
    one_mb = (SEED * 320)[:1024 * 1024]
    def small_run() -> None:
        clear_caches(registry)
        extract(text_article(ten_kb, id="s", source="s"), registry)

    small = min(timed(small_run) for _ in range(5))
    clear_caches(registry)
    big = timed(extract, text_article(one_mb, id="b", source="b"), registry)
    print(f"1 MB article: {big:.2f} s; 10 KB article: {small * 1000:.1f} ms; ratio {big / small:.0f} "
          f"(linear would be ~102)")


if __name__ == "__main__":
    main()
