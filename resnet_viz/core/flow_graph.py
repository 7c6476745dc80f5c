"""The ops as a graph, with each node's immediate dominator: what the trunk and every backward walk are read from.

Torch-free: it works on plain schema ops.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..schema import Op


class FlowGraph:
    """Node 0 is the model input, node i + 1 is ops[i]; edges run from producers to readers."""

    def __init__(self, ops: Sequence[Op]) -> None:
        self.ops = ops
        node = {o.id: i + 1 for i, o in enumerate(ops)}
        self.node = node
        self.preds: list[tuple[int, ...]] = [()] + [
            tuple(dict.fromkeys(0 if r.op is None else node[r.op] for r in o.inputs)) for o in ops]
        self.idom = [0] * (len(ops) + 1)
        for n in range(1, len(ops) + 1):
            preds = self.preds[n]
            d = preds[0]
            for p in preds[1:]:
                d = self._meet(d, p)
            self.idom[n] = d

    def _meet(self, a: int, b: int) -> int:
        while a != b:
            while a > b:
                a = self.idom[a]
            while b > a:
                b = self.idom[b]
        return a

    def trunk(self, sink: int) -> list[int]:
        chain = [sink]
        while chain[-1] != 0:
            chain.append(self.idom[chain[-1]])
        return chain[::-1]

    def between(self, start: Iterable[int], stop: int) -> set[int]:
        """Nodes reached walking backwards from `start`, never past `stop` (which is not included)."""
        seen: set[int] = set()
        todo = [n for n in start if n != stop]
        while todo:
            n = todo.pop()
            if n in seen or n == 0:
                continue
            seen.add(n)
            todo.extend(p for p in self.preds[n] if p != stop)
        return seen

    def op(self, n: int) -> Op:
        return self.ops[n - 1]
