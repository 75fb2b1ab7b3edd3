"""The model's decision over the plane of a 2-D data set, with the data on top.

    view = DecisionBoundary()
    view.set_data(x_train, y_train, x_test, y_test, class_names=["arm 1", "arm 2"])
    view.set_feature_names(["x₁", "x₂"])
    view.set_predictor(lambda pts: model.predict(pts))   # (M, 2) float32 → (M, K)
    view.refresh()          # evaluate on a grid over the visible range; caller decides when

x: (N, 2) floats; y: class indices (ints, or one-hot rows) for classification, floats for
regression (``kind`` overrides the guess). Train points are filled circles with a rim in the
background colour, test points are outlined in the text colour. Background, with lightness by
confidence: for two classes (one sigmoid output or two softmax outputs) the probability of
class 1 on orange–white–blue; for K classes the arg-max class colour blended with white; for
regression the value on the weight scale (orange low, blue high); "white" is the palette's
background in dark themes. Panning or zooming re-evaluates (debounced) if a predictor is set.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QTimer
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from .base import PlotPanel
from .colours import PROBLEM, class_colour, class_rgb, legend_html, style_plot, weight_rgb

RESOLUTION = 100  # grid cells along the longer side of the view
STRENGTH = 0.7  # confident regions stay lighter than the points drawn over them
MAX_ASPECT = 2.0  # the plot is at most this many times as wide as high; the rest is text
HOVER_HINT = "Point at the plot to read its prediction."
Predictor = Callable[[np.ndarray], np.ndarray]


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def class_probabilities(out: np.ndarray) -> np.ndarray:
    """(M, K) outputs → (M, max(K, 2)) probabilities: one sigmoid unit is P(class 1); rows that
    are not probabilities (logits) go through softmax."""
    out = np.nan_to_num(np.asarray(out, dtype=np.float32).reshape(len(out), -1), nan=0.5)
    if out.shape[1] == 1:
        p1 = np.clip(out[:, 0], 0, 1)
        return np.stack([1 - p1, p1], axis=1)
    if len(out) and (out.min() < 0 or not np.allclose(out.sum(axis=1), 1.0, atol=1e-3)):
        return _softmax(out)
    return out


def prediction_rgb(out: np.ndarray, classes: int, bg: np.ndarray,
                   value_range: tuple[float, float] = (0.0, 1.0)) -> np.ndarray:
    """Outputs (M, K) → colours (M, 3) float32 0…255 over background ``bg`` (3,).

    ``classes`` = 0 means regression (output 0 on the weight scale over ``value_range``)."""
    out = np.nan_to_num(np.asarray(out, dtype=np.float32).reshape(len(out), -1), nan=0.5)
    if classes == 0:
        lo, hi = value_range
        mid, half = (lo + hi) / 2, max((hi - lo) / 2, 1e-6)
        return bg + (weight_rgb((out[:, 0] - mid) / half) - bg) * STRENGTH
    out = class_probabilities(out)
    k = out.shape[1]
    best = out.argmax(axis=1)
    confidence = (out.max(axis=1) - 1.0 / k) / (1.0 - 1.0 / k)
    colours = class_rgb(max(k, classes))[best]
    return bg + (colours - bg) * (STRENGTH * np.clip(confidence, 0, 1))[:, None]


class DecisionBoundary(PlotPanel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Choose a data set with two input features to see the decision "
                         "boundary.", parent)
        self._predictor: Predictor | None = None
        self._classes = 0  # 0: regression
        self._class_names: list[str] = []
        self._value_range = (0.0, 1.0)
        self._y_train = np.zeros(0)
        self._y_test = np.zeros(0)
        self._grid = np.zeros((0, 2), np.float32)
        self._out = np.zeros((0, 1), np.float32)
        self._feature_names = ["x₁", "x₂"]

        content = QWidget()
        layout = QHBoxLayout(content)
        layout.setContentsMargins(0, 0, 4, 0)
        self.view = pg.GraphicsLayoutWidget()
        # Bilinear scaling turns the coarse prediction grid into smooth regions.
        self.view.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        layout.addWidget(self.view, 1)
        # Legend and read-out beside the plot: nothing covers the data, and a wide dock
        # gets a readable panel instead of a plane stretched far beyond the data.
        side_widget = QWidget()
        side_widget.setMinimumWidth(170)
        side = QVBoxLayout(side_widget)
        side.setContentsMargins(4, 4, 0, 4)
        self.legend_label = QLabel("")
        self.hover_label = QLabel(HOVER_HINT)
        self.explain_label = QLabel("")
        for label in (self.hover_label, self.explain_label):
            label.setWordWrap(True)
        self.explain_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        side.addWidget(self.legend_label)
        side.addSpacing(6)
        side.addWidget(self.hover_label)
        side.addSpacing(6)
        side.addWidget(self.explain_label)
        side.addStretch(1)
        layout.addWidget(side_widget, 0)
        self.plot = self.view.addPlot(row=0, col=0)
        self.plot.setMenuEnabled(False)
        self.plot.getViewBox().setAspectLocked(True)  # circles in the data stay round
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        self.plot.addItem(self.image)
        self.train_item = pg.ScatterPlotItem(symbol="o", size=7)
        self.test_item = pg.ScatterPlotItem(symbol="o", size=7)
        self.train_item.setZValue(10)
        self.test_item.setZValue(11)
        self.plot.addItem(self.train_item)
        self.plot.addItem(self.test_item)
        self.set_feature_names(["x₁", "x₂"])
        self._set_content(content)
        self._proxy = pg.SignalProxy(self.view.scene().sigMouseMoved, rateLimit=30,
                                     slot=self._on_mouse_moved)
        self._timer = QTimer(self, singleShot=True, interval=120)
        self._timer.timeout.connect(self._auto_refresh)
        self.plot.getViewBox().sigRangeChanged.connect(self._range_changed)
        self._apply_theme()

    # -- public API -----------------------------------------------------------------------
    def set_data(self, x_train, y_train, x_test=None, y_test=None,
                 class_names: Sequence[str] | None = None, kind: str | None = None) -> None:
        x_train = self._points(x_train)
        y_train, y_test = np.asarray(y_train), np.asarray([] if y_test is None else y_test)
        x_test = self._points(np.zeros((0, 2)) if x_test is None else x_test)
        if len(y_train) != len(x_train) or len(y_test) != len(x_test):
            raise ValueError("x and y must have as many rows")
        if y_train.ndim == 2 and y_train.shape[1] > 1:  # one-hot rows
            y_train = y_train.argmax(axis=1)
            y_test = y_test.argmax(axis=1) if len(y_test) else y_test
        y_train, y_test = y_train.reshape(len(x_train)), y_test.reshape(len(x_test))
        if kind is None:
            kind = "classification" if class_names is not None or y_train.dtype.kind in "biu" \
                else "regression"
        if kind == "classification":
            labels = np.concatenate([y_train, y_test]).astype(np.int64)
            self._classes = max(len(class_names or ()), int(labels.max(initial=0)) + 1, 2)
            self._class_names = list(class_names or [])
            self._class_names += [f"class {i}" for i in range(len(self._class_names),
                                                             self._classes)]
        else:
            self._classes, self._class_names = 0, []
            both = np.concatenate([y_train, y_test]).astype(np.float64)
            self._value_range = (float(both.min(initial=0)), float(both.max(initial=1)))
        self._y_train, self._y_test = y_train, y_test
        self.train_item.setData(pos=x_train, brush=self._brushes(y_train))
        self.test_item.setData(pos=x_test, brush=self._brushes(y_test))
        self._rebuild_legend()
        both = np.concatenate([x_train, x_test]) if len(x_test) else x_train
        if len(both):
            # Python floats: float32 ranges overflow in pyqtgraph's limit checks.
            lo, hi = both.min(axis=0).astype(float), both.max(axis=0).astype(float)
            margin = 0.08 * np.maximum(hi - lo, 1e-3)
            self.plot.setRange(xRange=(lo[0] - margin[0], hi[0] + margin[0]),
                               yRange=(lo[1] - margin[1], hi[1] + margin[1]), padding=0)
        self._show_content(len(both) > 0)
        self.refresh()

    def set_feature_names(self, names: Sequence[str]) -> None:
        self._feature_names = [str(names[0]), str(names[1])]
        self.plot.setLabel("bottom", names[0])
        self.plot.setLabel("left", names[1])

    def set_predictor(self, fn: Predictor | None) -> None:
        """``fn`` maps an (M, 2) float32 array to (M, K) outputs; None hides the background."""
        self._predictor = fn
        if fn is None:
            self.image.clear()
            self._out = np.zeros((0, 1), np.float32)

    def refresh(self) -> None:
        """Evaluate the predictor on a grid over the visible range and redraw the background."""
        if self._predictor is None or not self._content_visible():
            return
        (x0, x1), (y0, y1) = self.plot.getViewBox().viewRange()
        w, h = x1 - x0, y1 - y0
        nx = RESOLUTION if w >= h else max(8, round(RESOLUTION * w / h))
        ny = RESOLUTION if h >= w else max(8, round(RESOLUTION * h / w))
        xs = x0 + (np.arange(nx, dtype=np.float32) + 0.5) * (w / nx)  # cell centres
        ys = y0 + (np.arange(ny, dtype=np.float32) + 0.5) * (h / ny)
        gx, gy = np.meshgrid(xs, ys)  # row r = y index, column c = x index
        self._grid = np.ascontiguousarray(np.stack([gx.ravel(), gy.ravel()], axis=1),
                                          dtype=np.float32)
        out = np.asarray(self._predictor(self._grid), dtype=np.float32).reshape(len(self._grid), -1)
        self._out = out
        bg = self.theme().bg
        rgb = prediction_rgb(out, self._classes, np.array(bg.getRgb()[:3], np.float32),
                             self._value_range)
        image = np.ascontiguousarray(rgb.reshape(ny, nx, 3).round().clip(0, 255), np.uint8)
        self.image.setImage(image, autoLevels=False, levels=(0, 255))
        self.image.setRect(QRectF(x0, y0, w, h))

    def grid_points(self) -> np.ndarray:
        """The (M, 2) points of the last refresh, row by row (y rows, x columns)."""
        return self._grid.copy()

    def image_rgb(self) -> np.ndarray | None:
        """The last background, (rows = y from low to high, columns = x, 3) uint8."""
        return self.image.image

    def clear(self, message: str | None = None) -> None:
        """Remove data and background; ``message`` (e.g. why there is no plot) replaces the
        default empty-state text."""
        self.train_item.clear()
        self.test_item.clear()
        self.image.clear()
        self._grid = np.zeros((0, 2), np.float32)
        self._out = np.zeros((0, 1), np.float32)
        self.set_empty_text(message)
        self._show_content(False)

    # -- internals ------------------------------------------------------------------------
    @staticmethod
    def _points(x) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        if x.ndim != 2 or x.shape[1] != 2:
            raise ValueError(f"the decision boundary needs (N, 2) inputs, got {x.shape}")
        return np.ascontiguousarray(np.nan_to_num(x))

    def _brushes(self, y: np.ndarray) -> list:
        if self._classes:
            palette = [pg.mkBrush(class_colour(i)) for i in range(self._classes)]
            return [palette[int(c) % self._classes] for c in y]
        lo, hi = self._value_range
        rgb = weight_rgb((y.astype(np.float32) - (lo + hi) / 2) / max((hi - lo) / 2, 1e-6))
        return [pg.mkBrush(*c) for c in rgb.round().astype(int).tolist()]

    def _rebuild_legend(self) -> None:
        th = self.theme()
        if self._classes:
            entries = [("●", class_colour(i), name) for i, name in enumerate(self._class_names)]
        else:
            entries = [("●", class_colour(0), "low"), ("●", class_colour(1), "high")]
        if len(self.train_item.data):
            entries.append(("●", th.fg, "train"))
        if len(self.test_item.data):
            entries.append(("◉", th.fg, "test (outlined)"))
        self.legend_label.setText(legend_html(entries, vertical=True))
        if self._classes:
            self.explain_label.setText("Background: the class the model predicts there; "
                                       "paler means less sure.")
        else:
            self.explain_label.setText("Background: the predicted value (orange low, blue "
                                       "high).")

    def _on_mouse_moved(self, args) -> None:
        pos = args[0]
        text = ""
        if self.plot.sceneBoundingRect().contains(pos):
            p = self.plot.getViewBox().mapSceneToView(pos)
            text = self.describe_point(p.x(), p.y())
        self.hover_label.setText(text or HOVER_HINT)

    def resizeEvent(self, event) -> None:
        height = max(event.size().height(), 1)
        self.view.setMaximumWidth(max(240, int(MAX_ASPECT * height)))
        super().resizeEvent(event)

    def describe_point(self, x: float, y: float) -> str:
        """'x₁ 0.31, x₂ −1.20 → arm 2 (83 %)' from the last grid evaluation nearest (x, y)."""
        where = f"{self._feature_names[0]} {x:.2f}, {self._feature_names[1]} {y:.2f}"
        if not len(self._out):
            return where
        i = int(np.argmin(np.sum((self._grid - np.float32([x, y])) ** 2, axis=1)))
        if not self._classes:
            return f"{where} → {float(self._out[i, 0]):.3g}"
        probs = class_probabilities(self._out[i : i + 1])[0]
        best = int(np.argmax(probs))
        name = self._class_names[best] if best < len(self._class_names) else f"class {best}"
        return f"{where} → {name} ({100 * float(probs[best]):.0f} %)"

    def _auto_refresh(self) -> None:
        """A refresh nobody asked for (pan, zoom, theme): a failing predictor is reported
        beside the plot instead of raising out of a timer."""
        try:
            self.refresh()
        except Exception as exc:  # any model error: shown, not swallowed
            self.explain_label.setText(f"⚠ Could not evaluate the model: {exc}")
            self.explain_label.setStyleSheet(f"color: {PROBLEM.name()};")
        else:
            if self.explain_label.styleSheet():  # the problem is gone: back to the explanation
                self.explain_label.setStyleSheet("")
                self._rebuild_legend()

    def _range_changed(self) -> None:
        if self._predictor is not None:
            self._timer.start()

    def _apply_theme(self) -> None:
        th = self.theme()
        self.view.setBackground(th.bg)
        style_plot(self.plot, th)
        self.train_item.setPen(pg.mkPen(th.bg, width=1))  # a rim that parts touching points
        self.test_item.setPen(pg.mkPen(th.fg, width=1.6))
        self._rebuild_legend()
        self._auto_refresh()
