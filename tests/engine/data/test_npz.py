"""NumPy .npz archives: layouts, kinds, names, malformed archives, progress."""

import itertools

import numpy as np
import pytest

from engine.data import LoadCancelled, apply_preprocessing, load_npz
from engine.errors import DataError


def archive(tmp_path, name="d.npz", **arrays):
    path = tmp_path / name
    np.savez(path, **arrays)
    return path


def test_integer_labels_make_classification_with_numbered_classes(tmp_path):
    ds = load_npz(archive(tmp_path, x=np.arange(12.0).reshape(4, 3), y=np.array([0, 2, 1, 2])))
    assert ds.kind == "classification" and ds.class_names == ["0", "1", "2"]
    assert ds.x.shape == (4, 3) and ds.x.dtype == np.float32
    assert ds.source["type"] == "npz" and ds.name == "d"


def test_float_targets_make_regression(tmp_path):
    ds = load_npz(archive(tmp_path, x=np.ones((5, 2)), y=np.linspace(0, 1, 5)))
    assert ds.kind == "regression" and ds.y.shape == (5, 1)
    multi = load_npz(archive(tmp_path, x=np.ones((5, 2)), y=np.ones((5, 3)) * 0.5))
    assert multi.y.shape == (5, 3)
    forced = load_npz(archive(tmp_path, x=np.ones((3, 2)), y=np.array([0.0, 1.0, 1.0])),
                      kind="classification")
    assert forced.kind == "classification" and forced.y.tolist() == [0, 1, 1]


def test_image_layouts_and_uint8_scaling(tmp_path):
    hw = load_npz(archive(tmp_path, x=np.full((3, 5, 6), 255, np.uint8), y=np.arange(3)))
    assert hw.x.shape == (3, 1, 5, 6) and np.allclose(hw.x, 1.0)
    chw = load_npz(archive(tmp_path, x=np.zeros((3, 3, 8, 8)), y=np.arange(3)))
    assert chw.x.shape == (3, 3, 8, 8)
    hwc = load_npz(archive(tmp_path, x=np.zeros((3, 8, 8, 3), np.uint8), y=np.arange(3)))
    assert hwc.x.shape == (3, 3, 8, 8) and hwc.preprocessing["layout"] == "NHWC"
    new = apply_preprocessing(np.full((8, 8, 3), 255, np.uint8), hwc.preprocessing)
    assert new.shape == (1, 3, 8, 8) and np.allclose(new, 1.0)


def test_names_stored_in_the_archive_are_used(tmp_path):
    ds = load_npz(archive(tmp_path, x=np.ones((2, 2)), y=np.array([0, 1]),
                          class_names=np.array(["cat", "dog"]),
                          feature_names=np.array(["w", "h"])))
    assert ds.class_names == ["cat", "dog"] and ds.feature_names == ["w", "h"]


@pytest.mark.parametrize(
    ("arrays", "words"),
    [
        ({"x": np.ones((2, 2))}, "no array named 'y'.*it has: x"),
        ({"y": np.ones(2)}, "no array named 'x'"),
        ({"x": np.ones((3, 2)), "y": np.arange(2)}, "x has 3 samples but y has 2"),
        ({"x": np.array([[1.0, np.nan], [1, 2]]), "y": np.arange(2)}, "sample 0"),
        ({"x": np.ones((2, 2)), "y": np.array([0.0, np.inf])}, "sample 1"),
        ({"x": np.ones(4), "y": np.arange(4)}, "N×F, N×H×W"),
        ({"x": np.ones((2, 1, 1, 1, 1)), "y": np.arange(2)}, "N×F, N×H×W"),
        ({"x": np.array([["a"], ["b"]]), "y": np.arange(2)}, "must hold numbers"),
        ({"x": np.ones((2, 2)), "y": np.array([0, -3])}, "negative"),
    ],
)
def test_malformed_archives(tmp_path, arrays, words):
    with pytest.raises(DataError, match=words):
        load_npz(archive(tmp_path, **arrays))


def test_pickled_objects_are_refused_and_non_archives_too(tmp_path):
    path = tmp_path / "obj.npz"
    np.savez(path, x=np.array([{"a": 1}, {"b": 2}], dtype=object), y=np.arange(2))
    with pytest.raises(DataError, match="Python objects"):
        load_npz(path)
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(DataError, match=r"not a NumPy \.npz"):
        load_npz(tmp_path / "junk.npz")
    np.save(tmp_path / "single.npy", np.ones(3))
    with pytest.raises(DataError, match="single array"):
        load_npz(tmp_path / "single.npy")
    with pytest.raises(DataError, match="no such file"):
        load_npz(tmp_path / "missing.npz")


def test_progress_and_cancel(tmp_path):
    path = archive(tmp_path, x=np.ones((4, 2)), y=np.arange(4) % 2)
    calls = []
    load_npz(path, progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (3, 3)
    checks = itertools.count()
    with pytest.raises(LoadCancelled):
        load_npz(path, cancelled=lambda: next(checks) >= 1)
