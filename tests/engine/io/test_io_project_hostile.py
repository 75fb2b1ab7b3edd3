"""Malformed, truncated and hostile project files give a ProjectError that says what and where.

Nothing else may escape: a file from the internet must never crash the app, run code, write
outside its place, or exhaust memory.
"""

import io
import json
import struct
import warnings
import zipfile

import numpy as np
import pytest

import engine
from engine.io import Limits, Project, ProjectError
from engine.io.archive import npz_bytes

from . import netzoo


def dense_spec():
    """Input of 8 → Dense of 4: 'dense_1/W' must be (4, 8)."""
    return engine.NetworkSpec.sequential(
        [{"type": "Input", "shape": [8]}, {"type": "Dense", "units": 4, "activation": "sigmoid"}],
        loss="binary_cross_entropy",
    )


def good_doc(spec=None, weights=True):
    project = Project(network=spec or dense_spec())
    doc = project.to_document()
    doc["weights_file"] = "weights.npz" if weights else None
    return doc


def good_weights():
    return engine.Model(dense_spec(), seed=0).get_weights()


def make_zip(members, compression=zipfile.ZIP_DEFLATED):
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are deliberate in one test
        with zipfile.ZipFile(buf, "w", compression) as zf:
            for name, data in members:
                zf.writestr(name, data)
    return buf.getvalue()


def project_bytes(doc=None, weights=None, extra=()):
    doc = good_doc() if doc is None else doc
    members = [("project.json", json.dumps(doc) if isinstance(doc, dict) else doc)]
    if weights is not None:
        members.append(("weights.npz", npz_bytes(weights) if isinstance(weights, dict)
                        else weights))
    return make_zip([*members, *extra])


def refused(data, match, limits=None, tmp_path=None):
    if tmp_path is not None:
        path = tmp_path / "bad.nnd"
        path.write_bytes(data)
        with pytest.raises(ProjectError, match=match) as info:
            Project.load(path, limits)
        assert info.value.path == path
    else:
        with pytest.raises(ProjectError, match=match) as info:
            Project.from_bytes(data, limits)
    return str(info.value)


def test_the_good_file_of_these_tests_loads():
    project = Project.from_bytes(project_bytes(weights=good_weights()))
    assert project.weights.keys() == good_weights().keys()


@pytest.mark.parametrize("data", [b"", b"hello, I am a text file", b"PK\x03\x04broken"])
def test_not_a_zip(data, tmp_path):
    refused(data, "not a zip file", tmp_path=tmp_path)


def test_truncated_files_are_refused_at_every_cut():
    data = project_bytes(weights=good_weights())
    for cut in range(1, len(data), 97):
        with pytest.raises(ProjectError):
            Project.from_bytes(data[:cut])


def test_random_corruption_never_escapes_as_another_error():
    data = project_bytes(weights=good_weights())
    rng = np.random.default_rng(0)
    outcomes = set()
    for _ in range(300):
        mutated = bytearray(data)
        for pos in rng.integers(0, len(data), size=rng.integers(1, 4)):
            mutated[pos] = rng.integers(0, 256)
        try:
            Project.from_bytes(bytes(mutated))
            outcomes.add("loaded")
        except ProjectError:
            outcomes.add("refused")
    assert "refused" in outcomes


def test_corrupted_weights_fail_their_checksum():
    data = bytearray(project_bytes(weights=good_weights()))
    pos = data.index(b"weights.npz") + 100  # inside the (compressed) weights
    data[pos] ^= 0xFF
    refused(bytes(data), "weights.npz is damaged or truncated")


def test_missing_project_json():
    refused(make_zip([("readme.txt", "hi")]), "not an nndesigner project: .* no project.json")


@pytest.mark.parametrize(
    ("doc", "match"),
    [
        (b"\xff\xfe{}", r"project.json: not UTF-8"),
        ("{'single': 'quotes'}", r"project.json: not valid JSON"),
        ('{"format_version": NaN}', r"project.json: not valid JSON: NaN is not allowed"),
        ('{"a": 1, "a": 2}', r"key 'a' appears twice"),
        ("[1, 2]", r"project.json: not an nndesigner project"),
        ('{"format": "something-else"}', r"not an nndesigner project"),
        ("[" * 100_000 + "]" * 100_000, r"nested too deeply"),
        ('{"format_version": 1, "x": ' + "[" * 80 + "]" * 80 + "}", r"nested too deeply"),
        ('{"x": 1' + "0" * 5000 + "}", r"not valid JSON"),
    ],
)
def test_malformed_json(doc, match):
    refused(project_bytes(doc), match)


