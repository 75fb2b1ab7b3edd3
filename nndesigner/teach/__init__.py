"""Teaching views: see one neuron's numbers, step through a sample's forward and backward
pass, watch gradient health, check the gradients, and follow lessons.

=====================  ======================================================================
``NeuronInspector``    one neuron for one sample: inputs, weights, bias, z and f(z) written out
``StepThrough``        forward ▸ / loss / backward ◂ / apply update / step back, with numbers
``GradientHealth``     vanishing / exploding gradients, saturation, dead ReLUs (``diagnose``)
``GradientCheckPanel`` "check my gradients": finite differences against backpropagation
``LearnPage``          the lessons; ``GuidePanel`` walks through one, step by step
``explain``            the "?" texts, optionally with the user's network's numbers
=====================  ======================================================================

Qt widgets are imported lazily, so ``nndesigner.teach.lessons`` and the other pure modules
(``formulas``, ``experiments``, ``lesson_checks``, ``explain``) work without a QApplication.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_WHERE = {
    "NeuronInspector": "inspector", "StepThrough": "step_through",
    "GradientHealth": "gradient_health", "diagnose": "gradient_health",
    "Diagnosis": "gradient_health", "GradientCheckPanel": "gradient_check",
    "LearnPage": "learn_page", "GuidePanel": "learn_page", "apply_setup": "learn_page",
    "PixelGrid": "pixel_grid", "Lesson": "lessons", "LessonRunner": "lessons",
    "run_lesson": "lessons", "list_lessons": "lessons", "explain": "explain",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(name)
