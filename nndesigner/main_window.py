"""The main window. The designer, training and use features arrive with their issues."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMainWindow

import engine


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("nndesigner")
        self.resize(1200, 760)
        layer_names = ", ".join(engine.LAYER_TYPES)
        label = QLabel(
            "<h2>nndesigner</h2>"
            f"<p>Engine {engine.__version__} ready. Layer types: {layer_names}.</p>"
        )
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setWordWrap(True)
        self.setCentralWidget(label)
        self.statusBar().showMessage("Ready")
