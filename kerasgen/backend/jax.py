"""Training steps for the JAX backend: pure functions over explicit state.

Keras' JAX trainer hands `train_step` the values of the model's trainable,
non-trainable, optimizer and metric variables, and expects them back updated.
It carries only `self.optimizer.variables`; models with several optimizers
compile an `OptimizerSet`, whose `variables` are those of all its members, so
every optimizer's state travels through the step.

Inside the step every variable is read through a `keras.StatelessScope` that
maps it to its current value. Assignments made while computing a loss
(BatchNormalization statistics, seed-generator state, power-iteration vectors,
EMA codebooks) are read back from the scope and carried out of the step.

Keras' JAX trainer detaches the variables' values while it runs `fit`,
`evaluate` or `predict` and reattaches them at the end; when a call raises
before its first step ends (an input check failing on the first batch), the
values were never reattached and every later call failed with "'NoneType'
object is not callable". `StepMixin` puts them back, so a failed call leaves
the model as it was after its last completed step.
"""

import contextlib

import jax
import jax.numpy as jnp
import keras


class _Values:
    """Current values of Keras variables, keyed by the variable's identity."""

    def __init__(self):
        self._variables = {}
        self._values = {}

    def set(self, variables, values):
        for variable, value in zip(variables, values):
            self._variables[id(variable)] = variable
            self._values[id(variable)] = value

    def get(self, variables):
        return [self._values[id(v)] for v in variables]

    def mapping(self):
        return [(self._variables[k], v) for k, v in self._values.items()]

    def read_back(self, scope, variables):
        """Take the values a scope ended with, for `variables`."""
        for v in variables:
            new = scope.get_current_value(v)
            if new is not None:
                self._values[id(v)] = new


class StepMixin:
    """`train_step`/`test_step` of `GenerativeModel` under JAX."""

    def _get_jax_state(self, *args, purge_model_variables=False, **kwargs):
        # Every detaching goes through here (fit, evaluate, predict): keep the
        # values until the call ends. JAX arrays are immutable, so holding them
        # keeps the values as they were.
        if purge_model_variables:
            _DETACHED[id(self)] = [(v, v._value) for v in _all_variables(self) if v._value is not None]
        return super()._get_jax_state(*args, purge_model_variables=purge_model_variables, **kwargs)

    def train_step(self, state, data):
        trainable, non_trainable, optimizer_values, metric_values = state
        values = _Values()
        values.set(self.trainable_variables, trainable)
        values.set(self.non_trainable_variables, non_trainable)
        values.set(self.optimizer.variables, optimizer_values)
        values.set(self.metrics_variables, metric_values)

        logs = {}
        for group in self.optimization_groups():
            for _ in range(group.repeats):
                logs.update(self._jax_group_update(group, values, data))

        logs = self._jax_update_trackers(values, logs)
        state = (
            values.get(self.trainable_variables),
            values.get(self.non_trainable_variables),
            values.get(self.optimizer.variables),
            values.get(self.metrics_variables),
        )
        return logs, state

    def _jax_group_update(self, group, values, data):
        non_trainable = self.non_trainable_variables

        def scaled_loss(group_values):
            with keras.StatelessScope(values.mapping()) as scope:
                # Map the group's variables to the traced values last, so
                # they take precedence over the current ones.
                for v, x in zip(group.variables, group_values):
                    scope.state_mapping[id(v)] = x
                loss, terms = group.loss_fn(data)
                loss = group.optimizer.scale_loss(loss)
            updates = [scope.get_current_value(v) for v in non_trainable]
            return loss, (terms, updates)

        group_values = values.get(group.variables)
        (_, (terms, updates)), grads = jax.value_and_grad(
            scaled_loss, has_aux=True
        )(group_values)
        values.set(non_trainable, updates)
        new_values, new_optimizer_values = group.optimizer.stateless_apply(
            values.get(group.optimizer.variables), grads, group_values
        )
        values.set(group.variables, new_values)
        values.set(group.optimizer.variables, new_optimizer_values)
        return terms

    def _jax_update_trackers(self, values, logs):
        with keras.StatelessScope(values.mapping()) as scope:
            logs = self._update_trackers(logs)
        values.read_back(scope, self.metrics_variables)
        return logs

    def test_step(self, state, data):
        trainable, non_trainable, metric_values = state
        values = _Values()
        values.set(self.trainable_variables, trainable)
        values.set(self.non_trainable_variables, non_trainable)
        values.set(self.metrics_variables, metric_values)
        with keras.StatelessScope(values.mapping()) as scope:
            logs = self.compute_losses(data, training=False)
        values.read_back(scope, self.non_trainable_variables)
        logs = self._jax_update_trackers(values, logs)
        state = (
            values.get(self.trainable_variables),
            values.get(self.non_trainable_variables),
            values.get(self.metrics_variables),
        )
        return logs, state


