"""CSV import: detection, types, one-hot, standardisation, every malformed case, progress."""

import csv
import itertools
import threading

import numpy as np
import pytest

from engine.data import LoadCancelled, apply_preprocessing, load_csv
from engine.data.csvparse import CHUNK_LINES
from engine.errors import DataError


def write(tmp_path, text, name="t.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


MIXED = """age,colour,income,label
34,red,52000,yes
45,blue,61000,no
23,red,28000,yes
51,green,75000,no
38,blue,48000,yes
"""


def test_header_target_one_hot_and_class_names(tmp_path):
    ds = load_csv(write(tmp_path, MIXED))
    assert ds.kind == "classification"
    assert ds.class_names == ["no", "yes"]
    assert ds.y.tolist() == [1, 0, 1, 0, 1]
    assert ds.feature_names == ["age", "colour=blue", "colour=green", "colour=red", "income"]
    assert ds.x[0].tolist() == [34, 0, 0, 1, 52000]
    features = ds.preprocessing["features"]
    assert features[1] == {"name": "colour", "kind": "categorical",
                           "categories": ["blue", "green", "red"]}
    assert ds.name == "t" and ds.source["type"] == "csv"
    assert ds.source["options"]["target"] == "label"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiters_are_detected(tmp_path, delimiter):
    text = MIXED.replace(",", delimiter)
    ds = load_csv(write(tmp_path, text))
    assert ds.x.shape == (5, 5)
    assert ds.preprocessing["delimiter"] == delimiter


def test_quoted_fields_with_delimiters_inside(tmp_path):
    text = 'name,size,label\n"Smith, J",1.5,a\n"Doe, A",2.5,b\n"Roe, B",3.5,a\n'
    ds = load_csv(write(tmp_path, text), ignore=["name"])
    assert ds.x[:, 0].tolist() == [1.5, 2.5, 3.5]
    assert ds.class_names == ["a", "b"]


def test_no_header_is_detected_and_columns_are_numbered(tmp_path):
    ds = load_csv(write(tmp_path, "1,2,0\n3,4,1\n5,6,0\n7,8,1\n"))
    assert ds.feature_names == ["column 1", "column 2"]
    assert ds.x.tolist() == [[1, 2], [3, 4], [5, 6], [7, 8]]
    assert ds.class_names == ["0", "1"]
    forced = load_csv(write(tmp_path, "1,2,0\n3,4,1\n5,6,0\n7,8,1\n"), header=True)
    assert len(forced) == 3


def test_target_named_class_any_case_else_last(tmp_path):
    ds = load_csv(write(tmp_path, "CLASS,a,b\nx,1,2\ny,3,4\nx,5,6\n"))
    assert ds.class_names == ["x", "y"] and ds.feature_names == ["a", "b"]
    ds = load_csv(write(tmp_path, "a,b,c\n1,2,x\n3,4,y\n"))
    assert ds.preprocessing["target"]["name"] == "c"
    ds = load_csv(write(tmp_path, "a,b,c\n1,2.5,x\n3,4.5,y\n5,1.5,x\n"), target="a",
                  kind="regression")
    assert ds.y[:, 0].tolist() == [1, 3, 5]
    assert ds.feature_names == ["b", "c=x", "c=y"]
    ds = load_csv(write(tmp_path, "a,b,c\n1,2,x\n3,4,y\n"), target=1, kind="regression")
    assert ds.preprocessing["target"]["name"] == "b"


def test_unknown_target_column_lists_the_columns(tmp_path):
    with pytest.raises(DataError, match=r"no column named 'price'.*'a', 'b', 'c'"):
        load_csv(write(tmp_path, "a,b,c\n1,2,3\n"), target="price")
    with pytest.raises(DataError, match="no column 7"):
        load_csv(write(tmp_path, "a,b,c\n1,2,3\n"), target=7)


def test_kind_detection_and_forcing(tmp_path):
    rows = "\n".join(f"{i},{i % 3}" for i in range(30))
    ints = write(tmp_path, "x,y\n" + rows + "\n")
    ds = load_csv(ints)
    assert ds.kind == "classification" and ds.class_names == ["0", "1", "2"]
    assert load_csv(ints, kind="regression").kind == "regression"
    floats = write(tmp_path, "x,y\n" + "\n".join(f"{i},{i * 0.37:.2f}" for i in range(30)))
    assert load_csv(floats).kind == "regression"
    many = write(tmp_path, "x,y\n" + "\n".join(f"{i},{i}" for i in range(100)))
    assert load_csv(many).kind == "regression"  # 100 distinct whole numbers: a quantity
    numeric_classes = write(tmp_path, "x,y\n1,10\n2,2\n3,10\n4,2\n5,10\n6,2\n7,2\n8,10\n9,2\n10,2")
    assert load_csv(numeric_classes).class_names == ["2", "10"]  # numeric order
    with pytest.raises(DataError, match="holds text"):
        load_csv(write(tmp_path, MIXED), kind="regression")


def test_multi_output_regression(tmp_path):
    ds = load_csv(write(tmp_path, "a,b,c\n1,2,3\n4,5,6\n7,8,9\n"), target=["b", "c"])
    assert ds.kind == "regression" and ds.y.tolist() == [[2, 3], [5, 6], [8, 9]]
    assert ds.n_outputs == 2


def test_decimal_comma_in_semicolon_files(tmp_path):
    ds = load_csv(write(tmp_path, "a;b;label\n1,5;2;x\n2,25;3;y\n-0,5;4;x\n"))
    assert ds.x[:, 0].tolist() == [1.5, 2.25, -0.5]
    assert ds.preprocessing["decimal"] == ","


def test_encodings_bom_and_windows_1252(tmp_path):
    ds = load_csv(write(tmp_path, "\ufeffa,b,label\n1,2,x\n3,4,y\n"))
    assert ds.feature_names == ["a", "b"]
    ds = load_csv(write(tmp_path, "a,b,label\n1,2,café\n3,4,thé\n", encoding="cp1252"))
    assert ds.class_names == ["café", "thé"]
    ds = load_csv(write(tmp_path, "a\tb\tlabel\n1\t2\tx\n3\t4\ty\n", encoding="utf-16"))
    assert ds.x.tolist() == [[1, 2], [3, 4]]


def test_standardisation_stores_means_and_scales(tmp_path):
    ds = load_csv(write(tmp_path, MIXED), standardize=True)
    assert np.allclose(ds.x[:, 0].mean(), 0, atol=1e-6)
    assert np.allclose(ds.x[:, 0].std(), 1, atol=1e-6)
    assert set(np.unique(ds.x[:, 1:4])) == {0.0, 1.0}  # one-hot columns untouched
    age = ds.preprocessing["features"][0]
    assert age["offset"] == pytest.approx(np.mean([34, 45, 23, 51, 38]))
    assert age["scale"] == pytest.approx(np.std([34, 45, 23, 51, 38]))


def test_preprocessing_round_trip_gives_the_loaded_x(tmp_path):
    path = write(tmp_path, MIXED)
    ds = load_csv(path, standardize=True)
    with open(path, newline="") as f:
        rows = list(csv.reader(f))[1:]
    assert np.array_equal(apply_preprocessing(rows, ds.preprocessing), ds.x)
    features_only = [r[:3] for r in rows]
    assert np.array_equal(apply_preprocessing(features_only, ds.preprocessing), ds.x)
    as_dicts = [{"income": r[2], "colour": r[1], "age": r[0]} for r in rows]
    assert np.array_equal(apply_preprocessing(as_dicts, ds.preprocessing), ds.x)
    assert np.array_equal(apply_preprocessing(path, ds.preprocessing), ds.x)
    with pytest.raises(DataError, match="unknown category 'purple'"):
        apply_preprocessing([["30", "purple", "1"]], ds.preprocessing)
    with pytest.raises(DataError, match="row 1, column 'age'"):
        apply_preprocessing([["old", "red", "1"]], ds.preprocessing)


def test_round_trip_on_a_fast_path_file(tmp_path):
    rng = np.random.default_rng(0)
    values = rng.normal(size=(300, 4)) * [1, 10, 100, 1000]
    text = "a,b,c,d,label\n" + "\n".join(
        ",".join(f"{v:.6g}" for v in row) + f",{i % 2}" for i, row in enumerate(values))
    path = write(tmp_path, text)
    ds = load_csv(path, standardize=True)
    rows = [line.split(",") for line in text.splitlines()[1:]]
    assert np.array_equal(apply_preprocessing(rows, ds.preprocessing), ds.x)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "is empty"),
        ("\n\n  \n", "no rows"),
        ("a,b,label\n", "header but no data rows"),
        ("a,b,label\n1,2,x\n3,4\n5,6,y\n", r"line 3 has 2 field\(s\), but the header has 3"),
        ("a,b,label\n1,2,x\n3,4,y,9\n", "line 3 has 4 field"),
        ("a,b,label\n1,2,x\n3,,y\n5,6,x\n", r"line 3, column 'b': missing value"),
        ("a,b,label\n1,2,x\n3,NA,y\n5,6,x\n", r"line 3, column 'b': missing value"),
        ("a,b,label\n1,2,x\n3,4,y\n5,abc,x\n6,7,y\n", r"line 4, column 'b': 'abc' is not a"),
        ("a,b,label\n1,2,x\n3,nan,y\n", r"line 3, column 'b'"),
        ("a,b,label\n1,2,x\n3,inf,y\n", r"line 3, column 'b'"),
        ("a,b,label\n1,2,x\n3,4,\n", r"line 3, column 'label': missing value"),
        ("a,b,label\n1,2,x\n3,4,x\n", "single value"),
        ("justonecolumn\n1\n2\n", "single column"),
    ],
)
def test_malformed_files_say_what_and_where(tmp_path, text, words):
    with pytest.raises(DataError, match=words):
        load_csv(write(tmp_path, text))


