"""The ways an image reaches the Try-it panel besides drawing: Open…, drag and drop, Ctrl+V.

:class:`ImageInputs` is a mixin for :class:`~nndesigner.panels.classify.ClassifyPanel` (listed
before QWidget); it calls the panel's ``_use_source(("file" | "paste", what), note)`` and
``_show_input_problem(message)``. Ctrl+V inside the panel is claimed from the window's Paste
action (which pastes layers on the canvas) only while the network takes images.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QFileDialog

from engine import DataError

from .batch_classify import BatchClassifyDialog
from .use_common import qimage_to_pil

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.gif);;All files (*)"


class ImageInputs:
    """Open, drop and paste images (see the module docstring)."""

    def _ask_files(self) -> list[str]:
        paths, _ = QFileDialog.getOpenFileNames(self, "Open images", "", IMAGE_FILTER)
        return paths

    def open_files(self) -> None:
        paths = self._ask_files()
        if paths:
            self.open_paths(paths)

    def open_paths(self, paths: list[str | Path]) -> None:
        """Classify the first image file (several: say so)."""
        paths = [Path(p) for p in paths]
        if not paths:
            return
        more = (f"Showing the first of {len(paths)} files; use Folder… for many."
                if len(paths) > 1 else "")
        self._use_source(("file", paths[0]), more)

    def open_batch(self) -> BatchClassifyDialog:
        """The Classify-a-folder dialog (one, reused; not modal)."""
        if self._batch is None:
            self._batch = BatchClassifyDialog(self.doc, self, self.dataset)
        self._batch.dataset = self.dataset
        self._batch.show()
        self._batch.raise_()
        return self._batch

    def paste_from_clipboard(self) -> None:
        if not self._takes_images():
            return
        clipboard = QGuiApplication.clipboard()
        mime = clipboard.mimeData()
        if mime is not None and mime.hasImage():
            try:
                self._use_source(("paste", qimage_to_pil(clipboard.image())))
            except DataError as exc:
                self._show_input_problem(str(exc))
        elif mime is not None and mime.hasUrls() and any(u.isLocalFile() for u in mime.urls()):
            self.open_paths([u.toLocalFile() for u in mime.urls() if u.isLocalFile()])
        else:
            self._show_input_problem("The clipboard holds no image: copy a picture first.")

    def event(self, e: QEvent) -> bool:
        # Ctrl+V inside the panel pastes an image here, not layers on the canvas: claim the key
        # before the window's Paste action sees it (a second shortcut would be ambiguous)
        if (e.type() == QEvent.Type.ShortcutOverride and isinstance(e, QKeyEvent)
                and e.matches(QKeySequence.StandardKey.Paste) and self._takes_images()):
            e.accept()
            return True
        return super().event(e)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Paste) and self._takes_images():
            self.paste_from_clipboard()
        else:
            super().keyPressEvent(event)

    def _takes_images(self) -> bool:
        return self._shape is not None and len(self._shape) == 3

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if self._takes_images() and (mime.hasImage() or (mime.hasUrls()
                                              and any(u.isLocalFile() for u in mime.urls()))):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        files = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()] if mime.hasUrls() \
            else []
        if files:
            self.open_paths(files)
        elif mime.hasImage():
            try:
                self._use_source(("paste", qimage_to_pil(mime.imageData())))
            except (DataError, TypeError) as exc:
                self._show_input_problem(str(exc))
        event.acceptProposedAction()
