"""Backpropagation agrees with centred finite differences (float64) for every layer,
activation and loss. A layer's input gradient is checked through the parameters of a Dense or
Conv2D placed before it."""

import numpy as np
import pytest

import engine
from engine.activations import NAMES as ACTIVATIONS
from tests.engine.helpers import assert_gradients_match, chain, targets_for

RNG = np.random.default_rng(1234)

SMOOTH_ACTIVATIONS = [a for a in ACTIVATIONS if a != "step"]


@pytest.mark.parametrize("activation", SMOOTH_ACTIVATIONS)
def test_dense_activation_gradients(activation):
    model = chain(
        [
            {"type": "Input", "shape": [4]},
            {"type": "Dense", "units": 5, "activation": activation},
            {"type": "Dense", "units": 3, "activation": "linear"},
        ],
        loss="mse",
    )
    x = RNG.normal(size=(6, 4))
    assert_gradients_match(model, x, targets_for(model, 6, RNG))


@pytest.mark.parametrize(
    "activation",
    [{"name": "leaky_relu", "slope": 0.2}, {"name": "elu", "alpha": 0.7},
     {"name": "step", "straight_through": True, "threshold": 0.3}],
)
def test_activation_options_gradients(activation):
    model = chain(
        [
            {"type": "Input", "shape": [3]},
            {"type": "Dense", "units": 4, "activation": activation},
            {"type": "Dense", "units": 2, "activation": "linear"},
        ],
    )
    x = RNG.normal(size=(5, 3))
    if isinstance(activation, dict) and activation["name"] == "step":
        # The straight-through estimator is *not* the true gradient (which is 0): check it
        # matches its definition instead: dz = da where |z − θ| ≤ 1.
        act = engine.activations.make(activation)
        z = np.array([-2.0, -0.5, 0.3, 1.2, 1.4])
        da = np.ones_like(z)
        assert act.backward(z, act.forward(z), da).tolist() == [0.0, 1.0, 1.0, 1.0, 0.0]
        return
    assert_gradients_match(model, x, targets_for(model, 5, RNG))


@pytest.mark.parametrize(
    ("loss", "output_activation"),
    [
        ("mse", "linear"),
        ("mse", "sigmoid"),
        ("mae", "linear"),
        ("cross_entropy", "softmax"),
        ("binary_cross_entropy", "sigmoid"),
    ],
)
def test_loss_gradients(loss, output_activation):
    units = 1 if loss == "binary_cross_entropy" else 4
    model = chain(
        [
            {"type": "Input", "shape": [3]},
            {"type": "Dense", "units": 6, "activation": "tanh"},
            {"type": "Dense", "units": units, "activation": output_activation},
        ],
        loss=loss,
    )
    x = RNG.normal(size=(7, 3))
    y = targets_for(model, 7, RNG)
    if loss == "mae":  # |d| has a kink at 0: keep the outputs away from their targets
        y = y + 10.0
    assert_gradients_match(model, x, y)


def test_unfused_softmax_jacobian():
    # Softmax in a hidden position exercises its full Jacobian-vector product.
    model = chain(
        [
            {"type": "Input", "shape": [3]},
            {"type": "Dense", "units": 4, "activation": "softmax"},
            {"type": "Dense", "units": 2, "activation": "linear"},
        ],
    )
    x = RNG.normal(size=(5, 3))
    assert_gradients_match(model, x, targets_for(model, 5, RNG))


def test_multi_output_binary_cross_entropy_gradients():
    model = chain(
        [{"type": "Input", "shape": [3]}, {"type": "Dense", "units": 3, "activation": "sigmoid"}],
        loss="binary_cross_entropy",
    )
    x = RNG.normal(size=(6, 3))
    assert_gradients_match(model, x, targets_for(model, 6, RNG))


IMAGE = {"type": "Input", "shape": [2, 7, 6]}
CONV_FIRST = {"type": "Conv2D", "filters": 3, "kernel_size": 2, "activation": "tanh"}
HEAD = [{"type": "Flatten"}, {"type": "Dense", "units": 3, "activation": "softmax"}]


@pytest.mark.parametrize(
    "middle",
    [
        {"type": "Conv2D", "filters": 4, "kernel_size": 3},
        {"type": "Conv2D", "filters": 2, "kernel_size": 3, "padding": "same"},
        {"type": "Conv2D", "filters": 2, "kernel_size": 3, "stride": 2},
        {"type": "Conv2D", "filters": 2, "kernel_size": [2, 3], "stride": [1, 2],
         "padding": "same"},
        {"type": "Conv2D", "filters": 2, "kernel_size": 3, "use_bias": False,
         "activation": "elu"},
        {"type": "MaxPool2D", "pool_size": 2},
        {"type": "MaxPool2D", "pool_size": 3, "stride": 1},
        {"type": "MaxPool2D", "pool_size": 2, "stride": 1},
        {"type": "AvgPool2D", "pool_size": 2},
        {"type": "AvgPool2D", "pool_size": 3, "stride": 2},
        {"type": "BatchNorm"},
        {"type": "Dropout", "rate": 0.3},
        {"type": "Activation", "activation": "sigmoid"},
    ],
    ids=lambda m: "-".join(f"{v}" for v in m.values()),
)
def test_image_layer_gradients(middle):
    model = chain([IMAGE, CONV_FIRST, middle, *HEAD], loss="cross_entropy")
    x = RNG.normal(size=(4, 2, 7, 6))
    assert_gradients_match(model, x, targets_for(model, 4, RNG))


