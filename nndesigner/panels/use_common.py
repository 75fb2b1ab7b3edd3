"""Shared pieces of the "use the trained network" views (Try it, Evaluate, Classify a folder).

* :class:`Throttle` — call a function at most every N ms (first call at once, the last one
  never lost), for rebuilding the model while training runs and predicting while drawing.
* :func:`class_names_for` — class names from the project's data reference, an imported
  file, the loaded data set, else ``"0".."K-1"``.
* :func:`image_preprocessing_for` / :func:`prepare_image` — turn an image file, a PIL image or
  a picture array into the network's input, exactly as training prepared its images.
* :func:`qimage_to_pil`, :func:`array_to_qimage`, :func:`scaled_pixmap` — pixels between Qt,
  Pillow and NumPy (nearest-neighbour scaling: the pixels the network sees).
* :func:`output_view` — a prediction as probabilities per class, or values for regression.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError
from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QImage, QPixmap

from engine import DataError
from engine.data import apply_preprocessing
from engine.data.images import FORMATS, MAX_PIXELS
from engine.losses import CLASSIFICATION_LOSSES

ODD_ASPECT = 4.0  # wider or taller than this: say that the picture was stretched


class Throttle(QObject):
    """Run ``fn`` at most once per ``interval_ms``: at once when idle, else once when the
    interval has passed (calls in between collapse into that one)."""

    def __init__(self, interval_ms: int, fn: Callable[[], None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.interval = interval_ms / 1000
        self._fn = fn
        self._last = -math.inf
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._fire)

    def __call__(self) -> None:
        wait = self._last + self.interval - time.monotonic()
        if wait <= 0 and not self._timer.isActive():
            self._fire()
        elif not self._timer.isActive():
            self._timer.start(max(1, round(wait * 1000)))

    @property
    def pending(self) -> bool:
        return self._timer.isActive()

    def flush(self) -> None:
        """Run a waiting call now (e.g. when the mouse is released)."""
        if self._timer.isActive():
            self._timer.stop()
            self._fire()

    def _fire(self) -> None:
        self._last = time.monotonic()
        self._fn()


# -- what the project knows about its data --------------------------------------------------------


def reference(doc: Any) -> dict[str, Any]:
    ref = doc.data.get("reference") if isinstance(doc.data, dict) else None
    return ref if isinstance(ref, dict) else {}


def class_names_for(doc: Any, dataset: Any, k: int) -> list[str]:
    """``k`` class names: the data reference's, an imported model's, the data set's, numbers."""
    candidates = [reference(doc).get("class_names"), doc.extra.get("imported_class_names"),
                  getattr(dataset, "class_names", None)]
    for names in candidates:
        if isinstance(names, list) and names and all(isinstance(n, str) for n in names):
            return [*names[:k], *(str(i) for i in range(len(names), k))]
    return [str(i) for i in range(k)]


def input_shape(doc: Any) -> tuple[int, ...] | None:
    """The network's input shape (no batch axis), or None while the design has no input."""
    analysis = doc.analysis
    if analysis.input is None:
        return None
    shape = analysis.shapes.get(analysis.input)
    return tuple(int(s) for s in shape) if shape else None


def known_image_preprocessing(doc: Any, shape: tuple[int, ...], dataset: Any = None
                              ) -> dict[str, Any] | None:
    """The training data's image preprocessing when it fits the Input (else None)."""
    c, h, w = shape
    for prep in (reference(doc).get("preprocessing"), getattr(dataset, "preprocessing", None)):
        if (isinstance(prep, dict) and prep.get("type") == "image"
                and list(prep.get("size", [])) == [h, w] and prep.get("channels") == c):
            return prep
    return None


def image_preprocessing_for(doc: Any, shape: tuple[int, ...], dataset: Any = None
                            ) -> dict[str, Any]:
    """The training data's image preprocessing when it fits the Input, else a plain one
    (stretch to the Input's size, its channels, values 0–1)."""
    c, h, w = shape
    known = known_image_preprocessing(doc, shape, dataset)
    return known or {"type": "image", "size": [h, w], "channels": c, "fit": "stretch"}


# -- images -------------------------------------------------------------------------------------


