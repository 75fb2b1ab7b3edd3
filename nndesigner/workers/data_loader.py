"""DataLoader: runs an engine data loader (bundled, CSV, image folder, .npz, reference) in a
QThread and reports through throttled signals.

``DataLoader.load(request)`` starts one load; a new load cancels the one running (its result is
dropped). The engine's ``progress(done, total)`` callback runs in the loader thread; it is
forwarded as ``progress`` at most every 50 ms (≤ 20 per second) plus once at the end.
``cancel()`` sets the ``threading.Event`` the engine loader polls between chunks. Every load
ends with exactly one ``finished(LoadResult)``, emitted in the GUI thread after the result is
complete: a data set (with its summary and its project reference, computed in the thread because
hashing a large data set takes a while), or an error message, or ``cancelled``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot

from engine.data import DataChanged, Dataset, DatasetSummary, LoadCancelled
from engine.errors import DataError

PROGRESS_INTERVAL = 0.05  # seconds: at most 20 progress signals per second


@dataclass
class LoadRequest:
    """One engine loader call: ``call(**kwargs, progress=…, cancelled=…)``.

    ``label`` names the data in messages ("trips.csv"); ``context`` is carried back unchanged
    in the result (e.g. the split settings of a project being restored)."""

    label: str
    call: Callable[..., Dataset]
    kwargs: dict[str, Any] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)


@dataclass
class LoadResult:
    """How a load ended. ``dataset`` is None after an error or a cancel; ``warning`` is set
    when the data loaded but differ from what a project saved (``DataChanged``)."""

    request: LoadRequest
    dataset: Dataset | None = None
    summary: DatasetSummary | None = None
    reference: dict[str, Any] | None = None
    error: str = ""
    cancelled: bool = False
    warning: str = ""

    @property
    def ok(self) -> bool:
        return self.dataset is not None


class _LoadThread(QThread):
    progressed = Signal(int, int)
    done = Signal(object)

    def __init__(self, request: LoadRequest, interval: float) -> None:
        super().__init__()
        self.request = request
        self.cancel_event = threading.Event()
        self._interval = interval
        self._last = -float("inf")

    def _progress(self, done: int, total: int) -> None:
        now = time.monotonic()
        if (total and done >= total) or now - self._last >= self._interval:
            self._last = now
            self.progressed.emit(int(done), int(total))

    def run(self) -> None:
        req = self.request
        result = LoadResult(req)
        try:
            ds = req.call(**req.kwargs, progress=self._progress, cancelled=self.cancel_event)
            result.dataset = ds
        except LoadCancelled:
            result.cancelled = True
        except DataChanged as exc:  # loaded, but not the data the project was saved with
            result.dataset, result.warning = exc.dataset, str(exc)
        except (DataError, OSError) as exc:
            result.error = str(exc)
        except Exception as exc:  # a bug in a loader must not end the thread silently
            result.error = f"unexpected {type(exc).__name__}: {exc}"
        if self.cancel_event.is_set():  # the user's cancel wins over a late success
            result.dataset, result.cancelled = None, True
        if result.dataset is not None:
            try:
                result.summary = result.dataset.summary()
                result.reference = result.dataset.to_dict()
            except Exception as exc:
                result.dataset, result.error = None, f"{type(exc).__name__}: {exc}"
        self.done.emit(result)


class DataLoader(QObject):
    """Loads one data set at a time off the GUI thread (see the module docstring)."""

    #: ``(done, total)`` of the running load, throttled; total 0 means "unknown".
    progress = Signal(int, int)
    #: A load started: its LoadRequest.
    started = Signal(object)
    #: The running load ended: a LoadResult (in the GUI thread).
    finished = Signal(object)

    def __init__(self, parent: QObject | None = None,
                 interval: float = PROGRESS_INTERVAL) -> None:
        super().__init__(parent)
        self._interval = interval
        self._current: _LoadThread | None = None
        # Threads still running (a replaced load winds down): Python must keep them alive.
        self._threads: set[_LoadThread] = set()
        app = QCoreApplication.instance()
        if app is not None:  # a QThread destroyed while running aborts the process
            app.aboutToQuit.connect(self.shutdown)

    @property
    def running(self) -> bool:
        return self._current is not None

    @property
    def request(self) -> LoadRequest | None:
        """The running load's request."""
        return self._current.request if self._current is not None else None

    def load(self, request: LoadRequest) -> None:
        """Start loading; a load already running is cancelled and its result dropped."""
        if self._current is not None:
            self._current.cancel_event.set()
        thread = _LoadThread(request, self._interval)
        queued = Qt.ConnectionType.QueuedConnection
        thread.progressed.connect(self._on_progress, queued)
        thread.done.connect(self._on_done, queued)
        thread.finished.connect(self._on_thread_finished, queued)
        self._threads.add(thread)
        self._current = thread
        self.started.emit(request)
        thread.start()

    def cancel(self) -> None:
        """Ask the running load to stop; ``finished`` follows with ``cancelled=True``."""
        if self._current is not None:
            self._current.cancel_event.set()

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Cancel everything and wait for the threads (before the app quits). True when every
        thread ended in time."""
        self._current = None
        ok = True
        for thread in list(self._threads):
            thread.cancel_event.set()
            ok = thread.wait(timeout_ms) and ok
        return ok

    @Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        if self.sender() is self._current:
            self.progress.emit(done, total)

    @Slot(object)
    def _on_done(self, result: LoadResult) -> None:
        if self.sender() is not self._current:
            return  # replaced by a newer load, or shut down
        self._current = None
        self.finished.emit(result)

    @Slot()
    def _on_thread_finished(self) -> None:
        thread = self.sender()
        if isinstance(thread, _LoadThread):
            # Dropping the last reference deletes the QThread: make sure it has really ended.
            thread.wait()
            self._threads.discard(thread)
