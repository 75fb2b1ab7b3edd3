"""The step neuron trained with the perceptron rule, and a small CNN that learns images."""

import numpy as np
import pytest

import engine
from engine import Model, NetworkSpec, Trainer, TrainingConfig, fit

BOOL_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)


def perceptron(threshold=0.5):
    spec = NetworkSpec.sequential(
        [{"type": "Input", "shape": [2]},
         {"type": "Dense", "units": 1,
          "activation": {"name": "step", "threshold": threshold}, "kernel_init": "zeros"}],
        loss="mse",
    )
    return Model(spec)


@pytest.mark.parametrize(("y", "name"), [([0, 0, 0, 1], "AND"), ([0, 1, 1, 1], "OR")])
def test_perceptron_learns_and_and_or(y, name):
    model = perceptron()
    records = list(fit(model, BOOL_X, np.array(y), epochs=100, lr=0.1))
    assert records[-1].event == "converged", name
    assert model.predict(BOOL_X).ravel().tolist() == y
    assert records[-2].message == "0 of 4 samples misclassified"


def test_perceptron_reports_xor_as_not_separable_instead_of_looping():
    model = perceptron()
    records = list(fit(model, BOOL_X, np.array([0, 1, 1, 0]), epochs=10_000, lr=1.0))
    final = records[-1]
    assert final.event == "not_separable"
    assert "not linearly separable" in final.message
    assert len(records) < 50  # the cycle is detected, not the epoch limit


def test_step_neuron_decides_the_trip_insurance_example():
    # Weighted inputs summing to 0.7 with threshold 0.5: the neuron fires.
    spec = NetworkSpec.sequential(
        [{"type": "Input", "shape": [3]},
         {"type": "Dense", "units": 1, "activation": {"name": "step", "threshold": 0.5}}],
        loss="mse",
    )
    model = Model(spec)
    model.set_weights({"dense_1/W": np.array([[0.2, 0.4, 0.3]]), "dense_1/b": np.zeros(1)})
    x = np.array([[1.0, 1.0, 0.0]])  # 0.2 + 0.4 = 0.6 ≥ 0.5
    assert model.predict(x)[0, 0] == 1.0
    assert model.predict([[0.0, 1.0, 0.0]])[0, 0] == 0.0  # 0.4 < 0.5


def test_gradient_descent_cannot_train_a_step_unit_hidden_layer():
    spec = NetworkSpec.sequential(
        [{"type": "Input", "shape": [2]}, {"type": "Dense", "units": 4, "activation": "step"},
         {"type": "Dense", "units": 1, "activation": "sigmoid"}],
        loss="binary_cross_entropy")
    model = Model(spec)
    before = model.get_weights()["dense_1/W"]
    list(fit(model, BOOL_X, np.array([0, 1, 1, 0]), epochs=20, lr=0.5, batch_size=4))
    np.testing.assert_array_equal(model.get_weights()["dense_1/W"], before)
    # With the straight-through estimator the hidden weights do move.
    spec.set_params("dense_1", activation={"name": "step", "straight_through": True})
    ste = Model(spec)
    before = ste.get_weights()["dense_1/W"]
    list(fit(ste, BOOL_X, np.array([0, 1, 1, 0]), epochs=20, lr=0.5, batch_size=4))
    assert not np.array_equal(ste.get_weights()["dense_1/W"], before)


def bars(n, rng, size=10):
    """Images with one horizontal (class 0) or vertical (class 1) bar, plus noise."""
    x = rng.normal(0, 0.1, size=(n, 1, size, size)).astype(np.float32)
    y = rng.integers(0, 2, size=n)
    pos = rng.integers(1, size - 1, size=n)
    for i in range(n):
        if y[i] == 0:
            x[i, 0, pos[i], 1:-1] += 1
        else:
            x[i, 0, 1:-1, pos[i]] += 1
    return x, y


def test_small_cnn_learns_bar_orientation():
    rng = np.random.default_rng(0)
    x, y = bars(400, rng)
    xt, yt = bars(200, rng)
    spec = NetworkSpec.sequential(
        [{"type": "Input", "shape": [1, 10, 10]},
         {"type": "Conv2D", "filters": 4, "kernel_size": 3, "activation": "relu"},
         {"type": "MaxPool2D", "pool_size": 2},
         {"type": "Flatten"},
         {"type": "Dense", "units": 2, "activation": "softmax"}])
    model = Model(spec, seed=1)
    list(fit(model, x, y, epochs=15, lr=0.01, optimizer="adam", batch_size=32))
    result = model.evaluate(xt, yt)
    assert result["accuracy"] >= 0.95, result


