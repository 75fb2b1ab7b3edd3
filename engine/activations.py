"""Activation functions: each one's forward ``f(z)`` next to its backward ``dL/dz``.

An activation is described in a network spec either by its name (``"relu"``) or by a dict with
its name and options (``{"name": "step", "threshold": 0.5}``). :func:`make` turns either form
into an :class:`Activation` object; :func:`canonical` gives the form stored in files (the bare
name when every option has its default).

Contract: ``forward(z)`` returns ``a`` of z's shape; ``backward(z, a, da)`` returns ``dz`` given
the upstream gradient ``da`` (same shape). Arrays are batch-first; softmax works on the last
axis of the engine's internal layout — the features of a flat output, the channels of an image
output (axis 1 of the public N×C×H×W layout, as ONNX's Softmax(axis=1)).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import SpecError


@dataclass(frozen=True)
class Option:
    """One tunable option of an activation, with its default and a short explanation."""

    name: str
    default: float | bool
    help: str
    minimum: float | None = None
    maximum: float | None = None


class Activation:
    """Base class. Subclasses set ``name``, ``formula`` and ``options`` and implement f and f'."""

    name = ""
    formula = ""
    description = ""
    options: tuple[Option, ...] = ()
    #: True when the gradient is zero almost everywhere (gradient descent cannot train it).
    blocks_gradient = False

    def __init__(self, **kwargs: Any) -> None:
        for opt in self.options:
            value = kwargs.pop(opt.name, opt.default)
            if isinstance(opt.default, bool):
                if not isinstance(value, bool):
                    raise SpecError(f"{self.name}: option '{opt.name}' must be true or false")
            else:
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise SpecError(f"{self.name}: option '{opt.name}' must be a number")
                value = float(value)
                if not math.isfinite(value):
                    raise SpecError(f"{self.name}: option '{opt.name}' must be finite")
                if opt.minimum is not None and value < opt.minimum:
                    raise SpecError(f"{self.name}: '{opt.name}' must be ≥ {opt.minimum}")
                if opt.maximum is not None and value > opt.maximum:
                    raise SpecError(f"{self.name}: '{opt.name}' must be ≤ {opt.maximum}")
            setattr(self, opt.name, value)
        if kwargs:
            known = ", ".join(o.name for o in self.options) or "none"
            raise SpecError(
                f"{self.name}: unknown option(s) {', '.join(sorted(kwargs))} (known: {known})"
            )

    def settings(self) -> dict[str, Any]:
        """The options that differ from their defaults."""
        return {
            o.name: getattr(self, o.name)
            for o in self.options
            if getattr(self, o.name) != o.default
        }

    def forward(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, z: np.ndarray, a: np.ndarray, da: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    # The training loop's variants, free to overwrite their input (z, da) to save a pass and
    # an allocation; the defaults simply call the plain ones.
    def forward_in_place(self, z: np.ndarray) -> np.ndarray:
        return self.forward(z)

    def backward_in_place(self, z: np.ndarray, a: np.ndarray, da: np.ndarray) -> np.ndarray:
        return self.backward(z, a, da)

    def __repr__(self) -> str:
        extra = "".join(f", {k}={v!r}" for k, v in self.settings().items())
        return f"Activation({self.name!r}{extra})"


class Linear(Activation):
    name = "linear"
    formula = "f(z) = z"
    description = "Passes the weighted sum through unchanged (regression outputs)."

    def forward(self, z):
        return z

    def backward(self, z, a, da):
        return da


class Step(Activation):
    name = "step"
    formula = "f(z) = 1 if z ≥ θ else 0"
    description = (
        "Fires 1 when the weighted sum reaches the threshold θ, else 0. Its slope is zero "
        "everywhere, so gradient descent cannot train it: use the perceptron rule, or the "
        "straight-through estimator."
    )
    options = (
        Option("threshold", 0.0, "θ: the sum at which the neuron fires"),
        Option(
            "straight_through",
            False,
            "Pretend the slope is 1 near the threshold (|z − θ| ≤ 1) so gradients pass",
        ),
    )

    @property
    def blocks_gradient(self) -> bool:  # type: ignore[override]
        return not self.straight_through

    def forward(self, z):
        return (z >= self.threshold).astype(z.dtype)

    def backward(self, z, a, da):
        if not self.straight_through:
            return np.zeros_like(da)
        return da * (np.abs(z - self.threshold) <= 1.0)


class Sigmoid(Activation):
    name = "sigmoid"
    formula = "f(z) = 1 / (1 + e^−z)"
    description = "Squashes the sum into a probability between 0 and 1."

    def forward(self, z):
        return sigmoid(z)

    def backward(self, z, a, da):
        return da * a * (1.0 - a)


class Tanh(Activation):
    name = "tanh"
    formula = "f(z) = tanh(z)"
    description = "Squashes the sum into (−1, 1); zero-centred, often trains faster than sigmoid."

    def forward(self, z):
        return np.tanh(z)

    def backward(self, z, a, da):
        return da * (1.0 - a * a)


class ReLU(Activation):
    name = "relu"
    formula = "f(z) = max(0, z)"
    description = "Keeps positive sums, zeroes negative ones; the default for hidden layers."

    def forward(self, z):
        return np.maximum(z, 0, dtype=z.dtype)

    def backward(self, z, a, da):
        # Gradient 0 at z = 0, as PyTorch.
        return np.multiply(da, z > 0, dtype=da.dtype)

    def forward_in_place(self, z):
        return np.maximum(z, 0, out=z)

    def backward_in_place(self, z, a, da):
        # a > 0 exactly where z > 0 (z may already be overwritten by a). The mask goes into
        # a buffer kept for the next batch: cheaper than a fresh one each time.
        mask = getattr(self, "_mask", None)
        if mask is None or mask.shape != a.shape:
            mask = self._mask = np.empty(a.shape, dtype=bool)
        np.greater(a, 0, out=mask)
        return np.multiply(da, mask, out=da)


class LeakyReLU(Activation):
    name = "leaky_relu"
    formula = "f(z) = z if z > 0 else α·z"
    description = "Like ReLU but lets a small slope α through for negative sums (no dead units)."
    options = (Option("slope", 0.01, "α: the slope for negative sums", 0.0, 1.0),)

    def forward(self, z):
        return np.where(z > 0, z, z * z.dtype.type(self.slope))

    def backward(self, z, a, da):
        return np.where(z > 0, da, da * da.dtype.type(self.slope))


class ELU(Activation):
    name = "elu"
    formula = "f(z) = z if z > 0 else α·(e^z − 1)"
    description = "Smooth for negative sums, saturating at −α."
    options = (Option("alpha", 1.0, "α: the value approached for very negative sums", 0.0),)

    def forward(self, z):
        alpha = z.dtype.type(self.alpha)
        return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0)))

    def backward(self, z, a, da):
        alpha = da.dtype.type(self.alpha)
        return np.where(z > 0, da, da * (a + alpha))


