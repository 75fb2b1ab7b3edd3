"""Dataset: conversion and checks, fingerprint, subsets, summary warnings, references."""

import json

import numpy as np
import pytest

from engine.data import Dataset, LoadReport
from engine.errors import DataError


def make(n=40, k=2, seed=0):
    rng = np.random.default_rng(seed)
    return Dataset(rng.normal(size=(n, 3)), np.arange(n) % k, name="toy")


def test_arrays_are_converted_and_kind_inferred():
    ds = Dataset(np.arange(12).reshape(4, 3), np.array([0, 1, 1, 0]))
    assert ds.x.dtype == np.float32 and ds.x.flags.c_contiguous
    assert ds.y.dtype == np.int64
    assert ds.kind == "classification"
    assert ds.class_names == ["0", "1"]
    assert ds.n_outputs == 2 and ds.input_shape == (3,)
    reg = Dataset(np.ones((4, 2)), np.array([0.5, 1.5, 2.0, 3.0]))
    assert reg.kind == "regression"
    assert reg.y.shape == (4, 1) and reg.y.dtype == np.float32
    assert reg.suggested_loss == "mse"


def test_three_dimensional_inputs_become_one_channel_images():
    ds = Dataset(np.zeros((5, 7, 7)), np.arange(5) % 2)
    assert ds.x.shape == (5, 1, 7, 7)
    assert ds.is_image and ds.input_shape == (1, 7, 7)


@pytest.mark.parametrize(
    ("x", "y", "words"),
    [
        (np.ones((3, 2)), np.array([0, 1]), "3 input samples but 2 targets"),
        (np.array([[1.0, np.nan], [1.0, 2.0]]), np.array([0, 1]), "sample 0"),
        (np.array([[1.0, 2.0], [np.inf, 2.0]]), np.array([0, 1]), "sample 1"),
        (np.ones(4), np.arange(4), "reshape it"),
        (np.array([["a", "b"]]), np.array([0]), "must be numbers"),
        (np.ones((2, 2)), np.array([0, -1]), "negative"),
        (np.ones((2, 2)), np.array([0.5, 1.0]), "whole numbers"),
    ],
)
def test_bad_arrays_raise_data_errors_that_say_where(x, y, words):
    with pytest.raises(DataError, match=words):
        Dataset(x, y, kind="classification")


def test_class_names_must_cover_the_labels():
    with pytest.raises(DataError, match="only 2 class names"):
        Dataset(np.ones((3, 1)), np.array([0, 1, 2]), class_names=["a", "b"])
    with pytest.raises(DataError, match="different"):
        Dataset(np.ones((2, 1)), np.array([0, 1]), class_names=["a", "a"])


def test_fingerprint_is_stable_and_sensitive():
    a, b = make(), make()
    assert a.fingerprint() == b.fingerprint()
    assert a.fingerprint().startswith("sha256:")
    x = a.x.copy()
    x[5, 1] += 1e-3
    assert Dataset(x, a.y).fingerprint() != a.fingerprint()
    y = a.y.copy()
    y[0] = 1 - y[0]
    assert Dataset(a.x, y).fingerprint() != a.fingerprint()
    renamed = Dataset(a.x, a.y, class_names=["cat", "dog"])
    assert renamed.fingerprint() != a.fingerprint()
    # the same values in another shape are other data
    assert Dataset(a.x.reshape(40, 3, 1, 1), a.y).fingerprint() != a.fingerprint()


def test_subset_keeps_metadata_and_copies():
    ds = make()
    ds.sample_ids = [f"s{i}" for i in range(len(ds))]
    sub = ds.subset([3, 1, 2])
    assert len(sub) == 3
    assert np.array_equal(sub.x, ds.x[[3, 1, 2]])
    assert sub.class_names == ds.class_names and sub.sample_ids == ["s3", "s1", "s2"]
    sub.x[0, 0] = 99
    assert ds.x[3, 0] != 99


def test_summary_counts_ranges_and_samples():
    ds = Dataset(np.array([[0.0, 10], [1, 20], [2, 30], [3, 40]]), np.array([0, 1, 0, 1]),
                 class_names=["no", "yes"], feature_names=["a", "b"])
    s = ds.summary(samples=1)
    assert s.class_counts == [2, 2]
    assert s.feature_stats[0] == {"name": "a", "min": 0.0, "max": 3.0, "mean": 1.5,
                                  "std": pytest.approx(np.std([0, 1, 2, 3]))}
    assert s.sample_indices == [0, 1]
    assert s.sample_rows == [[0.0, 10.0], [1.0, 20.0]]
    json.dumps(s.to_dict())
    assert "no: 2" in s.text()
    codes = {w.code for w in s.warnings}
    assert "too_few_samples" in codes


def test_summary_warns_about_imbalance_constant_and_unscaled_features():
    rng = np.random.default_rng(0)
    n = 400
    x = np.stack([rng.normal(size=n), np.full(n, 3.0), rng.normal(size=n) * 5000], axis=1)
    y = (np.arange(n) < 20).astype(int)  # 20 of class 1, 380 of class 0
    s = Dataset(x, y).summary()
    codes = {w.code for w in s.warnings}
    assert {"class_imbalance", "constant_feature", "unscaled_features"} <= codes
    imbalance = next(w for w in s.warnings if w.code == "class_imbalance")
    assert "380" in imbalance.message and "19×" in imbalance.message
    balanced = Dataset(rng.normal(size=(400, 3)), np.arange(400) % 2).summary()
    assert balanced.warnings == []


def test_summary_of_images_gives_thumbnails_per_class():
    x = np.random.default_rng(0).random((30, 1, 5, 5))
    ds = Dataset(x, np.arange(30) % 3)
    s = ds.summary(samples=2)
    assert len(s.thumbnails) == 6 and s.thumbnails[0].shape == (5, 5)
    assert s.sample_rows is None
    rgb = Dataset(np.random.default_rng(0).random((4, 3, 5, 5)), np.arange(4) % 2).summary()
    assert rgb.thumbnails[0].shape == (5, 5, 3)
    out = Dataset(x * 255, np.arange(30) % 3).summary()
    assert "pixels_out_of_range" in {w.code for w in out.warnings}


def test_summary_notes_what_the_loader_left_out():
    ds = make()
    ds.report = LoadReport(skipped=[("a.png", "bad")], dropped=2)
    notes = ds.summary().notes
    assert any("1 file" in n for n in notes) and any("2 row" in n for n in notes)


def test_to_dict_is_json_and_relative_to_the_project(tmp_path):
    ds = make()
    ds.source = {"type": "csv", "path": str(tmp_path / "data" / "t.csv"), "options": {}}
    ref = ds.to_dict(base_dir=tmp_path)
    assert ref["source"]["path"] == "data/t.csv"
    assert ref["fingerprint"] == ds.fingerprint()
    assert ref["n_samples"] == 40 and ref["input_shape"] == [3]
    json.dumps(ref)
