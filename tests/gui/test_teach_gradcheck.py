"""Check my gradients: a valid network "agrees", on the user's samples or random ones, and a
slow check runs in a thread while the panel says "checking…"."""

import numpy as np
import pytest

from engine import NetworkSpec
from engine.data import load_bundled
from nndesigner.document import Document
from nndesigner.project_io import load_template
from nndesigner.resources import template
from nndesigner.teach.gradient_check import GradientCheckPanel


@pytest.fixture
def xor_doc(qapp):
    doc = Document()
    load_template(doc, template("xor"))
    return doc


def texts(panel, col):
    return [panel.table.item(r, col).text() for r in range(panel.table.rowCount())]


def test_valid_network_agrees(qtbot, xor_doc):
    panel = GradientCheckPanel(xor_doc)
    qtbot.addWidget(panel)
    ds = load_bundled("xor")
    panel.set_data(ds.x, ds.y)
    with qtbot.waitSignal(panel.finished, timeout=10000):
        panel.check()
    assert [r.key for r in panel.results] == ["hidden/W", "hidden/b", "output/W", "output/b"]
    assert all(r.ok for r in panel.results)
    assert texts(panel, 3) == ["✓ agrees"] * 4
    assert panel.verdict.text().startswith("✓ Backpropagation agrees")
    xor_doc.set_weights({k: v * 2 for k, v in xor_doc.build_model().get_weights().items()})
    assert "check again" in panel.verdict.text()


def test_random_samples_and_a_thread(qtbot, qapp):
    spec = NetworkSpec.sequential([
        {"type": "Input", "shape": [1, 6, 6]},
        {"type": "Conv2D", "filters": 2, "kernel_size": 3, "activation": "tanh"},
        {"type": "Flatten"},
        {"type": "Dense", "units": 3, "activation": "softmax"},
    ])
    doc = Document()
    doc.load(spec)
    panel = GradientCheckPanel(doc)
    qtbot.addWidget(panel)
    panel.thread_seconds = 0.0  # force the threaded path
    with qtbot.waitSignal(panel.finished, timeout=20000):
        panel.check()
        assert panel.running and not panel.button.isEnabled() and panel.busy.isVisibleTo(panel)
    qtbot.waitUntil(lambda: not panel.running, timeout=5000)
    assert all(r.ok for r in panel.results) and panel.button.isEnabled()
    assert np.all([t == "✓ agrees" for t in texts(panel, 3)])