def field_error(mutate, match, weights=None):
    doc = good_doc(weights=weights is not None)
    mutate(doc)
    return refused(project_bytes(doc, weights), match)


def test_bad_fields_are_named():
    def bad_units(d):
        d["network"]["layers"][1]["params"]["units"] = "four"

    message = field_error(bad_units, r"project.json: network.layers\[1\]")
    assert "units: expected a whole number" in message
    field_error(lambda d: d.update(format_version="1"), r"format_version: expected a whole")
    field_error(lambda d: d["training"].update(lr=-1), r"project.json: training: learning rate")
    field_error(lambda d: d["training"].update(colour="red"), r"training: unknown field")
    field_error(lambda d: d.update(trained="yes"), r"project.json: trained: expected true or")
    field_error(lambda d: d.update(split_seed=True), r"split_seed: expected a whole number")
    field_error(lambda d: d.update(history={"epoch": 1}), r"history: expected a list")
    field_error(lambda d: d.update(history=[1]), r"history\[0\]: expected an object")
    field_error(lambda d: d.update(layout={"positions": {"a": [1]}}),
                r"layout.positions\['a'\]: expected \[x, y\]")
    field_error(lambda d: d.update(network=None), r"project.json: network: expected an object")
    field_error(lambda d: d.update(trained=True), r"trained is true but the project has no")
    # NetworkSpec.from_dict itself raises a bare TypeError for an unhashable loss.
    field_error(lambda d: d["network"].update(loss=["mse"]), r"network.loss: expected text")


def test_random_field_values_never_escape_as_another_error():
    model = netzoo.cnn()
    doc = Project.from_model(model, layout={"positions": {"input": [1, 2]}}).to_document()
    npz = npz_bytes(model.get_weights())
    leaves = []

    def walk(value, path):
        children = value.items() if isinstance(value, dict) else (
            enumerate(value) if isinstance(value, list) else ())
        for key, child in children:
            leaves.append((*path, key))
            walk(child, (*path, key))

    walk(doc, ())
    junk = [None, True, -1, 0, 2.5, 1e308, 10**30, "", "x", "same", [], {}, [1, 2], ["input"],
            {"name": "elu", "alpha": -1}, {"name": 3}]
    rng = np.random.default_rng(0)
    outcomes = set()
    for _ in range(300):
        mutated = json.loads(json.dumps(doc))
        *parents, last = leaves[rng.integers(len(leaves))]
        target = mutated
        for key in parents:
            target = target[key]
        target[last] = junk[rng.integers(len(junk))]
        try:
            project = Project.from_bytes(project_bytes(mutated, npz))
            if project.network.check().ok:
                project.model()  # whatever loads as valid must also build
            outcomes.add("loaded")
        except ProjectError:
            outcomes.add("refused")
    assert outcomes == {"loaded", "refused"}


def test_weights_named_in_document_but_missing():
    refused(project_bytes(good_doc(weights=True)), "weights.npz is missing")


def test_weights_file_must_be_the_known_name():
    doc = good_doc(weights=True)
    doc["weights_file"] = "../../etc/passwd"
    refused(project_bytes(doc, good_weights()), r"weights_file: expected \"weights.npz\"")


def test_wrong_weight_shape_is_reported_like_the_network_needs_it():
    weights = good_weights()
    weights["dense_1/W"] = np.zeros((3, 4), np.float32)
    message = refused(project_bytes(weights=weights), "has shape")
    assert message == "weights.npz: 'dense_1/W' has shape (3, 4), the network needs (4, 8)"


def test_unknown_and_missing_weight_keys():
    weights = {**good_weights(), "ghost/W": np.zeros(2, np.float32)}
    refused(project_bytes(weights=weights), r"'ghost/W' does not belong to any layer")
    weights = good_weights()
    del weights["dense_1/b"]
    refused(project_bytes(weights=weights), r"missing weights: dense_1/b")


