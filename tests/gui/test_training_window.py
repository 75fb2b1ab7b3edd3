"""Training from the window: the same numbers as the command line, and a clean close."""

import json
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings

from engine import data
from nndesigner.main_window import MainWindow
from nndesigner.recovery import RecoveryStore


@pytest.fixture
def window(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(settings=settings, recovery=RecoveryStore(tmp_path / "recovery"))
    qtbot.addWidget(w, before_close_func=lambda w: w.doc.undo_stack.setClean())
    w.data_panel.blockSignals(True)  # these tests give the controller its data directly
    yield w
    w.controller.shutdown()


def test_window_and_command_line_train_to_the_same_numbers(window, qtbot, tmp_path):
    exe = shutil.which("nndesigner", path=str(Path(sys.executable).parent))
    assert exe
    project = tmp_path / "xor.nnd"
    subprocess.run([exe, "new", "spirals", "-o", str(project)], check=True, capture_output=True)
    cli = subprocess.run(
        [exe, "train", str(project), "--data", "spirals", "--epochs", "3", "--batch-size", "8",
         "--lr", "0.05", "--optimizer", "adam", "--validation-split", "0.25", "--seed", "4",
         "--json", "-o", str(tmp_path / "trained.nnd")],
        check=True, capture_output=True, text=True)
    cli_epochs = json.loads(cli.stdout)["epochs"]

    assert window.open_path(project)
    window.doc.set_training(replace(window.doc.training, epochs=3, batch_size=8, lr=0.05,
                                    optimizer="adam", validation_split=0.25, seed=4))
    spirals = data.load_bundled("spirals")
    window.controller.set_data(spirals.x, spirals.y)
    epochs = []
    window.controller.epochs_added.connect(epochs.extend)
    with qtbot.waitSignal(window.controller.run_finished, timeout=30000):
        window.train_or_resume()
    assert [e.epoch for e in epochs] == [1, 2, 3]
    for gui, cli_epoch in zip(epochs, cli_epochs, strict=True):
        assert gui.loss == pytest.approx(cli_epoch["loss"], rel=1e-6)
        assert gui.val_loss == pytest.approx(cli_epoch["val_loss"], rel=1e-6)
        assert gui.accuracy == pytest.approx(cli_epoch["accuracy"], rel=1e-6)


def test_closing_while_training_stops_the_worker(window, qtbot, monkeypatch):
    window.open_template("spirals")
    window.doc.set_training(replace(window.doc.training, epochs=100_000, batch_size=1))
    spirals = data.load_bundled("spirals")
    window.controller.set_data(spirals.x, spirals.y)
    window.show()
    window.train_or_resume()
    qtbot.waitUntil(lambda: window.controller.trainer is not None, timeout=5000)
    thread = window.controller.thread
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Discard)
    assert window.close()
    assert thread.isFinished()
    qtbot.waitUntil(lambda: window.controller.state == "idle", timeout=2000)


def test_a_project_trained_on_the_command_line_opens_in_the_window(window, qtbot, tmp_path):
    exe = shutil.which("nndesigner", path=str(Path(sys.executable).parent))
    project = tmp_path / "cli.nnd"
    subprocess.run([exe, "new", "spirals", "-o", str(project)], check=True, capture_output=True)
    subprocess.run([exe, "train", str(project), "--data", "spirals", "--epochs", "4"],
                   check=True, capture_output=True)
    window.data_panel.blockSignals(False)
    assert window.open_path(project)
    assert window.doc.weights and "hidden_1/W" in window.doc.weights
    assert [entry["epoch"] for entry in window.doc.history] == [1, 2, 3, 4]
    xs, losses = window.live_views.curves.snapshot()["loss"]
    assert xs == [1.0, 2.0, 3.0, 4.0]  # the recorded training curve is shown
    assert losses == pytest.approx([entry["loss"] for entry in window.doc.history])
    qtbot.waitUntil(lambda: window.controller.has_data, timeout=5000)  # data restored
    assert not window.doc.modified


def test_weights_tab_shows_an_untrained_networks_initial_weights(window, qtbot):
    import engine

    window.open_template("digits_mlp")
    window.doc.set_weights(None)
    views = window.live_views
    views.setCurrentWidget(views.heatmaps)
    images = views.heatmaps.images()
    assert images, "the heatmaps are laid out before any training"
    start = engine.Model(window.doc.spec, seed=window.doc.training.seed).get_weights()
    key = next(iter(images))
    shown = views.heatmaps._cells[key].weights
    np.testing.assert_array_equal(shown, start[key])  # the weights training starts from


def test_gradient_views_collect_every_forwarded_measurement_with_plain_sgd(window, qtbot):
    """Plain SGD measures gradients on one batch in 32 (and every epoch's last): the
    gradient plot and the health view still fill up while training runs."""
    window.open_template("spirals")
    window.doc.training = replace(window.doc.training, optimizer="sgd", epochs=30,
                                  batch_size=4, validation_split=0.0)
    spirals = data.load_bundled("spirals")
    window.controller.set_data(spirals.x, spirals.y)
    views = window.live_views
    views.setCurrentWidget(views.gradients)
    window.show()
    started = time.monotonic()
    with qtbot.waitSignal(window.controller.run_finished, timeout=60000):
        window.train_or_resume()
    elapsed = time.monotonic() - started
    views.flush()
    history = views.gradients.history()
    assert history and len({len(v) for v in history.values()}) == 1
    points = len(next(iter(history.values())))
    # The worker forwards up to 20 measurements a second; the views redraw twice a second
    # and must keep every one of them, not only the latest.
    assert points >= 2 * (elapsed / 0.5 + 1), (points, elapsed)
    assert all(len(v) == points for v in views.health.history.values())
