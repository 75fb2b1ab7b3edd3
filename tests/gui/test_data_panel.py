"""Data panel: bundled sets, imports through the loader thread, split, summary, preview,
the network check, and the document round trip. Every load is awaited on the loader's
``finished`` signal; nothing sleeps."""

import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox

from engine import NetworkSpec
from engine.data import Dataset, LoadCancelled
from nndesigner.panels import data_panel as dp
from nndesigner.panels.data_fit import compatibility
from nndesigner.panels.data_import_dialogs import CsvOptionsDialog
from nndesigner.panels.data_preview import class_colour
from nndesigner.panels.param_editors import problem_colour
from nndesigner.workers.data_loader import DataLoader, LoadRequest
from tests.gui.helpers import make_doc

TIMEOUT = 15000
NET_2_TO_2 = [{"type": "Input", "shape": [2]}, {"type": "Dense", "units": 8},
              {"type": "Dense", "units": 2, "activation": "softmax"}]


@pytest.fixture
def doc(qapp):
    return make_doc(NET_2_TO_2)


@pytest.fixture
def panel(qtbot, doc, monkeypatch):
    # A message box would block an offscreen test: the panel must never open one.
    for name in ("critical", "warning", "information", "question"):
        monkeypatch.setattr(QMessageBox, name, lambda *a, **k: pytest.fail("message box"))
    widget = dp.DataPanel(doc)
    qtbot.addWidget(widget)
    widget.resize(280, 700)
    yield widget
    widget.shutdown()


def wait_load(qtbot, panel, action):
    with qtbot.waitSignal(panel.loader.finished, timeout=TIMEOUT) as blocker:
        action()
    return blocker.args[0]


def choose(qtbot, panel, name):
    result = wait_load(qtbot, panel, lambda: panel.choose_bundled(name))
    assert result.ok, result.error
    return result


def set_field(panel, name, value):
    field = panel._fields[name]
    field.widget.blockSignals(True)
    field.widget.setValue(value)
    field.widget.blockSignals(False)


def write_csv(path: Path, rows: int, bad_line: int | None = None) -> Path:
    lines = ["width,height,depth,label"]
    for i in range(rows):
        lines.append(f"{i % 7 + 0.5},{i % 5},{i % 3},{'ab'[i % 2]}")
    if bad_line is not None:
        lines[bad_line - 1] = "1.0,oops,2,a"
    path.write_text("\n".join(lines) + "\n")
    return path


def accept_dialogs(monkeypatch):
    """Options dialogs accept at once with what they show (their defaults)."""
    monkeypatch.setattr(QDialog, "exec", lambda self: QDialog.DialogCode.Accepted)


def test_choosing_a_bundled_set_emits_the_data_and_the_split(qtbot, panel, doc):
    with qtbot.waitSignal(panel.dataset_changed, timeout=TIMEOUT) as blocker:
        panel.choose_bundled("xor")
    loaded = blocker.args[0]
    assert isinstance(loaded, dp.LoadedData) and loaded is panel.current
    assert len(loaded.dataset) == 200 and loaded.summary.n_samples == 200
    assert [len(p) for p in loaded.split] == [140, 30, 30]
    assert "Train 140 · validation 30 · test 30" in panel.split_label.text()
    # stored in the document: the reference, the split, the fingerprint and the split seed
    assert doc.data["reference"]["source"]["name"] == "xor"
    assert doc.data["split"]["counts"] == {"train": 140, "validation": 30, "test": 30}
    assert doc.extra["data_fingerprint"] == loaded.dataset.fingerprint()
    assert doc.extra["split_seed"] == 0
    # the form shows the set's parameters with their ranges
    samples = panel._fields["n_samples"].widget
    assert samples.value() == 200 and samples.minimum() == 4 and samples.maximum() == 100_000


def test_parameters_and_seed_regenerate(qtbot, panel):
    choose(qtbot, panel, "spirals")
    assert set(panel._fields) == {"n_samples", "noise", "arms", "turns"}
    set_field(panel, "n_samples", 120)
    set_field(panel, "arms", 3)
    result = wait_load(qtbot, panel, panel.generate_button.click)
    ds = result.dataset
    assert len(ds) == 120 and ds.n_classes == 3
    assert ds.source["params"]["arms"] == 3
    first = ds.fingerprint()
    starts = []
    panel.loader.started.connect(starts.append)

    def edit_seed():  # an arrow click, then the focus leaves: one load, not two
        panel.seed_field.widget.setValue(7)
        panel.seed_field.widget.editingFinished.emit()

    result = wait_load(qtbot, panel, edit_seed)
    assert len(starts) == 1
    assert result.dataset.source["seed"] == 7 and result.dataset.fingerprint() != first


