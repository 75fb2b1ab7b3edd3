"""nndesigner's engine: describe, train and use neural networks with NumPy alone.

    import numpy as np
    import engine

    spec = engine.NetworkSpec.sequential([
        {"type": "Input", "shape": [2]},
        {"type": "Dense", "units": 8, "activation": "tanh"},
        {"type": "Dense", "units": 2, "activation": "softmax"},
    ], loss="cross_entropy")
    model = engine.Model(spec, seed=0)
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([0, 1, 1, 0])
    for record in engine.fit(model, x, y, epochs=500, lr=0.5, batch_size=4):
        pass
    print(model.predict_classes(x))  # [0 1 1 0]

The public API is what this module exports; everything else is internal.
"""

from .catalog import LAYER_TYPES, LOSSES, LayerType, ParamSpec
from .errors import (
    DataError,
    EngineError,
    InvalidNetworkError,
    Problem,
    SpecError,
    TrainingDiverged,
    TrainingError,
)
from .gradcheck import GradCheckResult, gradcheck
from .graph import Analysis, LayerSpec, NetworkSpec
from .metrics import (
    accuracy,
    classification_report,
    confusion_matrix,
    per_class_scores,
    regression_scores,
)
from .model import Model
from .optimizers import OPTIMIZERS, SCHEDULES, Optimizer
from .teach import Trace, sgd_update, trace, undo_update
from .training import Progress, Trainer, TrainingConfig, TrainingControl, fit

__version__ = "0.1.0"

__all__ = [
    "LAYER_TYPES",
    "LOSSES",
    "OPTIMIZERS",
    "SCHEDULES",
    "Analysis",
    "DataError",
    "EngineError",
    "GradCheckResult",
    "InvalidNetworkError",
    "LayerSpec",
    "LayerType",
    "Model",
    "NetworkSpec",
    "Optimizer",
    "ParamSpec",
    "Problem",
    "Progress",
    "SpecError",
    "Trace",
    "Trainer",
    "TrainingConfig",
    "TrainingControl",
    "TrainingDiverged",
    "TrainingError",
    "accuracy",
    "classification_report",
    "confusion_matrix",
    "fit",
    "gradcheck",
    "per_class_scores",
    "regression_scores",
    "sgd_update",
    "trace",
    "undo_update",
]
