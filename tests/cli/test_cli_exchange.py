"""``export`` (ONNX, npz, standalone Python) and ``import`` back: the same predictions."""

import subprocess
import sys

import numpy as np
import onnx
import pytest

from engine.data import apply_preprocessing
from engine.io import Project, read_npz_export

from .helpers import copy_into


@pytest.fixture
def images(trained_images, tmp_path):
    copy_into(trained_images, tmp_path, "shapes", "shapes.nnd")
    return tmp_path


def shape_inputs(folder):
    """The network inputs ``predict shapes.nnd shapes`` makes, in its order."""
    files = sorted((folder / "shapes").rglob("*.png"))
    prep = Project.load(folder / "shapes.nnd").data["preprocessing"]
    return apply_preprocessing(files, prep)


def predicted(run, project, *inputs):
    preds = run("predict", project, *inputs, "--json").json
    return preds, np.array([p["output"] for p in preds["predictions"]], dtype=np.float32)


def test_onnx_export_matches_predict(run, images):
    result = run("export", "shapes.nnd", "--format", "onnx", "-o", "shapes.onnx")
    assert "shapes.onnx" in result.out
    model = onnx.load(str(images / "shapes.onnx"))
    onnx.checker.check_model(model, full_check=True)
    ort = pytest.importorskip("onnxruntime")
    _, outputs = predicted(run, "shapes.nnd", "shapes")
    session = ort.InferenceSession(str(images / "shapes.onnx"),
                                   providers=["CPUExecutionProvider"])
    got = session.run(["output"], {"input": shape_inputs(images)})[0]
    np.testing.assert_allclose(got, outputs, atol=1e-5)


def test_onnx_import_round_trip(run, images):
    run("export", "shapes.nnd", "--format", "onnx", "-o", "shapes.onnx")
    result = run("import", "shapes.onnx", "-o", "back.nnd")
    assert "back.nnd" in result.out
    info = run("info", "back.nnd", "--json").json
    assert info["trained"] is True and info["loss"] == "cross_entropy"
    original, outputs = predicted(run, "shapes.nnd", "shapes")
    again, outputs_again = predicted(run, "back.nnd", "shapes")
    assert again["classes"] == original["classes"] == ["circle", "cross"]
    assert [p["label"] for p in again["predictions"]] == [
        p["label"] for p in original["predictions"]]
    np.testing.assert_allclose(outputs_again, outputs, atol=1e-6)


def test_onnx_round_trip_keeps_the_csv_preprocessing(run, trained_csv, tmp_path):
    copy_into(trained_csv, tmp_path, "trips.csv", "trips.nnd")
    run("export", "trips.nnd", "--format", "onnx", "-o", "trips.onnx")
    run("import", "trips.onnx", "-o", "back.nnd")
    _, original = predicted(run, "trips.nnd", "trips.csv")
    back, again = predicted(run, "back.nnd", "trips.csv")
    assert back["classes"] == ["no", "yes"]
    np.testing.assert_allclose(again, original, atol=1e-6)


def test_npz_export(run, images):
    run("export", "shapes.nnd", "--format", "npz", "-o", "shapes.npz")
    export = read_npz_export(images / "shapes.npz")
    assert export.class_names == ["circle", "cross"]
    assert export.preprocessing["type"] == "image"
    project = Project.load(images / "shapes.nnd")
    assert all(np.array_equal(export.weights[k], project.weights[k]) for k in project.weights)


def test_python_export_runs_isolated(run, images):
    result = run("export", "shapes.nnd", "--format", "python", "-o", "standalone")
    assert "standalone/predict.py" in result.out
    folder = images / "standalone"
    assert sorted(p.name for p in folder.iterdir()) == ["model.npz", "predict.py"]
    preds, outputs = predicted(run, "shapes.nnd", "shapes")
    np.savez(images / "inputs.npz", x=shape_inputs(images))
    out = subprocess.run([sys.executable, "-I", str(folder / "predict.py"), "inputs.npz",
                          "--outputs"], cwd=images, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    got = np.array([[float(v) for v in line.split()] for line in out.stdout.splitlines()])
    np.testing.assert_allclose(got, outputs, atol=1e-6)
    labels = subprocess.run([sys.executable, "-I", str(folder / "predict.py"), "inputs.npz"],
                            cwd=images, capture_output=True, text=True, timeout=60).stdout
    assert [line.split("\t")[0] for line in labels.splitlines()] == [
        p["label"] for p in preds["predictions"]]


def test_python_export_to_a_script_name(run, images):
    run("export", "shapes.nnd", "--format", "python", "-o", "tool.py")
    assert (images / "tool.py").is_file() and (images / "tool.npz").is_file()
    assert not list(images.glob(".nndesigner-export-*"))


def test_failing_export_writes_nothing(run, images, tmp_path):
    before = (images / "shapes.nnd").read_bytes()
    # a file name the standalone script cannot embed
    result = run("export", "shapes.nnd", "--format", "python", "-o", "out/bad'name.py",
                 check=False)
    assert result.code == 1 and "Traceback" not in result.err
    assert not (images / "out").exists() or not any((images / "out").iterdir())
    # a folder where the file should go
    (images / "taken.onnx").mkdir()
    result = run("export", "shapes.nnd", "--format", "onnx", "-o", "taken.onnx", check=False)
    assert result.code == 1 and "taken.onnx" in result.err
    result = run("export", "shapes.nnd", "--format", "npz", "-o", "missing/dir/x.npz",
                 check=False)
    assert result.code == 1 and not (images / "missing").exists()
    assert (images / "shapes.nnd").read_bytes() == before
    assert not [p for p in images.rglob("*") if p.name.endswith(".tmp")]
