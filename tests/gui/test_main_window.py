"""The main window: templates, save and reopen, autosave recovery, bad files, closing."""

import os
import zipfile

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from nndesigner import commands as cmd
from nndesigner.main_window import MainWindow
from nndesigner.recovery import RecoveryStore
from nndesigner.resources import list_templates


@pytest.fixture
def make_window(qtbot, tmp_path):
    def make(folder=None):
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        store = RecoveryStore(folder or tmp_path / "recovery")
        window = MainWindow(settings=settings, recovery=store)
        # No "unsaved changes" prompt while pytest-qt closes the window after the test.
        qtbot.addWidget(window, before_close_func=lambda w: w.doc.undo_stack.setClean())
        return window

    return make


def edit(window):
    doc = window.doc
    doc.undo_stack.push(cmd.AddLayerCommand(doc, "Dense", (300.0, 250.0), {"units": 5},
                                            [next(iter(doc.spec.layers))], name="extra"))


def test_every_template_opens_valid(make_window):
    window = make_window()
    names = [t.name for t in list_templates()]
    assert {"xor", "smiley", "trip_insurance", "digits_mlp", "digits_cnn",
            "regression"} <= set(names)
    for name in names:
        window.open_template(name)
        assert window.doc.analysis.ok, (name, window.doc.analysis.problems)
        assert set(window.scene.layer_items) == set(window.doc.spec.layers)
        assert "shapes OK" in window.status.text()
    assert not window.doc.modified


def test_save_and_reopen_gives_the_identical_spec_and_layout(make_window, tmp_path):
    window = make_window()
    window.open_template("digits_cnn")
    edit(window)
    window.doc.undo_stack.push(cmd.MoveLayersCommand(
        window.doc, {"extra": ((300.0, 250.0), (312.5, -47.25))}))
    assert window.doc.modified and window.isWindowModified()
    path = tmp_path / "net.nnd"
    assert window.save_to(path)
    assert not window.doc.modified and window.windowTitle().startswith("net")
    spec, positions = window.doc.spec.to_dict(), dict(window.doc.positions)
    other = make_window()
    assert other.open_path(path)
    assert other.doc.spec.to_dict() == spec
    assert other.doc.positions == positions
    assert other.doc.path == path and not other.doc.modified
    assert str(path) in other._recent()


def test_autosave_is_offered_after_a_crash(make_window, tmp_path):
    folder = tmp_path / "recovery"
    window = make_window(folder)
    window.open_template("xor")
    assert not window.autosave()  # nothing unsaved yet
    edit(window)
    assert window.autosave()
    spec = window.doc.spec.to_dict()
    # Simulate the crash: the process that wrote the note is gone.
    note = window.recovery.note
    note.write_text(note.read_text().replace(f'"pid": {os.getpid()}', '"pid": 999999999'))
    fresh = make_window(folder)
    orphans = fresh.recovery.orphans()
    assert len(orphans) == 1
    assert fresh.restore_recovery(orphans[0])
    assert fresh.doc.spec.to_dict() == spec
    assert fresh.doc.modified  # restored work still needs saving
    assert fresh.recovery.orphans() == []


def test_a_live_session_is_not_offered_as_a_crash(make_window, tmp_path):
    folder = tmp_path / "recovery"
    window = make_window(folder)
    window.open_template("xor")
    edit(window)
    window.autosave()
    assert make_window(folder).recovery.orphans() == []


@pytest.mark.parametrize("content", [b"", b"not a zip", b"PK\x03\x04truncated"])
def test_malformed_project_shows_an_error_and_keeps_the_document(make_window, tmp_path,
                                                                  monkeypatch, content):
    window = make_window()
    window.open_template("smiley")
    before = window.doc.spec.to_dict()
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda *a, **k: shown.append(a[2]))
    bad = tmp_path / "bad.nnd"
    bad.write_bytes(content)
    assert not window.open_path(bad)
    assert shown and "bad.nnd" in shown[0]
    assert window.doc.spec.to_dict() == before


def test_project_with_a_bad_layer_names_the_field(make_window, tmp_path, monkeypatch):
    window = make_window()
    window.open_template("xor")
    path = tmp_path / "p.nnd"
    window.save_to(path)
    with zipfile.ZipFile(path) as zf:
        text = zf.read("project.json").decode()
    text = text.replace('"units": 4', '"units": -4')
    broken = tmp_path / "broken.nnd"
    with zipfile.ZipFile(broken, "w") as zf:
        zf.writestr("project.json", text)
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda *a, **k: shown.append(a[2]))
    assert not window.open_path(broken)
    assert "units" in shown[0]


def test_failed_save_keeps_the_previous_file(make_window, tmp_path, monkeypatch):
    window = make_window()
    window.open_template("xor")
    path = tmp_path / "keep.nnd"
    window.save_to(path)
    before = path.read_bytes()
    edit(window)
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda *a, **k: shown.append(a[2]))

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", full_disk)
    assert not window.save_to(path)
    assert "No space left" in shown[0] and "unchanged" in shown[0]
    assert path.read_bytes() == before
    assert window.doc.modified
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("keep")] == ["keep.nnd"]


def test_close_asks_about_unsaved_changes(make_window, monkeypatch):
    window = make_window()
    window.open_template("xor")
    window.show()
    edit(window)
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Cancel)
    assert not window.close()
    assert window.isVisible()
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Discard)
    assert window.close()


