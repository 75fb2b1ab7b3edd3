"""Properties panel: each finished edit is one undo step, refused values leave the document
alone and say why, and the panel follows the document (undo, rename, removal, analysis)."""

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLabel,
    QLineEdit,
    QSpinBox,
)

from engine import NetworkSpec, activations
from nndesigner import commands as cmd
from nndesigner.document import Document
from nndesigner.panels.activation_plot import SOFTMAX_NOTE, curves
from nndesigner.panels.properties import HINT, INPUT_NOTE, PropertiesPanel
from tests.gui.helpers import make_doc


@pytest.fixture
def doc(qapp):
    return make_doc([
        {"type": "Input", "shape": [4]},
        {"type": "Dense", "units": 8, "activation": "relu"},
        {"type": "Dense", "units": 3, "activation": "softmax"},
    ])


@pytest.fixture
def panel(qtbot, doc):
    widget = PropertiesPanel(doc)
    qtbot.addWidget(widget)
    widget.resize(300, 900)
    return widget


def widget_of(panel, key, option=None):
    editor = panel.editor(key)
    assert editor is not None, f"no editor for {key}"
    return (editor.option_fields[option] if option else editor.field).widget


def choose(combo: QComboBox, text: str) -> None:
    """Pick an item the way a user does: the combo emits activated."""
    index = combo.findText(text)
    assert index >= 0, text
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def type_into(qtbot, widget, text: str) -> None:
    """Replace the text and press Return, as a user does."""
    line = widget.lineEdit() if isinstance(widget, QSpinBox | QDoubleSpinBox) else widget
    line.selectAll()
    qtbot.keyClicks(line, text)
    qtbot.keyClick(line, Qt.Key.Key_Return)


def error_of(panel, key):
    label = panel.editor(key).error_label
    return label.text() if label.isVisibleTo(panel) else ""


def test_typing_units_is_one_undo_step_and_undo_shows_the_old_value(qtbot, panel, doc):
    panel.show_layer("dense_1")
    spin = widget_of(panel, "units")
    assert isinstance(spin, QSpinBox) and spin.value() == 8
    assert spin.maximum() >= 1_000_000 and spin.minimum() == 1
    type_into(qtbot, spin, "128")
    assert doc.layer("dense_1").params["units"] == 128
    assert doc.undo_stack.count() == 1
    doc.undo_stack.undo()
    assert doc.layer("dense_1").params["units"] == 8
    assert widget_of(panel, "units") is spin, "undo must update the widget, not rebuild it"
    assert spin.value() == 8


def test_leaving_a_field_unchanged_pushes_nothing(qtbot, panel, doc):
    panel.show_layer("dense_1")
    widget_of(panel, "units").editingFinished.emit()
    widget_of(panel, "name").editingFinished.emit()
    choose(widget_of(panel, "activation"), "relu")
    assert doc.undo_stack.count() == 0


def test_activation_combo_updates_formula_and_param(panel, doc):
    panel.show_layer("dense_1")
    combo = widget_of(panel, "activation")
    assert panel.page.formula_label.text() == activations.ReLU.formula
    assert combo.itemData(combo.findText("tanh"), Qt.ItemDataRole.ToolTipRole)
    choose(combo, "tanh")
    assert doc.layer("dense_1").params["activation"] == "tanh"
    assert panel.page.formula_label.text() == activations.Tanh.formula
    assert panel.page.description_label.text() == activations.Tanh.description
    assert widget_of(panel, "activation") is combo
    doc.undo_stack.undo()
    assert panel.page.formula_label.text() == activations.ReLU.formula
    assert combo.currentText() == "relu"


def test_leaky_relu_slope_option(panel, doc):
    panel.show_layer("dense_1")
    assert panel.editor("activation").option_fields == {}
    choose(widget_of(panel, "activation"), "leaky_relu")
    slope = widget_of(panel, "activation", "slope")
    assert isinstance(slope, QDoubleSpinBox) and slope.value() == pytest.approx(0.01)
    slope.setValue(0.2)  # an arrow step or Return: valueChanged fires once
    slope.editingFinished.emit()  # then focus leaves: must not add a second step
    assert doc.layer("dense_1").params["activation"] == {"name": "leaky_relu", "slope": 0.2}
    assert doc.undo_stack.count() == 2
    doc.undo_stack.undo()
    assert doc.layer("dense_1").params["activation"] == "leaky_relu"
    assert slope.value() == pytest.approx(0.01)


