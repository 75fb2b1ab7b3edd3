"""Live views of training, each a standalone widget with a small input API.

- :class:`TrainingCurves` — loss and accuracy per epoch (train / validation), earlier runs dimmed.
- :class:`WeightHeatmaps` — every Dense / Conv2D weight matrix on the orange–grey–blue scale.
- :class:`GradientNorms` — per-layer gradient norms on a log axis with plain-language warnings.
- :class:`DecisionBoundary` — a 2-D data set over the model's prediction on a grid.
- :class:`ConfusionMatrixView` — counts of true × predicted classes.

Each is created once and fed with ``add_*`` / ``set_*`` calls from the GUI thread; none of them
talks to a worker. Colours come from :mod:`nndesigner.plots.colours`.
"""

from .boundary import DecisionBoundary
from .confusion import ConfusionMatrixView
from .gradients import GradientNorms, gradient_warnings
from .heatmaps import WeightHeatmaps
from .loss_curves import TrainingCurves

__all__ = ["ConfusionMatrixView", "DecisionBoundary", "GradientNorms", "TrainingCurves",
           "WeightHeatmaps", "gradient_warnings"]
