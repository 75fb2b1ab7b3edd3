"""The public surface of engine.io and its promises about imports and weight shapes."""

import subprocess
import sys

import pytest

import engine
import engine.io
from engine.io import OnnxImportError, ProjectError
from engine.io.weights import expected_shapes

from . import netzoo


def test_every_public_name_resolves():
    for name in engine.io.__all__:
        assert getattr(engine.io, name) is not None, name
    with pytest.raises(AttributeError):
        engine.io.no_such_function  # noqa: B018


def test_errors_are_engine_errors():
    assert issubclass(ProjectError, engine.EngineError)
    assert issubclass(OnnxImportError, engine.EngineError)


def test_opening_projects_does_not_import_onnx_or_qt():
    code = (
        "import sys, engine.io; "
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('onnx', 'onnxruntime', 'PySide6', 'pyqtgraph', 'nndesigner')]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", sorted(netzoo.ZOO))
def test_expected_shapes_agree_with_the_model(name):
    # The loader checks weights against shapes computed from the spec alone; they must be
    # exactly the model's (a drift would make valid files unloadable).
    model = netzoo.ZOO[name]()
    shapes = expected_shapes(model.spec)
    assert list(shapes.items()) == [(k, v.shape) for k, v in model.get_weights().items()]


def test_expected_shapes_of_an_invalid_network_is_none():
    spec = netzoo.perceptron().spec
    spec.add_layer("Dense", name="loose", units=3)
    assert expected_shapes(spec) is None
