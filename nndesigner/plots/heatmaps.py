"""Weight matrices as heatmaps on the one orange–grey–blue scale, one per layer.

    maps = WeightHeatmaps()
    maps.set_weights(model.get_weights(), order=["conv2d_1", "dense_1"])  # again on each update
    maps.set_weights(weights, input_images={"dense_1": (28, 28)})  # one 28×28 tile per neuron

Keys ``"layer/W"`` are shown; other keys (``/b``, ``/gamma``, running statistics) are ignored.
A Dense W (units, inputs) is drawn with inputs along x and neurons down y; a Conv2D W
(filters, channels, kh, kw) is tiled — filters across, channels down, 1-pixel gaps (see
:mod:`nndesigner.plots.tiling`). Each layer's colour levels are symmetric, (−m, +m), with m
the 1-2-5 step at or above :func:`robust_max` of its |w|; m stays fixed while the weights
change (colours stay comparable from update to update, and the colour bar is not redrawn)
until the robust maximum leaves (0.3·m, m]. A colour bar shows the scale. Image items are created
only when the set of layers, a shape or a tiling changes; otherwise the same items get
``setImage``. Hovering a pixel shows its weight (:func:`hover_text`).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QPainterPath
from PySide6.QtWidgets import QGraphicsPathItem, QLabel, QScrollArea, QVBoxLayout, QWidget
from shiboken6 import isValid as shiboken_alive

from .base import PlotPanel
from .colours import WEIGHT_CMAP, style_plot
from .tiling import Tiling, hover_text, pixel_index, robust_max, tile_conv, tiling_for

__all__ = ["WeightHeatmaps", "hover_text", "nice_level", "pixel_index", "robust_max",
           "tile_conv"]

CELL_W, CELL_H = 300, 200  # smallest comfortable heatmap (with its colour bar)
HINT = "Orange: negative · grey: near zero · blue: positive. Hover a pixel to read its weight."


class _Cell:
    """One layer's plot, image, colour bar and (for tiles) gap overlay."""

    def __init__(self, key: str, tiling: Tiling) -> None:
        self.key, self.tiling = key, tiling
        self.layer = key.rsplit("/", 1)[0]
        self.weights: np.ndarray | None = None
        self.level: float | None = None  # the colour scale's ±m, kept while it fits
        self.plot = pg.PlotItem()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.getViewBox().invertY(True)  # neuron / channel 0 at the top, like a matrix
        self.plot.getViewBox().setDefaultPadding(0.0)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        try:
            self.bar = pg.ColorBarItem(values=(-1.0, 1.0), colorMap=WEIGHT_CMAP, width=10,
                                       interactive=False, colorMapMenu=False)
        except TypeError:  # pyqtgraph < 0.13.7 has no colour-map menu to switch off
            self.bar = pg.ColorBarItem(values=(-1.0, 1.0), colorMap=WEIGHT_CMAP, width=10,
                                       interactive=False)
        self.bar.setImageItem(self.image, insert_in=self.plot)
        self.bar.getAxis("right").setWidth(38)
        self._label_axes()
        h, w = tiling.image_shape
        self.gaps: QGraphicsPathItem | None = None
        if tiling.kind != "dense":  # tiles are pictures (kernels, pixels): keep pixels square
            self.plot.getViewBox().setAspectLocked(True)
        if tiling.kind != "dense":
            self.gaps = _gap_overlay(tiling)
            self.gaps.setParentItem(self.image)
        # Pixel (col, row) is centred on the integer coordinates (col, row); setRect scales by
        # the current image size, so a blank image of the final shape comes first.
        self.image.setImage(np.zeros((h, w), np.float32), autoLevels=False, levels=(-1.0, 1.0))
        self.image.setRect(QRectF(-0.5, -0.5, w, h))
        self.plot.setRange(xRange=(-0.5, w - 0.5), yRange=(-0.5, h - 0.5), padding=0)
        self.plot.setMouseEnabled(x=False, y=False)

    def _label_axes(self) -> None:
        t, bottom, left = self.tiling, self.plot.getAxis("bottom"), self.plot.getAxis("left")
        if t.kind == "dense":
            units, inputs = t.shape
            title = f"{_n(units, 'neuron')} × {_n(inputs, 'input')}"
            self.plot.setLabel("bottom", "input")
            self.plot.setLabel("left", "neuron")
            bottom.setTicks([_index_ticks(inputs)])
            left.setTicks([_index_ticks(units)])
        elif t.kind == "conv":
            f, c, kh, kw = t.shape
            title = f"{_n(f, 'filter')} × {_n(c, 'channel')}, {kh}×{kw}"
            self.plot.setLabel("bottom", "filter")
            self.plot.setLabel("left", "channel")
            bottom.setTicks([_tile_ticks(f, kw)])
            left.setTicks([_tile_ticks(c, kh)])
        elif t.kind == "filters":
            title = f"{_n(t.shape[0], 'filter')}, {t.h}×{t.w}"
            self.plot.setLabel("bottom", "one tile per filter, row by row")
            bottom.setTicks([[]])
            left.setTicks([[]])
        else:
            title = f"{_n(t.shape[0], 'neuron')}, each over {t.h}×{t.w} inputs"
            self.plot.setLabel("bottom", "one tile per neuron, row by row")
            bottom.setTicks([[]])
            left.setTicks([[]])  # hovering a tile names its neuron
        self.plot.setTitle(f"{self.layer}  ({title})", size="9pt")

    def update(self, w: np.ndarray) -> None:
        self.weights = w
        wanted = robust_max(w)
        m = self.level
        if m is None or not 0.3 * m < wanted <= m:
            m = self.level = nice_level(wanted)
            self.bar.setLevels((-m, m))
        image = np.nan_to_num(self.tiling.image(w), posinf=m, neginf=-m)
        self.image.setImage(image, autoLevels=False, levels=(-m, m))


