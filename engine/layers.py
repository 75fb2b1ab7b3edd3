"""Layers that compute: forward and backward side by side.

Contract (CS231n style):

* ``forward(xs, training)`` takes the list of input arrays (one per incoming edge) and returns the
  layer's *pre-activation* output ``z``; it caches only what ``backward`` needs.
* ``backward(dz)`` takes ``dL/dz`` and returns ``[dL/dx for each input]`` (``None`` for inputs
  whose gradient nobody needs), and fills ``param.grad`` for each trainable parameter.

Layout: flat tensors are ``(N, F)``. Image tensors are stored *channels-last*, ``(N, H, W, C)``,
inside the engine because that makes convolutions one strided copy plus one matrix product;
:class:`engine.model.Model` converts to and from the public ``(N, C, H, W)`` at its boundary.
Weights keep the public layouts of PyTorch and ONNX: Dense ``W`` is ``(units, inputs)``, Conv2D
``W`` is ``(filters, channels, kh, kw)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import blas, initializers
from .catalog import Shape


class Parameter:
    """A trainable array with its gradient (same shape, same dtype, filled by ``backward``)."""

    __slots__ = ("grad", "layer", "name", "value")

    def __init__(self, layer: str, name: str, value: np.ndarray) -> None:
        self.layer = layer
        self.name = name
        self.value = value
        self.grad = np.zeros_like(value)

    @property
    def key(self) -> str:
        return f"{self.layer}/{self.name}"

    def __repr__(self) -> str:
        return f"Parameter({self.key}, shape={self.value.shape})"


class Layer:
    """Base class. ``in_shapes`` and ``out_shape`` are the public shapes (no batch axis)."""

    #: True when forward returns a new array that backward does not need (an activation may
    #: then overwrite it); False for layers that pass their input or a view of it through.
    fresh_output = False

    def __init__(
        self, name: str, params: dict[str, Any], in_shapes: list[Shape], out_shape: Shape,
        dtype: np.dtype,
    ) -> None:
        self.name = name
        self.config = params
        self.in_shapes = in_shapes
        self.out_shape = out_shape
        self.dtype = np.dtype(dtype)
        self.params: dict[str, Parameter] = {}
        #: Non-trainable state saved with the weights (BatchNorm running statistics).
        self.state: dict[str, np.ndarray] = {}
        #: Set by the model: False for inputs whose gradient nobody needs (saves work).
        self.input_grad_needed: list[bool] = [True] * len(in_shapes)
        self.rng: np.random.Generator | None = None
        self._buffers: dict[tuple, np.ndarray] = {}

    def init_params(self, rng: np.random.Generator, activation: str) -> None:
        """Draw initial parameter values; layers without parameters do nothing."""

    def _buffer(self, name: str, shape: tuple[int, ...], dtype) -> np.ndarray:
        """A scratch array kept for the next call with the same shape: fresh multi-MB
        temporaries every batch cost page faults. Only for arrays that nobody keeps beyond
        the current forward/backward pass."""
        key = (name, shape, np.dtype(dtype))
        buf = self._buffers.get(key)
        if buf is None:
            if len(self._buffers) > 16:  # batch sizes changed a lot; start over
                self._buffers.clear()
            buf = self._buffers[key] = np.empty(shape, dtype=dtype)
        return buf

    def _add_param(self, name: str, value: np.ndarray) -> None:
        self.params[name] = Parameter(self.name, name, value)

    def forward(self, xs: list[np.ndarray], training: bool) -> np.ndarray:
        raise NotImplementedError

    def backward(self, dz: np.ndarray) -> list[np.ndarray | None]:
        raise NotImplementedError

    def backward_descend(self, dz: np.ndarray) -> list[np.ndarray | None]:
        """Backward for plain gradient descent: ``dz`` is already scaled by the learning rate
        and every parameter moves by minus its gradient here and now, after the input
        gradients are taken from the old values. ``param.grad`` may be left stale. Layers
        whose weight gradient is one matrix product override this to update the weights
        inside that product (:mod:`engine.blas`)."""
        dxs = self.backward(dz)
        for p in self.params.values():
            np.subtract(p.value, p.grad, out=p.value)
        return dxs


class InputLayer(Layer):
    def forward(self, xs, training):
        return xs[0]

    def backward(self, dz):
        return []


class Dense(Layer):
    """z = x Wᵀ + b. x: (N, in), W: (units, in), b: (units,), z: (N, units)."""

    fresh_output = True

    def init_params(self, rng, activation):
        fan_in, units = self.in_shapes[0][0], self.config["units"]
        self._add_param(
            "W",
            initializers.initialize(
                self.config["kernel_init"], (units, fan_in), fan_in, units, rng, self.dtype,
                activation,
            ),
        )
        if self.config["use_bias"]:
            self._add_param(
                "b",
                initializers.initialize(
                    self.config["bias_init"], (units,), fan_in, units, rng, self.dtype, activation
                ),
            )

    def forward(self, xs, training):
        x = xs[0]
        self._x = x
        W = self.params["W"].value
        b = self.params.get("b")
        if b is not None and blas.worthwhile(x.shape[0] * W.shape[0]):
            # z starts as the bias and the product accumulates onto it: one pass over z
            # less than a product followed by a bias add.
            z = np.empty((x.shape[0], W.shape[0]), dtype=W.dtype)
            np.copyto(z, b.value)
            blas.add_product(z, x, W, trans_b=True)
            return z
        z = x @ W.T
        if b is not None:
            z += b.value
        return z

    def backward(self, dz):
        W = self.params["W"]
        np.matmul(dz.T, self._x, out=W.grad)
        if "b" in self.params:
            # A matrix-vector product is faster than a reduction along axis 0.
            np.matmul(blas.ones(dz.shape[0], dz.dtype), dz, out=self.params["b"].grad)
        return [dz @ W.value if self.input_grad_needed[0] else None]

    def backward_descend(self, dz):
        W = self.params["W"].value
        if not blas.worthwhile(W.size):
            return super().backward_descend(dz)
        dx = dz @ W if self.input_grad_needed[0] else None  # from the weights before the step
        blas.add_product(W, dz, self._x, -1.0, trans_a=True)  # W -= dzᵀ·x in one pass
        if "b" in self.params:
            b = self.params["b"]
            np.matmul(blas.ones(dz.shape[0], dz.dtype), dz, out=b.grad)
            b.value -= b.grad
        return [dx]


class Flatten(Layer):
    """(N, H, W, C) → (N, C·H·W) in channel-major order, as PyTorch and ONNX flatten NCHW."""

    def forward(self, xs, training):
        x = xs[0]
        self._shape = x.shape
        if x.ndim == 2:
            return x
        return x.transpose(0, 3, 1, 2).reshape(x.shape[0], -1)

    def backward(self, dz):
        if len(self._shape) == 2:
            return [dz]
        n, h, w, c = self._shape
        return [dz.reshape(n, c, h, w).transpose(0, 2, 3, 1)]


class Dropout(Layer):
    """Inverted dropout: while training, zero each value with probability ``rate`` and scale the
    rest by 1/(1−rate), so nothing changes at prediction time."""

    def forward(self, xs, training):
        rate = self.config["rate"]
        if not training or rate == 0.0:
            self._mask = None
            return xs[0]
        keep = 1.0 - rate
        self._mask = (self.rng.random(xs[0].shape, dtype=np.float64) < keep).astype(
            xs[0].dtype
        ) / xs[0].dtype.type(keep)
        return xs[0] * self._mask

    def backward(self, dz):
        return [dz if self._mask is None else dz * self._mask]


class BatchNorm(Layer):
    """Normalise each feature (flat input) or channel (image input) with the batch's mean and
    variance while training and with running averages at prediction time, then scale by
    ``gamma`` and shift by ``beta``. Running statistics follow PyTorch (unbiased variance,
    ``running = (1 − momentum)·running + momentum·batch``)."""

    def init_params(self, rng, activation):
        c = self.in_shapes[0][0]
        self._add_param("gamma", np.ones(c, dtype=self.dtype))
        self._add_param("beta", np.zeros(c, dtype=self.dtype))
        self.state["running_mean"] = np.zeros(c, dtype=self.dtype)
        self.state["running_var"] = np.ones(c, dtype=self.dtype)

    def _axes(self, x):
        return (0,) if x.ndim == 2 else (0, 1, 2)

    def forward(self, xs, training):
        x = xs[0]
        axes = self._axes(x)
        eps = self.config["eps"]
        if training:
            mean = x.mean(axis=axes)
            var = x.var(axis=axes)
            m = x.size // x.shape[-1]
            mom = self.config["momentum"]
            rm, rv = self.state["running_mean"], self.state["running_var"]
            rm *= 1 - mom
            rm += mom * mean
            rv *= 1 - mom
            rv += mom * var * (m / max(m - 1, 1))
        else:
            mean, var = self.state["running_mean"], self.state["running_var"]
        inv_std = 1.0 / np.sqrt(var + eps)
        xhat = (x - mean) * inv_std
        self._cache = (xhat, inv_std, axes, training)
        return xhat * self.params["gamma"].value + self.params["beta"].value

    def backward(self, dz):
        xhat, inv_std, axes, training = self._cache
        gamma = self.params["gamma"]
        gamma.grad[...] = np.sum(dz * xhat, axis=axes)
        self.params["beta"].grad[...] = np.sum(dz, axis=axes)
        if not self.input_grad_needed[0]:
            return [None]
        dxhat = dz * gamma.value
        if not training:
            return [dxhat * inv_std]
        m = dz.size // dz.shape[-1]
        dx = (inv_std / m) * (
            m * dxhat - dxhat.sum(axis=axes) - xhat * np.sum(dxhat * xhat, axis=axes)
        )
        return [dx.astype(dz.dtype, copy=False)]


class Identity(Layer):
    """Passes its input through; an Activation layer is this plus its activation."""

    def forward(self, xs, training):
        return xs[0]

    def backward(self, dz):
        return [dz]


class Add(Layer):
    def forward(self, xs, training):
        out = xs[0].copy()
        for x in xs[1:]:
            out += x
        return out

    def backward(self, dz):
        return [dz if need else None for need in self.input_grad_needed]


class Concat(Layer):
    """Joins along the last internal axis: features, or channels of channels-last images."""

    def forward(self, xs, training):
        self._sizes = [x.shape[-1] for x in xs]
        return np.concatenate(xs, axis=-1)

    def backward(self, dz):
        splits = np.cumsum(self._sizes)[:-1]
        parts = np.split(dz, splits, axis=-1)
        return [p if need else None for p, need in zip(parts, self.input_grad_needed, strict=True)]


class GlobalAveragePool(Layer):
    """(N, H, W, C) → (N, C): the mean of each feature map."""

    def forward(self, xs, training):
        x = xs[0]
        self._hw = x.shape[1:3]
        return x.mean(axis=(1, 2))

    def backward(self, dz):
        h, w = self._hw
        n, c = dz.shape
        return [np.broadcast_to((dz / (h * w))[:, None, None, :], (n, h, w, c))]
