"""Step-through: the loss and gradients are the engine's, one "Apply update" equals one plain
SGD training step on that sample, and "Step back" restores the document's weights exactly."""

import numpy as np
import pytest

import engine
from engine import NetworkSpec, TrainingConfig
from nndesigner.document import Document
from nndesigner.teach.step_through import StepThrough

X = np.array([[0.5, -1.0], [1.0, 0.25], [-0.3, 0.8]], dtype=np.float32)
Y = np.array([1, 0, 1])


def make_doc(weights=True):
    spec = NetworkSpec.sequential([
        {"type": "Input", "shape": [2], "name": "input"},
        {"type": "Dense", "units": 3, "activation": "tanh", "name": "hidden"},
        {"type": "Dense", "units": 2, "activation": "softmax", "name": "output"},
    ], loss="cross_entropy")
    doc = Document()
    start = engine.Model(spec, seed=3).get_weights() if weights else None
    doc.load(spec, weights=start, training=TrainingConfig(lr=0.3, optimizer="sgd"))
    return doc


@pytest.fixture
def doc(qapp):
    return make_doc()


@pytest.fixture
def st(qtbot, doc):
    w = StepThrough(doc)
    qtbot.addWidget(w)
    w.resize(760, 620)
    w.set_data(X, Y, ["no", "yes"])
    return w


def run_to_update(st):
    for _ in range(3):
        st.forward()
    st.show_loss()
    st.backward()
    st.backward()


def test_forward_loss_backward_are_the_engines(st, doc):
    highlighted = []
    st.layer_highlighted.connect(highlighted.append)
    st.set_sample_index(2)
    for _ in range(3):
        st.forward()
    assert [h for h in highlighted if h] == ["input", "hidden", "output"]  # "": none
    assert not st.b_forward.isEnabled() and st.b_loss.isEnabled()
    st.show_loss()
    model = doc.build_model()
    expected = engine.trace(model, X[2:3], Y[2:3])
    assert st.trace.loss == expected.loss
    p_true = expected.output[0, 1]
    assert f"−log {p_true:.4f}" in st.loss_label.text() and "yes" in st.loss_label.text()
    st.backward()
    assert highlighted[-1] == "output"
    headers = [st.table.horizontalHeaderItem(c).text() for c in range(st.table.columnCount())]
    assert [st.table.item(r, headers.index("target y")).text() for r in range(2)] == ["0", "1"]
    delta = [st.table.item(r, headers.index("δ = ∂L/∂z")).text() for r in range(2)]
    assert delta == [f"{v:.4f}".replace("-", "−") for v in expected.layer("output").delta[0]]
    st.backward()
    assert highlighted[-1] == "hidden" and st.b_update.isEnabled()


def test_update_equals_one_sgd_step_and_step_back_restores(st, doc):
    before = {k: v.copy() for k, v in doc.weights.items()}
    original = doc.weights
    st.set_sample_index(1)
    run_to_update(st)
    st.apply_update()
    # the same step by the engine's trainer: batch of one, no shuffling, plain SGD
    model = engine.Model(doc.spec, seed=0)
    model.set_weights(before)
    for _ in engine.fit(model, X[1:2], Y[1:2], epochs=1, batch_size=1, lr=0.3,
                        optimizer="sgd", shuffle=False):
        pass
    trained = model.get_weights()
    # The trainer folds lr into the gradients (plain SGD): the same step, rounded once
    # differently, so equal to float32 precision rather than bit for bit.
    for key, value in trained.items():
        np.testing.assert_allclose(doc.weights[key], value, rtol=1e-6, atol=1e-7, err_msg=key)
    assert st.updates.count() > 0 and "→" in st.updates.item(0).text()
    assert not np.array_equal(doc.weights["hidden/W"], before["hidden/W"])
    assert st.b_back.isEnabled()
    st.step_back()
    for key, value in before.items():
        np.testing.assert_array_equal(doc.weights[key], value, err_msg=key)
        assert doc.weights[key].dtype == original[key].dtype
    assert st.b_update.isEnabled() and not st.b_back.isEnabled()  # the update can be redone


def test_untrained_document_steps_back_to_untrained(qtbot, qapp):
    doc = make_doc(weights=False)
    st = StepThrough(doc)
    qtbot.addWidget(st)
    st.set_data(X, Y)
    run_to_update(st)
    st.apply_update()
    assert doc.weights is not None
    st.step_back()
    assert doc.weights is None


def test_training_elsewhere_cancels_step_back(st, doc):
    run_to_update(st)
    st.apply_update()
    doc.set_weights({k: v * 0 for k, v in doc.weights.items()})  # e.g. a training snapshot
    assert st.phase == "idle" and not st.b_back.isEnabled()


def test_step_units_have_zero_gradients(qtbot, qapp):
    spec = NetworkSpec.sequential([
        {"type": "Input", "shape": [2]},
        {"type": "Dense", "units": 1, "name": "out",
         "activation": {"name": "step", "threshold": 0.5}},
    ], loss="mse")
    doc = Document()
    doc.load(spec)
    st = StepThrough(doc)
    qtbot.addWidget(st)
    st.set_data(np.array([[0.0, 1.0]]), np.array([[1.0]]))
    st.forward()
    st.forward()
    st.show_loss()
    st.backward()
    assert "slope f′(z) is 0" in st.explanation.text()
    assert not np.any(st.trace.layer("out").grads["W"])


def test_screenshot_mid_backward(qtbot, st):
    st.set_sample_index(1)
    for _ in range(3):
        st.forward()
    st.show_loss()
    st.backward()
    st.show()
    qtbot.waitExposed(st)
    assert st.grab().save("/tmp/teach_step_through.png")
