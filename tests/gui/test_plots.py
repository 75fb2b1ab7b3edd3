"""The live training views, each alone: curves, weight heatmaps, gradient norms and the
decision boundary — data in, items out, colours where they matter."""

import math
import time

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QPalette

from nndesigner.plots import (
    ConfusionMatrixView,
    DecisionBoundary,
    GradientNorms,
    TrainingCurves,
    WeightHeatmaps,
)
from nndesigner.plots.colours import CLASS_COLOURS, WEIGHT_CMAP
from nndesigner.plots.gradients import gradient_warnings
from nndesigner.plots.heatmaps import (
    hover_text,
    nice_level,
    pixel_index,
    robust_max,
    tile_conv,
)


def show(qtbot, widget, w=640, h=260):
    qtbot.addWidget(widget)
    widget.resize(w, h)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def xy(item):
    x, y = item.getData()
    return ([] if x is None else x.tolist()), ([] if y is None else y.tolist())


# -- TrainingCurves ----------------------------------------------------------------------------
@pytest.fixture
def curves(qtbot):
    return show(qtbot, TrainingCurves())


def test_curves_show_the_epochs_added(curves):
    assert curves.empty_text().startswith("Start training")
    curves.start_run("first")
    for e, (loss, acc) in enumerate([(0.9, 0.5), (0.6, 0.75), (0.4, 0.875)], start=1):
        curves.add_epoch(e, loss, acc, loss + 0.1, acc - 0.25)
    run = curves._runs[-1]
    assert xy(run.items["loss"]) == ([1, 2, 3], pytest.approx([0.9, 0.6, 0.4]))
    assert xy(run.items["val_loss"])[1] == pytest.approx([1.0, 0.7, 0.5])
    assert xy(run.items["accuracy"])[1] == pytest.approx([50.0, 75.0, 87.5])  # percent
    assert xy(run.items["val_accuracy"])[1] == pytest.approx([25.0, 50.0, 62.5])
    snap = curves.snapshot()
    assert snap["label"] == "first"
    assert snap["loss"] == ([1.0, 2.0, 3.0], pytest.approx([0.9, 0.6, 0.4]))
    assert curves.empty_text() == ""
    assert "validation" in curves.legend_label.text()
    assert curves.describe_epoch(2.2) == (
        "epoch 2 · loss 0.6, val 0.7 · accuracy 75.0 %, val 50.0 %")


def test_hover_over_the_plot_reads_the_epoch_under_the_mouse(curves, qtbot):
    curves.start_run()
    for e in range(1, 11):
        curves.add_epoch(e, 1.0 / e, 0.1 * e)
    qtbot.wait(10)
    vb = curves.loss_plot.getViewBox()
    curves._on_mouse_moved((vb.mapViewToScene(QPointF(4.1, 0.5)),))
    assert curves.hover_label.text().startswith("epoch 4 · loss 0.25")
    assert curves._cursors[0].isVisible() and curves._cursors[0].value() == 4
    curves._on_mouse_moved((QPointF(-50, -50),))
    assert curves.hover_label.text() == ""


def test_start_run_dims_the_previous_curves_and_starts_empty(curves):
    curves.start_run("a")
    curves.add_epoch(1, 0.5, 0.6)
    old = curves._runs[-1]
    bright = old.items["loss"].opts["pen"].color().alphaF()
    curves.start_run("b")
    assert curves.runs() == 2
    assert old.items["loss"].opts["pen"].color().alphaF() < 0.5 < bright
    assert old.items["loss"] in curves.loss_plot.listDataItems()  # still drawn
    assert xy(old.items["loss"]) == ([1.0], [0.5])
    snap = curves.snapshot()
    assert snap["label"] == "b" and snap["loss"] == ([], [])
    assert "earlier runs" in curves.legend_label.text()
    for label in "cdef":
        curves.start_run(label)
        curves.add_epoch(1, 0.4, None)
    assert curves.runs() == 4  # the current run and at most 3 earlier ones
    assert old.items["loss"] not in curves.loss_plot.listDataItems()


