"""Train/validation/test splits: proportions, stratification, seeds, saving and redoing."""

import json

import numpy as np
import pytest

from engine.data import Dataset, Split, split, split_indices
from engine.errors import DataError


def imbalanced(n0=700, n1=200, n2=100):
    y = np.repeat([0, 1, 2], [n0, n1, n2])
    x = np.arange(len(y), dtype=float)[:, None]
    return Dataset(x, y, class_names=["a", "b", "c"])


def test_parts_cover_every_sample_once_with_the_asked_sizes():
    ds = imbalanced()
    tr, va, te = split_indices(ds.y, validation=0.15, test=0.15, seed=0)
    everything = np.concatenate([tr, va, te])
    assert sorted(everything.tolist()) == list(range(1000))
    assert (len(tr), len(va), len(te)) == (700, 150, 150)
    assert all(np.all(np.diff(p) > 0) for p in (tr, va, te))  # sorted


def test_stratified_keeps_class_proportions_in_every_part():
    ds = imbalanced()
    result = split(ds, validation=0.2, test=0.1, seed=3)
    for part, share in ((result.train, 0.7), (result.validation, 0.2), (result.test, 0.1)):
        counts = part.class_counts()
        assert counts.tolist() == pytest.approx([700 * share, 200 * share, 100 * share], abs=1)


def test_unstratified_split_is_plain_random():
    ds = imbalanced()
    strat = split(ds, 0.1, 0.1, seed=1, stratify=True)
    plain = split(ds, 0.1, 0.1, seed=1, stratify=False)
    assert strat.settings["stratify"] and not plain.settings["stratify"]
    assert not np.array_equal(strat.indices["test"], plain.indices["test"])
    assert len(plain.test) == 100


def test_rare_classes_keep_a_training_sample():
    y = np.array([0] * 20 + [1, 1])
    tr, va, te = split_indices(y, 0.3, 0.3, seed=0)
    assert 20 in tr or 21 in tr
    assert len(tr) + len(va) + len(te) == 22


def test_same_seed_same_split_other_seed_other_split():
    ds = imbalanced()
    a, b, c = split(ds, seed=5), split(ds, seed=5), split(ds, seed=6)
    for part in ("train", "validation", "test"):
        assert np.array_equal(a.indices[part], b.indices[part])
    assert not np.array_equal(a.indices["test"], c.indices["test"])


def test_split_parts_are_datasets_with_the_right_rows():
    ds = imbalanced()
    train, val, test = split(ds, seed=0)
    assert np.array_equal(test.x[:, 0], split(ds, seed=0).indices["test"].astype(np.float32))
    assert train.class_names == ["a", "b", "c"] and "(test)" in test.name
    assert len(train) + len(val) + len(test) == len(ds)


def test_regression_splits_without_stratifying():
    ds = Dataset(np.zeros((50, 2)), np.linspace(0, 1, 50))
    result = split(ds, validation=0.2, test=0.2, seed=0)
    assert not result.settings["stratify"]
    assert [len(p) for p in result] == [30, 10, 10]


def test_to_dict_and_from_dict_redo_the_split_and_detect_changed_data():
    ds = imbalanced()
    saved = json.loads(json.dumps(split(ds, 0.1, 0.2, seed=9).to_dict()))
    assert saved["counts"] == {"train": 700, "validation": 100, "test": 200}
    again = Split.from_dict(ds, saved)
    assert np.array_equal(again.indices["test"], split(ds, 0.1, 0.2, seed=9).indices["test"])
    other = Dataset(ds.x[::-1].copy(), ds.y[::-1].copy(), class_names=ds.class_names)
    with pytest.raises(DataError, match="changed"):
        Split.from_dict(other, saved)


def test_stored_indices_are_used_as_they_are():
    ds = imbalanced(10, 10, 10)
    saved = split(ds, 0.2, 0.2, seed=0).to_dict(include_indices=True)
    again = Split.from_dict(ds, saved)
    assert again.indices["validation"].tolist() == saved["indices"]["validation"]
    saved["indices"]["test"] = saved["indices"]["train"][:2]
    with pytest.raises(DataError, match="more than one part"):
        Split.from_dict(ds, saved)


@pytest.mark.parametrize(
    ("validation", "test", "words"),
    [(-0.1, 0.1, "validation fraction"), (0.5, 0.5, "no training"), (0.1, 1.0, "test fraction"),
     ("a", 0.1, "validation fraction")],
)
def test_bad_fractions_are_refused(validation, test, words):
    with pytest.raises(DataError, match=words):
        split_indices(100, validation, test)


def test_too_few_samples_for_the_split():
    with pytest.raises(DataError, match="too few"):
        split_indices(2, 0.4, 0.4)
