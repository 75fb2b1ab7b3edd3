"""Autosave and crash recovery.

While a window has unsaved changes, its document is written every minute to a recovery file
in the user's data folder, with a small JSON note (original path, time, process id). A clean
save or close deletes both. At start-up, notes whose process is no longer running are work
lost in a crash, which the app offers to restore.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from .document import Document
from .project_io import save_document


@dataclass(frozen=True)
class Recoverable:
    file: Path
    note: Path
    original: Path | None
    saved_at: float
    title: str


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class RecoveryStore:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.id = uuid.uuid4().hex[:12]

    @property
    def file(self) -> Path:
        return self.folder / f"autosave-{self.id}.nnd"

    @property
    def note(self) -> Path:
        return self.folder / f"autosave-{self.id}.json"

    def write(self, doc: Document) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        save_document(doc, self.file)
        note = {
            "original": str(doc.path) if doc.path else None,
            "saved_at": time.time(),
            "pid": os.getpid(),
            "title": doc.title,
        }
        tmp = self.note.with_suffix(".tmp")
        tmp.write_text(json.dumps(note), encoding="utf-8")
        os.replace(tmp, self.note)
        return self.file

    def discard(self) -> None:
        for path in (self.file, self.note):
            path.unlink(missing_ok=True)

    def orphans(self) -> list[Recoverable]:
        """Recovery files left by processes that are no longer running (newest first)."""
        found = []
        for note in self.folder.glob("autosave-*.json"):
            try:
                info = json.loads(note.read_text(encoding="utf-8"))
                pid = int(info.get("pid", 0))
            except (OSError, ValueError, TypeError):
                continue
            file = note.with_suffix(".nnd")
            if not file.exists() or _alive(pid):
                continue
            original = info.get("original")
            found.append(Recoverable(file, note, Path(original) if original else None,
                                     float(info.get("saved_at", 0)), str(info.get("title", ""))))
        return sorted(found, key=lambda r: -r.saved_at)

    @staticmethod
    def remove(item: Recoverable) -> None:
        item.file.unlink(missing_ok=True)
        item.note.unlink(missing_ok=True)
