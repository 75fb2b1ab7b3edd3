"""Classify a folder (worker thread, table, CSV) and the export / import functions with their
reload check."""

import csv
import threading

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from engine.data import apply_preprocessing
from nndesigner import export_dialogs as ed
from nndesigner.document import Document
from nndesigner.panels import batch_classify as bc

from .use_helpers import corrupt_png, digit_png, digits_doc, digits_split, doc_for


@pytest.fixture(autouse=True)
def messages(monkeypatch):
    for name in ("critical", "warning", "information", "question"):
        monkeypatch.setattr(QMessageBox, name, lambda *a, **k: pytest.fail("message box"))
    seen = []
    monkeypatch.setattr(ed, "_information", lambda parent, title, text: seen.append(("i", text)))
    monkeypatch.setattr(ed, "_critical", lambda parent, title, text: seen.append(("c", text)))
    return seen


def digit_folder(tmp_path, n=5):
    folder = tmp_path / "scans"
    (folder / "more").mkdir(parents=True)
    labels = {}
    for i in range(n):
        name = f"d{i}.png" if i < n - 1 else "more/last.png"
        labels[name] = digit_png(folder / name, index=i, dark_on_light=i % 2 == 1)
    corrupt_png(folder / "broken.png")
    (folder / "notes.txt").write_text("not an image")
    (folder / ".hidden.png").write_bytes(b"")
    return folder, labels


def test_classify_a_folder_then_export_csv(qtbot, tmp_path):
    doc, loaded = digits_doc()
    dialog = bc.BatchClassifyDialog(doc, dataset=loaded.dataset)
    qtbot.addWidget(dialog)
    dialog.show()
    folder, labels = digit_folder(tmp_path)
    dialog._ask_folder = lambda: str(folder)
    progress = []
    with qtbot.waitSignal(dialog.finished_classifying, timeout=10000):
        dialog.choose_button.click()
        dialog.worker.progressed.connect(lambda d, t: progress.append((d, t)))
    assert dialog.table.rowCount() == 6  # 5 digits and the broken file; no text, no hidden
    rows = {r.name: r for r in dialog.rows}
    assert set(rows) == {*labels, "broken.png"}
    assert rows["broken.png"].label == "" and "cannot be read" in rows["broken.png"].error
    right = sum(rows[n].label == str(k) for n, k in labels.items())
    assert right >= 4
    x = apply_preprocessing(str(folder / "d0.png"), loaded.dataset.preprocessing)
    probs = doc.build_model().predict(x)[0]
    assert rows["d0.png"].confidence == pytest.approx(float(probs.max()), rel=1e-5)
    assert progress and progress[-1] == (6, 6) and len(progress) <= 2
    assert "5 images classified; 1 could not be read" in dialog.status.text()
    # sort by confidence: highest first after two clicks, the unreadable file last
    dialog.table.sortItems(3, Qt.SortOrder.DescendingOrder)
    shown = [dialog.table.item(r, 3).key for r in range(6)]
    assert shown == sorted(shown, reverse=True) and shown[-1] == -1.0
    target = tmp_path / "out.csv"
    dialog._ask_csv_path = lambda: str(target)
    dialog.export_button.click()
    with open(target, newline="", encoding="utf-8") as f:
        table = list(csv.reader(f))
    assert table[0][:3] == ["file", "label", "confidence"] and table[0][-1] == "error"
    assert table[0][3:13] == [f"p({k})" for k in range(10)]
    assert len(table) == 7 and {r[0] for r in table[1:]} == set(rows)
    d0 = next(r for r in table if r[0] == "d0.png")
    np.testing.assert_allclose([float(v) for v in d0[3:13]], probs, rtol=1e-5)
    assert not list(tmp_path.glob(".out.csv.*.tmp"))  # the atomic writer left nothing behind


