"""Neuron inspector: its numbers are the engine's (z = Wx + b and f(z), checked by hand here),
its sentences carry those numbers, and it follows the document's weights."""

import numpy as np
import pytest

from engine import NetworkSpec
from nndesigner.document import Document
from nndesigner.teach.formulas import num, sum_text
from nndesigner.teach.inspector import EMPTY, NeuronInspector

W_HIDDEN = np.array([[0.5, -0.25, 1.0], [0.2, 0.4, 0.3]], dtype=np.float32)
B_HIDDEN = np.array([0.1, 0.0], dtype=np.float32)
W_OUT = np.array([[1.5, -2.0]], dtype=np.float32)
B_OUT = np.array([0.25], dtype=np.float32)


@pytest.fixture
def doc(qapp):
    spec = NetworkSpec.sequential([
        {"type": "Input", "shape": [3], "name": "x"},
        {"type": "Dense", "units": 2, "activation": "relu", "name": "hidden"},
        {"type": "Dense", "units": 1, "activation": "sigmoid", "name": "out"},
    ], loss="binary_cross_entropy")
    d = Document()
    d.load(spec, weights={"hidden/W": W_HIDDEN, "hidden/b": B_HIDDEN, "out/W": W_OUT,
                          "out/b": B_OUT})
    return d


@pytest.fixture
def inspector(qtbot, doc):
    w = NeuronInspector(doc)
    qtbot.addWidget(w)
    w.resize(380, 620)
    return w


def test_numbers_equal_wx_plus_b(inspector):
    x = np.array([1.0, 1.0, 0.0])
    inspector.set_sample(x)
    inspector.show_neuron("hidden", 1)
    n = inspector.numbers
    z = W_HIDDEN.astype(float)[1] @ x + B_HIDDEN[1]
    assert n.z == pytest.approx(z, abs=1e-7)
    assert n.a == pytest.approx(max(z, 0.0), abs=1e-7)
    np.testing.assert_allclose(n.weights, W_HIDDEN[1], atol=1e-7)
    np.testing.assert_array_equal(n.inputs, x)
    assert n.sum_text == "z = 0.20·1.00 + 0.40·1.00 + 0.30·0.00 + 0.00 = 0.60"
    assert n.activation_text == "ReLU: max(0, 0.60) = 0.60"
    assert inspector.sum_label.text().endswith(n.sum_text)
    assert inspector.table.rowCount() == 3 and inspector.table.item(0, 2).text() == "0.2000"


def test_output_neuron_follows_the_hidden_layer(inspector):
    x = np.array([0.3, -1.2, 2.0])
    inspector.set_sample(x)
    inspector.show_neuron("out", 0)
    h = np.maximum(W_HIDDEN.astype(float) @ x + B_HIDDEN, 0)
    z = W_OUT.astype(float)[0] @ h + B_OUT[0]
    n = inspector.numbers
    assert n.z == pytest.approx(z, abs=1e-6)
    assert n.a == pytest.approx(1 / (1 + np.exp(-z)), abs=1e-7)
    assert n.activation_text.startswith("sigmoid: 1 / (1 + e^")
    assert n.activation_text.endswith(num(n.a, 3))
    assert inspector.out_label.text().endswith(f"{num(n.a, 4)}</b>")


def test_follows_the_document_and_clears(qtbot, inspector, doc):
    inspector.set_sample([1.0, 1.0, 0.0])
    inspector.show_neuron("hidden", 1)
    doc.set_weights({"hidden/W": W_HIDDEN * 2, "hidden/b": B_HIDDEN, "out/W": W_OUT,
                     "out/b": B_OUT})
    qtbot.waitUntil(lambda: inspector.numbers is not None and
                    inspector.numbers.z == pytest.approx(1.2, abs=1e-6), timeout=2000)
    inspector.show_neuron(None)
    assert inspector.title.text() == EMPTY and not inspector.table.isVisibleTo(inspector)


def test_step_neuron_and_long_sums(qtbot, qapp):
    spec = NetworkSpec.sequential([
        {"type": "Input", "shape": [5]},
        {"type": "Dense", "units": 1, "name": "buys",
         "activation": {"name": "step", "threshold": 0.5}},
    ], loss="mse")
    doc = Document()
    doc.load(spec, weights={"buys/W": np.array([[0.3, 0.4, 0.3, 0.2, -0.6]], np.float32),
                            "buys/b": np.zeros(1, np.float32)})
    w = NeuronInspector(doc)
    qtbot.addWidget(w)
    w.set_sample([1, 1, 0, 0, 0])
    w.show_neuron("buys", 0)
    assert w.numbers.activation_text == "step: 0.70 ≥ θ=0.50 → 1"
    assert w.numbers.sum_text.endswith("+ 0.00 = 0.70")
    # 784 inputs: the 8 largest |w·x| terms, then how many were left out
    weights = np.linspace(-1, 1, 784)
    inputs = np.ones(784)
    text = sum_text(inputs, weights, 0.5, float(weights @ inputs + 0.5))
    assert "… + 776 more terms" in text and text.count("·") == 8
    assert text.startswith("z = −1.00·1.00 + 1.00·1.00")


def test_conv_neuron_is_the_engine_z(qtbot, qapp):
    spec = NetworkSpec.sequential([
        {"type": "Input", "shape": [1, 5, 5]},
        {"type": "Conv2D", "filters": 2, "kernel_size": 3, "padding": "same",
         "activation": "relu", "name": "conv"},
    ], loss="mse")
    doc = Document()
    doc.load(spec)
    w = NeuronInspector(doc)
    qtbot.addWidget(w)
    x = np.arange(25, dtype=float).reshape(1, 5, 5) / 25
    w.set_sample(x)
    w.show_neuron("conv", 1, position=(0, 2))
    n = w.numbers
    model = doc.build_model()
    kernel = model.get_weights()["conv/W"][1, 0].astype(float)
    patch = np.pad(x[0], 1)[0:3, 2:5]  # output (0, 2) reads padded rows 0-2, columns 2-4
    expected = float(np.sum(kernel * patch) + model.get_weights()["conv/b"][1])
    assert n.z == pytest.approx(expected, abs=1e-6)
    assert n.z == pytest.approx(model.activations(x[None])["conv"]["z"][0, 1, 0, 2], abs=1e-6)
    assert n.input_labels[:3] == ["pad", "pad", "pad"]


def test_screenshot(qtbot, inspector):
    inspector.set_sample([1.0, 1.0, 0.0])
    inspector.show_neuron("hidden", 1)
    inspector.show()
    qtbot.waitExposed(inspector)
    assert inspector.grab().save("/tmp/teach_inspector.png")


def test_layers_without_weights(inspector):
    inspector.set_sample([0.5, 2.0, -1.0])
    inspector.show_neuron("x", 1)
    assert inspector.numbers.kind == "input" and inspector.numbers.z == 2.0
    assert "input value: 2.00" in inspector.sum_label.text()
    assert not inspector.plot.isVisibleTo(inspector)
