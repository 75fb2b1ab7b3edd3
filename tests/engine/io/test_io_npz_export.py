"""The .npz export: plain arrays (no pickle) with the weights, architecture and extras."""

import json

import numpy as np
import pytest

import engine
from engine.io import ProjectError, export_npz, read_npz_export
from engine.io.archive import npz_bytes
from engine.io.npz_export import npz_arrays

from . import netzoo

PREP = {"kind": "standardize", "mean": [0.5, 1.5], "std": [2.0, 0.25]}


def test_contents_load_without_pickle(tmp_path):
    model = netzoo.cnn()
    export_npz(model, tmp_path / "m.npz", preprocessing=PREP, class_names=["a", "b", "c", "d"])
    with np.load(tmp_path / "m.npz", allow_pickle=False) as npz:
        files = set(npz.files)
        weights = model.get_weights()
        assert files == set(weights) | {"architecture.json", "export.json",
                                        "preprocessing.json", "class_names"}
        for key, value in weights.items():
            assert npz[key].dtype == value.dtype and npz[key].tobytes() == value.tobytes()
        architecture = json.loads(str(npz["architecture.json"]))
        meta = json.loads(str(npz["export.json"]))
        assert json.loads(str(npz["preprocessing.json"])) == PREP
        assert list(npz["class_names"]) == ["a", "b", "c", "d"]
    assert engine.NetworkSpec.from_dict(architecture).to_dict() == model.spec.to_dict()
    assert meta["format"] == "nndesigner-npz" and meta["format_version"] == 1
    assert (meta["input"], meta["output"]) == (model.input_name, model.output_name)
    assert meta["input_shape"] == [3, 12, 10] and meta["output_shape"] == [4]
    by_name = {layer["name"]: layer for layer in architecture["layers"]}
    seen = set()
    for name in meta["order"]:  # every layer after its inputs
        assert set(by_name[name]["inputs"]) <= seen
        seen.add(name)
    assert seen == set(model.spec.layers)


def test_optional_parts_are_absent_when_not_given(tmp_path):
    export_npz(netzoo.perceptron(), tmp_path / "p.npz")
    with np.load(tmp_path / "p.npz", allow_pickle=False) as npz:
        assert sorted(npz.files) == ["architecture.json", "dense_1/W", "dense_1/b", "export.json"]


@pytest.mark.parametrize("name", ["flat_dag", "image_dag"])
def test_read_back_gives_the_same_model(tmp_path, name):
    model = netzoo.ZOO[name]()
    export_npz(model, tmp_path / "m.npz", preprocessing=PREP, class_names=["x", "y"])
    back = read_npz_export(tmp_path / "m.npz")
    assert back.preprocessing == PREP and back.class_names == ["x", "y"]
    x = netzoo.inputs(model, 6)
    np.testing.assert_array_equal(back.model().predict(x), model.predict(x))


def test_reading_refuses_what_is_not_an_export(tmp_path):
    path = tmp_path / "w.npz"
    np.savez(path, a=np.zeros(3))
    with pytest.raises(ProjectError, match=r"no 'export\.json': not an nndesigner export"):
        read_npz_export(path)
    arrays = npz_arrays(netzoo.perceptron())
    arrays["dense_1/W"] = np.full((1, 2), np.nan)
    path.write_bytes(npz_bytes(arrays))
    with pytest.raises(ProjectError, match=r"w.npz: 'dense_1/W' contains NaN"):
        read_npz_export(path)