def test_batch_refuses_non_image_networks_and_cancel_stops_early(qtbot, tmp_path):
    doc = doc_for([{"type": "Input", "shape": [2]},
                   {"type": "Dense", "units": 2, "activation": "softmax"}])
    dialog = bc.BatchClassifyDialog(doc)
    qtbot.addWidget(dialog)
    assert not dialog.classify_folder(tmp_path) and "image network" in dialog.status.text()
    doc, _ = digits_doc()
    folder, _ = digit_folder(tmp_path)
    files = bc.image_files(folder)
    cancelled = threading.Event()
    cancelled.set()
    rows = bc.classify_files(doc.build_model(), folder, files, (1, 28, 28),
                             {"type": "image", "size": [28, 28], "channels": 1}, [], cancelled)
    assert len(rows) == 6 and not any(r.label or r.error for r in rows)


@pytest.mark.parametrize("fmt", ["onnx", "npz", "python"])
def test_each_export_reloads_to_the_same_outputs(tmp_path, fmt, messages, monkeypatch):
    doc, loaded = digits_doc()
    chosen = tmp_path / f"model_{fmt}"
    ed_ask = []

    def ask(parent, f, suggested):
        ed_ask.append(suggested)
        return str(chosen)

    monkeypatch.setattr(ed, "_ask_save", ask)
    result = ed.export_model(None, doc, fmt, data=loaded)
    assert result.ok and result.samples == 32, result.message
    assert result.max_difference <= 1e-5
    assert messages[-1][0] == "i" and "compared on 32 test samples" in messages[-1][1]
    assert "✓" in messages[-1][1]
    assert result.path.exists()
    if fmt == "python":
        assert (result.path / "predict.py").exists() and ed_ask == ["Digits_MLP_python"]


def test_a_failing_reload_is_reported(tmp_path, monkeypatch, messages):
    doc, loaded = digits_doc()
    real = ed._reload_outputs

    def off_by_a_bit(fmt, path, x):
        out, how = real(fmt, path, x)
        return out + 1e-3, how

    monkeypatch.setattr(ed, "_reload_outputs", off_by_a_bit)
    result = ed.export_model(None, doc, "npz", data=loaded, path=tmp_path / "m.npz")
    assert not result.ok and result.max_difference == pytest.approx(1e-3, rel=1e-3)
    assert messages[-1][0] == "c" and "does not reproduce" in messages[-1][1]
    broken = doc_for([{"type": "Input", "shape": [1, 3, 3]},
                      {"type": "Conv2D", "filters": 2, "kernel_size": 5}])
    assert not ed.export_model(None, broken, "onnx", path=tmp_path / "b.onnx").ok
    assert "fix them" in messages[-1][1]


def test_import_onnx_creates_the_network(tmp_path, messages):
    doc, loaded = digits_doc()
    path = tmp_path / "digits.onnx"
    assert ed.export_model(None, doc, "onnx", data=loaded, path=path).ok
    fresh = Document()
    result = ed.import_onnx_into(None, fresh, path)
    assert result.ok and len(fresh.spec.layers) == len(doc.spec.layers)
    xs = [fresh.position(n)[0] for n in fresh.spec.layers]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)  # laid out left to right
    x = digits_split()[1].test.x[:16]
    np.testing.assert_allclose(fresh.build_model().predict(x), doc.build_model().predict(x),
                               atol=1e-6)
    assert fresh.extra["imported_class_names"] == [str(k) for k in range(10)]
    assert not fresh.modified


def test_import_names_the_unsupported_operator(tmp_path, messages, monkeypatch):
    node = helper.make_node("Sin", ["input"], ["output"], name="wave")
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", 3])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    path = tmp_path / "sin.onnx"
    onnx.save(model, path)
    doc = Document()
    before = doc.spec.to_dict()
    result = ed.import_onnx_into(None, doc, path)
    assert not result.ok and messages[-1][0] == "c"
    assert "unsupported operator Sin" in messages[-1][1]
    assert doc.spec.to_dict() == before  # the document is untouched
    (tmp_path / "junk.onnx").write_bytes(b"\x00\x01garbage")
    assert not ed.import_onnx_into(None, doc, tmp_path / "junk.onnx").ok
    assert "not an ONNX model" in messages[-1][1]
    monkeypatch.setattr(ed, "_ask_open", lambda parent: None)
    assert ed.import_onnx_into(None, doc).cancelled
