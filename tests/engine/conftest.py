import pytest

from engine import blas


@pytest.fixture(params=["blas", "numpy"])
def backend(request, monkeypatch):
    """Runs a test on both paths of engine.blas: NumPy's BLAS called directly (required where
    it is found, see test_blas.py) and the NumPy fallback."""
    if request.param == "numpy":
        monkeypatch.setattr(blas, "_CBLAS", None)
        monkeypatch.setattr(blas, "_LOOKED", True)
    elif not blas.accelerated():
        pytest.skip("NumPy here does not run on the OpenBLAS of its own wheels")
    return request.param
