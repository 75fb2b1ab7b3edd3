"""Start the Qt application and show the main window."""

from __future__ import annotations

import sys


def run_gui(argv: list[str] | None = None) -> int:
    from PySide6.QtWidgets import QApplication

    from nndesigner.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1] + list(argv or []))
    app.setApplicationName("nndesigner")
    app.setOrganizationName("nndesigner")
    window = MainWindow()
    window.show()
    return app.exec()
