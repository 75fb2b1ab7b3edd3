"""The small experiments behind the lessons and their tool windows (pure NumPy, no Qt).

Each runs the real engine — :func:`engine.fit`, :func:`engine.teach.trace` — so what a lesson
shows is what training does. They are fast (well under a second) on the lessons' data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine import Model, NetworkSpec, TrainingConfig, TrainingDiverged, fit, trace
from engine.data import digits as digit_data
from engine.data import teaching

from .formulas import dummy_target


@dataclass
class RunResult:
    """One training run: its epoch losses (and accuracies), final event, divergence."""

    lr: float
    losses: list[float] = field(default_factory=list)
    accuracies: list[float] = field(default_factory=list)
    event: str = ""
    diverged_at: int | None = None  # the epoch whose loss became NaN or infinite
    message: str = ""
    path: list[tuple[float, float]] = field(default_factory=list)  # two tracked weights
    model: Model | None = None

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None


def train(spec: NetworkSpec, x, y, config: TrainingConfig, weights: dict | None = None,
          track: tuple[tuple[str, int], tuple[str, int]] | None = None,
          classify: bool = False) -> RunResult:
    """Train a fresh model of ``spec`` (from ``weights`` if given, else the config's seed).

    ``track`` names two weights ("layer/W", flat index) whose values are recorded after every
    batch; ``classify`` records the accuracy of ``predict_classes`` per epoch (for losses
    such as MSE that the trainer does not count accuracy for)."""
    model = Model(spec, seed=config.seed)
    if weights:
        model.set_weights(weights, strict=False)
    result = RunResult(config.lr, model=model)
    params = {p.key: p for p in model.parameters()}

    def point() -> tuple[float, float]:
        (k1, i1), (k2, i2) = track  # type: ignore[misc]
        return float(params[k1].value.flat[i1]), float(params[k2].value.flat[i2])

    if track:
        result.path.append(point())
    try:
        for record in fit(model, x, y, **config.to_dict()):
            if record.event == "batch" and track:
                result.path.append(point())
            elif record.event == "epoch":
                result.losses.append(float(record.loss))
                if classify:
                    result.accuracies.append(float(np.mean(model.predict_classes(x) ==
                                                           np.ravel(y))))
                elif record.accuracy is not None:
                    result.accuracies.append(float(record.accuracy))
            elif record.event not in ("batch", "epoch"):
                result.event, result.message = record.event, record.message
    except TrainingDiverged as exc:
        result.event, result.diverged_at, result.message = "diverged", exc.epoch, str(exc)
    return result


def accuracy(model: Model, x, y) -> float:
    return float(np.mean(model.predict_classes(x) == np.ravel(y)))


# -- (a) the step neuron ---------------------------------------------------------------------

TRUTH_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
TRUTH_TABLES = {"and": [0, 0, 0, 1], "or": [0, 1, 1, 1], "xor": [0, 1, 1, 0]}


def perceptron_spec(inputs: int = 2, threshold: float = 0.5) -> NetworkSpec:
    return NetworkSpec.sequential([
        {"type": "Input", "shape": [inputs], "name": "inputs"},
        {"type": "Dense", "units": 1, "name": "out", "kernel_init": "zeros",
         "activation": {"name": "step", "threshold": threshold}},
    ], loss="mse", name="Perceptron")


def sigmoid_xor_spec(hidden: int = 4) -> NetworkSpec:
    return NetworkSpec.sequential([
        {"type": "Input", "shape": [2], "name": "inputs"},
        {"type": "Dense", "units": hidden, "activation": "sigmoid", "name": "hidden"},
        {"type": "Dense", "units": 1, "activation": "sigmoid", "name": "out"},
    ], loss="binary_cross_entropy", name="XOR with a hidden layer")


def step_vs_sigmoid() -> dict[str, Any]:
    """The perceptron on XOR (never separable) next to a sigmoid hidden layer trained by
    gradient descent (100 %), and each network's gradient for one sample."""
    y = np.array(TRUTH_TABLES["xor"], dtype=np.float32)
    step = train(perceptron_spec(), TRUTH_X, y,
                 TrainingConfig(epochs=100, lr=0.1, batch_size=1, shuffle=False))
    sig = train(sigmoid_xor_spec(), TRUTH_X, y,
                TrainingConfig(epochs=400, lr=1.0, batch_size=4, optimizer="momentum"))
    grads = {}
    for name, spec in (("step", perceptron_spec()), ("sigmoid", sigmoid_xor_spec())):
        m = Model(spec, seed=1).copy(np.float64)
        tr = trace(m, TRUTH_X[1:2], y[1:2].reshape(1, 1))
        grads[name] = float(np.sqrt(sum(np.sum(g * g) for lt in tr.layers
                                        for g in lt.grads.values())))
    return {"step": step, "sigmoid": sig, "gradient_norm": grads,
            "step_errors": [round((1 - a) * 4) for a in step.accuracies],
            "sigmoid_accuracy": accuracy(sig.model, TRUTH_X, y)}


# -- (b) pixels ------------------------------------------------------------------------------

def picture(name: str) -> np.ndarray:
    """A clean 7×7 teaching picture (smiley, frowny, …) as (1, 7, 7) float32."""
    return teaching.picture(name)[None]


def drawn_digit(digit: int, seed: int = 12345) -> np.ndarray:
    """A freshly drawn digit (not in the training data), (1, 28, 28)."""
    return digit_data.render_digit(digit, np.random.default_rng(seed))[None]


# -- (c) learning rate -----------------------------------------------------------------------

def pick_two_weights(model: Model, x, y) -> tuple[tuple[str, int], tuple[str, int]]:
    """The two weights of the last weighted layer with the steepest start (largest |∂L/∂w|)."""
    m = model.copy(np.float64)
    xb = m.prepare_inputs(x)
    m.loss_and_gradients(xb, m.prepare_targets(y, len(xb)))
    last = [p for p in m.parameters() if p.name == "W"][-1]
    order = np.argsort(-np.abs(last.grad.ravel()), kind="stable")
    return (last.key, int(order[0])), (last.key, int(order[1]))


def lr_sweep(spec: NetworkSpec, x, y, rates: list[float], epochs: int = 50,
             batch_size: int | None = 32, seed: int = 0,
             track: tuple[tuple[str, int], tuple[str, int]] | None = None) -> list[RunResult]:
    """The same network from the same initial weights (``seed``) at each learning rate."""
    start = Model(spec, seed=seed).get_weights()
    runs = []
    for lr in rates:
        config = TrainingConfig(epochs=epochs, lr=lr, batch_size=batch_size, optimizer="sgd",
                                seed=seed)
        runs.append(train(spec, x, y, config, weights=start, track=track))
    return runs


def loss_surface(spec: NetworkSpec, weights: dict[str, np.ndarray], x, y,
                 track: tuple[tuple[str, int], tuple[str, int]],
                 ranges: tuple[tuple[float, float], tuple[float, float]],
                 n: int = 41) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The loss over a grid of two weights, every other weight held at ``weights``.
    Returns (values of weight 1, values of weight 2, loss[i1, i2])."""
    m = Model(spec, seed=0, dtype=np.float64)
    m.set_weights(weights, strict=False)
    params = {p.key: p for p in m.parameters()}
    (k1, i1), (k2, i2) = track
    xb = m.prepare_inputs(x)
    yb = m.prepare_targets(y, len(xb))
    a = np.linspace(*ranges[0], n)
    b = np.linspace(*ranges[1], n)
    out = np.empty((n, n))
    with np.errstate(over="ignore", invalid="ignore"):
        for i, va in enumerate(a):
            params[k1].value.flat[i1] = va
            for j, vb in enumerate(b):
                params[k2].value.flat[i2] = vb
                pred = m.forward(xb)
                out[i, j] = m.compute_loss(m.node(m.output_name).z, pred, yb)
    return a, b, out


@dataclass
class Surface:
    """A 2-parameter slice of the loss: ``loss[i, j]`` at weight 1 = ``a[i]``, weight 2 =
    ``b[j]``, every other weight at its starting value."""

    track: tuple[tuple[str, int], tuple[str, int]]
    a: np.ndarray
    b: np.ndarray
    loss: np.ndarray
    start: tuple[float, float]
    start_loss: float


def surface_ranges(runs: list[RunResult], start: tuple[float, float],
                   margin: float = 1.3, least: float = 1.0):
    """A window around ``start`` that holds every path that did not diverge."""
    pts = np.array([p for r in runs if not r.diverged for p in r.path])
    s = np.asarray(start, dtype=float)
    span = np.maximum(np.abs(pts - s).max(axis=0) * margin, least) if len(pts) else \
        np.full(2, 2 * least)
    return (s[0] - span[0], s[0] + span[0]), (s[1] - span[1], s[1] + span[1])


def sweep_with_surface(spec: NetworkSpec, x, y, rates: list[float], epochs: int = 50,
                       batch_size: int | None = 32, seed: int = 0,
                       grid: int = 41) -> dict[str, Any]:
    """The learning-rate sweep, and the loss surface of the two steepest output weights
    around the start, with each run's path of those two weights."""
    model = Model(spec, seed=seed)
    start = model.get_weights()
    track = pick_two_weights(model, x, y)
    runs = lr_sweep(spec, x, y, rates, epochs, batch_size, seed, track=track)
    point = runs[0].path[0]
    ranges = surface_ranges(runs, point)
    a, b, loss = loss_surface(spec, start, x, y, track, ranges, grid)
    _, _, here = loss_surface(spec, start, x, y, track, ((point[0],) * 2, (point[1],) * 2), 1)
    return {"lr_sweep": runs,
            "loss_surface": Surface(track, a, b, loss, point, float(here[0, 0]))}


# -- (d) activations and losses --------------------------------------------------------------

def output_deltas(p: float = 0.01) -> dict[str, float]:
    """δ = ∂L/∂z at a sigmoid output that says ``p`` when the truth is 1, for MSE and
    binary cross-entropy (engine traces of a one-neuron network)."""
    z = float(np.log(p / (1 - p)))
    out = {}
    for loss in ("mse", "binary_cross_entropy"):
        spec = NetworkSpec.sequential([
            {"type": "Input", "shape": [1]},
            {"type": "Dense", "units": 1, "activation": "sigmoid", "name": "out"},
        ], loss=loss)
        m = Model(spec, dtype=np.float64)
        m.set_weights({"out/W": np.array([[z]]), "out/b": np.zeros(1)})
        tr = trace(m, np.ones((1, 1)), np.ones((1, 1)))
        out[loss] = float(tr.layer("out").delta.ravel()[0])
    return out


def compare_losses(x, y, epochs: int = 60, lr: float = 0.5, hidden: int = 8,
                   seed: int = 0) -> dict[str, RunResult]:
    """The same tanh network with a sigmoid output trained with MSE and with binary
    cross-entropy (same initial weights, data order and learning rate)."""
    runs = {}
    for loss in ("mse", "binary_cross_entropy"):
        spec = NetworkSpec.sequential([
            {"type": "Input", "shape": [int(np.prod(np.shape(x)[1:]))]},
            {"type": "Dense", "units": hidden, "activation": "tanh", "name": "hidden"},
            {"type": "Dense", "units": 1, "activation": "sigmoid", "name": "out"},
        ], loss=loss)
        config = TrainingConfig(epochs=epochs, lr=lr, batch_size=16, seed=seed)
        runs[loss] = train(spec, x, np.asarray(y, np.float32), config, classify=True)
    return runs


def slope_at(activation: Any, z: float) -> float:
    """f′(z) from the engine's own backward pass."""
    from engine import activations

    act = activations.make(activation)
    zz = np.array([float(z)])
    a = act.forward(zz)
    return float(act.backward(zz, a, np.ones_like(zz))[0])


def zero_grad_sample(model: Model, x, y=None) -> float:
    """The size of every gradient for one sample (0 for a network of step units)."""
    m = model.copy(np.float64)
    target = dummy_target(m) if y is None else y
    tr = trace(m, m.prepare_inputs(x)[:1], target)
    return float(np.sqrt(sum(np.sum(g * g) for lt in tr.layers for g in lt.grads.values())))
