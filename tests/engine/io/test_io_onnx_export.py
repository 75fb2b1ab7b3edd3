"""ONNX export: a valid opset-17 graph that onnxruntime runs to the engine's predictions."""

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import numpy_helper

import engine
from engine.activations import NAMES as ACTIVATIONS
from engine.io import export_onnx, to_onnx

from . import netzoo


def run(proto, x):
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"input": x})[0]


def nodes(proto, op):
    return [n for n in proto.graph.node if n.op_type == op]


def attr(node, name):
    return next(onnx.helper.get_attribute_value(a) for a in node.attribute if a.name == name)


def test_the_zoo_covers_every_layer_type_and_activation():
    types, activations = netzoo.covered()
    assert types == set(engine.LAYER_TYPES)
    assert activations == set(ACTIVATIONS)


@pytest.mark.parametrize("batch", [1, 7])
@pytest.mark.parametrize("name", sorted(netzoo.ZOO))
def test_onnxruntime_matches_predict(name, batch):
    model = netzoo.ZOO[name]()
    x = netzoo.zoo_inputs(name, model, batch)
    expected = model.predict(x)
    got = run(to_onnx(model), x)
    assert got.shape == expected.shape == (batch, *model.output_shape)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)


@pytest.mark.parametrize("name", sorted(netzoo.ZOO))
def test_graph_interface_and_full_check(name):
    model = netzoo.ZOO[name]()
    proto = to_onnx(model)
    onnx.checker.check_model(proto, full_check=True)
    assert [(o.domain, o.version) for o in proto.opset_import] == [("", 17)]
    (inp,), (out,) = proto.graph.input, proto.graph.output
    assert inp.name == "input" and out.name == "output"
    dims = [d.dim_param or d.dim_value for d in inp.type.tensor_type.shape.dim]
    assert dims == ["N", *model.input_shape]
    dims = [d.dim_param or d.dim_value for d in out.type.tensor_type.shape.dim]
    assert dims == ["N", *model.output_shape]


def test_operator_mapping_of_the_flat_network():
    model = netzoo.mlp_activations()
    proto = to_onnx(model)
    gemms = nodes(proto, "Gemm")
    assert [n.name for n in gemms] == [f"dense_{i}" for i in range(1, 9)]
    assert all(attr(n, "transB") == 1 for n in gemms)
    assert len(gemms[5].input) == 2  # the Dense without bias has no C
    inits = {t.name: numpy_helper.to_array(t) for t in proto.graph.initializer}
    np.testing.assert_array_equal(inits["dense_1/W"], model.get_weights()["dense_1/W"])
    assert sorted(attr(n, "alpha") for n in nodes(proto, "LeakyRelu")) == pytest.approx(
        [0.01, 0.2])
    assert attr(nodes(proto, "Elu")[0], "alpha") == pytest.approx(0.7)
    assert attr(nodes(proto, "Softmax")[0], "axis") == 1
    (bn,) = nodes(proto, "BatchNormalization")
    assert attr(bn, "epsilon") == pytest.approx(1e-3)
    assert list(bn.input[1:]) == [f"batchnorm_1/{p}" for p in
                                  ("gamma", "beta", "running_mean", "running_var")]
    (dropout,) = nodes(proto, "Dropout")
    assert inits[dropout.input[1]] == pytest.approx(0.3)
    for op in ("Relu", "Sigmoid"):
        assert len(nodes(proto, op)) == 1
    assert len(nodes(proto, "Tanh")) == 2  # fused in dense_3 and the Activation layer


def test_step_is_a_cast_of_greater_or_equal():
    proto = to_onnx(netzoo.perceptron())
    (ge,) = nodes(proto, "GreaterOrEqual")
    (cast,) = nodes(proto, "Cast")
    assert cast.input[0] == ge.output[0] and cast.output[0] == "output"
    assert attr(cast, "to") == onnx.TensorProto.FLOAT
    theta = next(t for t in proto.graph.initializer if t.name == ge.input[1])
    assert numpy_helper.to_array(theta) == np.float32(0.5)


