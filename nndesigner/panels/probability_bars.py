"""ProbabilityBars: class probabilities as horizontal bars, highest first, in the class colours.

    bars = ProbabilityBars()
    bars.set_probabilities(probs, names)    # None clears
    bars.rows()                             # [(name, p), …] as shown

At most ten rows (then "… n more classes"); each row has the class name, a bar in the class
colour on a light track, and the percentage written out, so no reading depends on colour.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QWidget

from ..plots.colours import class_colour

MAX_BAR_ROWS = 10


class ProbabilityBars(QWidget):
    """Class probabilities as horizontal bars, highest first, in the class colours."""

    ROW = 20

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[int, str, float]] = []
        self._more = 0

    def set_probabilities(self, probs: np.ndarray | None, names: list[str]) -> None:
        if probs is None:
            self._rows, self._more = [], 0
        else:
            order = np.argsort(-np.asarray(probs), kind="stable")
            self._rows = [(int(k), names[k], float(probs[k])) for k in order[:MAX_BAR_ROWS]]
            self._more = max(0, len(probs) - MAX_BAR_ROWS)
        self.setFixedHeight(self.ROW * (len(self._rows) + (1 if self._more else 0)) + 2)
        self.update()

    def rows(self) -> list[tuple[str, float]]:
        return [(name, p) for _, name, p in self._rows]

    def sizeHint(self) -> QSize:
        return QSize(260, self.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        fm = p.fontMetrics()
        fg = self.palette().color(QPalette.ColorRole.Text)
        track = self.palette().color(QPalette.ColorRole.Midlight)
        name_w = min(110, max((fm.horizontalAdvance(n) for _, n, _ in self._rows), default=0) + 8)
        pct_w = fm.horizontalAdvance("100.0 %") + 6
        bar_w = max(20, self.width() - name_w - pct_w)
        for i, (k, name, prob) in enumerate(self._rows):
            y = i * self.ROW + 1
            p.setPen(fg)
            shown = fm.elidedText(name, Qt.TextElideMode.ElideRight, name_w - 6)
            p.drawText(QRectF(0, y, name_w - 6, self.ROW), Qt.AlignmentFlag.AlignRight
                       | Qt.AlignmentFlag.AlignVCenter, shown)
            p.fillRect(QRectF(name_w, y + 4, bar_w, self.ROW - 8), track)
            p.fillRect(QRectF(name_w, y + 4, bar_w * prob, self.ROW - 8), class_colour(k))
            p.drawText(QRectF(name_w + bar_w + 4, y, pct_w, self.ROW),
                       Qt.AlignmentFlag.AlignVCenter, f"{100 * prob:.1f} %")
        if self._more:
            p.drawText(QRectF(name_w, len(self._rows) * self.ROW, bar_w, self.ROW),
                       Qt.AlignmentFlag.AlignVCenter, f"… {self._more} more classes")
        p.end()
