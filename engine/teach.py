"""The numbers of learning, for the teaching views: one sample's forward and backward pass
(z = Wx + b, a = f(z), δ = ∂L/∂z, ∂L/∂W, ∂L/∂b) and the plain SGD update that follows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .model import Model, to_public


@dataclass
class LayerTrace:
    """What one layer did for the traced samples (public layouts, copies)."""

    name: str
    type: str
    activation: str
    inputs: list[np.ndarray]
    z: np.ndarray
    a: np.ndarray
    delta: np.ndarray | None  # ∂L/∂z
    grad_a: np.ndarray | None  # ∂L/∂a (None for a softmax/sigmoid output fused with its loss)
    params: dict[str, np.ndarray] = field(default_factory=dict)
    grads: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class Trace:
    loss: float
    output: np.ndarray
    layers: list[LayerTrace]

    def layer(self, name: str) -> LayerTrace:
        return next(t for t in self.layers if t.name == name)


def trace(model: Model, x: Any, y: Any, training: bool = False) -> Trace:
    """Forward and backward for ``x, y`` (typically one sample), keeping every number.

    ``training=False`` (the default) switches dropout off and uses BatchNorm's running
    statistics, so the numbers are those the network predicts with."""
    x = model.prepare_inputs(x)
    y = model.prepare_targets(y, len(x))
    loss, out = model.loss_and_gradients(x, y, training=training)
    values = {n.name: n.a for n in model.nodes}
    layers = []
    for node in model.nodes:
        if node.type == "Input":
            inputs = []
        else:
            inputs = [np.array(to_public(values[i])) for i in node.inputs]
        layers.append(
            LayerTrace(
                node.name,
                node.type,
                node.activation.name if node.activation else "linear",
                inputs,
                np.array(to_public(node.z)),
                np.array(to_public(node.a)),
                None if node.dz is None else np.array(to_public(node.dz)),
                None if node.da is None else np.array(to_public(node.da)),
                {k: p.value.copy() for k, p in node.layer.params.items()},
                {k: p.grad.copy() for k, p in node.layer.params.items()},
            )
        )
    return Trace(float(loss), np.array(out), layers)


def sgd_update(model: Model, lr: float) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Apply w ← w − lr·∂L/∂w with the gradients of the last backward pass; return each
    parameter's (old, new) values so the step can be shown and undone."""
    changes = {}
    for p in model.parameters():
        old = p.value.copy()
        p.value -= p.value.dtype.type(lr) * p.grad
        changes[p.key] = (old, p.value.copy())
    return changes


def undo_update(model: Model, changes: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
    """Restore the weights from before :func:`sgd_update`, exactly."""
    by_key = {p.key: p for p in model.parameters()}
    for key, (old, _) in changes.items():
        by_key[key].value[...] = old
