"""Document + commands: every edit is undoable and redo gives the same network back."""

import pytest

from engine import NetworkSpec, SpecError
from nndesigner import commands as cmd
from nndesigner.document import Document


@pytest.fixture
def doc(qapp):
    d = Document()
    spec = NetworkSpec.sequential(
        [{"type": "Input", "shape": [4]},
         {"type": "Dense", "units": 8, "activation": "relu"},
         {"type": "Dense", "units": 3, "activation": "softmax"}])
    d.load(spec, {"input": (0, 0), "dense_1": (200, 0), "dense_2": (400, 0)})
    return d


def snapshot(d):
    return d.spec.to_dict(), dict(d.positions)


def test_each_command_undoes_and_redoes(doc):
    before = snapshot(doc)
    stack = doc.undo_stack
    stack.push(cmd.AddLayerCommand(doc, "Dropout", (300, 100), {"rate": 0.2}, ["dense_1"]))
    stack.push(cmd.SetParamsCommand(doc, "dense_1", {"units": 16, "activation": "tanh"}))
    stack.push(cmd.ConnectCommand(doc, "input", "dropout_1"))
    stack.push(cmd.DisconnectCommand(doc, "dense_1", "dense_2"))
    stack.push(cmd.RenameLayerCommand(doc, "dense_2", "output"))
    stack.push(cmd.SetLossCommand(doc, "mse"))
    stack.push(cmd.MoveLayersCommand(doc, {"input": ((0, 0), (10, 20))}))
    stack.push(cmd.RemoveLayersCommand(doc, ["dense_1", "input"]))
    after = snapshot(doc)
    assert "dense_1" not in doc.spec.layers and doc.spec.loss == "mse"
    while stack.canUndo():
        stack.undo()
    assert snapshot(doc) == before
    while stack.canRedo():
        stack.redo()
    assert snapshot(doc) == after


def test_remove_restores_order_of_inputs_and_outgoing_edges(doc):
    spec = doc.spec
    doc.undo_stack.push(cmd.AddLayerCommand(doc, "Dense", (0, 0), {"units": 8}, ["input"],
                                            name="side"))
    doc.undo_stack.push(cmd.AddLayerCommand(doc, "Concat", (0, 0), {}, ["side", "dense_1"],
                                            name="cat"))
    before = snapshot(doc)
    doc.undo_stack.push(cmd.RemoveLayersCommand(doc, ["side", "dense_1"]))
    assert spec.layers["cat"].inputs == []
    doc.undo_stack.undo()
    assert snapshot(doc) == before
    assert doc.spec.layers["cat"].inputs == ["side", "dense_1"]


def test_impossible_edits_raise_before_entering_the_stack(doc):
    count = doc.undo_stack.count()
    with pytest.raises(SpecError, match="units"):
        cmd.SetParamsCommand(doc, "dense_1", {"units": 0})
    with pytest.raises(SpecError, match="Input"):
        cmd.ConnectCommand(doc, "dense_1", "input")
    with pytest.raises(SpecError, match="already exists"):
        cmd.RenameLayerCommand(doc, "dense_1", "dense_2")
    assert doc.undo_stack.count() == count


def test_shape_mismatch_is_allowed_and_reported(doc):
    doc.undo_stack.push(cmd.AddLayerCommand(doc, "Conv2D", (0, 0), {}, ["dense_1"]))
    problems = [p for p in doc.analysis.errors if p.layer == "conv2d_1"]
    assert problems and "image" in problems[0].message


def test_moves_merge_into_one_undo_step(doc):
    stack = doc.undo_stack
    for x in (10, 20, 30):
        stack.push(cmd.MoveLayersCommand(doc, {"input": (doc.position("input"), (x, 0))}))
    assert stack.count() == 1
    stack.undo()
    assert doc.position("input") == (0, 0)


def test_paste_renames_and_keeps_internal_edges(doc):
    layers = [doc.spec.layers[n].to_dict() for n in ("dense_1", "dense_2")]
    doc.undo_stack.push(cmd.PasteCommand(doc, layers, dict(doc.positions), (30, 30)))
    assert doc.spec.layers["dense_2_2"].inputs == ["dense_1_2"]
    assert doc.spec.layers["dense_1_2"].inputs == []  # 'input' was not copied
    assert doc.position("dense_1_2") == (230, 30)
    doc.undo_stack.undo()
    assert "dense_1_2" not in doc.spec.layers


def test_signals_and_revalidation(doc, qtbot):
    with qtbot.waitSignals([doc.layer_added, doc.edge_added, doc.analysis_changed]):
        doc.undo_stack.push(cmd.AddLayerCommand(doc, "Dense", (0, 0), {"units": 2},
                                                ["dense_2"]))
    assert [p.code for p in doc.analysis.errors] == ["loss_activation"]
    assert doc.modified
