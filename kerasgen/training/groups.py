"""What one optimizer minimises in a training step."""

import dataclasses
from typing import Callable

from kerasgen import checks


@dataclasses.dataclass(frozen=True)
class OptimizationGroup:
    """One parameter group of a training step: its variables, optimizer and loss.

    A step updates the groups of `model.optimization_groups()` in order, each
    `repeats` times (a GAN: the discriminator k times, then the generator).

    Args:
        name: str, the group's name (the key of its optimizer in an
            `OptimizerSet`).
        variables: list of trainable `keras.Variable`s that this group updates.
            Other variables are read but not changed by this group's update.
        optimizer: `keras.optimizers.Optimizer` built on exactly `variables`.
        loss_fn: callable `data -> (loss, logs)`: the scalar loss to minimise
            and a dict of named scalars to log. Written in `keras.ops`.
        repeats: int, updates of this group per training step.
    """

    name: str
    variables: list
    optimizer: object
    loss_fn: Callable
    repeats: int = 1

    def __post_init__(self):
        checks.check_integer(self.repeats, "repeats", f"OptimizationGroup {self.name!r}")
