"""ONNX import: nndesigner's own exports come back exactly; hand-built graphs match onnxruntime;
what cannot be expressed is refused with the operator and node named."""

import numpy as np
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

import engine
from engine.io import OnnxImportError, import_onnx, to_onnx

from . import netzoo

rng = np.random.default_rng(0)


def randn(*shape):
    return rng.normal(0, 0.5, shape).astype(np.float32)


def make_model(nodes, inits, in_shape, opset=17, out="y", inputs=None, out_rank=2):
    out_dims = ["N", *(f"d{i}" for i in range(1, out_rank))]  # the checker needs a rank
    graph = helper.make_graph(
        nodes, "hand_built",
        inputs or [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", *in_shape])],
        [helper.make_tensor_value_info(out, TensorProto.FLOAT, out_dims)],
        initializer=[numpy_helper.from_array(v, k) for k, v in inits.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 7
    return model


def node(op, inputs, outputs, name="", **attrs):
    return helper.make_node(op, inputs, outputs if isinstance(outputs, list) else [outputs],
                            name=name, **attrs)


def ort_run(proto, x):
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: x})[0]


def check_against_onnxruntime(proto, n=5, atol=1e-6):
    imported = import_onnx(proto)
    model = imported.model()
    x = netzoo.inputs(model, n, seed=11)
    np.testing.assert_allclose(model.predict(x), ort_run(proto, x), rtol=0, atol=atol)
    return imported


# -- nndesigner → ONNX → nndesigner ------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(netzoo.ZOO))
def test_round_trip_keeps_weights_bitwise_and_outputs(name):
    original = netzoo.ZOO[name]()
    imported = import_onnx(to_onnx(original))
    expected = original.get_weights()
    assert imported.weights.keys() == expected.keys()
    for key, value in expected.items():
        got = imported.weights[key]
        assert got.dtype == np.float32 and got.tobytes() == value.tobytes(), key
    model = imported.model()
    assert model.spec.loss == original.spec.loss
    for batch in (1, 7):
        x = netzoo.zoo_inputs(name, original, batch)
        np.testing.assert_allclose(model.predict(x), original.predict(x), rtol=0, atol=1e-6)


@pytest.mark.parametrize(
    "name", ["cnn", "gap_net", "flat_dag", "image_dag", "perceptron", "image_softmax"]
)
def test_round_trip_gives_the_same_network(name):
    # Networks without Activation layers after fusable ones come back identical, parameters
    # (BatchNorm eps and momentum, dropout rate, slopes, strides, paddings) included.
    original = netzoo.ZOO[name]()
    assert import_onnx(to_onnx(original)).spec.to_dict() == original.spec.to_dict()


def test_activation_layers_fuse_into_the_layer_before():
    imported = import_onnx(to_onnx(netzoo.mlp_activations()))
    layers = imported.spec.layers
    assert "act_leaky" not in layers and layers["dense_7"].activation == "leaky_relu"
    # After a BatchNorm there is nothing to fuse into: the Activation layer stays.
    assert layers["act_tanh"].type == "Activation" and layers["act_tanh"].inputs == [
        "batchnorm_1"]


def test_class_names_and_sources(tmp_path):
    model = netzoo.gap_net()
    proto = to_onnx(model, class_names=["cat", "dog"])
    path = tmp_path / "m.onnx"
    path.write_bytes(proto.SerializeToString())
    for source in (path, str(path), path.read_bytes(), proto):
        imported = import_onnx(source)
        assert imported.class_names == ["cat", "dog"]
        assert set(imported.weights) == set(model.get_weights())


# -- hand-built graphs --------------------------------------------------------------------------


def test_matmul_add_relu_softmax_as_pytorch_writes_them():
    W1, b1, W2, b2 = randn(4, 6), randn(6), randn(6, 3), randn(1, 3)
    proto = make_model([
        node("MatMul", ["x", "fc1.weight"], "h", "/fc1/MatMul"),
        node("Add", ["fc1.bias", "h"], "hb", "/fc1/Add"),
        node("Relu", ["hb"], "r", "/relu/Relu"),
        node("MatMul", ["r", "fc2.weight"], "o", "/fc2/MatMul"),
        node("Add", ["o", "fc2.bias"], "ob", "/fc2/Add"),
        node("Softmax", ["ob"], "y", "/softmax/Softmax", axis=1),
    ], {"fc1.weight": W1, "fc1.bias": b1, "fc2.weight": W2, "fc2.bias": b2}, [4])
    imported = check_against_onnxruntime(proto)
    spec = imported.spec
    assert [(lay.type, lay.activation) for lay in spec.layers.values()] == [
        ("Input", "linear"), ("Dense", "relu"), ("Dense", "softmax")]
    assert spec.loss == "cross_entropy"
    w = imported.weights
    assert w["dense_1/W"].tobytes() == np.ascontiguousarray(W1.T).tobytes()
    assert w["dense_1/b"].tobytes() == b1.tobytes()
    assert w["dense_2/b"].tobytes() == b2.reshape(3).tobytes()


def test_conv_pool_reshape_and_gemm_with_alpha_beta():
    proto = make_model([
        node("Conv", ["x", "cw", "cb"], "c", "conv", auto_pad="SAME_UPPER", strides=[2, 2]),
        node("Relu", ["c"], "r"),
        node("MaxPool", ["r"], "p", "pool", kernel_shape=[2, 2], strides=[2, 2]),
        node("Reshape", ["p", "shape"], "flat", "flatten"),
        node("Gemm", ["flat", "gw", "gb"], "g", "fc", alpha=0.5, beta=2.0),
        node("Sigmoid", ["g"], "y"),
    ], {"cw": randn(4, 3, 3, 3), "cb": randn(4), "shape": np.array([0, -1], np.int64),
        "gw": randn(4 * 3 * 2, 2), "gb": randn(2)}, [3, 11, 9])
    imported = check_against_onnxruntime(proto, atol=1e-5)
    conv = imported.spec.layers["conv"]
    assert conv.params["padding"] == "same" and conv.params["stride"] == 2
    assert conv.activation == "relu"
    assert [lay.type for lay in imported.spec.layers.values()] == [
        "Input", "Conv2D", "MaxPool2D", "Flatten", "Dense"]
    assert imported.spec.loss == "binary_cross_entropy"
    assert any("alpha=0.5" in n for n in imported.notes)
    assert any("beta=2" in n for n in imported.notes)


def test_a_graph_using_every_other_operator():
    inits = {
        "c1w": randn(4, 2, 3, 3), "c1b": randn(4), "c2w": randn(4, 4, 3, 3),
        "bn_s": rng.uniform(0.5, 1.5, 4).astype(np.float32), "bn_b": randn(4),
        "bn_m": randn(4), "bn_v": rng.uniform(0.5, 2, 4).astype(np.float32),
        "bias": randn(1, 4, 1, 1), "ratio": np.array(0.25, np.float32),
        "fw": randn(3, 16), "fb": randn(3),
    }
    proto = make_model([
        node("Conv", ["x", "c1w", "c1b"], "c1", "c1", pads=[1, 1, 1, 1]),
        node("LeakyRelu", ["c1"], "l1"),  # default alpha 0.01
        node("Conv", ["l1", "c2w"], "c2", "c2", pads=[1, 1, 1, 1]),
        node("Add", ["c2", "bias"], "c2b", "c2_bias"),
        node("BatchNormalization", ["c2b", "bn_s", "bn_b", "bn_m", "bn_v"], "bn", "bn",
             epsilon=1e-3),
        node("Elu", ["bn"], "e", "elu", alpha=0.5),
        node("Add", ["e", "l1"], "res", "res"),
        node("Identity", ["res"], "res_id"),
        node("Dropout", ["res_id", "ratio"], "d", "drop"),
        node("AveragePool", ["d"], "ap", "avg", kernel_shape=[2, 2], strides=[2, 2]),
        node("MaxPool", ["d"], "mp", "max", kernel_shape=[2, 2], strides=[2, 2]),
        node("Concat", ["ap", "mp"], "cat", "cat", axis=1),
        node("Tanh", ["cat"], "t", "tanh"),
        node("GlobalAveragePool", ["t"], "gap", "gap"),
        node("Flatten", ["gap"], "g", "gap_flat"),
        node("Concat", ["g", "g2"], "gg", "cat2", axis=-1),
        node("Gemm", ["gg", "fw", "fb"], "y", "fc", transB=1),
    ], inits, [2, 6, 6])
    # g2: a second flat branch from the GlobalAveragePool, through an activation
    proto.graph.node.insert(15, node("Relu", ["g"], "g2", "relu2"))
    imported = check_against_onnxruntime(proto)
    layers = imported.spec.layers
    assert layers["c1"].activation == "leaky_relu"
    assert layers["c2"].params["use_bias"] and imported.weights["c2/b"].tobytes() == \
        inits["bias"].reshape(4).tobytes()
    assert layers["bn"].params["eps"] == 1e-3
    assert layers["res"].type == "Add" and layers["res"].inputs == ["elu", "c1"]
    assert layers["drop"].params["rate"] == 0.25
    assert layers["gap"].type == "GlobalAveragePool"
    assert imported.spec.loss == "mse"
    assert not any(lay.type == "Flatten" for lay in layers.values())  # merged into the pool


def test_add_chains_become_one_add_and_step_is_recognised():
    inits = {f"w{i}": randn(3, 4) for i in range(3)}
    inits["theta"] = np.array(0.1, np.float32)
    proto = make_model([
        node("Gemm", ["x", "w0"], "a", "a", transB=1),
        node("Gemm", ["x", "w1"], "b", "b", transB=1),
        node("Gemm", ["x", "w2"], "c", "c", transB=1),
        node("Add", ["a", "b"], "ab", "sum"),
        node("Add", ["c", "ab"], "abc", "sum_more"),
        node("GreaterOrEqual", ["abc", "theta"], "fires", "ge"),
        node("Cast", ["fires"], "y", "step", to=TensorProto.FLOAT),
    ], inits, [4])
    imported = check_against_onnxruntime(proto)
    total = imported.spec.layers["sum"]
    assert total.inputs == ["a", "b", "c"]
    assert total.params["activation"] == {"name": "step", "threshold": 0.1}


def test_add_chain_extended_by_a_later_branch():
    proto = make_model([
        node("Gemm", ["x", "w0"], "a", "a", transB=1),
        node("Gemm", ["x", "w1"], "b", "b", transB=1),
        node("Add", ["a", "b"], "ab", "sum"),
        node("Relu", ["a"], "late", "late"),  # computed after the first Add
        node("Add", ["late", "ab"], "y", "sum2"),
    ], {"w0": randn(3, 4), "w1": randn(3, 4)}, [4])
    imported = check_against_onnxruntime(proto)
    assert imported.spec.layers["sum"].inputs == ["a", "b", "late"]


def test_no_fusion_when_the_sum_is_also_read_elsewhere():
    # The Gemm's output feeds both the step and the Concat: fusing the step into the Dense
    # would change what the Concat reads.
    proto = make_model([
        node("Gemm", ["x", "w"], "z", "fc", transB=1),
        node("GreaterOrEqual", ["z", "theta"], "fires", "ge"),
        node("Cast", ["fires"], "s", "step", to=TensorProto.FLOAT),
        node("Concat", ["z", "s"], "y", "cat", axis=1),
    ], {"w": randn(3, 4), "theta": np.array(0.2, np.float32)}, [4])
    imported = check_against_onnxruntime(proto)
    assert imported.spec.layers["fc"].activation == "linear"
    assert imported.spec.layers["step"].type == "Activation"


def test_opset_11_defaults_and_constant_nodes():
    proto = make_model([
        helper.make_node("Constant", [], ["w"], value=numpy_helper.from_array(randn(5, 3))),
        node("MatMul", ["x", "w"], "h", "dense"),
        node("Dropout", ["h"], "d", "drop", ratio=0.4),
        node("Softmax", ["d"], "y", "sm"),  # opset 11: axis 1 by default
    ], {}, [5], opset=11)
    imported = check_against_onnxruntime(proto)
    assert imported.spec.layers["drop"].params["rate"] == 0.4
    assert imported.spec.layers["dense"].params["use_bias"] is False


def test_same_lower_is_accepted_when_it_equals_same_upper():
    proto = make_model([node("Conv", ["x", "w"], "y", "conv", auto_pad="SAME_LOWER")],
                       {"w": randn(2, 1, 3, 3)}, [1, 5, 5], out_rank=4)
    assert check_against_onnxruntime(proto).spec.layers["conv"].params["padding"] == "same"


def test_dangling_branches_are_dropped_with_a_note():
    proto = make_model([
        node("Relu", ["x"], "unused", "dead"),
        node("Gemm", ["x", "w"], "y", "fc", transB=1),
    ], {"w": randn(2, 3)}, [3])
    imported = check_against_onnxruntime(proto)
    assert "dead" not in imported.spec.layers
    assert any("dead" in n for n in imported.notes)


# -- refusals -----------------------------------------------------------------------------------


def refused(proto_or_bytes, match, op=None, node_name=None):
    with pytest.raises(OnnxImportError, match=match) as info:
        import_onnx(proto_or_bytes)
    assert info.value.op_type == op
    assert info.value.node == node_name
    assert isinstance(info.value, engine.EngineError)
    return str(info.value)


def conv_model(**attrs):
    return make_model([node("Conv", ["x", "w"], "y", "the_conv", **attrs)],
                      {"w": randn(2, 2, 3, 3)}, [2, 6, 6])


def test_unsupported_operator_names_operator_and_node():
    proto = make_model([node("Mul", ["x", "k"], "y", "scale_it")],
                       {"k": np.array(2, np.float32)}, [3])
    message = refused(proto, "unsupported operator Mul", "Mul", "scale_it")
    assert message.startswith("node 'scale_it' (Mul): ")
    proto = make_model([helper.make_node("Gelu", ["x"], ["y"], domain="com.microsoft")], {}, [3])
    proto.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    refused(proto, r"node #0 \(Gelu\): unsupported operator Gelu from domain 'com.microsoft'",
            "Gelu")


@pytest.mark.parametrize(
    ("attrs", "match"),
    [
        ({"pads": [1, 0, 0, 0]}, r"pads \[1, 0, 0, 0\] cannot be expressed.*here \[1, 1, 1, 1\]"),
        ({"pads": [1, 1, 0, 0]}, r"pads \[1, 1, 0, 0\] cannot be expressed"),
        ({"auto_pad": "SAME_LOWER", "strides": [2, 2]}, "SAME_LOWER with odd padding"),
        ({"dilations": [2, 2]}, r"dilations \[2, 2\] cannot be expressed"),
    ],
)
def test_inexpressible_convolutions(attrs, match):
    refused(conv_model(**attrs), match, "Conv", "the_conv")


def test_grouped_convolution():
    proto = make_model([node("Conv", ["x", "w"], "y", "dw", group=2)], {"w": randn(2, 1, 3, 3)},
                       [2, 6, 6])
    refused(proto, "grouped or depthwise", "Conv", "dw")


@pytest.mark.parametrize(
    ("attrs", "match"),
    [
        ({"kernel_shape": [2, 2], "pads": [1, 1, 1, 1]}, "padded pooling"),
        ({"kernel_shape": [2, 3]}, "only square windows"),
        ({"kernel_shape": [2, 2], "strides": [2, 2], "ceil_mode": 1}, "partial window"),
    ],
)
def test_inexpressible_pooling(attrs, match):
    proto = make_model([node("MaxPool", ["x"], "y", "pool", **attrs)], {}, [1, 5, 5])
    refused(proto, match, "MaxPool", "pool")


def test_ceil_mode_that_changes_nothing_is_accepted():
    proto = make_model([node("MaxPool", ["x"], "p", "pool", kernel_shape=[2, 2], strides=[2, 2],
                             ceil_mode=1), node("Flatten", ["p"], "y")], {}, [1, 6, 6])
    check_against_onnxruntime(proto)


def test_softmax_over_an_image_axis_other_than_channels():
    proto = make_model([node("Softmax", ["x"], "y", "sm", axis=-1)], {}, [2, 3, 3])
    refused(proto, "softmax over axis -1 of a 4-D tensor", "Softmax", "sm")


@pytest.mark.parametrize("shape", [[1, -1], [0, 3, 12], [-1, -1], [-1, 7]])
def test_reshape_other_than_to_flat(shape):
    proto = make_model([node("Reshape", ["x", "s"], "y", "rs")],
                       {"s": np.array(shape, np.int64)}, [3, 2, 6])
    refused(proto, r"Reshape to .* is not supported", "Reshape", "rs")


def test_global_pool_output_used_as_an_image():
    proto = make_model([node("GlobalAveragePool", ["x"], "g", "gap"),
                        node("Conv", ["g", "w"], "y", "after")],
                       {"w": randn(2, 3, 1, 1)}, [3, 4, 4])
    refused(proto, "output of a GlobalAveragePool as an image", "Conv", "after")


def test_gemm_with_transposed_input_and_stray_constant_add():
    proto = make_model([node("Gemm", ["x", "w"], "y", "g", transA=1)], {"w": randn(3, 3)}, [3])
    refused(proto, "transA=1", "Gemm", "g")
    proto = make_model([node("Relu", ["x"], "r", "relu"), node("Add", ["r", "k"], "y", "shift")],
                       {"k": randn(3)}, [3])
    refused(proto, "only as the bias of a MatMul, Gemm or Conv", "Add", "shift")


@pytest.mark.parametrize(
    ("inputs", "match"),
    [
        ([helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3]),
          helper.make_tensor_value_info("x2", TensorProto.FLOAT, ["N", 3])], "2 inputs"),
        ([helper.make_tensor_value_info("x", TensorProto.INT64, ["N", 3])], "is INT64"),
        ([helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, "H", 4])],
         "dimension 2 is not a fixed size"),
        ([helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 4])], "3 dimensions"),
    ],
)
def test_graph_inputs_that_cannot_be_an_input_layer(inputs, match):
    refused(make_model([node("Identity", ["x"], "y")], {}, None, inputs=inputs), match)


