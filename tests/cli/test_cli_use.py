"""``evaluate`` and ``predict`` after ``train``: CSV tables and image folders, round trip."""

import csv

import numpy as np
from PIL import Image

from engine.data import apply_preprocessing
from engine.io import Project

from .helpers import copy_into, write_trips_csv


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def project_outputs(path, x):
    return Project.load(path).model().predict(x)


# -- CSV ----------------------------------------------------------------------------------------


def test_evaluate_csv_json(run, trained_csv, tmp_path):
    copy_into(trained_csv, tmp_path, "trips.csv", "trips.nnd")
    data = run("evaluate", "trips.nnd", "--data", "trips.csv", "--json").json
    assert set(data) == {"samples", "loss", "accuracy", "classes", "confusion_matrix"}
    assert data["samples"] == 60 and data["classes"] == ["no", "yes"]
    assert isinstance(data["loss"], float) and data["accuracy"] > 0.8
    cm = np.array(data["confusion_matrix"])
    assert cm.shape == (2, 2) and cm.sum() == 60
    assert np.trace(cm) / 60 == data["accuracy"]
    # rows are the true classes
    labels = [row["bought"] for row in read_csv(tmp_path / "trips.csv")]
    assert cm[1].sum() == labels.count("yes")


def test_evaluate_csv_text(run, trained_csv, tmp_path):
    copy_into(trained_csv, tmp_path, "trips.csv", "trips.nnd")
    out = run("evaluate", "trips.nnd", "--data", "trips.csv").out
    assert "samples:  60" in out and "accuracy:" in out
    assert "rows: true class, columns: predicted class" in out
    assert any(line.split()[:1] == ["yes"] for line in out.splitlines())


def test_new_csv_files_get_the_training_preprocessing(run, trained_csv, tmp_path):
    """A different file — other rows, columns reordered, one region missing — is scaled and
    one-hot encoded with the training file's statistics and categories."""
    copy_into(trained_csv, tmp_path, "trips.nnd")
    write_trips_csv(tmp_path / "fresh.csv", n=12, seed=7)
    rows = read_csv(tmp_path / "fresh.csv")
    rows = [r for r in rows if r["region"] != "europe"]
    with open(tmp_path / "reordered.csv", "w", newline="") as f:
        w = csv.DictWriter(f, ["bought", "budget", "region", "age"])
        w.writeheader()
        w.writerows(rows)
    with open(tmp_path / "no_target.csv", "w", newline="") as f:
        w = csv.DictWriter(f, ["region", "age", "budget"], extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    prep = Project.load(tmp_path / "trips.nnd").data["preprocessing"]
    expected = project_outputs(tmp_path / "trips.nnd",
                               apply_preprocessing(str(tmp_path / "reordered.csv"), prep))
    for name in ("reordered.csv", "no_target.csv"):
        preds = run("predict", "trips.nnd", name, "--json").json
        assert preds["classes"] == ["no", "yes"]
        assert [p["input"] for p in preds["predictions"]] == [
            f"{name}#{i}" for i in range(len(rows))]
        got = np.array([p["output"] for p in preds["predictions"]])
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-7)
        labels = [p["label"] for p in preds["predictions"]]
        assert labels == ["yes" if p >= 0.5 else "no" for p in expected[:, 0]]
    result = run("evaluate", "trips.nnd", "--data", "reordered.csv", "--json").json
    assert result["samples"] == len(rows)


def test_predict_csv_text(run, trained_csv, tmp_path):
    copy_into(trained_csv, tmp_path, "trips.csv", "trips.nnd")
    lines = run("predict", "trips.nnd", "trips.csv").out.splitlines()
    assert lines[0].split() == ["input", "label", "output"]
    assert len(lines) == 2 + 60
    assert lines[2].startswith("trips.csv#0 ") and lines[2].split()[1] in ("no", "yes")


def test_csv_problems_name_line_and_column(run, trained_csv, tmp_path):
    copy_into(trained_csv, tmp_path, "trips.nnd")
    (tmp_path / "bad.csv").write_text("age,region,budget,bought\n30,asia,12.5,yes\n"
                                      "41,europe,lots,no\n")
    for command in (("evaluate", "trips.nnd", "--data", "bad.csv"),
                    ("predict", "trips.nnd", "bad.csv")):
        result = run(*command, check=False)
        assert result.code == 1
        assert "bad.csv: line 3, column 'budget': 'lots' is not a number" in result.err
    (tmp_path / "odd.csv").write_text("age,region,budget,bought\n30,mars,12.5,maybe\n")
    result = run("predict", "trips.nnd", "odd.csv", check=False)
    assert result.code == 1 and "unknown category 'mars'" in result.err
    result = run("evaluate", "trips.nnd", "--data", "odd.csv", check=False)
    assert result.code == 1 and "'mars'" in result.err


