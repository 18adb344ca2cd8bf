"""The watchdog tells a stuck worker from an idle one by the evidence its consumer reports."""

from __future__ import annotations

from streams.service.watchdog import ConsumerView, PartitionFetch, Verdict, Watchdog

STALL = 30.0
TP = ("inputs", 0)


def member(
    *partitions: tuple[tuple[str, int], PartitionFetch],
    busy_since: float | None = None,
    rebalances: int = 1,
) -> ConsumerView:
    """A settled member of the group with these partitions."""
    return ConsumerView(rebalances, False, dict(partitions), busy_since, None)


def fetch(position: int | None, highwater: int | None, at: float | None) -> PartitionFetch:
    return PartitionFetch(position, highwater, at)


def watch(views: list[tuple[float, ConsumerView]], started: float = 0.0) -> Verdict:
    dog = Watchdog(started)
    verdict = Verdict(0.0, "")
    for now, view in views:
        verdict = dog.observe(now, view)
    return verdict


def test_an_idle_worker_whose_fetches_say_it_has_everything_is_never_stuck() -> None:
    views = [(t, member((TP, fetch(500, 500, t - 0.05)))) for t in range(1, 600)]
    verdict = watch(views)
    assert not verdict.stuck(STALL) and verdict.current(5)
    assert verdict.quiet_seconds < 1


def test_a_partition_with_lag_whose_position_stands_still_is_stuck_after_the_stall_time() -> None:
    views = [(t, member((TP, fetch(500, 900, t - 0.05)))) for t in range(1, 40)]
    verdict = watch(views)
    assert verdict.stuck(STALL)
    assert "inputs[0] has 400 messages to read and its position stands still" in verdict.reason
    assert not watch(views[:25]).stuck(STALL)  # the stall time is the grace


def test_a_position_that_moves_forward_is_progress_even_with_lag() -> None:
    views = [(t, member((TP, fetch(100 + 10 * t, 10_000, t)))) for t in range(1, 120)]
    assert watch(views).quiet_seconds <= 1


def test_fetch_responses_that_stop_coming_make_the_worker_stuck_whatever_its_lag() -> None:
    # the brokers froze at t=10: aiokafka's last response stays where it was
    views = [(t, member((TP, fetch(500, 500, min(t, 10.0))))) for t in range(1, 60)]
    verdict = watch(views)
    assert verdict.quiet_seconds == 59 - 10
    assert verdict.stuck(STALL) and "no fetch response for inputs[0]" in verdict.reason
    assert not watch(views[:35]).stuck(STALL)  # 10 + 30 s


def test_a_partition_never_fetched_since_it_was_assigned_is_stuck() -> None:
    idle = ("inputs", 1)
    views = [
        (t, member((TP, fetch(5, 5, t)), (idle, fetch(None, None, None)))) for t in range(1, 45)
    ]
    verdict = watch(views)
    assert verdict.stuck(STALL) and "inputs[1] since it was assigned" in verdict.reason


def test_one_fetch_in_processing_for_longer_than_the_stall_time_is_stuck() -> None:
    views = [(t, member((TP, fetch(5, 5, t)), busy_since=3.0)) for t in range(1, 40)]
    verdict = watch(views)
    assert verdict.stuck(STALL) and "in processing" in verdict.reason


def test_joining_or_recovering_without_reading_anything_is_stuck_reading_is_progress() -> None:
    looping = [(t, ConsumerView(0, False, {}, None, None)) for t in range(1, 45)]
    assert watch(looping).stuck(STALL)
    assert "joining the consumer group" in watch(looping).reason
    recovering = [(t, ConsumerView(3, True, {}, None, t - 0.5)) for t in range(1, 300)]
    assert not watch(recovering).stuck(STALL)
    stalled = [(t, ConsumerView(3, True, {}, None, 2.0)) for t in range(1, 45)]
    assert watch(stalled).stuck(STALL) and "rebalancing" in watch(stalled).reason
    # a rejoin loop: rebalance after rebalance, never settled, nothing read
    loop = [(t, ConsumerView(1 + t // 5, True, {}, None, None)) for t in range(1, 45)]
    assert watch(loop).stuck(STALL)


def test_after_a_rebalance_every_partition_starts_with_the_stall_time_as_grace() -> None:
    before = [(t, member((TP, fetch(500, 900, t)))) for t in range(1, 25)]
    after = [(t, member((TP, fetch(500, 900, t)), rebalances=2)) for t in range(25, 50)]
    assert not watch(before + after).stuck(STALL)
    assert watch(before + after).quiet_seconds == 49 - 25


def test_a_member_with_nothing_assigned_has_nothing_to_fall_behind_on() -> None:
    assert watch([(t, member()) for t in range(1, 100)]).quiet_seconds == 0
