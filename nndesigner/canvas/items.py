"""Graphics items of the canvas. They paint what the scene tells them and report user
gestures back to it; they hold no authoritative state (the Document does)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsObject, QGraphicsPathItem, QWidget

from engine import LAYER_TYPES, Problem
from engine.activations import make as make_activation

from .style import CATEGORY_COLOURS, ERROR, SELECTION, WARNING, fmt_count, fmt_shape, weight_colour

WIDTH = 184.0
BASE_HEIGHT = 74.0
PORT_RADIUS = 6.0
NEURON_SPACING = 24.0
NEURON_RADIUS = 8.0
MAX_NEURONS_SHOWN = 16


@dataclass
class LayerView:
    """Everything a layer item displays, computed by the scene from the Document."""

    name: str
    type: str
    params: dict
    shape: tuple[int, ...] | None = None
    param_count: int | None = None
    problems: list[Problem] = field(default_factory=list)
    is_output: bool = False
    neuron_mode: bool = False
    biases: np.ndarray | None = None

    @property
    def neuron_count(self) -> int | None:
        """Number of neurons when the layer is drawn as neurons, else None."""
        if not self.neuron_mode or self.shape is None or len(self.shape) != 1:
            return None
        if self.type not in ("Dense", "Input", "Activation", "Dropout", "BatchNorm"):
            return None
        n = self.shape[0]
        return n if n <= MAX_NEURONS_SHOWN else None


def describe(view: LayerView) -> str:
    """The one-line summary under the title: what this layer is set to."""
    p = view.params
    act = ""
    if "activation" in p:
        a = make_activation(p["activation"])
        act = a.name if a.name != "step" else f"step θ={a.threshold:g}"
    if view.type == "Input":
        return f"{fmt_shape(tuple(p['shape']))} inputs"
    if view.type == "Dense":
        return f"{p['units']} neuron{'s' * (p['units'] != 1)} · {act}"
    if view.type == "Conv2D":
        k = p["kernel_size"]
        ks = f"{k}×{k}" if isinstance(k, int) else f"{k[0]}×{k[1]}"
        return f"{p['filters']} filters {ks} · {act}"
    if view.type in ("MaxPool2D", "AvgPool2D"):
        stride = p["stride"] or p["pool_size"]
        return f"{p['pool_size']}×{p['pool_size']} window, stride {stride}"
    if view.type == "Dropout":
        return f"drops {p['rate']:.0%} while training"
    if view.type == "Activation":
        return act
    if view.type == "Add":
        return "sum of inputs" + (f" · {act}" if act and act != "linear" else "")
    if view.type == "Concat":
        return "side by side"
    if view.type == "Flatten":
        return "image → vector"
    if view.type == "GlobalAveragePool":
        return "mean of each map"
    if view.type == "BatchNorm":
        return "normalise per feature"
    return ""


class LayerItem(QGraphicsObject):
    """A layer block: type, name, settings, output shape and parameter count; red with a
    badge when it has a problem. Small dense layers can show their neurons as circles."""

    def __init__(self, view: LayerView) -> None:
        super().__init__()
        self.view = view
        self.setFlags(
            QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
            | QGraphicsItem.GraphicsItemFlag.ItemIsMovable
            | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges
        )
        self.setAcceptHoverEvents(True)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self._height = BASE_HEIGHT
        self.set_view(view)

    @property
    def name(self) -> str:
        return self.view.name

    def set_view(self, view: LayerView) -> None:
        """Show new content; the layer's edges re-route when its height changes."""
        n = view.neuron_count
        height = BASE_HEIGHT if n is None else max(BASE_HEIGHT, 46.0 + n * NEURON_SPACING)
        resized = height != self._height
        if resized:
            self.prepareGeometryChange()
            self._height = height
        self.view = view
        if resized and self.scene() is not None and hasattr(self.scene(), "on_item_moved"):
            self.scene().on_item_moved(self)
        self.setToolTip(self._tooltip())
        self.update()

    def _tooltip(self) -> str:
        v = self.view
        ltype = LAYER_TYPES[v.type]
        lines = [f"<b>{v.type}</b> “{v.name}” — {ltype.summary}"]
        if v.shape is not None:
            lines.append(f"Output: {fmt_shape(v.shape)}")
        if v.param_count:
            lines.append(f"Parameters: {fmt_count(v.param_count)}")
        for p in v.problems:
            colour = ERROR.name() if p.severity == "error" else WARNING.name()
            label = "Problem" if p.severity == "error" else "Warning"
            fix = f"<br><i>Fix:</i> {p.fix}" if p.fix else ""
            lines.append(f"<span style='color:{colour}'><b>{label}:</b> {p.message}</span>{fix}")
        return "<br>".join(lines)

    # -- geometry ---------------------------------------------------------------------------

    def boundingRect(self) -> QRectF:
        m = PORT_RADIUS + 2
        return QRectF(-m, -10, WIDTH + 2 * m, self._height + 20)

    def body(self) -> QRectF:
        return QRectF(0, 0, WIDTH, self._height)

    def input_port(self) -> QPointF:
        return QPointF(0, self._height / 2)

    def output_port(self) -> QPointF:
        return QPointF(WIDTH, self._height / 2)

    def port_at(self, pos: QPointF) -> str | None:
        """'in' or 'out' when ``pos`` (item coordinates) is on a port."""
        for kind, port in (("out", self.output_port()), ("in", self.input_port())):
            if (pos - port).manhattanLength() <= PORT_RADIUS * 2.2:
                return kind
        return None

    def neuron_centre(self, index: int) -> QPointF:
        """Centre of neuron ``index`` in item coordinates (neuron mode only)."""
        n = self.view.neuron_count or 1
        top = 38.0 + (self._height - 38.0 - n * NEURON_SPACING) / 2
        return QPointF(WIDTH / 2, top + (index + 0.5) * NEURON_SPACING)

    # -- painting ---------------------------------------------------------------------------

    def paint(self, painter: QPainter, option, widget: QWidget | None = None) -> None:
        v = self.view
        pal = widget.palette() if widget else None
        base = pal.base().color() if pal else QColor("white")
        text = pal.text().color() if pal else QColor("black")
        muted = QColor(text)
        muted.setAlphaF(0.62)
        colour = CATEGORY_COLOURS.get(LAYER_TYPES[v.type].category, QColor("gray"))
        errors = [p for p in v.problems if p.severity == "error"]
        warnings = [p for p in v.problems if p.severity == "warning"]
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        if lod < 0.3:
            self._paint_far(painter, colour, bool(errors))
            return
        if lod < 0.8 and v.neuron_count is None:
            self._paint_compact(painter, lod, colour, base, text, bool(errors))
            return

        body = self.body()
        path = QPainterPath()
        path.addRoundedRect(body, 8, 8)
        if v.neuron_count is None:
            painter.fillPath(path, base)
        else:
            # Neurons: the connections drawn beneath stay visible through the body.
            see_through = QColor(base)
            see_through.setAlphaF(0.35)
            painter.fillPath(path, see_through)
            title_area = QPainterPath()
            title_area.addRect(QRectF(0, 0, WIDTH, 44))
            painter.fillPath(title_area.intersected(path), base)
        # Category stripe along the top.
        stripe = QPainterPath()
        stripe.addRoundedRect(QRectF(0, 0, WIDTH, 8), 4, 4)
        painter.fillPath(stripe.intersected(path), colour)
        if self.isSelected():
            border = QPen(SELECTION, 2.5)
        elif errors:
            border = QPen(ERROR, 2.2)
        else:
            edge = QColor(colour)
            edge.setAlphaF(0.75)
            border = QPen(edge, 1.3)
        painter.setPen(border)
        painter.drawPath(path)

        title = QFont(painter.font())
        title.setPointSizeF(max(title.pointSizeF(), 9.0))
        title.setBold(True)
        small = QFont(title)
        small.setBold(False)
        small.setPointSizeF(title.pointSizeF() * 0.88)
        painter.setFont(title)
        painter.setPen(QPen(text))
        painter.drawText(QRectF(10, 11, WIDTH - 20, 18), Qt.AlignmentFlag.AlignLeft, v.type)
        type_width = QFontMetricsF(title).horizontalAdvance(v.type)
        painter.setFont(small)
        painter.setPen(QPen(muted))
        name_rect = QRectF(16 + type_width, 12, WIDTH - 46 - type_width, 18)
        name = QFontMetricsF(small).elidedText(v.name, Qt.TextElideMode.ElideMiddle,
                                               name_rect.width())
        painter.drawText(name_rect, Qt.AlignmentFlag.AlignRight, name)

        painter.setPen(QPen(text))
        n = v.neuron_count
        if n is None:
            painter.drawText(QRectF(10, 31, WIDTH - 20, 18), Qt.AlignmentFlag.AlignLeft,
                             describe(v))
            painter.setPen(QPen(muted))
            out = f"out {fmt_shape(v.shape)}" if v.shape is not None else "out ?"
            if v.param_count:
                out += f" · {fmt_count(v.param_count)} params"
            painter.drawText(QRectF(10, 50, WIDTH - 20, 18), Qt.AlignmentFlag.AlignLeft, out)
        else:
            painter.setPen(QPen(muted))
            painter.drawText(QRectF(10, 29, WIDTH - 20, 16), Qt.AlignmentFlag.AlignLeft,
                             describe(v))
            self._paint_neurons(painter, n, text)

        self._paint_ports(painter, colour, base)
        if errors or warnings:
            self._paint_badge(painter, ERROR if errors else WARNING)
        if v.is_output:
            painter.setFont(small)
            painter.setPen(QPen(muted))
            painter.drawText(QRectF(0, self._height + 1, WIDTH, 14),
                             Qt.AlignmentFlag.AlignHCenter, "output")

    def _paint_compact(self, painter: QPainter, lod: float, colour: QColor, base: QColor,
                       text: QColor, error: bool) -> None:
        """Zoomed out (a long network fitted to the view): the type and output shape in a
        font that stays about 9 points on screen, instead of unreadable small print."""
        body = self.body()
        path = QPainterPath()
        path.addRoundedRect(body, 8, 8)
        painter.fillPath(path, base)
        stripe = QPainterPath()
        stripe.addRoundedRect(QRectF(0, 0, WIDTH, 10), 4, 4)
        painter.fillPath(stripe.intersected(path), colour)
        pen = QPen(SELECTION, 3) if self.isSelected() else (
            QPen(ERROR, 3) if error else QPen(colour, 1.5))
        painter.setPen(pen)
        painter.drawPath(path)
        font = QFont(painter.font())
        font.setBold(True)
        font.setPointSizeF(min(9.5 / lod, 26.0))
        painter.setFont(font)
        painter.setPen(QPen(text))
        inner = body.adjusted(8, 12, -22 if self.view.problems else -8, -4)  # room for "!"
        label = {"MaxPool2D": "MaxPool", "AvgPool2D": "AvgPool", "GlobalAveragePool": "GAP",
                 "BatchNorm": "BatchNorm", "Activation": "Activ."}.get(self.view.type,
                                                                      self.view.type)
        if self.view.type == "Dense":
            label = f"Dense {self.view.params['units']}"
        elif self.view.type == "Conv2D":
            label = f"Conv {self.view.params['filters']}"
        painter.drawText(QRectF(inner.x(), inner.y(), inner.width(), inner.height() / 2),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label)
        font.setBold(False)
        font.setPointSizeF(min(8.5 / lod, 22.0))
        painter.setFont(font)
        shape = fmt_shape(self.view.shape) if self.view.shape is not None else "?"
        painter.drawText(QRectF(inner.x(), inner.center().y(), inner.width(), inner.height() / 2),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, shape)
        self._paint_ports(painter, colour, base)
        if self.view.problems:
            self._paint_badge(painter, ERROR if error else WARNING)

    def _paint_far(self, painter: QPainter, colour: QColor, error: bool) -> None:
        """Zoomed far out: a coloured block, red when it has a problem; no text."""
        fill = QColor(colour)
        fill.setAlphaF(0.85)
        painter.setPen(QPen(ERROR, 6) if error else QPen(Qt.PenStyle.NoPen))
        if self.isSelected():
            painter.setPen(QPen(SELECTION, 6))
        painter.setBrush(QBrush(fill))
        painter.drawRoundedRect(self.body(), 8, 8)
        painter.setBrush(QBrush())

    def _paint_neurons(self, painter: QPainter, n: int, text: QColor) -> None:
        biases = self.view.biases
        scale = float(np.max(np.abs(biases))) if biases is not None and biases.size else 0.0
        outline = QColor(text)
        outline.setAlphaF(0.55)
        painter.setPen(QPen(outline, 1.0))
        for i in range(n):
            fill = QColor("#f4f5f6")
            if biases is not None and i < len(biases):
                fill = weight_colour(float(biases[i]), scale)
            painter.setBrush(QBrush(fill))
            painter.drawEllipse(self.neuron_centre(i), NEURON_RADIUS, NEURON_RADIUS)
        painter.setBrush(QBrush())

    def _paint_ports(self, painter: QPainter, colour: QColor, base: QColor) -> None:
        painter.setPen(QPen(colour, 1.6))
        painter.setBrush(QBrush(base))
        if self.view.type != "Input":
            painter.drawEllipse(self.input_port(), PORT_RADIUS, PORT_RADIUS)
        painter.setBrush(QBrush(colour))
        painter.drawEllipse(self.output_port(), PORT_RADIUS, PORT_RADIUS)
        painter.setBrush(QBrush())

    def _paint_badge(self, painter: QPainter, colour: QColor) -> None:
        centre = QPointF(WIDTH - 2, 2)
        painter.setPen(QPen(Qt.PenStyle.NoPen))
        painter.setBrush(QBrush(colour))
        painter.drawEllipse(centre, 9, 9)
        painter.setPen(QPen(QColor("white")))
        font = QFont(painter.font())
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(QRectF(centre.x() - 9, centre.y() - 9, 18, 18),
                         Qt.AlignmentFlag.AlignCenter, "!")
        painter.setBrush(QBrush())

    # -- interaction ------------------------------------------------------------------------

    def itemChange(self, change, value):
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            scene = self.scene()
            if scene is not None and hasattr(scene, "on_item_moved"):
                scene.on_item_moved(self)
        elif change == QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged:
            self.update()
        return super().itemChange(change, value)

    def hoverMoveEvent(self, event) -> None:
        on_port = self.port_at(event.pos()) == "out"
        self.setCursor(Qt.CursorShape.CrossCursor if on_port else Qt.CursorShape.ArrowCursor)
        super().hoverMoveEvent(event)

    def neuron_at(self, pos: QPointF) -> int | None:
        """The neuron under ``pos`` (item coordinates) in neuron mode, else None."""
        n = self.view.neuron_count
        if n is None:
            return None
        for i in range(n):
            if (pos - self.neuron_centre(i)).manhattanLength() <= NEURON_RADIUS * 1.5:
                return i
        return None

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.port_at(event.pos()) == "out":
            self.scene().begin_connection(self, event.scenePos())
            event.accept()
            return
        if event.button() == Qt.MouseButton.LeftButton:
            neuron = self.neuron_at(event.pos())
            if neuron is not None and hasattr(self.scene(), "neuron_clicked"):
                self.scene().neuron_clicked.emit(self.name, neuron)
        super().mousePressEvent(event)


