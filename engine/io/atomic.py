"""Atomic file writes: the target is either the complete new file or untouched.

    with atomic_writer("model.nnd") as f:
        f.write(data)

The data go to a temporary file in the target's directory (so the final rename never crosses a
file system), which is flushed and ``fsync``-ed, then renamed over the target with
:func:`os.replace` (atomic on POSIX and Windows). If anything fails before the rename — an
exception in the ``with`` block, a full disk, a failing ``fsync`` — the temporary file is removed,
the exception propagates, and the previous file is byte-identical. A crash at any point leaves the
previous file intact too (at worst a stray ``.<name>.<random>.tmp`` next to it).

A new file gets the usual permissions (0666 minus the umask); an existing file keeps its mode.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


def _temp_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable; not possible on every platform (Windows), so best effort.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Yield a binary file; on normal exit it atomically replaces ``path``."""
    target = Path(path)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None
    tmp = _temp_path(target)
    # O_EXCL: never follow or reuse something already there; 0o666 lets the umask apply.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_directory(target.parent)


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Atomically replace ``path`` with ``data``."""
    with atomic_writer(path) as f:
        f.write(data)
