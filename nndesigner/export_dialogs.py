"""Export the trained network (ONNX, ``.npz``, standalone Python) — and prove the export works;
import an ONNX file as a new network.

    result = export_model(window, doc, "onnx", data=loaded)   # asks for the file
    result.ok, result.path, result.max_difference, result.message
    imported = import_onnx_into(window, doc)                  # asks for the file

Every export is read back and run on a few inputs — the data set's test samples when known,
else random inputs of the Input's shape — and its outputs compared with the app's own: ONNX
through onnxruntime (or, without it, nndesigner's own ONNX import), ``.npz`` through
:func:`engine.io.read_npz_export`, Python by running the generated ``predict.py`` in a fresh
interpreter (``python -I``) on an ``.npy`` file. The user reads the outcome ("Reloaded and
compared on 32 samples: largest difference 3e-07 ✓") or a clear failure.

File dialogs and message boxes go through the small functions ``_ask_save``, ``_ask_open``,
``_information`` and ``_critical``, which tests replace.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

import engine.io as eio
from engine import EngineError

from .canvas.layout import layered_layout
from .panels.use_common import class_names_for, reference

FORMATS = {
    "onnx": ("ONNX model", "ONNX files (*.onnx)", ".onnx"),
    "npz": ("NumPy archive", "NumPy archives (*.npz)", ".npz"),
    "python": ("Python script folder", "Folders (*)", ""),
}
SAMPLES = 32
TOLERANCE = 1e-5  # relative to the outputs' size: float32 rounding stays far below
SCRIPT_TIMEOUT = 120  # s


@dataclass
class ExportResult:
    """How an export went: ``ok`` when written and reproduced within the tolerance."""

    fmt: str
    path: Path | None = None
    ok: bool = False
    cancelled: bool = False
    max_difference: float | None = None
    samples: int = 0
    message: str = ""


@dataclass
class ImportResult:
    ok: bool
    path: Path | None = None
    message: str = ""
    notes: list[str] = field(default_factory=list)
    cancelled: bool = False


# -- the small functions tests replace ----------------------------------------------------------


def _ask_save(parent: QWidget | None, fmt: str, suggested: str) -> str | None:
    title, filters, _ = FORMATS[fmt]
    path, _ = QFileDialog.getSaveFileName(parent, f"Export as {title}", suggested, filters)
    return path or None


def _ask_open(parent: QWidget | None) -> str | None:
    path, _ = QFileDialog.getOpenFileName(parent, "Import an ONNX model", "",
                                          "ONNX files (*.onnx);;All files (*)")
    return path or None


def _information(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.information(parent, title, text)


def _critical(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.critical(parent, title, text)


# -- export ---------------------------------------------------------------------------------


def verification_inputs(model: Any, data: Any = None, n: int = SAMPLES
                        ) -> tuple[np.ndarray, str]:
    """Up to ``n`` inputs to compare on, and what they are ("test samples", "random
    inputs"): the data's test split (or the data set, or an array) when it fits the model."""
    shape = tuple(model.input_shape)
    split = getattr(data, "split", None)
    candidates = [(getattr(split, "test", None), "test samples"),
                  (getattr(data, "dataset", None), "samples"), (data, "samples")]
    for source, what in candidates:
        x = getattr(source, "x", source)
        if isinstance(x, np.ndarray) and x.ndim >= 2 and tuple(x.shape[1:]) == shape and len(x):
            return np.ascontiguousarray(x[:n], dtype=np.float32), what
    rng = np.random.default_rng(0)
    if len(shape) == 3:  # images: values 0–1 as the loaders make them
        return rng.random((n, *shape), dtype=np.float32), "random inputs"
    return rng.standard_normal((n, *shape)).astype(np.float32), "random inputs"


def _reload_outputs(fmt: str, path: Path, x: np.ndarray) -> tuple[np.ndarray, str]:
    """Run the written export on ``x``; also say through what."""
    if fmt == "onnx":
        try:
            import onnxruntime as ort
        except ImportError:
            return eio.import_onnx(path).model().predict(x), "nndesigner's ONNX import"
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        name = session.get_inputs()[0].name
        return session.run(None, {name: x})[0], "onnxruntime"
    if fmt == "npz":
        return eio.read_npz_export(path).model().predict(x), "the .npz reader"
    script = path / "predict.py"
    with tempfile.TemporaryDirectory() as tmp:
        inputs = Path(tmp) / "inputs.npy"
        np.save(inputs, x)
        # -I: a clean interpreter (no user site, no PYTHONPATH), as a user's machine would be
        done = subprocess.run([sys.executable, "-I", str(script), str(inputs), "--outputs"],
                              capture_output=True, text=True, timeout=SCRIPT_TIMEOUT,
                              cwd=tmp)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise RuntimeError(f"predict.py failed: {last}")
    rows = [[float(v) for v in line.split()] for line in done.stdout.splitlines() if line]
    return np.array(rows, dtype=np.float64), "predict.py"


def export_model(parent: QWidget | None, doc: Any, fmt: str, data: Any = None,
                 path: str | Path | None = None) -> ExportResult:
    """Export the document's network as ``fmt`` ("onnx", "npz" or "python"), then reload and
    compare. ``data`` (the Data panel's LoadedData, a Dataset or an array) gives the samples
    to compare on; ``path`` skips the file dialog."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (use {', '.join(FORMATS)})")
    result = ExportResult(fmt)
    title = f"Export {FORMATS[fmt][0]}"
    if not doc.analysis.ok:
        result.message = ("The network has problems; fix them on the canvas before exporting: "
                          f"{doc.analysis.errors[0].message}")
        _critical(parent, title, result.message)
        return result
    name = re.sub(r"[^\w\-]+", "_", doc.title or "").strip("_") or "network"
    if path is None:
        path = _ask_save(parent, fmt, name + (FORMATS[fmt][2] or "_python"))
        if not path:
            result.cancelled = True
            return result
    target = Path(path)
    if FORMATS[fmt][2] and not target.suffix:
        target = target.with_suffix(FORMATS[fmt][2])
    result.path = target
    try:
        model = doc.build_model()
        dataset = getattr(data, "dataset", data if hasattr(data, "class_names") else None)
        ref = reference(doc)
        prep = ref.get("preprocessing") or getattr(dataset, "preprocessing", None)
        names = None
        if model.is_classifier and (ref.get("class_names") or getattr(dataset, "class_names",
                                                                      None)):
            names = class_names_for(doc, dataset, max(int(np.prod(model.output_shape)), 2))
        if fmt == "onnx":
            eio.export_onnx(model, target, class_names=names)
        elif fmt == "npz":
            eio.export_npz(model, target, preprocessing=prep, class_names=names)
        else:
            if target.exists() and not target.is_dir():
                raise OSError(f"{target.name} is a file; choose a folder name")
            eio.export_python(model, target, preprocessing=prep, class_names=names)
    except (EngineError, OSError, ValueError) as exc:
        result.message = f"Could not export to {target}: {exc}"
        _critical(parent, title, result.message)
        return result

    x, what = verification_inputs(model, data)
    mine = model.predict(x).astype(np.float64).reshape(len(x), -1)
    try:
        theirs, how = _reload_outputs(fmt, target, x)
        theirs = np.asarray(theirs, dtype=np.float64).reshape(mine.shape)
    except Exception as exc:  # any failure of the reloaded file is the finding itself
        result.message = (f"Exported to {target}, but reloading it failed: {exc}. The file may "
                          "not work elsewhere.")
        _critical(parent, title, result.message)
        return result
    diff = float(np.max(np.abs(mine - theirs))) if mine.size else 0.0
    scale = max(1.0, float(np.max(np.abs(mine))) if mine.size else 1.0)
    result.max_difference, result.samples = diff, len(x)
    result.ok = bool(np.isfinite(diff) and diff <= TOLERANCE * scale)
    compared = f"Reloaded with {how} and compared on {len(x)} {what}: largest difference " \
               f"{diff:.1g}"
    untrained = "" if doc.weights else "\n\nNote: the network is untrained (random weights)."
    if result.ok:
        result.message = f"Exported to {target}.\n{compared} ✓{untrained}"
        _information(parent, title, result.message)
    else:
        result.message = (f"Exported to {target}, but it does not reproduce the app: {compared}"
                          f" (allowed {TOLERANCE * scale:.0e}) ✗")
        _critical(parent, title, result.message)
    return result


# -- import ---------------------------------------------------------------------------------


def import_onnx_into(parent: QWidget | None, doc: Any, path: str | Path | None = None
                     ) -> ImportResult:
    """Replace the document's network by an ONNX model's (weights included). The caller asks
    about unsaved changes first. Unsupported models are explained in a message box."""
    if path is None:
        path = _ask_open(parent)
        if not path:
            return ImportResult(False, cancelled=True)
    p = Path(path)
    try:
        imported = eio.import_onnx(p)
    except ModuleNotFoundError:
        message = "Importing ONNX needs the onnx package (pip install onnx)."
        _critical(parent, "Import ONNX", message)
        return ImportResult(False, p, message)
    except (EngineError, OSError) as exc:
        text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        message = f"Could not import {p.name}: {text}"
        _critical(parent, "Import ONNX", message)
        return ImportResult(False, p, message)
    spec = imported.spec
    if not spec.name:
        spec.name = p.stem
    extra = {"imported_from": str(p)}
    if imported.class_names:
        extra["imported_class_names"] = list(imported.class_names)
    doc.load(spec, positions=layered_layout(spec, origin=(80.0, 200.0)),
             weights=imported.weights, extra=extra)
    n = len(spec.layers)
    message = f"Imported {p.name}: {n} layers with their weights."
    if imported.notes:
        message += "\n\n" + "\n".join(f"• {note}" for note in imported.notes)
        _information(parent, "Import ONNX", message)
    return ImportResult(True, p, message, list(imported.notes))
