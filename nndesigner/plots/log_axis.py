"""A log-scale axis whose labels fit the space: pyqtgraph labels every 1…9 × 10ⁿ when few
decades are in view, which piles up into unreadable text on a short plot."""

from __future__ import annotations

import math

import pyqtgraph as pg

#: Pixels each label needs along the axis (a line of text with some air).
LABEL_PX = 14.0


class LogAxis(pg.AxisItem):
    """Decades (every k-th if even they crowd), then in between 2…9 × 10ⁿ, or only 2 and
    5 × 10ⁿ, or nothing: the most that fits without labels running into each other."""

    def logTickValues(self, minVal, maxVal, size, stdTicks):  # pyqtgraph names it
        major = [(spacing, t) for spacing, t in stdTicks if spacing >= 1.0]
        if len(major) >= 3:
            return major  # many decades in view: pyqtgraph's own levels
        room = max(1, int(size // LABEL_PX))
        low, high = math.floor(minVal), math.ceil(maxVal)
        if not major:
            decades = [float(d) for d in range(low, high + 1) if minVal <= d <= maxVal]
            step = math.ceil(len(decades) / room) if decades else 1
            major = [(float(step), decades[::step])] if decades else []
        shown = len({v for _, level in major for v in level})
        for steps in ((2, 3, 4, 5, 6, 7, 8, 9), (2, 5)):
            minor = [v for d in range(low, high) for m in steps
                     if minVal < (v := d + math.log10(m)) < maxVal]
            if shown + len(minor) <= room:
                return [*major, (None, minor)]
        return major
