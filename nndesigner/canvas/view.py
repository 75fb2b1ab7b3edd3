"""NetworkView: zoom (wheel), pan (middle button or Space+drag), rubber-band selection, fit,
and dropping layer types from the palette."""

from __future__ import annotations

import json

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsView

from .scene import NetworkScene

PALETTE_MIME = "application/x-nndesigner-layer-type"
MIN_ZOOM, MAX_ZOOM = 0.02, 3.0


class NetworkView(QGraphicsView):
    def __init__(self, scene: NetworkScene, parent=None) -> None:
        super().__init__(scene, parent)
        self.setRenderHints(QPainter.RenderHint.Antialiasing
                            | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        # The dotted background is drawn once into a pixmap (redrawn on zoom and resize), not
        # for every repaint of a recoloured connection while training.
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        self.setAcceptDrops(True)
        self.setSceneRect(QRectF(-50000, -50000, 100000, 100000))
        # An endless canvas: pan with the middle button or Space+drag, not scrollbars.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._panning: QPointF | None = None
        self._space = False
        #: True after "fit" until the user zooms or pans: resizes then keep everything in view.
        self._auto_fit = False

    @property
    def network_scene(self) -> NetworkScene:
        return self.scene()  # type: ignore[return-value]

    def zoom(self) -> float:
        return self.transform().m11()

    def zoom_by(self, factor: float) -> None:
        self._auto_fit = False
        target = max(MIN_ZOOM, min(MAX_ZOOM, self.zoom() * factor))
        factor = target / self.zoom()
        self.scale(factor, factor)

    def fit_all(self) -> None:
        self._auto_fit = True
        rect = self.scene().itemsBoundingRect()
        if rect.isEmpty():
            self.resetTransform()
            self.centerOn(0, 0)
            return
        self.fitInView(rect.adjusted(-50, -50, 50, 50), Qt.AspectRatioMode.KeepAspectRatio)
        if self.zoom() > 1.25:  # small networks: stay readable, not huge
            self.scale(1.25 / self.zoom(), 1.25 / self.zoom())
        self.centerOn(rect.center())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._auto_fit:
            self.fit_all()

    # -- zoom and pan -----------------------------------------------------------------------

    def wheelEvent(self, event) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom_by(1.15**steps)
        event.accept()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        super().keyReleaseEvent(event)

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.MiddleButton:
            self._auto_fit = False
            self._panning = event.position()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._panning is not None:
            delta = event.position() - self._panning
            self._panning = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - delta.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - delta.y())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._panning is not None and event.button() == Qt.MouseButton.MiddleButton:
            self._panning = None
            self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    # -- drop from the palette --------------------------------------------------------------

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasFormat(PALETTE_MIME):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event) -> None:
        if event.mimeData().hasFormat(PALETTE_MIME):
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event) -> None:
        mime = event.mimeData()
        if not mime.hasFormat(PALETTE_MIME):
            super().dropEvent(event)
            return
        try:
            entry = json.loads(bytes(mime.data(PALETTE_MIME)).decode())
        except ValueError:
            return
        pos = self.mapToScene(event.position().toPoint())
        # Drop so that the cursor sits on the block's title.
        self.network_scene.add_layer(entry["type"], QPointF(pos.x() - 90, pos.y() - 20),
                                     entry.get("params"))
        event.acceptProposedAction()

    # -- background -------------------------------------------------------------------------

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.Type.PaletteChange:  # light/dark switch: new colours
            self.resetCachedContent()
        super().changeEvent(event)

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        painter.fillRect(rect, self.palette().window().color().lighter(103))
        dot = QColor(self.palette().text().color())
        dot.setAlphaF(0.13)
        painter.setPen(QPen(dot, 1.6 / max(self.zoom(), 0.3)))
        # Keep dots at least 16 screen pixels apart whatever the zoom (and their number small).
        step = 40.0
        while step * self.zoom() < 16.0:
            step *= 2.0
        left = int(rect.left() // step) * step
        top = int(rect.top() // step) * step
        x = left
        points = []
        while x < rect.right():
            y = top
            while y < rect.bottom():
                points.append(QPointF(x, y))
                y += step
            x += step
        painter.drawPoints(points)

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        if self.network_scene.layer_items:
            return
        painter.save()
        painter.resetTransform()
        colour = QColor(self.palette().text().color())
        colour.setAlphaF(0.5)
        painter.setPen(QPen(colour))
        painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter,
                         "Drag layers here from the Layers palette,\n"
                         "or choose File → New from template")
        painter.restore()
