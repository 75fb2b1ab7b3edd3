"""Shared by the tests of the "use the trained network" views: digits trained once per session,
documents, and drawing with real mouse events."""

from __future__ import annotations

import functools
import itertools
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

import engine
from engine import NetworkSpec
from engine.data import load_bundled, split
from nndesigner.document import Document
from nndesigner.panels.data_panel import LoadedData
from nndesigner.resources import template


@functools.cache
def digits_split():
    ds = load_bundled("digits", n_samples=3000)
    return ds, split(ds, validation=0.1, test=0.1, seed=0)


@functools.cache
def trained_digit_weights() -> dict[str, np.ndarray]:
    """The Digits (MLP) example trained for 2 epochs on 2,400 generated digits (~0.5 s)."""
    _, sp = digits_split()
    model = engine.Model(template("digits_mlp").spec(), seed=0)
    for _ in engine.fit(model, sp.train.x, sp.train.y, epochs=2, optimizer="adam", lr=0.001,
                        batch_size=64):
        pass
    return model.get_weights()


def digits_doc(trained: bool = True) -> tuple[Document, LoadedData]:
    ds, sp = digits_split()
    doc = Document()
    doc.load(template("digits_mlp").spec(), data={"reference": ds.to_dict()},
             weights=dict(trained_digit_weights()) if trained else None)
    return doc, LoadedData(ds, sp, ds.summary())


def doc_for(layers: list[dict], loss: str | None = None, **load) -> Document:
    doc = Document()
    spec = NetworkSpec.sequential(layers, loss=loss) if loss else NetworkSpec.sequential(layers)
    doc.load(spec, **load)
    return doc


def draw(canvas, points: list[tuple[int, int]]) -> None:
    """One stroke with real mouse events: press, moves (every ~6 px), release. ``points`` are
    on a 224-px square, scaled to the canvas as shown."""
    f = canvas.width() / 224
    pts = [np.array(p, dtype=float) * f for p in points]
    dense = [pts[0]]
    for a, b in itertools.pairwise(pts):
        n = max(1, int(np.hypot(*(b - a)) / 6))
        dense += [a + (b - a) * (k / n) for k in range(1, n + 1)]
    qpts = [QPoint(round(p[0]), round(p[1])) for p in dense]
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, qpts[0])
    for q in qpts[1:]:
        QTest.mouseMove(canvas, q)
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       qpts[-1])


def ellipse(cx: float, cy: float, rx: float, ry: float, n: int = 24) -> list[tuple[int, int]]:
    t = np.linspace(-np.pi / 2, 1.5 * np.pi + 0.3, n)
    return [(round(cx + rx * np.cos(a)), round(cy + ry * np.sin(a))) for a in t]


def digit_png(path: Path, index: int = 0, dark_on_light: bool = False, scale: int = 3) -> int:
    """A generated test digit saved as a PNG (upscaled); returns its label."""
    _ds, sp = digits_split()
    img = (sp.test.x[index, 0] * 255).astype(np.uint8)
    if dark_on_light:
        img = 255 - img
    Image.fromarray(img).resize((28 * scale, 28 * scale), Image.BILINEAR).save(path)
    return int(sp.test.y[index])


def bomb_png(path: Path, side: int = 100_000) -> None:
    """A tiny PNG whose header declares side × side pixels (a decompression bomb)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat)
                     + chunk(b"IEND", b""))


def corrupt_png(path: Path) -> None:
    """A PNG signature and header followed by garbage."""
    good = Path(path).with_suffix(".tmp.png")
    Image.new("L", (20, 20), 128).save(good)
    data = good.read_bytes()
    good.unlink()
    path.write_bytes(data[:40] + b"\x13\x37" * 50)