def test_log_toggle_sets_the_loss_axis_to_log_mode(curves):
    curves.start_run()
    curves.add_epoch(1, 0.5, None)
    curves.add_epoch(2, 0.0, None)  # log10(0) must not break anything
    curves.log_check.setChecked(True)
    assert curves.log_loss() and curves.loss_plot.getAxis("left").logMode
    assert xy(curves._runs[-1].items["loss"])[0] == [1.0]  # the zero is not drawn
    curves.set_log_loss(False)
    assert not curves.log_check.isChecked() and not curves.loss_plot.getAxis("left").logMode
    assert xy(curves._runs[-1].items["loss"])[0] == [1.0, 2.0]


def test_nan_and_inf_are_skipped(curves):
    curves.start_run()
    curves.add_epoch(1, math.nan, 0.5, math.inf, None)
    curves.add_epoch(2, 0.3, math.nan, 0.4, 0.6)
    curves.add_batch(0.5, math.nan)
    curves.add_batch(1.5, 0.35)
    snap = curves.snapshot()
    assert snap["loss"] == ([2.0], [0.3])
    assert snap["val_loss"] == ([2.0], [0.4])
    assert snap["accuracy"] == ([1.0], [50.0])
    assert snap["batch_loss"] == ([1.5], [0.35])
    curves.set_log_loss(True)  # and in log mode too


def test_regression_runs_hide_the_accuracy_plot_and_clear_empties(curves):
    curves.add_epoch(1, 0.5, None, 0.6, None)
    assert curves.acc_plot not in curves.view.ci.items
    curves.add_epoch(2, 0.4, 0.7)
    assert curves.acc_plot in curves.view.ci.items
    curves.clear()
    assert curves.runs() == 0 and curves.empty_text()


# -- WeightHeatmaps ----------------------------------------------------------------------------
@pytest.fixture
def maps(qtbot):
    return show(qtbot, WeightHeatmaps())


def weights(rng, scale=1.0):
    return {"conv/W": rng.normal(size=(5, 2, 3, 3)).astype(np.float32) * scale,
            "conv/b": np.zeros(5, np.float32),
            "dense/W": rng.normal(size=(4, 3)).astype(np.float32) * scale,
            "dense/b": np.zeros(4, np.float32),
            "bn/gamma": np.ones(4, np.float32)}


def test_one_image_per_layer_with_tiling_and_symmetric_levels(maps):
    w = weights(np.random.default_rng(0))
    maps.set_weights(w, order=["dense", "conv"])
    images = maps.images()
    assert list(images) == ["dense/W", "conv/W"]
    assert images["dense/W"].image.shape == (4, 3)  # neurons down, inputs across
    np.testing.assert_array_equal(images["dense/W"].image, w["dense/W"])
    assert images["conv/W"].image.shape == (2 * 4 - 1, 5 * 4 - 1)  # C·(kh+1)−1 × F·(kw+1)−1
    for key in images:
        lo, hi = maps.levels(key)
        assert lo == -hi and hi == pytest.approx(nice_level(robust_max(w[key])))
    assert images["conv/W"].image.dtype == np.float32
    assert images["conv/W"].image.flags.c_contiguous


def test_tile_conv_places_filters_across_and_channels_down():
    w = np.arange(2 * 3 * 2 * 2, dtype=np.float32).reshape(2, 3, 2, 2) + 1
    img = tile_conv(w)
    assert img.shape == (3 * 3 - 1, 2 * 3 - 1)
    np.testing.assert_array_equal(img[3:5, 3:5], w[1, 1])  # filter 1, channel 1
    assert not img[2, :].any() and not img[:, 2].any()  # the 1-px gaps


