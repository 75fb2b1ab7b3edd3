"""NetworkScene: draws a Document and turns gestures into commands.

It keeps a map from layer name to item and from (source, target) to edge, created and
destroyed from Document signals only — a new scene on an existing document catches up through
:meth:`rebuild`. Moving, connecting, deleting and pasting push commands on the document's undo
stack; a refused edit is reported through ``message`` instead of raising.
"""

from __future__ import annotations

import json

from PySide6.QtCore import QMimeData, QPointF, Signal
from PySide6.QtGui import QGuiApplication, QTransform
from PySide6.QtWidgets import QGraphicsScene

from engine import SpecError

from .. import commands as cmd
from ..document import Document
from .items import EdgeItem, LayerItem, LayerView, PendingEdgeItem
from .layout import layered_layout

LAYERS_MIME = "application/x-nndesigner-layers"


def release_clipboard() -> None:
    """Take our layers off the clipboard before Qt shuts down: PySide6 crashes at exit when
    the clipboard still owns a QMimeData created from Python."""
    clipboard = QGuiApplication.clipboard()
    mime = clipboard.mimeData() if clipboard is not None else None
    if mime is not None and mime.hasFormat(LAYERS_MIME):
        clipboard.clear()


def _signature(view: LayerView) -> tuple:
    """What a layer item shows, comparable (weights by identity: they are replaced whole)."""
    return (
        view.name, view.type, repr(view.params), view.shape, view.param_count,
        tuple(view.problems), view.is_output, view.neuron_mode, id(view.biases),
    )


