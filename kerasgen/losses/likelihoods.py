"""Log-densities and the Gaussian KL divergence, summed per example, in nats.

Every function returns one value per example (the batch axis is kept, all
other axes are summed), computed in float32 whatever the inputs' dtype, so
mixed-precision models get full-precision losses.
"""

import math

from keras import ops

_LOG_2PI = math.log(2.0 * math.pi)


def _f32(*tensors):
    return [ops.cast(t, "float32") for t in tensors]


def _sum_per_example(t):
    return ops.sum(ops.reshape(t, (ops.shape(t)[0], -1)), axis=-1)


def gaussian_kl(mean, log_var):
    """KL(N(mean, exp(log_var)) || N(0, I)) per example, in closed form.

    KL = 1/2 * sum(mean^2 + exp(log_var) - 1 - log_var).

    Args:
        mean: tensor (N, D).
        log_var: tensor (N, D), the log of the diagonal variance.

    Example:

    ```python
    gaussian_kl(keras.ops.zeros((2, 3)), keras.ops.zeros((2, 3)))  # [0., 0.]
    ```
    """
    mean, log_var = _f32(mean, log_var)
    return 0.5 * _sum_per_example(ops.square(mean) + ops.exp(log_var) - 1.0 - log_var)


def bernoulli_log_prob(x, logits):
    """log p(x) under independent Bernoullis with the given logits, per example.

    Computed as x * logits - softplus(logits), which is exact for x in {0, 1}
    and stable for large |logits|.

    Args:
        x: tensor of targets in [0, 1] (a likelihood only for x in {0, 1}).
        logits: tensor of the same shape.
    """
    x, logits = _f32(x, logits)
    return _sum_per_example(x * logits - ops.softplus(logits))


def gaussian_log_prob(x, mean, log_scale):
    """log N(x; mean, exp(log_scale)^2) per example (log_scale broadcasts)."""
    x, mean, log_scale = _f32(x, mean, log_scale)
    z = (x - mean) * ops.exp(-log_scale)
    log_scale = ops.broadcast_to(log_scale, ops.shape(x))
    return _sum_per_example(-0.5 * ops.square(z) - log_scale - 0.5 * _LOG_2PI)


def standard_normal_log_prob(z):
    """log N(z; 0, I) per example."""
    (z,) = _f32(z)
    return _sum_per_example(-0.5 * ops.square(z) - 0.5 * _LOG_2PI)


def diagonal_normal_log_prob(z, mean, log_var):
    """log N(z; mean, diag(exp(log_var))) per example."""
    z, mean, log_var = _f32(z, mean, log_var)
    return _sum_per_example(
        -0.5 * (ops.square(z - mean) * ops.exp(-log_var) + log_var + _LOG_2PI)
    )


def bits_per_dim(nats, num_dims, data_scale=1.0):
    """Converts a negative log-likelihood in nats per example to bits per dimension.

    bits/dim = (nats + num_dims * log(data_scale)) / (num_dims * ln 2).

    Args:
        nats: float or array, negative log-likelihood per example.
        num_dims: int, dimensions per example (H * W * C).
        data_scale: float, 1 for discrete data (binary pixels, 256-way
            categories). For a density on 8-bit data rescaled to [0, 1], pass
            256: the density of the 0..256 values is lower by that factor per
            dimension, which is the convention behind published bits/dim.

    Example:

    ```python
    bits_per_dim(784 * math.log(2), 784)  # 1.0: a fair coin per pixel
    ```
    """
    if num_dims <= 0:
        raise ValueError(f"num_dims must be a positive integer; got {num_dims!r}.")
    return (nats + num_dims * math.log(data_scale)) / (num_dims * math.log(2.0))
