"""Several optimizers, one per parameter group, that Keras sees as one."""

import keras


@keras.saving.register_keras_serializable(package="kerasgen")
class OptimizerSet(keras.optimizers.Optimizer):
    """Named optimizers, one per parameter group, presented to Keras as one.

    Keras' trainers, savers and (under JAX) the stateless training loop deal
    with a single `model.optimizer`. A model that updates several parameter
    groups with their own optimizers (a GAN's discriminator and generator)
    compiles an `OptimizerSet`: its `variables` are those of all members, so
    every member's state is carried through a JAX step, saved in `.keras`
    files and restored. The members do the updates; the set itself never
    applies gradients.

    Learning rate: `learning_rate` reads as the first member's rate (its
    current value when that member follows a schedule), which is what Keras'
    `LearningRateScheduler`, `ReduceLROnPlateau` and `TensorBoard` read and
    log as `model.optimizer.learning_rate`. Assigning a number to it scales
    every member by the same factor (new / the first member's rate), so the
    members keep their ratio: a GAN compiled with D at 4e-4 and G at 1e-4
    keeps 4:1 under any learning-rate callback. When the first member's rate
    is 0 there is no ratio to keep, and every member is set to the new value.
    Assignment is refused, with a `TypeError` as Keras refuses it for one
    optimizer, when any member's rate is a `LearningRateSchedule` (or a
    callable): that member sets its own rate at every step, so schedule every
    member or none. Each member stays reachable for control of its own rate:
    `opts["generator"].learning_rate = 1e-4`.

    Args:
        optimizers: dict, group name to `keras.optimizers.Optimizer`.
        group_variables: callable returning a dict from group name to the
            list of variables that member updates. Called when the set is
            built.

    Example:

    ```python
    opts = OptimizerSet({"d": keras.optimizers.Adam(2e-4),
                         "g": keras.optimizers.Adam(2e-4)})
    opts["d"].learning_rate
    opts.learning_rate = 1e-4  # both members, ratio kept
    ```
    """

    def __init__(self, optimizers, group_variables=None, name="optimizer_set", **kwargs):
        super().__init__(learning_rate=0.0, name=name, **kwargs)
        if not optimizers:
            raise ValueError("OptimizerSet needs at least one optimizer; got none.")
        self._members = {}
        for key, optimizer in dict(optimizers).items():
            optimizer = keras.optimizers.get(optimizer)
            if not isinstance(optimizer, keras.optimizers.Optimizer):
                raise ValueError(
                    f"OptimizerSet member {key!r} must be a keras optimizer; got {optimizer!r}."
                )
            self._members[key] = optimizer
        self.group_variables = group_variables

    def __getitem__(self, key):
        return self._members[key]

    def __contains__(self, key):
        return key in self._members

    @property
    def members(self):
        return dict(self._members)

    @property
    def learning_rates(self):
        """dict, group name to that member's current learning rate as a float."""
        return {k: _as_float(m.learning_rate) for k, m in self._members.items()}

    @property
    def learning_rate(self):
        members = self.__dict__.get("_members")
        if not members:  # inside Optimizer.__init__, before the members exist
            return keras.optimizers.Optimizer.learning_rate.fget(self)
        return next(iter(members.values())).learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        members = self.__dict__.get("_members")
        if not members:
            keras.optimizers.Optimizer.learning_rate.fset(self, value)
            return
        if isinstance(value, keras.optimizers.schedules.LearningRateSchedule) or callable(value):
            raise TypeError(
                "OptimizerSet: its learning_rate can be set to a number, which scales every "
                f"member's rate; got {value!r}. To schedule the rates, give each member "
                "optimizer its own LearningRateSchedule."
            )
        scheduled = [k for k, m in members.items() if _follows_schedule(m)]
        if scheduled:
            raise TypeError(
                f"OptimizerSet: cannot set the learning rate, because member(s) {scheduled} "
                "follow a LearningRateSchedule, which sets their rate at every step. Use float "
                "learning rates with a learning-rate callback (LearningRateScheduler, "
                "ReduceLROnPlateau), or a schedule in every member and no such callback."
            )
        value = _as_float(value)
        if not (value >= 0 and value < float("inf")):
            raise ValueError(f"OptimizerSet: learning_rate must be a finite number >= 0; got {value!r}.")
        first = next(iter(members.values()))
        reference = _as_float(first.learning_rate)
        for optimizer in members.values():
            if optimizer is first or reference == 0:
                optimizer.learning_rate = value
            else:
                optimizer.learning_rate = _as_float(optimizer.learning_rate) * (value / reference)

    @property
    def variables(self):
        own = list(self._variables)
        return own + [v for m in self._members.values() for v in m.variables]

    def build(self, var_list):
        super().build([])
        groups = self.group_variables() if self.group_variables else {}
        for key, optimizer in self._members.items():
            if not optimizer.built and key in groups:
                optimizer.build(groups[key])

    def apply(self, grads, trainable_variables=None):
        raise RuntimeError(
            "OptimizerSet does not apply gradients itself; each member "
            "optimizer updates its own parameter group."
        )

    def get_config(self):
        # The set has no hyperparameters of its own; its members carry theirs.
        return {
            "name": self.name,
            "optimizers": {
                k: keras.saving.serialize_keras_object(v) for k, v in self._members.items()
            },
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        optimizers = {
            k: keras.saving.deserialize_keras_object(v, custom_objects=custom_objects)
            for k, v in config["optimizers"].items()
        }
        return cls(optimizers, name=config.get("name", "optimizer_set"))


def _as_float(value):
    return float(keras.ops.convert_to_numpy(value))


def _follows_schedule(optimizer):
    """Whether the optimizer's rate is a schedule or callable, not a variable it can be set in."""
    # A LossScaleOptimizer keeps the rate in the optimizer it wraps.
    rate = getattr(optimizer, "inner_optimizer", optimizer)._learning_rate
    return isinstance(rate, keras.optimizers.schedules.LearningRateSchedule) or (
        callable(rate) and not isinstance(rate, keras.Variable)
    )
