"""The "?" texts: a short, plain explanation of every concept the app shows (offline strings).

    explain("bias")                               # the general text
    explain("weight", network_numbers(doc))       # … plus "Your network has 114 weights …"

``network_numbers`` takes a Document, a Model or a NetworkSpec (and optionally the number of
training samples) and returns the counts and settings the texts can quote.
"""

from __future__ import annotations

from typing import Any

from engine import Model, NetworkSpec

CONCEPTS: dict[str, tuple[str, str]] = {
    "neuron": ("Neuron", "A neuron adds up its inputs, each multiplied by a weight, adds its "
               "bias, and passes the sum z through an activation function: a = f(w·x + b). "
               "Its output a is an input of the next layer."),
    "weight": ("Weight", "Every connection has a weight: how strongly an input pushes the "
               "neuron's sum up (positive, blue) or down (negative, orange). Training changes "
               "the weights a little at every step."),
    "bias": ("Bias", "Each neuron adds its bias to the weighted sum. It shifts the point at "
             "which the neuron switches on, independent of the inputs."),
    "weighted sum": ("Weighted sum z", "z = w₁·x₁ + w₂·x₂ + … + b: each input times its "
                     "weight, plus the bias. The activation function turns z into the output."),
    "activation": ("Activation function", "The function f that turns the weighted sum z into "
                   "the neuron's output a = f(z). Without a non-linear f, stacked layers could "
                   "only compute a straight line (or plane)."),
    "step": ("Step function", "Outputs 1 when z reaches the threshold θ, else 0 — the classic "
             "perceptron. Its slope is zero everywhere, so gradient descent gets no signal; "
             "the perceptron rule trains it instead."),
    "sigmoid": ("Sigmoid", "σ(z) = 1 / (1 + e^−z) squashes any sum into 0…1, read as a "
                "probability. For |z| > 4 it is flat (slope < 0.02): the neuron is saturated "
                "and learns slowly."),
    "tanh": ("tanh", "Squashes the sum into −1…1; like sigmoid but centred on 0. Saturates "
             "for large |z|."),
    "relu": ("ReLU", "max(0, z): passes positive sums, zeroes negative ones. Cheap and does "
             "not saturate for positive z; a unit whose sum is negative for every sample is "
             "'dead' (it never learns again)."),
    "softmax": ("Softmax", "Turns the output layer's sums into probabilities that add up to "
                "1, one per class (dog / cat / chicken / goat). Paired with cross-entropy."),
    "input layer": ("Input layer", "One input neuron per number in a sample: a 7×7 picture "
                    "is 49 input neurons, a table row with 5 columns is 5."),
    "hidden layer": ("Hidden layer", "Layers between input and output. They compute "
                     "intermediate features; without one, a network can only draw a straight "
                     "boundary (it cannot learn XOR)."),
    "output layer": ("Output layer", "Gives the answer: one neuron per class with softmax, "
                     "one sigmoid neuron for yes/no, linear neurons for numbers."),
    "loss": ("Loss", "How wrong the prediction is: 0 for perfect. Predicting 0.92 when the "
             "truth is 1 is a small error; 0.35 is a large one. Training lowers the average "
             "loss over the training samples."),
    "cross-entropy": ("Cross-entropy", "−log p(true class): 0.08 when the network gives the "
                      "right class 92 %, 2.3 when it gives it 10 %. The loss for "
                      "classification; its gradient stays large when the network is "
                      "confidently wrong."),
    "mse": ("Mean squared error", "The average of (prediction − target)²: the loss for "
            "numbers (prices, temperatures)."),
    "forward pass": ("Forward pass", "Computing the output layer by layer: z = Wx + b, "
                     "a = f(z), the next layer reads a."),
    "backpropagation": ("Backpropagation", "The chain rule, applied from the output back to "
                        "the input: δ = ∂L/∂z of each neuron says how much the loss would "
                        "change if its sum grew; from δ follow ∂L/∂W = δ·xᵀ and ∂L/∂b = δ, "
                        "and the δ of the layer before."),
    "gradient": ("Gradient", "∂L/∂w: how much the loss changes when a weight grows a tiny "
                 "bit. Positive means: make the weight smaller to lower the loss."),
    "delta": ("δ = ∂L/∂z", "A neuron's share of the error: the gradient of the loss with "
              "respect to its weighted sum."),
    "gradient descent": ("Gradient descent", "Move every weight a small step against its "
                         "gradient: w ← w − learning rate × ∂L/∂w. Stochastic (SGD) and "
                         "mini-batch versions use the gradient of a few samples at a time."),
    "learning rate": ("Learning rate", "The size of each gradient-descent step. Too small "
                      "and training crawls (0.3 → 0.3008); too large and it overshoots the "
                      "minimum and can diverge."),
    "epoch": ("Epoch", "One pass over every training sample. Training takes many epochs; "
              "after each, the loss and accuracy are measured (also on the validation "
              "samples held back, if any)."),
    "batch": ("Batch", "The samples whose average gradient makes one update. Batch size 1 is "
              "pure stochastic gradient descent; the whole data set is full-batch."),
    "overfitting": ("Overfitting", "The network learns the training samples by heart, "
                    "noise included: training loss keeps falling while the validation loss "
                    "rises. More data, a smaller network, dropout or early stopping help."),
    "perceptron": ("Perceptron rule", "For a single step neuron: after each wrong answer, "
                   "w ← w + lr·(y − ŷ)·x. It finds a separating line whenever one exists, "
                   "and never stops otherwise (XOR)."),
    "vanishing gradients": ("Vanishing gradients", "Gradients shrink as they flow back "
                            "through many saturating layers, so early layers barely learn."),
    "exploding gradients": ("Exploding gradients", "Gradients grow from step to step until "
                            "the weights become huge or NaN — usually a learning rate that "
                            "is too large."),
    "saturation": ("Saturated neuron", "A sigmoid or tanh neuron whose |z| is large sits on "
                   "the flat part of its curve: its slope, and so its gradient, is nearly 0."),
    "dead relu": ("Dead ReLU", "A ReLU whose sum is negative for every sample outputs 0 and "
                  "gets zero gradient: it stopped learning."),
    "finite differences": ("Finite differences", "Nudge one weight by ±ε, run the network "
                           "twice, and see how the loss changes: (L(w+ε) − L(w−ε)) / 2ε. "
                           "Slow, but an independent check of backpropagation."),
}

