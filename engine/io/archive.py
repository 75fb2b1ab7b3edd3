"""Zip archives and ``.npz`` weight files: written deterministically, read defensively.

Writing: members get a fixed timestamp and permissions, so saving the same content twice gives
the same bytes (diff-friendly, and tests can compare files).

Reading never executes code and never trusts a size it has not checked:

* :func:`read_member` refuses a member whose *declared* uncompressed size is over the limit, then
  reads at most limit + 1 bytes anyway (a lying header cannot inflate past the cap);
  duplicate member names, encryption, unknown compression and CRC errors are refused.
* :func:`read_npz` parses each ``.npy`` header itself (``numpy.lib.format``): object (pickled)
  dtypes are refused, only the allowed dtype kinds pass, and the header's shape must account for
  exactly the bytes present, so a forged shape cannot make it allocate more than it read.

Every failure is a :class:`~engine.io.errors.ProjectError` whose message starts with ``where``
(a prefix such as ``"weights.npz: "``, or ``""`` for the file itself).
"""

from __future__ import annotations

import io
import math
import zipfile
import zlib
from collections.abc import Mapping

import numpy as np
from numpy.lib import format as npy_format

from .errors import ProjectError

FIXED_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip can hold


def add_member(zf: zipfile.ZipFile, name: str, data: bytes, compress: bool = True) -> None:
    """Write ``data`` as member ``name`` with a fixed date, so output bytes are reproducible."""
    info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    zf.writestr(info, data)


def npz_bytes(arrays: Mapping[str, np.ndarray]) -> bytes:
    """An uncompressed ``.npz`` (readable by ``np.load(..., allow_pickle=False)``)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for key, value in arrays.items():
            member = io.BytesIO()
            npy_format.write_array(member, np.asanyarray(value), allow_pickle=False)
            add_member(zf, f"{key}.npy", member.getvalue(), compress=False)
    return buf.getvalue()


def open_zip(source: str | bytes | io.BufferedIOBase, where: str) -> zipfile.ZipFile:
    """Open a zip archive or raise ``ProjectError("<where>: not a zip file …")``."""
    try:
        stream = io.BytesIO(source) if isinstance(source, bytes) else source
        return zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError,
            NotImplementedError) as exc:
        # OSError: a damaged directory can send seek() before the start of the file.
        raise ProjectError(f"{where}not a zip file (or a damaged one): {exc}") from None


def read_member(zf: zipfile.ZipFile, name: str, limit: int, where: str) -> bytes | None:
    """The bytes of member ``name`` (None when absent), at most ``limit`` of them."""
    infos = [i for i in zf.infolist() if i.filename == name]
    if not infos:
        return None
    if len(infos) > 1:
        raise ProjectError(f"{where}the archive holds {name} {len(infos)} times; refused")
    return read_info(zf, infos[0], limit, where)


def read_info(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, where: str) -> bytes:
    """The bytes of one member, at most ``limit`` of them (see :func:`read_member`)."""
    name = info.filename
    if info.file_size > limit:
        raise ProjectError(
            f"{where}{name} would unpack to {info.file_size:,} bytes, over the limit of "
            f"{limit:,}; refused"
        )
    try:
        with zf.open(info) as f:
            data = f.read(limit + 1)
    except RuntimeError as exc:  # encrypted
        raise ProjectError(f"{where}{name} cannot be read: {exc}") from None
    except NotImplementedError as exc:
        raise ProjectError(f"{where}{name} uses an unsupported compression: {exc}") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        raise ProjectError(f"{where}{name} is damaged or truncated: {exc}") from None
    if len(data) > limit:
        raise ProjectError(f"{where}{name} unpacks to more than {limit:,} bytes; refused")
    return data


def read_npz(
    data: bytes,
    where: str,
    max_bytes: int,
    max_arrays: int = 100_000,
    kinds: str = "f",
) -> dict[str, np.ndarray]:
    """Arrays of an ``.npz`` held in memory, by key. ``kinds`` lists the allowed dtype kinds
    (``"f"`` float, ``"U"`` text, …); arrays are returned writable, in native byte order."""
    zf = open_zip(data, where)
    infos = [i for i in zf.infolist() if i.filename.endswith(".npy")]
    if len(infos) > max_arrays:
        raise ProjectError(f"{where}{len(infos):,} arrays, over the limit of {max_arrays:,}")
    budget = max_bytes
    out: dict[str, np.ndarray] = {}
    for info in infos:
        key = info.filename[: -len(".npy")]
        if key in out:
            raise ProjectError(f"{where}'{key}' appears twice; refused")
        raw = read_info(zf, info, budget, where)
        budget -= len(raw)
        out[key] = _parse_npy(raw, f"{where}'{key}'", kinds)
    return out


def _parse_npy(raw: bytes, where: str, kinds: str) -> np.ndarray:
    fp = io.BytesIO(raw)
    try:
        version = npy_format.read_magic(fp)
        if version == (1, 0):
            shape, fortran, dtype = npy_format.read_array_header_1_0(fp)
        elif version in ((2, 0), (3, 0)):
            shape, fortran, dtype = npy_format.read_array_header_2_0(fp)
        else:
            raise ValueError(f"unknown .npy version {version}")
    except (ValueError, SyntaxError, TypeError, EOFError) as exc:
        raise ProjectError(f"{where} is not a valid array: {exc}") from None
    if dtype.hasobject:
        raise ProjectError(
            f"{where} is a pickled object array; refused (a project file never runs code)"
        )
    if dtype.kind not in kinds or dtype.fields is not None or dtype.subdtype is not None:
        raise ProjectError(f"{where} has dtype {dtype}, which is not allowed here")
    count = math.prod(shape)
    body = raw[fp.tell() :]
    if count * dtype.itemsize != len(body):
        raise ProjectError(
            f"{where}: its header says shape {tuple(shape)} ({count * dtype.itemsize:,} bytes) "
            f"but it holds {len(body):,} bytes; the file is damaged"
        )
    flat = np.frombuffer(body, dtype=dtype, count=count)
    array = flat.reshape(shape, order="F" if fortran else "C")
    # A private, writable, native-order, C-contiguous copy (frombuffer views are read-only).
    return np.array(array, dtype=dtype.newbyteorder("="), order="C", copy=True)