def test_non_finite_weights_are_refused_with_the_key():
    weights = good_weights()
    weights["dense_1/b"][2] = np.nan
    refused(project_bytes(weights=weights),
            r"weights.npz: 'dense_1/b' contains NaN or infinity \(at index \(2,\)\)")


def test_integer_weights_are_refused():
    weights = {**good_weights(), "dense_1/b": np.arange(4)}
    refused(project_bytes(weights=weights), r"'dense_1/b' has dtype int64, which is not allowed")


class Evil:
    """Unpickling this would create a file: proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def evil_npz(marker):
    evil = np.empty(1, dtype=object)
    evil[0] = Evil(marker)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        member = io.BytesIO()
        np.lib.format.write_array(member, evil, allow_pickle=True)
        zf.writestr("dense_1/W.npy", member.getvalue())
    return buf.getvalue()


def test_pickled_object_arrays_are_refused_without_running_them(tmp_path):
    # The payload is live: loading it with pickles allowed runs it.
    live = tmp_path / "live"
    with np.load(io.BytesIO(evil_npz(live)), allow_pickle=True) as npz:
        npz["dense_1/W"]
    assert live.exists()
    marker = tmp_path / "pwned"
    refused(project_bytes(weights=evil_npz(marker)), r"'dense_1/W' is a pickled object array")
    assert not marker.exists()


def test_forged_npy_header_cannot_allocate_more_than_it_holds():
    member = io.BytesIO()
    np.lib.format.write_array(member, np.zeros(4, np.float32))
    raw = member.getvalue().replace(b"(4,)", b"(999999999999,)")  # the data stay 16 bytes
    npz = make_zip([("dense_1/b.npy", raw)], zipfile.ZIP_STORED)
    refused(project_bytes(weights=npz), r"header says shape \(999999999999,\).*damaged")


def test_zip_bomb_is_refused_by_declared_size():
    bomb = make_zip([("project.json", json.dumps(good_doc())),
                     ("weights.npz", b"\0" * (20 * 2**20))])
    assert len(bomb) < 100_000  # a small file that would unpack to 20 MiB
    refused(bomb, r"weights.npz would unpack to 20,971,520 bytes, over the limit of 1,048,576",
            Limits(max_weights_bytes=2**20))


def test_zip_member_lying_about_its_size_is_cut_off():
    data = bytearray(make_zip([("project.json", json.dumps(good_doc())),
                               ("weights.npz", b"\0" * (2**20))]))
    # Claim 100 bytes in both the local and the central header of weights.npz.
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (pos := data.find(signature, start)) >= 0:
            name_at = pos + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at : name_at + 11] == b"weights.npz":
                data[pos + offset : pos + offset + 4] = struct.pack("<I", 100)
            start = pos + 4
    refused(bytes(data), r"weights.npz is damaged or truncated")


def test_oversized_json_and_file_are_refused(tmp_path):
    data = project_bytes(weights=good_weights())
    refused(data, r"project.json would unpack to .* over the limit of 100",
            Limits(max_json_bytes=100))
    refused(data, r"the file is .* bytes, over the limit of 100", Limits(max_file_bytes=100),
            tmp_path=tmp_path)


def test_duplicate_members_are_refused():
    doc = json.dumps(good_doc(weights=False))
    refused(make_zip([("project.json", doc), ("project.json", doc)]),
            "holds project.json 2 times")


def test_path_traversal_members_are_ignored(tmp_path):
    data = project_bytes(
        weights=good_weights(),
        extra=[("../../escaped.txt", "x"), ("/etc/cron.d/evil", "x"), ("..\\win.txt", "x")],
    )
    path = tmp_path / "inner" / "p.nnd"
    path.parent.mkdir()
    path.write_bytes(data)
    project = Project.load(path)
    assert project.weights is not None
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["inner", "p.nnd"]


def test_unusable_layer_types_in_a_cnn_are_named():
    doc = good_doc(spec=netzoo.cnn().spec, weights=False)
    doc["network"]["layers"][3]["type"] = "Conv3D"
    refused(project_bytes(doc), r"network.layers\[3\].type: unknown layer type 'Conv3D'")
