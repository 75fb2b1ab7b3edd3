"""Gradient health: diagnose() names vanishing and exploding gradients, saturated sigmoids and
dead ReLUs with what to try, and says nothing about a healthy network."""

import numpy as np

import engine
from engine import NetworkSpec
from engine.data import load_bundled
from nndesigner.teach.gradient_health import GradientHealth, diagnose

NAMES = {"hidden": "sigmoid", "output": "softmax"}


def kinds(diagnoses):
    return [(d.layer, d.kind) for d in diagnoses]


def test_vanishing_and_exploding_norms():
    tiny = {"hidden": [1e-8] * 20, "output": [1e-8] * 20}
    assert kinds(diagnose(tiny, None, None)) == [("hidden", "vanishing"), ("output", "vanishing")]
    spread = {"hidden": [1e-5] * 20, "output": [0.5] * 20}  # 50 000× smaller than the last
    d = diagnose(spread, None, None)
    assert kinds(d) == [("hidden", "vanishing")] and "50,000×" in d[0].message
    growing = {"hidden": list(np.logspace(-1, 5, 30))}
    d = diagnose(growing, None, None)
    assert kinds(d) == [("hidden", "exploding")] and "learning rate" in d[0].advice
    nan = {"hidden": [0.1, 0.2, float("nan")]}
    assert kinds(diagnose(nan, None, None)) == [("hidden", "exploding")]
    assert diagnose({"hidden": [1e-9] * 3}, None, None) == []  # too few steps for a verdict


def test_saturated_sigmoids_and_dead_relus():
    rng = np.random.default_rng(0)
    z = rng.normal(0, 8, size=(64, 10))  # most sums far beyond ±4
    d = diagnose(None, {"hidden": z, "output": z[:, :2]}, NAMES)
    share = np.mean(np.abs(z) > 4)
    assert kinds(d) == [("hidden", "saturated")]  # a confident output is not a problem
    assert f"{share:.0%}" in d[0].message
    z = rng.normal(0, 1, size=(64, 10))
    z[:, :3] = -np.abs(z[:, :3]) - 0.1  # three units never fire
    d = diagnose(None, {"relu_layer": {"z": z}}, {"relu_layer": "relu", "out": "softmax"})
    assert kinds(d) == [("relu_layer", "dead_relu")] and "3 of 10" in d[0].message
    # channels of a convolution: dead when negative at every position of every sample
    conv = rng.normal(0, 1, size=(20, 4, 5, 5))
    conv[:, 1] = -1.0
    assert "1 of 4 ReLU channels" in diagnose(None, {"c": conv}, {"c": "relu", "o": "x"})[0].message


def test_healthy_network_is_quiet(qapp):
    ds = load_bundled("moons")
    spec = NetworkSpec.sequential([
        {"type": "Input", "shape": [2]},
        {"type": "Dense", "units": 16, "activation": "relu", "name": "hidden_1"},
        {"type": "Dense", "units": 16, "activation": "tanh", "name": "hidden_2"},
        {"type": "Dense", "units": 2, "activation": "softmax", "name": "output"},
    ])
    model = engine.Model(spec, seed=0)
    health = GradientHealth()
    for record in engine.fit(model, ds.x, ds.y, epochs=10, lr=0.1, batch_size=32):
        if record.event == "batch":
            health.add(record.step, record.grad_norms)
    health.update_activations(model.copy(), ds.x)
    assert health.diagnoses() == []
    assert health.label.text().startswith("✓ No problems")


def test_widget_lists_problems_with_advice(qapp):
    health = GradientHealth()
    for step in range(20):
        health.add(step, {"hidden": 1e-9, "output": 1e-9})
    health.refresh()
    assert "vanishing gradients" in health.label.text() and "Try:" in health.label.text()
    health.clear()
    assert health.diagnoses() == [] and "Train the network" in health.label.text()
