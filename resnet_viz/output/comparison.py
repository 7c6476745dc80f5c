"""The other depths a report puts beside its network: traced once each, on the meta device, through one cache."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ..errors import InvalidOption
from ..family import CIFAR_DEPTHS, IMAGENET_DEPTHS
from ..options import Device, ModelOptions
from ..schema import Trace
from ..views.conventions import CONFIGS, paper_gap
from ..views.paper import comparison_depths, is_cifar_net

Cache = dict[tuple, Trace]


def parse_compare(value: str, trace: Trace) -> tuple[int, ...] | None:
    """'auto' → the paper's set for this network, 'none' → None, '18,34,50' → those depths (each once, one family)."""
    text = value.strip().lower()
    if text == "none":
        return None
    if text == "auto":
        return comparison_depths(trace) or None
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts or not all(p.isascii() and p.isdigit() for p in parts):
        raise InvalidOption(f"invalid --compare {value!r} (must be auto, none, or depths such as 18,34,50)")
    depths = tuple(int(p) for p in parts)
    if len(set(depths)) != len(depths):
        twice = next(d for d in depths if depths.count(d) > 1)
        raise InvalidOption(f"invalid --compare {value!r} (depth {twice} is given more than once)")
    family = CIFAR_DEPTHS if is_cifar_net(trace) else tuple(IMAGENET_DEPTHS)
    wrong = [d for d in depths if d not in family]
    if wrong:
        listed = ", ".join(map(str, family))
        raise InvalidOption(f"invalid --compare depth {wrong[0]} for {trace.model_name} (must be among {listed}, "
                            "the paper's depths of the same family)")
    if not comparison_depths(trace):
        raise InvalidOption(f"--compare needs one of the paper's networks; {trace.model_name} has no such family "
                            "(use --compare none)")
    return depths


def comparison_traces(trace: Trace, depths: Sequence[int], cache: Cache | None = None) -> list[Trace]:
    """A trace per depth with everything else as in `trace` (input, stem, variant, shortcut, classes, preact), on
    the meta device; the report's own network is reused, and `cache` shares traces between reports."""
    from ..core.tracing import trace_options  # torch is imported only when a comparison is asked for

    spec = trace.model
    assert spec is not None
    cache = {} if cache is None else cache
    options = ModelOptions(input=trace.input.spatial, variant=spec.variant, shortcut=spec.shortcut, stem=spec.stem,
                           num_classes=spec.num_classes, preact=spec.preact, device=Device.META)
    out = []
    for d in depths:
        if d == spec.depth and trace.batch == 1:
            out.append(trace)
            continue
        key = (d, options)
        if key not in cache:
            cache[key] = trace_options(replace(options, depth=d))
        out.append(cache[key])
    return out


def variant_traces(trace: Trace, cache: Cache | None = None) -> dict[str, Trace]:
    """For one of the paper's networks at 224×224: the other configurations the FLOPs table compares (v1 and v1.5,
    shortcuts A and B), on the meta device; {} for any other network."""
    from ..core.tracing import trace_options  # torch is imported only when the table is asked for

    spec = trace.model
    if spec is None or paper_gap(trace) is None:
        return {}
    cache = {} if cache is None else cache
    out = {}
    for variant, shortcut in CONFIGS:
        if (variant, shortcut) == (spec.variant, spec.shortcut):
            continue
        options = ModelOptions(depth=spec.depth, input=trace.input.spatial, variant=variant, shortcut=shortcut,
                               num_classes=spec.num_classes, device=Device.META)
        key = (spec.depth, options)
        if key not in cache:
            cache[key] = trace_options(options)
        out[f"{variant}/{shortcut}"] = cache[key]
    return out


def other_traces(trace: Trace, depths: Sequence[int] | None, cache: Cache | None = None
                 ) -> tuple[list[Trace] | None, dict[str, Trace]]:
    """Everything a report of `trace` is compared with: the other depths (`depths`, from parse_compare) and the
    other configurations of the FLOPs table; what `render` and the gallery both put beside a network."""
    cache = {} if cache is None else cache
    others = comparison_traces(trace, depths, cache) if depths and trace.model else None
    return others, variant_traces(trace, cache)
