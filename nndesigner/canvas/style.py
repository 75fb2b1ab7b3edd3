"""The canvas's visual language: one colour per layer category, one diverging scale for
weights everywhere (orange negative, light grey near zero, blue positive — as TensorFlow
Playground), red only for problems."""

from __future__ import annotations

from PySide6.QtGui import QColor

CATEGORY_COLOURS = {
    "input": QColor("#3c9d5d"),
    "core": QColor("#2f6fd0"),
    "convolution": QColor("#7b4fc4"),
    "pooling": QColor("#15897a"),
    "reshape": QColor("#6f7c85"),
    "regularisation": QColor("#8a8f98"),
    "merge": QColor("#a07d00"),
}
ERROR = QColor("#d32f2f")
WARNING = QColor("#e0a100")
SELECTION = QColor("#1e88e5")

NEGATIVE = QColor("#f59322")  # orange
NEUTRAL = QColor("#e8eaeb")  # light grey
POSITIVE = QColor("#0877bd")  # blue


def weight_colour(value: float, scale: float) -> QColor:
    """Blend grey → blue for positive and grey → orange for negative weights."""
    t = 0.0 if scale <= 0 else max(-1.0, min(1.0, value / scale))
    end = POSITIVE if t >= 0 else NEGATIVE
    t = abs(t)
    return QColor(
        round(NEUTRAL.red() + (end.red() - NEUTRAL.red()) * t),
        round(NEUTRAL.green() + (end.green() - NEUTRAL.green()) * t),
        round(NEUTRAL.blue() + (end.blue() - NEUTRAL.blue()) * t),
    )


def fmt_shape(shape: tuple[int, ...] | None) -> str:
    return "?" if shape is None else "×".join(str(d) for d in shape)


def fmt_count(n: int) -> str:
    return f"{n:,}"
