"""Accumulating matrix products: ``C ← C + α·op(A)·op(B)`` in one pass over ``C``.

NumPy's ``matmul`` always overwrites its output, so a gradient-descent step on a weight matrix
costs the product into a temporary and then a second pass, ``W -= G``. BLAS's GEMM has the
accumulation built in (``beta = 1``). This module calls it on the BLAS library NumPy itself
loaded, so both share one thread pool (a second BLAS would make two pools of busy threads
fight over the cores), and falls back to NumPy wherever that library cannot be found:

* NumPy's own wheels (Linux, Windows, macOS on Intel) link a bundled OpenBLAS: used directly.
* Other builds (MKL, Apple's Accelerate, a distribution's BLAS) take the NumPy fallback, which
  computes the same values in two passes.

The library is checked against NumPy on a small product before it is trusted, and the
environment variable ``NNDESIGNER_BLAS=numpy`` forces the fallback.
"""

from __future__ import annotations

import ctypes
import os
import re
from pathlib import Path

import numpy as np

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112


class _Cblas:
    """``cblas_?gemm`` of one shared library, for float32 and float64."""

    def __init__(self, lib: ctypes.CDLL, prefix: str, suffix: str, int_type) -> None:
        i, e, p = int_type, ctypes.c_int, ctypes.c_void_p
        self.gemm = {}
        for letter, dtype, real in (("s", np.float32, ctypes.c_float),
                                    ("d", np.float64, ctypes.c_double)):
            gemm = getattr(lib, f"{prefix}cblas_{letter}gemm{suffix}")
            gemm.argtypes = [e, e, e, i, i, i, real, p, i, p, i, real, p, i]
            gemm.restype = None
            self.gemm[np.dtype(dtype)] = gemm


def _numpy_openblas() -> _Cblas | None:
    """NumPy's bundled OpenBLAS, when that is what NumPy uses; None otherwise."""
    if os.environ.get("NNDESIGNER_BLAS", "").lower() == "numpy":
        return None
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    except Exception:  # an old NumPy or an unusual build: no facts to go on
        return None
    name = str(blas.get("name", "")).lower()
    if "openblas" not in name:
        return None
    prefix = "scipy_" if name.startswith("scipy") else ""
    # "USE64BITINT" (NumPy 2) or "USE_64BITINT=1" (NumPy 1.26): 64-bit integers, suffixed names
    ilp64 = re.search(r"USE_?64BITINT(?!=0)", str(blas.get("openblas configuration", "")))
    suffix = "64_" if ilp64 else ""
    int_type = ctypes.c_int64 if ilp64 else ctypes.c_int
    package = Path(np.__file__).resolve().parent
    folders = (package.parent / "numpy.libs", package / ".dylibs")  # wheels: Linux/Windows, macOS
    loaded = _loaded_libraries()
    for folder in folders:
        for path in sorted(folder.glob("*openblas*")) if folder.is_dir() else ():
            if loaded is not None and str(path.resolve()) not in loaded:
                continue  # not the copy NumPy runs on: loading it would start a second pool
            try:
                return _Cblas(ctypes.CDLL(str(path)), prefix, suffix, int_type)
            except (OSError, AttributeError):  # not loadable, or other symbol names
                continue
    return None


def _loaded_libraries() -> set[str] | None:
    """Paths of the shared libraries mapped into this process (Linux); None elsewhere."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            return {line.split(maxsplit=5)[-1].strip() for line in maps if "/" in line}
    except OSError:
        return None


def _agrees_with_numpy(cblas: _Cblas) -> bool:
    """A small product in every layout used here, compared with NumPy's."""
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        for trans_a in (False, True):
            for trans_b in (False, True):
                a = rng.standard_normal((3, 5) if trans_a else (5, 3)).astype(dtype)
                b = rng.standard_normal((4, 3) if trans_b else (3, 4)).astype(dtype)
                c = rng.standard_normal((5, 4)).astype(dtype)
                want = c - 0.5 * ((a.T if trans_a else a) @ (b.T if trans_b else b))
                _gemm(cblas, c, a, b, -0.5, trans_a, trans_b)
                if not np.allclose(c, want, rtol=1e-4, atol=1e-5):
                    return False
    return True