def test_step_options_and_plot(qtbot, panel, doc):
    panel.show_layer("dense_1")
    choose(widget_of(panel, "activation"), "step")
    editor = panel.editor("activation")
    assert set(editor.option_fields) == {"threshold", "straight_through"}
    type_into(qtbot, widget_of(panel, "activation", "threshold"), "0.5")
    box = widget_of(panel, "activation", "straight_through")
    assert isinstance(box, QCheckBox)
    box.click()
    assert doc.layer("dense_1").params["activation"] == {
        "name": "step", "threshold": 0.5, "straight_through": True}
    assert doc.undo_stack.count() == 3
    x, y = panel.page.plot.f_curve.getData()
    assert y[x < 0.49].max() == 0 and y[x > 0.51].min() == 1
    _, slope = panel.page.plot.slope_curve.getData()
    assert slope.max() == 1  # the straight-through window


def test_softmax_plot_is_the_two_class_case(panel, doc):
    panel.show_layer("dense_2")
    plot = panel.page.plot
    assert plot.caption.isVisibleTo(panel) and plot.caption.text() == SOFTMAX_NOTE
    z, f, slope = curves("softmax")
    sig = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(f, sig, rtol=1e-9)
    np.testing.assert_allclose(slope, sig * (1 - sig), rtol=1e-9)
    panel.show_layer("dense_1")
    assert not panel.page.plot.caption.isVisibleTo(panel)


def test_invalid_shape_shows_error_and_leaves_doc_unchanged(qtbot, panel, doc):
    panel.show_layer("input")
    edit = widget_of(panel, "shape")
    assert edit.text() == "4"
    assert INPUT_NOTE in [label.text() for label in panel.page.findChildren(QLabel)]
    type_into(qtbot, edit, "0×5")
    assert error_of(panel, "shape").startswith("Not applied:")
    assert "≥ 1" in error_of(panel, "shape")  # not the 2-D hint "use [1, 0, 5]"
    assert doc.layer("input").params["shape"] == [4]
    assert doc.undo_stack.count() == 0
    assert edit.text() == "4"
    type_into(qtbot, edit, "abc")
    assert "not a size" in error_of(panel, "shape")
    type_into(qtbot, edit, "1x7x7")
    assert doc.layer("input").params["shape"] == [1, 7, 7]
    assert edit.text() == "1×7×7" and error_of(panel, "shape") == ""
    assert "49 input neurons" in panel.page.shape_label.text()


def test_rename_and_duplicate_name(qtbot, panel, doc):
    panel.show_layer("dense_1")
    edit = widget_of(panel, "name")
    type_into(qtbot, edit, "dense_2")
    assert "already exists" in error_of(panel, "name")
    assert edit.text() == "dense_1" and "dense_1" in doc.spec.layers
    assert doc.undo_stack.count() == 0
    type_into(qtbot, edit, "hidden")
    assert "hidden" in doc.spec.layers and "dense_1" not in doc.spec.layers
    assert panel.layer_name == "hidden" and error_of(panel, "name") == ""
    assert widget_of(panel, "name") is edit
    doc.undo_stack.undo()
    assert panel.layer_name == "dense_1" and edit.text() == "dense_1"


def test_loss_only_for_the_output_layer(panel, doc):
    panel.show_layer("dense_1")
    assert not panel.page.loss_box.isVisibleTo(panel)
    panel.show_layer("dense_2")
    assert panel.page.loss_box.isVisibleTo(panel)
    combo = widget_of(panel, "loss")
    assert combo.itemData(combo.findText("mse"), Qt.ItemDataRole.ToolTipRole)
    choose(combo, "mse")
    assert doc.spec.loss == "mse" and doc.undo_stack.count() == 1
    doc.undo_stack.undo()
    assert combo.currentText() == "cross_entropy"


def test_problems_of_the_layer(qtbot):
    doc = make_doc([
        {"type": "Input", "shape": [1, 8, 8]},
        {"type": "Conv2D", "filters": 4},
        {"type": "Dense", "units": 3, "activation": "step"},
    ])
    panel = PropertiesPanel(doc)
    qtbot.addWidget(panel)
    panel.show_layer("dense_1")
    texts = panel.page.problem_texts()
    assert any(t.startswith("Error:") and "Flatten" in t for t in texts)
    assert any(t.startswith("Warning:") and "straight-through" in t for t in texts)
    panel.show_layer("conv2d_1")
    assert panel.page.shape_label.text() == "4×6×6"
    assert panel.page.count_label.text() == "40"
    assert panel.page.problem_texts() == ["No problems with this layer."]


