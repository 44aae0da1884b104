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
