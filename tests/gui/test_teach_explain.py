"""The "?" texts: every concept explained, with the user's own network's numbers."""

import numpy as np

from nndesigner.document import Document
from nndesigner.project_io import load_template
from nndesigner.resources import template
from nndesigner.teach.explain import concepts, explain, network_numbers
from nndesigner.teach.pixel_grid import PixelGrid, PixelLesson

REQUIRED = ["neuron", "weight", "bias", "activation", "loss", "backpropagation",
            "gradient descent", "learning rate", "epoch", "batch", "overfitting"]


def test_every_concept_has_a_text():
    for concept in REQUIRED:
        assert concept in concepts()
        assert len(explain(concept)) > 60, concept
    assert explain("learning_rate") == explain("learning rate")
    assert explain("quantum").startswith("No explanation")


def test_texts_quote_the_network(qapp):
    doc = Document()
    load_template(doc, template("xor"))  # 2 → 4 tanh → 1 sigmoid
    numbers = network_numbers(doc, n_samples=200)
    assert "Your network has 12 weights and 5 biases" in explain("weight", numbers)
    assert "0.5" in explain("learning rate", numbers)
    assert "50 updates per epoch over 200 samples" in explain("batch", numbers)
    assert "output → hidden" in explain("backpropagation", numbers)
    assert "hidden tanh, output sigmoid" in explain("activation", numbers)


def test_pixel_grid_toggles_and_predicts(qtbot, qapp):
    grid = PixelGrid(7, 7)
    qtbot.addWidget(grid)
    with qtbot.waitSignal(grid.changed):
        grid.toggle(2, 3)
    assert grid.image()[2, 3] == 1 and grid.image().sum() == 1
    doc = Document()
    load_template(doc, template("smiley"))
    tool = PixelLesson(doc, ["smiley", "frowny"])
    qtbot.addWidget(tool)
    assert tool.grid.image().shape == (7, 7) and tool.grid.image().sum() > 0  # a smiley
    first = tool.prediction.text()
    assert "The network says" in first
    tool.grid.set_image(np.ones((7, 7)))
    assert tool.prediction.text() != first


def test_concepts_dialog_lists_every_concept_with_the_network_numbers(qtbot):
    from engine import NetworkSpec
    from nndesigner.document import Document
    from nndesigner.teach.concepts_dialog import ConceptsDialog
    from nndesigner.teach.explain import concepts

    doc = Document()
    doc.load(NetworkSpec.sequential([{"type": "Input", "shape": [2]},
                                     {"type": "Dense", "units": 3, "activation": "softmax"}]))
    dialog = ConceptsDialog(doc, concept="weight")
    qtbot.addWidget(dialog)
    assert dialog.list.count() == len(concepts()) >= 11
    assert "6 weights" in dialog.text.toPlainText()
