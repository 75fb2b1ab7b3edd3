"""Project files: what goes in comes out, deterministically, with migrations for old files."""

import io
import json
import zipfile

import numpy as np
import pytest

import engine
from engine.io import (
    FORMAT_VERSION,
    MIGRATIONS,
    PROJECT_EXTENSION,
    Project,
    ProjectError,
    history_entry,
    load_project,
    migrate,
    save_project,
)

from . import netzoo


def trained_project():
    model = netzoo.flat_dag()
    x = netzoo.inputs(model, 20)
    y = np.random.default_rng(0).normal(size=(20, 2))
    config = engine.TrainingConfig(epochs=3, batch_size=8, lr=0.01, optimizer="adam", seed=4)
    trainer = engine.Trainer(model, x, y, config)
    trainer.run_to_end()
    project = Project.from_model(
        model,
        layout={"positions": {"input": [0, 0], "a": [120.5, -40]}, "zoom": 1.25},
        training=config,
        data={"source": {"kind": "csv", "path": "data/points.csv"}, "preprocessing":
              {"standardize": True, "columns": ["x1", "x2"]}},
        split_seed=17,
        data_fingerprint="sha256:abc123",
        history=[history_entry(p) for p in trainer.history],
    )
    return project, model, x


def test_round_trip_keeps_everything(tmp_path):
    project, model, x = trained_project()
    path = tmp_path / f"work{PROJECT_EXTENSION}"
    project.save(path)
    loaded = Project.load(path)
    assert loaded.network.to_dict() == model.spec.to_dict()
    assert loaded.layout == project.layout
    assert loaded.training == project.training
    assert loaded.data == project.data
    assert (loaded.split_seed, loaded.data_fingerprint, loaded.trained) == (17, "sha256:abc123",
                                                                            True)
    assert loaded.history == project.history
    assert [h["epoch"] for h in loaded.history] == [1, 2, 3]
    assert set(loaded.versions) == {"nndesigner", "numpy", "python"}
    assert loaded.versions["numpy"] == np.__version__
    saved = model.get_weights()
    assert loaded.weights.keys() == saved.keys()
    for key, value in saved.items():
        assert loaded.weights[key].dtype == value.dtype
        assert loaded.weights[key].tobytes() == value.tobytes(), key
    np.testing.assert_array_equal(loaded.model().predict(x), model.predict(x))


def test_module_functions_and_bytes(tmp_path):
    project, _, x = trained_project()
    path = tmp_path / "p.nnd"
    save_project(project, path)
    loaded = load_project(path)
    again = Project.from_bytes(path.read_bytes())
    np.testing.assert_array_equal(loaded.model().predict(x), again.model().predict(x))


def test_saving_is_deterministic(tmp_path):
    project, _, _ = trained_project()
    project.save(tmp_path / "a.nnd")
    project.save(tmp_path / "b.nnd")
    assert (tmp_path / "a.nnd").read_bytes() == (tmp_path / "b.nnd").read_bytes()


def test_file_layout_is_a_zip_of_json_and_npz(tmp_path):
    project, model, _ = trained_project()
    project.save(tmp_path / "p.nnd")
    with zipfile.ZipFile(tmp_path / "p.nnd") as zf:
        assert zf.namelist() == ["project.json", "weights.npz"]
        doc = json.loads(zf.read("project.json"))
        weights = np.load(io.BytesIO(zf.read("weights.npz")), allow_pickle=False)
        assert sorted(weights.files) == sorted(model.get_weights())
    assert doc["format"] == "nndesigner-project"
    assert doc["format_version"] == FORMAT_VERSION == 1
    assert doc["weights_file"] == "weights.npz"
    assert doc["network"] == model.spec.to_dict()


def test_untrained_project_has_no_weights_member(tmp_path):
    spec = netzoo.cnn().spec
    Project(network=spec, layout={"positions": {}}).save(tmp_path / "new.nnd")
    with zipfile.ZipFile(tmp_path / "new.nnd") as zf:
        assert zf.namelist() == ["project.json"]
    loaded = Project.load(tmp_path / "new.nnd")
    assert loaded.weights is None and loaded.trained is False and loaded.history == []
    model = loaded.model(seed=5)
    fresh = engine.Model(spec, seed=5)
    for key, value in fresh.get_weights().items():
        np.testing.assert_array_equal(model.get_weights()[key], value)


def test_network_being_designed_can_be_saved(tmp_path):
    # A Dense not yet connected: the network is invalid but the project must still save.
    spec = netzoo.perceptron().spec
    spec.add_layer("Dense", name="loose", units=3)
    assert not spec.check().ok
    Project(network=spec).save(tmp_path / "draft.nnd")
    loaded = Project.load(tmp_path / "draft.nnd")
    assert loaded.network.to_dict() == spec.to_dict()
    with pytest.raises(engine.InvalidNetworkError):
        loaded.model()


def test_history_from_progress_records_stores_nan_as_null(tmp_path):
    record = engine.Progress("epoch", 1, 5, 2, 2, 2, float("nan"), None,
                             grad_norms={"dense_1": 0.5}, weights={"x": np.zeros(2)})
    entry = history_entry(record)
    assert entry["loss"] is None and entry["grad_norms"] == {"dense_1": 0.5}
    assert "weights" not in entry
    project = Project(network=netzoo.perceptron().spec, history=[record])
    project.save(tmp_path / "h.nnd")
    assert Project.load(tmp_path / "h.nnd").history == [entry]


