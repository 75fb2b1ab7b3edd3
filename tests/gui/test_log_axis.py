"""The log axis labels only what fits: no pile of 2…9 × 10ⁿ labels on a short plot."""

import math

import pytest

from nndesigner.plots.log_axis import LABEL_PX, LogAxis


@pytest.fixture
def axis(qtbot):
    return LogAxis("left")


def labelled(levels):
    return sorted(round(10 ** v, 6) for _, level in levels for v in level)


def test_tall_axis_labels_every_in_between_value(axis):
    # 0.1 … 1 on 400 px: 0.2 … 0.9 all fit.
    ticks = axis.logTickValues(-1.0, 0.0, 400, [(1.0, [-1.0, 0.0])])
    assert labelled(ticks) == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]


def test_short_axis_keeps_two_and_five(axis):
    ticks = axis.logTickValues(-1.0, 0.0, 90, [(1.0, [-1.0, 0.0])])
    assert labelled(ticks) == [0.1, 0.2, 0.5, 1.0]
    assert len(labelled(ticks)) * LABEL_PX <= 90


def test_very_short_axis_keeps_decades_only(axis):
    ticks = axis.logTickValues(-3.0, 0.0, 50, [(1.0, [-3.0, -2.0, -1.0, 0.0])])
    values = [v for _, level in ticks for v in level]
    assert sorted(values) == [-3.0, -2.0, -1.0, 0.0]
    assert all(math.isclose(v, round(v)) for v in values)
