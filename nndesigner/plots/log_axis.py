"""A log-scale axis whose in-between labels fit the space: pyqtgraph labels every 2…9 × 10ⁿ
between decades, which piles up into unreadable text on a short plot."""

from __future__ import annotations

import math

import pyqtgraph as pg

#: Pixels each label needs along the axis (a line of text with some air).
LABEL_PX = 16.0


class LogAxis(pg.AxisItem):
    """Decades always; in between 2…9 × 10ⁿ, or only 2 and 5 × 10ⁿ, or nothing: the most
    that fits without labels running into each other."""

    def logTickValues(self, minVal, maxVal, size, stdTicks):  # pyqtgraph names it
        ticks = [(spacing, t) for spacing, t in stdTicks if spacing >= 1.0]
        if len(ticks) >= 3:
            return ticks
        low, high = math.floor(minVal), math.ceil(maxVal)
        decades = sum(1 for d in range(low, high + 1) if minVal <= d <= maxVal)
        for steps in ((2, 3, 4, 5, 6, 7, 8, 9), (2, 5)):
            minor = [v for d in range(low, high) for m in steps
                     if minVal < (v := d + math.log10(m)) < maxVal]
            if (len(minor) + decades) * LABEL_PX <= size:
                return [*ticks, (None, minor)]
        return ticks
