"""Stroke templates of the digits 0–9, for the digit generator (:mod:`engine.data.digits`).

Each template draws one digit in a unit box (x to the right, y down, the digit about 1 high
and 0.6 wide) as a few strokes — arrays of points along polylines, arcs and Bézier curves —
and chooses among the common ways of writing it (a 1 with or without a flag and a foot, an
open or closed 4, a 7 with a crossbar, a 9 with a straight or curled tail, …) and its
proportions from a random generator. Points are dense enough for a later smooth distortion
to bend every stroke.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Stroke = np.ndarray  # (P, 2) points (x right, y down) in the unit box


class Style:
    """Random choices for one sample's template."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def u(self, lo: float, hi: float) -> float:
        return float(self.rng.uniform(lo, hi))

    def coin(self, p: float) -> bool:
        return bool(self.rng.random() < p)


def _arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float) -> Stroke:
    """An elliptical arc from angle ``a0`` to ``a1`` degrees (0 = right, 90 = down)."""
    n = max(4, int(abs(a1 - a0) / 15) + 1)
    t = np.radians(np.linspace(a0, a1, n))
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], axis=1)


def _bez(*pts: tuple[float, float], n: int = 10) -> Stroke:
    """A Bézier curve through control points ``pts`` (quadratic or cubic)."""
    p = np.asarray(pts, dtype=float)
    t = np.linspace(0, 1, n)[:, None]
    if len(p) == 3:
        return (1 - t) ** 2 * p[0] + 2 * (1 - t) * t * p[1] + t**2 * p[2]
    return ((1 - t) ** 3 * p[0] + 3 * (1 - t) ** 2 * t * p[1] + 3 * (1 - t) * t**2 * p[2]
            + t**3 * p[3])


def _seg(*pts: tuple[float, float], n: int = 5) -> Stroke:
    """Straight segments through ``pts``, subdivided so the elastic jitter can bend them."""
    p = np.asarray(pts, dtype=float)
    parts = [p[i] + (p[i + 1] - p[i]) * np.linspace(0, 1, n)[:-1, None]
             for i in range(len(p) - 1)]
    return np.concatenate([*parts, p[-1:]])


def _join(*strokes: Stroke) -> Stroke:
    return np.concatenate(strokes)


def _zero(s: Style) -> list[Stroke]:
    rx, ry = s.u(0.26, 0.42), s.u(0.44, 0.5)
    a0 = s.u(-130, -50)
    return [_arc(0.5, 0.5, rx, ry, a0, a0 + 360 + s.u(-20, 30))]


def _one(s: Style) -> list[Stroke]:
    top, bottom = (0.5 + s.u(-0.04, 0.1), 0.0), (0.5 + s.u(-0.1, 0.04), 1.0)
    stem = _seg(top, bottom)
    strokes = [stem]
    if s.coin(0.65):  # the flag at the top
        flag = (top[0] - s.u(0.12, 0.3), s.u(0.12, 0.3))
        strokes = [_join(_seg(flag, top, n=3), stem)]
    if s.coin(0.3):  # the foot
        w = s.u(0.12, 0.25)
        strokes.append(_seg((bottom[0] - w, 1.0), (bottom[0] + w, 1.0)))
    return strokes


def _two(s: Style) -> list[Stroke]:
    cy, rx, ry = s.u(0.24, 0.32), s.u(0.3, 0.4), s.u(0.22, 0.3)
    top = _arc(0.5, cy, rx, ry, s.u(165, 210), 360 + s.u(15, 60))
    start = top[-1]
    corner = (s.u(0.02, 0.2), 1.0 + s.u(-0.04, 0.02))
    diag = _bez(tuple(start), (s.u(0.35, 0.55), s.u(0.6, 0.8)), corner)
    if s.coin(0.2):  # a small loop at the corner
        loop = _arc(corner[0] + 0.08, corner[1] - 0.06, 0.09, 0.07, 160, 420)
        diag = _join(diag, loop)
    base = _seg(corner, (s.u(0.8, 1.0), 1.0 + s.u(-0.06, 0.03)))
    return [_join(top, diag, base)]


def _three(s: Style) -> list[Stroke]:
    mid = s.u(0.42, 0.52)
    lower = _arc(0.5, (1 + mid) / 2, s.u(0.3, 0.42), (1 - mid) / 2, s.u(235, 260),
                 360 + s.u(135, 165))
    if s.coin(0.15):  # flat-topped 3
        upper = _seg((s.u(0.1, 0.25), 0.0), (s.u(0.75, 0.9), 0.0), (s.u(0.35, 0.5), mid))
        return [_join(upper, lower)]
    upper = _arc(s.u(0.45, 0.55), mid / 2, s.u(0.25, 0.35), mid / 2, s.u(185, 220),
                 360 + s.u(95, 115))
    return [upper, lower] if s.coin(0.5) else [_join(upper, lower)]


