"""The standalone predict.py: NumPy only, run in an isolated interpreter, same predictions."""

import ast
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from engine.io import export_python, predict_script

from . import netzoo

# Loads each exported predict.py by path with the engine made unimportable, and saves its
# predictions; one interpreter for all networks keeps the test fast.
DRIVER = textwrap.dedent("""
    import importlib.util
    import sys

    sys.modules["engine"] = None  # any "import engine" in predict.py now fails
    import numpy as np

    for i, folder in enumerate(sys.argv[1:]):
        spec = importlib.util.spec_from_file_location(f"predict_{i}", folder + "/predict.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for n in (1, 7):
            np.save(f"{folder}/out{n}.npy", module.predict(np.load(f"{folder}/x{n}.npy")))
    print(sorted(m for m in sys.modules if m.split(".")[0] in ("engine", "nndesigner")))
""")


def run_isolated(args, cwd):
    # -I: no PYTHONPATH, no user site, not even the script's directory on sys.path.
    result = subprocess.run([sys.executable, "-I", *map(str, args)], cwd=cwd,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    root = tmp_path_factory.mktemp("python_export")
    models, folders = {}, []
    for name, build in netzoo.ZOO.items():
        model = models[name] = build()
        folder = root / name
        export_python(model, folder)
        for n in (1, 7):
            np.save(folder / f"x{n}.npy", netzoo.zoo_inputs(name, model, n))
        folders.append(folder)
    (root / "driver.py").write_text(DRIVER)
    stdout = run_isolated([root / "driver.py", *folders], cwd=root)
    assert stdout.strip() == "['engine']"  # only the blocked placeholder
    return root, models


@pytest.mark.parametrize("batch", [1, 7])
@pytest.mark.parametrize("name", sorted(netzoo.ZOO))
def test_predictions_match_the_engine(exported, name, batch):
    root, models = exported
    got = np.load(root / name / f"out{batch}.npy")
    expected = models[name].predict(np.load(root / name / f"x{batch}.npy"))
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)


def test_script_imports_only_numpy_and_the_standard_library():
    tree = ast.parse(predict_script())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module.split(".")[0])
    assert imported == {"argparse", "json", "sys", "pathlib", "numpy"}


def test_command_line_with_class_names_and_csv(tmp_path):
    model = netzoo.mlp_activations()
    export_python(model, tmp_path, class_names=["red", "green", "blue"])
    x = netzoo.inputs(model, 5)
    header = ",".join(f"f{i}" for i in range(x.shape[1]))
    np.savetxt(tmp_path / "x.csv", x, delimiter=",", header=header, comments="", fmt="%.9g")
    lines = run_isolated([tmp_path / "predict.py", "x.csv"], cwd=tmp_path).splitlines()
    probs = model.predict(np.loadtxt(tmp_path / "x.csv", delimiter=",", skiprows=1,
                                     dtype=np.float32))
    names = ["red", "green", "blue"]
    assert [line.split("\t")[0] for line in lines] == [names[k] for k in probs.argmax(1)]
    np.testing.assert_allclose([float(line.split("\t")[1]) for line in lines], probs.max(1),
                               atol=1e-4)


def test_command_line_images_from_npz_raw_outputs_and_other_npz(tmp_path):
    model = netzoo.cnn()
    export_python(model, tmp_path / "out", npz_name="cnn weights.npz")
    x = netzoo.inputs(model, 3)
    np.savez(tmp_path / "batch.npz", other=np.zeros(1), x=x)
    script = tmp_path / "out" / "predict.py"
    lines = run_isolated([script, "batch.npz", "--outputs"], cwd=tmp_path).splitlines()
    got = np.array([[float(v) for v in line.split()] for line in lines])
    np.testing.assert_allclose(got, model.predict(x), rtol=0, atol=1e-5)
    # --npz points the same script at another export
    other = netzoo.gap_net()
    export_python(other, tmp_path / "gap", class_names=["no", "yes"])
    np.save(tmp_path / "g.npy", netzoo.inputs(other, 4))
    lines = run_isolated([script, "g.npy", "--npz", tmp_path / "gap" / "model.npz"],
                         cwd=tmp_path).splitlines()
    p = other.predict(np.load(tmp_path / "g.npy"))[:, 0]
    assert [line.split("\t")[0] for line in lines] == [["no", "yes"][int(v >= 0.5)] for v in p]


def test_regression_prints_values(tmp_path):
    model = netzoo.flat_dag()
    export_python(model, tmp_path)
    x = netzoo.inputs(model, 2)
    np.save(tmp_path / "x.npy", x)
    lines = run_isolated([tmp_path / "predict.py", "x.npy"], cwd=tmp_path).splitlines()
    got = np.array([[float(v) for v in line.split()] for line in lines])
    np.testing.assert_allclose(got, model.predict(x), rtol=0, atol=1e-5)


@pytest.mark.parametrize("name", ["../model.npz", "a/b.npz", 'a".npz', ".hidden.npz", ""])
def test_unsafe_npz_names_are_refused(name):
    with pytest.raises(ValueError, match="npz file name"):
        predict_script(name)


def test_network_names_cannot_break_the_script():
    hostile = ast.parse(predict_script("m.npz", 'x"""\nimport os\\\x00 "'))
    plain = ast.parse(predict_script("m.npz", "plain"))
    assert "import os" in ast.get_docstring(hostile)  # the payload stayed inside the docstring
    assert [type(n) for n in hostile.body] == [type(n) for n in plain.body]
