"""The canvas with real mouse gestures: drop from the palette, drag between ports, move,
delete, copy/paste, and the red reason of an invalid connection."""

import json

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from engine import NetworkSpec
from nndesigner.canvas.palette import LayerPalette
from nndesigner.canvas.scene import NetworkScene
from nndesigner.canvas.view import PALETTE_MIME, NetworkView
from nndesigner.document import Document


@pytest.fixture
def canvas(qtbot):
    doc = Document()
    spec = NetworkSpec.sequential(
        [{"type": "Input", "shape": [1, 28, 28]},
         {"type": "Conv2D", "filters": 8, "kernel_size": 3},
         {"type": "Flatten"},
         {"type": "Dense", "units": 10, "activation": "softmax"}])
    doc.load(spec, {"input": (0, 0), "conv2d_1": (250, 0), "flatten_1": (500, 0),
                    "dense_1": (750, 0)})
    scene = NetworkScene(doc)
    view = NetworkView(scene)
    qtbot.addWidget(view)
    view.resize(1100, 500)
    view.show()
    qtbot.waitExposed(view)
    view.resetTransform()
    view.centerOn(500, 40)
    return doc, scene, view


def port_point(view, item, which):
    scene_pos = item.mapToScene(item.output_port() if which == "out" else item.input_port())
    return view.mapFromScene(scene_pos)


def drop_mime(view, mime: QMimeData, at: QPoint) -> None:
    """What Qt delivers when a drag from the palette ends over the canvas."""
    vp = view.viewport()
    point = QPointF(at)
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    QApplication.sendEvent(vp, QDragEnterEvent(at, Qt.DropAction.CopyAction, mime, buttons,
                                                mods))
    QApplication.sendEvent(vp, QDragMoveEvent(at, Qt.DropAction.CopyAction, mime, buttons,
                                               mods))
    QApplication.sendEvent(vp, QDropEvent(point, Qt.DropAction.CopyAction, mime, buttons, mods))


def drag(qtbot, view, start: QPoint, end: QPoint):
    vp = view.viewport()
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=start)
    steps = 6
    for i in range(1, steps + 1):
        p = start + (end - start) * (i / steps)
        qtbot.mouseMove(vp, pos=QPoint(int(p.x()), int(p.y())))
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=end)


def test_items_mirror_the_document(canvas):
    doc, scene, _ = canvas
    assert set(scene.layer_items) == set(doc.spec.layers)
    assert set(scene.edge_items) == set(doc.spec.edges())
    assert scene.layer_items["dense_1"].view.is_output


def test_drop_from_palette_creates_a_layer_where_dropped(canvas, qtbot):
    doc, scene, view = canvas
    palette = LayerPalette()
    qtbot.addWidget(palette)
    mime = palette.mime_for(palette.row_of("Dropout"))
    drop_mime(view, mime, view.mapFromScene(QPointF(400, 300)))
    assert "dropout_1" in doc.spec.layers
    x, y = doc.position("dropout_1")
    assert abs(x - 310) < 2 and abs(y - 280) < 2
    assert scene.selected_layers() == ["dropout_1"]
    doc.undo_stack.undo()
    assert "dropout_1" not in doc.spec.layers and "dropout_1" not in scene.layer_items


def test_output_preset_from_palette_is_a_softmax_dense(canvas, qtbot):
    doc, _scene, view = canvas
    palette = LayerPalette()
    qtbot.addWidget(palette)
    entry = palette.entry(palette.row_of("Output"))
    mime = QMimeData()
    mime.setData(PALETTE_MIME, json.dumps(entry).encode())
    drop_mime(view, mime, QPoint(50, 50))
    new = [n for n in doc.spec.layers if n not in ("dense_1",) and n.startswith("dense")]
    assert doc.spec.layers[new[0]].params["activation"] == "softmax"


def test_double_click_palette_adds_after_selection(canvas, qtbot):
    doc, scene, _ = canvas
    palette = LayerPalette()
    qtbot.addWidget(palette)
    palette.add_requested.connect(scene.add_after_selection)
    scene.select_layer("flatten_1")
    palette.itemDoubleClicked.emit(palette.item(palette.row_of("Dense")))
    assert doc.spec.layers["dense_2"].inputs == ["flatten_1"]


def test_drag_between_ports_connects(canvas, qtbot):
    doc, scene, view = canvas
    doc.undo_stack.push(__import__("nndesigner.commands", fromlist=["x"]).DisconnectCommand(
        doc, "flatten_1", "dense_1"))
    assert doc.spec.layers["dense_1"].inputs == []
    src = scene.layer_items["flatten_1"]
    dst = scene.layer_items["dense_1"]
    drag(qtbot, view, port_point(view, src, "out"), port_point(view, dst, "in") + QPoint(30, 0))
    assert doc.spec.layers["dense_1"].inputs == ["flatten_1"]
    assert ("flatten_1", "dense_1") in scene.edge_items
    assert doc.analysis.ok