def test_second_update_reuses_the_image_items(maps):
    rng = np.random.default_rng(1)
    maps.set_weights(weights(rng))
    before = maps.images()
    w2 = weights(rng, scale=3.0)
    maps.set_weights(w2)
    after = maps.images()
    assert all(after[k] is before[k] for k in before)
    np.testing.assert_array_equal(after["dense/W"].image, w2["dense/W"])
    assert maps.levels("dense/W")[1] == pytest.approx(nice_level(robust_max(w2["dense/W"])))
    w3 = {"dense/W": rng.normal(size=(5, 3)).astype(np.float32)}  # a shape changed
    maps.set_weights(w3)
    assert list(maps.images()) == ["dense/W"]
    assert maps.images()["dense/W"] is not before["dense/W"]


def test_pixel_to_weight_mapping_and_hover_text():
    assert pixel_index((4, 3), 2.4, 1.9) == (1, 2)  # x → input 2, y → neuron 1
    assert pixel_index((4, 3), 3.0, 0.0) is None
    shape = (5, 2, 3, 3)
    assert pixel_index(shape, 4 * 1 + 2, 4 * 1 + 0) == (1, 1, 0, 2)
    assert pixel_index(shape, 3, 0) is None  # a gap column
    assert pixel_index(shape, 0, 3) is None  # a gap row
    w = np.zeros((4, 3), np.float32)
    w[1, 2] = 0.123456
    assert hover_text("dense_1", w, 2.5, 1.5) == "dense_1: neuron 1 ← input 2: w = 0.1235"
    wc = np.zeros(shape, np.float32)
    wc[1, 1, 0, 2] = -0.5
    assert hover_text("conv", wc, 6, 4).endswith("filter 1, channel 1, kernel row 0, col 2: "
                                                 "w = -0.5000")


def test_dense_over_an_image_shows_one_tile_per_neuron(maps):
    w = np.random.default_rng(3).normal(size=(10, 28 * 28)).astype(np.float32)
    maps.set_weights({"dense_1/W": w}, input_images={"dense_1": (28, 28)})
    image = maps.images()["dense_1/W"].image
    tiling = maps._cells["dense_1/W"].tiling
    assert (tiling.rows, tiling.cols) == (3, 4)  # a landscape grid, like the cell
    assert image.shape == (3 * 29 - 1, 4 * 29 - 1)
    np.testing.assert_array_equal(image[29:57, 58:86], w[6].reshape(28, 28))  # row 1, col 2
    assert pixel_index(w.shape, 58 + 3, 29 + 2, (28, 28)) == (6, 2 * 28 + 3)
    assert hover_text("dense_1", w, 61, 31, (28, 28)).startswith(
        "dense_1: neuron 6 ← input 59 (pixel row 2, col 3): w = ")
    assert pixel_index(w.shape, 2 * 29 + 1, 2 * 29 + 1, (28, 28)) is None  # spare 11th tile
    assert maps.levels("dense_1/W")[1] == pytest.approx(nice_level(robust_max(w)))


def test_single_channel_filters_wrap_into_rows():
    w = np.random.default_rng(4).normal(size=(8, 1, 5, 5)).astype(np.float32)
    img = tile_conv(w)
    assert img.shape == (2 * 6 - 1, 4 * 6 - 1)  # 4 filters a row, not one 47-px strip
    np.testing.assert_array_equal(img[6:11, 6:11], w[5, 0])
    assert pixel_index(w.shape, 6 + 4, 6 + 1) == (5, 0, 1, 4)
    assert hover_text("c", w, 10, 7).startswith("c: filter 5, channel 0, kernel row 1, col 4")


def test_hovering_a_heatmap_pixel_reads_its_weight(maps, qtbot):
    w = np.zeros((4, 3), np.float32)
    w[1, 2] = -0.25
    maps.set_weights({"dense_1/W": w})
    qtbot.wait(10)
    image = maps.images()["dense_1/W"]
    maps._on_mouse_moved((image.mapToScene(QPointF(2.5, 1.5)),))
    assert maps.hover_label.text() == "dense_1: neuron 1 ← input 2: w = -0.2500"