def test_problem_click_selects_the_culprit(make_window, qtbot):
    window = make_window()
    window.open_template("digits_cnn")
    doc = window.doc
    doc.undo_stack.push(cmd.RemoveLayersCommand(doc, ["flatten_1"]))
    doc.undo_stack.push(cmd.ConnectCommand(doc, "maxpool2d_2", "output"))
    assert "1 error" in window.problems_dock.windowTitle()
    item = window.problems.item(0)
    assert "Flatten" in item.text()
    window.problems.itemClicked.emit(item)
    assert window.scene.selected_layers() == ["output"]
    assert "problem" in window.status.text()


def test_undo_redo_actions_and_shortcut_keys(make_window, qtbot):
    window = make_window()
    window.open_template("xor")
    edit(window)
    assert "extra" in window.doc.spec.layers
    window.undo_action.trigger()
    assert "extra" not in window.doc.spec.layers
    window.redo_action.trigger()
    assert "extra" in window.doc.spec.layers
    keys = {s.toString() for s in window.redo_action.shortcuts()}
    assert {"Ctrl+Shift+Z", "Ctrl+Y"} <= keys
    assert window.fit_action.shortcut().toString() == "Ctrl+0"


def test_clicking_a_neuron_opens_the_inspector(make_window, qtbot):
    window = make_window()
    window.open_template("xor")
    window.show()
    qtbot.waitExposed(window)
    window.scene.set_neuron_mode(True)
    window.view.fit_all()
    item = window.scene.layer_items["hidden"]
    from PySide6.QtCore import Qt

    point = window.view.mapFromScene(item.mapToScene(item.neuron_centre(2)))
    shown = []
    window.scene.neuron_clicked.connect(lambda layer, i: shown.append((layer, i)))
    qtbot.mouseClick(window.view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert shown == [("hidden", 2)]
    assert not window.inspector_dock.visibleRegion().isEmpty()


def test_a_lesson_loads_its_network_and_data(make_window, qtbot):
    from nndesigner.teach.lessons import list_lessons

    window = make_window()
    lessons = {lesson.name: lesson for lesson in list_lessons()}
    assert {"step_neuron", "pixels", "learning_rate", "activations_losses", "digit"} <= set(
        lessons)
    window.open_lesson(lessons["step_neuron"])
    qtbot.waitUntil(lambda: window.controller.has_data, timeout=5000)
    assert window.guide_dock.isVisibleTo(window)
    assert window.doc.analysis.ok


def test_connection_gradient_for_the_inspected_sample(make_window):
    import numpy as np

    from engine import trace

    window = make_window()
    window.open_template("xor")
    window.doc.set_weights(window.doc.build_model(seed=5).get_weights())
    window.inspector.set_sample(np.array([0.5, -1.0], dtype=np.float32), 1)
    grad = window._link_gradients("hidden")
    model = window.doc.build_model().copy(np.float64)
    expected = trace(model, np.array([[0.5, -1.0]]), np.array([1])).layer("hidden").grads["W"]
    np.testing.assert_allclose(grad, expected)
    assert np.any(grad != 0)


@pytest.mark.parametrize(("fmt", "name"), [("onnx", "net.onnx"), ("npz", "net.npz"),
                                           ("python", "predict.py")])
def test_file_export_writes_reloads_and_compares(make_window, tmp_path, monkeypatch, fmt,
                                                 name):
    from nndesigner import export_dialogs

    window = make_window()
    window.open_template("spirals")
    window.doc.set_weights(window.doc.build_model(seed=1).get_weights())
    monkeypatch.setattr(export_dialogs, "_ask_save", lambda *a: str(tmp_path / name))
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: None)
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: None)
    monkeypatch.setattr(QMessageBox, "critical", lambda *a, **k: None)
    result = window.export(fmt)
    assert result.ok, result.message
    assert result.max_difference is not None and result.max_difference <= 1e-5
    assert result.path.exists()


def test_an_edit_that_breaks_the_network_shows_the_problems_list(make_window):
    window = make_window()
    window.open_template("digits_cnn")
    window.show()
    window.views_dock.raise_()
    assert window.problems_dock.visibleRegion().isEmpty()
    window.doc.undo_stack.push(cmd.RemoveLayersCommand(window.doc, ["flatten_1"]))
    assert not window.problems_dock.visibleRegion().isEmpty()
    window.open_template("digits_cnn")  # loading is not an edit: nothing is raised
    window.views_dock.raise_()
    window.open_template("xor")
    assert window.problems_dock.visibleRegion().isEmpty()


def test_a_hidden_try_it_panel_catches_up_when_shown(make_window, qtbot):
    window = make_window()
    window.open_template("xor")
    window.show()
    window.properties_dock.raise_()  # Try it is another tab: hidden
    qtbot.waitUntil(lambda: window.classify.model is not None, timeout=3000)
    qtbot.waitUntil(lambda: not window.classify._model_throttle.pending, timeout=3000)
    qtbot.wait(250)  # the load's own (throttled) rebuild has run
    before = window.classify.model
    window.doc.set_weights(window.doc.build_model(seed=9).get_weights())
    qtbot.wait(300)
    assert window.classify.model is before  # no rebuild while hidden
    window.try_dock.raise_()
    qtbot.waitUntil(lambda: window.classify.model is not before, timeout=3000)
