"""Where the time goes (`--measure`): per-op medians, each op's share, and the whole pass beside their sum.

The sum of per-op medians is measured with the recording hooks around each op, the whole-pass median without any
hook; their difference is what the hooks and the Python between ops cost. Measured times are never deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..schema import Timing, Trace


@dataclass(frozen=True)
class OpTime:
    op: str
    ms: float
    share: float  # of the sum of per-op medians, 0 … 1


@dataclass(frozen=True)
class TimeSummary:
    timing: Timing
    ops: tuple[OpTime, ...]  # execution order
    total_ms: float  # sum of per-op medians
    whole_ms: float  # median of whole passes without hooks

    @property
    def gap(self) -> float:
        """(sum of per-op medians − whole pass) / whole pass: what measuring op by op adds or misses."""
        return (self.total_ms - self.whole_ms) / self.whole_ms if self.whole_ms else 0.0

    def slowest(self, n: int = 10) -> tuple[OpTime, ...]:
        return tuple(sorted(self.ops, key=lambda o: (-o.ms, o.op))[:n])


def time_summary(trace: Trace) -> TimeSummary | None:
    """The measured times of a trace made with --measure; None otherwise."""
    timing = trace.measured.timing
    if timing is None:
        return None
    total = sum(ms for _, ms in timing.op_ms)
    ops = tuple(OpTime(op, ms, ms / total if total else 0.0) for op, ms in timing.op_ms)
    return TimeSummary(timing, ops, total, timing.whole_pass_ms)


def op_ms(trace: Trace) -> dict[str, float]:
    """Op id → median milliseconds (empty without --measure)."""
    timing = trace.measured.timing
    return dict(timing.op_ms) if timing is not None else {}
