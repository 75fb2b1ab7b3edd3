"""Convolution and pooling on channels-last images ``(N, H, W, C)``.

Conv2D gathers every receptive field into one matrix with a single strided copy (im2col over
a zero-copy ``as_strided`` view) and multiplies it by the filters; backward is two matrix
products plus a scatter-add over the kh·kw kernel offsets (col2im). Pooling works over the
kh·kw "phases" of the input — strided views, one per position inside the window — so it needs
no window copies at all.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from . import initializers
from .catalog import conv_geometry, pair
from .layers import Layer, _ones


def _windows(xp: np.ndarray, kh: int, kw: int, sh: int, sw: int, oh: int, ow: int) -> np.ndarray:
    """A read-only view (N, OH, OW, KH, KW, C) of every receptive field of a padded input."""
    n, _, _, c = xp.shape
    s0, s1, s2, s3 = xp.strides
    return as_strided(
        xp, shape=(n, oh, ow, kh, kw, c), strides=(s0, s1 * sh, s2 * sw, s1, s2, s3),
        writeable=False,
    )


class Conv2D(Layer):
    """z[n, y, x, f] = Σ W[f, c, i, j] · x[n, y·s+i, x·s+j, c] + b[f]."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _c, h, w = self.in_shapes[0]
        _f, oh, ow = self.out_shape
        self.kh, self.kw = pair(self.config["kernel_size"])
        self.sh, self.sw = pair(self.config["stride"])
        _, self.pt, self.pb = conv_geometry(h, self.kh, self.sh, self.config["padding"])
        _, self.pl, self.pr = conv_geometry(w, self.kw, self.sw, self.config["padding"])
        self.oh, self.ow = oh, ow
        self._buffers: dict[tuple, np.ndarray] = {}

    def init_params(self, rng, activation):
        c = self.in_shapes[0][0]
        f = self.config["filters"]
        fan_in, fan_out = c * self.kh * self.kw, f * self.kh * self.kw
        self._add_param(
            "W",
            initializers.initialize(
                self.config["kernel_init"], (f, c, self.kh, self.kw), fan_in, fan_out, rng,
                self.dtype, activation,
            ),
        )
        if self.config["use_bias"]:
            self._add_param(
                "b",
                initializers.initialize(
                    self.config["bias_init"], (f,), fan_in, fan_out, rng, self.dtype, activation
                ),
            )

    def _buffer(self, name: str, shape: tuple[int, ...], dtype) -> np.ndarray:
        # Reused across batches: fresh multi-MB temporaries each batch cost page faults.
        key = (name, shape, np.dtype(dtype))
        buf = self._buffers.get(key)
        if buf is None:
            if len(self._buffers) > 16:  # batch sizes changed a lot; start over
                self._buffers.clear()
            buf = self._buffers[key] = np.empty(shape, dtype=dtype)
        return buf

    def _padded(self, x: np.ndarray) -> np.ndarray:
        if not (self.pt or self.pb or self.pl or self.pr):
            return x
        n, h, w, c = x.shape
        xp = self._buffer("xp", (n, h + self.pt + self.pb, w + self.pl + self.pr, c), x.dtype)
        xp[:, : self.pt] = 0
        xp[:, self.pt + h :] = 0
        xp[:, :, : self.pl] = 0
        xp[:, :, self.pl + w :] = 0
        xp[:, self.pt : self.pt + h, self.pl : self.pl + w] = x
        return xp

    def _kernel_matrix(self) -> np.ndarray:
        """W as (F, KH·KW·C), matching the column order of the im2col matrix."""
        W = self.params["W"].value
        return W.transpose(0, 2, 3, 1).reshape(W.shape[0], -1)

    def forward(self, xs, training):
        x = xs[0]
        n, c = x.shape[0], x.shape[3]
        xp = self._padded(x)
        win = _windows(xp, self.kh, self.kw, self.sh, self.sw, self.oh, self.ow)
        k = self.kh * self.kw * c
        # In training the column matrix must survive until backward; at prediction time a
        # scratch buffer would be overwritten by the next call, which is fine.
        cols = self._buffer("cols", (n, self.oh, self.ow, self.kh, self.kw, c), x.dtype)
        np.copyto(cols, win)
        cols2d = cols.reshape(n * self.oh * self.ow, k)
        self._cols = cols2d
        self._xshape = x.shape
        z = cols2d @ self._kernel_matrix().T
        if "b" in self.params:
            z += self.params["b"].value
        return z.reshape(n, self.oh, self.ow, -1)

    def backward(self, dz):
        n = dz.shape[0]
        f = dz.shape[3]
        dz2d = dz.reshape(-1, f)
        W = self.params["W"]
        dWmat = dz2d.T @ self._cols
        c = self._xshape[3]
        W.grad[...] = dWmat.reshape(f, self.kh, self.kw, c).transpose(0, 3, 1, 2)
        if "b" in self.params:
            np.matmul(_ones(dz2d.shape[0], dz2d.dtype), dz2d, out=self.params["b"].grad)
        if not self.input_grad_needed[0]:
            return [None]
        dcols = (dz2d @ self._kernel_matrix()).reshape(n, self.oh, self.ow, self.kh, self.kw, c)
        _, h, w, _ = self._xshape
        hp, wp = h + self.pt + self.pb, w + self.pl + self.pr
        dxp = np.zeros((n, hp, wp, c), dtype=dz.dtype)
        for i in range(self.kh):
            for j in range(self.kw):
                dxp[
                    :, i : i + self.sh * (self.oh - 1) + 1 : self.sh,
                    j : j + self.sw * (self.ow - 1) + 1 : self.sw,
                ] += dcols[:, :, :, i, j]
        if hp != h or wp != w:
            dxp = dxp[:, self.pt : self.pt + h, self.pl : self.pl + w]
        return [dxp]