def test_output_that_is_the_input_itself():
    refused(make_model([node("Identity", ["x"], "y", "id")], {}, [3]), "is the input itself")


@pytest.mark.parametrize(
    ("location", "match"),
    [("weights.bin", "external file; external data is not supported"),
     ("../../../etc/passwd", "external file; external data is not supported")],
)
def test_external_data_is_refused_without_reading_it(tmp_path, location, match):
    proto = make_model([node("Gemm", ["x", "w"], "y", "fc", transB=1)], {"w": randn(2, 3)}, [3])
    weight = proto.graph.initializer[0]
    weight.ClearField("raw_data")
    weight.data_location = TensorProto.EXTERNAL
    weight.external_data.add(key="location", value=location)
    (tmp_path / "weights.bin").write_bytes(randn(2, 3).tobytes())  # present, still not read
    path = tmp_path / "m.onnx"
    path.write_bytes(proto.SerializeToString())
    refused(path, match)


def test_not_onnx_at_all_and_invalid_graphs():
    refused(b"\x00\x01garbage\xff" * 10, "not an ONNX model")
    proto = make_model([node("Relu", ["nowhere"], "y", "r")], {}, [3])
    refused(proto, "not a valid ONNX model")


def test_out_of_range_parameters_are_reported_for_the_node():
    proto = make_model([node("LeakyRelu", ["x"], "y", "lr", alpha=2.0)], {}, [3])
    refused(proto, "slope.* must be ≤ 1", "LeakyRelu", "lr")


