"""NetworkSpec: structure, serialisation, shape inference, parameter counts and problems."""

import json

import pytest

import engine
from engine import NetworkSpec, SpecError


def mlp(loss="cross_entropy"):
    return NetworkSpec.sequential(
        [
            {"type": "Input", "shape": [784]},
            {"type": "Dense", "units": 256, "activation": "relu"},
            {"type": "Dense", "units": 10, "activation": "softmax"},
        ],
        loss=loss,
    )


def codes(analysis):
    return sorted(p.code for p in analysis.problems)


def test_shapes_and_parameter_counts_of_an_mlp():
    a = mlp().check()
    assert a.ok and a.problems == []
    assert a.shapes == {"input": (784,), "dense_1": (256,), "dense_2": (10,)}
    assert a.param_counts["dense_1"] == 784 * 256 + 256
    assert a.total_params == 784 * 256 + 256 + 256 * 10 + 10
    assert a.input == "input" and a.output == "dense_2"


def test_cnn_shapes_match_hand_computation():
    spec = NetworkSpec.sequential(
        [
            {"type": "Input", "shape": [1, 28, 28]},
            {"type": "Conv2D", "filters": 8, "kernel_size": 3},
            {"type": "MaxPool2D", "pool_size": 2},
            {"type": "Conv2D", "filters": 16, "kernel_size": 3, "padding": "same", "stride": 2},
            {"type": "AvgPool2D", "pool_size": 3, "stride": 1},
            {"type": "Flatten"},
            {"type": "Dense", "units": 10, "activation": "softmax"},
        ]
    )
    a = spec.check()
    assert a.ok, a.problems
    assert a.shapes["conv2d_1"] == (8, 26, 26)
    assert a.shapes["maxpool2d_1"] == (8, 13, 13)
    assert a.shapes["conv2d_2"] == (16, 7, 7)  # ceil(13 / 2)
    assert a.shapes["avgpool2d_1"] == (16, 5, 5)
    assert a.shapes["flatten_1"] == (400,)
    assert a.param_counts["conv2d_1"] == 8 * 9 + 8
    assert a.param_counts["conv2d_2"] == 16 * 8 * 9 + 16


def test_dense_after_conv_says_insert_flatten():
    spec = NetworkSpec.sequential(
        [
            {"type": "Input", "shape": [1, 28, 28]},
            {"type": "Conv2D", "filters": 8, "kernel_size": 3},
            {"type": "Dense", "units": 10, "activation": "softmax"},
        ]
    )
    a = spec.check()
    (problem,) = a.errors
    assert problem.code == "shape" and problem.layer == "dense_1"
    assert problem.edge == ("conv2d_1", "dense_1")
    assert "8×26×26" in problem.message and "flat" in problem.message
    assert "Flatten" in problem.fix
    # Shapes before the problem are still known, for the canvas.
    assert a.shapes["conv2d_1"] == (8, 26, 26)
    with pytest.raises(engine.InvalidNetworkError, match="Flatten"):
        engine.Model(spec)


def test_cycle_is_named():
    spec = NetworkSpec(loss="mse")
    spec.add_layer("Input", name="in", shape=[2])
    spec.add_layer("Dense", name="A", units=2)
    spec.add_layer("Dense", name="B", units=2, inputs=["A"])
    spec.add_layer("Add", name="C", inputs=["in", "B"])
    spec.connect("C", "A")
    spec.add_layer("Dense", name="out", units=1, inputs=["C"], activation="linear")
    a = spec.check()
    cycle = [p for p in a.errors if p.code == "cycle"]
    assert len(cycle) == 1
    assert "cycle through" in cycle[0].message
    for name in ("A", "B", "C"):
        assert name in cycle[0].message


def test_two_node_cycle_message():
    spec = NetworkSpec(loss="mse")
    spec.add_layer("Input", name="in", shape=[2])
    spec.add_layer("Dense", name="A", units=2, inputs=["in"])
    spec.add_layer("Dense", name="B", units=2, inputs=["A"])
    spec.add_layer("Add", name="M", inputs=["in", "B"])
    spec.disconnect("in", "A")
    spec.connect("B", "A")
    msgs = [p.message for p in spec.check().errors if p.code == "cycle"]
    assert msgs and ("A→B→A" in msgs[0] or "B→A→B" in msgs[0])


