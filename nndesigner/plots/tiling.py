"""How a weight array becomes one heatmap image, and which weight each pixel shows (pure NumPy).

Every layout is a grid of ``rows × cols`` tiles of ``h × w`` pixels with 1-pixel gaps, so the
image is ``(rows·(h+1) − 1) × (cols·(w+1) − 1)``:

- Dense W (units, inputs): one tile, neurons down and inputs across (the plain matrix);
- Dense W whose inputs are an image (e.g. 28×28 pixels): one tile per neuron, showing what
  that neuron "looks for", neurons row by row;
- Conv2D W (filters, channels, kh, kw): filters across, channels down; with one input channel
  the filters wrap into rows instead, so that a long strip doesn't shrink each kernel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

ASPECT = 1.6  # neuron tiles are arranged to fill a landscape heatmap cell


@dataclass(frozen=True)
class Tiling:
    kind: str  # "dense", "neurons" (a tile per neuron), "conv" or "filters" (a tile per filter)
    shape: tuple[int, ...]  # the weight array's shape
    rows: int
    cols: int
    h: int
    w: int

    @property
    def image_shape(self) -> tuple[int, int]:
        return self.rows * (self.h + 1) - 1, self.cols * (self.w + 1) - 1

    def blocks(self, weights: np.ndarray) -> np.ndarray:
        """The weights as (rows, cols, h, w) tiles (unused neuron tiles are zero)."""
        if self.kind == "conv":
            return weights.transpose(1, 0, 2, 3)  # channels down, filters across
        if self.kind == "dense":
            return weights[None, None]
        units = self.shape[0]  # neurons or filters, one tile each
        tiles = np.zeros((self.rows * self.cols, self.h, self.w), dtype=np.float32)
        tiles[:units] = weights.reshape(units, self.h, self.w)
        return tiles.reshape(self.rows, self.cols, self.h, self.w)

    def image(self, weights: np.ndarray) -> np.ndarray:
        """One C-contiguous float32 image with zero-valued 1-pixel gaps between tiles."""
        blocks = self.blocks(np.asarray(weights, dtype=np.float32))
        r, c, h, w = blocks.shape
        padded = np.zeros((r, c, h + 1, w + 1), dtype=np.float32)
        padded[:, :, :h, :w] = blocks
        image = padded.transpose(0, 2, 1, 3).reshape(r * (h + 1), c * (w + 1))
        return np.ascontiguousarray(image[:-1, :-1])

    def index(self, col: float, row: float) -> tuple[int, ...] | None:
        """The index into W of image pixel (col, row); None outside, on a gap or a spare tile."""
        x, y = math.floor(col), math.floor(row)
        tr, i = divmod(y, self.h + 1)
        tc, j = divmod(x, self.w + 1)
        if not (0 <= tr < self.rows and 0 <= tc < self.cols) or i == self.h or j == self.w:
            return None
        if self.kind == "conv":
            return (tc, tr, i, j)
        if self.kind == "dense":
            return (i, j)
        tile = tr * self.cols + tc
        if tile >= self.shape[0]:
            return None
        return (tile, 0, i, j) if self.kind == "filters" else (tile, i * self.w + j)

    def describe(self, layer: str, weights: np.ndarray, col: float, row: float) -> str:
        index = self.index(col, row)
        if index is None:
            return ""
        value = f"w = {float(weights[index]):.4f}"
        if self.kind in ("conv", "filters"):
            f, c, i, j = index
            return f"{layer}: filter {f}, channel {c}, kernel row {i}, col {j}: {value}"
        neuron, inp = index
        if self.kind == "neurons":
            i, j = divmod(inp, self.w)
            return f"{layer}: neuron {neuron} ← input {inp} (pixel row {i}, col {j}): {value}"
        return f"{layer}: neuron {neuron} ← input {inp}: {value}"

    def spare_tiles(self) -> list[tuple[int, int]]:
        """(row, col) of the tiles past the last neuron, to be covered like gaps."""
        if self.kind not in ("neurons", "filters"):
            return []
        used = self.shape[0]
        return [divmod(t, self.cols) for t in range(used, self.rows * self.cols)]


def tiling_for(shape: tuple[int, ...], input_image: tuple[int, int] | None = None) -> Tiling:
    """The layout of a Dense (2-D) or Conv2D (4-D) weight shape; ``input_image`` = (h, w)
    shows a Dense W whose inputs are h·w pixels as one tile per neuron."""
    if len(shape) == 4:
        f, c, kh, kw = shape
        if c == 1 and f > 4:
            cols = neuron_columns(f, kh, kw)
            return Tiling("filters", tuple(shape), math.ceil(f / cols), cols, kh, kw)
        return Tiling("conv", tuple(shape), c, f, kh, kw)
    if len(shape) != 2:
        raise ValueError(f"weights of shape {shape} are neither Dense nor Conv2D")
    units, inputs = shape
    if input_image is not None and input_image[0] * input_image[1] == inputs:
        h, w = input_image
        cols = neuron_columns(units, h, w)
        return Tiling("neurons", tuple(shape), math.ceil(units / cols), cols, h, w)
    return Tiling("dense", tuple(shape), 1, 1, units, inputs)


def neuron_columns(units: int, h: int, w: int) -> int:
    """Columns for ``units`` tiles of h×w: a grid about ASPECT wide, with few spare tiles."""
    def cost(cols: int) -> float:
        rows = math.ceil(units / cols)
        spare = rows * cols - units
        return abs(math.log(cols * w / (rows * h) / ASPECT)) + spare / units

    return min(range(1, units + 1), key=cost)


def tile_conv(w: np.ndarray) -> np.ndarray:
    """(F, C, kh, kw) kernels → one float32 image, filters across, channels down, 1-px gaps
    (one channel: filters row by row)."""
    return tiling_for(w.shape).image(w)


def pixel_index(shape: tuple[int, ...], col: float, row: float,
                input_image: tuple[int, int] | None = None) -> tuple[int, ...] | None:
    """The index into W of image pixel (col, row): (neuron, input) for a Dense W, (filter,
    channel, i, j) for a Conv2D W; None outside the image or on a gap."""
    return tiling_for(shape, input_image).index(col, row)


def hover_text(layer: str, w: np.ndarray, col: float, row: float,
               input_image: tuple[int, int] | None = None) -> str:
    """'dense_1: neuron 3 ← input 17: w = 0.1234' for the pixel at (col, row), '' if none."""
    return tiling_for(w.shape, input_image).describe(layer, w, col, row)


def robust_max(w: np.ndarray) -> float:
    """The 99th percentile of |w| (one outlier must not wash out the rest), at least 1e-6."""
    a = np.abs(np.nan_to_num(np.asarray(w, dtype=np.float32), posinf=0.0, neginf=0.0))
    if a.size == 0:
        return 1e-6
    return max(float(np.percentile(a, 99)), 1e-6)
