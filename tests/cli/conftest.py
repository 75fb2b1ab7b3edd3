"""Fixtures of the command-line tests: a runner in tmp_path and projects trained once per module."""

from __future__ import annotations

import pytest

from .helpers import Run, nnd, write_image_folder, write_trips_csv


@pytest.fixture
def run(tmp_path):
    """``run(*args, check=True)``: nndesigner in this test's temporary folder."""
    def _run(*args, check: bool = True, env: dict | None = None) -> Run:
        return nnd(*args, cwd=tmp_path, check=check, env=env)

    return _run


@pytest.fixture(scope="module")
def trained_csv(tmp_path_factory):
    """A folder with trips.csv and trips.nnd (xor template sized to it, trained)."""
    root = tmp_path_factory.mktemp("csv")
    write_trips_csv(root / "trips.csv")
    nnd("new", "xor", "-o", "trips.nnd", "--data", "trips.csv", cwd=root)
    nnd("train", "trips.nnd", "--data", "trips.csv", "--epochs", "40", "--seed", "1", cwd=root)
    return root


@pytest.fixture(scope="module")
def trained_images(tmp_path_factory):
    """A folder with shapes/ (two classes of PNGs) and shapes.nnd (smiley template, trained)."""
    root = tmp_path_factory.mktemp("images")
    write_image_folder(root / "shapes")
    nnd("new", "smiley", "-o", "shapes.nnd", "--data", "shapes", cwd=root)
    nnd("train", "shapes.nnd", "--data", "shapes", "--epochs", "30", "--validation-split", "0",
        cwd=root)
    return root
