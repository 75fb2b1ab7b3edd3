"""Pixels as inputs: an editable black-and-white grid (click a pixel to toggle it) and the
network's live prediction for it.

    grid = PixelGrid(7, 7)                    # grid.changed, grid.image(), grid.set_image(a)
    tool = PixelLesson(doc, class_names)      # grid + buttons + probabilities; follows doc
    tool.results_ready.connect(guide.report)  # {"pixel_predictions": {picture: class}}

Each cell is one input neuron: black = 1, white = 0 (as the bundled 7×7 pictures).
"""

from __future__ import annotations

import contextlib

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from engine import EngineError

from ..document import Document
from ..plots.colours import class_colour
from . import experiments as exp
from .tool_results import picture_predictions

CELL = 34  # pixels per cell on screen


class PixelGrid(QWidget):
    """A grid of black/white pixels; a click (or a drag) toggles them."""

    changed = Signal()

    def __init__(self, rows: int = 7, cols: int = 7, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.values = np.zeros((rows, cols), dtype=np.float32)
        self._paint_value: float | None = None  # what a drag paints: the first cell's new value
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setToolTip("Click a pixel to switch it between black (input 1) and white "
                        "(input 0); drag to paint several")
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def sizeHint(self) -> QSize:
        rows, cols = self.values.shape
        return QSize(cols * CELL + 1, rows * CELL + 1)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def image(self) -> np.ndarray:
        """(rows, cols) float32 with 1 for black."""
        return self.values.copy()

    def set_image(self, values) -> None:
        a = np.asarray(values, dtype=np.float32).reshape(self.values.shape)
        self.values = (a >= 0.5).astype(np.float32)
        self.update()
        self.changed.emit()

    def toggle(self, row: int, col: int) -> None:
        self.values[row, col] = 1.0 - self.values[row, col]
        self.update()
        self.changed.emit()

    def clear(self) -> None:
        self.set_image(np.zeros_like(self.values))

    def _cell_at(self, event: QMouseEvent) -> tuple[int, int] | None:
        pos = event.position()
        r, c = int(pos.y() // CELL), int(pos.x() // CELL)
        rows, cols = self.values.shape
        return (r, c) if 0 <= r < rows and 0 <= c < cols else None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        cell = self._cell_at(event)
        if cell is not None:
            self._paint_value = 1.0 - float(self.values[cell])
            self.toggle(*cell)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        cell = self._cell_at(event)
        if cell is not None and self._paint_value is not None and \
                self.values[cell] != self._paint_value:
            self.toggle(*cell)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._paint_value = None

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        grid = QPen(QColor("#9e9e9e"))
        p.setPen(grid)
        rows, cols = self.values.shape
        for r in range(rows):
            for c in range(cols):
                colour = QColor("#111111") if self.values[r, c] >= 0.5 else QColor("white")
                p.fillRect(QRectF(c * CELL, r * CELL, CELL, CELL), colour)
                p.drawRect(QRectF(c * CELL, r * CELL, CELL, CELL))
        p.end()


class PixelLesson(QWidget):
    """The grid, picture buttons and the network's probabilities, refreshed as you click."""

    results_ready = Signal(dict)

    def __init__(self, doc: Document, class_names: list[str] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.class_names = list(class_names or [])
        self.model = None
        shape = self._shape()
        self.grid = PixelGrid(*shape)
        self.grid.changed.connect(self.predict)
        buttons = QHBoxLayout()
        for name in self.class_names:
            if name in exp.teaching.SHAPES:
                b = QPushButton(f"Draw a {name}")
                b.clicked.connect(lambda _=False, n=name: self.grid.set_image(exp.picture(n)))
                buttons.addWidget(b)
        invert = QPushButton("Invert")
        invert.clicked.connect(lambda: self.grid.set_image(1 - self.grid.image()))
        clear = QPushButton("Clear")
        clear.clicked.connect(self.grid.clear)
        buttons.addWidget(invert)
        buttons.addWidget(clear)
        buttons.addStretch(1)
        self.prediction = QLabel()
        self.prediction.setWordWrap(True)
        self.prediction.setMinimumWidth(220)
        self.prediction.setAlignment(Qt.AlignmentFlag.AlignTop)
        row = QHBoxLayout()
        row.addWidget(self.grid, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.prediction, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"{shape[0] * shape[1]} pixels = {shape[0] * shape[1]} input "
                                "neurons (black = 1, white = 0)"))
        layout.addLayout(row)
        layout.addLayout(buttons)
        doc.weights_changed.connect(self._model_changed)
        doc.analysis_changed.connect(self._model_changed)
        if self.class_names and self.class_names[0] in exp.teaching.SHAPES:
            self.grid.set_image(exp.picture(self.class_names[0]))
        self._model_changed()

    def _shape(self) -> tuple[int, int]:
        try:
            shape = self.doc.build_model().input_shape
        except (EngineError, ValueError):
            return (7, 7)
        return (int(shape[-2]), int(shape[-1])) if len(shape) >= 2 else (7, 7)

    def run(self) -> None:
        """Predict the current picture and report how the clean pictures are read."""
        self._model_changed()

    def _model_changed(self) -> None:
        try:
            self.model = self.doc.build_model() if self.doc.analysis.ok else None
        except (EngineError, ValueError):
            self.model = None
        self.predict()
        if self.model is not None and self.class_names:
            with contextlib.suppress(EngineError, ValueError):  # a picture the net can't take
                self.results_ready.emit({"pixel_predictions":
                                         picture_predictions(self.model, self.class_names)})

    def predict(self) -> None:
        if self.model is None:
            self.prediction.setText("The network cannot run (see the Problems panel).")
            return
        try:
            p = self.model.predict(self.grid.image()[None, None])[0].ravel()
        except (EngineError, ValueError) as exc:
            self.prediction.setText(f"This network does not take a {self.grid.values.shape[0]}"
                                    f"×{self.grid.values.shape[1]} picture: {exc}")
            return
        if p.size == 1:  # one sigmoid output: the probability of class 1
            p = np.array([1 - p[0], p[0]])
        names = self.class_names or [str(i) for i in range(p.size)]
        best = int(np.argmax(p))
        lines = [f"<p>The network says: <b>{names[best]}</b> ({p[best]:.0%})</p>"]
        for i, (name, prob) in enumerate(zip(names, p, strict=False)):
            colour = class_colour(i).name()
            width = max(1, round(160 * float(prob)))
            lines.append(f"<div>{name}: {prob:.1%}<br><span style='background:{colour}'>"
                         f"{'&nbsp;' * max(1, width // 6)}</span></div>")
        self.prediction.setText("".join(lines))