def test_missing_output_and_input():
    spec = NetworkSpec()
    spec.add_layer("Input", shape=[3])
    assert codes(spec.check()) == ["no_output"]
    empty = NetworkSpec()
    empty.add_layer("Dense", units=3, activation="softmax")
    assert "no_input" in codes(empty.check())
    assert "missing_input" in codes(empty.check())


def test_several_outputs_are_reported_on_each_loose_layer():
    spec = mlp()
    spec.add_layer("Dense", name="loose", inputs=["dense_1"], units=3)
    a = spec.check()
    assert {p.layer for p in a.errors if p.code == "several_outputs"} == {"dense_2", "loose"}
    assert a.output is None


def test_unconnected_layer_gets_a_problem_but_others_keep_shapes():
    spec = mlp()
    spec.add_layer("Dense", name="floating", units=4)
    a = spec.check()
    assert any(p.code == "missing_input" and p.layer == "floating" for p in a.errors)
    assert a.shapes["dense_1"] == (256,)


def test_loss_activation_mismatch_has_fix():
    spec = mlp()
    spec.set_params("dense_2", activation="sigmoid")
    (p,) = spec.check().errors
    assert p.code == "loss_activation" and "softmax" in p.fix
    spec.loss = "binary_cross_entropy"
    assert spec.check().ok


def test_softmax_with_one_unit_is_an_error():
    spec = NetworkSpec.sequential(
        [{"type": "Input", "shape": [2]}, {"type": "Dense", "units": 1, "activation": "softmax"}]
    )
    assert codes(spec.check()) == ["softmax_one_unit"]


def test_merge_shape_mismatch_points_at_the_edge():
    spec = NetworkSpec(loss="mse")
    spec.add_layer("Input", name="in", shape=[4])
    spec.add_layer("Dense", name="a", units=3, inputs=["in"])
    spec.add_layer("Dense", name="b", units=5, inputs=["in"])
    spec.add_layer("Add", name="sum", inputs=["a", "b"])
    (p,) = spec.check().errors
    assert p.edge == ("b", "sum") and "3 and 5" in p.message and "Concat" in p.fix
    spec.remove_layer("sum")
    spec.add_layer("Concat", name="cat", inputs=["a", "b"])
    a = spec.check()
    assert a.ok and a.shapes["cat"] == (8,)


def test_dense_with_two_inputs_suggests_a_merge():
    spec = NetworkSpec(loss="mse")
    spec.add_layer("Input", name="in", shape=[4])
    spec.add_layer("Dense", name="a", units=3, inputs=["in"])
    spec.add_layer("Dense", name="b", units=3, inputs=["in", "a"], activation="linear")
    (p,) = spec.check().errors
    assert p.code == "too_many_inputs" and "Add or Concat" in p.fix


def test_kernel_larger_than_image():
    spec = NetworkSpec.sequential(
        [{"type": "Input", "shape": [1, 4, 4]}, {"type": "Conv2D", "kernel_size": 5},
         {"type": "Flatten"}, {"type": "Dense", "units": 2, "activation": "softmax"}]
    )
    (p,) = spec.check().errors
    assert "does not fit" in p.message and "same" in p.fix


