"""The Try-it panel: drawing, files dropped or opened, pasted images, bad files, tables,
untrained and broken networks, layer activations, throttled model rebuilds."""

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication, QMessageBox

from engine import NetworkSpec
from engine.data import apply_preprocessing, load_bundled, split
from nndesigner.panels import classify as cl
from nndesigner.panels.data_panel import LoadedData
from nndesigner.panels.layer_activations import FeatureMaps, UnitBars

from .use_helpers import (
    bomb_png,
    corrupt_png,
    digit_png,
    digits_doc,
    doc_for,
    draw,
    ellipse,
)

CNN = [{"type": "Input", "shape": [1, 28, 28]},
       {"type": "Conv2D", "filters": 20, "kernel_size": 3, "activation": "relu"},
       {"type": "MaxPool2D", "pool_size": 2}, {"type": "Flatten"},
       {"type": "Dense", "units": 100, "activation": "relu"},
       {"type": "Dense", "units": 10, "activation": "softmax"}]


@pytest.fixture(autouse=True)
def no_message_boxes(monkeypatch):
    for name in ("critical", "warning", "information", "question"):
        monkeypatch.setattr(QMessageBox, name, lambda *a, **k: pytest.fail("message box"))


def make_panel(qtbot, doc, loaded=None):
    panel = cl.ClassifyPanel(doc)
    qtbot.addWidget(panel)
    panel.resize(330, 820)
    panel.show()
    qtbot.waitExposed(panel)
    if loaded is not None:
        panel.set_data(loaded)
    return panel


def top(panel):
    return panel.state()["top"]


def test_drawing_updates_the_prediction_live_even_untrained(qtbot):
    doc, loaded = digits_doc(trained=False)
    panel = make_panel(qtbot, doc, loaded)
    assert panel.model_note.text() == cl.UNTRAINED  # still predicts, but says so
    assert top(panel) == "–"
    draw(panel.pad.canvas, [(112, 30), (112, 190)])
    qtbot.waitUntil(lambda: panel.view is not None)
    bars = panel.bars.rows()
    assert len(bars) == 10 and sum(p for _, p in bars) == pytest.approx(1, abs=1e-4)
    assert [p for _, p in bars] == sorted((p for _, p in bars), reverse=True)
    assert top(panel) == bars[0][0]
    assert panel.input_caption.text() == "28×28 grayscale, values 0–1"
    assert panel.state()["source"] == "pad"


def test_a_drawn_one_is_a_one_and_drawn_digits_are_read(qtbot, tmp_path):
    doc, loaded = digits_doc()
    panel = make_panel(qtbot, doc, loaded)
    assert panel.model_note.text() == ""
    draw(panel.pad.canvas, [(105, 25), (112, 200)])  # a "1": one vertical stroke
    qtbot.waitUntil(lambda: top(panel) == "1")
    assert panel.view.probabilities[1] > 0.5
    QApplication.processEvents()  # lay out before the screenshot
    panel.grab().save("/tmp/use_classify_one.png")
    # 0, 1 and 7 drawn at different places and sizes
    shapes = {
        "0": lambda x, y, s: [ellipse(x, y, 30 * s, 50 * s)],
        "1": lambda x, y, s: [[(x, y - 60 * s), (x - 5 * s, y + 60 * s)]],
        "7": lambda x, y, s: [[(x - 40 * s, y - 55 * s), (x + 40 * s, y - 55 * s),
                               (x - 10 * s, y + 60 * s)]],
    }
    right = total = 0
    for label, make in shapes.items():
        for x, y, s in [(70, 75, 0.6), (150, 140, 0.7), (112, 112, 1.3), (150, 80, 0.5)]:
            panel.pad.clear()
            for stroke in make(x, y, s):
                draw(panel.pad.canvas, [(round(a), round(b)) for a, b in stroke])
            panel._draw_throttle.flush()
            right += top(panel) == label
            total += 1
    assert right / total >= 0.8, f"{right} of {total}"


