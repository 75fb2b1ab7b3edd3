"""Handwritten-looking digits 0–9, drawn by the app: 1×28×28 grayscale images, MNIST style.

Each digit is a few strokes (polylines, arcs, Bézier curves) in a unit box, with per-digit
style variants (see :mod:`engine.data.digit_strokes`).
Every sample varies the template's proportions, bends it with a smooth random displacement
("elastic" jitter), slants, rotates and stretches it, and draws it with a random pen width
using Pillow at 4× resolution; the 4× picture is box-filtered down, which anti-aliases it.

The result is normalised as MNIST was: the ink's bounding box is scaled to fit a 20×20 box
(aspect kept) and the picture is placed in the 28×28 field so that its centre of mass is at
the centre. :func:`center_digit` applies the same normalisation to any picture of a digit
(a drawing from the draw-a-digit pad, a scan), so a network trained here sees the same kind
of input when it is used. Ink is bright (1.0) on a black (0.0) background.

Generation is deterministic for a seed and takes about 0.2 ms per digit; results are
cached in memory by (parameters, seed) and returned as read-only arrays.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from ..errors import DataError
from .dataset import Dataset
from .digit_strokes import TEMPLATES, Stroke, Style
from .progress import CancelFlag, Monitor, ProgressCallback

SIZE = 28  # the field
BOX = 20  # the ink's bounding box fits this square
SUPERSAMPLE = 4
CLASS_NAMES = [str(d) for d in range(10)]


def _distort(strokes: list[Stroke], rng: np.random.Generator, p: dict[str, Any]) -> list[Stroke]:
    """Elastic jitter (a smooth random displacement field), then slant, rotation, stretch."""
    pts = np.concatenate(strokes)
    amp = p["elastic"]
    if amp > 0:
        freq = rng.uniform(0.5, 1.6, size=(3, 2, 2)) * rng.choice([-1, 1], size=(3, 2, 2))
        phase = rng.uniform(0, 2 * np.pi, size=(3, 2))
        a = rng.uniform(0.3, 1.0, size=(3, 2)) * amp
        for k in range(3):
            arg = 2 * np.pi * (pts @ freq[k]) + phase[k]
            pts = pts + a[k] * np.sin(arg)
    slant = rng.uniform(-0.6, 1.0) * p["slant"]
    angle = math.radians(rng.uniform(-1, 1) * p["rotation"])
    stretch = math.exp(rng.uniform(-0.45, 0.25))  # people write narrow more than wide
    c, s = math.cos(angle), math.sin(angle)
    # x' = x − slant·(y − ½): tops lean right for slant > 0 (y points down)
    m = np.array([[1.0, 0.0], [-slant, 1.0]]) @ np.array([[stretch, 0], [0, 1 / stretch]])
    m = m @ np.array([[c, s], [-s, c]])
    pts = (pts - 0.5) @ m
    out, i = [], 0
    for stroke in strokes:
        piece = pts[i : i + len(stroke)]
        # each stroke is placed a little independently, as a hand would
        out.append(piece + rng.normal(0, p["stroke_offset"], size=2))
        i += len(stroke)
    return out


def _draw(strokes: list[Stroke], width: float) -> Image.Image:
    """Render strokes so that the ink's bounding box fits SUPERSAMPLE·BOX pixels."""
    pts = np.concatenate(strokes)
    lo = pts.min(axis=0)
    extent = float((pts.max(axis=0) - lo).max())
    target = SUPERSAMPLE * BOX
    pen = width * SUPERSAMPLE
    scale = (target - pen) / max(extent, 1e-6)
    w, h = np.ceil((pts.max(axis=0) - lo) * scale + pen).astype(int) + 1
    canvas = Image.new("L", (int(w), int(h)))
    draw = ImageDraw.Draw(canvas)
    r = pen / 2
    for stroke in strokes:
        xy = (stroke - lo) * scale + r
        flat = [tuple(q) for q in xy.tolist()]
        draw.line(flat, fill=255, width=max(1, round(pen)))
        # round joints and caps: much faster than joint="curve"
        for x, y in flat:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
    return canvas


