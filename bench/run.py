"""Benchmarks (`make bench`): one JSON line per benchmark on stdout and in bench/results/."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from app.entrypoints.tuning import tune_collector
from bench import engine_bench, http_bench, memory_bench, worklist_bench

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> int:
    tune_collector()
    RESULTS.mkdir(exist_ok=True)
    for bench in (engine_bench.run, worklist_bench.run, memory_bench.run, http_bench.run):
        result = bench()
        line = json.dumps(result, ensure_ascii=False)
        print(line, flush=True)
        (RESULTS / f"{result['bench']}.json").write_text(line + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
