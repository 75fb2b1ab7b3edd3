"""Lessons: each runs headlessly to its stated result (the perceptron calls XOR not separable,
a sigmoid hidden layer reaches 100 %, the largest learning rate diverges), and the Learn page
and guide load a lesson into the document and tick a step when its result is met."""

import pytest
from PySide6.QtWidgets import QHBoxLayout, QWidget

import engine
from nndesigner.document import Document
from nndesigner.teach import experiments as exp
from nndesigner.teach.learn_page import GuidePanel, LearnPage
from nndesigner.teach.lesson_checks import check
from nndesigner.teach.lessons import LessonState, lesson, list_lessons, perform, run_lesson

NAMES = ["step_neuron", "pixels", "learning_rate", "activations_losses", "digit"]


def test_the_required_lessons_exist():
    assert [item.name for item in list_lessons()] == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_lesson_runs_to_its_results(name):
    results = run_lesson(name)
    assert len(results) == len(lesson(name).steps)
    failed = [(r.title, r.detail) for r in results if not r.ok]
    assert not failed
    assert sum(r.checked for r in results) >= 3


def test_step_neuron_lesson_details():
    results = {r.title: r.detail for r in run_lesson("step_neuron")}
    assert "→ 1" in results["One neuron decides"] and "= 0.70" in results["One neuron decides"]
    assert results["… but never XOR"] == "training ended with 'not_separable'"
    assert results["A hidden layer of sigmoids solves XOR"].startswith("accuracy 100.0%")
    assert "gradient sizes step 0" in results["Side by side"]


def test_learning_rate_lesson_diverges_at_the_largest_rate():
    item = lesson("learning_rate")
    state = LessonState.start(item.make_setup())
    perform({"do": "tool", "tool": "learning_rate"}, state)
    runs = {run.lr: run for run in state.results["lr_sweep"]}
    assert runs[10.0].diverged and isinstance(runs[10.0].diverged_at, int)
    assert not runs[0.1].diverged and runs[0.1].losses[-1] < runs[0.001].losses[-1]
    ok, detail = check({"diverges_at": [10.0]}, state)
    assert ok and f"lr 10: diverged at epoch {runs[10.0].diverged_at}" in detail


def train_like_the_window(doc, setup):
    """What the lead's training does: train the document's network, store the weights."""
    model = doc.build_model()
    records = list(engine.fit(model, setup.x, setup.y, **doc.training.to_dict()))
    doc.set_weights(model.get_weights())
    return records[-1]


def test_guide_walks_through_a_lesson(qtbot, qapp):
    doc = Document()
    page = LearnPage()
    guide = GuidePanel(doc)
    for w in (page, guide):
        qtbot.addWidget(w)
    page.lesson_opened.connect(guide.set_lesson)
    setups, actions = [], []
    guide.setup_loaded.connect(setups.append)
    guide.action_requested.connect(actions.append)
    with qtbot.waitSignal(page.lesson_opened):
        page.list.setCurrentRow(0)
        page.open_current()
    assert doc.spec.name.startswith("Trip insurance") and len(setups) == 1
    assert actions[-1] == {"do": "inspect", "layer": "buys", "index": 0,
                           "sample": [1, 1, 0, 0, 0]}
    assert 0 in guide.met and "✓" in guide.step_title.text()
    guide.go(2)  # the perceptron learns AND
    assert list(doc.spec.layers) == ["inputs", "out"] and 2 not in guide.met
    assert guide.act.text() == "▶ Train"
    guide.do_action()
    assert actions[-1] == {"do": "train"}
    guide.observe(train_like_the_window(doc, setups[-1]))
    assert 2 in guide.met and "converged" in guide.status.text()
    guide.go(4)  # XOR
    guide.observe(train_like_the_window(doc, setups[-1]))
    assert 4 in guide.met
    guide.go(7)  # side by side: the tool window reports its results
    assert guide.tool is not None and 7 in guide.met
    guide.tool.close()


def test_tools_and_screenshots(qtbot, qapp):
    doc = Document()
    page = LearnPage()
    guide = GuidePanel(doc)
    shot = QWidget()
    row = QHBoxLayout(shot)
    row.addWidget(page, 3)
    row.addWidget(guide, 2)
    qtbot.addWidget(shot)
    shot.resize(1000, 520)
    page.list.setCurrentRow(2)
    guide.set_lesson(page.lessons[2])  # learning rate
    guide.observe(train_like_the_window(doc, guide.state.setup))
    shot.show()
    qtbot.waitExposed(shot)
    assert shot.grab().save("/tmp/teach_lesson.png")
    guide.go(1)
    tool = guide.tool
    assert "diverged at epoch" in tool.verdicts.text() and 1 in guide.met
    tool.resize(980, 460)
    qtbot.waitExposed(tool)
    assert tool.grab().save("/tmp/teach_lr.png")
    tool.close()
    guide.set_lesson(lesson("activations_losses"))
    assert 0 in guide.met
    guide.tool.grab().save("/tmp/teach_activations.png")
    guide.go(2)
    assert 2 in guide.met
    guide.go(3)
    assert 3 in guide.met  # uses the comparison's δ at a confidently wrong output
    guide.tool.resize(900, 420)
    guide.tool.grab().save("/tmp/teach_losses.png")
    guide.tool.close()


def test_experiments_are_the_engines():
    deltas = exp.output_deltas(0.01)
    assert deltas["binary_cross_entropy"] == pytest.approx(0.01 - 1)
    assert deltas["mse"] == pytest.approx(2 * (0.01 - 1) * 0.01 * 0.99)


def test_set_activation_action_is_one_undoable_edit(qtbot, qapp):
    from nndesigner.teach.lessons import Lesson, LessonStep

    item = Lesson("custom", "Custom", "", {"template": "xor", "data": {"truth_table": "xor"}},
                  (LessonStep("Start", "…"),
                   LessonStep("Switch", "…", ({"do": "set_activation", "layer": "hidden",
                                               "activation": "relu"},))))
    doc = Document()
    guide = GuidePanel(doc)
    qtbot.addWidget(guide)
    guide.set_lesson(item)
    guide.go(1)
    assert doc.spec.layers["hidden"].activation == "relu" and doc.undo_stack.count() == 1
    doc.undo_stack.undo()
    assert doc.spec.layers["hidden"].activation == "tanh"
    state = LessonState.start(item.make_setup())
    perform(item.steps[1].actions[0], state)
    assert state.model.node("hidden").activation.name == "relu"
