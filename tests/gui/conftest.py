import pytest

from nndesigner.canvas.scene import release_clipboard


@pytest.fixture(autouse=True)
def _release_clipboard(qapp):
    """As the app does on quit: PySide6 crashes at exit if the clipboard owns our QMimeData."""
    yield
    release_clipboard()