# Values Keras' JAX trainer detached from a model's variables in the call now
# running, by id(model); kept off the model, whose attributes Keras tracks.
_DETACHED = {}


@contextlib.contextmanager
def usable_after_failure(model):
    """Reattaches the values Keras' JAX trainer detached, if the fit/evaluate/predict inside raises."""
    outer = _DETACHED.get(id(model))  # a fit's, while it runs its validation
    _DETACHED[id(model)] = []
    try:
        yield
    except BaseException:
        if getattr(model, "_jax_state", None) is not None:
            model.jax_state_sync()  # the state after the last completed step
        model._jax_state = None
        for v, value in _DETACHED.get(id(model), []):
            if v._value is None:
                v.assign(value)
        raise
    finally:
        if outer is None:
            _DETACHED.pop(id(model), None)
        else:
            _DETACHED[id(model)] = outer


def _all_variables(model):
    optimizer = getattr(model, "optimizer", None)
    variables = list(model.variables) + list(model.metrics_variables)
    return variables + (list(optimizer.variables) if optimizer is not None else [])


def input_gradient(fn, x):
    """Gradient of `sum(fn(x))` with respect to `x`, differentiable again."""
    return jax.grad(lambda inputs: jnp.sum(fn(inputs)))(x)


def scan(step, init, xs):
    """`carry, y = step(carry, x)` over the leading axis of xs, as one compiled loop."""
    return keras.ops.scan(step, init, xs)


def sampling_threads():
    """Nothing to set: the sampling loop runs as one compiled program (see `kerasgen.backend.torch`)."""
    return contextlib.nullcontext()


def compile_loop(helper, jit_compile="auto"):
    """Keras compiles JAX's predict() with XLA already; `jit_compile=False` asks it not to."""
    helper.jit_compile = jit_compile is not False
    return helper


def compile_step(step, jit_compile="auto"):
    """`step` itself: the whole loop around it is compiled (`compile_loop`)."""
    return step


def write_slice(x, start, update):
    """`keras.ops.slice_update`; inside a jitted loop XLA writes it in place."""
    return keras.ops.slice_update(x, start, update)


def subpixel_transposed_conv():
    """Whether `kerasgen.layers.SubpixelConv2DTranspose` runs as a convolution and depth-to-space.

    True on a CPU: XLA's CPU compiler runs a strided transposed convolution
    (a convolution over the input dilated with zeros) several times slower
    than the sub-pixel form, and than TensorFlow; BENCHMARKS.md's
    training-profile section times both forms under each backend. On a GPU
    the choice is left to XLA and cuDNN (`conv_transpose`); it was not
    measured there.
    """
    return jax.default_backend() == "cpu"


def data_parallel(num_devices):
    """`keras.distribution.DataParallel(...).scope()` over the first `num_devices` devices (None: all)."""
    devices = keras.distribution.list_devices()
    if num_devices is None:
        num_devices = len(devices)
    if num_devices > len(devices):
        raise ValueError(
            f"data_parallel: num_devices is {num_devices}, but JAX sees {len(devices)} device(s): "
            f"{', '.join(devices)}. On a CPU, split it into N devices before JAX starts, with the "
            "environment variable XLA_FLAGS=--xla_force_host_platform_device_count=N."
        )
    return keras.distribution.DataParallel(devices=devices[:num_devices]).scope()


def num_replicas(model=None):
    """The devices each batch is split across: those of the active `keras.distribution`, else 1."""
    distribution = keras.distribution.distribution()
    if distribution is None:
        return 1
    return int(distribution.device_mesh.devices.size)


# The replica helpers of a per-replica step (see kerasgen.backend): plain operations here.
# Under JAX a data-parallel step is one program over the global batch (SPMD),
# so a batch's sum, rows, statistics and noise are already the global batch's.


def replica_sum(x):
    """`x` itself."""
    return x


def replica_concat(x):
    """`x` itself."""
    return x


def replica():
    """(0, 1): the step is one program over the global batch, not one a replica."""
    return 0, 1


def moments(x, axes):
    """`keras.ops.moments(x, axes)`."""
    return keras.ops.moments(x, axes=axes)
