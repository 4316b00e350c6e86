"""Run every benchmark in this folder, one after another (`make bench`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Measured on one core by definition; the others (end-to-end ingestion, DuckLake workers, dashboard loaders)
# use the whole machine.
ONE_CORE = {"bench_extract.py", "bench_page.py", "bench_stories.py"}


def main() -> int:
    failed = 0
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"== {script.name}", flush=True)
        # taskset keeps each benchmark on one core where the machine allows it
        command = [sys.executable, str(script)]
        if script.name in ONE_CORE and Path("/usr/bin/taskset").exists():
            command = ["/usr/bin/taskset", "-c", "0", *command]
        failed += subprocess.call(command) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