def test_convolution_pads_and_pool_strides():
    proto = to_onnx(netzoo.cnn())
    convs = nodes(proto, "Conv")
    # same 3×3 stride 1: 1 on every side; same 3×3 stride 2 on 12×10: SAME_UPPER puts the
    # odd pixel after (total 1 → top 0, bottom 1); valid: none.
    assert [attr(c, "pads") for c in convs] == [[1, 1, 1, 1], [0, 0, 1, 1], [0, 0, 0, 0]]
    assert [attr(c, "strides") for c in convs] == [[1, 1], [2, 2], [1, 2]]
    assert attr(convs[2], "kernel_shape") == [3, 2]
    (maxpool,) = nodes(proto, "MaxPool")
    (avgpool,) = nodes(proto, "AveragePool")
    assert (attr(maxpool, "kernel_shape"), attr(maxpool, "strides")) == ([2, 2], [1, 1])
    assert (attr(avgpool, "kernel_shape"), attr(avgpool, "strides")) == ([2, 2], [2, 2])
    proto = to_onnx(netzoo.gap_net())
    (gap,) = nodes(proto, "GlobalAveragePool")
    flatten = next(n for n in proto.graph.node if gap.output[0] in n.input)
    assert flatten.op_type == "Flatten" and attr(flatten, "axis") == 1


def test_merges_keep_their_order():
    proto = to_onnx(netzoo.flat_dag())
    adds = nodes(proto, "Add")
    assert [list(n.input) for n in adds] == [["a", "b"], ["sum/sum1", "c"]]
    (concat,) = nodes(proto, "Concat")
    assert list(concat.input) == ["sum", "input", "b"] and attr(concat, "axis") == 1


def test_opset_18_and_unsupported_opsets():
    model = netzoo.cnn()
    x = netzoo.inputs(model, 3)
    proto = to_onnx(model, opset=18)
    assert proto.opset_import[0].version == 18
    np.testing.assert_allclose(run(proto, x), model.predict(x), rtol=0, atol=1e-5)
    with pytest.raises(ValueError, match="opset must be one of"):
        to_onnx(model, opset=11)


def test_float64_model_exports_float32():
    model = netzoo.flat_dag().copy(dtype=np.float64)
    proto = to_onnx(model)
    assert {t.data_type for t in proto.graph.initializer} == {onnx.TensorProto.FLOAT}
    x = netzoo.inputs(model, 5)
    np.testing.assert_allclose(run(proto, x), model.predict(x), rtol=0, atol=1e-5)


def test_output_that_is_a_linear_activation_layer():
    spec = engine.NetworkSpec.sequential([
        {"type": "Input", "shape": [3]},
        {"type": "Dense", "units": 2, "activation": "tanh"},
        {"type": "Activation", "activation": "linear"},
    ], loss="mse")
    model = engine.Model(spec)
    proto = to_onnx(model)
    assert proto.graph.node[-1].op_type == "Identity"
    x = netzoo.inputs(model, 4)
    np.testing.assert_allclose(run(proto, x), model.predict(x), rtol=0, atol=1e-6)


def test_layer_names_that_are_tensor_names():
    # A layer called "output" that is not the output, and an Input that is not "input".
    spec = engine.NetworkSpec(loss="mse")
    spec.add_layer("Input", name="x", shape=[3])
    spec.add_layer("Dense", name="output", inputs=["x"], units=4)
    spec.add_layer("Dense", name="input", inputs=["output"], units=2, activation="linear")
    model = engine.Model(spec)
    x = netzoo.inputs(model, 4)
    np.testing.assert_allclose(run(to_onnx(model), x), model.predict(x), rtol=0, atol=1e-6)


def test_export_onnx_writes_the_same_model(tmp_path):
    model = netzoo.gap_net()
    export_onnx(model, tmp_path / "m.onnx", class_names=["no", "yes"])
    loaded = onnx.load(str(tmp_path / "m.onnx"))
    assert loaded.SerializeToString() == to_onnx(model, class_names=["no", "yes"]) \
        .SerializeToString()
    meta = {p.key: p.value for p in loaded.metadata_props}
    assert meta == {"nndesigner.loss": "binary_cross_entropy",
                    "nndesigner.class_names": '["no", "yes"]'}
    assert loaded.producer_name == "nndesigner"