def test_dropped_opened_and_pasted_images_are_classified(qtbot, tmp_path):
    doc, loaded = digits_doc()
    panel = make_panel(qtbot, doc, loaded)
    path = tmp_path / "digit.png"
    label = digit_png(path, index=3, dark_on_light=True)  # a scan: dark ink on white paper
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(panel.rect().center(), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QGuiApplication.sendEvent(panel, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(panel.rect().center()), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QGuiApplication.sendEvent(panel, drop)
    assert panel.source_label.text() == "Input: digit.png"
    assert top(panel) == str(label) and panel.input_note.text() == ""
    # what the network saw: the same preprocessing as training (inverted, centred)
    prep = loaded.dataset.preprocessing
    np.testing.assert_allclose(panel._x, apply_preprocessing(str(path), prep), atol=1e-6)
    # Open… (the dialog replaced) with two files: the first is shown, and the panel says so
    other = tmp_path / "other.png"
    label2 = digit_png(other, index=5)
    panel._ask_files = lambda: [str(other), str(path)]
    panel.open_button.click()
    assert top(panel) == str(label2) and "first of 2" in panel.input_note.text()
    # pasted from the clipboard (Ctrl+V inside the panel)
    img = QImage(str(path))
    QGuiApplication.clipboard().setImage(img)
    panel.pad.canvas.setFocus()
    qtbot.keyClick(panel.pad.canvas, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert panel.source_label.text() == "Input: the pasted image"
    assert top(panel) == str(label)
    QGuiApplication.clipboard().clear()
    panel.paste_button.click()
    assert "no image" in panel.input_note.text()


@pytest.mark.parametrize("kind, expected", [
    ("corrupt", "cannot be read"), ("bomb", "decompression bomb"), ("empty", "empty"),
    ("text", "cannot be read"), ("folder", "folder"),
])
def test_bad_files_give_a_message_not_a_crash(qtbot, tmp_path, kind, expected):
    doc, loaded = digits_doc()
    panel = make_panel(qtbot, doc, loaded)
    draw(panel.pad.canvas, [(112, 30), (112, 190)])
    panel._draw_throttle.flush()
    path = tmp_path / "bad.png"
    if kind == "corrupt":
        corrupt_png(path)
    elif kind == "bomb":
        bomb_png(path)
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "text":
        path.write_text("not a picture")
    else:
        path = tmp_path
    panel.open_paths([path])
    assert expected in panel.input_note.text()
    assert top(panel) == "–" and panel.view is None and not panel.bars.rows()
    draw(panel.pad.canvas, [(112, 30), (112, 190)])  # drawing again works
    panel._draw_throttle.flush()
    assert panel.input_note.text() == "" and top(panel) != "–"


def test_an_elongated_picture_for_a_colour_network(qtbot, tmp_path):
    doc = doc_for([{"type": "Input", "shape": [3, 16, 16]}, {"type": "Flatten"},
                   {"type": "Dense", "units": 3, "activation": "softmax"}])
    panel = make_panel(qtbot, doc)
    path = tmp_path / "strip.png"
    Image.new("RGB", (400, 20), (200, 40, 40)).save(path)
    panel.open_paths([path])
    assert "stretched to 16×16" in panel.input_note.text()
    assert panel.input_caption.text() == "16×16 colour (RGB), values 0–1"
    assert [n for n, _ in panel.bars.rows()] != [] and top(panel) in {"0", "1", "2"}


def test_a_table_network_gets_a_form_in_raw_units(qtbot):
    ds = load_bundled("trip_insurance", n_samples=200)
    sp = split(ds, seed=0)
    doc = doc_for([{"type": "Input", "shape": [5]},
                   {"type": "Dense", "units": 4, "activation": "tanh"},
                   {"type": "Dense", "units": 2, "activation": "softmax"}],
                  data={"reference": ds.to_dict()})
    panel = make_panel(qtbot, doc, LoadedData(ds, sp, ds.summary()))
    form = panel.form
    assert panel.inputs.currentWidget() is form and panel.open_button.isHidden()
    assert [name for name, _ in form._fields] == ds.feature_names
    age = form.field("age")
    lo, hi = ds.x[:, 0].min() * 67 + 18, ds.x[:, 0].max() * 67 + 18  # raw ages again
    assert f"{lo:.4g} … {hi:.4g}" in [w.text() for w in form.findChildren(cl.QLabel)]
    cost = ds.x[:, 1].max() * 11800 + 200
    assert f"{cost:,.0f}" in " ".join(w.text() for w in form.findChildren(cl.QLabel))
    form.set_values({"age": 40, "trip_cost": 3000, "destination_risk": 3, "trip_days": 14,
                     "has_insurance": 0})
    expected = apply_preprocessing([[40, 3000, 3, 14, 0]], ds.preprocessing)
    np.testing.assert_allclose(panel._x, expected, rtol=1e-6)
    assert top(panel) in ds.class_names and len(panel.bars.rows()) == 2
    before = panel.view.probabilities.copy()
    age.setValue(80)
    assert not np.allclose(panel.view.probabilities, before)


def test_broken_network_and_empty_design(qtbot):
    doc = doc_for([{"type": "Input", "shape": [1, 3, 3]},
                   {"type": "Conv2D", "filters": 2, "kernel_size": 5}, {"type": "Flatten"},
                   {"type": "Dense", "units": 2, "activation": "softmax"}])
    panel = make_panel(qtbot, doc)
    assert "kernel does not fit" in panel.model_note.text() and panel.model is None
    draw(panel.pad.canvas, [(112, 30), (112, 190)])
    panel._draw_throttle.flush()
    assert top(panel) == "–" and panel.input_caption.text()  # the input is still shown
    doc.load(NetworkSpec())  # an empty design
    panel._model_throttle.flush()
    qtbot.waitUntil(lambda: panel.inputs.currentWidget() is panel.nothing)


def test_model_rebuilds_are_throttled(qtbot, monkeypatch):
    doc, loaded = digits_doc()
    panel = make_panel(qtbot, doc, loaded)
    calls = []
    real = doc.build_model
    monkeypatch.setattr(doc, "build_model", lambda *a, **k: calls.append(1) or real(*a, **k))
    panel._model_throttle._last = 0.0  # as if the last rebuild were long ago
    for _ in range(30):  # e.g. weights after every batch
        panel.refresh_model()
    assert len(calls) == 1 and panel._model_throttle.pending
    qtbot.waitUntil(lambda: len(calls) == 2 and not panel._model_throttle.pending, timeout=2000)


def test_layer_activations_for_a_cnn(qtbot):
    doc = doc_for(CNN)
    panel = make_panel(qtbot, doc)
    draw(panel.pad.canvas, [(112, 30), (112, 190)])
    panel._draw_throttle.flush()
    assert panel.activations.isHidden()
    panel.activations_toggle.click()
    rows = panel.activations.rows
    assert list(rows) == list(doc.spec.layers)
    conv = next(n for n in rows if n.startswith("conv2d"))
    assert isinstance(rows[conv], FeatureMaps) and len(rows[conv].images) == 16  # of 20
    dense = [n for n, w in rows.items() if isinstance(w, UnitBars)]
    assert rows[dense[-1]].values.size == 10 and not rows[dense[-1]].strip
    assert rows[dense[-2]].strip  # 100 units: a strip
    acts = panel.model.activations(panel._x)
    np.testing.assert_allclose(rows[dense[-1]].values, acts[dense[-1]]["a"][0], rtol=1e-5)


def test_drawing_predicts_at_most_twenty_times_a_second(qtbot, monkeypatch):
    doc, loaded = digits_doc()
    panel = make_panel(qtbot, doc, loaded)
    calls = []
    real = panel.model.predict
    monkeypatch.setattr(panel.model, "predict", lambda x: calls.append(1) or real(x))
    draw(panel.pad.canvas, [(40, 40), (190, 60), (60, 190), (190, 190)])  # ~70 mouse moves
    # one at the first point, one when the stroke ends (flushed): the moves in between,
    # within far less than 50 ms, collapse
    assert 1 <= len(calls) <= 3
    assert panel.view is not None and not panel._draw_throttle.pending


def test_a_two_feature_network_gets_two_fields_and_switching_kinds(qtbot):
    ds = load_bundled("moons", n_samples=200)
    doc = doc_for([{"type": "Input", "shape": [2]},
                   {"type": "Dense", "units": 2, "activation": "softmax"}],
                  data={"reference": ds.to_dict()})
    panel = make_panel(qtbot, doc, LoadedData(ds, split(ds, seed=0), ds.summary()))
    assert [n for n, _ in panel.form._fields] == ["x1", "x2"]
    assert panel.form.field("x1").value() == pytest.approx(float(ds.x[:, 0].mean()), abs=0.01)
    assert top(panel) in ds.class_names  # predicts at once, from the data's means
    panel.form.set_values({"x1": 1.5, "x2": -0.5})
    np.testing.assert_allclose(panel._x, [[1.5, -0.5]])
    assert panel.bars.rows()[0][0] in ("upper moon", "lower moon")
    doc.load(digits_doc()[0].spec)  # an image network now: the form's values are no input
    panel._model_throttle.flush()
    qtbot.waitUntil(lambda: panel.inputs.currentWidget() is panel.pad)
    assert panel.state()["source"] is None and top(panel) == "–"


def test_regression_shows_the_predicted_value(qtbot):
    ds = load_bundled("house_prices", n_samples=100)
    doc = doc_for([{"type": "Input", "shape": [4]}, {"type": "Dense", "units": 1}], loss="mse",
                  data={"reference": ds.to_dict()})
    panel = make_panel(qtbot, doc, LoadedData(ds, split(ds, seed=0), ds.summary()))
    value = float(doc.build_model().predict(panel._x)[0, 0])
    assert top(panel) == f"{value:.4g}" and panel.top_prob.text() == "predicted price_100k_eur"
    assert panel.bars.rows() == []


def test_an_opened_image_is_decoded_once_while_the_model_refreshes(qtbot, tmp_path,
                                                                    monkeypatch):
    """While training, the model refreshes up to 5 times a second: a photo must not be read
    and resized again each time (that froze the window with a large file)."""
    doc, loaded = digits_doc()
    panel = make_panel(qtbot, doc, loaded)
    path = tmp_path / "digit.png"
    digit_png(path, index=2)
    calls = []
    real = cl.prepare_image
    monkeypatch.setattr(cl, "prepare_image",
                        lambda *a, **k: calls.append(a[0]) or real(*a, **k))
    panel.open_paths([path])
    first = top(panel)
    for _ in range(4):
        panel._rebuild()  # what each throttled refresh during training does
    assert calls == [path] and top(panel) == first
    panel.open_paths([path])  # opening it again reads it again (it may have changed)
    assert calls == [path, path]