# -- images ---------------------------------------------------------------------------------------


def test_evaluate_image_folder(run, trained_images, tmp_path):
    copy_into(trained_images, tmp_path, "shapes", "shapes.nnd")
    data = run("evaluate", "shapes.nnd", "--data", "shapes", "--json").json
    assert data["samples"] == 12 and data["classes"] == ["circle", "cross"]
    assert data["accuracy"] == 1.0
    assert data["confusion_matrix"] == [[6, 0], [0, 6]]


def test_predict_images_are_converted_to_the_input(run, trained_images, tmp_path):
    """A bigger grayscale file and an RGBA file are made RGB and resized to 7×7, as the
    training images were."""
    copy_into(trained_images, tmp_path, "shapes", "shapes.nnd")
    big = Image.open(tmp_path / "shapes/circle/0.png").convert("L").resize((40, 40))
    big.save(tmp_path / "big_circle.png")
    Image.open(tmp_path / "shapes/cross/0.png").convert("RGBA").save(tmp_path / "cross.png")
    inputs = ["shapes/circle/1.png", "big_circle.png", "cross.png"]
    preds = run("predict", "shapes.nnd", *inputs, "--json").json
    assert preds["classes"] == ["circle", "cross"]
    assert [p["input"] for p in preds["predictions"]] == inputs
    assert [p["label"] for p in preds["predictions"]] == ["circle", "circle", "cross"]
    for p in preds["predictions"]:
        assert len(p["output"]) == 2 and abs(sum(p["output"]) - 1) < 1e-6  # softmax
    prep = {"type": "image", "size": [7, 7], "channels": 3, "fit": "stretch"}
    expected = project_outputs(tmp_path / "shapes.nnd",
                               apply_preprocessing([tmp_path / i for i in inputs], prep))
    got = np.array([p["output"] for p in preds["predictions"]])
    np.testing.assert_allclose(got, expected, atol=1e-7)


def test_predict_a_folder_skips_unreadable_files(run, trained_images, tmp_path):
    copy_into(trained_images, tmp_path, "shapes", "shapes.nnd")
    (tmp_path / "shapes/cross/broken.png").write_bytes(b"not a picture")
    result = run("predict", "shapes.nnd", "shapes", "--json")
    names = [p["input"] for p in result.json["predictions"]]
    assert len(names) == 12 and "shapes/circle/0.png" in names
    assert "warning: skipped shapes/cross/broken.png" in result.err
    # the same for training data: the file is named on stderr and left out
    result = run("evaluate", "shapes.nnd", "--data", "shapes", "--json")
    assert result.json["samples"] == 12
    assert "shapes/cross/broken.png" in result.err


def test_evaluate_refuses_unknown_classes(run, trained_images, tmp_path):
    copy_into(trained_images, tmp_path, "shapes", "shapes.nnd")
    (tmp_path / "shapes/cross").rename(tmp_path / "shapes/star")
    result = run("evaluate", "shapes.nnd", "--data", "shapes", check=False)
    assert result.code == 1 and "'star'" in result.err and "circle, cross" in result.err


# -- arrays and bundled sets ------------------------------------------------------------------


def test_predict_npz_and_bundled_rows(run, tmp_path):
    run("new", "xor", "-o", "x.nnd")
    run("train", "x.nnd", "--data", "xor", "--epochs", "5")
    x = np.array([[0.5, 0.5], [-0.5, 0.5]], dtype=np.float32)
    np.savez(tmp_path / "two.npz", x=x)
    preds = run("predict", "x.nnd", "two.npz", "--json").json
    assert [p["input"] for p in preds["predictions"]] == ["two.npz#0", "two.npz#1"]
    np.testing.assert_allclose([p["output"] for p in preds["predictions"]],
                               project_outputs(tmp_path / "x.nnd", x), atol=1e-7)
    assert preds["classes"] == ["same sign", "opposite signs"]
    bundled = run("predict", "x.nnd", "xor", "--json").json["predictions"]
    assert len(bundled) == 200 and bundled[3]["input"] == "xor#3"


def test_regression_predictions_have_no_label(run, tmp_path):
    run("new", "regression", "-o", "r.nnd", "--data", "sine")
    run("train", "r.nnd", "--data", "sine", "--epochs", "2")
    np.savez(tmp_path / "x.npz", x=np.array([[0.1], [0.2]], dtype=np.float32))
    preds = run("predict", "r.nnd", "x.npz", "--json").json
    assert preds["classes"] is None
    assert all(p["label"] is None and len(p["output"]) == 1 for p in preds["predictions"])
    data = run("evaluate", "r.nnd", "--data", "sine", "--json").json
    assert data["accuracy"] is None and data["classes"] is None
    assert data["confusion_matrix"] is None and isinstance(data["loss"], float)
