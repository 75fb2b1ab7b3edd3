"""Failures: exit status 1, one message naming the file and field, no traceback (unless
--debug), and nothing written."""

import json
import shutil
import zipfile

import pytest

from engine import NetworkSpec
from engine.io import Project

from .helpers import nnd, write_trips_csv

EXPECTED = {
    "not_a_zip": "not a zip file",
    "truncated": "zip",
    "bad_json": "project.json: not valid JSON",
    "bad_field": "project.json: training: epochs",
    "bad_layer": "project.json: network.layers[1]",
    "no_weights": "weights.npz is missing",
}


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    """A folder of damaged copies of a trained xor project, made once."""
    root = tmp_path_factory.mktemp("broken")
    nnd("new", "xor", "-o", "good.nnd", cwd=root)
    nnd("train", "good.nnd", "--data", "xor", "--epochs", "1", cwd=root)
    with zipfile.ZipFile(root / "good.nnd") as z:
        doc, weights = json.loads(z.read("project.json")), z.read("weights.npz")
    for kind in EXPECTED:
        damaged(root, kind, doc, weights)
    return root


def write_project(path, doc, weights=None, raw=None):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("project.json", raw if raw is not None else json.dumps(doc))
        if weights is not None:
            z.writestr("weights.npz", weights)


def damaged(tmp_path, kind, doc, weights):
    path = tmp_path / f"{kind}.nnd"
    if kind == "not_a_zip":
        path.write_text("hello, I am not a project\n")
    elif kind == "truncated":
        path.write_bytes((tmp_path / "good.nnd").read_bytes()[:400])
    elif kind == "bad_json":
        write_project(path, doc, weights, raw='{"format": "nndesigner-project", ')
    elif kind == "bad_field":
        write_project(path, {**doc, "training": {**doc["training"], "epochs": "ten"}}, weights)
    elif kind == "bad_layer":
        doc = json.loads(json.dumps(doc))
        doc["network"]["layers"][1]["params"]["units"] = -3
        write_project(path, doc, weights)
    elif kind == "no_weights":
        write_project(path, doc)
    return path




@pytest.mark.parametrize("kind", sorted(EXPECTED))
@pytest.mark.parametrize("command", [("info",), ("predict", "_", "xor"),
                                     ("train", "_", "--data", "xor", "--json")])
def test_malformed_projects(run, tmp_path, broken, kind, command):
    path = tmp_path / f"{kind}.nnd"
    shutil.copy(broken / path.name, path)
    before = path.read_bytes()
    args = [path.name if a == "_" else a for a in command]
    if command == ("info",):
        args.append(path.name)
    result = run(*args, check=False)
    assert result.code == 1, result
    assert result.err.startswith(f"nndesigner: error: {path.name}: "), result.err
    assert EXPECTED[kind] in result.err
    assert "Traceback" not in result.err and result.out == ""
    assert path.read_bytes() == before


def test_missing_project_and_folder(run, tmp_path):
    result = run("info", "nowhere.nnd", check=False)
    assert result.code == 1
    assert result.err == "nndesigner: error: nowhere.nnd: no such project file\n"
    (tmp_path / "dir.nnd").mkdir()
    result = run("predict", "dir.nnd", "xor", check=False)
    assert result.code == 1 and "dir.nnd" in result.err and "folder" in result.err


def test_malformed_data(run, tmp_path):
    run("new", "xor", "-o", "x.nnd")
    (tmp_path / "bad.csv").write_text("a,b,label\n1,2,yes\n3,oops,no\n5,6,yes\n7,8,no\n")
    result = run("new", "xor", "-o", "y.nnd", "--data", "bad.csv", check=False)
    assert result.code == 1
    assert "bad.csv: line 3, column 'b': 'oops' is not a number" in result.err
    assert not (tmp_path / "y.nnd").exists()
    cases = {
        "missing.csv": "missing.csv: no such file or folder",
        "no_such_set": "no bundled data set has that name",
        "empty.csv": "empty.csv is empty",
    }
    (tmp_path / "empty.csv").write_text("")
    before = (tmp_path / "x.nnd").read_bytes()
    for data, message in cases.items():
        result = run("train", "x.nnd", "--data", data, check=False)
        assert result.code == 1 and message in result.err, result
        assert "Traceback" not in result.err
    (tmp_path / "notes.txt").write_text("hello")
    result = run("evaluate", "x.nnd", "--data", "notes.txt", check=False)
    assert result.code == 1 and "unsupported file type '.txt'" in result.err
    assert (tmp_path / "x.nnd").read_bytes() == before


def test_wrong_target_column(run, tmp_path):
    write_trips_csv(tmp_path / "trips.csv", n=20)
    result = run("new", "xor", "-o", "t.nnd", "--data", "trips.csv", "--target", "nope",
                 check=False)
    assert result.code == 2  # new has no --target: a usage error
    run("new", "xor", "-o", "t.nnd", "--data", "trips.csv")
    result = run("train", "t.nnd", "--data", "trips.csv", "--target", "nope", check=False)
    assert result.code == 1 and "nope" in result.err


def test_malformed_onnx(run, tmp_path):
    (tmp_path / "bad.onnx").write_bytes(b"\x08\x07garbage that is not protobuf\xff\xff")
    result = run("import", "bad.onnx", "-o", "out.nnd", check=False)
    assert result.code == 1
    assert result.err.startswith("nndesigner: error: bad.onnx: ")
    assert not (tmp_path / "out.nnd").exists()
    result = run("import", "none.onnx", "-o", "out.nnd", check=False)
    assert result.code == 1 and "none.onnx: no such file" in result.err


@pytest.mark.parametrize("where", ["first", "last"])
def test_debug_shows_the_traceback(run, where):
    args = ["info", "nowhere.nnd"]
    args = ["--debug", *args] if where == "first" else [*args, "--debug"]
    result = run(*args, check=False)
    assert result.code == 1
    assert "Traceback (most recent call last)" in result.err
    assert result.err.rstrip().endswith("nndesigner: error: nowhere.nnd: no such project file")


def test_an_unfinished_network(run, tmp_path):
    """info describes a network that cannot run yet; using it says what is wrong."""
    spec = NetworkSpec.sequential([{"type": "Input", "shape": [2]},
                                   {"type": "Dense", "units": 2, "activation": "softmax"}])
    spec.add_layer("Dense", name="loose", units=3)
    Project(network=spec).save(tmp_path / "open.nnd")
    info = run("info", "open.nnd", "--json").json
    loose = next(layer for layer in info["layers"] if layer["name"] == "loose")
    assert loose["output_shape"] is None and loose["parameters"] == 0
    assert "loose" in run("info", "open.nnd").out
    result = run("predict", "open.nnd", "xor", check=False)
    assert result.code == 1
    assert result.err.startswith("nndesigner: error: open.nnd: the network has")
    assert "loose" in result.err and "Traceback" not in result.err