def test_changing_the_split_resplits_and_emits(qtbot, panel, doc):
    choose(qtbot, panel, "xor")
    with qtbot.waitSignal(panel.dataset_changed) as blocker:
        panel.val_spin.setValue(20)
    assert [len(p) for p in blocker.args[0].split] == [130, 40, 30]
    assert doc.data["split"]["validation"] == pytest.approx(0.2)
    with qtbot.waitSignal(panel.dataset_changed) as blocker:
        panel.split_seed.setValue(5)
    assert doc.extra["split_seed"] == 5 and blocker.args[0].split.settings["seed"] == 5
    with qtbot.waitSignal(panel.dataset_changed) as blocker:
        panel.stratify.setChecked(False)
    assert blocker.args[0].split.settings["stratify"] is False
    # a split that leaves nothing to train on is refused; the previous one stays
    panel.val_spin.setValue(90)
    assert panel.split_error.isVisibleTo(panel) and "Cannot split" in panel.split_error.text()
    assert len(panel.current.split.validation) == 40


def test_scatter_preview_uses_the_class_colours(qtbot, panel):
    choose(qtbot, panel, "moons")
    assert panel.preview.currentWidget() is panel.preview.scatter
    # 2-D points can be seen as a table too
    panel.preview.tabs.setCurrentIndex(1)
    assert panel.preview.currentWidget() is panel.preview.table
    assert panel.preview.table.model().rowCount() == 50
    items = panel.preview.scatter.getPlotItem().listDataItems()
    assert [item.opts["brush"].color().name() for item in items] == ["#f59322", "#0877bd"]
    assert class_colour(0).name() == "#f59322" and class_colour(1).name() == "#0877bd"
    names = [class_colour(k).name() for k in range(14)]
    assert len(set(names)) == 14


def test_regression_data_disable_stratification(qtbot, panel):
    choose(qtbot, panel, "sine")
    assert not panel.stratify.isEnabled()
    assert panel.preview.currentWidget() is panel.preview.scatter  # x against y
    choose(qtbot, panel, "house_prices")
    assert panel.preview.currentWidget() is panel.preview.table


def test_csv_import_runs_in_the_loader_and_shows_a_table(qtbot, panel, monkeypatch, tmp_path):
    path = write_csv(tmp_path / "sizes.csv", 80)
    monkeypatch.setattr(panel, "_ask_open_file", lambda _filter: str(path))
    accept_dialogs(monkeypatch)
    result = wait_load(qtbot, panel, panel.csv_action.trigger)
    assert result.ok, result.error
    ds = panel.current.dataset
    assert len(ds) == 80 and ds.class_names == ["a", "b"]
    model = panel.preview.table.model()
    assert panel.preview.currentWidget() is panel.preview.table
    assert model.rowCount() == 50
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(4)]
    assert headers == ["label", "width", "height", "depth"]
    assert model.data(model.index(1, 0)) == "b" and model.data(model.index(1, 1)) == "1.5"
    assert not panel.preview.tabs.isVisibleTo(panel)  # one view only
    assert panel.combo.currentText() == "From file: sizes.csv"
    assert "width: 0.5 … 6.5" in panel.ranges.text()


