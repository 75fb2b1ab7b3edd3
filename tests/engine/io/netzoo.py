"""Networks that between them use every layer type and activation, with non-trivial weights.

``ZOO[name]()`` gives a model; :func:`inputs` gives inputs for it. Biases, BatchNorm statistics
and scales are randomised so that an exporter that drops or misplaces one changes the outputs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import engine
from engine import NetworkSpec


def randomise(model: engine.Model, seed: int = 1) -> engine.Model:
    rng = np.random.default_rng(seed)
    weights = model.get_weights()
    for key, value in weights.items():
        param = key.rsplit("/", 1)[1]
        if param == "b":
            weights[key] = rng.normal(0, 0.3, value.shape)
        elif param == "gamma":
            weights[key] = rng.uniform(0.5, 1.5, value.shape)
        elif param in ("beta", "running_mean"):
            weights[key] = rng.normal(0, 0.5, value.shape)
        elif param == "running_var":
            weights[key] = rng.uniform(0.5, 2.0, value.shape)
    model.set_weights(weights)
    return model


def inputs(model: engine.Model, n: int, seed: int = 2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(0, 1, (n, *model.input_shape)).astype(np.float32)


def mlp_activations() -> engine.Model:
    """Flat: every activation fused into Dense, as an Activation layer, BatchNorm, Dropout."""
    spec = NetworkSpec.sequential([
        {"type": "Input", "shape": [6]},
        {"type": "Dense", "units": 8, "activation": "relu"},
        {"type": "Dense", "units": 8, "activation": "sigmoid"},
        {"type": "Dense", "units": 8, "activation": "tanh"},
        {"type": "Dense", "units": 8, "activation": {"name": "leaky_relu", "slope": 0.2}},
        {"type": "Dense", "units": 8, "activation": {"name": "elu", "alpha": 0.7}},
        {"type": "Dense", "units": 8, "activation": "linear", "use_bias": False},
        {"type": "BatchNorm", "eps": 1e-3},
        {"type": "Activation", "activation": "tanh", "name": "act_tanh"},
        {"type": "Dropout", "rate": 0.3},
        {"type": "Dense", "units": 7, "activation": "linear"},
        {"type": "Activation", "activation": "leaky_relu", "name": "act_leaky"},
        {"type": "Dense", "units": 3, "activation": "softmax"},
    ], loss="cross_entropy", name="mlp")
    return randomise(engine.Model(spec, seed=3))


def standalone_activations() -> engine.Model:
    """Every activation as its own layer (step on the raw input, where its result is exact)."""
    spec = NetworkSpec.sequential([
        {"type": "Input", "shape": [5]},
        {"type": "Activation", "activation": {"name": "step", "threshold": 0.25}, "name": "st"},
        {"type": "Dense", "units": 6, "activation": "linear"},
        {"type": "Activation", "activation": "relu", "name": "a_relu"},
        {"type": "Dense", "units": 6, "activation": "linear"},
        {"type": "Activation", "activation": "sigmoid", "name": "a_sigmoid"},
        {"type": "Activation", "activation": {"name": "elu", "alpha": 1.5}, "name": "a_elu"},
        {"type": "Activation", "activation": "linear", "name": "a_linear"},
        {"type": "Dense", "units": 4, "activation": "linear"},
        {"type": "Activation", "activation": "softmax", "name": "a_softmax"},
    ], loss="cross_entropy", name="acts")
    return randomise(engine.Model(spec, seed=4))


def perceptron() -> engine.Model:
    """Dense with a fused step; weights and inputs are small integers, so sums are exact."""
    spec = NetworkSpec.sequential([
        {"type": "Input", "shape": [2]},
        {"type": "Dense", "units": 1, "activation": {"name": "step", "threshold": 0.5}},
    ], loss="binary_cross_entropy", name="perceptron")
    model = engine.Model(spec, seed=0)
    model.set_weights({"dense_1/W": np.array([[1.0, 1.0]]), "dense_1/b": np.array([-1.0])})
    return model


def cnn() -> engine.Model:
    """Images: same/valid and asymmetric SAME padding, strides, pools, BatchNorm, Flatten."""
    spec = NetworkSpec.sequential([
        {"type": "Input", "shape": [3, 12, 10]},
        {"type": "Conv2D", "filters": 4, "kernel_size": 3, "padding": "same", "activation": "relu"},
        {"type": "BatchNorm"},
        {"type": "Conv2D", "filters": 4, "kernel_size": 3, "stride": 2, "padding": "same",
         "activation": "tanh"},
        {"type": "MaxPool2D", "pool_size": 2, "stride": 1},
        {"type": "Conv2D", "filters": 5, "kernel_size": [3, 2], "stride": [1, 2],
         "activation": {"name": "elu", "alpha": 0.5}},
        {"type": "AvgPool2D", "pool_size": 2},
        {"type": "Flatten"},
        {"type": "Dropout", "rate": 0.2},
        {"type": "Dense", "units": 4, "activation": "softmax"},
    ], loss="cross_entropy", name="cnn")
    return randomise(engine.Model(spec, seed=5))


def gap_net() -> engine.Model:
    """GlobalAveragePool, a Conv2D with leaky ReLU and no bias, a sigmoid output."""
    spec = NetworkSpec.sequential([
        {"type": "Input", "shape": [2, 7, 7]},
        {"type": "Conv2D", "filters": 3, "kernel_size": 3, "use_bias": False,
         "activation": {"name": "leaky_relu", "slope": 0.1}},
        {"type": "MaxPool2D", "pool_size": 3, "stride": 2},
        {"type": "Conv2D", "filters": 4, "kernel_size": 1, "activation": "sigmoid"},
        {"type": "GlobalAveragePool"},
        {"type": "Dense", "units": 1, "activation": "sigmoid"},
    ], loss="binary_cross_entropy", name="gap")
    return randomise(engine.Model(spec, seed=6))


def image_softmax() -> engine.Model:
    """An image output with softmax: per pixel over channels; a step on image values."""
    spec = NetworkSpec.sequential([
        {"type": "Input", "shape": [3, 4, 5]},
        {"type": "Activation", "activation": {"name": "step", "threshold": -0.2}},
        {"type": "Conv2D", "filters": 5, "kernel_size": 1, "activation": "softmax"},
    ], loss="mse", name="seg")
    return randomise(engine.Model(spec, seed=7))


def flat_dag() -> engine.Model:
    """Add (with an activation) and Concat merging flat branches, including the Input."""
    spec = NetworkSpec(loss="mae", name="flat_dag")
    spec.add_layer("Input", name="input", shape=[5])
    spec.add_layer("Dense", name="a", inputs=["input"], units=6, activation="relu")
    spec.add_layer("Dense", name="b", inputs=["input"], units=6, activation="tanh")
    spec.add_layer("Dense", name="c", inputs=["a"], units=6, activation="linear")
    spec.add_layer("Add", name="sum", inputs=["a", "b", "c"], activation="elu")
    spec.add_layer("Concat", name="join", inputs=["sum", "input", "b"])
    spec.add_layer("BatchNorm", name="bn", inputs=["join"])
    spec.add_layer("Dense", name="out", inputs=["bn"], units=2, activation="linear")
    return randomise(engine.Model(spec, seed=8))


def image_dag() -> engine.Model:
    """Residual Add and channel Concat of images, then Flatten into Dense."""
    spec = NetworkSpec(loss="mse", name="image_dag")
    spec.add_layer("Input", name="input", shape=[2, 6, 6])
    spec.add_layer("Conv2D", name="c1", inputs=["input"], filters=3, kernel_size=3,
                   padding="same", activation="relu")
    spec.add_layer("Conv2D", name="c2", inputs=["c1"], filters=3, kernel_size=3,
                   padding="same", activation="linear")
    spec.add_layer("Add", name="res", inputs=["c1", "c2"], activation="relu")
    spec.add_layer("Concat", name="cat", inputs=["res", "input"])
    spec.add_layer("AvgPool2D", name="pool", inputs=["cat"], pool_size=2)
    spec.add_layer("Flatten", name="flat", inputs=["pool"])
    spec.add_layer("Dense", name="out", inputs=["flat"], units=2, activation="linear")
    return randomise(engine.Model(spec, seed=9))


ZOO: dict[str, Callable[[], engine.Model]] = {
    "mlp_activations": mlp_activations,
    "standalone_activations": standalone_activations,
    "perceptron": perceptron,
    "cnn": cnn,
    "gap_net": gap_net,
    "image_softmax": image_softmax,
    "flat_dag": flat_dag,
    "image_dag": image_dag,
}


def zoo_inputs(name: str, model: engine.Model, n: int) -> np.ndarray:
    if name == "perceptron":
        return np.array([[0, 0], [0, 1], [1, 0], [1, 1], [1, 1], [0, 1], [0, 0]],
                        dtype=np.float32)[:n]
    return inputs(model, n)


def covered() -> tuple[set[str], set[str]]:
    """The layer types and activations the zoo uses (tests check it is all of them)."""
    types, acts = set(), set()
    for build in ZOO.values():
        for layer in build().spec.layers.values():
            types.add(layer.type)
            if "activation" in layer.params:
                acts.add(layer.activation)
    return types, acts
