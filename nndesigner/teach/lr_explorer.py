"""The learning-rate explorer: one network, one start, several learning rates.

    tool = LearningRateExplorer(spec, x, y, seed=0, batch_size=32)
    tool.run()                              # trains every rate (well under a second here)
    tool.results_ready.connect(guide.report)  # {"lr_sweep": [RunResult, …]}

Left: the loss per epoch of every rate on one log axis; a rate whose loss became NaN or
infinite ends with a ✕ and "diverged at epoch N". Right: a 2-parameter slice of the loss
surface — two output weights varied on a grid, all others at their starting values — as a
contour plot, with the path those two weights took during the chosen rate's training.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engine import NetworkSpec

from ..canvas.style import ERROR
from ..plots.colours import SERIES_COLOURS, legend_html, style_plot, theme_of
from ..plots.log_axis import LogAxis
from . import experiments as exp
from .tool_results import LR_RATES

GRID = 41


class LearningRateExplorer(QWidget):
    results_ready = Signal(dict)

    def __init__(self, spec: NetworkSpec, x, y, rates: list[float] | None = None,
                 epochs: int = 50, batch_size: int | None = 32, seed: int = 0,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec, self.x, self.y = spec, x, y
        self.rates = list(rates or LR_RATES)
        self.epochs, self.batch_size, self.seed = epochs, batch_size, seed
        self.runs: list[exp.RunResult] = []
        self.surface_data: exp.Surface | None = None
        th = theme_of(self)

        self.curves = pg.PlotWidget(background=th.bg, axisItems={"left": LogAxis("left")})
        self.curves.setLogMode(y=True)
        self.curves.setLabel("bottom", "epoch")
        self.curves.setLabel("left", "training loss")
        self.curves.setTitle("Loss per epoch at each learning rate")
        style_plot(self.curves.getPlotItem(), th)
        self.surface = pg.PlotWidget(background=th.bg)
        self.surface.setTitle("Loss surface of two weights, and the path taken")
        style_plot(self.surface.getPlotItem(), th)
        self.image = pg.ImageItem()
        self.surface.addItem(self.image)
        self.isos: list[pg.IsocurveItem] = []
        self.path = self.surface.plot(pen=pg.mkPen(th.fg, width=2), symbol="o", symbolSize=4,
                                      symbolBrush=th.fg)
        self.start_dot = pg.ScatterPlotItem(size=11, symbol="s", brush=pg.mkBrush("white"),
                                            pen=pg.mkPen("black", width=1.5))
        self.surface.addItem(self.start_dot)
        self.legend = QLabel()
        self.legend.setWordWrap(True)
        self.verdicts = QLabel()
        self.verdicts.setWordWrap(True)
        self.path_rate = QComboBox()
        self.path_rate.currentIndexChanged.connect(self._draw_path)
        rerun = QPushButton("Train again")
        rerun.clicked.connect(self.run)
        self.surface_note = QLabel()
        self.surface_note.setWordWrap(True)

        left = QVBoxLayout()
        left.addWidget(self.legend)
        left.addWidget(self.curves, 1)
        left.addWidget(self.verdicts)
        right = QVBoxLayout()
        row = QHBoxLayout()
        row.addWidget(QLabel("Path of learning rate"))
        row.addWidget(self.path_rate)
        row.addStretch(1)
        row.addWidget(rerun)
        right.addLayout(row)
        right.addWidget(self.surface, 1)
        right.addWidget(self.surface_note)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addLayout(right, 1)

    def run(self) -> None:
        """Train at every rate from the same start and redraw both plots."""
        result = exp.sweep_with_surface(self.spec, self.x, self.y, self.rates, self.epochs,
                                        self.batch_size, self.seed, GRID)
        self.runs, self.surface_data = result["lr_sweep"], result["loss_surface"]
        self._draw_curves()
        self.path_rate.blockSignals(True)
        self.path_rate.clear()
        for run in self.runs:
            self.path_rate.addItem(f"{run.lr:g}", run.lr)
        good = [i for i, r in enumerate(self.runs) if not r.diverged]
        best = min(good, key=lambda i: self.runs[i].losses[-1]) if good else 0
        self.path_rate.setCurrentIndex(best)
        self.path_rate.blockSignals(False)
        self._draw_surface()
        self._draw_path()
        self.results_ready.emit(result)

    # -- drawing ---------------------------------------------------------------------------

    def _colour(self, i: int) -> str:
        return SERIES_COLOURS[i % len(SERIES_COLOURS)]

    def _draw_curves(self) -> None:
        item = self.curves.getPlotItem()
        item.clear()
        entries, lines = [], []
        calm = [v for r in self.runs if not r.diverged for v in r.losses if np.isfinite(v)]
        low = min(calm) if calm else 1e-3
        top = (max(calm) if calm else 1.0) * 100  # room above the calm runs; blow-ups go past
        n_diverged = 0
        for i, run in enumerate(self.runs):
            colour = self._colour(i)
            epochs = np.arange(1, len(run.losses) + 1)
            finite = np.isfinite(run.losses)
            if finite.any():
                item.plot(epochs[finite], np.asarray(run.losses)[finite],
                          pen=pg.mkPen(colour, width=2))
            entries.append(("━━", colour, f"lr {run.lr:g}"))
            if run.diverged:
                # ✕ near the top edge (one row per run): the loss went far beyond the axis
                y = top / (2 * 4 ** n_diverged)
                n_diverged += 1
                item.plot([run.diverged_at], [y], pen=None, symbol="x", symbolSize=14,
                          symbolPen=pg.mkPen(colour, width=3), symbolBrush=colour)
                label = pg.TextItem(f"lr {run.lr:g} diverged", color=ERROR, anchor=(0, 0.5))
                label.setPos(run.diverged_at + 0.8, np.log10(y))
                item.addItem(label)
                lines.append(f"<span style='color:{ERROR.name()}'>lr {run.lr:g}: diverged at "
                             f"epoch {run.diverged_at}</span> — the steps overshoot and the "
                             "loss explodes")
            elif run.losses:
                lines.append(f"lr {run.lr:g}: loss {run.losses[0]:.3g} → {run.losses[-1]:.3g}")
        item.setYRange(np.log10(low / 2), np.log10(top), padding=0)
        item.setXRange(1, max((len(r.losses) for r in self.runs), default=1), padding=0.02)
        self.legend.setText(legend_html(entries))
        self.verdicts.setText("<br>".join(lines))

    def _draw_surface(self) -> None:
        for iso in self.isos:
            self.surface.removeItem(iso)
        self.isos = []
        sd = self.surface_data
        (k1, i1), (k2, i2) = sd.track
        r1, r2 = (sd.a[0], sd.a[-1]), (sd.b[0], sd.b[-1])
        loss = sd.loss
        level = np.log10(np.clip(np.nan_to_num(loss, nan=1e6, posinf=1e6), 1e-6, 1e6))
        self.image.setImage(level, autoLevels=True)
        self.image.setColorMap(pg.colormap.get("viridis"))
        self.image.setRect(QRectF(r1[0], r2[0], r1[1] - r1[0], r2[1] - r2[0]))
        th = theme_of(self)
        lo, hi = float(level.min()), float(level.max())
        for v in np.linspace(lo, hi, 9)[1:-1]:
            iso = pg.IsocurveItem(level, level=v, pen=pg.mkPen(th.bg, width=1))
            iso.setParentItem(self.image)  # shares the image's placement
            self.isos.append(iso)
        name1, name2 = f"{k1}[{i1}]", f"{k2}[{i2}]"
        self.surface.setLabel("bottom", name1)
        self.surface.setLabel("left", name2)
        self.surface.setXRange(*r1, padding=0)
        self.surface.setYRange(*r2, padding=0)
        self.surface_note.setText(
            f"Colour: log₁₀ of the loss (dark = low) as {name1} and {name2} vary, every other "
            "weight at its starting value. ■ start; the line is where these two weights went "
            "while all weights learned.")

    def _draw_path(self) -> None:
        i = self.path_rate.currentIndex()
        if not (0 <= i < len(self.runs)) or not self.runs[i].path:
            self.path.setData([], [])
            return
        pts = np.array(self.runs[i].path, dtype=float)
        pts = pts[np.all(np.isfinite(pts), axis=1)]
        self.path.setData(pts[:, 0], pts[:, 1])
        self.start_dot.setData([pts[0, 0]], [pts[0, 1]])
        colour = self._colour(i)
        self.path.setPen(pg.mkPen(colour, width=2))
        self.path.setSymbolBrush(colour)
        self.path.setSymbolPen(pg.mkPen(colour))
