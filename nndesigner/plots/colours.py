"""Colours shared by the live training views, so that they speak the canvas's visual language.

- ``WEIGHT_CMAP``: the one diverging scale for weights (orange negative, light grey near zero,
  blue positive), as a :class:`pyqtgraph.ColorMap` over 0…1 (0.5 is zero); use it with
  symmetric levels (−m, +m).
- ``CLASS_COLOURS`` / :func:`class_colour` / :func:`class_rgb`: one colour per class, the same in
  every scatter plot, bar and matrix. Class 0 is orange and class 1 blue (TensorFlow
  Playground); further classes take a qualitative palette without red (red means a problem).
- ``SERIES_COLOURS``: lines that are neither weights nor classes (one per layer).
- :func:`legend_html`: one-line legends for a QLabel above a plot, so no legend covers data.
- :class:`Theme` / :func:`theme_of` / :func:`style_plot`: background and
  foreground taken from a widget's QPalette, so plots follow light and dark system themes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QGraphicsItem, QWidget

from nndesigner.canvas.style import ERROR, NEGATIVE, NEUTRAL, POSITIVE, WARNING

WEIGHT_CMAP = pg.ColorMap(
    [0.0, 0.5, 1.0], [NEGATIVE.name(), NEUTRAL.name(), POSITIVE.name()], name="weights"
)

CLASS_COLOURS: list[str] = [
    NEGATIVE.name(),  # class 0: orange
    POSITIVE.name(),  # class 1: blue
    "#2ca25f",  # green
    "#8e5bd0",  # purple
    "#8c564b",  # brown
    "#17a2b8",  # teal
    "#b5a300",  # olive
    "#e377c2",  # pink
    "#5f6b73",  # slate
    "#1f3b99",  # navy
]

SERIES_COLOURS: list[str] = ["#2f6fd0", "#2ca25f", "#8e5bd0", "#b5a300", "#17a2b8", "#8c564b",
                             "#e377c2", "#5f6b73", "#f59322", "#1f3b99"]

PROBLEM = ERROR  # red: only for problems
CAUTION = WARNING


def class_colour(index: int) -> QColor:
    """The colour of class ``index``: the palette, then spread hues that skip red (red means
    a problem), so that every class keeps a colour of its own."""
    index = int(index)
    if index < len(CLASS_COLOURS):
        return QColor(CLASS_COLOURS[index])
    hue = (40 + (index - len(CLASS_COLOURS)) * 47) % 300 + 30
    return QColor.fromHsv(hue, 170, 190)


def class_rgb(n: int) -> np.ndarray:
    """The first ``n`` class colours as a (n, 3) float32 array of 0…255 values."""
    cols = [class_colour(i) for i in range(n)]
    return np.array([[c.red(), c.green(), c.blue()] for c in cols], dtype=np.float32)


def weight_rgb(t: np.ndarray) -> np.ndarray:
    """Map ``t`` in −1…1 onto the weight scale; returns (…, 3) float32 0…255 (vectorised)."""
    t = np.clip(np.nan_to_num(np.asarray(t, dtype=np.float32)), -1.0, 1.0)[..., None]
    neutral = np.array(NEUTRAL.getRgb()[:3], np.float32)
    neg = np.array(NEGATIVE.getRgb()[:3], np.float32)
    pos = np.array(POSITIVE.getRgb()[:3], np.float32)
    return neutral + np.where(t >= 0, pos - neutral, neg - neutral) * np.abs(t)


@dataclass(frozen=True)
class Theme:
    bg: QColor  # plot background (the palette's Base: white in light themes)
    fg: QColor  # text and axes
    muted: QColor  # grid lines, frames, faint curves

    @property
    def dark(self) -> bool:
        return self.bg.lightnessF() < 0.5


def theme_of(widget: QWidget) -> Theme:
    pal = widget.palette()
    bg = pal.color(QPalette.ColorRole.Base)
    fg = pal.color(QPalette.ColorRole.Text)
    muted = QColor(fg)
    muted.setAlphaF(0.45)
    return Theme(bg, fg, muted)


def with_alpha(colour: QColor | str, alpha: float) -> QColor:
    c = QColor(colour)
    c.setAlphaF(alpha)
    return c


def style_plot(plot: pg.PlotItem, th: Theme) -> None:
    """Axes, labels and ticks in the theme's text colour (pyqtgraph defaults to grey on black)."""
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(th.muted))
        axis.setTextPen(pg.mkPen(th.fg))
        axis.enableAutoSIPrefix(False)  # "loss (x0.001)" reads worse than 0.4, 0.2, …
        # An axis draws its grid across the whole plot: replaying that for every repaint of
        # a live curve costs ~5 ms per axis; a cached pixmap is redrawn only when it changes.
        axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    if plot.titleLabel.text:
        plot.setTitle(plot.titleLabel.text, color=th.fg.name(), size="9pt")


def blend(colour: QColor | str, over: QColor, alpha: float) -> QColor:
    """``colour`` at opacity ``alpha`` over ``over``, as an opaque colour (for rich text)."""
    c, b = QColor(colour), QColor(over)
    return QColor(round(b.red() + (c.red() - b.red()) * alpha),
                  round(b.green() + (c.green() - b.green()) * alpha),
                  round(b.blue() + (c.blue() - b.blue()) * alpha))


def legend_html(entries: list[tuple[str, QColor | str, str]], vertical: bool = False) -> str:
    """A one-line legend for a QLabel: (glyph, colour, text) per entry, e.g. ("━━", fg, "train").

    Glyphs (line styles, filled or ringed dots) carry the meaning as well as the colours."""
    parts = [f'<span style="color:{QColor(c).name()}">{glyph}</span>&nbsp;{text}'
             for glyph, c, text in entries]
    return ("<br>" if vertical else "&nbsp;&nbsp;&nbsp;").join(parts)