def _address(x: np.ndarray) -> int:
    """The address of a contiguous array's first value (a third of ``x.ctypes.data``'s
    cost, which shows on small layers)."""
    if x.flags.writeable:
        return ctypes.addressof(ctypes.c_char.from_buffer(x))
    return x.ctypes.data


def _gemm(cblas: _Cblas, c, a, b, alpha, trans_a, trans_b) -> None:
    m, n = c.shape
    k = a.shape[0] if trans_a else a.shape[1]
    cblas.gemm[c.dtype](
        _ROW_MAJOR, _TRANS if trans_a else _NO_TRANS, _TRANS if trans_b else _NO_TRANS,
        m, n, k, alpha, _address(a), a.shape[1], _address(b), b.shape[1], 1.0, _address(c), n,
    )


_CBLAS: _Cblas | None = None
_LOOKED = False


def _cblas() -> _Cblas | None:
    global _CBLAS, _LOOKED
    if not _LOOKED:  # two threads may both look: they find the same library
        found = _numpy_openblas()
        _CBLAS = found if found is not None and _agrees_with_numpy(found) else None
        _LOOKED = True
    return _CBLAS


#: Below this many values in ``c`` the foreign call costs more than the pass it saves:
#: callers take NumPy's two calls (a product, then an add) instead.
WORTHWHILE_SIZE = 16384


def accelerated() -> bool:
    """True when the accumulating products run in one pass through BLAS."""
    return _cblas() is not None


def worthwhile(size: int) -> bool:
    """True when accumulating into an array of ``size`` values through BLAS beats NumPy's
    product-then-add."""
    return size >= WORTHWHILE_SIZE and _cblas() is not None


_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _usable(c: np.ndarray, a: np.ndarray, b: np.ndarray) -> bool:
    """Same float dtype, C-contiguous, non-empty (BLAS needs leading dimensions ≥ 1), and
    ``c`` writeable (BLAS would not ask)."""
    dtype = c.dtype
    return (dtype in _FLOATS and a.dtype == dtype and b.dtype == dtype
            and c.flags.c_contiguous and a.flags.c_contiguous and b.flags.c_contiguous
            and c.flags.writeable and c.size > 0 and a.size > 0 and b.size > 0)


def add_product(c: np.ndarray, a: np.ndarray, b: np.ndarray, alpha: float = 1.0,
                trans_a: bool = False, trans_b: bool = False) -> None:
    """``c += alpha · op(a) @ op(b)`` in place, where ``op`` transposes when asked.

    ``a``, ``b`` and ``c`` are 2-D; any dtype or layout works (the NumPy fallback takes what
    BLAS cannot). Mismatched shapes raise ValueError, as NumPy would: BLAS would not check."""
    if a.ndim != 2 or b.ndim != 2 or c.ndim != 2:
        raise ValueError("add_product needs 2-D arrays")
    (m, k), (k2, n) = a.shape[::-1] if trans_a else a.shape, b.shape[::-1] if trans_b else b.shape
    if k != k2 or c.shape != (m, n):
        raise ValueError(f"add_product: shapes {c.shape} += {(m, k)} @ {(k2, n)} do not fit")
    cblas = _cblas()
    if cblas is not None and _usable(c, a, b):
        _gemm(cblas, c, a, b, alpha, trans_a, trans_b)
        return
    product = (a.T if trans_a else a) @ (b.T if trans_b else b)
    if alpha == -1.0:
        c -= product
        return
    if alpha != 1.0:
        product *= c.dtype.type(alpha)
    c += product


_ONES: dict[tuple[int, np.dtype], np.ndarray] = {}


def ones(n: int, dtype) -> np.ndarray:
    """A cached, read-only vector of ``n`` ones (column sums as matrix products)."""
    key = (n, np.dtype(dtype))
    vector = _ONES.get(key)
    if vector is None:
        vector = _ONES[key] = np.ones(n, dtype=dtype)
        vector.flags.writeable = False
    return vector
