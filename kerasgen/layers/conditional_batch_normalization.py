"""`ConditionalBatchNormalization`: batch normalization with a gain and bias per class."""

import numbers

import keras
from keras import ops

from kerasgen import backend, checks


@keras.saving.register_keras_serializable(package="kerasgen")
class ConditionalBatchNormalization(keras.layers.Layer):
    """Batch normalization whose scale and offset are looked up from a class label.

    Normalizes `x` with batch statistics in training and moving statistics in
    inference (the rule of `keras.layers.BatchNormalization`:
    `moving = moving * momentum + batch * (1 - momentum)`, updated only in
    training), then applies the gain and bias of each example's class:
    `y = gamma[label] * x_hat + beta[label]`. Labels must lie in
    `[0, num_classes)`; out-of-range labels are not checked inside the graph.

    Args:
        num_classes: int >= 1, the number of classes (rows of `gamma` and `beta`).
        momentum: float in [0, 1), momentum of the moving mean and variance.
        epsilon: float > 0, added to the variance before taking its square root.
        axis: int, the channel axis of `x` (not the batch axis 0).
        gamma_initializer: initializer of the per-class gains, shape
            `(num_classes, C)`.
        beta_initializer: initializer of the per-class biases, shape
            `(num_classes, C)`.
        **kwargs: passed to `keras.layers.Layer` (`name`, `dtype`).

    Call arguments:
        inputs: list `[x, labels]`: `x` of shape `(N, C)` or `(N, H, W, C)`
            (any rank >= 2), `labels` integer class ids of shape `(N,)` or `(N, 1)`.
        training: bool, use and update batch statistics.

    Example:
    ```python
    x = np.random.default_rng(0).normal(size=(8, 4, 4, 3)).astype("float32")
    labels = np.array([0, 1, 2, 3, 0, 1, 2, 3])
    cbn = kerasgen.layers.ConditionalBatchNormalization(num_classes=4)
    y = cbn([x, labels], training=True)
    assert tuple(y.shape) == (8, 4, 4, 3)
    ```

    Reference:
        de Vries et al., "Modulating early visual processing by language",
        NeurIPS 2017 (https://arxiv.org/abs/1707.00683); used in the generator of
        Miyato & Koyama, "cGANs with Projection Discriminator", ICLR 2018
        (https://arxiv.org/abs/1802.05637).
    """

    def __init__(self, num_classes, momentum=0.99, epsilon=1e-3, axis=-1,
                 gamma_initializer="ones", beta_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        if not checks.is_integer(num_classes) or num_classes < 1:
            raise ValueError(f"{name}: num_classes must be an integer >= 1; got {num_classes!r}.")
        if not isinstance(momentum, numbers.Real) or not 0.0 <= momentum < 1.0:
            raise ValueError(f"{name}: momentum must be a float in [0, 1); got {momentum!r}.")
        if not isinstance(epsilon, numbers.Real) or not epsilon > 0.0:
            raise ValueError(f"{name}: epsilon must be a float > 0; got {epsilon!r}.")
        if not checks.is_integer(axis) or axis == 0:
            raise ValueError(f"{name}: axis must be an integer other than the batch axis 0; got {axis!r}.")
        self.num_classes = int(num_classes)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.axis = int(axis)
        self.gamma_initializer = keras.initializers.get(gamma_initializer)
        self.beta_initializer = keras.initializers.get(beta_initializer)

    def build(self, input_shape):
        x_shape, labels_shape = _split_shapes(input_shape, type(self).__name__)
        rank = len(x_shape)
        if rank < 2 or not -rank <= self.axis < rank or self.axis % rank == 0:
            raise ValueError(
                f"{type(self).__name__}: axis {self.axis} is not a channel axis of x with "
                f"shape {tuple(x_shape)}."
            )
        channels = x_shape[self.axis]
        if channels is None:
            raise ValueError(
                f"{type(self).__name__}: the channel axis {self.axis} of x must be known; "
                f"got x of shape {tuple(x_shape)}."
            )
        if not (len(labels_shape) == 1 or (len(labels_shape) == 2 and labels_shape[1] in (1, self.num_classes))):
            raise ValueError(
                f"{type(self).__name__}: labels must be class ids of shape (N,) or (N, 1), or "
                f"class weights of shape (N, {self.num_classes}); got {tuple(labels_shape)}."
            )
        self._channel_axis = self.axis % rank
        shape = (self.num_classes, channels)
        self.gamma = self.add_weight(shape=shape, initializer=self.gamma_initializer, name="gamma")
        self.beta = self.add_weight(shape=shape, initializer=self.beta_initializer, name="beta")
        self.moving_mean = self.add_weight(
            shape=(channels,), initializer="zeros", trainable=False, name="moving_mean"
        )
        self.moving_variance = self.add_weight(
            shape=(channels,), initializer="ones", trainable=False, name="moving_variance"
        )

    def call(self, inputs, training=False):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            got = (
                f"a {type(inputs).__name__} of {len(inputs)} items"
                if isinstance(inputs, (list, tuple))
                else f"one tensor of shape {tuple(inputs.shape)}"
            )
            raise ValueError(f"{type(self).__name__} takes a pair [x, labels]; got {got}.")
        x, labels = inputs
        in_dtype = keras.backend.standardize_dtype(x.dtype)
        rank = len(x.shape)
        reduce_axes = [a for a in range(rank) if a != self._channel_axis]
        # Per-channel vectors broadcast as (1, ..., C, ..., 1); per-example ones as (N, ..., C, ..., 1).
        channel_shape = [1] * rank
        channel_shape[self._channel_axis] = -1
        example_shape = list(channel_shape)
        example_shape[0] = ops.shape(x)[0]

        # Statistics in float32 even when x is float16, as BatchNormalization does.
        dtype = "float32" if in_dtype in ("float16", "bfloat16") else in_dtype
        x32 = ops.cast(x, dtype)
        if training:
            mean, variance = backend.moments(x32, axes=reduce_axes)  # the global batch's, data-parallel
            m = self.momentum
            self.moving_mean.assign(self.moving_mean * m + ops.cast(mean, self.moving_mean.dtype) * (1.0 - m))
            self.moving_variance.assign(
                self.moving_variance * m + ops.cast(variance, self.moving_variance.dtype) * (1.0 - m)
            )
        else:
            mean = ops.cast(self.moving_mean, dtype)
            variance = ops.cast(self.moving_variance, dtype)
        x_hat = (x32 - ops.reshape(mean, channel_shape)) * ops.reshape(
            ops.rsqrt(variance + self.epsilon), channel_shape
        )

        if len(labels.shape) == 2 and labels.shape[-1] == self.num_classes and self.num_classes > 1:
            # Class weights (one-hot, or a mixture to interpolate between classes).
            weights = ops.cast(labels, dtype)
            gamma = ops.reshape(ops.matmul(weights, ops.cast(self.gamma, dtype)), example_shape)
            beta = ops.reshape(ops.matmul(weights, ops.cast(self.beta, dtype)), example_shape)
        else:
            labels = ops.reshape(ops.cast(labels, "int32"), (-1,))
            gamma = ops.reshape(ops.take(ops.cast(self.gamma, dtype), labels, axis=0), example_shape)
            beta = ops.reshape(ops.take(ops.cast(self.beta, dtype), labels, axis=0), example_shape)
        return ops.cast(gamma * x_hat + beta, in_dtype)

    def compute_output_shape(self, input_shape):
        x_shape, _ = _split_shapes(input_shape, type(self).__name__)
        return tuple(x_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "axis": self.axis,
            "gamma_initializer": keras.initializers.serialize(self.gamma_initializer),
            "beta_initializer": keras.initializers.serialize(self.beta_initializer),
        }


def _split_shapes(input_shape, owner):
    """(x shape, labels shape) from the shapes of `[x, labels]`, or a clear error."""
    if (
        isinstance(input_shape, (list, tuple))
        and len(input_shape) == 2
        and all(isinstance(s, (list, tuple)) for s in input_shape)
    ):
        return input_shape
    raise ValueError(
        f"{owner} takes a pair [x, labels] of a feature tensor and integer class labels; "
        f"got inputs of shape {input_shape!r}."
    )
