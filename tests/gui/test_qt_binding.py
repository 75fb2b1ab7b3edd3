"""Guard against binding bugs that crash a painting-heavy app: PySide6 6.12.0 returned None
from void QPainter methods without a reference, so None's refcount fell by one per call and
Python 3.11 aborted ("deallocating None") after a few thousand repaints."""

import sys

from PySide6.QtCore import QRectF
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPen


def test_void_painter_calls_do_not_leak_none_references(qapp):
    image = QImage(32, 32, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        before = sys.getrefcount(None)
        for _ in range(2000):
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(QPen(QColor("red"), 2))
            painter.setBrush(QBrush(QColor("blue")))
            painter.drawRoundedRect(QRectF(0, 0, 10, 10), 3, 3)
        after = sys.getrefcount(None)
    finally:
        painter.end()
    assert after - before > -100, f"None lost {before - after} references in 8000 calls"
