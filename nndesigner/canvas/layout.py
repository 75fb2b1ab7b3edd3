"""Auto-layout: layers in columns by their depth from the input, left to right."""

from __future__ import annotations

from engine import NetworkSpec

COLUMN_GAP = 250.0
ROW_GAP = 120.0


def layered_layout(spec: NetworkSpec, origin: tuple[float, float] = (0.0, 0.0),
                   heights: dict[str, float] | None = None) -> dict[str, tuple[float, float]]:
    """Positions (top-left corners) with each layer one column right of its deepest input.
    Columns are centred on one horizontal line; layers in a cycle go to the last column."""
    order, _ = spec._topological_order()
    depth: dict[str, int] = {}
    for name in order:
        inputs = [i for i in spec.layers[name].inputs if i in depth]
        depth[name] = 1 + max((depth[i] for i in inputs), default=-1)
    last = max(depth.values(), default=-1) + 1
    for name in spec.layers:
        depth.setdefault(name, last)
    columns: dict[int, list[str]] = {}
    for name in spec.layers:
        columns.setdefault(depth[name], []).append(name)
    heights = heights or {}
    positions = {}
    for col, names in columns.items():
        sizes = [max(heights.get(n, 74.0), 74.0) + ROW_GAP - 74.0 for n in names]
        total = sum(sizes)
        y = origin[1] - total / 2
        for name, size in zip(names, sizes, strict=True):
            positions[name] = (origin[0] + col * COLUMN_GAP, round(y))
            y += size
    return positions