def test_metrics():
    y = np.array([0, 0, 1, 1, 2, 2])
    out = np.eye(3)[[0, 1, 1, 1, 2, 0]]
    assert engine.accuracy(out, y) == pytest.approx(4 / 6)
    report = engine.classification_report(out, y, 3)
    np.testing.assert_array_equal(report["confusion_matrix"],
                                  [[1, 1, 0], [0, 2, 0], [1, 0, 1]])
    c0, c1, c2 = report["per_class"]
    assert c0["precision"] == pytest.approx(0.5) and c0["recall"] == pytest.approx(0.5)
    assert c1["precision"] == pytest.approx(2 / 3) and c1["recall"] == 1.0
    assert c2["f1"] == pytest.approx(2 / 3) and c2["support"] == 2
    scores = engine.regression_scores(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 4.0]))
    assert scores["mse"] == pytest.approx(1 / 3) and scores["mae"] == pytest.approx(1 / 3)
    assert scores["r2"] == pytest.approx(1 - 1 / (14 / 3))


def test_trace_gives_the_numbers_of_one_sample():
    spec = NetworkSpec.sequential(
        [{"type": "Input", "shape": [2]}, {"type": "Dense", "units": 2, "activation": "sigmoid"},
         {"type": "Dense", "units": 1, "activation": "linear"}], loss="mse")
    model = Model(spec, dtype=np.float64)
    W1 = np.array([[0.1, -0.2], [0.3, 0.4]])
    b1 = np.array([0.05, -0.05])
    W2 = np.array([[0.7, -0.6]])
    b2 = np.array([0.1])
    model.set_weights({"dense_1/W": W1, "dense_1/b": b1, "dense_2/W": W2, "dense_2/b": b2})
    x, y = np.array([[1.0, 2.0]]), np.array([[1.0]])
    t = engine.trace(model, x, y)
    z1 = W1 @ x[0] + b1
    a1 = 1 / (1 + np.exp(-z1))
    out = W2 @ a1 + b2
    np.testing.assert_allclose(t.layer("dense_1").z[0], z1)
    np.testing.assert_allclose(t.layer("dense_1").a[0], a1)
    np.testing.assert_allclose(t.output[0], out)
    assert t.loss == pytest.approx(float((out[0] - 1.0) ** 2))
    delta2 = 2 * (out - 1.0)
    np.testing.assert_allclose(t.layer("dense_2").delta[0], delta2)
    np.testing.assert_allclose(t.layer("dense_2").grads["W"], np.outer(delta2, a1))
    delta1 = (W2.T @ delta2) * a1 * (1 - a1)
    np.testing.assert_allclose(t.layer("dense_1").delta[0], delta1)
    np.testing.assert_allclose(t.layer("dense_1").grads["W"], np.outer(delta1, x[0]))
    np.testing.assert_allclose(t.layer("dense_1").grads["b"], delta1)
    # The update equals one SGD step of the engine, and undo restores the weights exactly.
    changes = engine.sgd_update(model, 0.1)
    np.testing.assert_allclose(changes["dense_1/W"][1], W1 - 0.1 * np.outer(delta1, x[0]))
    engine.undo_update(model, changes)
    np.testing.assert_array_equal(model.get_weights()["dense_1/W"], W1)
    reference = Model(spec, dtype=np.float64)
    reference.set_weights(model.get_weights())
    list(fit(reference, x, y, epochs=1, lr=0.1, batch_size=1))
    np.testing.assert_allclose(reference.get_weights()["dense_1/W"], changes["dense_1/W"][1])


def test_activations_are_reported_in_public_layout():
    spec = NetworkSpec.sequential(
        [{"type": "Input", "shape": [1, 6, 6]},
         {"type": "Conv2D", "filters": 3, "kernel_size": 3},
         {"type": "Flatten"}, {"type": "Dense", "units": 2, "activation": "softmax"}])
    model = Model(spec)
    acts = model.activations(np.ones((2, 1, 6, 6), dtype=np.float32))
    assert acts["conv2d_1"]["a"].shape == (2, 3, 4, 4)
    assert acts["dense_1"]["a"].sum(axis=1) == pytest.approx([1.0, 1.0])
    # Flatten follows the channel-major (C, H, W) order of PyTorch and ONNX.
    np.testing.assert_array_equal(acts["flatten_1"]["a"][0],
                                  acts["conv2d_1"]["a"][0].reshape(-1))


def test_trainer_on_image_data_with_hw_input():
    rng = np.random.default_rng(0)
    x, y = bars(32, rng)
    spec = NetworkSpec.sequential(
        [{"type": "Input", "shape": [1, 10, 10]}, {"type": "Flatten"},
         {"type": "Dense", "units": 2, "activation": "softmax"}])
    # (N, H, W) images are accepted for one-channel inputs.
    history = Trainer(Model(spec), x[:, 0], y, TrainingConfig(epochs=2)).run_to_end()
    assert len(history) == 2