def _four(s: Style) -> list[Stroke]:
    bar = s.u(0.55, 0.72)
    if s.coin(0.6):  # closed: a diagonal from the top of the stem
        xa = s.u(0.5, 0.7)
        first = _seg((xa, 0.0), (s.u(0.0, 0.12), bar), (s.u(0.85, 1.0), bar + s.u(-0.04, 0.03)))
        xv = xa + s.u(0.0, 0.1)
        stem = _seg((xv, s.u(0.0, 0.25)), (xv - s.u(-0.03, 0.08), 1.0))
    else:  # open: a vertical left stroke
        xl = s.u(0.08, 0.25)
        first = _seg((xl, 0.0), (xl - s.u(-0.02, 0.08), bar), (s.u(0.85, 1.0), bar))
        xv = s.u(0.6, 0.75)
        stem = _seg((xv, s.u(0.0, 0.1)), (xv - s.u(-0.03, 0.06), 1.0))
    return [first, stem]


def _five(s: Style) -> list[Stroke]:
    xl = s.u(0.12, 0.3)
    corner = (xl - s.u(-0.02, 0.08), s.u(0.36, 0.48))
    bowl = _arc(s.u(0.42, 0.5), s.u(0.66, 0.72), s.u(0.3, 0.4), s.u(0.26, 0.32),
                s.u(205, 235), 360 + s.u(130, 160))
    stem = _seg((xl, 0.0), corner, n=4)
    top = _seg((s.u(0.7, 0.95), s.u(-0.04, 0.03)), (xl, 0.0), n=4)
    if s.coin(0.5):  # top bar drawn last, as many people do
        return [_join(stem, bowl), top]
    return [_join(top, stem, bowl)]


def _six(s: Style) -> list[Stroke]:
    cx, cy, rx, ry = s.u(0.45, 0.55), s.u(0.66, 0.74), s.u(0.26, 0.36), s.u(0.24, 0.3)
    left = (cx - rx, cy)
    neck = _bez((s.u(0.55, 0.85), 0.0), (s.u(0.1, 0.35), s.u(0.1, 0.35)), left)
    loop = _arc(cx, cy, rx, ry, 180, 180 - 360 - s.u(-15, 25))
    return [_join(neck, loop)]


def _seven(s: Style) -> list[Stroke]:
    tl, tr = (s.u(0.0, 0.15), s.u(0.0, 0.06)), (s.u(0.85, 1.0), s.u(-0.03, 0.03))
    bottom = (s.u(0.25, 0.55), 1.0)
    bend = (s.u(0.5, 0.75), s.u(0.4, 0.6))
    stroke = _join(_seg(tl, tr, n=4), _bez(tr, bend, bottom))
    if s.coin(0.2):  # a little hook down at the start
        stroke = _join(_seg((tl[0], tl[1] + s.u(0.08, 0.18)), tl, n=3), stroke)
    strokes = [stroke]
    if s.coin(0.4):  # continental crossbar
        y = s.u(0.45, 0.55)
        x = tr[0] + (bottom[0] - tr[0]) * y  # roughly where the diagonal crosses y
        strokes.append(_seg((x - s.u(0.15, 0.25), y), (x + s.u(0.12, 0.22), y)))
    return strokes


def _eight(s: Style) -> list[Stroke]:
    mid = s.u(0.42, 0.52)
    cx = s.u(0.45, 0.55)
    a, b = s.u(-120, -60), s.u(-120, -60)
    upper = _arc(cx + s.u(-0.04, 0.04), mid / 2, s.u(0.2, 0.3), mid / 2, a, a + 360 + s.u(0, 20))
    lower = _arc(cx, (1 + mid) / 2, s.u(0.26, 0.38), (1 - mid) / 2, b, b + 360 + s.u(0, 20))
    return [upper, lower]


def _nine(s: Style) -> list[Stroke]:
    ry = s.u(0.2, 0.34)  # from a small loop on a long tail to a big loop on a short one
    cx, cy, rx = s.u(0.45, 0.55), ry + s.u(0.0, 0.04), s.u(0.26, 0.38)
    right = (cx + rx, cy)
    if s.coin(0.7):  # a closed loop, drawn from the right, up and round
        loop = _arc(cx, cy, rx, ry, 0, -360 - s.u(-10, 30))
    else:  # a hook: from low on the left, over the top, into the stem (the loop stays open)
        loop = _arc(cx, cy, rx, ry, s.u(100, 160), 360)
    if s.coin(0.5):  # a tail curving back to the left, as in cursive
        tail = _bez(right, (cx + rx + s.u(0.0, 0.1), s.u(0.75, 1.0)),
                    (cx - s.u(0.05, 0.4), s.u(0.9, 1.0)))
    else:
        tail = _seg(right, (cx + rx - s.u(0.0, 0.2), 1.0))
    return [_join(loop, tail)] if s.coin(0.6) else [loop, tail]


TEMPLATES: tuple[Callable[[Style], list[Stroke]], ...] = (
    _zero, _one, _two, _three, _four, _five, _six, _seven, _eight, _nine,
)
