"""The training core: the base model, parameter groups and optimizers (input checks: kerasgen.checks)."""

from kerasgen.training.distribution import data_parallel
from kerasgen.training.groups import OptimizationGroup
from kerasgen.training.model import GenerativeModel
from kerasgen.training.optimizer_set import OptimizerSet

__all__ = [
    "GenerativeModel",
    "OptimizationGroup",
    "OptimizerSet",
    "data_parallel",
]
