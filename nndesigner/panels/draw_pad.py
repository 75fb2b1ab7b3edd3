"""DrawPad: draw a digit (or any picture) with the mouse for an image network to classify.

    pad = DrawPad(size=28)            # the network's input height = width
    pad.changed.connect(predict)      # while drawing (the caller throttles), on clear and undo
    x = pad.image()                   # float32 (28, 28) in [0, 1], centred like MNIST

White strokes on black, as MNIST and the bundled digits. The picture is drawn at a high
resolution (about 224 px; 8× for 28×28) with anti-aliased, round-capped lines and brought down
to the network's size by area averaging, so thin and diagonal strokes keep their weight.
:meth:`DrawPad.image` then normalises it with :func:`engine.data.center_digit` (the ink's box
scaled to 20×20 of 28×28 and its centre of mass put in the middle), exactly as the generated
training digits were: a digit drawn small in a corner looks the same to the network as one
drawn large in the middle. Ctrl+Z (when the pad has focus) undoes the last stroke.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QShortcut,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from engine.data import center_digit

CANVAS_PX = 224  # about the internal resolution of the drawing
DISPLAY_PX = 168  # the drawing area on screen: leaves room for the answer in a short dock
BRUSHES = (1, 4)  # brush width in pixels of the network's image
DEFAULT_BRUSH = 2
SUPERSAMPLE = 4  # center_digit works on a 4× picture, as the generator draws at 4×

Stroke = tuple[float, list[QPointF]]  # width (image pixels) and points (image pixels)


class DrawCanvas(QWidget):
    """The square drawing surface; points are kept in image pixels (0…size)."""

    changed = Signal()
    stroke_finished = Signal()

    def __init__(self, size: int = 28, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setToolTip("Draw with the mouse: white ink on black, as the training digits")
        self.brush = float(DEFAULT_BRUSH)
        self.strokes: list[Stroke] = []
        self._drawing = False
        self.set_size(size)

    def set_size(self, size: int) -> None:
        """A new image size (clears the drawing)."""
        self.size_px = max(1, int(size))
        self.scale = max(SUPERSAMPLE, round(CANVAS_PX / self.size_px))
        side = self.size_px * self.scale
        self._ink = QImage(side, side, QImage.Format.Format_Grayscale8)
        self.setFixedSize(DISPLAY_PX, DISPLAY_PX)  # shown scaled: same size for every network
        self.clear(emit=False)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    # -- the picture ------------------------------------------------------------------------

    def clear(self, emit: bool = True) -> None:
        self.strokes.clear()
        self._ink.fill(QColor(0, 0, 0))
        self.update()
        if emit:
            self.changed.emit()

    def undo(self) -> None:
        if not self.strokes:
            return
        self.strokes.pop()
        self._redraw()
        self.changed.emit()

    def is_empty(self) -> bool:
        return not self.strokes

    def ink(self) -> np.ndarray:
        """The high-resolution picture, float32 (S, S) in [0, 1] (S = size × scale)."""
        img = self._ink
        buf = np.frombuffer(img.constBits(), dtype=np.uint8, count=img.sizeInBytes())
        side = img.width()
        return buf.reshape(side, img.bytesPerLine())[:, :side].astype(np.float32) / 255

    def _redraw(self) -> None:
        self._ink.fill(QColor(0, 0, 0))
        for width, pts in self.strokes:
            self._paint(width, pts)
        self.update()

    def _paint(self, width: float, pts: list[QPointF]) -> None:
        p = QPainter(self._ink)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(QColor(255, 255, 255), width * self.scale, Qt.PenStyle.SolidLine,
                   Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        s = self.scale
        scaled = [QPointF(q.x() * s, q.y() * s) for q in pts]
        if len(scaled) == 1:
            p.drawPoint(scaled[0])  # a dot: a round cap of the pen's width
        else:
            p.drawPolyline(scaled)
        p.end()

    # -- mouse ------------------------------------------------------------------------------

    def _to_image(self, pos: QPointF) -> QPointF:
        f = self.size_px / max(1, min(self.width(), self.height()))
        return QPointF(min(max(pos.x() * f, 0.0), self.size_px),
                       min(max(pos.y() * f, 0.0), self.size_px))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        self._drawing = True
        pt = self._to_image(event.position())
        self.strokes.append((self.brush, [pt]))
        self._paint(self.brush, [pt])
        self.update()
        self.changed.emit()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if not self._drawing or not self.strokes:
            return
        pt = self._to_image(event.position())
        width, pts = self.strokes[-1]
        if pt == pts[-1]:
            return
        self._paint(width, [pts[-1], pt])  # only the new segment: cheap while drawing
        pts.append(pt)
        self.update()
        self.changed.emit()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._drawing:
            self._drawing = False
            # the stroke again as one polyline: segment joints drawn one by one overlap their
            # anti-aliased edges; now the picture is what undo would rebuild
            self._redraw()
            self.changed.emit()
            self.stroke_finished.emit()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        p.drawImage(QRectF(self.rect()), self._ink)
        p.setPen(QColor(110, 110, 110))
        p.drawRect(self.rect().adjusted(0, 0, -1, -1))
        if self.hasFocus():
            p.setPen(QColor(30, 136, 229))
            p.drawRect(self.rect().adjusted(1, 1, -2, -2))
        p.end()


class DrawPad(QWidget):
    """The canvas with its brush size, Undo and Clear (see the module docstring)."""

    #: The picture changed (each mouse move while drawing, a finished stroke, clear, undo).
    changed = Signal()
    #: The mouse was released: a good moment for a final, unthrottled prediction.
    stroke_finished = Signal()

    def __init__(self, size: int = 28, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas = DrawCanvas(size)
        self.canvas.changed.connect(self.changed)
        self.canvas.stroke_finished.connect(self.stroke_finished)

        self.brush_slider = QSlider(Qt.Orientation.Horizontal)
        self.brush_slider.setRange(*BRUSHES)
        self.brush_slider.setValue(DEFAULT_BRUSH)
        self.brush_slider.setToolTip("Brush width, in pixels of the network's input image")
        self.brush_slider.setMaximumWidth(90)
        self.brush_slider.valueChanged.connect(self._on_brush)
        self.brush_label = QLabel()
        self.undo_button = QPushButton("Undo")
        self.undo_button.setToolTip("Take back the last stroke (Ctrl+Z)")
        self.undo_button.clicked.connect(self.canvas.undo)
        self.clear_button = QPushButton("Clear")
        self.clear_button.clicked.connect(self.canvas.clear)
        undo = QShortcut(QKeySequence.StandardKey.Undo, self.canvas)
        # only inside the pad: elsewhere Ctrl+Z undoes edits of the network
        undo.setContext(Qt.ShortcutContext.WidgetShortcut)
        undo.activated.connect(self.canvas.undo)

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Brush"))
        row.addWidget(self.brush_slider)
        row.addWidget(self.brush_label)
        row.addStretch(1)
        row.addWidget(self.undo_button)
        row.addWidget(self.clear_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        lay.addWidget(self.canvas, 0, Qt.AlignmentFlag.AlignHCenter)
        lay.addLayout(row)
        self._on_brush(DEFAULT_BRUSH)

    @property
    def size_px(self) -> int:
        return self.canvas.size_px

    def set_size(self, size: int) -> None:
        if size != self.canvas.size_px:
            self.canvas.set_size(size)
            self.changed.emit()

    def _on_brush(self, value: int) -> None:
        self.canvas.brush = float(value)
        self.brush_label.setText(f"{value} px")

    def clear(self) -> None:
        self.canvas.clear()

    def undo(self) -> None:
        self.canvas.undo()

    def is_empty(self) -> bool:
        return self.canvas.is_empty()

    def raw_image(self) -> np.ndarray:
        """The drawing at the network's size by area averaging, not centred: (H, W) in [0, 1]."""
        return _area_mean(self.canvas.ink(), self.canvas.scale)

    def pil_image(self) -> Image.Image:
        """The drawing at 4× the network's size, as an 8-bit grayscale PIL image."""
        fine = _area_mean(self.canvas.ink(), max(1, self.canvas.scale // SUPERSAMPLE))
        return Image.fromarray(np.round(fine * 255).astype(np.uint8), "L")

    def image(self) -> np.ndarray:
        """The drawing as the network should see it: (H, W) float32 in [0, 1], normalised
        like MNIST with :func:`engine.data.center_digit` (all zeros when nothing is drawn)."""
        size = self.canvas.size_px
        if self.canvas.is_empty():
            return np.zeros((size, size), dtype=np.float32)
        # centre at 4× resolution: the crop of the ink is then placed to a quarter pixel
        fine = _area_mean(self.canvas.ink(), max(1, self.canvas.scale // SUPERSAMPLE))
        box = max(1, round(size * 20 / 28))
        return center_digit(fine, invert=False, size=size, box=box).astype(np.float32)


def _area_mean(a: np.ndarray, f: int) -> np.ndarray:
    """Downsample by an integer factor, each output pixel the mean of an f×f block."""
    if f <= 1:
        return a
    h, w = (a.shape[0] // f) * f, (a.shape[1] // f) * f
    return a[:h, :w].reshape(h // f, f, w // f, f).mean(axis=(1, 3), dtype=np.float32)