def _declared_size(path: Path) -> tuple[int, int] | None:
    """The size an image file declares in its header (nothing is decoded)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path, formats=FORMATS) as im:
                return im.size
    except (OSError, ValueError, SyntaxError, EOFError, UnidentifiedImageError,
            Image.DecompressionBombError, Image.DecompressionBombWarning):
        return None  # apply_preprocessing says why, with the file's name


def prepare_image(source: Any, shape: tuple[int, ...], prep: dict[str, Any]
                  ) -> tuple[np.ndarray, str]:
    """``source`` (a path, PIL image or array) as the network's input ``(1, C, H, W)``, and a
    note for the user ("" when nothing is worth saying). DataError says why it cannot."""
    if isinstance(source, str | Path):
        path = Path(source)
        if path.is_dir():
            raise DataError(f"{path.name} is a folder: drop or open image files")
        if not path.exists():
            raise DataError(f"{path.name}: no such file")
        if path.stat().st_size == 0:
            raise DataError(f"{path.name} is empty (0 bytes)")
        size = _declared_size(path)
    elif isinstance(source, Image.Image):
        size = source.size
    else:
        a = np.asarray(source)
        size = (a.shape[1], a.shape[0]) if a.ndim >= 2 else None
    if size is not None and size[0] * size[1] > MAX_PIXELS:
        raise DataError(f"the image declares {size[0]}×{size[1]} pixels, over the limit of "
                        f"{MAX_PIXELS:,}: refused (perhaps a decompression bomb)")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            x = apply_preprocessing(source, prep)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise DataError(f"refused as a possible decompression bomb: {exc}") from None
        except (OSError, ValueError, TypeError) as exc:  # odd arrays and modes
            raise DataError(f"cannot use this image ({exc})") from None
    note = ""
    if size is not None and min(size) > 0 and max(size) / min(size) > ODD_ASPECT \
            and prep.get("normalize") != "digit":
        h, w = prep["size"]
        note = f"The image is {size[0]}×{size[1]} pixels: it was stretched to {w}×{h}."
    elif size is not None and min(size) == 0:
        raise DataError("the image has no pixels")
    return x, note


def qimage_to_pil(image: QImage) -> Image.Image:
    """A QImage (e.g. from the clipboard) as an RGBA PIL image; DataError when too large."""
    if image.isNull() or image.width() == 0 or image.height() == 0:
        raise DataError("the clipboard image is empty")
    w, h = image.width(), image.height()
    if w * h > MAX_PIXELS:
        raise DataError(f"the pasted image has {w}×{h} pixels, over the limit of {MAX_PIXELS:,}")
    rgba = image.convertToFormat(QImage.Format.Format_RGBA8888)
    buf = np.frombuffer(rgba.constBits(), dtype=np.uint8, count=rgba.sizeInBytes())
    arr = buf.reshape(h, rgba.bytesPerLine())[:, : w * 4].reshape(h, w, 4).copy()
    return Image.fromarray(arr, "RGBA")


def array_to_qimage(a: np.ndarray, lo: float = 0.0, hi: float = 1.0) -> QImage:
    """(H, W), (1, H, W) or (3, H, W) values in lo…hi as an 8-bit grayscale or RGB QImage."""
    a = np.asarray(a, dtype=np.float32)
    if a.ndim == 3 and a.shape[0] == 1:
        a = a[0]
    span = hi - lo if hi > lo else 1.0
    u8 = np.clip(np.nan_to_num((a - lo) / span) * 255 + 0.5, 0, 255).astype(np.uint8)
    if u8.ndim == 2:
        u8 = np.ascontiguousarray(u8)
        h, w = u8.shape
        return QImage(u8.data, w, h, w, QImage.Format.Format_Grayscale8).copy()
    rgb = np.ascontiguousarray(u8[:3].transpose(1, 2, 0))
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def scaled_pixmap(a: np.ndarray, target: int, lo: float = 0.0, hi: float = 1.0) -> QPixmap:
    """The picture scaled up by a whole factor to about ``target`` px (nearest neighbour)."""
    image = array_to_qimage(a, lo, hi)
    factor = max(1, target // max(image.width(), image.height(), 1))
    return QPixmap.fromImage(image.scaled(image.width() * factor, image.height() * factor,
                                          Qt.AspectRatioMode.KeepAspectRatio,
                                          Qt.TransformationMode.FastTransformation))


def describe_input(x: np.ndarray) -> str:
    """"28×28 grayscale, values 0–1" for one sample (C, H, W) or "2 features" for a row."""
    if x.ndim == 3:
        c, h, w = x.shape
        kind = "grayscale" if c == 1 else ("colour (RGB)" if c == 3 else f"{c} channels")
        lo, hi = float(x.min()), float(x.max())
        values = "values 0–1" if lo >= 0 and hi <= 1 else f"values {lo:.3g}…{hi:.3g}"
        return f"{h}×{w} {kind}, {values}"
    return f"{x.size} features"


# -- outputs ------------------------------------------------------------------------------------


@dataclass
class OutputView:
    """One sample's output: class probabilities (classifiers) or values (regression)."""

    probabilities: np.ndarray | None
    values: np.ndarray
    note: str = ""

    @property
    def top(self) -> int:
        return int(np.argmax(self.probabilities)) if self.probabilities is not None else -1


def output_view(loss: str, out: np.ndarray) -> OutputView:
    """Probabilities per class from one output row (a single sigmoid unit gives two)."""
    out = np.asarray(out, dtype=np.float64).reshape(-1)
    if loss not in CLASSIFICATION_LOSSES:
        return OutputView(None, out)
    if out.size == 1:
        p = float(np.clip(out[0], 0, 1))
        return OutputView(np.array([1 - p, p]), out)
    if loss == "cross_entropy" and (out.min() < 0 or abs(out.sum() - 1) > 1e-3):
        e = np.exp(out - out.max())  # outputs are not probabilities: show their softmax
        return OutputView(e / e.sum(), out,
                          "The output layer has no softmax: shown after a softmax.")
    return OutputView(np.clip(out, 0, 1), out)
