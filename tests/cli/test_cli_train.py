"""``train``: JSON and text output, determinism, settings, writing back, continuing."""

import json
import os
import pty
import subprocess

import numpy as np
import pytest

from engine.io import Project

from .helpers import EXE, write_trips_csv

FIXED = ("--no-shuffle", "--validation-split", "0")


@pytest.fixture
def csv_project(run, tmp_path):
    write_trips_csv(tmp_path / "trips.csv")
    run("new", "xor", "-o", "p.nnd", "--data", "trips.csv")
    return tmp_path


def without_seconds(epochs):
    return [{k: v for k, v in e.items() if k != "seconds"} for e in epochs]


def test_train_json_shape(run, csv_project):
    result = run("train", "p.nnd", "--data", "trips.csv", "--epochs", "3",
                 "--validation-split", "0.25", "-o", "out.nnd", "--json")
    data = result.json
    assert set(data) == {"epochs", "output"}
    assert data["output"] == "out.nnd"
    assert [e["epoch"] for e in data["epochs"]] == [1, 2, 3]
    for e in data["epochs"]:
        assert set(e) == {"epoch", "loss", "accuracy", "val_loss", "val_accuracy", "seconds"}
        for key in ("loss", "accuracy", "val_loss", "val_accuracy", "seconds"):
            assert isinstance(e[key], float), key
        assert 0 <= e["accuracy"] <= 1 and e["seconds"] >= 0
    assert result.err == ""  # no terminal: no progress bar


def test_train_text_is_a_table(run, csv_project):
    out = run("train", "p.nnd", "--data", "trips.csv", "--epochs", "2", "-o", "o.nnd").out
    lines = out.splitlines()
    assert lines[0].split() == ["epoch", "loss", "accuracy", "val_loss", "val_accuracy",
                                "seconds"]
    assert lines[1].split()[0] == "1" and lines[2].split()[0] == "2"
    assert len({len(line) for line in lines[:3]}) == 1  # aligned columns
    assert lines[-1] == "saved o.nnd"


def test_regression_reports_null_accuracy(run, tmp_path):
    run("new", "regression", "-o", "r.nnd", "--data", "sine")
    epochs = run("train", "r.nnd", "--data", "sine", "--epochs", "2", "--json").json["epochs"]
    assert all(e["accuracy"] is None and e["val_accuracy"] is None for e in epochs)
    assert all(isinstance(e["val_loss"], float) for e in epochs)  # the template holds out 20 %


def test_fixed_order_training_is_deterministic(run, csv_project):
    args = ("train", "p.nnd", "--data", "trips.csv", "--epochs", "4", *FIXED, "--json")
    first = run(*args, "-o", "a.nnd").json
    second = run(*args, "-o", "b.nnd").json
    assert without_seconds(first["epochs"]) == without_seconds(second["epochs"])
    a = Project.load(csv_project / "a.nnd").weights
    b = Project.load(csv_project / "b.nnd").weights
    assert all(np.array_equal(a[k], b[k]) for k in a)
    # the numbers are byte-identical in the JSON too
    dump = [json.dumps(without_seconds(r["epochs"])) for r in (first, second)]
    assert dump[0] == dump[1]


def test_seed_decides_shuffle_and_initial_weights(run, csv_project):
    def losses(seed, out):
        return [e["loss"] for e in run("train", "p.nnd", "--data", "trips.csv", "--epochs",
                                       "2", "--seed", seed, "-o", out, "--json").json["epochs"]]

    assert losses("3", "a.nnd") == losses("3", "b.nnd")
    assert losses("3", "a.nnd") != losses("4", "c.nnd")


