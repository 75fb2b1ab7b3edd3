"""Apply a data set's preprocessing to new raw inputs, so predictions see what training saw.

:func:`apply_preprocessing` reads ``preprocessing["type"]``:

* ``"table"`` — rows of raw cells (lists in file-column or feature order, or dicts by column
  name), or the path of a CSV file: numeric columns parsed and scaled, categories one-hot
  encoded (see :mod:`engine.data.tabular`);
* ``"image"`` — image files, PIL images or picture arrays: converted, resized and scaled
  (see :func:`engine.data.images.preprocess_images`); the generated digits normalise as
  MNIST did, the 7×7 patterns are thresholded to black and white;
* ``"array"`` — arrays laid out and scaled as an ``.npz`` archive's ``x``;
* ``"none"`` — numbers used as they are.

The result is always float32 with the data set's input shape per sample.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError
from .csv import read_rows
from .images import preprocess_images
from .npz import apply_array
from .tabular import apply_table


def apply_preprocessing(raw: Any, preprocessing: dict[str, Any]) -> np.ndarray:
    """Turn raw inputs into network inputs (see the module docstring).

    Returns
    -------
    ndarray, float32, shape (N, F) or (N, C, H, W)
    """
    if not isinstance(preprocessing, dict):
        raise DataError("preprocessing must be a dict (a data set's .preprocessing)")
    kind = preprocessing.get("type", "none")
    if kind == "table":
        if isinstance(raw, str | os.PathLike):
            raw = read_rows(Path(raw), preprocessing)
        return apply_table(raw, preprocessing)
    if kind == "image":
        return preprocess_images(raw, preprocessing)
    if kind == "array":
        return apply_array(raw, preprocessing)
    if kind == "none":
        x = np.asarray(raw, dtype=np.float32)
        return x[None] if x.ndim == 1 else x
    raise DataError(f"unknown preprocessing type {kind!r}")