def test_values_json_cannot_hold_are_named():
    spec = netzoo.perceptron().spec
    with pytest.raises(ProjectError, match=r"layout\['positions'\]\['a'\]\[1\].*nan"):
        Project(network=spec, layout={"positions": {"a": [1.0, float("nan")]}}).to_document()
    with pytest.raises(ProjectError, match=r"data\['rows'\]: a set cannot be stored"):
        Project(network=spec, data={"rows": {1, 2}}).to_document()
    # NumPy scalars from the GUI are fine.
    doc = Project(network=spec, layout={"positions": {"a": [np.float32(2.5), np.int64(3)]}})
    assert doc.to_document()["layout"] == {"positions": {"a": [2.5, 3]}}


def test_trained_without_weights_or_non_finite_weights_refused_at_save(tmp_path):
    model = netzoo.perceptron()
    with pytest.raises(ProjectError, match="trained project needs its weights"):
        Project(network=model.spec, trained=True).save(tmp_path / "x.nnd")
    weights = model.get_weights()
    weights["dense_1/W"][0, 1] = np.inf
    with pytest.raises(ProjectError,
                       match=r"weights.npz: 'dense_1/W' contains NaN or infinity .*\(0, 1\)"):
        Project(network=model.spec, weights=weights).save(tmp_path / "x.nnd")
    assert not (tmp_path / "x.nnd").exists()


def test_save_refuses_what_load_would_refuse(tmp_path):
    spec = netzoo.perceptron().spec
    path = tmp_path / "p.nnd"
    with pytest.raises(ProjectError, match=r"layout.positions\['a'\]: expected \[x, y\]"):
        Project(network=spec, layout={"positions": {"a": {"x": 1, "y": 2}}}).save(path)
    deep: dict = {}
    for _ in range(100):
        deep = {"d": deep}
    with pytest.raises(ProjectError, match="nested too deeply"):
        Project(network=spec, data=deep).save(path)
    with pytest.raises(ProjectError, match="data: expected an object"):
        Project(network=spec, data=["not", "a", "dict"]).save(path)
    assert not path.exists()


def test_weights_that_no_longer_fit_the_network_are_refused_at_save(tmp_path):
    # E.g. the network was edited after training and the weights were not updated: saving
    # them would write a file that cannot be opened again.
    model = netzoo.perceptron()
    path = tmp_path / "p.nnd"
    Project.from_model(model).save(path)
    before = path.read_bytes()
    spec = model.spec.copy()
    spec.set_params("dense_1", units=3)
    with pytest.raises(ProjectError, match=r"'dense_1/W' has shape \(1, 2\), the network needs "
                                           r"\(3, 2\)"):
        Project(network=spec, weights=model.get_weights()).save(path)
    assert path.read_bytes() == before


def test_failed_save_leaves_previous_file_intact(tmp_path, monkeypatch):
    from engine.io import project as project_module

    project, _, _ = trained_project()
    path = tmp_path / "p.nnd"
    Project(network=project.network).save(path)
    before = path.read_bytes()
    real_add = project_module.add_member

    def add_member(zf, name, data, compress=True):
        if name == "weights.npz":  # project.json is already in the temporary file
            real_add(zf, name, data[: len(data) // 2], compress)
            raise OSError(28, "No space left on device")
        real_add(zf, name, data, compress)

    monkeypatch.setattr(project_module, "add_member", add_member)
    with pytest.raises(OSError, match="No space"):
        project.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.nnd"]


# -- versions and migrations ------------------------------------------------------------------


def v0_document(spec):
    """A made-up format 0: positions at the top level and training settings as "settings"."""
    return {
        "format": "nndesigner-project",
        "format_version": 0,
        "network": spec.to_dict(),
        "positions": {"input": [1, 2]},
        "settings": {"epochs": 7, "lr": 0.5},
    }


def v0_to_v1(doc):
    doc["layout"] = {"positions": doc.pop("positions")}
    doc["training"] = doc.pop("settings")
    doc["format_version"] = 1
    return doc


def write_doc(path, doc):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.json", json.dumps(doc))


def test_old_document_is_migrated(tmp_path, monkeypatch):
    spec = netzoo.perceptron().spec
    write_doc(tmp_path / "old.nnd", v0_document(spec))
    with pytest.raises(ProjectError, match="format_version 0 is too old: no upgrade to 1"):
        Project.load(tmp_path / "old.nnd")
    monkeypatch.setitem(MIGRATIONS, 0, v0_to_v1)
    loaded = Project.load(tmp_path / "old.nnd")
    assert loaded.layout == {"positions": {"input": [1, 2]}}
    assert (loaded.training.epochs, loaded.training.lr) == (7, 0.5)
    assert loaded.network.to_dict() == spec.to_dict()


def test_migrations_run_in_order():
    steps = {
        0: lambda d: {**d, "format_version": 1, "trail": [*d["trail"], "0→1"]},
        1: lambda d: {**d, "format_version": 2, "trail": [*d["trail"], "1→2"]},
        2: lambda d: {**d, "format_version": 3, "trail": [*d["trail"], "2→3"]},
    }
    doc = migrate({"format_version": 1, "trail": []}, steps, target=3)
    assert doc == {"format_version": 3, "trail": ["1→2", "2→3"]}


def test_too_new_file_is_refused_with_both_versions(tmp_path):
    doc = v0_to_v1(v0_document(netzoo.perceptron().spec))
    doc["format_version"] = 7
    write_doc(tmp_path / "future.nnd", doc)
    with pytest.raises(ProjectError) as info:
        Project.load(tmp_path / "future.nnd")
    assert "format_version 7 is newer than this nndesigner understands (1)" in str(info.value)
    assert info.value.path == tmp_path / "future.nnd"
    assert isinstance(info.value, engine.EngineError)