class NetworkScene(QGraphicsScene):
    #: A short message for the status bar (a refused connection, a paste…).
    message = Signal(str)
    #: The single selected layer's name, or "" for none / several.
    layer_selected = Signal(str)
    #: A neuron circle was clicked: (layer, neuron index).
    neuron_clicked = Signal(str, int)

    def __init__(self, doc: Document, parent=None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.layer_items: dict[str, LayerItem] = {}
        self.edge_items: dict[tuple[str, str], EdgeItem] = {}
        self.neuron_mode = False
        self._pending: PendingEdgeItem | None = None
        self._pending_source: LayerItem | None = None
        self._press_positions: dict[str, tuple[float, float]] = {}
        self._syncing = False
        #: Optional: layer name → ∂L/∂W for the inspected sample (set by the window).
        self.link_gradients = None
        doc.reset.connect(self.rebuild)
        doc.layer_added.connect(self._on_layer_added)
        doc.layer_removed.connect(self._on_layer_removed)
        doc.layer_renamed.connect(self._on_layer_renamed)
        doc.layer_moved.connect(self._on_layer_moved)
        doc.layer_changed.connect(lambda _name: None)  # analysis_changed follows and refreshes
        doc.edge_added.connect(self._on_edge_added)
        doc.edge_removed.connect(self._on_edge_removed)
        doc.analysis_changed.connect(self.refresh)
        doc.weights_changed.connect(self.refresh)
        self.selectionChanged.connect(self._on_selection_changed)
        self.rebuild()

    # -- building from the document ---------------------------------------------------------

    def rebuild(self) -> None:
        self.clear()
        self.layer_items.clear()
        self.edge_items.clear()
        self._pending = None
        for name in self.doc.spec.layers:
            self._on_layer_added(name)
        for src, dst in self.doc.spec.edges():
            self._on_edge_added(src, dst)
        self.refresh()

    def _layer_view(self, name: str) -> LayerView:
        layer = self.doc.spec.layers[name]
        analysis = self.doc.analysis
        biases = None
        if self.neuron_mode:
            b = self.doc.layer_weights(name).get("b")
            shape = analysis.shapes.get(name)
            if b is not None and shape is not None and b.shape == shape:
                biases = b
        return LayerView(
            name=name,
            type=layer.type,
            params=layer.params,
            shape=analysis.shapes.get(name),
            param_count=analysis.param_counts.get(name),
            problems=analysis.problems_for(name),
            is_output=analysis.output == name,
            neuron_mode=self.neuron_mode,
            biases=biases,
        )

    def refresh(self) -> None:
        """Re-read shapes, problems and weights after any edit; only items whose displayed
        state changed are updated (a 200-layer design must stay fast to edit)."""
        for name, item in self.layer_items.items():
            view = self._layer_view(name)
            if _signature(view) != _signature(item.view):
                item.set_view(view)
        edge_problems = {p.edge: p for p in self.doc.analysis.problems if p.edge is not None}
        for key, edge in self.edge_items.items():
            weights = None
            if self.neuron_mode:
                weights = self.doc.layer_weights(key[1]).get("W")
            problem = edge_problems.get(key)
            if problem != edge.problem or weights is not edge.weights:
                edge.set_state(problem, weights)

    def set_neuron_mode(self, on: bool) -> None:
        self.neuron_mode = on
        self.refresh()
        for edge in self.edge_items.values():
            edge.prepareGeometryChange()
            edge.route()

    def _on_layer_added(self, name: str) -> None:
        item = LayerItem(self._layer_view(name))
        x, y = self.doc.position(name)
        item.setPos(x, y)
        self.addItem(item)
        self.layer_items[name] = item

    def _on_layer_removed(self, name: str) -> None:
        item = self.layer_items.pop(name, None)
        if item is not None:
            self.removeItem(item)

    def _on_layer_renamed(self, old: str, new: str) -> None:
        item = self.layer_items.pop(old)
        self.layer_items[new] = item
        for (src, dst), edge in list(self.edge_items.items()):
            if old in (src, dst):
                del self.edge_items[(src, dst)]
                self.edge_items[(new if src == old else src, new if dst == old else dst)] = edge
        item.set_view(self._layer_view(new))

    def _on_layer_moved(self, name: str) -> None:
        item = self.layer_items.get(name)
        if item is None:
            return
        x, y = self.doc.position(name)
        if (item.x(), item.y()) != (x, y):
            self._syncing = True
            item.setPos(x, y)
            self._syncing = False

    def _on_edge_added(self, src: str, dst: str) -> None:
        if (src, dst) in self.edge_items:
            return
        edge = EdgeItem(self.layer_items[src], self.layer_items[dst])
        self.addItem(edge)
        self.edge_items[(src, dst)] = edge

    def _on_edge_removed(self, src: str, dst: str) -> None:
        edge = self.edge_items.pop((src, dst), None)
        if edge is not None:
            self.removeItem(edge)

    def on_item_moved(self, item: LayerItem) -> None:
        for (src, dst), edge in self.edge_items.items():
            if item.name in (src, dst):
                edge.route()

    # -- selection --------------------------------------------------------------------------

    def selected_layers(self) -> list[str]:
        return [i.name for i in self.selectedItems() if isinstance(i, LayerItem)]

    def selected_edges(self) -> list[tuple[str, str]]:
        return [i.key for i in self.selectedItems() if isinstance(i, EdgeItem)]

    def select_layer(self, name: str) -> None:
        self.clearSelection()
        item = self.layer_items.get(name)
        if item is not None:
            item.setSelected(True)
            for view in self.views():
                view.ensureVisible(item, 10, 10)

    def _on_selection_changed(self) -> None:
        names = self.selected_layers()
        self.layer_selected.emit(names[0] if len(names) == 1 else "")

    # -- gestures → commands ----------------------------------------------------------------

    def push(self, command) -> bool:
        self.doc.undo_stack.push(command)
        return True

    def try_push(self, make) -> bool:
        """Build a command (which validates) and push it; report a refusal as a message."""
        try:
            command = make()
        except SpecError as exc:
            self.message.emit(str(exc))
            return False
        return self.push(command)

    def add_layer(self, type_name: str, pos: QPointF, params: dict | None = None,
                  inputs: list[str] | None = None) -> str | None:
        holder: dict = {}

        def make():
            holder["cmd"] = cmd.AddLayerCommand(self.doc, type_name, (pos.x(), pos.y()),
                                                params, inputs)
            return holder["cmd"]

        if not self.try_push(make):
            return None
        name = holder["cmd"].name
        self.select_layer(name)
        return name

    def add_after_selection(self, type_name: str, params: dict | None = None) -> str | None:
        """Add a layer to the right of the selected one and connect it (palette double-click)."""
        selected = self.selected_layers()
        if selected:
            src = self.layer_items[selected[-1]]
            pos = QPointF(src.x() + 240, src.y())
            inputs = [src.name]
        else:
            rect = self.itemsBoundingRect()
            pos = QPointF(rect.right() + 60 if self.layer_items else 0, rect.top()
                          if self.layer_items else 0)
            inputs = []
        if type_name == "Input":
            inputs = []
        return self.add_layer(type_name, pos, params, inputs)

    def delete_selection(self) -> None:
        layers, edges = self.selected_layers(), self.selected_edges()
        edges = [e for e in edges if e[0] not in layers and e[1] not in layers]
        if not layers and not edges:
            return
        stack = self.doc.undo_stack
        stack.beginMacro("Delete selection")
        try:
            for src, dst in edges:
                self.try_push(lambda s=src, d=dst: cmd.DisconnectCommand(self.doc, s, d))
            if layers:
                self.try_push(lambda: cmd.RemoveLayersCommand(self.doc, layers))
        finally:
            stack.endMacro()

    def begin_connection(self, source: LayerItem, pos: QPointF) -> None:
        self._pending_source = source
        self._pending = PendingEdgeItem(source.mapToScene(source.output_port()))
        self.addItem(self._pending)
        self._pending.move_to(pos)

    def _layer_at(self, pos: QPointF) -> LayerItem | None:
        for item in self.items(pos):
            if isinstance(item, LayerItem):
                return item
        return None

    def mouseMoveEvent(self, event) -> None:
        if self._pending is not None:
            self._pending.move_to(event.scenePos())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mousePressEvent(self, event) -> None:
        super().mousePressEvent(event)
        self._press_positions = {
            name: (item.x(), item.y()) for name, item in self.layer_items.items()
            if item.isSelected()
        }

    def mouseReleaseEvent(self, event) -> None:
        if self._pending is not None:
            self.finish_connection(event.scenePos())
            event.accept()
            return
        super().mouseReleaseEvent(event)
        self._commit_moves()

    def finish_connection(self, pos: QPointF) -> bool:
        source = self._pending_source
        self.removeItem(self._pending)
        self._pending, self._pending_source = None, None
        target = self._layer_at(pos)
        if source is None or target is None or target is source:
            return False
        ok = self.try_push(lambda: cmd.ConnectCommand(self.doc, source.name, target.name))
        if ok:
            problem = next((p for p in self.doc.analysis.problems
                            if p.edge == (source.name, target.name)), None)
            if problem is not None:
                self.message.emit(f"{problem.message} — {problem.fix}")
        return ok

    def _commit_moves(self) -> None:
        moves = {}
        for name, old in self._press_positions.items():
            item = self.layer_items.get(name)
            if item is not None and (item.x(), item.y()) != old:
                moves[name] = (old, (item.x(), item.y()))
        self._press_positions = {}
        if moves:
            self.push(cmd.MoveLayersCommand(self.doc, moves))

    def auto_layout(self) -> None:
        positions = layered_layout(self.doc.spec)
        moves = {
            name: (self.doc.position(name), pos)
            for name, pos in positions.items()
            if self.doc.position(name) != pos
        }
        if moves:
            self.push(cmd.MoveLayersCommand(self.doc, moves, text="Auto-layout"))

    # -- clipboard --------------------------------------------------------------------------

    def copy_selection(self) -> int:
        names = self.selected_layers()
        if not names:
            return 0
        payload = {
            "layers": [self.doc.spec.layers[n].to_dict() for n in self.doc.spec.layers
                       if n in set(names)],
            "positions": {n: list(self.doc.position(n)) for n in names},
        }
        mime = QMimeData()
        mime.setData(LAYERS_MIME, json.dumps(payload).encode())
        mime.setText(", ".join(names))
        QGuiApplication.clipboard().setMimeData(mime)
        return len(names)

    def paste(self) -> list[str]:
        mime = QGuiApplication.clipboard().mimeData()
        if mime is None or not mime.hasFormat(LAYERS_MIME):
            return []
        try:
            payload = json.loads(bytes(mime.data(LAYERS_MIME)).decode())
            layers = payload["layers"]
            positions = {k: tuple(v) for k, v in payload["positions"].items()}
        except (ValueError, KeyError, TypeError):
            self.message.emit("The clipboard does not hold layers that can be pasted")
            return []
        holder: dict = {}

        def make():
            holder["cmd"] = cmd.PasteCommand(self.doc, layers, positions, (40.0, 40.0))
            return holder["cmd"]

        if not self.try_push(make):
            return []
        names = holder["cmd"].names
        self.clearSelection()
        for n in names:
            self.layer_items[n].setSelected(True)
        return names

    def item_at(self, pos: QPointF) -> LayerItem | None:
        item = self.itemAt(pos, QTransform())
        return item if isinstance(item, LayerItem) else None
