import pytest

from engine import blas

#: The direct BLAS path exists only where NumPy runs on the OpenBLAS of its own wheels
#: (test_blas.py asserts that it is found there); the NumPy fallback exists everywhere.
BACKENDS = ["blas", "numpy"] if blas.accelerated() else ["numpy"]


@pytest.fixture(params=BACKENDS)
def backend(request, monkeypatch):
    """Runs a test on every path of engine.blas this machine has: NumPy's BLAS called
    directly, and the NumPy fallback."""
    if request.param == "numpy":
        monkeypatch.setattr(blas, "_CBLAS", None)
        monkeypatch.setattr(blas, "_LOOKED", True)
    return request.param