class _Pool(Layer):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.k = self.config["pool_size"]
        self.s = self.config["stride"] or self.k
        _, self.oh, self.ow = self.out_shape

    def _phases(self, x: np.ndarray):
        """Yield (i, j, view) for every offset inside the window: view[n, y, x, c] is
        x[n, y·s + i, x·s + j, c]."""
        s, oh, ow = self.s, self.oh, self.ow
        for i in range(self.k):
            for j in range(self.k):
                yield i, j, x[:, i : i + s * (oh - 1) + 1 : s, j : j + s * (ow - 1) + 1 : s]

    def _phase_slices(self, i: int, j: int):
        s = self.s
        return (
            slice(None),
            slice(i, i + s * (self.oh - 1) + 1, s),
            slice(j, j + s * (self.ow - 1) + 1, s),
        )


class MaxPool2D(_Pool):
    """The maximum of each k×k window; the gradient goes to the first maximum (as PyTorch)."""

    def forward(self, xs, training):
        x = xs[0]
        out = None
        for _, _, view in self._phases(x):
            if out is None:
                out = view.copy()
            else:
                np.maximum(out, view, out=out)
        self._x, self._out = x, out
        return out

    def backward(self, dz):
        x, out = self._x, self._out
        dx = np.zeros_like(x, dtype=dz.dtype)
        unclaimed = np.ones(out.shape, dtype=bool)
        for i, j, view in self._phases(x):
            hit = view == out
            hit &= unclaimed
            unclaimed &= ~hit
            sl = self._phase_slices(i, j)
            if self.s >= self.k:  # windows do not overlap: plain assignment
                dx[sl] = dz * hit
            else:
                dx[sl] += dz * hit
        return [dx]


class AvgPool2D(_Pool):
    """The mean of each k×k window."""

    def forward(self, xs, training):
        x = xs[0]
        self._xshape = x.shape
        out = None
        for _, _, view in self._phases(x):
            if out is None:
                out = view.astype(x.dtype, copy=True)
            else:
                out += view
        out *= x.dtype.type(1.0 / (self.k * self.k))
        return out

    def backward(self, dz):
        dx = np.zeros(self._xshape, dtype=dz.dtype)
        share = dz * dz.dtype.type(1.0 / (self.k * self.k))
        for i in range(self.k):
            for j in range(self.k):
                dx[self._phase_slices(i, j)] += share
        return [dx]
