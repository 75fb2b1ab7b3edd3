"""A small plot of an activation function f(z) (solid blue) and its slope f'(z) (dashed
orange) over z ∈ [−4, 4], as shown under the activation in the Properties panel.

The curves come from the engine's own ``forward`` and ``backward``, so the plot shows exactly
what training uses (the step's zero slope, the straight-through window, ELU's α). Softmax
depends on all outputs together; it is drawn for two classes — the first output, with the
other sum fixed at 0 — and a caption says so. The plot is created once and updated with
``setData``; it takes no mouse input, so scrolling over it scrolls the panel.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from engine import activations

Z_RANGE = (-4.0, 4.0)
SOFTMAX_NOTE = "Softmax shown for 2 classes: the first output, with the other sum fixed at 0."


def curves(value: Any, points: int = 401) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(z, f(z), f'(z))`` for an activation name or ``{"name": ..., options}`` dict."""
    act = activations.make(value)
    z = np.linspace(*Z_RANGE, points)
    if act.name == "softmax":
        logits = np.stack([z, np.zeros_like(z)], axis=1)
        a = act.forward(logits)
        slope = act.backward(logits, a, np.tile([1.0, 0.0], (points, 1)))
        return z, a[:, 0], slope[:, 0]
    a = act.forward(z)
    return z, a, act.backward(z, a, np.ones_like(z))


def _is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Base).lightness() < 128


class _StillPlot(pg.PlotWidget):
    def wheelEvent(self, event) -> None:
        event.ignore()  # let the panel's scroll area have it


class ActivationPlot(QWidget):
    """``set_activation(value)`` redraws both curves; ``caption`` explains special cases."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        dark = _is_dark(self.palette())
        text = self.palette().color(QPalette.ColorRole.Text)
        blue = QColor("#64b5f6" if dark else "#1565c0")
        orange = QColor("#ffb74d" if dark else "#e65100")

        self.plot = _StillPlot(background=self.palette().color(QPalette.ColorRole.Base))
        self.plot.setFixedHeight(130)
        self.plot.setMinimumWidth(180)
        self.plot.setMaximumWidth(320)
        self.plot.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        item = self.plot.getPlotItem()
        item.setMenuEnabled(False)
        item.setMouseEnabled(x=False, y=False)
        item.hideButtons()
        item.setXRange(*Z_RANGE, padding=0.02)
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(text))
            axis.setTextPen(pg.mkPen(text))
        item.getAxis("left").setWidth(28)
        item.setLabel("bottom", "z", color=text.name())
        grid = QColor(text)
        grid.setAlpha(60)
        for angle in (0, 90):
            axis_line = pg.InfiniteLine(0.0, angle=angle, pen=pg.mkPen(grid))
            axis_line.setZValue(-10)  # under the curves (the step's jump sits on z = 0)
            item.addItem(axis_line)
        legend = item.addLegend(offset=(4, 2), labelTextColor=text, labelTextSize="8pt",
                                verSpacing=-6)
        legend.setBrush(pg.mkBrush(self.palette().color(QPalette.ColorRole.Base)))
        self.f_curve = item.plot(pen=pg.mkPen(blue, width=2), name="f(z)")
        self.slope_curve = item.plot(
            pen=pg.mkPen(orange, width=1.5, style=Qt.PenStyle.DashLine), name="f′(z)"
        )

        self.caption = QLabel(SOFTMAX_NOTE)
        self.caption.setWordWrap(True)
        self.caption.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.caption.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.plot)
        layout.addWidget(self.caption)
        self.set_activation("linear")

    def set_activation(self, value: Any) -> None:
        z, f, slope = curves(value)
        self.f_curve.setData(z.astype(np.float32), f.astype(np.float32))
        self.slope_curve.setData(z.astype(np.float32), slope.astype(np.float32))
        low = float(min(f.min(), slope.min(), 0.0))
        high = float(max(f.max(), slope.max(), 1.0))
        pad = 0.12 * (high - low)
        # Extra room on top keeps the legend clear of the curves.
        self.plot.getPlotItem().setYRange(low - pad, high + 3 * pad, padding=0)
        self.caption.setVisible(activations.make(value).name == "softmax")
