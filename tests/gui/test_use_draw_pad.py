"""DrawPad: real mouse strokes become a centred 28×28 digit in [0, 1]; undo, clear, brush."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from nndesigner.panels.draw_pad import DrawPad

from .use_helpers import draw


@pytest.fixture
def pad(qtbot):
    widget = DrawPad(28)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def centre_of_mass(img):
    ys, xs = np.indices(img.shape)
    return (img * ys).sum() / img.sum(), (img * xs).sum() / img.sum()


def test_a_stroke_gives_ink_centred_like_mnist(pad, qtbot):
    assert pad.is_empty() and not pad.image().any()
    with qtbot.waitSignal(pad.changed):
        draw(pad.canvas, [(30, 30), (40, 70), (45, 110)])  # a short stroke in the top left
    img = pad.image()
    assert img.shape == (28, 28) and img.dtype == np.float32
    assert img.min() >= 0 and img.max() <= 1 and img.max() > 0.9
    cy, cx = centre_of_mass(img)
    assert abs(cy - 13.5) <= 1 and abs(cx - 13.5) <= 1  # moved to the middle
    rows = np.flatnonzero((img > 0.05).any(axis=1))
    assert 18 <= rows[-1] - rows[0] + 1 <= 21  # its box scaled to 20 px, as the training digits
    raw = pad.raw_image()  # the drawing where it was drawn, at 28×28 by area averaging
    cy, cx = centre_of_mass(raw)
    assert cy < 12 and cx < 8


def test_undo_clear_and_brush(pad, qtbot):
    pad.brush_slider.setValue(1)
    draw(pad.canvas, [(60, 40), (60, 180)])
    thin = pad.raw_image().sum()
    pad.brush_slider.setValue(4)
    draw(pad.canvas, [(150, 40), (150, 180)])
    assert len(pad.canvas.strokes) == 2
    both = pad.raw_image().sum()
    assert both - thin > 2.5 * thin  # the 4-px stroke carries far more ink than the 1-px one
    pad.canvas.setFocus()
    with qtbot.waitSignal(pad.changed):
        qtbot.keyClick(pad.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(pad.canvas.strokes) == 1
    assert pad.raw_image().sum() == pytest.approx(thin, rel=1e-3)
    pad.clear_button.click()
    assert pad.is_empty() and not pad.raw_image().any()


def test_other_sizes(pad):
    pad.set_size(7)
    draw(pad.canvas, [(20, 20), (200, 200)])
    assert pad.image().shape == (7, 7) and pad.raw_image().shape == (7, 7)
    assert pad.pil_image().size == (28, 28)  # 4× for preprocessing
