"""ConfusionMatrixView: which classes the network mixes up, as a heatmap with counts.

    view = ConfusionMatrixView()
    view.set_predictions(y_true, y_pred, ["cat", "dog", "bird"])   # or:
    view.set_matrix(cm, ["cat", "dog", "bird"])   # rows = true class, columns = predicted
    view.cell_clicked.connect(show_samples)       # (true_k, pred_k)

Every cell shows its count; its colour is the cell's share of its row (the samples of that true
class), from the background (0 %) to a dark slate blue (100 %), so a dark cell off the
diagonal is a confusion worth looking at whatever the class sizes. Class names label both axes
(true down the left, predicted along the top), each with a square in the class's colour
between the name and the matrix. Hovering a cell says what it counts; clicking selects it (a
frame) and emits ``cell_clicked``. The caption gives the accuracy.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, QRectF, Signal
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QGraphicsRectItem, QLabel, QVBoxLayout, QWidget

from ..canvas.style import SELECTION
from .base import PlotPanel
from .colours import class_rgb, style_plot

DARKEST = QColor("#3d5a80")  # a whole row in one cell, on a light background
BRIGHTEST = QColor("#8fb3e0")  # the same on a dark background: strong cells stand out
MAX_TEXT_CLASSES = 20  # more classes: cells too small for numbers (hover still tells)
SWATCH_GAP, SWATCH_W = 0.06, 0.22  # in cells
CELL_PX = 20  # the least height per class row that keeps a count readable
MAX_MIN_HEIGHT = 400  # many classes: hover tells the counts; the view may shrink past this
HINT = "Colour: share of each true class (row). Click a cell to list its samples."


class ConfusionMatrixView(PlotPanel):
    """Counts with rows = true class and columns = predicted class (see the module docstring)."""

    cell_clicked = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Evaluate a classifier to see which classes it confuses.", parent)
        self._cm = np.zeros((0, 0), dtype=np.int64)
        self.names: list[str] = []
        self.selected: tuple[int, int] | None = None
        self._texts: list[pg.TextItem] = []
        content = QWidget()
        lay = QVBoxLayout(content)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        self.caption = QLabel("")
        self.caption.setWordWrap(True)
        self.hover_label = QLabel(HINT)
        self.hover_label.setWordWrap(True)
        self.view = pg.GraphicsLayoutWidget()
        lay.addWidget(self.caption)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.hover_label)
        self.plot = self.view.addPlot(row=0, col=0)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setMouseEnabled(x=False, y=False)
        vb = self.plot.getViewBox()
        vb.invertY(True)  # true class 0 at the top, as a table
        # Cells take the shape of the space: square cells in a wide, short dock left the
        # matrix a thin strip far from its row labels.
        self.plot.showAxis("top")
        self.plot.hideAxis("bottom")
        self.plot.setLabel("left", "true class")
        self.plot.setLabel("top", "predicted class")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.rows_swatch = pg.ImageItem(axisOrder="row-major")
        self.cols_swatch = pg.ImageItem(axisOrder="row-major")
        for item in (self.image, self.rows_swatch, self.cols_swatch):
            self.plot.addItem(item)
        self.selection = QGraphicsRectItem()
        pen = QPen(SELECTION, 3)
        pen.setCosmetic(True)
        self.selection.setPen(pen)
        self.selection.setZValue(20)
        self.selection.hide()
        self.plot.addItem(self.selection)
        self._set_content(content)
        self.view.scene().sigMouseClicked.connect(self._on_click)
        self._proxy = pg.SignalProxy(self.view.scene().sigMouseMoved, rateLimit=30,
                                     slot=self._on_mouse_moved)
        self._apply_theme()

    # -- public API -------------------------------------------------------------------------

    def set_predictions(self, y_true: Sequence[int], y_pred: Sequence[int],
                        class_names: Sequence[str] | None = None) -> None:
        """Count (true, predicted) pairs of class indices."""
        t = np.asarray(y_true, dtype=np.int64).reshape(-1)
        p = np.asarray(y_pred, dtype=np.int64).reshape(-1)
        if t.shape != p.shape:
            raise ValueError("y_true and y_pred must have as many values")
        k = max(len(class_names or ()), int(max(t.max(initial=-1), p.max(initial=-1))) + 1, 1)
        cm = np.zeros((k, k), dtype=np.int64)
        np.add.at(cm, (t, p), 1)
        self.set_matrix(cm, class_names)

    def set_matrix(self, cm, class_names: Sequence[str] | None = None) -> None:
        cm = np.asarray(cm)
        if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
            raise ValueError(f"a confusion matrix must be square, got shape {cm.shape}")
        cm = cm.astype(np.int64)
        k = cm.shape[0]
        names = [str(n) for n in (class_names or [])]
        self.names = [*names[:k], *(str(i) for i in range(len(names), k))]
        if cm.shape != self._cm.shape:
            self._make_texts(k)
            self.selected = None
            self.selection.hide()
        self._cm = cm
        # Cells big enough for their counts: a short dock scrolls rather than shrink them.
        self.view.setMinimumHeight(min(CELL_PX * (k + 2), MAX_MIN_HEIGHT) if k else 0)
        self._show_content(k > 0)
        total, correct = int(cm.sum()), int(np.trace(cm))
        self.caption.setText(f"accuracy {100 * correct / max(total, 1):.1f} % ({correct} of "
                             f"{total})" if total else "no samples")
        self._render()

    def clear(self) -> None:
        self._cm = np.zeros((0, 0), dtype=np.int64)
        self._make_texts(0)
        self.selected = None
        self.selection.hide()
        self._show_content(False)

    def matrix(self) -> np.ndarray:
        return self._cm.copy()

    def row_shares(self) -> np.ndarray:
        """Each cell's share of its row (0 where a row is empty)."""
        rows = self._cm.sum(axis=1, keepdims=True)
        return np.where(rows > 0, self._cm / np.maximum(rows, 1), 0.0)

    def select(self, i: int, j: int) -> None:
        """Select the cell (true ``i``, predicted ``j``) and emit ``cell_clicked``."""
        k = self._cm.shape[0]
        if not (0 <= i < k and 0 <= j < k):
            return
        self.selected = (i, j)
        self.selection.setRect(QRectF(j, i, 1, 1))
        self.selection.show()
        self.cell_clicked.emit(i, j)

    def cell_center(self, i: int, j: int) -> QPoint:
        """Where the cell's centre is in ``view`` coordinates (for clicks in tests)."""
        scene = self.plot.getViewBox().mapViewToScene(QPointF(j + 0.5, i + 0.5))
        return self.view.mapFromScene(scene)

    def cell_text(self, i: int, j: int) -> str:
        n, row = int(self._cm[i, j]), int(self._cm[i].sum())
        share = f" ({100 * n / row:.1f} % of the true {self.names[i]})" if row else ""
        verdict = "right" if i == j else "wrong"
        return (f"true {self.names[i]} → predicted {self.names[j]}: {n} sample"
                f"{'' if n == 1 else 's'}{share}, {verdict}")

    # -- drawing ----------------------------------------------------------------------------

    def _make_texts(self, k: int) -> None:
        for t in self._texts:
            self.plot.removeItem(t)
        self._texts = []
        if k > MAX_TEXT_CLASSES:
            return
        for i in range(k):
            for j in range(k):
                t = pg.TextItem("", anchor=(0.5, 0.5))
                t.setPos(j + 0.5, i + 0.5)
                t.setZValue(10)
                self.plot.addItem(t)
                self._texts.append(t)

    def _render(self) -> None:
        k = self._cm.shape[0]
        if k == 0:
            return
        th = self.theme()
        bg = np.array(th.bg.getRgb()[:3], dtype=np.float64)
        end = np.array((BRIGHTEST if th.dark else DARKEST).getRgb()[:3], dtype=np.float64)
        shares = self.row_shares()
        rgb = np.round(bg + (end - bg) * shares[..., None]).astype(np.uint8)
        # text dark on light cells, light on dark ones (Rec. 601 luma)
        light_cell = rgb @ np.array([0.299, 0.587, 0.114]) > 140
        self.image.setImage(rgb, levels=(0, 255))
        self.image.setRect(QRectF(0, 0, k, k))
        colours = class_rgb(k).astype(np.uint8)
        self.rows_swatch.setImage(colours[:, None, :], levels=(0, 255))
        self.rows_swatch.setRect(QRectF(-SWATCH_GAP - SWATCH_W, 0, SWATCH_W, k))
        self.cols_swatch.setImage(colours[None, :, :], levels=(0, 255))
        self.cols_swatch.setRect(QRectF(0, -SWATCH_GAP - SWATCH_W, k, SWATCH_W))
        muted = QColor(th.fg)
        muted.setAlphaF(0.45)
        for n, t in enumerate(self._texts):
            i, j = divmod(n, k)
            count = int(self._cm[i, j])
            t.setText(str(count))
            on_light = bool(light_cell[i, j])
            strong = QColor("#1e1e1e") if on_light else QColor("white")
            t.setColor(strong if shares[i, j] > 0.5 else (th.fg if count else muted))
        ticks = [(i + 0.5, name) for i, name in enumerate(self.names)]
        for side in ("left", "top"):
            self.plot.getAxis(side).setTicks([ticks, []])
        edge = -SWATCH_GAP - SWATCH_W - 0.04
        self.plot.setRange(xRange=(edge, k), yRange=(edge, k), padding=0.02)

    def _apply_theme(self) -> None:
        th = self.theme()
        self.view.setBackground(th.bg)
        style_plot(self.plot, th)
        self._render()

    # -- interaction ------------------------------------------------------------------------

    def _cell_at_scene(self, pos: QPointF) -> tuple[int, int] | None:
        vb = self.plot.getViewBox()
        if not vb.sceneBoundingRect().contains(pos):
            return None
        p = vb.mapSceneToView(pos)
        i, j = int(np.floor(p.y())), int(np.floor(p.x()))
        k = self._cm.shape[0]
        return (i, j) if 0 <= i < k and 0 <= j < k else None

    def _on_click(self, event) -> None:
        cell = self._cell_at_scene(event.scenePos())
        if cell is not None:
            self.select(*cell)

    def _on_mouse_moved(self, args) -> None:
        cell = self._cell_at_scene(args[0])
        self.hover_label.setText(self.cell_text(*cell) + "." if cell else HINT)
