"""Per-layer gradient norms over training steps (log axis), with plain-language warnings.

    grads = GradientNorms()
    grads.add(step, record.grad_norms)      # {layer: L2 norm of its parameter gradients}
    grads.warnings()                         # the sentences shown under the plot
    grads.clear()

:func:`gradient_warnings` is the pure rule set behind the text line: it flags vanishing
gradients (tiny norms, or early layers ≥ 1000× smaller than the last) and exploding ones
(NaN/inf, or norms that grew ≥ 1000× since the start) and stays silent for healthy histories.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from .base import PlotPanel
from .colours import PROBLEM, SERIES_COLOURS, legend_html, style_plot, with_alpha
from .log_axis import LogAxis

SMOOTHING = 0.9  # per-batch norms jump by 10×: the bold line is an average in log space


def gradient_warnings(history: dict[str, list[float]]) -> list[str]:
    """Warnings for a ``{layer: [norm per step]}`` history, layers in network order: the
    gradient-norm rules of the teaching module's ``diagnose``, so both views agree."""
    from ..teach.gradient_health import diagnose

    return [f"{d.message} {d.advice}" for d in diagnose(history, None, None)]


def _times(ratio: float) -> str:
    return f"{ratio:,.0f}×" if ratio < 1e6 else f"{ratio:.0e}×"


class _Series:
    """A growing float buffer: appending stays O(1) for long runs."""

    def __init__(self) -> None:
        self.steps = np.empty(256, dtype=np.float32)
        self.norms = np.empty(256, dtype=np.float64)
        self.smooth = np.empty(256, dtype=np.float64)  # exponential average of log10(norm)
        self.n = 0

    def append(self, step: float, norm: float) -> None:
        if self.n == len(self.steps):
            self.steps = np.resize(self.steps, 2 * self.n)
            self.norms = np.resize(self.norms, 2 * self.n)
            self.smooth = np.resize(self.smooth, 2 * self.n)
        prev = self.smooth[self.n - 1] if self.n else np.nan
        if np.isfinite(norm) and norm > 0:
            log = np.log10(norm)
            prev = log if not np.isfinite(prev) else SMOOTHING * prev + (1 - SMOOTHING) * log
        self.steps[self.n] = step
        self.norms[self.n] = norm
        self.smooth[self.n] = prev
        self.n += 1


class GradientNorms(PlotPanel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Start training to see how strongly each layer's gradients flow.",
                         parent)
        self._series: dict[str, _Series] = {}
        self._items: dict[str, tuple[pg.PlotDataItem, pg.PlotDataItem]] = {}  # raw, smooth
        self._warnings: list[str] = []
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(2)
        self.legend_label = QLabel("")
        self.legend_label.setWordWrap(True)
        layout.addWidget(self.legend_label)
        self.view = pg.GraphicsLayoutWidget()
        self.plot = self.view.addPlot(row=0, col=0, axisItems={"left": LogAxis("left")})
        self.plot.setLogMode(x=False, y=True)
        self.plot.setLabel("bottom", "training step")
        self.plot.setLabel("left", "gradient norm")
        self.plot.getViewBox().setDefaultPadding(0.02)
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.plot.setMenuEnabled(False)
        layout.addWidget(self.view, 1)
        self.warning_label = QLabel("")
        self.warning_label.setWordWrap(True)
        layout.addWidget(self.warning_label)
        self._set_content(content)
        self._apply_theme()

    # -- public API -----------------------------------------------------------------------
    def add(self, step: int, norms: dict[str, float]) -> None:
        """Append one step's ``{layer: norm}``; layers appear in the order first seen."""
        self.add_many([(step, norms)])

    def add_many(self, rows: list[tuple[int, dict[str, float]]]) -> None:
        """Append several steps with one redraw per layer."""
        changed: list[str] = []
        for step, norms in rows:
            for layer, norm in norms.items():
                series = self._series.get(layer)
                if series is None:
                    series = self._series[layer] = _Series()
                    self._new_item(layer)
                series.append(float(step), float(norm))
                if layer not in changed:
                    changed.append(layer)
        for layer in changed:
            series = self._series[layer]
            steps, values = series.steps[: series.n], series.norms[: series.n]
            keep = np.isfinite(values) & (values > 0)  # a log axis shows neither 0 nor NaN
            raw, smooth = self._items[layer]
            raw.setData(steps[keep], values[keep].astype(np.float32))
            trend = 10.0 ** series.smooth[: series.n][keep]
            smooth.setData(steps[keep], trend.astype(np.float32))
        self._update_warnings()
        self._show_content(bool(self._series))

    def clear(self) -> None:
        for items in self._items.values():
            for item in items:
                self.plot.removeItem(item)
        self._series.clear()
        self._items.clear()
        self._update_warnings()
        self._show_content(False)

    def history(self) -> dict[str, list[float]]:
        return {k: s.norms[: s.n].tolist() for k, s in self._series.items()}

    def warnings(self) -> list[str]:
        return list(self._warnings)

    # -- internals ------------------------------------------------------------------------
    def _colour(self, index: int) -> str:
        return SERIES_COLOURS[index % len(SERIES_COLOURS)]

    def _new_item(self, layer: str) -> None:
        colour = self._colour(len(self._items))
        raw = pg.PlotDataItem(pen=pg.mkPen(with_alpha(colour, 0.18), width=1))
        smooth = pg.PlotDataItem(pen=pg.mkPen(colour, width=2))
        for item in (raw, smooth):
            item.setClipToView(True)
            item.setDownsampling(auto=True, method="peak")
            self.plot.addItem(item)
        self._items[layer] = (raw, smooth)
        self._update_legend()

    def _update_legend(self) -> None:
        entries = [("━━", self._colour(i), name) for i, name in enumerate(self._items)]
        if entries:
            entries.append(("", self.theme().fg, "(faint: measured batches; bold: smoothed)"))
        self.legend_label.setText(legend_html(entries))

    def _update_warnings(self) -> None:
        self._warnings = gradient_warnings(
            {k: s.norms[: s.n] for k, s in self._series.items()})
        th = self.theme()
        if self._warnings:
            # Two lines at most: the plot needs the height; the tooltip has them all.
            text = "<br>".join(f"⚠ {w}" for w in self._warnings[:2])
            if len(self._warnings) > 2:
                text += f" (+{len(self._warnings) - 2} more)"
            colour = PROBLEM.name()
        else:
            text = "✓ No gradient problems so far." if self._series else ""
            colour = th.fg.name()
        if text != self.warning_label.text():
            self.warning_label.setText(text)
            self.warning_label.setToolTip("\n".join(self._warnings))
            self.warning_label.setStyleSheet(f"color: {colour};")

    def _apply_theme(self) -> None:
        th = self.theme()
        self.view.setBackground(th.bg)
        style_plot(self.plot, th)
        self._update_legend()
        self.warning_label.setText("")  # forces the colour to be re-applied
        self._update_warnings()
