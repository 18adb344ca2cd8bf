"""The live benchmark's ratios: each contender against both plain runs and their mean."""

from __future__ import annotations

from typing import Any

from bench.live.quix import requirement
from bench.live.report import ratios


def run(events_per_s: float, cpu_s_per_million: float) -> dict[str, Any]:
    return {"events_per_s": events_per_s, "cpu_s_per_million": cpu_s_per_million}


def test_the_worker_is_set_against_each_plain_run_and_their_mean() -> None:
    results = {
        "plain": run(40_000, 25), "worker": run(20_000, 50), "plain_after": run(60_000, 35),
    }  # fmt: skip
    found = ratios(results)
    assert found["worker/plain_before"] == {"events_per_s": 0.5, "cpu_per_event": 0.5}
    assert found["worker/plain_after"]["events_per_s"] == 1 / 3
    assert found["worker/plain_after"]["cpu_per_event"] == 0.7
    # the mean of the two plain runs: 50,000 events/s and 30 CPU s per M events
    assert found["worker/plain_mean"] == {"events_per_s": 0.4, "cpu_per_event": 0.6}


def test_every_pair_that_ran_has_its_ratio_and_none_that_did_not() -> None:
    results = {
        "plain": run(40_000, 25), "quix": run(16_000, 60), "worker_memory": run(24_000, 40),
        "worker": run(20_000, 50), "plain_after": run(40_000, 25),
    }  # fmt: skip
    found = ratios(results)
    assert found["worker/quix"] == {"events_per_s": 1.25, "cpu_per_event": 1.2}
    assert found["worker_memory/worker"] == {"events_per_s": 1.2, "cpu_per_event": 1.25}
    assert found["quix/plain_mean"]["events_per_s"] == 0.4
    assert not [pair for pair in found if "naive" in pair]


def test_one_plain_run_gives_no_mean() -> None:
    found = ratios({"plain": run(40_000, 25), "worker": run(20_000, 50)})
    assert set(found) == {"worker/plain_before"}


def test_the_quix_pin_comes_from_the_quix_extra_of_pyproject() -> None:
    assert requirement() == "quixstreams==3.28.1"


def test_two_workers_scale_perfectly_at_twice_the_events_per_second_of_one() -> None:
    from bench.live.scaleout import efficiency

    assert efficiency(run(40_000, 50), run(20_000, 50)) == 1.0
    assert efficiency(run(30_000, 60), run(20_000, 50)) == 0.75
