"""Load a folder of images as a :class:`Dataset`, and prepare single images the same way.

Layout: ``root/<class name>/**/<image>`` — one sub-folder per class (class names are the
folder names, sorted); images may sit in nested folders below their class folder. PNG, JPEG,
BMP and GIF files are read (by extension, any case; only these decoders are ever tried); the
first frame of an animation is used. Hidden files are ignored; other files, files directly
in ``root`` and files that cannot be decoded are skipped and listed in ``dataset.report``; a
class folder without images is left out (and noted). Fewer than two classes is an error.

Every image is converted to ``channels`` (1: grayscale, 3: RGB; None: 1 if every image is
grayscale, else 3), transparent areas are put on white, a JPEG's EXIF rotation is applied,
and the picture is brought to ``size`` (H, W) by ``fit``: "stretch" (ignore the aspect
ratio), "crop" (cut the middle to the aspect ratio) or "pad" (add white borders). ``x`` is
float32 (N, C, H, W) in [0, 1]; ``dataset.sample_ids`` are the files, relative to ``root``.

Decompression bombs — small files that declare a huge picture — are refused from their
header, before any pixel is decoded: the limit is ``max_pixels`` and never more than
Pillow's ``Image.MAX_IMAGE_PIXELS``, and Pillow's own DecompressionBombWarning is treated as
an error while loading.

Decoding runs in a thread pool for large files (Pillow releases the GIL while decoding);
small files are faster in one thread.
"""

from __future__ import annotations

import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import DataError
from .dataset import Dataset, LoadReport
from .progress import CancelFlag, Monitor, ProgressCallback

IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif"})
FORMATS = ("PNG", "JPEG", "BMP", "GIF")  # phones' MPO files open as JPEG
MAX_PIXELS = 50_000_000  # a 50-megapixel photo; far beyond any sensible training image
FITS = ("stretch", "crop", "pad")
_GRAY_MODES = frozenset({"1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "F"})
_BATCH = 64


class _Refused(Exception):
    """An image file that is not decoded, with the reason."""


def _pixel_limit(max_pixels: int | None) -> int:
    limits = [m for m in (max_pixels, Image.MAX_IMAGE_PIXELS) if m]
    return int(min(limits)) if limits else MAX_PIXELS


def _to_mode(im: Image.Image, channels: int | None) -> tuple[Image.Image, bool]:
    """Convert to "L" or "RGB" with transparency on white; say whether it was grayscale."""
    gray = im.mode in _GRAY_MODES
    if im.mode in ("P", "PA"):  # a palette (GIF, some PNGs): gray if every colour is
        im = im.convert("RGBA")
        rgb = np.asarray(im)[..., :3]
        gray = bool((rgb[..., 0] == rgb[..., 1]).all() and (rgb[..., 1] == rgb[..., 2]).all())
    if im.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        # 16-bit and float grays: scale their own range to 0…255
        a = np.asarray(im, dtype=np.float64)
        top = 65535.0 if im.mode.startswith("I;16") or a.max() > 255 else 255.0
        im = Image.fromarray(np.clip(a / top * 255, 0, 255).astype(np.uint8))
    if im.mode in ("RGBA", "LA", "La", "RGBa", "PA") or "transparency" in im.info:
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        im = Image.alpha_composite(white, rgba)
    want = channels or (1 if gray else 3)
    return im.convert("L" if want == 1 else "RGB"), gray


def _resize(im: Image.Image, size: tuple[int, int], fit: str) -> Image.Image:
    h, w = size
    if im.size == (w, h):
        return im
    if fit == "crop":
        return ImageOps.fit(im, (w, h), Image.BILINEAR)
    if fit == "pad":
        color = 255 if im.mode == "L" else (255, 255, 255)
        return ImageOps.pad(im, (w, h), Image.BILINEAR, color=color)
    return im.resize((w, h), Image.BILINEAR)


def decode(
    source: Any, size: tuple[int, int], channels: int | None, fit: str = "stretch",
    max_pixels: int | None = MAX_PIXELS,
) -> tuple[np.ndarray, bool]:
    """One image file (path or file object) as uint8 (H, W) or (H, W, 3), and whether the
    original was grayscale. Raises ``_Refused`` with a reason for a file it will not use."""
    try:
        with Image.open(source, formats=FORMATS) as im:
            w, h = im.size
            if w * h > _pixel_limit(max_pixels):
                raise _Refused(
                    f"refused: it declares {w}×{h} pixels (over the limit of "
                    f"{_pixel_limit(max_pixels):,}), perhaps a decompression bomb"
                )
            if im.format in ("JPEG", "MPO"):
                # decode at a reduced scale when the target is much smaller: far faster
                im.draft(im.mode, (max(size[1] * 2, 1), max(size[0] * 2, 1)))
                im = ImageOps.exif_transpose(im)
            im.load()
            im, gray = _to_mode(im, channels)
            return np.asarray(_resize(im, size, fit)), gray
    except _Refused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _Refused(f"refused as a possible decompression bomb: {exc}") from None
    except UnidentifiedImageError:
        raise _Refused("not a readable PNG, JPEG, BMP or GIF image") from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise _Refused(f"cannot be decoded ({exc})") from None


def _check_options(size: Any, channels: Any, fit: str) -> tuple[int, int]:
    if (not isinstance(size, list | tuple) or len(size) != 2
            or not all(isinstance(s, int) and not isinstance(s, bool) and 1 <= s <= 4096
                       for s in size)):
        raise DataError(f"image size must be (height, width) from 1 to 4096, got {size!r}")
    if channels not in (None, 1, 3):
        raise DataError(f"channels must be 1 (grayscale), 3 (colour) or None, got {channels!r}")
    if fit not in FITS:
        raise DataError(f"fit must be one of {', '.join(FITS)}, got {fit!r}")
    return int(size[0]), int(size[1])


def _scan(root: Path, report: LoadReport) -> tuple[list[str], list[Path], list[int]]:
    """Class names, image files and their labels; non-images go to the report."""
    if not root.is_dir():
        raise DataError(f"{root}: no such folder")
    entries = sorted(p for p in root.iterdir() if not p.name.startswith("."))
    for p in entries:
        if p.is_file():
            report.skipped.append((p.name, "not inside a class folder"))
    class_dirs = [p for p in entries if p.is_dir()]
    if not class_dirs:
        raise DataError(
            f"{root} has no sub-folders: put the images of each class in a folder named "
            "after the class (e.g. cats/, dogs/)"
        )
    names: list[str] = []
    files: list[Path] = []
    labels: list[int] = []
    for d in class_dirs:
        found = []
        for dirpath, dirnames, filenames in os.walk(d):
            dirnames[:] = sorted(n for n in dirnames if not n.startswith("."))
            for fname in sorted(filenames):
                if fname.startswith("."):
                    continue
                p = Path(dirpath) / fname
                if p.suffix.lower() in IMAGE_EXTENSIONS:
                    found.append(p)
                else:
                    report.skipped.append(
                        (p.relative_to(root).as_posix(),
                         f"not an image file ({p.suffix or 'no extension'})")
                    )
        if not found:
            report.notes.append(f"class folder '{d.name}' has no images and was left out")
            continue
        names.append(d.name)
        labels += [len(names) - 1] * len(found)
        files += found
    if len(names) < 2:
        have = f"only '{names[0]}'" if names else "none"
        raise DataError(
            f"{root}: images of at least two classes are needed (class folders with images: "
            f"{have})"
        )
    return names, files, labels


def load_image_folder(
    path: str | Path,
    *,
    size: tuple[int, int] = (28, 28),
    channels: int | None = None,
    fit: str = "stretch",
    max_pixels: int = MAX_PIXELS,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
    cancelled: CancelFlag = None,
    name: str | None = None,
) -> Dataset:
    """Load ``path/<class>/<images>``; see the module docstring.

    Returns
    -------
    Dataset with ``x`` float32 (N, C, H, W) in [0, 1], samples ordered by class then file.
    """
    h, w = _check_options(size, channels, fit)
    root = Path(path)
    report = LoadReport()
    monitor = Monitor(root.name, 1, progress, cancelled)
    names, files, labels = _scan(root, report)
    monitor.update(0, len(files))
    if workers is None:
        mean_size = np.mean([f.stat().st_size for f in files[:200]])
        workers = min(4, os.cpu_count() or 1) if mean_size > 64_000 else 1
    decoded: list[tuple[np.ndarray, bool] | str] = [""] * len(files)

    def run(start: int) -> None:
        for i in range(start, min(start + _BATCH, len(files))):
            try:
                decoded[i] = decode(files[i], (h, w), channels, fit, max_pixels)
            except _Refused as exc:
                decoded[i] = str(exc)

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        starts = range(0, len(files), _BATCH)
        if workers <= 1:
            for s in starts:
                run(s)
                monitor.update(s + _BATCH)
        else:
            with ThreadPoolExecutor(workers) as pool:
                futures = [pool.submit(run, s) for s in starts]
                try:
                    for s, fut in zip(starts, futures, strict=True):
                        fut.result()
                        monitor.update(s + _BATCH)
                except BaseException:
                    for fut in futures:
                        fut.cancel()
                    raise

    good = [i for i, d in enumerate(decoded) if not isinstance(d, str)]
    for i, d in enumerate(decoded):
        if isinstance(d, str):
            report.skipped.append((files[i].relative_to(root).as_posix(), d))
    if not good:
        raise DataError(f"{root}: none of the {len(files)} image files could be read")
    if channels is None:
        channels = 1 if all(decoded[i][1] for i in good) else 3  # type: ignore[index]
    x = np.empty((len(good), channels, h, w), dtype=np.float32)
    for j, i in enumerate(good):
        x[j] = _channels_first(decoded[i][0], channels)  # type: ignore[index]
        decoded[i] = ""  # free as we go
    x *= np.float32(1 / 255)
    y = np.asarray(labels, dtype=np.int64)[good]
    kept = sorted(set(y.tolist()))
    if len(kept) < 2:
        raise DataError(f"{root}: after skipping unreadable files, fewer than two classes "
                        "have images")
    for k, cname in enumerate(names):
        if k not in kept:
            report.notes.append(f"class '{cname}' has no readable images and was left out")
    remap = np.full(len(names), -1)
    remap[kept] = np.arange(len(kept))
    y = remap[y]
    names = [names[k] for k in kept]
    monitor.finish()
    if report.skipped:
        report.notes.append(f"{len(report.skipped)} file(s) skipped")
    prep = image_preprocessing((h, w), channels, fit)
    ds = Dataset(x, y, "classification", names, None, name=name or root.name,
                 description=f"images from {root.name}", preprocessing=prep, report=report,
                 sample_ids=[files[i].relative_to(root).as_posix() for i in good])
    ds.source = {"type": "image_folder", "path": str(root.resolve()),
                 "options": {"size": [h, w], "channels": channels, "fit": fit,
                             "max_pixels": max_pixels}}
    return ds


def _channels_first(a: np.ndarray, channels: int) -> np.ndarray:
    if a.ndim == 2:
        return np.broadcast_to(a, (channels, *a.shape))
    if channels == 1:  # ITU-R 601-2 luma, as Pillow's convert("L")
        return (a[..., 0] * 0.299 + a[..., 1] * 0.587 + a[..., 2] * 0.114)[None]
    return a.transpose(2, 0, 1)


def image_preprocessing(size: tuple[int, int], channels: int, fit: str) -> dict[str, Any]:
    return {"type": "image", "size": [int(size[0]), int(size[1])], "channels": int(channels),
            "fit": fit, "background": "white", "scale": "0-1"}


def preprocess_images(items: Any, preprocessing: dict[str, Any],
                      max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Prepare new images exactly as a data set's images were prepared.

    Parameters
    ----------
    items : a path, PIL image or array, or a list of them
        Arrays are pictures (H, W) or (H, W, 3|4), 0…255 integers or 0…1 floats.
    preprocessing : an ``"image"`` preprocessing dict.

    Returns
    -------
    float32 (N, C, H, W) in [0, 1]. A file that cannot be used raises DataError.
    """
    from .digits import center_digit  # local: digits imports this module's neighbours

    if preprocessing.get("type") != "image":
        raise DataError("these inputs need an image preprocessing description")
    h, w = preprocessing["size"]
    channels = int(preprocessing["channels"])
    fit = preprocessing.get("fit", "stretch")
    if isinstance(items, str | os.PathLike | Image.Image) or (
        isinstance(items, np.ndarray) and items.ndim in (2, 3) and items.dtype != object
    ):
        items = [items]
    out = np.empty((len(items), channels, h, w), dtype=np.float32)
    for i, item in enumerate(items):
        im, _ = _to_mode(_as_image(item, max_pixels), channels)  # transparency on white
        if preprocessing.get("normalize") == "digit":
            out[i, 0] = center_digit(im, size=h)
            continue
        if preprocessing.get("binary"):
            small = np.asarray(im.resize((w, h), Image.BOX), dtype=np.float32) / 255
            if float(np.concatenate([small[0], small[-1]]).mean()) > 0.5:
                small = 1 - small  # dark ink on light paper: ink is 1 in these sets
            out[i, 0] = (small > 0.5).astype(np.float32)
            continue
        a = np.asarray(_resize(im, (h, w), fit), dtype=np.float32)
        out[i] = _channels_first(a, channels) * np.float32(1 / 255)
    return out


def _as_image(item: Any, max_pixels: int) -> Image.Image:
    if isinstance(item, Image.Image):
        return item
    if isinstance(item, np.ndarray):
        a = item
        if a.dtype != np.uint8:
            a = np.asarray(a, dtype=np.float64)
            a = np.clip(a * 255 if a.size and a.max() <= 1 else a, 0, 255).astype(np.uint8)
        if a.ndim == 3 and a.shape[2] == 1:
            a = a[..., 0]
        return Image.fromarray(a)
    path = Path(item)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path, formats=FORMATS) as im:
                w, h = im.size
                if w * h > _pixel_limit(max_pixels):
                    raise DataError(f"{path.name}: refused, it declares {w}×{h} pixels "
                                    "(perhaps a decompression bomb)")
                im.load()
                return ImageOps.exif_transpose(im) if im.format in ("JPEG", "MPO") \
                    else im.copy()
    except DataError:
        raise
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DataError(f"{path.name}: refused as a possible decompression bomb: {exc}") \
            from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        raise DataError(f"{path.name}: cannot be read as an image ({exc})") from None