def test_step_units_in_a_deep_network_warn_but_perceptron_does_not():
    perceptron = NetworkSpec.sequential(
        [{"type": "Input", "shape": [2]},
         {"type": "Dense", "units": 1, "activation": {"name": "step", "threshold": 0.5}}],
        loss="mse",
    )
    assert perceptron.is_perceptron() and perceptron.check().problems == []
    deep = NetworkSpec.sequential(
        [{"type": "Input", "shape": [2]}, {"type": "Dense", "units": 3, "activation": "step"},
         {"type": "Dense", "units": 1, "activation": "sigmoid"}],
        loss="binary_cross_entropy",
    )
    a = deep.check()
    assert a.ok and [p.code for p in a.warnings] == ["step_blocks_gradient"]
    deep.set_params("dense_1", activation={"name": "step", "straight_through": True})
    assert deep.check().warnings == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"units": 0}, "units: must be ≥ 1"),
        ({"units": "many"}, "expected a whole number"),
        ({"units": 2.5}, "expected a whole number"),
        ({"activation": "swish"}, "unknown activation 'swish'"),
        ({"activation": {"name": "leaky_relu", "slope": -1}}, "slope"),
        ({"kernel_init": "xavier"}, "unknown initialiser"),
        ({"colour": "red"}, "has no parameter"),
    ],
)
def test_bad_parameter_values_raise_with_the_field(params, message):
    spec = mlp()
    before = spec.to_dict()
    with pytest.raises(SpecError, match=message):
        spec.set_params("dense_1", **params)
    assert spec.to_dict() == before  # nothing half-applied


def test_connection_refusals():
    spec = mlp()
    assert "cannot feed itself" in spec.connection_refusal("dense_1", "dense_1")
    assert "Input" in spec.connection_refusal("dense_1", "input")
    assert "already connected" in spec.connection_refusal("input", "dense_1")
    assert spec.connection_refusal("input", "dense_2") is None
    with pytest.raises(SpecError):
        spec.connect("dense_1", "input")


def test_names_are_unique_and_clean():
    spec = mlp()
    with pytest.raises(SpecError, match="already exists"):
        spec.add_layer("Dense", name="dense_1", units=3)
    for bad in ["", "a/b", " padded", "x" * 65, ".", ".."]:
        with pytest.raises(SpecError):
            spec.add_layer("Dense", name=bad, units=3)
    spec.rename_layer("dense_1", "hidden")
    assert spec.layers["dense_2"].inputs == ["hidden"]


def test_json_round_trip_is_identical():
    spec = NetworkSpec(loss="mse", name="branchy")
    spec.add_layer("Input", name="in", shape=[1, 8, 8])
    spec.add_layer("Conv2D", name="c", inputs=["in"], filters=4,
                   activation={"name": "leaky_relu", "slope": 0.2},
                   kernel_init={"name": "normal", "std": 0.1})
    spec.add_layer("GlobalAveragePool", name="g", inputs=["c"])
    spec.add_layer("Dense", name="o", inputs=["g"], units=1, activation="linear")
    data = json.loads(json.dumps(spec.to_dict()))
    again = NetworkSpec.from_dict(data)
    assert again.to_dict() == spec.to_dict()
    assert data["format_version"] == 1
    assert data["layers"][1]["params"]["activation"] == {"name": "leaky_relu", "slope": 0.2}


def test_default_options_are_stored_as_bare_names():
    spec = mlp()
    spec.set_params("dense_1", activation={"name": "leaky_relu", "slope": 0.01})
    assert spec.layers["dense_1"].params["activation"] == "leaky_relu"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(format_version=99), "newer than this version"),
        (lambda d: d.update(layers="nope"), "network.layers: expected a list"),
        (lambda d: d["layers"][1].update(type="Magic"), r"layers\[1\].type: unknown layer type"),
        (lambda d: d["layers"][1]["params"].update(units=-3), r"layers\[1\].*units"),
        (lambda d: d["layers"][2].update(inputs=["ghost"]), "no layer named 'ghost'"),
        (lambda d: d.update(loss="hinge"), "unknown loss"),
        (lambda d: d.update(loss=["mse"]), "unknown loss"),
        (lambda d: d["layers"].append(d["layers"][1]), "already exists"),
    ],
)
def test_malformed_dicts_name_the_field(mutate, message):
    data = mlp().to_dict()
    mutate(data)
    with pytest.raises(SpecError, match=message):
        NetworkSpec.from_dict(data)


def test_insert_layer_restores_a_removed_layer_exactly():
    spec = mlp()
    before = spec.to_dict()
    removed = spec.remove_layer("dense_1")
    assert spec.layers["dense_2"].inputs == []
    spec.insert_layer(removed, index=1)
    spec.connect("dense_1", "dense_2")
    assert spec.to_dict() == before
