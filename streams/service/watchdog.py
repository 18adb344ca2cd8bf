"""Is the worker stuck? Evidence of progress, per partition, from what its consumer reports.

A stuck worker looks like an idle one from the inside: no events, no errors (the rejoin loops
and fetch stalls reported against faust-streaming, its issues #594, #602 and #629). The
difference is evidence. An idle worker's fetches keep coming back from the brokers saying its
partitions have nothing more; a stuck one's do not (a partition never fetched, a broker that
does not answer), or they say there is more while its position stands still. So the worker
counts as making progress on a partition when, since the previous look, its position moved
forward, or a fetch response arrived showing it has read everything there is. Outside the
steady state, while it joins the group or recovers its tables, progress is any record read.
A worker without such evidence for `stall_seconds` is stuck (liveness fails); without it for
`stale_seconds` it is not current (readiness fails): it cannot tell whether its counts follow
the input. The engine builds a `ConsumerView` each second (streams/engine/health.py).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

TopicPartition = tuple[str, int]


@dataclass(frozen=True)
class PartitionFetch:
    """What the consumer knows of one assigned partition."""

    position: int | None  # the next offset it hands over (None: not known yet)
    highwater: int | None  # the end offset in the last fetch response (None: none yet)
    fetched_at: float | None  # wall time of the last fetch response (None: none yet)


@dataclass(frozen=True)
class ConsumerView:
    """The worker's consumer at one moment (times are wall-clock seconds)."""

    rebalances: int  # rebalances started since the worker started
    rebalancing: bool  # joining the group or recovering tables right now
    partitions: Mapping[TopicPartition, PartitionFetch]  # assigned partitions that it processes
    busy_since: float | None  # a fetch has been in processing since (None: not processing)
    delivered_at: float | None  # when it last read any record of any topic (recovery too)


@dataclass(frozen=True)
class Verdict:
    """How long the worker has gone without evidence of progress, and where."""

    quiet_seconds: float
    reason: str  # what the evidence is missing for; "" when there is fresh evidence

    def stuck(self, stall_seconds: float) -> bool:
        """Liveness: no evidence for longer than `stall_seconds`."""
        return self.quiet_seconds > stall_seconds

    def current(self, stale_seconds: float) -> bool:
        """Readiness: evidence within the last `stale_seconds`."""
        return self.quiet_seconds <= stale_seconds


class Watchdog:
    """Keeps the last evidence of progress per partition across looks at the consumer."""

    def __init__(self, started_at: float) -> None:
        self._phase: tuple[bool, int] = (True, -1)  # joining, or settled after this rebalance
        self._phase_since = started_at
        self._positions: dict[TopicPartition, int | None] = {}
        self._evidence: dict[TopicPartition, float] = {}

    def observe(self, now: float, view: ConsumerView) -> Verdict:
        """Take one look at the consumer; say how long it has gone without evidence."""
        joining = view.rebalancing or view.rebalances == 0  # not (yet) a settled member
        # rebalance after rebalance without ever settling (a rejoin loop) is one phase
        phase = (True, -1) if joining else (False, view.rebalances)
        if phase != self._phase:  # a new phase: every partition starts with a clean slate
            self._phase, self._phase_since = phase, now
            self._positions, self._evidence = {}, {}
        busy = Verdict(0.0, "")
        if view.busy_since is not None:
            busy = Verdict(now - view.busy_since, "one fetch has been in processing all that time")
        if joining:
            last = max(self._phase_since, view.delivered_at or 0.0)
            what = "joining the consumer group" if view.rebalances == 0 else "rebalancing"
            verdict = Verdict(now - last, f"{what} all that time, and nothing read")
        else:
            verdict = self._steady(now, view.partitions)
        return max(busy, verdict, key=lambda v: v.quiet_seconds)

    def _steady(self, now: float, partitions: Mapping[TopicPartition, PartitionFetch]) -> Verdict:
        evidence = self._evidence
        for tp in set(evidence) - set(partitions):  # revoked
            del evidence[tp]
            self._positions.pop(tp, None)
        oldest: tuple[float, TopicPartition] | None = None
        for tp, fetch in partitions.items():
            before = self._positions.get(tp)
            if tp not in evidence:
                evidence[tp] = self._phase_since  # newly assigned: it has until then + stall
            elif fetch.position is not None and before is not None and fetch.position > before:
                evidence[tp] = now  # it moved forward
            self._positions[tp] = fetch.position
            caught_up = (
                fetch.position is not None
                and fetch.highwater is not None
                and fetch.position >= fetch.highwater
            )
            if caught_up and fetch.fetched_at is not None and fetch.fetched_at > evidence[tp]:
                evidence[tp] = min(now, fetch.fetched_at)  # the brokers say it has it all
            if oldest is None or evidence[tp] < oldest[0]:
                oldest = (evidence[tp], tp)
        if oldest is None:  # a member with nothing assigned has nothing to fall behind on
            return Verdict(0.0, "")
        since, tp = oldest
        return Verdict(now - since, _missing(tp, partitions[tp]))


def _missing(tp: TopicPartition, fetch: PartitionFetch) -> str:
    """What the evidence is missing for, completing "no progress for N s: ..."."""
    topic, partition = tp
    where = f"{topic}[{partition}]"
    if fetch.fetched_at is None or fetch.highwater is None:
        return f"no fetch response for {where} since it was assigned"
    if fetch.position is not None and fetch.position < fetch.highwater:
        lag = fetch.highwater - fetch.position
        return f"{where} has {lag} messages to read and its position stands still"
    return f"no fetch response for {where} in that time (are the brokers answering?)"


#: A watchdog look older than this says the worker's timers are held up (the event loop is
#: blocked or starved), which the verdict's own age then adds to.
LATE_LOOK_SECONDS = 5.0


class Health:
    """The last verdict of the watchdog and when it was made."""

    def __init__(self, now: float | None = None) -> None:
        started = time.time() if now is None else now
        self.watchdog = Watchdog(started)
        self.verdict = Verdict(0.0, "")
        self.looked_at = started
        self.stuck_reported = False

    def quiet(self, now: float | None = None) -> tuple[float, str]:
        """Seconds without evidence of progress until now, and why."""
        now = time.time() if now is None else now
        late = max(0.0, now - self.looked_at)
        reason = self.verdict.reason
        if late > LATE_LOOK_SECONDS:
            reason = f"the watchdog has not run for {late:.0f} s (the worker's timers are held up)"
        return self.verdict.quiet_seconds + late, reason

    def live(self, stall_seconds: float, now: float | None = None) -> tuple[bool, str]:
        """Liveness: (True, "") or (False, the one line that says why)."""
        quiet, reason = self.quiet(now)
        if quiet > stall_seconds:
            return False, f"no progress for {quiet:.0f} s: {reason}"
        return True, ""

    def current(self, stale_seconds: float, now: float | None = None) -> tuple[bool, str]:
        """Readiness: evidence within `stale_seconds`, else (False, why)."""
        quiet, reason = self.quiet(now)
        if quiet > stale_seconds:
            return False, f"no progress for {quiet:.0f} s: {reason}"
        return True, ""