def test_errors_name_the_file(tmp_path):
    with pytest.raises(DataError, match=r"trips\.csv: line 3"):
        load_csv(write(tmp_path, "a,b,label\n1,2,x\n3,,y\n", name="trips.csv"))
    with pytest.raises(DataError, match="no such file"):
        load_csv(tmp_path / "missing.csv")


def test_drop_invalid_drops_and_reports_rows(tmp_path):
    text = "a,b,label\n1,2,x\n3,,y\n5,6,x\n7,8\n9,oops,y\n10,11,y\n"
    ds = load_csv(write(tmp_path, text), drop_invalid=True)
    assert ds.x[:, 0].tolist() == [1, 5, 10]
    assert ds.report.dropped == 3 and ds.report.dropped_lines == [3, 5, 6]
    assert any("dropped 3" in n for n in ds.report.notes)
    with pytest.raises(DataError, match="no valid data rows"):
        load_csv(write(tmp_path, "a,b,label\n1,,x\n2,,y\n"), drop_invalid=True)


def test_blank_lines_and_empty_rows_are_skipped(tmp_path):
    ds = load_csv(write(tmp_path, "\na,b,label\n1,2,x\n\n,,\n3,4,y\n\n"))
    assert ds.x.tolist() == [[1, 2], [3, 4]]


