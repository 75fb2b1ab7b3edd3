"""The Learn page (the lessons, each with a description) and the guide that walks through one.

    page = LearnPage()
    page.lesson_opened.connect(guide.set_lesson)       # and show the guide's dock
    guide = GuidePanel(doc)
    guide.setup_loaded.connect(on_setup)               # doc already loaded: give the trainer
                                                       # setup.x, setup.y (inline data)
    guide.action_requested.connect(on_action)          # {"do": "train"}, {"do": "inspect",
                                                       # "layer", "index", "sample"},
                                                       # {"do": "step_through", "sample"}
    controller.run_finished.connect(guide.observe)     # Progress: the final event
    controller.failed.connect(guide.observe_failed)

The guide loads each step's network and data into the document itself (:func:`apply_setup`),
opens the step's tool window, and shows a check mark when the step's expected result is met
(checked by :mod:`.lesson_checks` against the document's current network).
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engine import EngineError

from ..canvas.layout import layered_layout
from ..commands import SetParamsCommand
from ..document import Document
from .lesson_checks import check, describe
from .lessons import Lesson, LessonSetup, LessonState, LessonStep, list_lessons, make_setup
from .tool_results import tool_results

DONE = "#2e7d32"  # green check mark
BUTTONS = {"train": "▶ Train", "inspect": "Show in the Inspector",
           "step_through": "Step through this sample", "tool": "Open the tool again"}


def apply_setup(doc: Document, setup: LessonSetup) -> None:
    """Load a lesson setup into the document (network, layout, weights, training, data)."""
    doc.load(setup.spec, positions=layered_layout(setup.spec), weights=setup.weights,
             training=setup.training, data=setup.data_ref or {})


class LearnPage(QWidget):
    """The lessons with their descriptions; "Start" emits ``lesson_opened(Lesson)``."""

    lesson_opened = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lessons = list_lessons()
        self.list = QListWidget()
        for i, lesson in enumerate(self.lessons, start=1):
            item = QListWidgetItem(f"{i}. {lesson.title}\n     {len(lesson.steps)} steps")
            item.setToolTip(lesson.description)
            self.list.addItem(item)
        self.list.setMaximumWidth(280)
        self.list.setSpacing(3)
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 15pt; font-weight: bold")
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.steps = QLabel()
        self.steps.setWordWrap(True)
        self.start = QPushButton("Start this lesson")
        self.start.clicked.connect(self.open_current)
        self.list.currentRowChanged.connect(self._show)
        self.list.itemActivated.connect(lambda _: self.open_current())
        intro = QLabel("<b>Learn</b> — short lessons that load a network into the window and "
                       "guide you step by step. Every number is the real network's.")
        intro.setWordWrap(True)
        right = QVBoxLayout()
        right.addWidget(self.title)
        right.addWidget(self.description)
        right.addWidget(self.steps)
        right.addWidget(self.start, 0, Qt.AlignmentFlag.AlignLeft)
        right.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.list)
        row.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(row, 1)
        if self.lessons:
            self.list.setCurrentRow(0)

    def _show(self, row: int) -> None:
        if not 0 <= row < len(self.lessons):
            return
        lesson = self.lessons[row]
        self.title.setText(lesson.title)
        self.description.setText(lesson.description)
        self.steps.setText("<ol>" + "".join(f"<li>{s.title}</li>" for s in lesson.steps)
                           + "</ol>")

    def open_current(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.lessons):
            self.lesson_opened.emit(self.lessons[row])


class GuidePanel(QWidget):
    """A small step-by-step guide for one lesson; see the module docstring."""

    setup_loaded = Signal(object)  # LessonSetup, already in the document
    action_requested = Signal(dict)
    tool_opened = Signal(object)  # the tool widget (shown in its own window)
    step_checked = Signal(int, bool)

    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.lesson: Lesson | None = None
        self.state: LessonState | None = None
        self.index = 0
        self.met: set[int] = set()
        self.detail = ""
        self.tool: QWidget | None = None

        self.heading = QLabel("Choose a lesson on the Learn page.")
        self.heading.setWordWrap(True)
        self.step_title = QLabel()
        self.step_title.setWordWrap(True)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.act = QPushButton()
        self.act.clicked.connect(self.do_action)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.progress = QLabel()
        self.progress.setToolTip("The lesson's steps: ✓ when a step's result was reached")
        self.back = QPushButton("◂ Back")
        self.next = QPushButton("Next ▸")
        self.back.clicked.connect(lambda: self.go(self.index - 1))
        self.next.clicked.connect(lambda: self.go(self.index + 1))
        nav = QHBoxLayout()
        nav.addWidget(self.back)
        nav.addStretch(1)
        nav.addWidget(self.next)
        layout = QVBoxLayout(self)
        for w in (self.heading, self.step_title, self.text, self.act, self.status):
            layout.addWidget(w)
        layout.addStretch(1)
        layout.addWidget(self.progress)
        layout.addLayout(nav)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(400)  # weights arrive ~10× a second while training
        self._timer.timeout.connect(self.check_now)
        doc.weights_changed.connect(self._timer.start)
        self._render()

    # -- public API ------------------------------------------------------------------------

    @property
    def step(self) -> LessonStep | None:
        return self.lesson.steps[self.index] if self.lesson else None

    def set_lesson(self, lesson: Lesson) -> None:
        self.lesson, self.index, self.met = lesson, 0, set()
        setup = lesson.make_setup()
        self.state = LessonState.start(setup)
        self._load(setup)
        self._enter()

    def go(self, index: int) -> None:
        if self.lesson is None or not 0 <= index < len(self.lesson.steps):
            return
        self.index = index
        self._enter()

    def observe(self, record: Any) -> None:
        """A training run ended (``Progress``; its ``event`` is checked)."""
        if self.state is not None:
            self.state.event = getattr(record, "event", "") or ""
            self.state.message = getattr(record, "message", "") or ""
            self.check_now()

    def observe_failed(self, message: str) -> None:
        if self.state is not None:
            self.state.event, self.state.message = "diverged", message
            self.check_now()

    def report(self, results: dict[str, Any]) -> None:
        """Results from a tool window (the keys of :func:`.tool_results.tool_results`)."""
        if self.state is not None:
            self.state.results.update(results)
            self.check_now()

    def do_action(self) -> None:
        """The step's main action again (train, inspect, step through, open the tool)."""
        step = self.step
        if step is None:
            return
        for action in step.actions:
            kind = action.get("do")
            if kind == "train":
                self.action_requested.emit(dict(action))
            elif kind in ("inspect", "step_through"):
                self._computed(action)
                self.action_requested.emit(self._with_sample(action))
            elif kind == "tool":
                self._open_tool(action)

    def check_now(self) -> bool:
        """Check the current step's expected result against the document's network."""
        step, state = self.step, self.state
        if step is None or state is None or not step.expect:
            self._render()
            return False
        try:
            if self.doc.analysis.ok:
                state.model = self.doc.build_model()
            ok, self.detail = check(step.expect, state)
        except (EngineError, ValueError) as exc:
            ok, self.detail = False, str(exc)
        if ok:
            self.met.add(self.index)
        self.step_checked.emit(self.index, ok)
        self._render()
        return ok

    # -- internals -------------------------------------------------------------------------

    def _load(self, setup: LessonSetup) -> None:
        self.state.setup = setup
        self.state.event = ""
        apply_setup(self.doc, setup)
        self.setup_loaded.emit(setup)

    def _enter(self) -> None:
        step = self.step
        self.detail = ""
        if self.state is not None:
            self.state.event = ""  # a step's "event" means this step's training
        for action in step.actions:
            kind = action.get("do")
            if kind == "load":
                self._load(make_setup(action, self.state.setup))
            elif kind == "set_activation":
                self.doc.undo_stack.push(SetParamsCommand(
                    self.doc, action["layer"], {"activation": action["activation"]}))
            elif kind in ("inspect", "step_through"):
                self._computed(action)
                self.action_requested.emit(self._with_sample(action))
            elif kind == "tool":
                self._open_tool(action)
        self.check_now()

    def _with_sample(self, action: dict[str, Any]) -> dict[str, Any]:
        """The action with its sample as numbers (the lead shows that very sample)."""
        out = dict(action)
        if action.get("do") == "inspect" and out.get("sample") is None:
            out["sample"] = self.state.setup.x[0].tolist()
        return out

    def _computed(self, action: dict[str, Any]) -> None:
        try:
            self.state.model = self.doc.build_model()
            self.state.results.update(tool_results(action, self.state))
        except (EngineError, ValueError, KeyError, IndexError) as exc:
            self.detail = str(exc)

    def _open_tool(self, action: dict[str, Any]) -> None:
        from .tools import make_tool

        if self.tool is not None:
            self.tool.close()
            self.tool.deleteLater()
        self.tool = make_tool(action, self.doc, self.state.setup)
        self.tool.results_ready.connect(self.report)
        self.tool.setWindowTitle(f"{self.lesson.title} — {self.step.title}")
        self.tool.setWindowFlag(Qt.WindowType.Tool, True)
        self.tool.resize(820, 440)
        self.tool_opened.emit(self.tool)
        if self.tool.parent() is None:
            self.tool.show()
        self.tool.run()

    def _render(self) -> None:
        if self.lesson is None:
            for w in (self.step_title, self.text, self.act, self.status, self.back, self.next,
                      self.progress):
                w.setVisible(False)
            return
        step = self.step
        n = len(self.lesson.steps)
        for w in (self.step_title, self.text, self.status, self.back, self.next, self.progress):
            w.setVisible(True)
        self.heading.setText(f"<b>{self.lesson.title}</b> · step {self.index + 1} of {n}")
        mark = f" <span style='color:{DONE}'>✓</span>" if self.index in self.met else ""
        self.step_title.setText(f"<b>{step.title}</b>{mark}")
        self.text.setText(step.text)
        kinds = [a.get("do") for a in step.actions if a.get("do") in BUTTONS]
        self.act.setVisible(bool(kinds))
        if kinds:
            self.act.setText(BUTTONS[kinds[-1]])
        if not step.expect:
            self.status.setText("")
        elif self.index in self.met:
            self.status.setText(f"<span style='color:{DONE}'>✓ Done:</span> "
                                f"{html.escape(self.detail)}")
        else:
            now = f"<br><i>Now:</i> {html.escape(self.detail)}" if self.detail else ""
            self.status.setText(f"<b>Goal:</b> {html.escape(describe(step.expect))}{now}")
        marks = []
        for i, s in enumerate(self.lesson.steps):
            tick = f"<span style='color:{DONE}'>✓</span>" if i in self.met else "&nbsp;&nbsp;"
            name = f"<b>{html.escape(s.title)}</b>" if i == self.index else html.escape(s.title)
            marks.append(f"{tick} {i + 1}. {name}")
        self.progress.setText("<br>".join(marks))
        self.back.setEnabled(self.index > 0)
        self.next.setEnabled(self.index < n - 1)