ALIASES = {"activation function": "activation", "biases": "bias", "weights": "weight",
           "backprop": "backpropagation", "lr": "learning rate", "sgd": "gradient descent",
           "cross entropy": "cross-entropy", "binary cross-entropy": "cross-entropy",
           "z": "weighted sum", "mean squared error": "mse", "dead relus": "dead relu",
           "saturated": "saturation", "mini-batch": "batch", "batch size": "batch"}


def _key(concept: str) -> str:
    key = concept.strip().lower().replace("_", " ")
    return ALIASES.get(key, key)


def concepts() -> list[str]:
    return list(CONCEPTS)


def title(concept: str) -> str:
    return CONCEPTS[_key(concept)][0]


def network_numbers(source: Any, n_samples: int | None = None) -> dict[str, Any]:
    """Counts and settings of a Document, Model or NetworkSpec, for :func:`explain`."""
    training = getattr(source, "training", None)
    if isinstance(source, Model):
        model = source
    else:
        spec = source.spec if hasattr(source, "build_model") else source
        if not isinstance(spec, NetworkSpec) or not spec.check().ok:
            return {}
        model = Model(spec, seed=0)
    weights = sum(p.value.size for p in model.parameters() if p.name == "W")
    biases = sum(p.value.size for p in model.parameters() if p.name == "b")
    layers = [n for n in model.nodes if n.layer.params]
    out: dict[str, Any] = {
        "weights": weights, "biases": biases, "parameters": model.parameter_count(),
        "inputs": int(_size(model.input_shape)),
        "neurons": sum(int(_size(n.shape)) for n in model.nodes if n.type in ("Dense",)),
        "weighted_layers": [n.name for n in layers],
        "activations": {n.name: (n.activation.name if n.activation else "linear")
                        for n in layers},
        "loss": model.spec.loss,
    }
    if training is not None:
        out.update(lr=training.lr, epochs=training.epochs, batch_size=training.batch_size,
                   optimizer=training.optimizer, validation_split=training.validation_split)
    if n_samples is not None:
        out["samples"] = n_samples
    return out


def _size(shape) -> int:
    n = 1
    for d in shape:
        n *= int(d)
    return n


def _personal(key: str, nn: dict[str, Any]) -> str:
    """The sentence about the user's own network, or ''."""
    w, b = nn.get("weights"), nn.get("biases")
    acts = nn.get("activations") or {}
    if key in ("weight", "bias", "neuron", "weighted sum") and w is not None:
        text = f"Your network has {w:,} weights and {b:,} biases"
        if key == "neuron" and nn.get("neurons"):
            text += f", {nn['neurons']:,} dense neurons and {nn.get('inputs', 0):,} inputs"
        return text + "."
    if key in ("activation", "sigmoid", "tanh", "relu", "softmax", "step") and acts:
        return "Your layers use: " + ", ".join(f"{k} {v}" for k, v in acts.items()) + "."
    if key in ("loss", "cross-entropy", "mse") and nn.get("loss"):
        return f"Your network's loss is {nn['loss'].replace('_', ' ')}."
    if key == "learning rate" and nn.get("lr") is not None:
        return (f"Your learning rate is {nn['lr']:g}: each step moves a weight by "
                f"{nn['lr']:g} × its gradient.")
    if key == "epoch" and nn.get("epochs"):
        return f"Your training runs {nn['epochs']} epochs."
    if key == "batch" and "batch_size" in nn:
        size, n = nn["batch_size"], nn.get("samples")
        if size is None:
            return "Your batch is the whole training set: one update per epoch."
        per = f" — {-(-n // size)} updates per epoch over {n:,} samples" if n else ""
        return f"Your batch size is {size}{per}."
    if key == "gradient descent" and nn.get("optimizer"):
        return f"Your optimiser is {nn['optimizer']}."
    if key == "backpropagation" and nn.get("weighted_layers"):
        chain = " → ".join(reversed(nn["weighted_layers"]))
        return f"In your network the error flows back through {chain}."
    if key == "overfitting" and "validation_split" in nn:
        share = nn["validation_split"]
        if share:
            return f"Your training holds back {share:.0%} of the samples to watch for it."
        return "Your training holds back no validation samples, so it cannot be seen."
    if w is not None:
        return f"Your network has {w:,} weights and {b:,} biases."
    return ""


def explain(concept: str, network_numbers: dict[str, Any] | None = None) -> str:
    """The help text for ``concept``, followed by a sentence about the user's network when
    ``network_numbers`` (from :func:`network_numbers`) is given. Unknown concepts say so."""
    key = _key(concept)
    if key not in CONCEPTS:
        return f"No explanation for '{concept}' yet."
    name, text = CONCEPTS[key]
    extra = _personal(key, network_numbers) if network_numbers else ""
    return f"{name}: {text}" + (f" {extra}" if extra else "")
