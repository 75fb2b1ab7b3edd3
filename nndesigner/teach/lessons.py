"""Lessons: a network, a data set and a few steps, each with an optional action and an
expected result that can be checked — in the window (the guide) or headlessly (tests).

A lesson file (``resources/lessons/<name>.json``)::

    {"name": "step_neuron", "title": "…", "description": "…", "order": 0,
     "setup": {"template": "trip_insurance",            # or "network": {spec dict}
               "data": {"bundled": "trip_insurance"},   # or {"truth_table": "and"}
               "weights": {"buys/W": [[0.3, 0.4, 0.3, 0.2, -0.6]]},   # optional
               "training": {"epochs": 100}},            # optional overrides
     "steps": [{"title": "…", "text": "…",
                "action": {"do": "train"},              # optional; or a list of actions
                "expect": {"event": "converged"}}]}     # optional

Actions (``"do"``): ``load`` (the keys of ``setup``; missing ones are kept), ``train``
(optional ``training`` overrides), ``set_activation`` (``layer``, ``activation``), ``inspect``
(``layer``, ``index``, optional ``sample``), ``step_through`` (optional ``sample``) and
``tool`` (``tool``: step_vs_sigmoid, pixel_grid, learning_rate, activations, losses,
draw_digit). Expectations are listed in :mod:`nndesigner.teach.lesson_checks`.

    for result in run_lesson("step_neuron"):    # headless: trains, checks every step
        print(result.title, result.ok, result.detail)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from engine import Model, NetworkSpec, TrainingConfig
from engine.data import load_bundled

from ..resources import RESOURCES, template
from . import experiments as exp
from .lesson_checks import check
from .tool_results import tool_results

LESSONS = RESOURCES / "lessons"
DATA_KEYS = ("template", "network", "data", "weights", "training")


@dataclass(frozen=True)
class LessonStep:
    title: str
    text: str
    actions: tuple[dict[str, Any], ...] = ()
    expect: dict[str, Any] | None = None

    @property
    def loads(self) -> dict[str, Any] | None:
        """The ``load`` action of this step, if it has one."""
        return next((a for a in self.actions if a.get("do") == "load"), None)

    def action(self, kind: str) -> dict[str, Any] | None:
        return next((a for a in self.actions if a.get("do") == kind), None)


@dataclass(frozen=True)
class Lesson:
    name: str
    title: str
    description: str
    setup: dict[str, Any]
    steps: tuple[LessonStep, ...]
    order: int = 0

    def make_setup(self) -> LessonSetup:
        return make_setup(self.setup)


@dataclass
class LessonSetup:
    """What to load into the window: a network, its training settings, optional starting
    weights, and the data (arrays, plus a data reference for bundled sets)."""

    spec: NetworkSpec
    training: TrainingConfig
    weights: dict[str, np.ndarray] | None
    x: np.ndarray
    y: np.ndarray
    class_names: list[str] | None
    data_ref: dict[str, Any] | None  # {"name", "source"} as in templates; None: inline data
    raw: dict[str, Any] = field(default_factory=dict)

    def model(self) -> Model:
        """A fresh model: the training seed's weights, overridden by the setup's weights."""
        m = Model(self.spec, seed=self.training.seed)
        if self.weights:
            m.set_weights(self.weights, strict=False)
        return m


@dataclass(frozen=True)
class StepResult:
    index: int
    title: str
    checked: bool  # False: the step has no expected result
    ok: bool
    detail: str


def _step(raw: dict[str, Any]) -> LessonStep:
    action = raw.get("action")
    actions = tuple(action if isinstance(action, list) else [action] if action else [])
    return LessonStep(raw["title"], raw["text"], actions, raw.get("expect"))


def _lesson(raw: dict[str, Any]) -> Lesson:
    return Lesson(raw["name"], raw["title"], raw["description"], raw["setup"],
                  tuple(_step(s) for s in raw["steps"]), raw.get("order", 0))


def list_lessons() -> list[Lesson]:
    lessons = [_lesson(json.loads(p.read_text(encoding="utf-8")))
               for p in LESSONS.glob("*.json")]
    return sorted(lessons, key=lambda lesson: (lesson.order, lesson.name))


def lesson(name: str) -> Lesson:
    for item in list_lessons():
        if item.name == name:
            return item
    known = ", ".join(item.name for item in list_lessons())
    raise KeyError(f"unknown lesson '{name}' (known: {known})")


def load_data(raw: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, list[str] | None,
                                            dict[str, Any] | None]:
    """(x, y, class names, data reference) for a lesson's ``data`` entry."""
    if "truth_table" in raw:
        y = np.array(exp.TRUTH_TABLES[raw["truth_table"]], dtype=np.int64)
        return exp.TRUTH_X.copy(), y, ["0", "1"], None
    if "inline" in raw:
        inline = raw["inline"]
        return (np.asarray(inline["x"], dtype=np.float32), np.asarray(inline["y"]),
                raw.get("class_names"), None)
    name, params, seed = raw["bundled"], raw.get("params", {}), raw.get("seed", 0)
    ds = load_bundled(name, seed=seed, **params)
    ref = {"name": name, "source": {"type": "bundled", "name": name, "params": dict(params),
                                    "seed": seed}}
    return ds.x, ds.y, list(ds.class_names) if ds.class_names else None, ref


