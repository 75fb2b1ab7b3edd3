"""Progress reports and cooperative cancellation for the loaders.

Every loader takes ``progress(done, total)`` and ``cancelled`` (a ``threading.Event`` or a
callable returning True once the user wants to stop). The loader calls :meth:`Monitor.update`
between units of work (a chunk of CSV lines, a batch of images); ``update`` checks for
cancellation and raises :class:`LoadCancelled`, and calls ``progress`` at most every
``interval`` seconds, plus once with ``done == total`` at the end. The callback runs in the
loader's thread: a GUI must hand it over to its own thread (a queued signal) itself.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from ..errors import EngineError

ProgressCallback = Callable[[int, int], None]
CancelFlag = threading.Event | Callable[[], bool] | None


class LoadCancelled(EngineError):
    """Loading stopped because the caller asked for it; nothing was returned."""


def cancel_check(cancelled: CancelFlag) -> Callable[[], bool]:
    """A function answering "stop now?" for an Event, a callable or None."""
    if cancelled is None:
        return lambda: False
    if isinstance(cancelled, threading.Event):
        return cancelled.is_set
    if callable(cancelled):
        return lambda: bool(cancelled())
    raise TypeError("cancelled must be a threading.Event, a callable or None")


class Monitor:
    """Throttled progress and cancellation for one load of ``total`` units."""

    def __init__(
        self,
        what: str,
        total: int,
        progress: ProgressCallback | None = None,
        cancelled: CancelFlag = None,
        interval: float = 0.05,
    ) -> None:
        self.what = what
        self.total = max(int(total), 0)
        self.done = 0
        self._progress = progress
        self._stop = cancel_check(cancelled)
        self._interval = interval
        self._last = -float("inf")

    def check(self) -> None:
        """Raise :class:`LoadCancelled` if the caller asked to stop."""
        if self._stop():
            raise LoadCancelled(f"loading {self.what} was cancelled")

    def update(self, done: int, total: int | None = None) -> None:
        """Record progress (``done`` of ``total`` units), report it if due, check cancel."""
        if total is not None:
            self.total = max(int(total), 0)
        self.done = min(int(done), self.total) if self.total else int(done)
        self.check()
        now = time.perf_counter()
        if self._progress is not None and now - self._last >= self._interval:
            self._last = now
            self._progress(self.done, self.total)

    def finish(self) -> None:
        """The final report: ``done == total``."""
        self.check()
        if self._progress is not None:
            self._progress(self.total, self.total)
