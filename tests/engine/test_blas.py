"""engine.blas: accumulating products through NumPy's own BLAS, and the NumPy fallback."""

import os
import subprocess
import sys

import numpy as np
import pytest

from engine import blas

RNG = np.random.default_rng(7)


def test_numpy_wheels_blas_is_found():
    """NumPy's wheels bundle OpenBLAS: the module must find it, or the fast path is dead."""
    config = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    if "openblas" in str(config.get("name", "")).lower() and "NNDESIGNER_BLAS" not in os.environ:
        assert blas.accelerated()
    else:  # NumPy built against another BLAS, or the fallback forced: never a foreign BLAS
        assert not blas.accelerated()


def test_environment_variable_forces_the_numpy_fallback():
    code = "from engine import blas; print(blas.accelerated())"
    env = {**os.environ, "NNDESIGNER_BLAS": "numpy"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True, cwd=os.path.dirname(os.path.dirname(os.path.dirname(
                             os.path.abspath(__file__)))))
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("trans_a", [False, True])
@pytest.mark.parametrize("trans_b", [False, True])
@pytest.mark.parametrize("alpha", [1.0, -1.0, 0.375])
def test_add_product_equals_numpy(backend, dtype, trans_a, trans_b, alpha):
    m, n, k = 7, 5, 11
    a = RNG.normal(size=(k, m) if trans_a else (m, k)).astype(dtype)
    b = RNG.normal(size=(n, k) if trans_b else (k, n)).astype(dtype)
    c = RNG.normal(size=(m, n)).astype(dtype)
    want = c.astype(np.float64) + alpha * (
        (a.T if trans_a else a).astype(np.float64) @ (b.T if trans_b else b).astype(np.float64)
    )
    before = c.ctypes.data
    blas.add_product(c, a, b, alpha, trans_a, trans_b)
    assert c.ctypes.data == before  # in place
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(c, want, rtol=rtol, atol=rtol)


def test_add_product_takes_any_layout_and_dtype(backend):
    """Views, transposed storage and mixed dtypes are not BLAS-ready: the fallback takes them."""
    base = RNG.normal(size=(12, 10))
    a = base[::2, 1:7]  # (6, 6), strided
    b = np.asfortranarray(RNG.normal(size=(6, 4)))
    c = RNG.normal(size=(6, 4)).astype(np.float32)
    want = c + (a @ b).astype(np.float32)
    blas.add_product(c, a.astype(np.float32)[:, :], b, 1.0)  # b is float64: mixed
    np.testing.assert_allclose(c, want, rtol=1e-5)
    c64 = RNG.normal(size=(6, 4))
    want = c64 - a @ b
    blas.add_product(c64, a, b, -1.0)
    np.testing.assert_allclose(c64, want, rtol=1e-12)


def test_add_product_with_an_empty_inner_dimension_leaves_c(backend):
    c = RNG.normal(size=(3, 4)).astype(np.float32)
    before = c.copy()
    blas.add_product(c, np.zeros((3, 0), np.float32), np.zeros((0, 4), np.float32), -1.0)
    np.testing.assert_array_equal(c, before)


def test_ones_is_cached_and_read_only():
    ones = blas.ones(5, np.float32)
    assert ones is blas.ones(5, np.float32)
    np.testing.assert_array_equal(ones, 1)
    with pytest.raises(ValueError):
        ones[0] = 2


def test_a_read_only_target_is_refused_not_written(backend):
    c = np.zeros((2, 2), np.float32)
    c.flags.writeable = False
    with pytest.raises(ValueError):
        blas.add_product(c, np.ones((2, 2), np.float32), np.ones((2, 2), np.float32))
    np.testing.assert_array_equal(c, 0)


def test_mismatched_shapes_raise_instead_of_reading_past_the_arrays(backend):
    c = np.zeros((3, 4), np.float32)
    with pytest.raises(ValueError):
        blas.add_product(c, np.ones((3, 5), np.float32), np.ones((6, 4), np.float32))
    with pytest.raises(ValueError):
        blas.add_product(c, np.ones((3, 5), np.float32), np.ones((5, 4), np.float32),
                         trans_a=True)
    with pytest.raises(ValueError):
        blas.add_product(c, np.ones(5, np.float32), np.ones((5, 4), np.float32))
    np.testing.assert_array_equal(c, 0)
