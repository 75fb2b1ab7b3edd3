"""The errors of :mod:`engine.io`: both say what is wrong and where.

* :class:`ProjectError` — a project file (or an ``.npz`` export) that cannot be read: not a zip,
  truncated, too new, malformed or hostile. The message starts with the part of the file at fault
  (``"project.json: network.layers[2]: …"``, ``"weights.npz: 'dense_1/W' …"``); ``path`` is the
  file, when there is one.
* :class:`OnnxImportError` — an ONNX model nndesigner cannot represent; ``op_type`` and ``node``
  name the operator and node at fault when one is.
"""

from __future__ import annotations

from os import PathLike

from ..errors import EngineError


class ProjectError(EngineError, ValueError):
    """A project file or export that cannot be read or written as asked."""

    def __init__(self, message: str, path: str | PathLike[str] | None = None) -> None:
        super().__init__(message)
        self.path = path


class OnnxImportError(EngineError, ValueError):
    """An ONNX model that cannot become an nndesigner network."""

    def __init__(self, message: str, op_type: str | None = None, node: str | None = None) -> None:
        super().__init__(message)
        self.op_type = op_type
        self.node = node
