"""Bundled generated data sets: registry, shapes, balance, seeds, noise, digits."""

import json
import time

import numpy as np
import pytest

import engine
from engine.data import (
    apply_preprocessing,
    bundled_info,
    center_digit,
    digits,
    list_datasets,
    teaching,
)
from engine.data import load_bundled as load
from engine.errors import DataError

TWO_D = ["xor", "circles", "moons", "spirals", "blobs", "linear"]


def test_registry_lists_every_set_with_a_matching_shape():
    infos = list_datasets()
    names = [i.name for i in infos]
    others = ["smiley", "shapes", "digits", "trip_insurance", "sine", "house_prices"]
    assert {*TWO_D, *others} <= set(names)
    for info in infos:
        json.dumps(info.to_dict())
        small = {"n_samples": 30 if info.name != "digits" else 20}
        ds = load(info.name, **small)
        assert ds.input_shape == info.input_shape, info.name
        assert ds.kind == info.kind
        if info.class_names is not None:
            assert ds.class_names == list(info.class_names)
        assert ds.source == {"type": "bundled", "name": info.name,
                             "params": {**info.defaults, **small}, "seed": 0}


@pytest.mark.parametrize("name", TWO_D)
def test_two_d_sets_are_balanced_reproducible_and_seeded(name):
    a = load(name, n_samples=301, seed=4)
    b = load(name, n_samples=301, seed=4)
    c = load(name, n_samples=301, seed=5)
    assert a.x.shape == (301, 2) and a.x.dtype == np.float32
    counts = a.class_counts()
    assert counts.max() - counts.min() <= 1 and counts.sum() == 301
    assert np.array_equal(a.x, b.x) and np.array_equal(a.y, b.y)
    assert not np.array_equal(a.x, c.x)
    assert len(set(a.y[:20].tolist())) > 1  # shuffled, not sorted by class


def _nearest_centroid_accuracy(ds):
    centroids = np.stack([ds.x[ds.y == k].mean(axis=0) for k in range(ds.n_classes)])
    d = ((ds.x[:, None, :] - centroids[None]) ** 2).sum(axis=2)
    return float(np.mean(d.argmin(axis=1) == ds.y))


def test_noise_blurs_the_classes():
    clean, noisy = load("blobs", n_samples=600, noise=0.05), load("blobs", n_samples=600,
                                                                   noise=0.6)
    assert _nearest_centroid_accuracy(clean) == 1.0
    assert _nearest_centroid_accuracy(noisy) < 0.9
    radius = np.linalg.norm(load("circles", noise=0.0).x, axis=1)
    labels = load("circles", noise=0.0).y
    assert radius[labels == 0].max() <= 0.5 + 1e-6 and radius[labels == 1].min() >= 0.7 - 1e-6
    radius = np.linalg.norm(load("circles", noise=0.2).x, axis=1)
    assert radius[load("circles", noise=0.2).y == 0].max() > 0.6


def test_xor_labels_follow_the_quadrants_without_noise():
    ds = load("xor", noise=0.0)
    assert np.array_equal(ds.y, (np.sign(ds.x[:, 0]) != np.sign(ds.x[:, 1])).astype(int))


def test_linear_set_is_separable_by_a_step_neuron():
    ds = load("linear", n_samples=100, noise=0.0, seed=2)
    spec = engine.NetworkSpec.sequential(
        [{"type": "Input", "shape": [2]},
         {"type": "Dense", "units": 1, "activation": "step"}], loss="mse")
    model = engine.Model(spec, seed=0)
    records = list(engine.fit(model, ds.x, ds.y.astype(float), epochs=200, lr=0.1))
    assert records[-1].event == "converged"


def test_spirals_and_blobs_take_their_class_count():
    assert load("spirals", arms=4, n_samples=100).n_classes == 4
    assert load("blobs", classes=5, n_samples=100).class_counts().tolist() == [20] * 5


@pytest.mark.parametrize(
    ("name", "params", "words"),
    [("moons", {"n_samples": 1}, "n_samples"), ("xor", {"noise": -1}, "noise"),
     ("moons", {"colour": 3}, "unknown parameter"), ("nope", {}, "no bundled data set"),
     ("spirals", {"arms": 1}, "arms"), ("digits", {"n_samples": 5}, "n_samples")],
)
def test_bad_parameters_are_refused(name, params, words):
    with pytest.raises(DataError, match=words):
        load(name, **params)


def test_patterns_are_seven_by_seven_black_and_white_with_pixel_noise():
    clean = load("smiley", n_samples=40, noise=0.0)
    assert clean.x.shape == (40, 1, 7, 7) and set(np.unique(clean.x)) <= {0.0, 1.0}
    smiley = teaching.picture("smiley")
    assert all(np.array_equal(clean.x[i, 0], smiley) for i in np.flatnonzero(clean.y == 0))
    noisy = load("smiley", n_samples=400, noise=0.1)
    templates = np.stack([teaching.picture("smiley"), teaching.picture("frowny")])
    flipped = np.mean(noisy.x[:, 0] != templates[noisy.y])
    assert 0.07 < flipped < 0.13
    shapes = load("shapes", n_samples=60)
    assert shapes.class_names == list(teaching.SHAPES)
    assert shapes.class_counts().tolist() == [10] * 6


