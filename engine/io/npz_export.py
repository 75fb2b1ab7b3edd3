"""Export a trained model as one ``.npz``: weights, architecture, preprocessing, class names.

Everything in the file loads with ``np.load(path, allow_pickle=False)``:

``"<layer>/<param>"``
    The weights, as :meth:`engine.Model.get_weights` keys and layouts (Dense ``W`` is
    ``(units, inputs)``, Conv2D ``W`` is ``(filters, channels, kh, kw)``, BatchNorm
    ``gamma``/``beta``/``running_mean``/``running_var``), in the model's dtype.
``"architecture.json"``
    A 0-d text array: the JSON of :meth:`engine.NetworkSpec.to_dict`
    (``json.loads(str(npz["architecture.json"]))``).
``"export.json"``
    A 0-d text array: JSON with ``format`` ("nndesigner-npz"), ``format_version``, the versions
    that wrote it, the input and output layer names and shapes (public NCHW layout, no batch
    axis), and ``order``, the layers in an order where every layer comes after its inputs.
``"preprocessing.json"``
    Present when given: a 0-d text array with the preprocessing as JSON (the data section's
    own format; the exported network expects inputs that went through it).
``"class_names"``
    Present when given: a 1-d text array.

Weight keys always contain ``/`` (layer names cannot), so they never collide with the others.
:func:`read_npz_export` reads such a file back with the same defences as project files.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import EngineError
from ..graph import NetworkSpec
from ..model import Model
from . import jsonsafe
from .archive import npz_bytes, read_npz
from .atomic import write_bytes_atomic
from .errors import ProjectError
from .project import Limits, current_versions
from .weights import check_weights

FORMAT = "nndesigner-npz"
FORMAT_VERSION = 1
ARCHITECTURE_KEY = "architecture.json"
META_KEY = "export.json"
PREPROCESSING_KEY = "preprocessing.json"
CLASS_NAMES_KEY = "class_names"


def _text(value: Any) -> np.ndarray:
    return np.array(jsonsafe.dumps(value).decode("utf-8"))


def npz_arrays(
    model: Model,
    preprocessing: dict[str, Any] | None = None,
    class_names: Sequence[str] | None = None,
) -> dict[str, np.ndarray]:
    """The arrays :func:`export_npz` writes, by key."""
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "versions": current_versions(),
        "input": model.input_name,
        "output": model.output_name,
        "input_shape": list(model.input_shape),
        "output_shape": list(model.output_shape),
        "order": list(model.analysis.order),
    }
    arrays: dict[str, np.ndarray] = dict(model.get_weights())
    arrays[ARCHITECTURE_KEY] = _text(model.spec.to_dict())
    arrays[META_KEY] = _text(meta)
    if preprocessing is not None:
        arrays[PREPROCESSING_KEY] = _text(jsonsafe.clean(preprocessing, "preprocessing"))
    if class_names is not None:
        arrays[CLASS_NAMES_KEY] = np.array([str(c) for c in class_names], dtype=str)
    return arrays


def export_npz(
    model: Model,
    path: str | os.PathLike[str],
    preprocessing: dict[str, Any] | None = None,
    class_names: Sequence[str] | None = None,
) -> None:
    """Write the model's weights and architecture to ``path`` (atomically)."""
    write_bytes_atomic(path, npz_bytes(npz_arrays(model, preprocessing, class_names)))


@dataclass
class NpzExport:
    """What :func:`read_npz_export` found."""

    spec: NetworkSpec
    weights: dict[str, np.ndarray]
    meta: dict[str, Any]
    preprocessing: dict[str, Any] | None = None
    class_names: list[str] | None = None

    def model(self, dtype: Any = np.float32) -> Model:
        model = Model(self.spec, seed=0, dtype=dtype)
        model.set_weights(self.weights)
        return model


def read_npz_export(path: str | os.PathLike[str], limits: Limits | None = None) -> NpzExport:
    """Read a file written by :func:`export_npz`; ProjectError when it is not usable."""
    limits = limits or Limits()
    name = os.path.basename(path)
    where = f"{name}: "
    if os.path.getsize(path) > limits.max_weights_bytes:
        raise ProjectError(f"{where}over the size limit of {limits.max_weights_bytes:,} bytes",
                           path)
    with open(path, "rb") as f:
        data = f.read()
    arrays = read_npz(data, where, limits.max_weights_bytes, limits.max_arrays, kinds="fU")

    def text(key: str, required: bool) -> Any:
        if key not in arrays:
            if required:
                raise ProjectError(f"{where}no '{key}': not an nndesigner export", path)
            return None
        value = arrays.pop(key)
        if value.dtype.kind != "U" or value.ndim != 0:
            raise ProjectError(f"{where}'{key}' should be one text value", path)
        return jsonsafe.loads(str(value[()]).encode("utf-8"), f"{where}{key}: ",
                              limits.max_json_depth)

    meta = text(META_KEY, True)
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ProjectError(f"{where}not an nndesigner export", path)
    version = meta.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ProjectError(
            f"{where}format_version {version!r} is newer than this nndesigner understands "
            f"({FORMAT_VERSION})", path
        )
    try:
        spec = NetworkSpec.from_dict(text(ARCHITECTURE_KEY, True))
    except EngineError as exc:
        raise ProjectError(f"{where}{ARCHITECTURE_KEY}: {exc}", path) from None
    preprocessing = text(PREPROCESSING_KEY, False)
    class_names = None
    if CLASS_NAMES_KEY in arrays:
        names = arrays.pop(CLASS_NAMES_KEY)
        if names.dtype.kind != "U" or names.ndim != 1:
            raise ProjectError(f"{where}'{CLASS_NAMES_KEY}' should be a list of text", path)
        class_names = [str(n) for n in names]
    check_weights(arrays, spec, where, complete=True)
    return NpzExport(spec, arrays, meta, preprocessing, class_names)