def test_global_average_pool_gradients():
    model = chain(
        [IMAGE, CONV_FIRST, {"type": "GlobalAveragePool"},
         {"type": "Dense", "units": 2, "activation": "softmax"}],
        loss="cross_entropy",
    )
    x = RNG.normal(size=(3, 2, 7, 6))
    assert_gradients_match(model, x, targets_for(model, 3, RNG))


@pytest.mark.parametrize("layer", [{"type": "BatchNorm"}, {"type": "Dropout", "rate": 0.5}])
def test_flat_regularisation_gradients(layer):
    model = chain(
        [{"type": "Input", "shape": [4]}, {"type": "Dense", "units": 5, "activation": "relu"},
         layer, {"type": "Dense", "units": 2, "activation": "linear"}],
    )
    x = RNG.normal(size=(8, 4))
    assert_gradients_match(model, x, targets_for(model, 8, RNG))


def test_maxpool_with_ties_routes_gradient_to_one_input():
    # ReLU makes many equal zeros inside pooling windows: each window must pass its gradient
    # to exactly one input (the first maximum, as PyTorch), never to all tied inputs.
    model = chain([{"type": "Input", "shape": [1, 4, 4]}, {"type": "MaxPool2D", "pool_size": 2},
                   {"type": "Flatten"}])
    x = np.zeros((1, 1, 4, 4))
    model.forward(model.prepare_inputs(x), training=True)
    model.backward(np.ones((1, 4)))
    pool = model.node("maxpool2d_1").layer
    dx = pool.backward(np.ones((1, 2, 2, 1)))[0]
    assert dx.sum() == 4.0
    assert dx[0, 0, 0, 0] == 1.0 and dx[0, 1, 1, 0] == 0.0


def _dag(merge):
    spec = engine.NetworkSpec(loss="mse")
    spec.add_layer("Input", name="in", shape=[4])
    spec.add_layer("Dense", name="a", inputs=["in"], units=3, activation="tanh")
    spec.add_layer("Dense", name="b", inputs=["in"], units=3, activation="sigmoid")
    spec.add_layer(merge, name="m", inputs=["a", "b"])
    spec.add_layer("Dense", name="out", inputs=["m"], units=2, activation="linear")
    return engine.Model(spec, seed=3, dtype=np.float64)


@pytest.mark.parametrize("merge", ["Add", "Concat"])
def test_merge_gradients(merge):
    model = _dag(merge)
    x = RNG.normal(size=(5, 4))
    assert_gradients_match(model, x, targets_for(model, 5, RNG))


def test_residual_connection_gradients():
    # in → a → b, and a + b: a's output feeds two consumers, so gradients must add up.
    spec = engine.NetworkSpec(loss="cross_entropy")
    spec.add_layer("Input", name="in", shape=[3])
    spec.add_layer("Dense", name="a", inputs=["in"], units=4, activation="relu")
    spec.add_layer("Dense", name="b", inputs=["a"], units=4, activation="tanh")
    spec.add_layer("Add", name="sum", inputs=["a", "b"], activation="elu")
    spec.add_layer("Dense", name="out", inputs=["sum"], units=3, activation="softmax")
    model = engine.Model(spec, seed=5, dtype=np.float64)
    x = RNG.normal(size=(6, 3))
    assert_gradients_match(model, x, targets_for(model, 6, RNG))


def test_image_concat_gradients():
    spec = engine.NetworkSpec(loss="cross_entropy")
    spec.add_layer("Input", name="in", shape=[1, 6, 6])
    spec.add_layer("Conv2D", name="c1", inputs=["in"], filters=2, kernel_size=3,
                   padding="same")
    spec.add_layer("Conv2D", name="c2", inputs=["in"], filters=3, kernel_size=1)
    spec.add_layer("Concat", name="cat", inputs=["c1", "c2"])
    spec.add_layer("Conv2D", name="c3", inputs=["cat"], filters=2, kernel_size=3)
    spec.add_layer("Flatten", name="flat", inputs=["c3"])
    spec.add_layer("Dense", name="out", inputs=["flat"], units=2, activation="softmax")
    model = engine.Model(spec, seed=2, dtype=np.float64)
    x = RNG.normal(size=(3, 1, 6, 6))
    assert_gradients_match(model, x, targets_for(model, 3, RNG))


def test_gradcheck_detects_a_wrong_gradient(monkeypatch):
    # The checker itself must be able to fail: break ReLU's derivative and expect a mismatch.
    model = chain([{"type": "Input", "shape": [3]},
                   {"type": "Dense", "units": 4, "activation": "relu"},
                   {"type": "Dense", "units": 2, "activation": "linear"}])
    monkeypatch.setattr(engine.activations.ReLU, "backward", lambda self, z, a, da: da)
    results = engine.gradcheck(model, RNG.normal(size=(6, 3)), RNG.normal(size=(6, 2)))
    assert not all(r.ok for r in results)
    assert not next(r for r in results if r.key == "dense_1/W").ok


def test_conv_input_gradient_matches_finite_differences():
    from engine.gradcheck import input_gradcheck

    model = chain([{"type": "Input", "shape": [2, 5, 5]},
                   {"type": "Conv2D", "filters": 2, "kernel_size": 3, "stride": 2,
                    "padding": "same", "activation": "tanh"},
                   {"type": "Flatten"}, {"type": "Dense", "units": 2, "activation": "linear"}])
    x = RNG.normal(size=(2, 2, 5, 5))
    analytic, numeric = input_gradcheck(model, x, RNG.normal(size=(2, 2)))
    np.testing.assert_allclose(analytic, numeric, rtol=1e-4, atol=1e-7)