def test_csv_dialog_offers_the_header_columns(qapp, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("label;x;y\nyes;1,5;2\nno;3,5;4\n")
    dialog = CsvOptionsDialog(path)
    assert [dialog.target.itemText(i) for i in range(3)] == ["label", "x", "y"]
    assert dialog.options() == {"target": "label", "standardize": False, "drop_invalid": False}


def test_a_bad_csv_value_is_shown_and_the_previous_data_stay(qtbot, panel, monkeypatch,
                                                              tmp_path):
    choose(qtbot, panel, "xor")
    before = panel.current
    path = write_csv(tmp_path / "bad.csv", 30, bad_line=4)
    monkeypatch.setattr(panel, "_ask_open_file", lambda _filter: str(path))
    accept_dialogs(monkeypatch)
    with qtbot.assertNotEmitted(panel.dataset_changed):
        result = wait_load(qtbot, panel, panel.import_csv)
    assert not result.ok
    text = panel.status.text()
    assert "bad.csv" in text and "line 4" in text and "column 'height'" in text
    assert panel.status.palette().color(panel.status.foregroundRole()) == \
        problem_colour("error", panel.palette())
    assert panel.current is before
    assert panel.combo.currentText().strip() == "XOR"  # the form shows the data in use


def test_dropped_rows_are_reported_with_details(qtbot, panel, monkeypatch, tmp_path):
    path = write_csv(tmp_path / "bad.csv", 30, bad_line=4)
    monkeypatch.setattr(panel, "_ask_open_file", lambda _filter: str(path))
    monkeypatch.setattr(panel, "_ask_csv_options",
                        lambda p: {"target": "label", "drop_invalid": True})
    assert wait_load(qtbot, panel, panel.import_csv).ok
    assert len(panel.current.dataset) == 29
    assert panel.report.text().startswith("Warning: 1 row(s)")
    assert "dropped lines: 4" in panel.report.toolTip()


def make_image_folder(root: Path, per_class: int = 4, broken: bool = False) -> Path:
    rng = np.random.default_rng(0)
    for cls in ("cat", "dog"):
        (root / cls).mkdir(parents=True)
        for i in range(per_class):
            pixels = rng.integers(0, 255, (12, 10, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(root / cls / f"{i}.png")
    if broken:
        (root / "dog" / "broken.png").write_bytes(b"not a png")
    return root


def test_image_folder_follows_the_network_input(qtbot, monkeypatch, tmp_path):
    doc = make_doc([{"type": "Input", "shape": [1, 8, 8]}, {"type": "Flatten"},
                    {"type": "Dense", "units": 2, "activation": "softmax"}])
    panel = dp.DataPanel(doc)
    qtbot.addWidget(panel)
    folder = make_image_folder(tmp_path / "pets", broken=True)
    monkeypatch.setattr(panel, "_ask_folder", lambda: str(folder))
    monkeypatch.setattr(panel, "_ask_image_options", lambda: pytest.fail("no question needed"))
    assert wait_load(qtbot, panel, panel.folder_action.trigger).ok
    ds = panel.current.dataset
    assert ds.x.shape == (8, 1, 8, 8) and ds.class_names == ["cat", "dog"]
    grid = panel.preview.thumbnails
    assert panel.preview.currentWidget() is panel.preview.thumb_scroll
    assert len(grid.items) == 8
    assert [label for _, label, _ in grid.items[:2]] == ["cat", "dog"]  # both classes shown
    assert grid.items[0][0].width() == 8 * 7  # 8 px at 7×, nearest neighbour
    assert "1 file(s) skipped" in panel.report.text()
    assert "broken.png" in panel.report.toolTip()
    assert "this data has 1×8×8 ✓" in panel.compat.text()
    panel.shutdown()


def test_image_folder_without_image_input_asks_and_defaults_to_28_gray(qtbot, panel,
                                                                         monkeypatch, tmp_path):
    folder = make_image_folder(tmp_path / "pets", per_class=2)
    monkeypatch.setattr(panel, "_ask_folder", lambda: str(folder))
    accept_dialogs(monkeypatch)
    assert wait_load(qtbot, panel, panel.import_image_folder).ok
    assert panel.current.dataset.x.shape == (4, 1, 28, 28)
    assert "Input layer's shape to 1×28×28 (and Flatten" in panel.compat.text()


def test_cancelling_a_big_load_keeps_the_previous_data(qtbot, panel, monkeypatch, tmp_path):
    choose(qtbot, panel, "xor")
    before = panel.current
    path = tmp_path / "big.csv"
    path.write_text("a,b,label\n" + "1.5,2.5,0\n3.5,4.5,1\n" * 400_000)
    monkeypatch.setattr(panel, "_ask_open_file", lambda _filter: str(path))
    accept_dialogs(monkeypatch)
    with qtbot.waitSignal(panel.loader.finished, timeout=TIMEOUT) as blocker:
        panel.import_csv()
        assert panel.progress_row.isVisibleTo(panel)
        panel.cancel_button.click()
    assert blocker.args[0].cancelled and not blocker.args[0].error
    assert panel.current is before
    assert "cancelled" in panel.status.text() and "Could not" not in panel.status.text()
    assert not panel.progress_row.isVisibleTo(panel)


def test_compatibility_says_what_to_change(qtbot, qapp):
    doc = make_doc([{"type": "Input", "shape": [2]},
                    {"type": "Dense", "units": 1, "activation": "sigmoid"}])
    panel = dp.DataPanel(doc)
    qtbot.addWidget(panel)
    assert wait_load(qtbot, panel, lambda: panel.choose_bundled("blobs")).ok
    text = panel.compat.text()
    assert "The network's input expects 2 features; this data has 2 ✓" in text
    assert ("Output layer has 1 unit; this data has 3 classes — set the output layer to 3 "
            "neurons with softmax") in text
    # the line follows the network, and an invalid or empty network does not break it
    doc.load(NetworkSpec())
    assert "no Input layer" in panel.compat.text()
    ds = Dataset(np.zeros((6, 2)), np.array([0, 1] * 3))
    lines = compatibility(ds, make_doc([{"type": "Input", "shape": [2]},
                                           {"type": "Conv2D", "filters": 2}]))
    assert lines[0][0] and not lines[1][0]
    binary = make_doc([{"type": "Input", "shape": [2]},
                       {"type": "Dense", "units": 1, "activation": "sigmoid"}])
    binary.spec.loss = "binary_cross_entropy"
    assert all(ok for ok, _ in compatibility(ds, binary))
    panel.shutdown()


def test_restore_loads_a_template_style_reference(qtbot, panel, doc):
    doc.data = {"name": "circles", "source": {"type": "bundled", "name": "circles",
                                              "params": {"n_samples": 100}, "seed": 3}}
    with qtbot.assertNotEmitted(panel.data_stored):
        result = wait_load(qtbot, panel, panel.restore_from_document)
    assert result.ok, result.error
    assert len(panel.current.dataset) == 100 and panel.combo.currentText().strip() == "Circles"
    assert panel._fields["n_samples"].widget.value() == 100
    assert panel.seed_field.widget.value() == 3
    assert doc.data["reference"]["source"]["seed"] == 3  # now in the full form


def test_restore_reproduces_the_saved_split(qtbot, panel, doc):
    choose(qtbot, panel, "moons")
    panel.test_spin.setValue(25)
    panel.split_seed.setValue(4)
    saved = panel.current
    other = dp.DataPanel(doc)
    qtbot.addWidget(other)
    assert wait_load(qtbot, other, other.restore_from_document).ok
    assert other.test_spin.value() == 25 and other.split_seed.value() == 4
    for a, b in zip(other.current.split.indices.values(), saved.split.indices.values(),
                    strict=True):
        np.testing.assert_array_equal(a, b)
    other.shutdown()


def test_restore_warns_when_the_file_changed(qtbot, panel, doc, monkeypatch, tmp_path):
    path = write_csv(tmp_path / "sizes.csv", 40)
    monkeypatch.setattr(panel, "_ask_open_file", lambda _filter: str(path))
    accept_dialogs(monkeypatch)
    assert wait_load(qtbot, panel, panel.import_csv).ok
    write_csv(path, 60)
    with qtbot.waitSignal(panel.data_stored):
        assert wait_load(qtbot, panel, panel.restore_from_document).ok
    assert "changed since the project was saved" in panel.status.text()
    assert len(panel.current.dataset) == 60
    assert doc.extra["data_fingerprint"] == panel.current.dataset.fingerprint()
    path.unlink()
    with qtbot.waitSignal(panel.dataset_changed) as blocker:
        wait_load(qtbot, panel, panel.restore_from_document)
    assert blocker.args[0] is None and "no such file" in panel.status.text()


def test_loader_throttles_progress(qtbot, qapp):
    loader = DataLoader()
    reports = []
    loader.progress.connect(lambda d, t: reports.append((d, t)))

    def slow(progress, cancelled):
        for i in range(1, 2001):
            progress(i, 2000)
            time.sleep(0.0001)
        return Dataset(np.zeros((4, 2)), np.array([0, 1, 0, 1]))

    start = time.monotonic()
    with qtbot.waitSignal(loader.finished, timeout=TIMEOUT) as blocker:
        loader.load(LoadRequest("slow", slow))
    elapsed = time.monotonic() - start
    assert blocker.args[0].ok and blocker.args[0].summary.n_samples == 4
    assert reports[-1] == (2000, 2000)
    assert len(reports) <= 20 * elapsed + 2
    loader.shutdown()


def test_a_new_load_replaces_the_running_one(qtbot, qapp):
    loader = DataLoader()
    results = []
    loader.finished.connect(results.append)

    def until_cancelled(progress, cancelled):
        while not cancelled.is_set():
            time.sleep(0.001)
        raise LoadCancelled("stopped")

    def quick(progress, cancelled):
        return Dataset(np.zeros((4, 2)), np.array([0, 1, 0, 1]))

    loader.load(LoadRequest("slow", until_cancelled))
    with qtbot.waitSignal(loader.finished, timeout=TIMEOUT):
        loader.load(LoadRequest("quick", quick))
    assert loader.shutdown()
    # both threads' queued signals (result, then finished) have arrived: the old one's dropped
    qtbot.waitUntil(lambda: not loader._threads, timeout=TIMEOUT)
    assert [r.request.label for r in results] == ["quick"] and results[0].ok
