"""The Evaluate panel: metrics checked against scikit-learn, confusion-matrix cells list exactly
their samples, the misclassified browser, regression, the worker thread, another data set."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from sklearn.metrics import accuracy_score, precision_recall_fscore_support

import engine
from engine.data import load_bundled, split
from engine.metrics import predicted_classes
from nndesigner.panels import evaluate as ev_mod
from nndesigner.panels.data_panel import LoadedData

from .use_helpers import digit_png, digits_doc, digits_split, doc_for


@pytest.fixture(autouse=True)
def no_message_boxes(monkeypatch):
    for name in ("critical", "warning", "information", "question"):
        monkeypatch.setattr(QMessageBox, name, lambda *a, **k: pytest.fail("message box"))


def make_panel(qtbot, doc, loaded):
    panel = ev_mod.EvaluatePanel(doc)
    qtbot.addWidget(panel)
    panel.resize(900, 700)
    panel.show()
    qtbot.waitExposed(panel)
    panel.set_data(loaded)
    return panel


@pytest.fixture
def digits_panel(qtbot):
    doc, loaded = digits_doc()
    return make_panel(qtbot, doc, loaded), doc, loaded


def test_metrics_match_scikit_learn(digits_panel):
    panel, doc, loaded = digits_panel
    assert panel.choice.currentData() == "test"
    assert panel.choice.currentText() == f"test split ({len(loaded.split.test)})"
    with_signal = []
    panel.evaluated.connect(with_signal.append)
    panel.run_button.click()
    result = with_signal[0]
    test = loaded.split.test
    out = doc.build_model().predict(test.x)
    pred = out.argmax(axis=1)
    assert result.accuracy == pytest.approx(accuracy_score(test.y, pred))
    assert f"Accuracy {100 * result.accuracy:.1f} %" in panel.headline.text()
    p, r, f, s = precision_recall_fscore_support(test.y, pred, labels=range(10), zero_division=0)
    for k in range(10):
        name, prec, rec, f1, support = panel.scores.row_values(k)
        assert name == str(k) and int(support) == s[k]
        assert (float(prec), float(rec), float(f1)) == pytest.approx((p[k], r[k], f[k]),
                                                                    abs=5e-4)
    np.testing.assert_array_equal(panel.matrix.matrix(),
                                  engine.confusion_matrix(test.y, pred, 10))
    assert result.loss == pytest.approx(doc.build_model().evaluate(test.x, test.y)["loss"])


def test_clicking_a_cell_lists_exactly_its_samples(digits_panel, qtbot):
    panel, doc, loaded = digits_panel
    panel.evaluate()
    test = loaded.split.test
    out = doc.build_model().predict(test.x)
    pred, conf = out.argmax(axis=1), out.max(axis=1)
    cm = panel.matrix.matrix()
    off = np.argwhere(cm - np.diag(np.diag(cm)) > 0)
    t, p = (int(v) for v in off[np.argmax([cm[i, j] for i, j in off])])  # the worst confusion
    QApplication.processEvents()
    with qtbot.waitSignal(panel.matrix.cell_clicked) as clicked:
        qtbot.mouseClick(panel.matrix.view.viewport(), Qt.MouseButton.LeftButton,
                         pos=panel.matrix.cell_center(t, p))
    assert clicked.args == [t, p] and panel.matrix.selected == (t, p)
    expected = np.flatnonzero((test.y == t) & (pred == p))
    listed = panel.cell_list.indices
    assert sorted(listed) == sorted(expected.tolist()) and len(listed) == cm[t, p]
    assert [conf[i] for i in listed] == sorted((conf[i] for i in listed), reverse=True)
    assert panel.samples.tabText(0) == f"True {t} → predicted {p} ({cm[t, p]})"
    assert panel.cell_list.count() == len(listed)  # one thumbnail each
    # a diagonal cell: the right answers of that class
    panel.matrix.select(t, t)
    assert sorted(panel.cell_list.indices) == np.flatnonzero((test.y == t) & (pred == t)).tolist()
    QApplication.processEvents()
    panel.grab().save("/tmp/use_evaluate.png")


def test_misclassified_browser_sorted_by_confidence_of_the_wrong_answer(digits_panel):
    panel, doc, loaded = digits_panel
    panel.evaluate()
    test = loaded.split.test
    out = doc.build_model().predict(test.x)
    pred = out.argmax(axis=1)
    wrong = panel.wrong_list.indices
    assert sorted(wrong) == np.flatnonzero(pred != test.y).tolist()
    conf = out[wrong, pred[wrong]]
    assert np.all(np.diff(conf) <= 0)
    assert panel.samples.tabText(1) == f"Misclassified ({len(wrong)})"
    first = panel.wrong_list.item(0)
    assert first.data(Qt.ItemDataRole.UserRole) == wrong[0]
    assert f"→{pred[wrong[0]]}" in first.text()


def test_regression_shows_scores_and_a_scatter(qtbot):
    ds = load_bundled("sine", n_samples=300)
    sp = split(ds, seed=0)
    doc = doc_for([{"type": "Input", "shape": [1]},
                   {"type": "Dense", "units": 16, "activation": "tanh"},
                   {"type": "Dense", "units": 1}], loss="mse", data={"reference": ds.to_dict()})
    model = doc.build_model()
    for _ in engine.fit(model, sp.train.x, sp.train.y, epochs=30, optimizer="adam", lr=0.01):
        pass
    doc.set_weights(model.get_weights())
    panel = make_panel(qtbot, doc, LoadedData(ds, sp, ds.summary()))
    panel.evaluate()
    assert panel.pages.currentIndex() == 1
    scores = engine.regression_scores(model.predict(sp.test.x), sp.test.y)
    assert f"R² {scores['r2']:.3f}" in panel.headline.text()
    x, _y = panel.points.getData()
    assert len(x) == len(sp.test) and np.allclose(np.sort(x), np.sort(sp.test.y[:, 0]))


def test_large_sets_are_evaluated_in_a_thread(digits_panel, qtbot, monkeypatch):
    panel, doc, loaded = digits_panel
    monkeypatch.setattr(ev_mod, "THREAD_ABOVE", 10)
    panel.choice.setCurrentIndex(2)  # training split
    with qtbot.waitSignal(panel.evaluated, timeout=10000) as done:
        panel.evaluate()
        assert panel._job is not None and not panel.run_button.isEnabled()
    qtbot.waitUntil(lambda: panel._job is None)
    train = loaded.split.train
    pred = predicted_classes(doc.build_model().predict(train.x))
    assert done.args[0].accuracy == pytest.approx(np.mean(pred == train.y))
    assert "training split" in panel.headline.text() and panel.run_button.isEnabled()


def test_another_data_set_an_image_folder(digits_panel, qtbot, tmp_path):
    panel, _doc, _loaded = digits_panel
    _, sp = digits_split()
    labels = {}
    for i in range(12):
        label = int(sp.test.y[i])
        folder = tmp_path / str(label)
        folder.mkdir(exist_ok=True)
        labels[f"{label}/{i}.png"] = label
        digit_png(folder / f"{i}.png", index=i, dark_on_light=i % 2 == 0)
    panel._ask_data_path = lambda: str(tmp_path)
    panel.choice.setCurrentIndex(3)
    with qtbot.waitSignal(panel.evaluated, timeout=10000) as done:
        panel._on_choice()
    result = done.args[0]
    assert result.n == 12 and result.label == tmp_path.name
    assert [labels[s] for s in result.dataset.sample_ids] == result.y.tolist()  # by class name
    assert result.accuracy >= 0.75  # centred and inverted as training was
    qtbot.waitUntil(lambda: panel._job is None)


def test_a_mismatched_data_set_says_why(qtbot):
    ds = load_bundled("moons", n_samples=100)
    doc = doc_for([{"type": "Input", "shape": [2]},
                   {"type": "Dense", "units": 3, "activation": "softmax"}])
    bad = load_bundled("sine", n_samples=100)
    panel = make_panel(qtbot, doc, LoadedData(bad, split(bad, seed=0), bad.summary()))
    with qtbot.waitSignal(panel.failed) as failed:
        panel.evaluate()
    assert "regression" in failed.args[0] and "regression" in panel.status.text()
    panel.set_data(LoadedData(ds, split(ds, seed=0), ds.summary()))
    panel.evaluate()
    assert panel.result is not None and panel.matrix.matrix().shape == (3, 3)


def test_in_a_short_dock_the_matrix_keeps_readable_cells_and_the_rest_fits(qtbot):
    """The bottom dock of a 768-px window is about 220 px tall: the panel fills it, scrolls
    only as far as the matrix's readable minimum needs, and never grows to the plots'
    preferred heights (a word-wrapped label used to make it 780 px tall)."""
    from nndesigner.plots.confusion import CELL_PX
    from nndesigner.scrolling import scrollable

    doc, loaded = digits_doc()
    panel = ev_mod.EvaluatePanel(doc)
    area = scrollable(panel)
    qtbot.addWidget(area)
    area.resize(1300, 220)
    area.show()
    qtbot.waitExposed(area)
    panel.set_data(loaded)
    panel.run_button.click()
    qtbot.waitUntil(lambda: panel.matrix.matrix().sum() > 0, timeout=5000)
    QApplication.processEvents()
    assert panel.matrix.view.height() >= CELL_PX * 12  # 10 classes and the labels
    assert panel.height() <= panel.minimumSizeHint().height() + 2
    area.resize(1300, 900)  # a tall dock: no scrolling, the panel fills it
    QApplication.processEvents()
    assert panel.height() == area.viewport().height()