def test_analysis_refresh_keeps_the_field_being_typed_in(qtbot, panel, doc):
    panel.show_layer("dense_2")
    edit = widget_of(panel, "name")
    edit.setText("half-typed")  # not committed yet
    doc.undo_stack.push(cmd.SetParamsCommand(doc, "dense_1", {"units": 32}))
    doc.undo_stack.push(cmd.SetLossCommand(doc, "mse"))
    assert widget_of(panel, "name") is edit and edit.text() == "half-typed"
    assert widget_of(panel, "loss").currentText() == "mse"
    assert panel.page.count_label.text() == f"{32 * 3 + 3:,}"


def test_initializer_options_appear_for_normal(qtbot, panel, doc):
    panel.show_layer("dense_1")
    choose(widget_of(panel, "kernel_init"), "normal")
    std = widget_of(panel, "kernel_init", "std")
    assert isinstance(std, QLineEdit) and std.text() == "0.05"
    type_into(qtbot, std, "0.1")
    assert doc.layer("dense_1").params["kernel_init"] == {"name": "normal", "std": 0.1}
    type_into(qtbot, widget_of(panel, "kernel_init", "std"), "-1")
    assert "std" in error_of(panel, "kernel_init")
    assert doc.layer("dense_1").params["kernel_init"] == {"name": "normal", "std": 0.1}
    choose(widget_of(panel, "kernel_init"), "he_normal")
    assert panel.editor("kernel_init").option_fields == {}


def test_removing_the_shown_layer_clears_the_panel(panel, doc):
    panel.show_layer("dense_1")
    doc.undo_stack.push(cmd.RemoveLayersCommand(doc, ["dense_1"]))
    assert panel.layer_name is None
    text = panel.page.text()
    assert HINT in text and "Layers: 2" in text
    assert f"Parameters: {doc.analysis.total_params:,}" in text


def test_summary_without_a_network(qtbot):
    doc = Document()
    panel = PropertiesPanel(doc)
    qtbot.addWidget(panel)
    assert panel.page.text() == HINT


def test_eps_uses_a_text_field_in_scientific_form(qtbot):
    doc = make_doc([{"type": "Input", "shape": [4]}, {"type": "BatchNorm"}])
    panel = PropertiesPanel(doc)
    qtbot.addWidget(panel)
    panel.show_layer("batchnorm_1")
    eps = widget_of(panel, "eps")
    assert isinstance(eps, QLineEdit) and eps.text() == "1e-05"
    type_into(qtbot, eps, "1e-3")
    assert doc.layer("batchnorm_1").params["eps"] == pytest.approx(1e-3)
    type_into(qtbot, eps, "0")
    assert "≥" in error_of(panel, "eps") and eps.text() == "0.001"


@pytest.mark.parametrize("layer", ["conv2d_1", "dense_1"])
def test_screenshot_fits_a_narrow_dock(qtbot, layer):
    doc = make_doc([
        {"type": "Input", "shape": [1, 28, 28]},
        {"type": "Conv2D", "filters": 8, "kernel_size": [3, 5]},
        {"type": "Flatten"},
        {"type": "Dense", "units": 16, "activation": "step"},
    ])
    panel = PropertiesPanel(doc)
    qtbot.addWidget(panel)
    panel.resize(300, 1000)
    panel.show()
    panel.show_layer(layer)
    qtbot.waitExposed(panel)
    assert panel.page.minimumSizeHint().width() <= 300 - 20 - 16  # margins, scroll bar
    path = Path("/tmp") / f"properties_panel_{layer}.png"
    assert panel.grab().save(str(path))
    assert path.stat().st_size > 0


def test_loading_another_network_clears_the_panel(panel, doc):
    panel.show_layer("dense_1")
    doc.load(NetworkSpec.sequential([{"type": "Input", "shape": [2]}, {"type": "Dense"}]))
    assert panel.layer_name is None
    assert "Layers: 2" in panel.page.text()
