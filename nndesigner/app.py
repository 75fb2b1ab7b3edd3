"""Start the Qt application: recover crashed work, open a project, show the main window."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication, QMessageBox


def run_gui(project: str | None = None) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("nndesigner")
    app.setOrganizationName("nndesigner")
    from nndesigner.canvas.scene import release_clipboard
    from nndesigner.main_window import MainWindow

    app.aboutToQuit.connect(release_clipboard)

    window = MainWindow()
    # However the app ends (window closed, Ctrl+Q, session logout), stop the worker threads
    # first: Qt aborts the process if a QThread is destroyed while running.
    app.aboutToQuit.connect(window.shutdown_workers)
    window.show()
    if not _offer_recovery(window):
        _open_initial(window, project)
    status = app.exec()
    # Dispose of the window (and its pyqtgraph views) while Qt is still fully alive, rather
    # than leaving it to the interpreter's teardown, which can crash in the plot widgets.
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    del window
    return status


def _offer_recovery(window) -> bool:
    orphans = window.recovery.orphans()
    if not orphans:
        return False
    latest = orphans[0]
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(latest.saved_at))
    answer = QMessageBox.question(
        window, "Restore unsaved work?",
        f"nndesigner closed unexpectedly. Unsaved changes to “{latest.title}” from {when} "
        "were kept. Restore them?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.Yes,
    )
    if answer == QMessageBox.StandardButton.Yes and window.restore_recovery(latest):
        orphans = orphans[1:]
    for item in orphans:
        window.recovery.remove(item)
    return answer == QMessageBox.StandardButton.Yes


def _open_initial(window, project: str | None) -> None:
    """The project named on the command line, else the last one, else the bundled example."""
    if project:
        if window.open_path(Path(project)):
            return
    else:
        last = window.settings.value("last_project")
        if isinstance(last, str) and Path(last).is_file() and window.open_path(Path(last)):
            return
    window.open_template()