def test_colour_levels_are_1_2_5_steps_that_stay_while_the_weights_fit(maps):
    assert [nice_level(v) for v in (0.013, 0.2, 0.21, 0.5, 0.7, 1.0, 3.3)] == [
        0.02, 0.2, 0.5, 0.5, 1.0, 1.0, 5.0]
    base = np.linspace(-1.0, 1.0, 200, dtype=np.float32).reshape(10, 20)
    maps.set_weights({"dense/W": base * 0.15})
    assert maps.levels("dense/W") == pytest.approx((-0.2, 0.2))
    maps.set_weights({"dense/W": base * 0.18})  # still fits: the scale stays
    assert maps.levels("dense/W") == pytest.approx((-0.2, 0.2))
    maps.set_weights({"dense/W": base * 0.3})  # grew past it: the next step
    assert maps.levels("dense/W") == pytest.approx((-0.5, 0.5))
    maps.set_weights({"dense/W": base * 0.1})  # shrank below 0.3·m: a tighter scale
    assert maps.levels("dense/W") == pytest.approx((-0.1, 0.1))


def test_robust_max_ignores_outliers_and_has_a_floor():
    w = np.full(1000, 0.1, np.float32)
    w[0] = 100.0
    assert robust_max(w) == pytest.approx(0.1)
    assert robust_max(np.zeros((3, 3))) == 1e-6


def test_nan_weights_never_reach_the_image_and_big_matrices_stay_fast(maps):
    w = np.random.default_rng(2).normal(size=(256, 784)).astype(np.float32)
    w[0, 0] = np.nan
    maps.set_weights({"big/W": w})
    assert np.isfinite(maps.images()["big/W"].image).all()
    start = time.perf_counter()
    for _ in range(5):
        maps.set_weights({"big/W": w * 1.01})
    assert (time.perf_counter() - start) / 5 < 0.1


# -- GradientNorms -----------------------------------------------------------------------------
def test_gradient_warnings_flag_vanishing_and_exploding_and_stay_silent_when_healthy():
    healthy = {"dense_1": [0.5, 0.4, 0.6, 0.3, 0.35, 0.2] * 5,
               "dense_2": [0.8, 0.7, 0.9, 0.6, 0.5, 0.4] * 5}
    assert gradient_warnings(healthy) == []
    vanishing = {"dense_1": [1e-8] * 20, "dense_2": [0.3] * 20}
    (msg,) = gradient_warnings(vanishing)
    assert msg.startswith("dense_1: the gradients are tiny (1e-08)") and "vanishing" in msg
    deep = {"dense_1": [2e-5] * 20, "dense_2": [1e-3] * 20, "dense_3": [0.5] * 20}
    (msg,) = gradient_warnings(deep)
    assert msg.startswith("dense_1: the gradients are 25,000× smaller than in dense_3")
    exploding = {"dense_1": list(np.geomspace(0.1, 1e4, 40))}
    (msg,) = gradient_warnings(exploding)
    assert "exploding" in msg and "learning rate" in msg
    assert "exploded" in gradient_warnings({"d": [0.1] * 10 + [math.inf]})[0]
    both = {"dense_1": [1e-3] * 20, "dense_2": list(np.geomspace(0.1, 1e6, 20))}
    (msg,) = gradient_warnings(both)  # no "smaller than" next to an exploding last layer
    assert msg.startswith("dense_2: the gradients grew") and "exploding" in msg
    assert gradient_warnings({"d": [1e-9, 1e-9]}) == []  # too early to say


def test_gradient_norms_plot_per_layer_on_a_log_axis(qtbot):
    grads = show(qtbot, GradientNorms())
    assert grads.empty_text()
    for step in range(1, 21):
        grads.add(step, {"dense_1": 1e-8, "dense_2": 0.1 * step, "dense_3": 0.0})
    assert grads.plot.getAxis("left").logMode
    raw, smooth = grads._items["dense_2"]
    assert xy(raw)[0] == list(range(1, 21))
    trend = 10.0 ** np.array(xy(smooth)[1])  # getData() gives log10 values on a log axis
    assert trend[0] == pytest.approx(0.1) and 0.1 < trend[-1] < 2.0  # lags the rising norms
    assert xy(grads._items["dense_3"][0]) == ([], [])  # zeros have no place on a log axis
    assert "dense_1: the gradients are tiny" in grads.warning_label.text()
    assert "dense_2" in grads.legend_label.text()
    assert grads.history()["dense_2"][-1] == pytest.approx(2.0)
    grads.clear()
    assert grads.history() == {} and grads.warnings() == [] and grads.empty_text()


