"""Saving and exchanging networks: project files, ONNX, ``.npz`` and standalone Python.

    from engine.io import Project, export_onnx, import_onnx, export_npz, export_python

    Project.from_model(model, layout=layout, training=config, history=history).save("a.nnd")
    project = Project.load("a.nnd")          # ProjectError when the file is unusable
    model = project.model()                  # engine.Model with the saved weights

    export_onnx(model, "a.onnx")             # opset 17, input "input" (N, ...), output "output"
    imported = import_onnx("a.onnx")         # OnnxImportError names an unsupported node
    model = imported.model()
    export_npz(model, "a.npz", preprocessing=prep, class_names=names)
    export_python(model, "folder")           # folder/predict.py + folder/model.npz

Public API (each documented in its module):

* Project files (:mod:`.project`): :class:`Project` (``save``, ``load``, ``from_bytes``,
  ``from_model``, ``model``), :func:`save_project`, :func:`load_project`, :class:`Limits`,
  :func:`history_entry`, :func:`migrate`, :data:`MIGRATIONS`, :data:`FORMAT_VERSION`,
  :data:`PROJECT_EXTENSION` (``".nnd"``).
* ONNX (:mod:`.onnx_export`, :mod:`.onnx_import`): :func:`to_onnx`, :func:`export_onnx`,
  :func:`import_onnx`, :class:`OnnxImport`. The ``onnx`` package is imported on first use.
* ``.npz`` (:mod:`.npz_export`): :func:`export_npz`, :func:`read_npz_export`,
  :class:`NpzExport`.
* Standalone Python (:mod:`.python_export`): :func:`export_python`, :func:`predict_script`.
* Errors (:mod:`.errors`): :class:`ProjectError`, :class:`OnnxImportError`, both
  :class:`engine.EngineError`.
* Atomic writes (:mod:`.atomic`): :func:`atomic_writer`, :func:`write_bytes_atomic`.

Every writer is atomic: a failure leaves the previous file as it was.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .atomic import atomic_writer, write_bytes_atomic
from .errors import OnnxImportError, ProjectError
from .npz_export import NpzExport, export_npz, read_npz_export
from .project import (
    FORMAT_VERSION,
    MIGRATIONS,
    PROJECT_EXTENSION,
    Limits,
    Project,
    history_entry,
    load_project,
    migrate,
    save_project,
)
from .python_export import export_python, predict_script

if TYPE_CHECKING:
    from .onnx_export import export_onnx, to_onnx
    from .onnx_import import OnnxImport, import_onnx

# Importing onnx takes a noticeable fraction of a second: only when ONNX is used.
_LAZY = {
    "to_onnx": "onnx_export",
    "export_onnx": "onnx_export",
    "import_onnx": "onnx_import",
    "OnnxImport": "onnx_import",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)


__all__ = [
    "FORMAT_VERSION",
    "MIGRATIONS",
    "PROJECT_EXTENSION",
    "Limits",
    "NpzExport",
    "OnnxImport",
    "OnnxImportError",
    "Project",
    "ProjectError",
    "atomic_writer",
    "export_npz",
    "export_onnx",
    "export_python",
    "history_entry",
    "import_onnx",
    "load_project",
    "migrate",
    "predict_script",
    "read_npz_export",
    "save_project",
    "to_onnx",
    "write_bytes_atomic",
]