def test_settings_given_are_saved_the_others_kept(run, csv_project):
    before = Project.load(csv_project / "p.nnd").training
    run("train", "p.nnd", "--data", "trips.csv", "--epochs", "2", "--batch-size", "7",
        "--lr", "0.05", "--optimizer", "adam", "--seed", "5", *FIXED, "-o", "o.nnd")
    after = Project.load(csv_project / "o.nnd").training
    assert (after.epochs, after.batch_size, after.lr, after.optimizer, after.seed) == (
        2, 7, 0.05, "adam", 5)
    assert after.shuffle is False and after.validation_split == 0
    assert after.momentum == before.momentum and after.schedule == before.schedule


def test_train_writes_back_and_continues_from_the_weights(run, csv_project):
    """Two runs of one epoch equal one run of two (plain SGD, file order): the second run
    starts from the weights the first saved into the project."""
    settings = ("--optimizer", "sgd", "--lr", "0.1", *FIXED, "--json")
    two = run("train", "p.nnd", "--data", "trips.csv", "--epochs", "2", *settings,
              "-o", "two.nnd").json
    untouched = (csv_project / "p.nnd").read_bytes()
    run("train", "p.nnd", "--data", "trips.csv", "--epochs", "1", *settings, "-o", "one.nnd")
    assert (csv_project / "p.nnd").read_bytes() == untouched  # -o leaves PROJECT alone
    again = run("train", "one.nnd", "--data", "trips.csv", "--epochs", "1", "--json").json
    assert again["output"] == "one.nnd"
    assert again["epochs"][0]["loss"] == two["epochs"][1]["loss"]
    one, twice = (Project.load(csv_project / n) for n in ("one.nnd", "two.nnd"))
    assert one.trained and all(np.array_equal(one.weights[k], twice.weights[k])
                               for k in one.weights)
    assert len(one.history) == 2  # the history goes on too
    leftovers = [p.name for p in csv_project.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_loss_option_maps_to_engine_names_and_is_checked(run, csv_project):
    run("train", "p.nnd", "--data", "trips.csv", "--epochs", "1", "--loss", "mse",
        "-o", "m.nnd")
    assert run("info", "m.nnd", "--json").json["loss"] == "mse"
    before = (csv_project / "p.nnd").read_bytes()
    result = run("train", "p.nnd", "--data", "trips.csv", "--loss", "cross-entropy",
                 check=False)
    assert result.code == 1
    assert "p.nnd" in result.err and "softmax" in result.err
    assert (csv_project / "p.nnd").read_bytes() == before


def test_failing_training_leaves_no_output_and_project_intact(run, csv_project):
    run("new", "regression", "-o", "r.nnd", "--data", "house_prices")
    projects = {name: (csv_project / name).read_bytes() for name in ("p.nnd", "r.nnd")}
    diverging = ("train", "r.nnd", "--data", "house_prices", "--lr", "1e10", "--optimizer",
                 "sgd")
    for output in (("-o", "out.nnd"), ()):  # to another file, then back onto PROJECT
        result = run(*diverging, *output, check=False)
        assert result.code == 1, result
        assert "nndesigner: error:" in result.err and "learning rate" in result.err
        assert "Traceback" not in result.err
    result = run("train", "p.nnd", "--data", "house_prices", check=False)  # 4 inputs, not 5
    assert result.code == 1 and "house_prices" in result.err
    assert {name: (csv_project / name).read_bytes() for name in projects} == projects
    assert sorted(p.name for p in csv_project.iterdir()) == ["p.nnd", "r.nnd", "trips.csv"]


def test_progress_bar_on_a_terminal(csv_project):
    controller, terminal = pty.openpty()
    proc = subprocess.run([EXE, "train", "p.nnd", "--data", "trips.csv", "--epochs", "3",
                           "-o", "o.nnd", "--json"], cwd=csv_project, stdout=subprocess.PIPE,
                          stderr=terminal, timeout=60)
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal closed
            break
        if not chunk:
            break
        shown += chunk
    os.close(controller)
    assert proc.returncode == 0
    assert b"epoch 3/3" in shown and b"loss" in shown and b"ETA" in shown
    json.loads(proc.stdout)  # stdout stays clean JSON