# -- DecisionBoundary --------------------------------------------------------------------------
def sigmoid_x1(points):
    p1 = 1 / (1 + np.exp(-4 * points[:, 0]))
    return p1[:, None].astype(np.float32)


@pytest.fixture
def boundary(qtbot):
    view = DecisionBoundary()
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(60, 2)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    view.set_data(x[:40], y[:40], x[40:], y[40:], class_names=["left", "right"])
    view.set_predictor(sigmoid_x1)
    view.refresh()
    show(qtbot, view)
    # Laying out the shown widget changes the range (aspect lock); the debounced
    # re-evaluation must then cover the new range.
    qtbot.waitUntil(lambda: grid_matches_view(view), timeout=2000)
    return view, x, y


def grid_matches_view(view):
    grid = view.grid_points()
    (x0, x1), (y0, y1) = view.plot.getViewBox().viewRange()
    if not len(grid) or view._timer.isActive():
        return False
    step = (x1 - x0) / len(np.unique(grid[:, 0]))
    return (abs(grid[:, 0].min() - (x0 + step / 2)) < 1e-3 * (x1 - x0)
            and abs(grid[:, 0].max() - (x1 - step / 2)) < 1e-3 * (x1 - x0)
            and y0 < grid[:, 1].min() < grid[:, 1].max() < y1)


def is_orange(c):
    return c[0] > c[2] + 40


def is_blue(c):
    return c[2] > c[0] + 40


