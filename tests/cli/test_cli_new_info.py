"""``new`` from templates (sized to data or not) and ``info`` on the result."""

import numpy as np

from engine.io import Project

from .helpers import write_image_folder, write_trips_csv


def layers(info):
    return {layer["name"]: layer for layer in info["layers"]}


def test_new_without_data_keeps_the_template(run, tmp_path):
    result = run("new", "xor", "-o", "x.nnd")
    assert "x.nnd" in result.out
    project = Project.load(tmp_path / "x.nnd")
    assert not project.trained and project.weights is None
    assert project.data["class_names"] == ["same sign", "opposite signs"]
    assert project.layout == {}  # the GUI lays out layers without positions
    info = run("info", "x.nnd", "--json").json
    assert set(info) == {"layers", "loss", "optimizer", "trained"}
    assert info["loss"] == "binary_cross_entropy"
    assert info["optimizer"] == "momentum"
    assert info["trained"] is False
    for layer in info["layers"]:
        assert set(layer) == {"name", "type", "output_shape", "parameters"}
        assert isinstance(layer["name"], str) and isinstance(layer["type"], str)
        assert all(isinstance(s, int) for s in layer["output_shape"])
        assert isinstance(layer["parameters"], int)
    assert [la["type"] for la in info["layers"]] == ["Input", "Dense", "Dense"]
    assert layers(info)["hidden"]["parameters"] == 2 * 4 + 4


def test_info_text_is_a_table(run):
    run("new", "spirals", "-o", "s.nnd")
    out = run("info", "s.nnd").out
    assert "not trained" in out
    assert "cross_entropy" in out and "adam" in out
    header = next(line for line in out.splitlines() if line.startswith("layer"))
    assert header.split() == ["layer", "type", "activation", "output", "shape", "parameters"]


def test_new_sizes_a_csv_network(run, tmp_path):
    write_trips_csv(tmp_path / "trips.csv")
    run("new", "spirals", "-o", "t.nnd", "--data", "trips.csv")
    info = layers(run("info", "t.nnd", "--json").json)
    # age, budget and three one-hot regions; two classes
    assert info["input"]["output_shape"] == [5]
    assert info["output"]["output_shape"] == [2]
    project = Project.load(tmp_path / "t.nnd")
    data = project.data
    assert data["source"] == "csv" and data["kind"] == "classification"
    assert data["class_names"] == ["no", "yes"] and data["target"] == "bought"
    assert data["preprocessing"]["type"] == "table"
    assert data["reference"]["source"]["path"] == "trips.csv"  # relative to the project


def test_new_keeps_one_sigmoid_for_two_classes(run, tmp_path):
    write_trips_csv(tmp_path / "trips.csv")
    result = run("new", "xor", "-o", "t.nnd", "--data", "trips.csv")
    assert result.err == ""  # nothing had to change
    info = run("info", "t.nnd", "--json").json
    assert layers(info)["output"]["output_shape"] == [1]
    assert info["loss"] == "binary_cross_entropy"


def test_new_switches_to_softmax_for_several_classes(run):
    result = run("new", "xor", "-o", "b.nnd", "--data", "blobs")
    assert "softmax" in result.err and "cross_entropy" in result.err
    info = run("info", "b.nnd", "--json").json
    assert layers(info)["output"]["output_shape"] == [3]
    assert info["loss"] == "cross_entropy"


def test_new_switches_to_linear_mse_for_regression(run, tmp_path):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "reg.npz", x=rng.normal(size=(30, 3)), y=rng.normal(size=(30, 2)))
    result = run("new", "spirals", "-o", "r.nnd", "--data", "reg.npz")
    assert "regression" in result.err
    info = run("info", "r.nnd", "--json").json
    assert info["loss"] == "mse"
    assert layers(info)["input"]["output_shape"] == [3]
    assert layers(info)["output"]["output_shape"] == [2]


def test_new_sizes_an_image_network(run, tmp_path):
    write_image_folder(tmp_path / "shapes")
    run("new", "digits_cnn", "-o", "c.nnd", "--data", "shapes")
    info = layers(run("info", "c.nnd", "--json").json)
    assert info["image"]["output_shape"] == [3, 28, 28]  # RGB files, the template's size
    assert info["output"]["output_shape"] == [2]
    data = Project.load(tmp_path / "c.nnd").data
    assert data["class_names"] == ["circle", "cross"]


def test_new_refuses_images_for_a_table_template_and_back(run, tmp_path):
    write_image_folder(tmp_path / "shapes")
    result = run("new", "xor", "-o", "x.nnd", "--data", "shapes", check=False)
    assert result.code == 1 and "nndesigner: error:" in result.err
    assert "images" in result.err
    result = run("new", "smiley", "-o", "y.nnd", "--data", "xor", check=False)
    assert result.code == 1 and "template smiley takes images" in result.err
    assert not (tmp_path / "x.nnd").exists() and not (tmp_path / "y.nnd").exists()


def test_new_unknown_template(run, tmp_path):
    result = run("new", "nope", "-o", "n.nnd", check=False)
    assert result.code == 1
    assert "unknown template 'nope'" in result.err and "xor" in result.err
    assert not (tmp_path / "n.nnd").exists()
