"""The closed vocabularies of a trace (op kinds, sections, paths, block kinds, shortcut kinds), stored in JSON as their
string values."""

from __future__ import annotations

from enum import Enum


class OpKind(str, Enum):
    CONV = "conv"
    BATCHNORM = "batchnorm"
    NORM = "norm"  # group, layer, instance norm
    RELU = "relu"
    ACTIVATION = "activation"  # sigmoid, SiLU, GELU, ReLU6, …
    MAXPOOL = "maxpool"
    AVGPOOL = "avgpool"
    ADD = "add"
    MUL = "mul"
    CAT = "cat"
    FLATTEN = "flatten"
    RESHAPE = "reshape"  # view, reshape, permute, squeeze, …
    SLICE = "slice"  # indexing, narrow, chunk, split
    PAD = "pad"
    LINEAR = "linear"
    ZEROPAD = "zeropad"  # the paper's option-A shortcut: subsample, then pad channels with zeros
    DROPOUT = "dropout"
    OTHER = "other"  # anything the counting table does not know; listed in Trace.uncounted


class Section(str, Enum):
    STEM = "stem"
    STAGE = "stage"
    HEAD = "head"
    PLAIN = "plain"  # every op of a network in which no residual block was found
    UNPLACED = "unplaced"  # ops the structure finder could not place (side outputs, unused results)


class Path(str, Enum):
    """Where an op sits inside a residual block."""

    PRE = "pre"  # before the fork, shared by both paths (a pre-activation block's first norm and ReLU)
    MAIN = "main"
    SHORTCUT = "shortcut"
    GATE = "gate"  # a side branch that scales the main path (squeeze-excitation), not a shortcut
    JOIN = "join"  # the residual addition where both paths meet
    POST = "post"  # after the join (the ReLU of a post-activation block)


class BlockKind(str, Enum):
    BASIC = "basic"  # two k×k convs on the main path
    BOTTLENECK = "bottleneck"  # 1×1, k×k, 1×1
    CUSTOM = "custom"


class ShortcutKind(str, Enum):
    IDENTITY = "identity"
    PROJECTION = "projection"  # conv (+ norm)
    POOLED = "pooled"  # average pool, then conv (+ norm): ResNet-D
    ZEROPAD = "zeropad"  # option A: subsample, pad the new channels with zeros
    OTHER = "other"