def make_setup(raw: dict[str, Any], base: LessonSetup | None = None) -> LessonSetup:
    """A setup from a lesson's ``setup`` or a ``load`` action; keys it leaves out are taken
    from ``base`` (a new network keeps the data, new data keeps the network)."""
    merged = dict(base.raw) if base else {}
    if "template" in raw or "network" in raw:
        for key in ("template", "network", "weights", "training"):
            merged.pop(key, None)  # a new network starts fresh
    merged.update({k: v for k, v in raw.items() if k in DATA_KEYS})
    tpl = template(merged["template"]) if merged.get("template") else None
    spec = NetworkSpec.from_dict(merged["network"]) if merged.get("network") else tpl.spec()
    training = tpl.training_config() if tpl else TrainingConfig()
    if merged.get("training"):
        training = replace(training, **merged["training"])
        training.validate()
    weights = None
    if merged.get("weights"):
        weights = {k: np.asarray(v, dtype=np.float32) for k, v in merged["weights"].items()}
    if base is not None and "data" not in raw:
        x, y, names, ref = base.x, base.y, base.class_names, base.data_ref
    else:
        data = merged.get("data") or (tpl.data["source"] if tpl else None)
        if data is None:
            raise ValueError("a lesson needs data")
        if data.get("type") == "bundled":  # a template's data reference
            data = {"bundled": data["name"], "params": data.get("params", {}),
                    "seed": data.get("seed", 0)}
        x, y, names, ref = load_data(data)
    return LessonSetup(spec, training, weights, x, y, names, ref, merged)


@dataclass
class LessonState:
    """Where a lesson is: the current setup and model, the last training's outcome and the
    results of inspections and tools (what the expectations are checked against)."""

    setup: LessonSetup
    model: Model
    event: str = ""
    message: str = ""
    results: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def start(cls, setup: LessonSetup) -> LessonState:
        return cls(setup, setup.model())


def perform(action: dict[str, Any], state: LessonState) -> None:
    """Carry out one action without a GUI, updating ``state``."""
    kind = action.get("do")
    if kind == "load":
        state.setup = make_setup(action, state.setup)
        state.model, state.event, state.message = state.setup.model(), "", ""
    elif kind == "train":
        s = state.setup
        config = replace(s.training, **action.get("training", {}))
        run = exp.train(s.spec, s.x, s.y, config, weights=state.model.get_weights())
        state.model, state.event, state.message = run.model, run.event, run.message
        state.results["run"] = run
    elif kind == "set_activation":
        weights = state.model.get_weights()
        spec = state.setup.spec.copy()
        spec.set_params(action["layer"], activation=action["activation"])
        state.setup.spec = spec
        state.model = Model(spec, seed=state.setup.training.seed)
        state.model.set_weights(weights, strict=False)
    elif kind in ("inspect", "step_through", "tool"):
        state.results.update(tool_results(action, state))
    else:
        raise ValueError(f"unknown lesson action {kind!r}")


class LessonRunner:
    """Runs a lesson's actions and checks headlessly: ``run_lesson(name)``."""

    def run_lesson(self, name: str | Lesson) -> list[StepResult]:
        item = name if isinstance(name, Lesson) else lesson(name)
        state = LessonState.start(item.make_setup())
        results = []
        for i, step in enumerate(item.steps):
            for action in step.actions:
                perform(action, state)
            if step.expect:
                ok, detail = check(step.expect, state)
                results.append(StepResult(i, step.title, True, ok, detail))
            else:
                results.append(StepResult(i, step.title, False, True, "nothing to check"))
        return results


def run_lesson(name: str | Lesson) -> list[StepResult]:
    return LessonRunner().run_lesson(name)
