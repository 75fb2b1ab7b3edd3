"""LayerActivations: what every layer computes for one input.

    view = LayerActivations()
    view.show_input(model, x)          # x: one sample, (C, H, W) or (F,), or a batch of one
    view.clear()

One row per layer, in execution order, headed by its name, type and output shape:

* image-shaped outputs (Input, Conv2D, pooling, BatchNorm on images): the first 16 channels as
  small grayscale feature maps, black = the layer's lowest value, white = its highest (one scale
  per layer, so channels compare);
* flat outputs of up to 64 units: one bar per unit, blue up for positive, orange down for
  negative (the canvas's weight colours);
* longer flat outputs: a one-row strip, each unit a coloured cell on the same scale.

Hovering a bar or a cell shows the unit and its value. Computed with
:meth:`engine.Model.activations` (``a`` after the activation function).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QHelpEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QLabel, QScrollArea, QToolTip, QVBoxLayout, QWidget

from engine.catalog import fmt_shape

from ..canvas.style import NEGATIVE, NEUTRAL, POSITIVE
from ..plots.colours import weight_rgb
from .use_common import array_to_qimage

MAX_CHANNELS = 16
MAX_BARS = 64
MAP_PX = 48  # each feature map is drawn about this large (whole-pixel zoom)


class FeatureMaps(QWidget):
    """A grid of grayscale channel images, one value scale for all."""

    def __init__(self, maps: np.ndarray, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.maps = maps[:MAX_CHANNELS]
        lo, hi = float(maps.min()), float(maps.max())
        self.range = (lo, hi)
        self.images = [array_to_qimage(m, lo, hi) for m in self.maps]
        h, w = maps.shape[1:]
        f = max(1, round(MAP_PX / max(h, w)))
        self.cell = QSize(w * f, h * f)
        self.setMinimumHeight(self.cell.height() + 2)

    def _columns(self) -> int:
        return max(1, (self.width() + 4) // (self.cell.width() + 4))

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        cols = max(1, (width + 4) // (self.cell.width() + 4))
        rows = -(-len(self.images) // cols)
        return rows * (self.cell.height() + 4)

    def sizeHint(self) -> QSize:
        return QSize(8 * (self.cell.width() + 4), self.heightForWidth(8 * (self.cell.width() + 4)))

    def resizeEvent(self, event) -> None:
        self.setMinimumHeight(self.heightForWidth(self.width()))
        super().resizeEvent(event)

    def _rect(self, i: int) -> QRect:
        cols = self._columns()
        r, c = divmod(i, cols)
        return QRect(c * (self.cell.width() + 4), r * (self.cell.height() + 4),
                     self.cell.width(), self.cell.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        frame = self.palette().color(QPalette.ColorRole.Mid)
        for i, img in enumerate(self.images):
            rect = self._rect(i)
            p.drawImage(rect, img)  # nearest neighbour: the real pixels
            p.setPen(frame)
            p.drawRect(rect.adjusted(-1, -1, 0, 0))
        p.end()

    def event(self, e: QEvent) -> bool:
        if e.type() == QEvent.Type.ToolTip and isinstance(e, QHelpEvent):
            for i in range(len(self.images)):
                if self._rect(i).contains(e.pos()):
                    lo, hi = self.range
                    QToolTip.showText(e.globalPos(), f"channel {i}: black = {lo:.3g}, white = "
                                      f"{hi:.3g}", self)
                    return True
            QToolTip.hideText()
            return True
        return super().event(e)


class UnitBars(QWidget):
    """One bar per unit (blue positive, orange negative), or a coloured strip when many."""

    def __init__(self, values: np.ndarray, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.values = np.asarray(values, dtype=np.float64).reshape(-1)
        self.strip = self.values.size > MAX_BARS
        self.scale = float(np.max(np.abs(self.values))) if self.values.size else 0.0
        self.setMinimumHeight(22 if self.strip else 56)
        self.setMouseTracking(True)

    def sizeHint(self) -> QSize:
        return QSize(260, 22 if self.strip else 56)

    def _unit_at(self, x: float) -> int:
        n = self.values.size
        return min(n - 1, max(0, int(x / max(self.width(), 1) * n))) if n else -1

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        n = self.values.size
        if n == 0:
            return
        w, h = self.width(), self.height()
        step = w / n
        s = self.scale or 1.0
        if self.strip:
            rgb = weight_rgb(self.values / s).astype(np.uint8)
            for i in range(n):
                p.fillRect(QRectF(i * step, 0, step + 0.5, h), QColor(*rgb[i].tolist()))
        else:
            has_neg = bool((self.values < 0).any())
            base = h / 2 if has_neg else h - 1
            p.fillRect(QRectF(0, base, w, 1), NEUTRAL.darker(130))
            room = (h / 2 - 2) if has_neg else (h - 3)
            gap = 1 if step > 3 else 0
            for i, v in enumerate(self.values):
                length = abs(v) / s * room
                colour = POSITIVE if v >= 0 else NEGATIVE
                top = base - length if v >= 0 else base + 1
                p.fillRect(QRectF(i * step + gap / 2, top, max(step - gap, 1), length), colour)
        p.end()

    def event(self, e: QEvent) -> bool:
        if e.type() == QEvent.Type.ToolTip and isinstance(e, QHelpEvent):
            i = self._unit_at(e.pos().x())
            if i >= 0:
                QToolTip.showText(e.globalPos(), f"unit {i}: {self.values[i]:.4g}", self)
            return True
        return super().event(e)


class LayerActivations(QScrollArea):
    """Every layer's output for one input (see the module docstring)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.rows: dict[str, QWidget] = {}
        self._body = QWidget()
        self._lay = QVBoxLayout(self._body)
        self._lay.setContentsMargins(4, 4, 4, 4)
        self._lay.setSpacing(2)
        self.setWidget(self._body)
        self.placeholder = QLabel("Give the network an input to see what each layer computes.")
        self.placeholder.setWordWrap(True)
        self._lay.addWidget(self.placeholder)
        self._lay.addStretch(1)

    def clear(self) -> None:
        self.rows = {}
        for i in reversed(range(self._lay.count())):
            item = self._lay.itemAt(i)
            if item.widget() is not None and item.widget() is not self.placeholder:
                self._lay.takeAt(i).widget().deleteLater()
        self.placeholder.show()

    def show_input(self, model, x: np.ndarray) -> None:
        """Run ``model`` on one sample and show every layer's activations."""
        x = np.asarray(x, dtype=np.float32)
        if x.shape == tuple(model.input_shape):
            x = x[None]
        acts = model.activations(x[:1])
        self.show_activations(acts, [n.type for n in model.nodes])

    def show_activations(self, acts: dict[str, dict[str, np.ndarray]],
                         types: list[str] | None = None) -> None:
        self.clear()
        self.placeholder.hide()
        types = types or [""] * len(acts)
        for (name, values), type_name in zip(acts.items(), types, strict=False):
            a = values["a"][0]
            head = QLabel(f"<b>{name}</b> · {type_name} · {fmt_shape(a.shape)}")
            if a.ndim == 3:
                body: QWidget = FeatureMaps(a)
                if a.shape[0] > MAX_CHANNELS:
                    head.setText(head.text() + f" (first {MAX_CHANNELS} of {a.shape[0]} "
                                 "channels)")
            else:
                body = UnitBars(a)
            head.setToolTip("Black = lowest, white = highest value of this layer" if a.ndim == 3
                            else "Blue: positive, orange: negative; hover for the values")
            at = self._lay.count() - 1  # before the stretch
            self._lay.insertWidget(at, head)
            self._lay.insertWidget(at + 1, body)
            self.rows[name] = body
