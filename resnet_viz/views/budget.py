"""The memory budget a reader checks: per op its output, what it keeps alive and what it saves for backward; the
inference peak (computed, with the measured CUDA peak beside it); a training estimate. Each figure is labelled
"computed" (from the trace) or "measured on cpu/cuda" (by the real pass).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..schema import OpKind, Trace
from .memory import COMPUTED, allocates, element_size, liveness, output_bytes
from .saved import computed_saved


@dataclass(frozen=True)
class Figure:
    """Bytes, and where they come from: "computed" from the trace, or "measured on cpu" (or cuda) by the pass."""

    name: str
    bytes: int
    source: str


def _sum(name: str, *parts: Figure) -> Figure:
    sources = sorted({p.source for p in parts})
    return Figure(name, sum(p.bytes for p in parts), sources[0] if len(sources) == 1 else "computed and measured")


@dataclass(frozen=True)
class TrainingEstimate:
    """One training step at the traced batch, figure by figure. Not included: the activations' gradients during
    backward and kernel workspaces (they come on top, and depend on when backward frees what)."""

    weights: Figure
    gradients: Figure  # one per trainable parameter
    sgd_momentum: Figure  # one momentum buffer per trainable parameter
    adam: Figure  # exp_avg and exp_avg_sq
    saved_activations: Figure  # what autograd keeps for backward (eval mode, as traced)
    train_mode_extra: Figure  # train mode also keeps batch-norm batch statistics (2·C floats) and dropout masks

    def total(self, optimizer: str = "adam") -> Figure:
        """The sum of the figures with one optimizer: "sgd" (no state), "sgd_momentum" or "adam"."""
        state = {"sgd": (), "sgd_momentum": (self.sgd_momentum,), "adam": (self.adam,)}[optimizer]
        return _sum(f"training step, {OPTIMIZER_NAMES[optimizer]}", self.weights, self.gradients, *state, self.saved_activations,
                    self.train_mode_extra)


OPTIMIZER_NAMES = {"sgd": "plain SGD", "sgd_momentum": "SGD with momentum", "adam": "Adam"}


@dataclass(frozen=True)
class OpMemory:
    """One row: an op's outputs, whether they took new memory, what was alive, and what backward keeps."""

    id: str
    kind: OpKind
    output_bytes: int
    allocates: bool
    live_bytes: int  # activations alive while it runs (inference)
    saved_bytes: int  # measured when the trace has it, else computed; `saved_source` says which
    saved_source: str
    saved_computed: int
    rule: str  # what the per-kind rule says it saves
    exact: bool  # False where the computed figure is uncertain (`rule` says why)


@dataclass(frozen=True)
class MemoryReport:
    """What the report and `summary` render: rows per op and the labelled totals (a CUDA pass's measured peak sits
    beside the computed one; it includes workspaces and the allocator's rounding, the computed one does not)."""

    ops: tuple[OpMemory, ...]
    input: Figure
    weights: Figure
    activation_peak: Figure
    peak_op: str  # the op during which the most activation memory is alive
    inference_peak: Figure  # weights + activation peak, no workspaces
    cuda_peak: Figure | None  # torch.cuda.max_memory_allocated of the real pass, when it ran on CUDA
    training: TrainingEstimate

    @property
    def inexact(self) -> tuple[str, ...]:
        """Ops whose computed saved bytes are uncertain."""
        return tuple(o.id for o in self.ops if not o.exact)


def _bn_stats_bytes(trace: Trace) -> int:
    """Train-mode batch-norm statistics: a mean and a variance per channel, 4 bytes each, whatever the batch."""
    return sum(2 * op.output.channels * 4 for op in trace.ops if op.kind is OpKind.BATCHNORM)


def memory_report(trace: Trace) -> MemoryReport:
    """Every memory figure of the trace: measured where the real pass measured it, else computed."""
    live, size, trainable = liveness(trace), element_size(trace), trace.totals.trainable_params
    measured = dict(trace.measured.saved_bytes)
    source = f"measured on {trace.provenance.device or 'cpu'}" if measured else COMPUTED
    rows = tuple(OpMemory(op.id, op.kind, output_bytes(trace, op), allocates(op), live.live[i],
                          measured.get(op.id, c[0]), source, *c)
                 for i, (op, c) in enumerate(zip(trace.ops, computed_saved(trace), strict=True)))
    weights, peak = Figure("weights", trace.totals.param_bytes, COMPUTED), Figure("activations", live.peak, COMPUTED)
    stats = _bn_stats_bytes(trace)
    masks = sum(output_bytes(trace, op) for op in trace.ops if op.kind is OpKind.DROPOUT)
    training = TrainingEstimate(
        weights, Figure("gradients", trainable * size, COMPUTED), Figure("SGD momentum", trainable * size, COMPUTED),
        Figure("Adam moments", 2 * trainable * size, COMPUTED),
        Figure("saved for backward", sum(r.saved_bytes for r in rows), source),
        Figure("train-mode statistics and masks", stats + masks, COMPUTED))
    cuda = trace.measured.cuda_peak_bytes
    return MemoryReport(
        rows, Figure("input", live.input_bytes, COMPUTED), weights, peak,
        trace.ops[live.peak_position].id if trace.ops else "", _sum("inference peak", weights, peak),
        Figure("CUDA peak", cuda, "measured on cuda") if cuda is not None else None, training)


BATCHES = (1, 8, 32, 64, 256)


@dataclass(frozen=True)
class AtBatch:
    """The figures at another batch size: activations scale with the batch, weights and optimizer state do not."""

    batch: int
    inference_peak: int
    training_sgd_momentum: int
    training_adam: int


def at_batches(trace: Trace, report: MemoryReport, batches: tuple[int, ...] = BATCHES) -> tuple[AtBatch, ...]:
    """The inference peak and a training step's memory at several batch sizes (the traced one included),
    computed by scaling what grows with the batch (live and saved activations, batch-norm statistics do not)."""
    t = report.training
    fixed = t.weights.bytes + t.gradients.bytes
    stats = _bn_stats_bytes(trace)
    per_image_saved = t.saved_activations.bytes / trace.batch
    per_image_extra = (t.train_mode_extra.bytes - stats) / trace.batch
    per_image_live = report.activation_peak.bytes / trace.batch
    out = []
    for n in sorted({*batches, trace.batch}):
        train = fixed + round(n * (per_image_saved + per_image_extra)) + stats
        out.append(AtBatch(n, report.weights.bytes + round(n * per_image_live), train + t.sgd_momentum.bytes,
                           train + t.adam.bytes))
    return tuple(out)