class EdgeItem(QGraphicsPathItem):
    """A connection: a curve from an output port to an input port, or — when both ends show
    neurons — every neuron-to-neuron connection coloured and sized by its weight."""

    def __init__(self, src: LayerItem, dst: LayerItem) -> None:
        super().__init__()
        self.src, self.dst = src, dst
        self.problem: Problem | None = None
        self.weights: np.ndarray | None = None  # (dst neurons, src neurons)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setZValue(-1)
        self.setAcceptHoverEvents(True)
        self.route()

    @property
    def key(self) -> tuple[str, str]:
        return (self.src.name, self.dst.name)

    def route(self) -> None:
        a = self.src.mapToScene(self.src.output_port())
        b = self.dst.mapToScene(self.dst.input_port())
        dx = max(abs(b.x() - a.x()) * 0.5, 40.0)
        path = QPainterPath(a)
        path.cubicTo(QPointF(a.x() + dx, a.y()), QPointF(b.x() - dx, b.y()), b)
        self.setPath(path)
        self._update_tooltip()

    def set_state(self, problem: Problem | None, weights: np.ndarray | None) -> None:
        self.problem = problem
        self.weights = weights
        self._update_tooltip()
        self.update()

    def _update_tooltip(self) -> None:
        text = f"{self.src.name} → {self.dst.name}"
        shape = self.src.view.shape
        if shape is not None:
            text += f": carries {fmt_shape(shape)}"
        if self.problem is not None:
            text += f"<br><span style='color:{ERROR.name()}'><b>Problem:</b> " \
                    f"{self.problem.message}</span>"
            if self.problem.fix:
                text += f"<br><i>Fix:</i> {self.problem.fix}"
        W = self._link_weights() if self._neuron_links() else None
        if W is not None:
            text += (f"<br>weights from {W.min():+.3f} to {W.max():+.3f} "
                     "(orange negative, blue positive; thicker is stronger)")
        self.setToolTip(text)

    def _neuron_links(self) -> bool:
        """Both ends show neurons and the target is a Dense layer: draw every connection."""
        return (
            self.problem is None
            and self.dst.view.type == "Dense"
            and self.src.view.neuron_count is not None
            and self.dst.view.neuron_count is not None
        )

    def _link_weights(self) -> np.ndarray | None:
        want = (self.dst.view.neuron_count, self.src.view.neuron_count)
        if self.weights is not None and self.weights.shape == want:
            return self.weights
        return None

    def link_at(self, pos: QPointF, tolerance: float = 4.0) -> tuple[int, int] | None:
        """The (target neuron, source neuron) link nearest ``pos`` (scene coordinates), when
        neurons are drawn and the point lies within ``tolerance`` of that link."""
        if not self._neuron_links():
            return None
        best, best_d = None, tolerance
        for j in range(self.dst.view.neuron_count):
            b = self.dst.mapToScene(self.dst.neuron_centre(j))
            for i in range(self.src.view.neuron_count):
                a = self.src.mapToScene(self.src.neuron_centre(i))
                d = _distance_to_segment(pos, a, b)
                if d <= best_d:
                    best, best_d = (j, i), d
        return best

    def hoverMoveEvent(self, event) -> None:
        link = self.link_at(event.scenePos())
        W = self._link_weights()
        if link is not None:
            j, i = link
            text = f"{self.src.name}[{i}] → {self.dst.name}[{j}]"
            if W is not None:
                text += f": weight w = {W[j, i]:+.4f}"
                grads = getattr(self.scene(), "link_gradients", None)
                g = grads(self.dst.name) if callable(grads) else None
                if g is not None and g.shape == W.shape:
                    text += f", gradient ∂L/∂w = {g[j, i]:+.4g} for the inspected sample"
            else:
                text += " (untrained: weights appear after training)"
            self.setToolTip(text)
        else:
            self._update_tooltip()
        super().hoverMoveEvent(event)

    def boundingRect(self) -> QRectF:
        rect = super().boundingRect()
        if self._neuron_links() or self.src.view.neuron_count is not None:
            rect = rect.united(self.src.sceneBoundingRect()).united(self.dst.sceneBoundingRect())
        return rect.adjusted(-4, -4, 4, 4)

    def shape(self) -> QPainterPath:
        if self._neuron_links():
            # The whole fan of links is hoverable; built from the blocks (the edge sits at the
            # scene origin), not from boundingRect(), which itself calls shape().
            fan = QPainterPath()
            fan.addRect(self.src.sceneBoundingRect().united(self.dst.sceneBoundingRect()))
            return fan
        stroker_path = QPainterPath(self.path())
        from PySide6.QtGui import QPainterPathStroker

        stroker = QPainterPathStroker()
        stroker.setWidth(10)
        return stroker.createStroke(stroker_path)

    def paint(self, painter: QPainter, option, widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self._neuron_links():
            neutral = widget.palette().text().color() if widget else QColor("#555")
            neutral.setAlphaF(0.3)
            self._paint_links(painter, neutral)
            return
        if self.problem is not None:
            pen = QPen(ERROR, 2.4, Qt.PenStyle.DashLine)
        elif self.isSelected():
            pen = QPen(SELECTION, 3.0)
        else:
            colour = widget.palette().text().color() if widget else QColor("#555")
            colour.setAlphaF(0.45)
            pen = QPen(colour, 2.0)
        painter.setPen(pen)
        painter.drawPath(self.path())

    def _paint_links(self, painter: QPainter, neutral: QColor) -> None:
        W = self._link_weights()
        if W is None:  # untrained: every connection, thin and neutral
            painter.setPen(QPen(neutral, 1.0))
            for j in range(self.dst.view.neuron_count):
                b = self.dst.mapToScene(self.dst.neuron_centre(j))
                for i in range(self.src.view.neuron_count):
                    painter.drawLine(self.src.mapToScene(self.src.neuron_centre(i)), b)
            return
        scale = float(np.max(np.abs(W))) if W.size else 0.0
        for j in range(W.shape[0]):
            b = self.dst.mapToScene(self.dst.neuron_centre(j))
            for i in range(W.shape[1]):
                a = self.src.mapToScene(self.src.neuron_centre(i))
                w = float(W[j, i])
                width = 0.6 + 3.4 * (abs(w) / scale if scale > 0 else 0.0)
                painter.setPen(QPen(weight_colour(w, scale), width))
                painter.drawLine(a, b)


def _distance_to_segment(p: QPointF, a: QPointF, b: QPointF) -> float:
    ab_x, ab_y = b.x() - a.x(), b.y() - a.y()
    length2 = ab_x * ab_x + ab_y * ab_y
    t = 0.0 if length2 == 0 else ((p.x() - a.x()) * ab_x + (p.y() - a.y()) * ab_y) / length2
    t = max(0.0, min(1.0, t))
    dx, dy = p.x() - (a.x() + t * ab_x), p.y() - (a.y() + t * ab_y)
    return (dx * dx + dy * dy) ** 0.5


class PendingEdgeItem(QGraphicsPathItem):
    """The rubber-band curve shown while dragging a new connection."""

    def __init__(self, start: QPointF) -> None:
        super().__init__()
        self.start = start
        self.setPen(QPen(SELECTION, 2.0, Qt.PenStyle.DashLine))
        self.setZValue(10)
        self.move_to(start)

    def move_to(self, end: QPointF) -> None:
        dx = max(abs(end.x() - self.start.x()) * 0.5, 30.0)
        path = QPainterPath(self.start)
        path.cubicTo(QPointF(self.start.x() + dx, self.start.y()),
                     QPointF(end.x() - dx, end.y()), end)
        self.setPath(path)
