"""Losses: value and gradient, batch means as PyTorch's defaults.

Targets: ``cross_entropy`` takes integer class labels ``(N,)``; ``binary_cross_entropy`` takes
0/1 values shaped like the output (``(N,)`` is accepted for a single output); ``mse`` and ``mae``
take values shaped like the output.

Cross-entropy after softmax and binary cross-entropy after sigmoid are *fused*: the loss is
computed from the pre-activation ``z`` (log-softmax, log-sigmoid), which never overflows, and the
gradient with respect to ``z`` is the famous ``(p − y) / N``.
"""

from __future__ import annotations

import numpy as np

from .activations import log_softmax

#: Smallest probabilities whose logarithm is taken directly: far above the subnormals.
_TINY = {np.float32: 1e-30, np.float64: 1e-300}


_ROWS: dict[int, np.ndarray] = {}


def _rows(n: int) -> np.ndarray:
    """``np.arange(n)``, cached read-only: the row index of every per-class lookup."""
    rows = _ROWS.get(n)
    if rows is None:
        if len(_ROWS) > 8:  # batch sizes changed a lot
            _ROWS.clear()
        rows = _ROWS[n] = np.arange(n)
        rows.flags.writeable = False
    return rows


def _as_output_shape(y: np.ndarray, out: np.ndarray) -> np.ndarray:
    if y.shape == out.shape:
        return y
    return y.reshape(out.shape)


class Loss:
    name = ""
    #: The output activation this loss is fused with (its gradient then skips the activation).
    fused_with: str | None = None

    def value(self, out: np.ndarray, y: np.ndarray) -> float:
        raise NotImplementedError

    def grad(self, out: np.ndarray, y: np.ndarray) -> np.ndarray:
        """dL/d(out), for a non-fused output activation."""
        raise NotImplementedError

    def fused_value(self, z: np.ndarray, y: np.ndarray) -> float:
        raise NotImplementedError

    def fused_value_and_output(self, z: np.ndarray, a: np.ndarray, y: np.ndarray) -> float:
        """:meth:`fused_value`, free to reuse the activation's output ``a`` when that is
        exact enough (the training loop has both)."""
        return self.fused_value(z, y)

    def fused_grad(self, a: np.ndarray, y: np.ndarray, scale: float = 1.0) -> np.ndarray:
        """dL/dz for the fused activation, given its output ``a``, times ``scale``."""
        raise NotImplementedError

    def per_sample(self, out: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Each sample's loss (N,), for browsing the worst-predicted samples."""
        raise NotImplementedError


class MSE(Loss):
    name = "mse"

    def value(self, out, y):
        d = out - _as_output_shape(y, out)
        return float(np.mean(d * d))

    def grad(self, out, y):
        d = out - _as_output_shape(y, out)
        return d * out.dtype.type(2.0 / d.size)

    def per_sample(self, out, y):
        d = out - _as_output_shape(y, out)
        return np.mean((d * d).reshape(len(d), -1), axis=1)


class MAE(Loss):
    name = "mae"

    def value(self, out, y):
        return float(np.mean(np.abs(out - _as_output_shape(y, out))))

    def grad(self, out, y):
        d = out - _as_output_shape(y, out)
        return np.sign(d) * out.dtype.type(1.0 / d.size)

    def per_sample(self, out, y):
        return np.mean(np.abs(out - _as_output_shape(y, out)).reshape(len(out), -1), axis=1)


class CrossEntropy(Loss):
    """−mean log p(true class). Fused with softmax; unfused it reads probabilities."""

    name = "cross_entropy"
    fused_with = "softmax"

    def fused_value(self, z, y):
        logp = log_softmax(z)
        return float(-np.mean(logp[_rows(len(y)), y]))

    def fused_value_and_output(self, z, a, y):
        if a.ndim != 2:
            return self.fused_value(z, y)
        p = a[_rows(len(y)), y]
        # log p is as exact as log-softmax while p is a normal float; tiny (or zero)
        # probabilities, whose logs matter most, come from the stable log-softmax.
        if len(p) and np.minimum.reduce(p) >= _TINY[a.dtype.type]:
            np.log(p, out=p)
            return -float(np.add.reduce(p)) / len(p)
        return self.fused_value(z, y)

    def fused_grad(self, a, y, scale=1.0):
        g = a.copy()
        g[_rows(len(y)), y] -= 1
        g *= a.dtype.type(scale / len(y))
        return g

    def value(self, out, y):
        p = np.clip(out[_rows(len(y)), y], 1e-12, None)
        return float(-np.mean(np.log(p)))

    def grad(self, out, y):
        g = np.zeros_like(out)
        p = np.clip(out[_rows(len(y)), y], 1e-12, None)
        g[_rows(len(y)), y] = -1.0 / (p * len(y))
        return g

    def per_sample(self, out, y):
        return -np.log(np.clip(out[_rows(len(y)), y], 1e-12, None))


class BinaryCrossEntropy(Loss):
    """−mean [y log p + (1 − y) log(1 − p)] over every output. Fused with sigmoid."""

    name = "binary_cross_entropy"
    fused_with = "sigmoid"

    def fused_value(self, z, y):
        y = _as_output_shape(y, z).astype(z.dtype, copy=False)
        # log σ(z) = −softplus(−z), log(1 − σ(z)) = −softplus(z); stable for any z.
        loss = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
        return float(np.mean(loss))

    def fused_grad(self, a, y, scale=1.0):
        y = _as_output_shape(y, a).astype(a.dtype, copy=False)
        return (a - y) * a.dtype.type(scale / a.size)

    def value(self, out, y):
        y = _as_output_shape(y, out)
        p = np.clip(out, 1e-12, 1 - 1e-7)
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))

    def grad(self, out, y):
        y = _as_output_shape(y, out)
        p = np.clip(out, 1e-12, 1 - 1e-7)
        return ((p - y) / (p * (1 - p)) / out.size).astype(out.dtype)

    def per_sample(self, out, y):
        y = _as_output_shape(y, out)
        p = np.clip(out, 1e-12, 1 - 1e-7)
        return -np.mean((y * np.log(p) + (1 - y) * np.log(1 - p)).reshape(len(out), -1), axis=1)


#: Losses of classifiers: their models report accuracy and class probabilities.
CLASSIFICATION_LOSSES = ("cross_entropy", "binary_cross_entropy")

LOSSES: dict[str, type[Loss]] = {
    cls.name: cls for cls in (MSE, MAE, CrossEntropy, BinaryCrossEntropy)
}


def make(name: str) -> Loss:
    return LOSSES[name]()
