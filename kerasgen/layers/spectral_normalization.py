"""`SpectralNormalization`: a layer wrapper that divides the kernel by its spectral norm."""

import keras
from keras import ops

from kerasgen import checks

# Keras keeps a transposed convolution's kernel as (..., filters, in_channels):
# its output axis is -2.
_TRANSPOSED = (keras.layers.Conv1DTranspose, keras.layers.Conv2DTranspose, keras.layers.Conv3DTranspose)
_EPSILON = 1e-12


@keras.saving.register_keras_serializable(package="kerasgen")
class SpectralNormalization(keras.layers.Wrapper):
    """Runs a layer with its kernel divided by the kernel's largest singular value.

    The kernel, reshaped to a matrix `W` of shape `(-1, out_features)`, is
    divided by `sigma`, its largest singular value estimated by power
    iteration from a persistent non-trainable vector `u` of shape
    `(1, out_features)`. Gradients flow through `W` only (`u` and `v` are held
    constant), as in the paper.

    Unlike `keras.layers.SpectralNormalization`, the trainable kernel is never
    assigned: the wrapped layer runs inside a `keras.StatelessScope` that maps
    its kernel to `kernel / sigma`. The stored kernel stays the unnormalized
    parameter the optimizer updates, and only `u`, which is non-trainable,
    changes in the forward pass, so a training step behaves the same under
    TensorFlow, JAX and PyTorch.

    In training, each call runs `power_iterations` steps
    (`v = normalize(u W^T)`, `u = normalize(v W)`) and stores the new `u`.
    In inference `u` is used as stored: `v = normalize(u W^T)` and nothing is
    assigned. Either way `sigma = v W u^T`.

    Args:
        layer: a `keras.layers.Layer` with a `kernel` (`Dense`, `Conv2D`,
            `Conv2DTranspose`, ...) or `embeddings` (`Embedding`). For transposed
            convolutions `out_features` is the filters axis (-2), as in PyTorch's
            `spectral_norm`; otherwise it is the last axis.
        power_iterations: int >= 1, power-iteration steps per training call.
        **kwargs: passed to `keras.layers.Layer` (`name`, `dtype`).

    Example:
    ```python
    sn = kerasgen.layers.SpectralNormalization(keras.layers.Dense(4))
    x = np.random.default_rng(0).normal(size=(2, 3)).astype("float32")
    for _ in range(30):
        y = sn(x, training=True)
    assert tuple(y.shape) == (2, 4)
    assert tuple(sn.u.shape) == (1, 4)
    ```

    Reference:
        Miyato et al., "Spectral Normalization for Generative Adversarial
        Networks", ICLR 2018 (https://arxiv.org/abs/1802.05957).
    """

    def __init__(self, layer, power_iterations=1, **kwargs):
        name = type(self).__name__
        if not isinstance(layer, keras.layers.Layer):
            raise ValueError(f"{name} wraps a keras.layers.Layer; got {layer!r}.")
        checks.check_integer(power_iterations, "power_iterations", name)
        super().__init__(layer, **kwargs)
        self.power_iterations = int(power_iterations)
        if layer.built:
            _kernel_of(layer)  # an unbuilt layer is checked once build() creates its weights

    def build(self, input_shape):
        if not self.layer.built:
            self.layer.build(input_shape)
        kernel = _kernel_of(self.layer)
        self._out_axis = -2 if isinstance(self.layer, _TRANSPOSED) else -1
        self.u = self.add_weight(
            shape=(1, kernel.shape[self._out_axis]),
            initializer=keras.initializers.RandomNormal(stddev=1.0),
            trainable=False,
            name="u",
            dtype=kernel.dtype,
        )

    def call(self, inputs, training=False):
        kernel = _kernel_of(self.layer)
        # Read every value here, outside the scope below: under an outer
        # StatelessScope (the JAX train step) these are the traced values, and
        # under TensorFlow and PyTorch gradients flow back to the variables.
        # The power iteration runs in float32 under mixed precision too.
        kernel_value = ops.cast(kernel.value, self.variable_dtype)
        w = kernel_value
        if self._out_axis != -1:
            rank = len(kernel.shape)
            w = ops.transpose(w, list(range(rank - 2)) + [rank - 1, rank - 2])
        w = ops.reshape(w, (-1, self.u.shape[-1]))

        u = _normalize(ops.cast(self.u.value, w.dtype))
        if training:
            previous = u
            for _ in range(self.power_iterations):
                v = _normalize(ops.matmul(u, ops.transpose(w)))
                u = _normalize(ops.matmul(v, w))
            # An all-zero kernel gives u = 0, from which power iteration never
            # recovers; keep the previous u then.
            self.u.assign(ops.stop_gradient(ops.where(ops.any(ops.not_equal(u, 0.0)), u, previous)))
        else:
            v = _normalize(ops.matmul(u, ops.transpose(w)))
        u, v = ops.stop_gradient(u), ops.stop_gradient(v)
        sigma = ops.sum(ops.matmul(v, w) * u)
        # An all-zero kernel has sigma 0; keep it zero rather than NaN.
        normalized = kernel_value / ops.maximum(sigma, _EPSILON)

        mapping = [(var, var.value) for var in self.layer.variables if var is not kernel]
        mapping.append((kernel, normalized))
        with keras.StatelessScope(state_mapping=mapping):
            return self.layer(inputs, training=training)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        return {
            **super().get_config(),  # name, dtype, trainable and the serialized `layer`
            "power_iterations": self.power_iterations,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer = keras.saving.deserialize_keras_object(config.pop("layer"), custom_objects=custom_objects)
        return cls(layer, **config)


def _kernel_of(layer):
    """The variable that spectral normalization divides: `kernel`, else `embeddings`."""
    for attribute in ("kernel", "embeddings"):
        value = getattr(layer, attribute, None)
        if isinstance(value, keras.Variable):
            return value
    raise ValueError(
        f"SpectralNormalization wraps a layer with a `kernel` (Dense, Conv2D, Conv2DTranspose) "
        f"or `embeddings` (Embedding) variable; got {type(layer).__name__} {layer.name!r} with "
        f"weights {[w.path for w in layer.weights]}."
    )


def _normalize(x):
    return x * ops.rsqrt(ops.maximum(ops.sum(ops.square(x)), _EPSILON))
