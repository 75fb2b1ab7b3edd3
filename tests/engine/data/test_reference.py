"""Project references: to_dict → load_reference gives the same data, or says it changed."""

import json

import numpy as np
import pytest

from engine.data import DataChanged, Dataset, load_bundled, load_csv, load_reference
from engine.errors import DataError


def roundtrip(ref):
    return json.loads(json.dumps(ref))


def test_bundled_reference_regenerates_the_same_data():
    ds = load_bundled("spirals", n_samples=120, arms=3, noise=0.1, seed=7)
    ref = roundtrip(ds.to_dict())
    assert ref["source"] == {"type": "bundled", "name": "spirals", "seed": 7,
                             "params": {"n_samples": 120, "noise": 0.1, "arms": 3,
                                        "turns": 1.25}}
    again = load_reference(ref)
    assert np.array_equal(again.x, ds.x) and again.fingerprint() == ds.fingerprint()


def test_file_reference_is_relative_and_detects_a_changed_file(tmp_path):
    folder = tmp_path / "project"
    (folder / "data").mkdir(parents=True)
    path = folder / "data" / "t.csv"
    path.write_text("a,colour,label\n1,red,x\n2,blue,y\n3,red,x\n")
    ds = load_csv(path, standardize=True)
    ref = roundtrip(ds.to_dict(base_dir=folder))
    assert ref["source"]["path"] == "data/t.csv"
    again = load_reference(ref, base_dir=folder)
    assert np.array_equal(again.x, ds.x) and again.class_names == ds.class_names
    path.write_text("a,colour,label\n1,red,x\n2,blue,y\n4,red,x\n")
    with pytest.raises(DataChanged, match="changed since the project was saved") as info:
        load_reference(ref, base_dir=folder)
    assert info.value.dataset.x.shape == ds.x.shape
    assert info.value.expected == ds.fingerprint() != info.value.actual
    assert load_reference(ref, base_dir=folder, verify=False).fingerprint() != ds.fingerprint()


def test_references_that_cannot_be_loaded():
    with pytest.raises(DataError, match="cannot load a source of type 'arrays'"):
        load_reference(Dataset(np.ones((2, 1)), np.array([0, 1])).to_dict())
    with pytest.raises(DataError, match="expected an object"):
        load_reference({"nothing": 1})
    with pytest.raises(DataError, match="newer"):
        load_reference({"format_version": 99, "source": {"type": "bundled"}})