def _place_by_mass(small: np.ndarray, size: int = SIZE) -> np.ndarray:
    """Put ``small`` into a size×size field with its centre of mass at the field's centre
    (integer shift, clipped so nothing falls off the edge)."""
    h, w = small.shape
    field = np.zeros((size, size), dtype=np.float32)
    total = float(small.sum())
    if total <= 0:
        return field
    cy = float((small.sum(axis=1) * np.arange(h)).sum() / total)
    cx = float((small.sum(axis=0) * np.arange(w)).sum() / total)
    top = min(max(round((size - 1) / 2 - cy), 0), size - h)
    left = min(max(round((size - 1) / 2 - cx), 0), size - w)
    field[top : top + h, left : left + w] = small
    return field


def render_digit(digit: int, rng: np.random.Generator, **params: Any) -> np.ndarray:
    """One random drawing of ``digit``, float32 (28, 28) in [0, 1]; ``params`` as in
    :func:`generate` (stroke_width, rotation, slant, elastic, blur)."""
    p = {**DEFAULTS, **params}
    style = Style(rng)
    strokes = _distort(TEMPLATES[digit](style), rng, p)
    lo_w, hi_w = p["stroke_width"]
    canvas = _draw(strokes, rng.uniform(lo_w, hi_w))
    w, h = canvas.size
    small = canvas.resize(
        (max(1, round(w / SUPERSAMPLE)), max(1, round(h / SUPERSAMPLE))), Image.BOX
    )
    if p["blur"] > 0:
        roll = rng.random()
        if roll < 0.3:  # out of focus
            small = small.filter(ImageFilter.GaussianBlur(rng.uniform(0.2, 1.0) * p["blur"]))
        elif roll < 0.3 + 0.35 * min(p["blur"], 1.0):  # coarse: seen at a low resolution
            f = rng.uniform(0.3, 0.7)
            coarse = small.resize((max(2, round(small.width * f)), max(2, round(small.height * f))),
                                  Image.BOX)
            small = coarse.resize(small.size, Image.BILINEAR)
    ink = np.asarray(small, dtype=np.float32) * (1 / 255)
    if rng.random() < 0.3:  # a lighter pen
        ink *= rng.uniform(0.75, 1.0)
    return _place_by_mass(ink)


DEFAULTS: dict[str, Any] = {
    "stroke_width": (1.3, 4.8),  # pen width in pixels of the 28×28 field
    "rotation": 12.0,  # degrees either way
    "slant": 0.35,  # shear: tops lean right up to this much (less to the left)
    "elastic": 0.05,  # amplitude of the smooth jitter, in digit heights
    "stroke_offset": 0.02,  # independent shift of each stroke, in digit heights
    "blur": 1.0,  # strength of an occasional Gaussian blur
}

_CACHE: OrderedDict[tuple, tuple[np.ndarray, np.ndarray]] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 3


def _check_params(n_samples: Any, params: dict[str, Any]) -> dict[str, Any]:
    if isinstance(n_samples, bool) or not isinstance(n_samples, int) or n_samples < 1:
        raise DataError(f"the number of digits must be a whole number ≥ 1, got {n_samples!r}")
    if n_samples > 1_000_000:
        raise DataError("at most 1 000 000 digits can be generated at once")
    unknown = set(params) - set(DEFAULTS)
    if unknown:
        raise DataError(f"unknown digit parameter(s): {', '.join(sorted(unknown))}")
    p = {**DEFAULTS, **params}
    lo, hi = p["stroke_width"]
    if not 0.5 <= lo <= hi <= 8:
        raise DataError(f"stroke width must be a range within 0.5…8 pixels, got {(lo, hi)}")
    for key, top in (("rotation", 45), ("slant", 1), ("elastic", 0.2),
                     ("stroke_offset", 0.2), ("blur", 3)):
        if not isinstance(p[key], int | float) or not 0 <= p[key] <= top:
            raise DataError(f"{key} must be from 0 to {top}, got {p[key]!r}")
    p["stroke_width"] = (float(lo), float(hi))
    return p


