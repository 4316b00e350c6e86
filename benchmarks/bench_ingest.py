"""End-to-end ingestion from a local server: pages per second and peak memory for ~2,000 pages.

The site serves the dev set's articles as HTML pages (44 copies under different paths) with a
feed listing them all. `tracker ingest --allow-private FEED` runs in a child process, so its peak
resident memory is the child's own. The baseline in the same run is fetching the same URLs with
the same fetcher and nothing else: the part of a run no extraction speed-up can remove.
"""

from __future__ import annotations

import asyncio
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from site_server import article_pages, serve_site  # noqa: E402

from tracker.fetch import Fetcher, make_client  # noqa: E402

COPIES = 44
CONCURRENCY = 16


def tree_rss(pid: int) -> int:
    """Resident KiB of a process and all its descendants, from /proc."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/status", encoding="ascii") as status:
                total += next((int(line.split()[1]) for line in status if line.startswith("VmRSS:")), 0)
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                stack.extend(int(c) for c in children)
        except (OSError, ValueError):
            continue
    return total


async def fetch_only(urls: list[str]) -> int:
    async with make_client(30.0, trust_env=False) as client:
        fetcher = Fetcher(client, allow_private=True, concurrency=CONCURRENCY, per_host=CONCURRENCY)
        results = await fetcher.fetch_many(urls)
    return sum(1 for r in results if r.ok)


def main() -> None:
    pages = article_pages(COPIES)
    with serve_site(pages) as site, tempfile.TemporaryDirectory() as tmp:
        urls = [site.url(p) for p in sorted(pages)]
        started = time.perf_counter()
        fetched = asyncio.run(fetch_only(urls))
        baseline = time.perf_counter() - started
        db = Path(tmp) / "bench.duckdb"
        command = [sys.executable, "-m", "tracker.cli", "ingest", "--db", str(db), "--allow-private",
                   "--concurrency", str(CONCURRENCY), "--per-host", str(CONCURRENCY), "--format", "json",
                   site.url("/feed.xml")]
        started = time.perf_counter()
        run = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        tree_peak = 0
        while run.poll() is None:  # the run's whole process tree: the ingest and its workers
            tree_peak = max(tree_peak, tree_rss(run.pid))
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        _, err = run.communicate()
        if run.returncode != 0:
            print(err)
            raise SystemExit(1)
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"fetch only: {fetched} pages in {baseline:.1f} s = {fetched / baseline:,.0f} pages/s")
    print(f"ingest end to end: {len(pages)} pages in {elapsed:.1f} s = {len(pages) / elapsed:,.0f} pages/s "
          f"(start-up included); ingest/fetch-only time ratio {elapsed / baseline:.1f}")
    print(f"peak memory: {tree_peak / 1024:,.0f} MB for the whole process tree (sampled every 50 ms); "
          f"{peak_mb:,.0f} MB for its largest process")


if __name__ == "__main__":
    main()
