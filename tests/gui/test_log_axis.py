"""The log axis labels only what fits: no pile of 2…9 × 10ⁿ labels on a short plot, and
never no labels at all."""

import pytest

from nndesigner.plots.log_axis import LABEL_PX, LogAxis


@pytest.fixture
def axis(qtbot):
    return LogAxis("left")


def labelled(levels):
    return sorted({round(10 ** v, 6) for _, level in levels for v in level})


def test_tall_axis_labels_every_in_between_value(axis):
    # 0.1 … 1 on 400 px: 0.2 … 0.9 all fit.
    ticks = axis.logTickValues(-1.0, 0.0, 400, [(1.0, [-1.0, 0.0])])
    assert labelled(ticks) == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]


def test_short_axis_keeps_two_and_five(axis):
    ticks = axis.logTickValues(-1.0, 0.0, 90, [(1.0, [-1.0, 0.0])])
    assert labelled(ticks) == [0.1, 0.2, 0.5, 1.0]
    assert len(labelled(ticks)) * LABEL_PX <= 90


def test_decades_are_labelled_when_pyqtgraph_offers_only_finer_levels(axis):
    # pyqtgraph's linear levels for 2 decades on 100 px step by 0.5: not log positions.
    ticks = axis.logTickValues(-2.06, 0.06, 101, [(0.5, [-2.0, -1.5, -1.0, -0.5, 0.0])])
    assert labelled(ticks)[:1] == [0.01] and 0.1 in labelled(ticks) and 1.0 in labelled(ticks)
    assert len(labelled(ticks)) * LABEL_PX <= 101


def test_crowded_decades_are_thinned(axis):
    ticks = axis.logTickValues(-8.0, 0.0, 60, [(0.5, [])])
    values = [v for _, level in ticks for v in level]
    assert 1 <= len(values) <= 60 // LABEL_PX
    assert all(v == int(v) for v in values)


def test_within_one_decade_the_in_between_values_carry_the_labels(axis):
    ticks = axis.logTickValues(-0.7, -0.05, 130, [(0.1, [])])
    assert labelled(ticks) == [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]