def nice_level(value: float) -> float:
    """The smallest of 1, 2, 5 × 10^k that is at least ``value`` (> 0)."""
    exponent = math.floor(math.log10(value))
    for mantissa in (1.0, 2.0, 5.0, 10.0):
        level = mantissa * 10.0**exponent
        if level >= value * (1 - 1e-9):
            return level
    return 10.0 ** (exponent + 1)


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _step(n: int, most: int = 10) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, … that gives at most ``most`` ticks for n items."""
    step = 1
    while math.ceil(n / step) > most:
        step = step * 5 // 2 if str(step)[0] == "2" else step * 2
    return step


def _index_ticks(n: int) -> list[tuple[float, str]]:
    """Whole-number ticks on pixel centres (the default would label 0.5 for 2 inputs)."""
    return [(float(i), str(i)) for i in range(0, n, _step(n, 10 if n < 100 else 5))]


def _tile_ticks(n: int, k: int) -> list[tuple[float, str]]:
    return [(t * (k + 1) + (k - 1) / 2, str(t)) for t in range(0, n, _step(n, 12))]


def _gap_overlay(t: Tiling) -> QGraphicsPathItem:
    """Background-coloured bars over the gaps (and spare tiles): zero there would read as
    "weights near zero"."""
    h, w = t.image_shape
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.WindingFill)  # crossings of two gap bars stay filled
    for c in range(1, t.cols):
        path.addRect(QRectF(c * (t.w + 1) - 1, 0, 1, h))
    for r in range(1, t.rows):
        path.addRect(QRectF(0, r * (t.h + 1) - 1, w, 1))
    for r, c in t.spare_tiles():
        path.addRect(QRectF(c * (t.w + 1), r * (t.h + 1), t.w, t.h))
    item = QGraphicsPathItem(path)
    item.setPen(pg.mkPen(None))
    return item


class WeightHeatmaps(PlotPanel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Start training to see each layer's weights as a heatmap.", parent)
        self._cells: dict[str, _Cell] = {}
        self._signature: tuple = ()
        self._latest: dict[str, np.ndarray] = {}
        self._rows = 0
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(4, 2, 4, 0)
        layout.setSpacing(2)
        self.hover_label = QLabel(HINT)
        layout.addWidget(self.hover_label)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.view = pg.GraphicsLayoutWidget()
        self.scroll.setWidget(self.view)
        layout.addWidget(self.scroll, 1)
        self.scroll.installEventFilter(self)
        self._set_content(content)
        self._proxy = pg.SignalProxy(self.view.scene().sigMouseMoved, rateLimit=30,
                                     slot=self._on_mouse_moved)
        self._apply_theme()

    # -- public API -----------------------------------------------------------------------
    def set_weights(self, weights: dict[str, np.ndarray], order: list[str] | None = None,
                    input_images: dict[str, tuple[int, int]] | None = None,
                    incremental: bool = False) -> None:
        """Show every ``"layer/W"`` of a Dense (2-D) or Conv2D (4-D) layer; ``order`` lists
        layer names (or keys) in the order to show them, others follow in dict order.
        ``input_images`` maps a Dense layer whose inputs are pixels to the image's (h, w).
        ``incremental`` (while training): new plots are built one per event-loop turn, so
        building many does not stall the window."""
        input_images = input_images or {}
        keys = [k for k, v in weights.items()
                if k.endswith("/W") and np.ndim(v) in (2, 4) and np.size(v) > 0]
        if order:
            rank = {name: i for i, name in enumerate(order)}
            keys.sort(key=lambda k: rank.get(k, rank.get(k.rsplit("/", 1)[0], len(rank))))
        signature = tuple(
            (k, tiling_for(np.shape(weights[k]), input_images.get(k.rsplit("/", 1)[0])))
            for k in keys)
        self._latest = weights
        if signature != self._signature:
            self._rebuild(signature, built=1 if incremental else len(signature))
        for key in keys:
            if key in self._cells:
                self._cells[key].update(np.asarray(weights[key]))
        self._show_content(bool(keys))

    def _build_next(self) -> None:
        """Build one more cell (the others follow in later event-loop turns)."""
        if not shiboken_alive(self) or len(self._cells) >= len(self._signature):
            return
        key, tiling = self._signature[len(self._cells)]
        cell = self._cells[key] = _Cell(key, tiling)
        self._style_cell(cell)
        if key in self._latest:
            cell.update(np.asarray(self._latest[key]))
        self._rows = 0
        self._arrange()
        if len(self._cells) < len(self._signature):
            QTimer.singleShot(0, self._build_next)

    def clear(self) -> None:
        self._rebuild((), 0)
        self._show_content(False)

    def images(self) -> dict[str, pg.ImageItem]:
        """The image item of each shown key, in display order."""
        return {key: cell.image for key, cell in self._cells.items()}

    def levels(self, key: str) -> tuple[float, float]:
        lo, hi = self._cells[key].image.getLevels()
        return float(lo), float(hi)

    # -- internals ------------------------------------------------------------------------
    def _rebuild(self, signature: tuple, built: int) -> None:
        self.view.ci.clear()
        self._cells = {key: _Cell(key, tiling) for key, tiling in signature[:built]}
        self._signature = signature
        self._rows = 0
        self._apply_theme()
        self._arrange()
        if built < len(signature):
            QTimer.singleShot(0, self._build_next)

    def _arrange(self) -> None:
        """As many rows as the height allows (a short dock: one row, scrolling sideways)."""
        # The whole height (not the viewport's): a horizontal scroll bar must not flip the rows.
        rows = max(1, min(len(self._cells), self.scroll.height() // CELL_H))
        if rows == self._rows and self.view.ci.items:
            return
        self._rows = rows
        for cell in self._cells.values():
            if cell.plot in self.view.ci.items:
                self.view.ci.removeItem(cell.plot)
        cols = max(1, math.ceil(len(self._cells) / rows))
        for i, cell in enumerate(self._cells.values()):
            self.view.ci.addItem(cell.plot, row=i // cols, col=i % cols)
        self.view.setMinimumSize(cols * CELL_W, rows * CELL_H - 30)

    def eventFilter(self, obj, event) -> bool:
        # The scroll area's size decides the rows; it settles after this widget's resize.
        if obj is self.scroll and event.type() == QEvent.Type.Resize:
            self._arrange()
        return super().eventFilter(obj, event)

    def _apply_theme(self) -> None:
        self.view.setBackground(self.theme().bg)
        for cell in self._cells.values():
            self._style_cell(cell)

    def _style_cell(self, cell: _Cell) -> None:
        th = self.theme()
        style_plot(cell.plot, th)
        style_plot(cell.bar, th)
        if cell.gaps is not None:
            cell.gaps.setBrush(pg.mkBrush(th.bg))

    def _on_mouse_moved(self, args) -> None:
        pos = args[0]
        for cell in self._cells.values():
            if cell.weights is not None and cell.image.sceneBoundingRect().contains(pos):
                local = cell.image.mapFromScene(pos)
                text = cell.tiling.describe(cell.layer, cell.weights, local.x(), local.y())
                if text:
                    self.hover_label.setText(text)
                    return
        self.hover_label.setText(HINT)

    def sizeHint(self) -> QSize:
        return QSize(CELL_W * 2, CELL_H + 40)

