"""``nndesigner export`` and ``nndesigner import``: ONNX, ``.npz`` and standalone Python.

* ``--format onnx``: one ``.onnx`` file (engine.io's exporter; the class names and the
  project's input preprocessing ride along as metadata, so ``import`` gets them back).
* ``--format npz``: one ``.npz`` with weights, architecture, preprocessing and class names.
* ``--format python``: ``predict.py`` plus the ``.npz`` it reads. OUT is a folder (created;
  ``predict.py`` and ``model.npz`` inside) or a ``NAME.py`` path (``NAME.npz`` beside it).

Nothing is written unless the whole export succeeded; an existing OUT is replaced.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from engine.io import (
    OnnxImportError,
    Project,
    export_npz,
    export_python,
    write_bytes_atomic,
)

from .cli_output import note, say
from .cli_project import CliError, data_info, load_project, model_for_use

PREPROCESSING_KEY = "nndesigner.preprocessing"


def export(args: argparse.Namespace) -> int:
    project = load_project(args.project)
    info = data_info(project)
    model = model_for_use(project, args.project)
    names = info.class_names if model.is_classifier or info.kind == "classification" else None
    out = Path(args.output)
    if args.format == "onnx":
        _export_onnx(model, out, names, info.preprocessing)
        written = [out]
    elif args.format == "npz":
        export_npz(model, out, preprocessing=info.preprocessing, class_names=names)
        written = [out]
    else:
        written = _export_python(model, out, info.preprocessing, names)
    say("wrote " + ", ".join(str(p) for p in written))
    return 0


def _export_onnx(model, out: Path, names: list[str] | None,
                 preprocessing: dict[str, Any] | None) -> None:
    from engine.io import to_onnx  # imports onnx: only when exporting to it

    proto = to_onnx(model, class_names=names)
    if preprocessing is not None:
        entry = proto.metadata_props.add()
        entry.key, entry.value = PREPROCESSING_KEY, json.dumps(preprocessing)
    write_bytes_atomic(out, proto.SerializeToString())


def _export_python(model, out: Path, preprocessing: dict[str, Any] | None,
                   names: list[str] | None) -> list[Path]:
    if out.suffix == ".py":
        folder, script, npz = out.parent, out.name, out.stem + ".npz"
    else:
        folder, script, npz = out, "predict.py", "model.npz"
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    # Both files are made in a scratch folder beside the target, then moved into place: a
    # failure leaves neither behind.
    scratch = Path(tempfile.mkdtemp(prefix=".nndesigner-export-", dir=folder))
    try:
        export_python(model, scratch, npz_name=npz, script_name=script,
                      preprocessing=preprocessing, class_names=names)
        os.replace(scratch / npz, folder / npz)
        os.replace(scratch / script, folder / script)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        if created:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    shutil.rmtree(scratch, ignore_errors=True)
    return [folder / script, folder / npz]


def import_model(args: argparse.Namespace) -> int:
    from engine.io import import_onnx

    src = Path(args.model)
    if not src.is_file():
        raise CliError(f"{args.model}: no such file")
    try:
        imported = import_onnx(src)
    except OnnxImportError as exc:
        raise OnnxImportError(f"{args.model}: {exc}", exc.op_type, exc.node) from None
    for message in imported.notes:
        note(f"{src.name}: {message}")
    model = imported.model()
    classifier = model.is_classifier
    data = {"source": "onnx", "name": src.stem,
            "kind": "classification" if classifier else "regression",
            "class_names": imported.class_names if classifier else None,
            "target": None, "preprocessing": _preprocessing(src), "reference": None}
    Project.from_model(model, trained=True, data=data).save(args.output)
    say(f"imported {src} into {args.output}: {len(model.spec.layers)} layers, "
        f"{model.parameter_count():,} parameters, loss {model.spec.loss}")
    return 0


def _preprocessing(src: Path) -> dict[str, Any] | None:
    """The input preprocessing ``export`` stored in the model's metadata, if any."""
    import onnx

    with contextlib.suppress(Exception):  # metadata is a bonus: never fail an import on it
        proto = onnx.load_model(str(src), load_external_data=False)
        for prop in proto.metadata_props:
            if prop.key == PREPROCESSING_KEY:
                value = json.loads(prop.value)
                return value if isinstance(value, dict) else None
    return None
