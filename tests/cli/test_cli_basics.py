"""Help, version, the catalogue commands, usage errors, and Qt staying out of sub-commands."""

import os
import subprocess
import sys

import pytest

from engine.data import list_datasets
from nndesigner.resources import list_templates

from .helpers import EXE


def test_help_works_without_a_display(run):
    result = run("--help")
    assert "usage: nndesigner [PROJECT]" in result.out
    for command in ("templates", "datasets", "new", "info", "train", "evaluate", "predict",
                    "export", "import"):
        assert command in result.out
    assert result.err == ""


@pytest.mark.parametrize("command", ["train", "export", "predict"])
def test_sub_command_help(run, command):
    result = run(command, "--help")
    assert result.out.startswith(f"usage: nndesigner {command}")


def test_version(run):
    assert run("--version").out.strip() == "nndesigner 0.1.0"


def test_templates_text_lists_every_template(run):
    out = run("templates").out
    lines = out.splitlines()
    assert lines[0].split() == ["name", "title", "description"]
    for t in list_templates():
        assert any(line.startswith(t.name + " ") for line in lines[2:]), t.name
    # the columns line up: every row's title starts where the header's does
    column = lines[0].index("title")
    assert all(line[column - 2 : column] == "  " for line in lines[2:])


def test_templates_json(run):
    data = run("templates", "--json").json
    assert list(data) == ["templates"]
    assert [t["name"] for t in data["templates"]] == [t.name for t in list_templates()]
    for t in data["templates"]:
        assert set(t) == {"name", "title", "description"}
        assert all(isinstance(v, str) and v for v in t.values())


def test_datasets_text_and_json(run):
    text = run("datasets").out
    assert "xor" in text and "1×7×7" in text
    data = run("datasets", "--json").json
    assert list(data) == ["datasets"]
    assert [d["name"] for d in data["datasets"]] == [d.name for d in list_datasets()]
    for d in data["datasets"]:
        assert set(d) == {"name", "kind", "shape", "classes", "description"}
        assert d["kind"] in ("classification", "regression")
        assert isinstance(d["shape"], list) and all(isinstance(s, int) for s in d["shape"])
        assert (d["classes"] is None) == (d["kind"] == "regression")
    smiley = next(d for d in data["datasets"] if d["name"] == "smiley")
    assert smiley["shape"] == [1, 7, 7] and smiley["classes"] == ["smiley", "frowny"]


@pytest.mark.parametrize("args", [
    ["templates", "--bogus"],                 # unknown option of a sub-command
    ["info"],                                 # missing file argument
    ["train", "x.nnd"],                       # missing --data
    ["train", "x.nnd", "--data", "xor", "--epochs", "0"],
    ["train", "x.nnd", "--data", "xor", "--validation-split", "1.5"],
    ["train", "x.nnd", "--data", "xor", "--optimizer", "lbfgs"],
    ["export", "x.nnd", "--format", "tflite", "-o", "x"],
    ["--bogus"],
    ["a.nnd", "b.nnd"],                       # the GUI takes one project
])
def test_usage_errors_exit_2(run, args):
    result = run(*args, check=False)
    assert result.code == 2, result
    assert "usage:" in result.err and "error:" in result.err
    assert "Traceback" not in result.err
    assert result.out == ""


def test_sub_commands_do_not_import_qt(tmp_path):
    code = (
        "import sys\n"
        "from nndesigner.cli import main\n"
        "for args in (['templates'], ['datasets', '--json'], ['info', 'missing.nnd']):\n"
        "    main(args)\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph', 'nndesigner.app',"
        " 'nndesigner.canvas', 'nndesigner.main_window'))]\n"
        "sys.exit(f'imported {bad}' if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_console_script_is_found():
    assert EXE and EXE.endswith("nndesigner")


GUI_PROBE = """
import sys
import nndesigner.app
nndesigner.app.run_gui = lambda project: print("GUI", project) or 0
from nndesigner.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize(("args", "opened"), [
    ([], "None"),
    (["my.nnd"], "my.nnd"),
    (["--debug", "my.nnd"], "my.nnd"),
    (["templates.nnd"], "templates.nnd"),  # only the exact name is a command
])
def test_anything_but_a_command_opens_the_gui(tmp_path, args, opened):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-c", GUI_PROBE, *args], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"GUI {opened}"


def test_a_mistyped_command_is_a_usage_error(run):
    result = run("trian", "x.nnd", check=False)
    assert result.code == 2 and "did you mean 'train'" in result.err