def test_zero_strides_are_refused_not_reinterpreted():
    # nndesigner's pooling stride 0 means "the pool size"; ONNX's 0 is simply invalid.
    refused(conv_model(strides=[0, 1]), r"strides \[0, 1\]: two whole numbers ≥ 1", "Conv",
            "the_conv")
    proto = make_model([node("AveragePool", ["x"], "y", "pool", kernel_shape=[2, 2],
                             strides=[0, 0])], {}, [1, 4, 4])
    refused(proto, r"strides \[0, 0\]", "AveragePool", "pool")


def test_non_finite_weights_and_negative_variance_are_refused():
    w = randn(2, 3)
    w[1, 2] = np.inf
    proto = make_model([node("Gemm", ["x", "w"], "y", "fc", transB=1)], {"w": w}, [3])
    refused(proto, "node 'fc': the W of layer fc contains NaN or infinity")
    stats = {"s": randn(3), "b": randn(3), "m": randn(3), "v": np.array([1, -1, 1], np.float32)}
    proto = make_model([node("BatchNormalization", ["x", "s", "b", "m", "v"], "y", "bn")],
                       stats, [3])
    refused(proto, "the variance of layer bn is negative")


def test_mutated_exports_never_escape_as_another_error():
    from onnx import AttributeProto

    protos = [to_onnx(netzoo.ZOO[name]()) for name in ("cnn", "flat_dag", "mlp_activations")]
    generator = np.random.default_rng(5)
    outcomes = set()
    for i in range(200):
        proto = type(protos[0])()
        proto.CopyFrom(protos[i % len(protos)])
        target = proto.graph.node[generator.integers(len(proto.graph.node))]
        attrs = [a for a in target.attribute if a.type in (AttributeProto.INTS, AttributeProto.INT)]
        if attrs and generator.random() < 0.5:
            a = attrs[generator.integers(len(attrs))]
            if a.type == AttributeProto.INT:
                a.i = int(generator.integers(-2, 5))
            else:
                a.ints[generator.integers(len(a.ints))] = int(generator.integers(-2, 5))
        else:
            target.op_type = str(generator.choice(["Relu", "Add", "Conv", "Gemm", "Flatten",
                                                   "Concat", "Dropout", "Cast"]))
        try:
            imported = import_onnx(proto)
            imported.model()
            outcomes.add("imported")
        except OnnxImportError:
            outcomes.add("refused")
    assert outcomes == {"imported", "refused"}