def test_errors_in_a_later_chunk_of_a_big_file_name_the_right_line(tmp_path):
    n = CHUNK_LINES + 500
    lines = [f"{i},{i * 2},{i % 2}" for i in range(n)]
    lines[CHUNK_LINES + 100] = f"{CHUNK_LINES + 100},,1"
    path = write(tmp_path, "a,b,label\n" + "\n".join(lines) + "\n")
    with pytest.raises(DataError, match=rf"line {CHUNK_LINES + 102}, column 'b'"):
        load_csv(path)
    ds = load_csv(path, drop_invalid=True)
    assert len(ds) == n - 1 and ds.report.dropped_lines == [CHUNK_LINES + 102]
    assert ds.x[-1].tolist() == [n - 1, 2 * (n - 1)]


def test_categorical_and_ignore_options(tmp_path):
    text = "id,zip,size,label\n1,1000,1.0,a\n2,2000,2.0,b\n3,1000,3.0,a\n"
    ds = load_csv(write(tmp_path, text), categorical=["zip"], ignore=["id"])
    assert ds.feature_names == ["zip=1000", "zip=2000", "size"]
    with pytest.raises(DataError, match="no column named 'nope'"):
        load_csv(write(tmp_path, text), ignore=["nope"])


def test_identifier_like_text_column_is_refused_with_advice(tmp_path):
    rows = "\n".join(f"name{i},{i},{i % 2}" for i in range(80))
    with pytest.raises(DataError, match=r"more than 50 different.*ignore=\['name'\]"):
        load_csv(write(tmp_path, "name,v,label\n" + rows))


def test_progress_is_reported_and_cancel_stops(tmp_path):
    n = 3 * CHUNK_LINES
    path = write(tmp_path, "a,b,label\n" + "\n".join(f"{i},{i},{i % 2}" for i in range(n)))
    calls = []
    load_csv(path, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1][0] == calls[-1][1] > 0
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    checks = itertools.count()
    with pytest.raises(LoadCancelled, match="cancelled"):
        load_csv(path, cancelled=lambda: next(checks) >= 3)  # stops after a few chunks
    assert next(checks) == 4
    stop = threading.Event()
    stop.set()
    with pytest.raises(LoadCancelled):
        load_csv(path, cancelled=stop)


def test_fast_and_general_paths_agree(tmp_path):
    rng = np.random.default_rng(1)
    values = rng.normal(size=(500, 3)) * [1, 100, 1e-3]
    plain = "a,b,c,label\n" + "\n".join(
        ",".join(f"{v:.7g}" for v in row) + f",{i % 3}" for i, row in enumerate(values))
    quoted = "\n".join(",".join(f'"{c}"' for c in line.split(","))
                       for line in plain.splitlines())
    fast = load_csv(write(tmp_path, plain, "plain.csv"), standardize=True)
    general = load_csv(write(tmp_path, quoted, "quoted.csv"), standardize=True)
    assert np.array_equal(fast.x, general.x) and np.array_equal(fast.y, general.y)
    assert fast.preprocessing["features"] == general.preprocessing["features"]
