"""Loss and accuracy over training, with earlier runs dimmed for comparison.

    curves = TrainingCurves()
    curves.start_run("lr 0.1", epochs=20, accuracy=True)  # earlier runs stay, dimmed (≤ 3)
    curves.add_batch(0.25, 0.71)                    # optional: x in epochs (epoch 1 spans 0…1)
    curves.add_epoch(1, loss=0.64, accuracy=0.71, val_loss=0.66, val_accuracy=0.69)
    curves.set_log_loss(True)                       # the checkbox above the plots does the same
    curves.snapshot()  # {"label": ..., "loss": ([1], [0.64]), "accuracy": ([1], [71.0]), ...}
    curves.clear()

``accuracy`` and ``val_accuracy`` are fractions 0…1 as ``engine.Progress`` reports them and are
shown in percent. NaN, infinite and ``None`` values are skipped. Epoch ``e`` is drawn at x = e,
so batch losses sent at ``e - 1 + batch / batches`` line up with it.

The axes do not follow every new point: during a run (between ``start_run`` and ``finish_run``)
the epoch axis spans the planned epochs, the accuracy axis 0–100 % and the loss axis starts at
0 (whole decades on a log axis), and a range changes only when the data leaves it; after the
run the accuracy axis starts at the multiple of 10 % below the data. Re-laying out and
re-labelling an axis is the largest cost of a live plot; stable axes keep the window
responsive while training. Zooming or panning by hand turns this off until the next run (the
plot's "A" button autoscales).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget
from shiboken6 import isValid as shiboken_alive

from .base import PlotPanel
from .colours import blend, legend_html, style_plot, with_alpha
from .log_axis import LogAxis

SERIES = ("loss", "val_loss", "accuracy", "val_accuracy", "batch_loss")
MAX_PREVIOUS_RUNS = 3
VAL_COLOUR = "#8e5bd0"  # validation: purple and dashed; train uses the text colour, solid
DIM_ALPHA = 0.35
BATCH_ALPHA = 0.3  # per-batch losses are noisy: a faint band behind the epoch curve
SYMBOLS_UP_TO = 60  # epoch markers make the first epochs visible; dropped for long runs


class _Run:
    def __init__(self, label: str) -> None:
        self.label = label
        self.data: dict[str, tuple[list[float], list[float]]] = {s: ([], []) for s in SERIES}
        self.items: dict[str, pg.PlotDataItem] = {}
        self.dimmed = False

    def has_data(self) -> bool:
        return any(xs for xs, _ in self.data.values())


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


class TrainingCurves(PlotPanel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Start training to see the loss and accuracy curves.", parent)
        self._runs: list[_Run] = []
        self._log = False
        self._stacked = False
        self._show_acc = False
        self._planned_epochs = 0
        self._acc_planned = False
        self._running = False
        self._spare: _Run | None = None  # items for the next run, built ahead of time
        self._ranges: dict[str, tuple[float, float]] = {}  # the axis ranges set last
        self._user_range = False  # zoomed or panned by hand: leave the ranges alone

        content = QWidget()
        outer = QVBoxLayout(content)
        outer.setContentsMargins(4, 2, 4, 0)
        outer.setSpacing(0)
        header = QHBoxLayout()
        self.log_check = QCheckBox("Log scale (loss)")
        self.log_check.setToolTip("Show the loss on a logarithmic axis: small changes late in "
                                  "training become visible.")
        self.log_check.toggled.connect(self.set_log_loss)
        self.legend_label = QLabel("")
        self.hover_label = QLabel("")
        self.hover_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        # The read-out may be clipped in a narrow dock rather than force the dock wider.
        self.hover_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        header.addWidget(self.log_check)
        header.addSpacing(12)
        header.addWidget(self.legend_label)
        header.addWidget(self.hover_label, 1)
        outer.addLayout(header)

        self.view = pg.GraphicsLayoutWidget()
        outer.addWidget(self.view, 1)
        self.loss_plot = pg.PlotItem(axisItems={"left": LogAxis("left")})  # log scale option
        self.acc_plot = pg.PlotItem()
        for plot, ylabel in ((self.loss_plot, "loss"), (self.acc_plot, "accuracy (%)")):
            plot.setLabel("bottom", "epoch")
            plot.setLabel("left", ylabel)
            plot.showGrid(x=True, y=True, alpha=0.15)
            plot.setMenuEnabled(False)
            plot.getViewBox().setDefaultPadding(0.03)
            plot.getViewBox().disableAutoRange()
            plot.getViewBox().sigRangeChangedManually.connect(self._on_user_range)
        self.acc_plot.setLimits(yMin=-5, yMax=105)
        self.acc_plot.setXLink(self.loss_plot)
        self._cursors = [pg.InfiniteLine(angle=90, movable=False) for _ in range(2)]
        for plot, line in zip((self.loss_plot, self.acc_plot), self._cursors, strict=True):
            line.setVisible(False)
            plot.addItem(line, ignoreBounds=True)
        self._relayout()
        self._set_content(content)
        # Rate-limited: hover must not make a busy training view stutter.
        self._proxy = pg.SignalProxy(self.view.scene().sigMouseMoved, rateLimit=30,
                                     slot=self._on_mouse_moved)
        self._apply_theme()
        QTimer.singleShot(0, self._prepare_spare)

    # -- public API -----------------------------------------------------------------------
    def expect_accuracy(self, accuracy: bool) -> None:
        """Lay out the accuracy plot ahead of a run (while idle) when the network will report
        accuracy: a re-layout at the start of a run would stall the window."""
        if accuracy and not self._show_acc:
            self._show_acc = True
            self._relayout()

    def start_run(self, label: str = "", epochs: int = 0, accuracy: bool = False) -> None:
        """Begin a new run; the current one (if it has data) stays visible, dimmed.
        ``epochs`` (planned) sets the epoch axis at once; ``accuracy`` shows the accuracy
        plot from the start rather than re-laying out the view at the first epoch."""
        self._planned_epochs = max(0, int(epochs))
        self._user_range = False
        for plot in (self.loss_plot, self.acc_plot):
            plot.getViewBox().disableAutoRange()
        self._acc_planned = bool(accuracy)
        self._running = True
        if accuracy and not self._show_acc:
            self._show_acc = True
            self._relayout()
        if self._runs and not self._runs[-1].has_data():
            self._remove_run(self._runs.pop())
        for run in self._runs:
            self._dim(run)
        while len(self._runs) > MAX_PREVIOUS_RUNS:
            self._remove_run(self._runs.pop(0))
        spare, self._spare = self._spare, None
        if spare is not None:
            spare.label = label
            self._runs.append(spare)
        else:
            self._runs.append(self._new_run(label))
        QTimer.singleShot(0, self._prepare_spare)  # the next run's items, made while idle
        self._update_legend()
        self._update_visibility()  # the empty axes show at once, laid out before data comes
        self._fit_ranges()

    def finish_run(self) -> None:
        """The run has ended: the ranges may fit the data more tightly now."""
        self._running = False
        self._fit_ranges()

    def add_epoch(self, epoch: int, loss: float, accuracy: float | None = None,
                  val_loss: float | None = None, val_accuracy: float | None = None) -> None:
        self.add_epochs([(epoch, loss, accuracy, val_loss, val_accuracy)])

    def add_epochs(self, rows) -> None:
        """Several epochs ``(epoch, loss, accuracy, val_loss, val_accuracy)`` with one redraw:
        a tiny data set finishes thousands of epochs a second, and redrawing the whole curve
        for each would saturate the GUI thread."""
        run = self._current()
        changed: set[str] = set()
        for epoch, loss, accuracy, val_loss, val_accuracy in rows:
            values = {"loss": loss, "val_loss": val_loss,
                      "accuracy": None if accuracy is None else 100.0 * accuracy,
                      "val_accuracy": None if val_accuracy is None else 100.0 * val_accuracy}
            for name, v in values.items():
                if _finite(v):
                    xs, ys = run.data[name]
                    xs.append(float(epoch))
                    ys.append(float(v))
                    changed.add(name)
        if changed:
            self._redraw(run, [n for n in ("loss", "val_loss", "accuracy", "val_accuracy")
                               if n in changed])

    def add_batch(self, step_fraction_epoch: float, loss: float) -> None:
        """A fine-grained training loss (a faint line); x in epochs, e.g. 2.5 = mid epoch 3."""
        if not (_finite(loss) and _finite(step_fraction_epoch)):
            return
        run = self._current()
        xs, ys = run.data["batch_loss"]
        xs.append(float(step_fraction_epoch))
        ys.append(float(loss))
        self._redraw(run, ["batch_loss"])

    def set_log_loss(self, on: bool) -> None:
        on = bool(on)
        if self.log_check.isChecked() != on:
            self.log_check.setChecked(on)  # re-enters through toggled
            return
        self._log = on
        self.loss_plot.setLogMode(x=False, y=on)
        self._ranges.pop("loss", None)
        for run in self._runs:
            self._redraw(run, ["loss", "val_loss", "batch_loss"])

    def log_loss(self) -> bool:
        return self._log

    def clear(self) -> None:
        for run in self._runs:
            self._remove_run(run)
        self._runs.clear()
        self._ranges.clear()
        self._planned_epochs = 0
        self._acc_planned = False
        self._running = False
        self._user_range = False
        self.hover_label.setText("")
        self._update_visibility()
        self._update_legend()

    def snapshot(self) -> dict:
        """The current run: ``{"label": str, series: (epochs, values)}``; accuracy in %."""
        run = self._runs[-1] if self._runs else _Run("")
        out: dict = {"label": run.label}
        for name, (xs, ys) in run.data.items():
            out[name] = (list(xs), list(ys))
        return out

    def runs(self) -> int:
        """How many runs are drawn (the current one included)."""
        return len(self._runs)

    # -- internals ------------------------------------------------------------------------
    def _current(self) -> _Run:
        if not self._runs:
            self._runs.append(self._new_run(""))
        return self._runs[-1]

    def _prepare_spare(self) -> None:
        if self._spare is None and shiboken_alive(self):
            self._spare = self._new_run("")

    def _new_run(self, label: str) -> _Run:
        run = _Run(label)  # its items live as long as the run: updates only call setData
        for name in SERIES:
            item = pg.PlotDataItem()
            item.setClipToView(True)
            item.setDownsampling(auto=True, method="peak")
            self._plot_for(name).addItem(item)
            run.items[name] = item
        run.items["batch_loss"].setZValue(-5)  # the faint band stays behind the epoch curves
        self._style_run(run)
        return run

    def _plot_for(self, series: str) -> pg.PlotItem:
        return self.acc_plot if "accuracy" in series else self.loss_plot

    def _remove_run(self, run: _Run) -> None:
        for name, item in run.items.items():
            self._plot_for(name).removeItem(item)

    def _dim(self, run: _Run) -> None:
        run.dimmed = True
        for item in run.items.values():
            item.setZValue(-20 if item is run.items["batch_loss"] else -10)
        self._style_run(run)

    def _pen_for(self, name: str, dimmed: bool) -> object:
        th = self.theme()
        colour = VAL_COLOUR if name.startswith("val") else th.fg
        width = 2.0
        if name == "batch_loss":  # opaque: thousands of overlapping segments must not darken
            colour, width = blend(th.fg, th.bg, BATCH_ALPHA), 1.0
        if dimmed:
            alpha = BATCH_ALPHA * DIM_ALPHA if name == "batch_loss" else DIM_ALPHA
            colour, width = with_alpha(colour, alpha), 1.0
        style = Qt.PenStyle.DashLine if name.startswith("val") else Qt.PenStyle.SolidLine
        return pg.mkPen(colour, width=width, style=style)

    def _style_run(self, run: _Run) -> None:
        for name, item in run.items.items():
            pen = self._pen_for(name, run.dimmed)
            item.setPen(pen)
            item.setSymbolPen(pen.color())
            item.setSymbolBrush(pen.color())
            self._update_symbol(run, name)

    def _update_symbol(self, run: _Run, name: str) -> None:
        item = run.items[name]
        want = None if (name == "batch_loss" or run.dimmed
                        or len(run.data[name][0]) > SYMBOLS_UP_TO) else "o"
        if item.opts["symbol"] != want:
            item.setSymbol(want)
            item.setSymbolSize(4)

    def _redraw(self, run: _Run, names: list[str]) -> None:
        for name in names:
            xs, ys = run.data[name]
            x = np.asarray(xs, dtype=np.float32)
            y = np.asarray(ys, dtype=np.float32)
            if self._log and "accuracy" not in name:
                keep = y > 0  # log10 of 0 or less has no place on the axis
                x, y = x[keep], y[keep]
            run.items[name].setData(x, y)
            self._update_symbol(run, name)
        self._update_visibility()
        self._update_legend()
        self._fit_ranges()

    # -- axis ranges ------------------------------------------------------------------------
    def _on_user_range(self, *_args) -> None:
        self._user_range = True

    def _series_values(self, names: tuple[str, ...]) -> np.ndarray:
        parts = [np.asarray(run.data[n][1], dtype=float) for run in self._runs for n in names]
        values = np.concatenate(parts) if parts else np.zeros(0)
        return values[np.isfinite(values)]

    def _fit_ranges(self) -> None:
        """Set ranges that hold all the data, changing one only when the data leaves it."""
        if self._user_range:
            return
        last = max((xs[-1] for run in self._runs for xs, _ in run.data.values() if xs),
                   default=0.0)
        x_top = max(float(self._planned_epochs), math.ceil(last), 1.0)
        self._set_range("x", self.loss_plot, (0.0, x_top))  # the accuracy plot is x-linked
        self._set_range("loss", self.loss_plot, self._loss_range())
        self._set_range("accuracy", self.acc_plot, self._accuracy_range())

    def _loss_range(self) -> tuple[float, float] | None:
        values = self._series_values(("loss", "val_loss", "batch_loss"))
        if self._log:
            values = values[values > 0]
            if not len(values):
                return None
            low = math.floor(math.log10(values.min()))
            high = max(math.ceil(math.log10(values.max())), low + 1)
            return float(low), float(high)
        if not len(values):
            return None
        top = float(values.max())
        current = self._ranges.get("loss")
        if current is not None and current[0] <= min(0.0, values.min()) and top <= current[1]:
            return current
        return min(0.0, float(values.min())), (top * 1.08 if top > 0 else 1.0)

    def _accuracy_range(self) -> tuple[float, float] | None:
        if self._running:
            return 0.0, 100.0  # the whole scale: it never needs to change mid-run
        values = self._series_values(("accuracy", "val_accuracy"))
        if not len(values):
            return None
        return 10.0 * math.floor(min(values.min(), 99.0) / 10.0), 100.0

    def _set_range(self, key: str, plot: pg.PlotItem,
                   wanted: tuple[float, float] | None) -> None:
        if wanted is None or self._ranges.get(key) == wanted:
            return
        self._ranges[key] = wanted
        if key == "x":
            plot.setXRange(*wanted, padding=0.02)
        else:
            plot.setYRange(*wanted, padding=0.03)

    def _update_legend(self) -> None:
        """One legend for both plots, in the header: line styles say it as well as colours."""
        th = self.theme()
        current = self._runs[-1] if self._runs else _Run("")
        has = {name: bool(xs) for name, (xs, _) in current.data.items()}
        entries = []
        if has["loss"] or has["accuracy"]:
            entries.append(("━━", th.fg, "train"))
        if has["val_loss"] or has["val_accuracy"]:
            entries.append(("╍╍", VAL_COLOUR, "validation"))
        if has["batch_loss"]:
            entries.append(("──", blend(th.fg, th.bg, BATCH_ALPHA), "per batch"))
        if any(r.has_data() for r in self._runs[:-1]):
            entries.append(("──", blend(th.fg, th.bg, DIM_ALPHA), "earlier runs"))
        html = legend_html(entries)
        if html != self.legend_label.text():
            self.legend_label.setText(html)

    def _update_visibility(self) -> None:
        has_data = any(r.has_data() for r in self._runs)
        show_acc = self._acc_planned or any(
            r.data["accuracy"][0] or r.data["val_accuracy"][0] for r in self._runs)
        if show_acc != self._show_acc:
            self._show_acc = show_acc
            self._relayout()
        self._show_content(has_data or self._running)

    def _relayout(self) -> None:
        for plot in (self.loss_plot, self.acc_plot):
            if plot in self.view.ci.items:
                self.view.ci.removeItem(plot)
        self.view.ci.addItem(self.loss_plot, row=0, col=0)
        if self._show_acc:
            row, col = (1, 0) if self._stacked else (0, 1)
            self.view.ci.addItem(self.acc_plot, row=row, col=col)
        # Never setVisible(False) on a PlotItem: its axes then measure 0 px and stay that way.

    def resizeEvent(self, event) -> None:
        # Narrow docks stack the plots instead of squeezing each to a sliver.
        stacked = event.size().width() < 1.6 * event.size().height()
        if stacked != self._stacked:
            self._stacked = stacked
            self._relayout()
        super().resizeEvent(event)

    def _apply_theme(self) -> None:
        th = self.theme()
        self.view.setBackground(th.bg)
        for plot in (self.loss_plot, self.acc_plot):
            style_plot(plot, th)
        for line in self._cursors:
            line.setPen(pg.mkPen(with_alpha(th.fg, 0.35), width=1))
        for run in self._runs + ([self._spare] if self._spare else []):
            self._style_run(run)
        self._update_legend()

    def _on_mouse_moved(self, args) -> None:
        pos = args[0]
        epoch = None
        for plot in (self.loss_plot, self.acc_plot):
            if plot.scene() is not None and plot.sceneBoundingRect().contains(pos):
                epoch = plot.getViewBox().mapSceneToView(pos).x()
        text = self.describe_epoch(epoch) if epoch is not None else ""
        self.hover_label.setText(text)
        for line in self._cursors:
            line.setVisible(bool(text))
            if text:
                line.setValue(round(epoch))

    def describe_epoch(self, x: float) -> str:
        """'epoch 12 · loss 0.183, val 0.201 · accuracy 94.1 %, val 92.0 %' for the epoch at x."""
        run = next((r for r in reversed(self._runs) if r.has_data()), None)
        if run is None:
            return ""
        epochs = sorted({e for name in SERIES[:4] for e in run.data[name][0]})
        if not epochs or not epochs[0] - 0.5 <= x <= epochs[-1] + 0.5:
            return ""
        epoch = min(epochs, key=lambda e: abs(e - x))
        values = {name: ys[xs.index(epoch)] for name, (xs, ys) in run.data.items()
                  if name != "batch_loss" and epoch in xs}
        parts = [f"epoch {int(epoch)}"]
        for key, label, fmt in (("loss", "loss", "{:.4g}"), ("accuracy", "accuracy", "{:.1f} %")):
            shown = [fmt.format(values[key])] if key in values else []
            if "val_" + key in values:
                shown.append("val " + fmt.format(values["val_" + key]))
            if shown:
                parts.append(f"{label} " + ", ".join(shown))
        return " · ".join(parts)