def test_trip_insurance_follows_its_rule():
    ds = load("trip_insurance", n_samples=2000, noise=0.0, seed=1)
    names = ds.feature_names
    assert names == ["age", "trip_cost", "destination_risk", "trip_days", "has_insurance"]
    assert ds.x.min() >= 0 and ds.x.max() <= 1
    insured = ds.x[:, names.index("has_insurance")] == 1
    assert ds.y[insured].mean() < 0.35 < ds.y[~insured].mean()
    assert 0.3 < ds.y.mean() < 0.7
    raw = load("trip_insurance", n_samples=50, scaled=False, seed=1)
    assert raw.x[:, 0].max() > 18
    again = apply_preprocessing(
        [dict(zip(names, row, strict=True)) for row in raw.x.tolist()],
        load("trip_insurance", n_samples=50, seed=1).preprocessing)
    assert np.allclose(again, load("trip_insurance", n_samples=50, seed=1).x, atol=1e-6)


def test_regression_sets():
    sine = load("sine", n_samples=500, noise=0.0)
    assert sine.kind == "regression" and sine.y.shape == (500, 1)
    assert np.allclose(sine.y[:, 0], np.sin(np.pi * sine.x[:, 0]) + 0.3 * sine.x[:, 0] ** 2,
                       atol=1e-5)
    noisy = load("sine", n_samples=500, noise=0.3)
    resid = noisy.y[:, 0] - (np.sin(np.pi * noisy.x[:, 0]) + 0.3 * noisy.x[:, 0] ** 2)
    assert 0.25 < resid.std() < 0.35
    house = load("house_prices")
    assert house.x.shape == (500, 4) and house.y.min() > 0
    area = house.x[:, 0]
    assert np.corrcoef(area, house.y[:, 0])[0, 1] > 0.5


def test_digits_look_like_mnist():
    x, y = digits.generate(200, seed=3)
    assert x.shape == (200, 1, 28, 28) and x.dtype == np.float32
    assert np.bincount(y).tolist() == [20] * 10
    assert x.min() >= 0 and x.max() <= 1 and x.max() > 0.9
    for img in x[:, 0]:
        rows = np.flatnonzero(img.max(axis=1) > 0.05)
        cols = np.flatnonzero(img.max(axis=0) > 0.05)
        assert rows[-1] - rows[0] + 1 <= 21 and cols[-1] - cols[0] + 1 <= 21
        mass = img / img.sum()
        cy = (mass.sum(axis=1) * np.arange(28)).sum()
        cx = (mass.sum(axis=0) * np.arange(28)).sum()
        assert abs(cy - 13.5) <= 1.5 and abs(cx - 13.5) <= 1.5
    # the same digit differs from sample to sample
    ones = x[y == 1, 0]
    assert np.abs(ones[0] - ones[1]).mean() > 0.02


def test_digits_are_seeded_cached_and_read_only():
    a = digits.generate(30, seed=8)
    b = digits.generate(30, seed=8)
    assert a[0] is b[0]  # from the cache
    assert not a[0].flags.writeable
    digits._CACHE.clear()
    c = digits.generate(30, seed=8)
    assert c[0] is not a[0] and np.array_equal(c[0], a[0])
    assert not np.array_equal(digits.generate(30, seed=9)[0], a[0])
    thick = digits.generate(30, seed=8, stroke_width=(4.0, 4.5))[0]
    thin = digits.generate(30, seed=8, stroke_width=(1.0, 1.2))[0]
    assert thick.mean() > 1.5 * thin.mean()


def test_generating_ten_thousand_digits_takes_seconds_not_minutes():
    digits._CACHE.clear()
    start = time.perf_counter()
    digits.generate(2000, seed=11)
    assert time.perf_counter() - start < 3.0  # 10 000 in ≲ 5× that


def test_center_digit_normalises_a_drawing_like_the_generator():
    canvas = np.full((280, 280), 255, dtype=np.uint8)  # black ink on white paper
    canvas[40:240, 130:150] = 0  # a "1": a vertical bar
    out = center_digit(canvas)
    assert out.shape == (28, 28)
    rows = np.flatnonzero(out.max(axis=1) > 0.05)
    assert rows[-1] - rows[0] + 1 == 20  # fits the 20-pixel box
    assert out[13:15, 13:15].min() > 0.9  # centred
    assert center_digit(np.zeros((50, 50))).sum() == 0
    prep = load("digits", n_samples=10).preprocessing
    assert np.array_equal(apply_preprocessing(canvas, prep)[0, 0], out)


def test_bundled_info_and_defaults():
    info = bundled_info("digits")
    assert info.defaults["n_samples"] == 10000
    with pytest.raises(DataError, match="known"):
        bundled_info("mnist")


def test_a_transparent_drawing_is_read_as_ink_on_paper():
    from PIL import Image

    drawing = np.zeros((100, 100, 4), dtype=np.uint8)  # transparent
    drawing[20:80, 45:55] = (0, 0, 0, 255)  # an opaque black bar
    prep = load("digits", n_samples=10).preprocessing
    out = apply_preprocessing(Image.fromarray(drawing), prep)[0, 0]
    assert out.max() > 0.9 and out[0].max() == 0  # the bar is ink, the paper is not
    assert np.array_equal(out, center_digit(255 - drawing[..., 3]))
