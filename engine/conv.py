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

from . import blas, initializers
from .catalog import conv_geometry, pair
from .layers import Layer


def _windows(
    xp: np.ndarray, kh: int, kw: int, sh: int, sw: int, oh: int, ow: int,
    offsets_first: bool = False,
) -> np.ndarray:
    """A read-only view (N, OH, OW, KH, KW, C) of every receptive field of a padded input, or
    (KH, KW, C, N, OH, OW) with ``offsets_first``."""
    n, _, _, c = xp.shape
    s0, s1, s2, s3 = xp.strides
    if offsets_first:
        shape, strides = (kh, kw, c, n, oh, ow), (s1, s2, s3, s0, s1 * sh, s2 * sw)
    else:
        shape, strides = (n, oh, ow, kh, kw, c), (s0, s1 * sh, s2 * sw, s1, s2, s3)
    if xp.flags.c_contiguous:
        # The same view built directly: as_strided's generality costs microseconds a call,
        # which shows when predicting one image.
        view = np.ndarray(shape, xp.dtype, buffer=xp, strides=strides)
        view.flags.writeable = False
        return view
    return as_strided(xp, shape=shape, strides=strides, writeable=False)


class Conv2D(Layer):
    """z[n, y, x, f] = Σ W[f, c, i, j] · x[n, y·s+i, x·s+j, c] + b[f]."""

    fresh_output = True

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        c, h, w = self.in_shapes[0]
        _f, oh, ow = self.out_shape
        self.kh, self.kw = pair(self.config["kernel_size"])
        self.sh, self.sw = pair(self.config["stride"])
        _, self.pt, self.pb = conv_geometry(h, self.kh, self.sh, self.config["padding"])
        _, self.pl, self.pr = conv_geometry(w, self.kw, self.sw, self.config["padding"])
        self.oh, self.ow = oh, ow
        # One input channel: build the column matrix offset-major, (KH·KW, N·OH·OW), whose
        # rows are shifted copies of the images (long contiguous runs); position-major rows
        # would be runs of KW values, which numpy copies many times slower.
        self._offset_major = c == 1
        self._padding = bool(self.pt or self.pb or self.pl or self.pr)

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

    def _padded(self, x: np.ndarray) -> np.ndarray:
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
        xp = self._padded(x) if self._padding else x
        kh, kw, oh, ow = self.kh, self.kw, self.oh, self.ow
        m, k = n * oh * ow, kh * kw * c
        # In training the column matrix must survive until backward; at prediction time a
        # scratch buffer would be overwritten by the next call, which is fine.
        win = _windows(xp, kh, kw, self.sh, self.sw, oh, ow, self._offset_major)
        if self._offset_major:
            cols = self._buffer("colsT", (k, m), x.dtype)
            np.copyto(cols.reshape(win.shape), win)
            cols2d = cols.T
        else:
            cols2d = self._buffer("cols", (m, k), x.dtype)
            np.copyto(cols2d.reshape(win.shape), win)
        self._cols = cols2d  # (N·OH·OW, KH·KW·C)
        self._xshape = x.shape
        z = cols2d @ self._kernel_matrix().T
        b = self.params.get("b")
        f = z.shape[1]
        if b is not None and m < 1024 and f >= 16:  # small output (one image): plain add
            z += b.value
        elif b is not None:
            # Broadcasting b over rows of F values runs numpy's inner loop F values at a time;
            # adding it tiled along whole output rows (OW·F values) is several times faster.
            b_row = self._buffer("b_row", (ow, f), z.dtype)
            b_row[...] = b.value
            zr = z.reshape(n * oh, ow * f)
            zr += b_row.reshape(-1)
        return z.reshape(n, oh, ow, -1)

    def backward(self, dz):
        n = dz.shape[0]
        f = dz.shape[3]
        dz2d = dz.reshape(-1, f)
        W = self.params["W"]
        c = self._xshape[3]
        # dWᵀ = colsᵀ·dz, (KH·KW·C, F): OpenBLAS sums the long N·OH·OW axis about twice as
        # fast in this orientation as in dzᵀ·cols.
        dWt = self._cols.T @ dz2d
        W.grad[...] = dWt.reshape(self.kh, self.kw, c, f).transpose(3, 2, 0, 1)
        if "b" in self.params:
            np.matmul(blas.ones(dz2d.shape[0], dz2d.dtype), dz2d, out=self.params["b"].grad)
        if not self.input_grad_needed[0]:
            return [None]
        # Column gradients as one contiguous (N, OH, OW, C) slab per kernel offset, so that
        # col2im below adds whole slabs (long runs) instead of C-value runs. They, and the
        # input gradient, live in reused buffers: the returned gradient is consumed by the
        # layer below within this pass.
        m, kk = dz2d.shape[0], self.kh * self.kw
        slabs = self._buffer("dcols", (kk, m, c), dz.dtype)
        if c == 1:  # one product (KH·KW, F)·(F, M) fills the same layout
            np.matmul(self._kernel_matrix().T, dz2d.T, out=slabs.reshape(kk, m))
        else:  # (M, F)·(F, C) for every offset, in one batched call
            w_offsets = W.value.transpose(2, 3, 0, 1).reshape(kk, f, c)
            np.matmul(dz2d, w_offsets, out=slabs)
        _, h, w, _ = self._xshape
        hp, wp = h + self.pt + self.pb, w + self.pl + self.pr
        dxp = self._buffer("dxp", (n, hp, wp, c), dz.dtype)
        dxp[...] = 0
        for i in range(self.kh):
            for j in range(self.kw):
                window = dxp[
                    :, i : i + self.sh * (self.oh - 1) + 1 : self.sh,
                    j : j + self.sw * (self.ow - 1) + 1 : self.sw,
                ]
                window += slabs[i * self.kw + j].reshape(n, self.oh, self.ow, c)
        if hp != h or wp != w:
            return [dxp[:, self.pt : self.pt + h, self.pl : self.pl + w]]
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
        k, s, oh, ow = self.k, self.s, self.oh, self.ow
        if s == k and k > 1:
            # Windows tile the image: take the maximum over the k rows of each window first,
            # on whole image rows (long contiguous runs), then over the k columns.
            n, _, _, c = x.shape
            span = s * (oh - 1) + 1
            colmax = np.maximum(x[:, 0:span:s, : ow * k], x[:, 1 : 1 + span : s, : ow * k])
            for i in range(2, k):
                np.maximum(colmax, x[:, i : i + span : s, : ow * k], out=colmax)
            win = colmax.reshape(n, oh, ow, k, c)
            out = np.maximum(win[:, :, :, 0], win[:, :, :, 1])
            for j in range(2, k):
                np.maximum(out, win[:, :, :, j], out=out)
        else:
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
        if self.s < self.k:  # overlapping windows: gradients from several windows add up
            dx = np.zeros_like(x, dtype=dz.dtype)
            unclaimed = np.ones(out.shape, dtype=bool)
            for i, j, view in self._phases(x):
                hit = view == out
                hit &= unclaimed
                unclaimed &= ~hit
                dx[self._phase_slices(i, j)] += dz * hit
            return [dx]
        # Windows do not overlap: every input belongs to at most one window, so each phase's
        # gradient is written straight into its strided view of dx, with no temporaries.
        dx = self._buffer("dx", x.shape, dz.dtype)
        if self.s > self.k:  # gaps between windows get no gradient
            dx[...] = 0
        hit = self._buffer("hit", out.shape, bool)
        unclaimed = self._buffer("unclaimed", out.shape, bool)
        unclaimed[...] = True
        for i, j, view in self._phases(x):
            np.equal(view, out, out=hit)
            hit &= unclaimed
            unclaimed ^= hit  # hit ⊆ unclaimed: this clears the claimed windows
            np.multiply(dz, hit, out=dx[self._phase_slices(i, j)])
        # Rows and columns past the last window get no gradient.
        dx[:, self.s * self.oh :] = 0
        dx[:, :, self.s * self.ow :] = 0
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