def generate(
    n_samples: int = 10000,
    seed: int = 0,
    progress: ProgressCallback | None = None,
    cancelled: CancelFlag = None,
    **params: Any,
) -> tuple[np.ndarray, np.ndarray]:
    """``x`` float32 (N, 1, 28, 28) in [0, 1] and ``y`` int64 (N,): equally many of each
    digit (the remainder goes to the low digits), in shuffled order. Read-only, cached.

    ``params``: ``stroke_width`` (min, max) pen width in pixels, ``rotation`` (degrees),
    ``slant``, ``elastic``, ``stroke_offset``, ``blur`` — see ``DEFAULTS``."""
    p = _check_params(n_samples, params)
    key = (n_samples, int(seed), tuple(sorted(p.items())))
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            if progress is not None:
                progress(n_samples, n_samples)
            return _CACHE[key]
    monitor = Monitor("digits", n_samples, progress, cancelled)
    rng = np.random.default_rng(seed)
    y = (np.arange(n_samples) % 10)[rng.permutation(n_samples)].astype(np.int64)
    x = np.empty((n_samples, 1, SIZE, SIZE), dtype=np.float32)
    for i, digit in enumerate(y):
        x[i, 0] = render_digit(int(digit), rng, **p)
        if i % 256 == 255:
            monitor.update(i + 1)
    monitor.finish()
    x.setflags(write=False)
    y.setflags(write=False)
    with _CACHE_LOCK:
        _CACHE[key] = (x, y)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return x, y


def digits(
    n_samples: int = 10000,
    seed: int = 0,
    progress: ProgressCallback | None = None,
    cancelled: CancelFlag = None,
    **params: Any,
) -> Dataset:
    """Generated handwritten digits as a :class:`Dataset` (see :func:`generate`)."""
    x, y = generate(n_samples, seed, progress, cancelled, **params)
    return Dataset(
        x, y, "classification", CLASS_NAMES, None, name="digits",
        description="handwritten digits 0–9 drawn by the app (28×28, MNIST style)",
        preprocessing={"type": "image", "channels": 1, "size": [SIZE, SIZE],
                       "normalize": "digit"},
    )


def center_digit(image: Any, invert: bool | None = None, size: int = SIZE,
                 box: int = BOX) -> np.ndarray:
    """Normalise a picture of one digit as MNIST did (see the module docstring).

    Parameters
    ----------
    image : PIL image or array (H, W) or (H, W, C)
        Any size; 0…255 integers or 0…1 floats.
    invert : bool or None
        True for dark ink on a light background; None decides from the border (a mostly
        light border means dark ink).

    Returns
    -------
    ndarray, float32, shape (size, size), ink 1 on background 0. A blank picture gives
    all zeros.
    """
    if isinstance(image, Image.Image):
        img = np.asarray(image.convert("L"), dtype=np.float32) / 255
    else:
        img = np.asarray(image, dtype=np.float32)
        if img.ndim == 3:
            img = img[..., :3].mean(axis=2) if img.shape[2] > 1 else img[..., 0]
        if img.ndim != 2:
            raise DataError(f"a digit picture must be 2-D (H×W), got shape {img.shape}")
        if img.size and img.max() > 1:
            img = img / 255
    if img.size == 0:
        raise DataError("the digit picture is empty")
    if invert is None:
        border = np.concatenate([img[0], img[-1], img[:, 0], img[:, -1]])
        invert = float(border.mean()) > 0.5
    if invert:
        img = 1 - img
    img = np.clip(img, 0, 1)
    peak = float(img.max())
    if peak <= 0.05:
        return np.zeros((size, size), dtype=np.float32)
    rows = np.flatnonzero((img > 0.05 * peak).any(axis=1))
    cols = np.flatnonzero((img > 0.05 * peak).any(axis=0))
    crop = img[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    h, w = crop.shape
    f = box / max(h, w)
    new = (max(1, round(w * f)), max(1, round(h * f)))
    small = np.asarray(Image.fromarray(np.ascontiguousarray(crop)).resize(new, Image.BILINEAR))
    return np.clip(_place_by_mass(small.astype(np.float32), size), 0, 1)