class Softmax(Activation):
    name = "softmax"
    formula = "f(z)ᵢ = e^zᵢ / Σⱼ e^zⱼ"
    description = "Turns the output layer's sums into class probabilities that add up to 1."

    def forward(self, z):
        return softmax(z)

    def backward(self, z, a, da):
        # Jacobian-vector product: a ⊙ (da − Σ da·a)
        return a * (da - np.sum(da * a, axis=-1, keepdims=True))


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Numerically stable logistic function (no overflow for large |z|)."""
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def _rows_last(z: np.ndarray) -> bool:
    """True for many short rows (a batch of class scores): reducing along a short last axis
    costs numpy a loop per row, so those are reduced in a transposed copy instead."""
    return z.ndim == 2 and z.shape[0] >= 16 and z.shape[1] <= 64


def softmax(z: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, shifted by the max for stability."""
    if _rows_last(z):
        et = z.T.copy()  # (classes, N): the reductions below run along contiguous rows
        et -= np.maximum.reduce(et, axis=0)
        np.exp(et, out=et)
        out = np.empty_like(z)
        np.divide(et, np.add.reduce(et, axis=0), out=out.T)
        return out
    # The ufuncs' own reduce: np.max and ndarray.max add Python-level wrappers that show
    # when predicting one sample.
    e = z - np.maximum.reduce(z, axis=-1, keepdims=True)
    np.exp(e, out=e)
    e /= np.add.reduce(e, axis=-1, keepdims=True)
    return e


def log_softmax(z: np.ndarray) -> np.ndarray:
    if _rows_last(z):
        st = z.T.copy()
        st -= np.maximum.reduce(st, axis=0)
        lse = np.log(np.add.reduce(np.exp(st), axis=0))
        out = np.empty_like(z)
        np.subtract(st, lse, out=out.T)
        return out
    shifted = z - np.maximum.reduce(z, axis=-1, keepdims=True)
    return shifted - np.log(np.add.reduce(np.exp(shifted), axis=-1, keepdims=True))


REGISTRY: dict[str, type[Activation]] = {
    cls.name: cls for cls in (Linear, Step, Sigmoid, Tanh, ReLU, LeakyReLU, ELU, Softmax)
}
NAMES: tuple[str, ...] = tuple(REGISTRY)


@dataclass(frozen=True)
class _Parsed:
    name: str
    options: dict[str, Any] = field(default_factory=dict)


def _parse(value: Any) -> _Parsed:
    if value is None:
        return _Parsed("linear")
    if isinstance(value, str):
        return _Parsed(value)
    if isinstance(value, dict):
        if "name" not in value or not isinstance(value["name"], str):
            raise SpecError("an activation given as a dict needs a 'name'")
        opts = {k: v for k, v in value.items() if k != "name"}
        return _Parsed(value["name"], opts)
    raise SpecError(f"an activation must be a name or a dict, not {type(value).__name__}")


def make(value: Any) -> Activation:
    """Build an :class:`Activation` from a name or a ``{"name": ..., option: value}`` dict."""
    if isinstance(value, Activation):
        return value
    parsed = _parse(value)
    cls = REGISTRY.get(parsed.name)
    if cls is None:
        raise SpecError(
            f"unknown activation '{parsed.name}' (known: {', '.join(NAMES)})"
        )
    return cls(**parsed.options)


def canonical(value: Any) -> str | dict[str, Any]:
    """The stored form: the bare name, or a dict when some option differs from its default."""
    act = make(value)
    settings = act.settings()
    return {"name": act.name, **settings} if settings else act.name