def test_two_class_background_is_orange_left_and_blue_right(boundary):
    view, _x, _y = boundary
    img = view.image_rgb()
    assert img.dtype == np.uint8 and img.ndim == 3
    cols = img.shape[1]
    assert all(is_orange(c) for c in img[:, : cols // 2 - 5].reshape(-1, 3))
    assert all(is_blue(c) for c in img[:, cols // 2 + 5 :].reshape(-1, 3))
    # And on screen: sample the rendered widget left and right of x = 0.
    frame = view.grab().toImage()
    for x_data, check in ((-0.9, is_orange), (0.9, is_blue)):
        scene = view.plot.getViewBox().mapViewToScene(QPointF(x_data, 0.05))
        pos = view.view.mapFromScene(scene) + view.view.pos()
        c = QColor(frame.pixel(pos))
        assert check((c.red(), c.green(), c.blue())), (x_data, c.name())


def test_scatter_items_hold_train_and_test_points(boundary):
    view, x, y = boundary
    tx, ty = view.train_item.getData()
    np.testing.assert_allclose(np.stack([tx, ty], 1), x[:40])
    sx, sy = view.test_item.getData()
    np.testing.assert_allclose(np.stack([sx, sy], 1), x[40:])
    first = view.train_item.points()[0].brush().color().name()
    assert first == CLASS_COLOURS[int(y[0])]
    assert "right" in view.legend_label.text() and "test" in view.legend_label.text()


def test_grid_points_cover_the_visible_range(boundary):
    view, x, _y = boundary
    grid = view.grid_points()
    img = view.image_rgb()
    assert grid.dtype == np.float32 and grid.shape == (img.shape[0] * img.shape[1], 2)
    (x0, x1), (y0, y1) = view.plot.getViewBox().viewRange()
    assert x0 < grid[:, 0].min() and grid[:, 0].max() < x1
    assert y0 < grid[:, 1].min() and grid[:, 1].max() < y1
    assert grid[:, 0].min() < x[:, 0].min() and grid[:, 0].max() > x[:, 0].max()
    assert grid[1, 0] > grid[0, 0] and grid[1, 1] == grid[0, 1]  # rows are lines of constant y
    assert "right" in view.describe_point(0.9, 0.0)


def test_many_classes_regression_and_bad_outputs(qtbot):
    view = show(qtbot, DecisionBoundary())
    x = np.array([[-1, 0], [0, 1], [1, 0]], np.float32)
    view.set_data(x, np.array([0, 1, 2]))
    view.set_predictor(lambda p: np.eye(3, dtype=np.float32)[(p[:, 0] > 0.3).astype(int) * 2])
    view.refresh()
    img = view.image_rgb()
    assert is_orange(img[0, 0]) and img[0, -1][1] > img[0, -1][0]  # class 0 / class 2 (green)
    view.set_data(x, np.array([0.0, 0.5, 1.0]))  # regression: value on the weight scale
    view.set_predictor(lambda p: np.full((len(p), 1), np.nan, np.float32))
    view.refresh()  # NaN outputs: a neutral background, no crash
    assert view.image_rgb().shape[2] == 3
    with pytest.raises(ValueError):
        view.set_data(np.zeros((3, 3)), np.zeros(3))
    view.clear("The decision boundary needs 2 inputs.")
    assert view.empty_text() == "The decision boundary needs 2 inputs."


# -- ConfusionMatrixView -----------------------------------------------------------------------
def test_confusion_matrix_counts_shades_and_class_swatches(qtbot):
    view = show(qtbot, ConfusionMatrixView())
    assert view.empty_text()
    view.set_predictions([0, 0, 1, 1, 1, 2], [0, 1, 1, 1, 2, 2], ["a", "b", "c"])
    np.testing.assert_array_equal(view.matrix(), [[1, 1, 0], [0, 2, 1], [0, 0, 1]])
    np.testing.assert_allclose(view.row_shares()[1], [0, 2 / 3, 1 / 3], rtol=1e-6)
    assert [t.textItem.toPlainText() for t in view._texts[:3]] == ["1", "1", "0"]
    assert "accuracy 66.7 % (4 of 6)" in view.caption.text()
    swatch = view.rows_swatch.image[:, 0]
    assert [QColor(*c).name() for c in swatch] == CLASS_COLOURS[:3]
    darkest = view.image.image[2, 2]  # a full row in one cell: the darkest shade
    assert darkest.tolist() == [QColor("#3d5a80").red(), QColor("#3d5a80").green(),
                                QColor("#3d5a80").blue()]
    texts = list(view._texts)
    view.set_matrix([[3, 0, 0], [0, 3, 0], [1, 0, 2]], ["a", "b", "c"])
    assert view._texts == texts  # same classes: items updated in place
    with pytest.raises(ValueError):
        view.set_matrix(np.zeros((2, 3)))


def test_views_follow_a_dark_palette(qtbot):
    dark = QPalette()
    dark.setColor(QPalette.ColorRole.Base, QColor("#1e1e1e"))
    dark.setColor(QPalette.ColorRole.Text, QColor("#e6e6e6"))
    for widget in (TrainingCurves(), WeightHeatmaps(), GradientNorms(), DecisionBoundary(),
                   ConfusionMatrixView()):
        show(qtbot, widget)
        widget.setPalette(dark)
        assert widget.view.backgroundBrush().color().name() == "#1e1e1e"
    curves = show(qtbot, TrainingCurves())
    curves.setPalette(dark)
    curves.add_epoch(1, 0.5, None)
    pen = curves._runs[-1].items["loss"].opts["pen"]
    assert pen.color().name() == "#e6e6e6"  # the train curve in the text colour


def test_a_failing_predictor_is_reported_when_panning(boundary, qtbot):
    view, _x, _y = boundary

    def broken(points):
        raise ValueError("expected 3 inputs, got 2")

    view.set_predictor(broken)
    with pytest.raises(ValueError):
        view.refresh()  # an explicit call raises to the caller
    view.plot.getViewBox().translateBy(x=0.1)  # a pan re-evaluates on a timer: no raise
    qtbot.waitUntil(lambda: "expected 3 inputs" in view.explain_label.text())
    view.set_predictor(sigmoid_x1)
    view.plot.getViewBox().translateBy(x=0.1)
    qtbot.waitUntil(lambda: view.explain_label.text().startswith("Background"))


def test_weight_colormap_runs_orange_grey_blue():
    lut = WEIGHT_CMAP.getLookupTable(nPts=3, alpha=False)
    assert [QColor(*c).name() for c in lut] == ["#f59322", "#e8eaeb", "#0877bd"]


def test_axes_stay_put_during_a_run_and_fit_the_data_after_it(curves):
    curves.start_run("r", epochs=20, accuracy=True)
    assert curves.empty_text() == ""  # the empty axes show at once
    loss_vb, acc_vb = curves.loss_plot.getViewBox(), curves.acc_plot.getViewBox()
    x0, x1 = loss_vb.viewRange()[0]
    assert x0 <= 0 and 20 <= x1 < 21  # the planned epochs, before any data
    curves.add_batch(0.1, 2.3)
    curves.add_epochs([(1, 2.0, 0.55, None, None)])
    ranges = (loss_vb.viewRange(), acc_vb.viewRange())
    assert ranges[0][1][0] <= 0 and 2.3 <= ranges[0][1][1] < 2.6  # loss from 0
    assert ranges[1][1][0] <= 0 and 100 <= ranges[1][1][1] < 104  # accuracy 0–100 %
    for e in range(2, 8):  # lower losses, higher accuracy: nothing moves
        curves.add_batch(e - 0.5, 2.0 / e)
        curves.add_epochs([(e, 1.5 / e, 0.55 + 0.05 * e, None, None)])
    assert (loss_vb.viewRange(), acc_vb.viewRange()) == ranges
    curves.add_batch(7.5, 4.0)  # a spike above the top: the loss axis grows
    assert loss_vb.viewRange()[1][1] >= 4.0
    curves.finish_run()
    assert 47 <= acc_vb.viewRange()[1][0] <= 50  # from 50 %, the multiple of 10 below 55 %


def test_zooming_by_hand_stops_the_automatic_ranges_until_the_next_run(curves):
    curves.start_run("r", epochs=5)
    curves.add_epochs([(1, 1.0, None, None, None)])
    vb = curves.loss_plot.getViewBox()
    vb.setXRange(0.5, 1.5, padding=0)
    vb.sigRangeChangedManually.emit(vb.state["mouseEnabled"])
    curves.add_epochs([(e, 1.0 / e, None, None, None) for e in range(2, 12)])
    assert vb.viewRange()[0] == pytest.approx([0.5, 1.5])  # the user's view is kept
    curves.start_run("again", epochs=5)
    assert vb.viewRange()[0][1] >= 11  # a new run fits again (the earlier run reached 11)


def test_gradient_norms_added_together_equal_added_one_by_one(qtbot):
    one, many = show(qtbot, GradientNorms()), show(qtbot, GradientNorms())
    rows = [(s, {"a": 1.0 / s, "b": 0.5 * s}) for s in range(1, 6)]
    for step, norms in rows:
        one.add(step, norms)
    many.add_many(rows)
    assert one.history() == many.history()
    for layer in ("a", "b"):
        for i in range(2):
            assert xy(one._items[layer][i]) == xy(many._items[layer][i])


def test_incremental_heatmaps_build_one_plot_per_event_loop_turn(maps, qtbot):
    w = weights(np.random.default_rng(5))
    maps.set_weights(w, order=["dense", "conv"], incremental=True)
    assert list(maps.images()) == ["dense/W"]  # the first now, the rest a moment later
    qtbot.waitUntil(lambda: list(maps.images()) == ["dense/W", "conv/W"], timeout=2000)
    # The plot built later shows the latest weights, like the first.
    np.testing.assert_array_equal(maps.images()["conv/W"].image, tile_conv(w["conv/W"]))