def test_invalid_connection_turns_red_with_reason(canvas, qtbot):
    _doc, scene, view = canvas
    messages = []
    scene.message.connect(messages.append)
    scene.edge_items[("flatten_1", "dense_1")].setSelected(True)
    scene.delete_selection()
    src = scene.layer_items["conv2d_1"]
    dst = scene.layer_items["dense_1"]
    drag(qtbot, view, port_point(view, src, "out"), port_point(view, dst, "in") + QPoint(40, 5))
    edge = scene.edge_items[("conv2d_1", "dense_1")]
    assert edge.problem is not None
    assert "8×26×26" in edge.problem.message and "Flatten" in edge.problem.fix
    assert "Flatten" in edge.toolTip()
    assert scene.layer_items["dense_1"].view.problems
    assert messages and "Flatten" in messages[-1]


def test_refused_connection_reports_why(canvas, qtbot):
    doc, scene, view = canvas
    messages = []
    scene.message.connect(messages.append)
    src = scene.layer_items["dense_1"]
    dst = scene.layer_items["input"]
    drag(qtbot, view, port_point(view, src, "out"), port_point(view, dst, "in") + QPoint(40, 0))
    assert doc.spec.layers["input"].inputs == []
    assert messages and "Input layer cannot receive" in messages[-1]


def test_moving_a_layer_is_one_undoable_step(canvas, qtbot):
    doc, scene, view = canvas
    item = scene.layer_items["flatten_1"]
    start = view.mapFromScene(item.mapToScene(QPointF(60, 20)))
    drag(qtbot, view, start, start + QPoint(0, 120))
    x, y = doc.position("flatten_1")
    assert x == 500 and abs(y - 120) < 3
    assert doc.undo_stack.count() == 1
    route = scene.edge_items[("flatten_1", "dense_1")].path().elementAt(0)
    assert abs(route.y - (y + item.input_port().y())) < 1  # the edge followed
    doc.undo_stack.undo()
    assert doc.position("flatten_1") == (500, 0) and item.y() == 0


def test_delete_copy_paste(canvas, qtbot):
    doc, scene, _ = canvas
    scene.select_layer("conv2d_1")
    scene.layer_items["flatten_1"].setSelected(True)
    assert scene.copy_selection() == 2
    scene.delete_selection()
    assert "conv2d_1" not in doc.spec.layers and "flatten_1" not in doc.spec.layers
    pasted = scene.paste()
    assert pasted == ["conv2d_1", "flatten_1"]
    assert doc.spec.layers["flatten_1"].inputs == ["conv2d_1"]
    doc.undo_stack.undo()  # paste
    doc.undo_stack.undo()  # delete
    assert doc.spec.layers["dense_1"].inputs == ["flatten_1"]
    assert doc.spec.layers["conv2d_1"].inputs == ["input"]


def test_deleting_a_selected_edge(canvas):
    doc, scene, _ = canvas
    scene.clearSelection()
    scene.edge_items[("input", "conv2d_1")].setSelected(True)
    scene.delete_selection()
    assert doc.spec.layers["conv2d_1"].inputs == []
    assert any(p.code == "missing_input" for p in doc.analysis.errors)


def test_auto_layout_orders_columns_by_depth(canvas):
    doc, scene, _ = canvas
    for name in doc.spec.layers:
        doc.positions[name] = (0.0, 0.0)
    scene.auto_layout()
    xs = [doc.position(n)[0] for n in ("input", "conv2d_1", "flatten_1", "dense_1")]
    assert xs == sorted(xs) and len(set(xs)) == 4
    doc.undo_stack.undo()
    assert doc.position("dense_1") == (0.0, 0.0)


def test_neuron_mode_draws_small_dense_layers_as_neurons(qtbot):
    doc = Document()
    spec = NetworkSpec.sequential(
        [{"type": "Input", "shape": [2]}, {"type": "Dense", "units": 3, "activation": "tanh"},
         {"type": "Dense", "units": 256}, {"type": "Dense", "units": 2,
                                            "activation": "softmax"}])
    doc.load(spec)
    scene = NetworkScene(doc)
    scene.set_neuron_mode(True)
    assert scene.layer_items["dense_1"].view.neuron_count == 3
    assert scene.layer_items["dense_2"].view.neuron_count is None  # collapses to a block
    model = doc.build_model()
    doc.set_weights(model.get_weights())
    edge = scene.edge_items[("input", "dense_1")]
    assert edge.weights is not None and edge.weights.shape == (3, 2)
    assert "weights from" in edge.toolTip()


def test_hovering_a_connection_names_its_weight(qtbot):
    doc = Document()
    spec = NetworkSpec.sequential(
        [{"type": "Input", "shape": [2]}, {"type": "Dense", "units": 3, "activation": "tanh"}],
        loss="mse")
    doc.load(spec, {"input": (0, 0), "dense_1": (300, 0)})
    scene = NetworkScene(doc)
    scene.set_neuron_mode(True)
    weights = doc.build_model().get_weights()
    doc.set_weights(weights)
    edge = scene.edge_items[("input", "dense_1")]
    a = edge.src.mapToScene(edge.src.neuron_centre(1))
    b = edge.dst.mapToScene(edge.dst.neuron_centre(2))
    middle = (a + b) / 2
    assert edge.link_at(middle) == (2, 1)
    assert edge.link_at(middle + QPointF(0, 40)) != (2, 1)
