"""Atomic writes: a failure at any point leaves the previous file byte-identical."""

import errno
import os
import subprocess
import sys
import textwrap

import pytest

from engine.io import atomic
from engine.io.atomic import atomic_writer, write_bytes_atomic

OLD = b"the previous, complete file\n" * 100


def disk_full() -> OSError:
    return OSError(errno.ENOSPC, "No space left on device")


@pytest.fixture
def target(tmp_path):
    path = tmp_path / "project.nnd"
    path.write_bytes(OLD)
    return path


def assert_untouched(path):
    assert path.read_bytes() == OLD
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no temp file left


def test_write_creates_and_replaces(tmp_path):
    path = tmp_path / "a.bin"
    write_bytes_atomic(path, b"one")
    write_bytes_atomic(path, b"two")
    assert path.read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == ["a.bin"]


def test_failure_midway_keeps_old_file(target):
    with pytest.raises(OSError, match="No space"), atomic_writer(target) as f:
        f.write(b"new data, half of it " * 1000)
        raise disk_full()
    assert_untouched(target)


def test_failing_fsync_keeps_old_file(target, monkeypatch):
    def fsync(fd):
        raise disk_full()

    monkeypatch.setattr(atomic.os, "fsync", fsync)
    with pytest.raises(OSError, match="No space"):
        write_bytes_atomic(target, b"new" * 1000)
    monkeypatch.undo()
    assert_untouched(target)


def test_failing_rename_keeps_old_file(target, monkeypatch):
    def replace(src, dst):
        raise PermissionError(errno.EACCES, "denied")

    monkeypatch.setattr(atomic.os, "replace", replace)
    with pytest.raises(PermissionError):
        write_bytes_atomic(target, b"new")
    monkeypatch.undo()
    assert_untouched(target)


def test_crash_midway_keeps_old_file(target):
    # A real crash: the process dies (no cleanup, no exception handling) in the middle.
    code = textwrap.dedent(f"""
        import os
        from engine.io.atomic import atomic_writer
        with atomic_writer({str(target)!r}) as f:
            f.write(b"partial" * 1000)
            f.flush()
            os._exit(3)
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True)
    assert result.returncode == 3
    assert target.read_bytes() == OLD


@pytest.mark.skipif(os.name != "posix", reason="file mode bits (chmod 0o640) exist only on POSIX")
def test_permissions(tmp_path):
    existing = tmp_path / "kept.bin"
    existing.write_bytes(b"x")
    existing.chmod(0o640)
    write_bytes_atomic(existing, b"y")
    assert existing.stat().st_mode & 0o777 == 0o640
    fresh = tmp_path / "fresh.bin"
    umask = os.umask(0o022)
    try:
        write_bytes_atomic(fresh, b"z")
    finally:
        os.umask(umask)
    assert fresh.stat().st_mode & 0o777 == 0o644  # not mkstemp's 0600
