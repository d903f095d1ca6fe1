"""`make bench`'s engine line runs: both sides drive the whole bundle on the specs a case of
the working copy runs on (the transfer-out participants included), and report their rates."""

from __future__ import annotations

from bench import engine_bench


def test_the_engine_bench_runs_whole_bundles_on_both_sides() -> None:
    line = engine_bench.run(bundles=1, rounds_wanted=1)
    assert line["bench"] == "engine"
    assert line["in_memory_bundles_per_s"] > 0 and line["persisted_bundles_per_s"] > 0
    # Each side completed every bundle it started (InMemory asserts workflow.completed; a
    # missing participant stopped it at the first letter).
    assert line["user_tasks_per_bundle"] >= 12
