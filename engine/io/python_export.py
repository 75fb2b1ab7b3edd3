"""Export a model as a standalone ``predict.py`` plus the ``.npz`` it reads.

The script needs only Python 3.9+ and NumPy: it implements every layer type and activation on
NCHW arrays (convolutions and pooling with ``sliding_window_view``, clear rather than fast),
loads the architecture and weights from the ``.npz`` written by :mod:`engine.io.npz_export`
(``allow_pickle=False``), and reproduces :meth:`engine.Model.predict` to float32 rounding. It
offers ``predict(x)`` and a command line::

    python predict.py inputs.npy|inputs.npz|inputs.csv [--outputs] [--npz other.npz]

which prints one line per sample: the class name (or index) and its probability for
classifiers, the output values otherwise. The source is the module
:mod:`engine.io.predict_template` with the file name, network name and version filled in; it
does not depend on the network, so one script reads any export.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from .. import __version__ as ENGINE_VERSION
from ..model import Model
from .atomic import write_bytes_atomic
from .npz_export import export_npz

_SAFE_FILE_NAME = re.compile(r"[A-Za-z0-9_.\- ]{1,100}")


def predict_script(npz_name: str = "model.npz", network_name: str = "") -> str:
    """The source of ``predict.py`` reading ``npz_name`` from its own directory."""
    if not _SAFE_FILE_NAME.fullmatch(npz_name) or npz_name.startswith("."):
        raise ValueError(
            f"npz file name {npz_name!r}: use letters, digits, spaces, '_', '-' and '.' only"
        )
    # The name lands in a docstring: keep it printable and free of quotes and backslashes.
    shown = "".join(c for c in network_name if c.isprintable()).replace("\\", "/")
    shown = shown.replace('"', "'") or "(unnamed)"
    template = resources.files(__package__).joinpath("predict_template.py").read_text("utf-8")
    return (
        template.replace("__NPZ__", npz_name)
        .replace("__NETWORK__", f'"{shown}"')
        .replace("__VERSION__", ENGINE_VERSION)
    )


def export_python(
    model: Model,
    directory: str | os.PathLike[str],
    npz_name: str = "model.npz",
    script_name: str = "predict.py",
    preprocessing: dict[str, Any] | None = None,
    class_names: Sequence[str] | None = None,
) -> tuple[Path, Path]:
    """Write ``predict.py`` and the ``.npz`` it loads into ``directory`` (created if needed);
    return their paths (script, npz). Each file is written atomically."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    source = predict_script(npz_name, model.spec.name)
    npz_path, script_path = folder / npz_name, folder / script_name
    export_npz(model, npz_path, preprocessing, class_names)
    write_bytes_atomic(script_path, source.encode("utf-8"))
    return script_path, npz_path
