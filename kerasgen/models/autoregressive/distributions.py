"""Per-subpixel output distributions of the autoregressive models, in `keras.ops`.

Each distribution reads P parameters per subpixel (a pixel's channel) and
gives the log-probability of an observed level, and of every level at once
(for sampling). Levels are the integers 0..K-1: {0, 1} for Bernoulli, 0..255
for 8-bit images.
"""

import math

from keras import ops

DISTRIBUTIONS = ("bernoulli", "categorical", "logistic_mixture")


def num_params(distribution, num_levels, num_mixtures):
    """P, the parameters per subpixel."""
    if distribution == "bernoulli":
        return 1
    if distribution == "categorical":
        return num_levels
    return 3 * num_mixtures


def log_prob(distribution, x, params, num_levels):
    """log p(x) per subpixel.

    Args:
        x: float tensor (...,) of levels 0..K-1.
        params: float32 tensor (..., P).

    Returns:
        float32 tensor (...,), nats.
    """
    if distribution == "bernoulli":
        logits = params[..., 0]
        return x * ops.log_sigmoid(logits) + (1.0 - x) * ops.log_sigmoid(-logits)
    if distribution == "categorical":
        one_hot = ops.one_hot(ops.cast(x, "int32"), num_levels)
        return ops.sum(one_hot * ops.log_softmax(params, axis=-1), axis=-1)
    return _logistic_mixture_log_prob(x[..., None], params[..., None, :], num_levels)[..., 0]


def level_log_probs(distribution, params, num_levels):
    """log p(level) for every level 0..K-1: (..., P) -> (..., K)."""
    if distribution == "bernoulli":
        logits = params[..., 0]
        return ops.stack([ops.log_sigmoid(-logits), ops.log_sigmoid(logits)], axis=-1)
    if distribution == "categorical":
        return ops.log_softmax(params, axis=-1)
    levels = ops.arange(num_levels, dtype="float32")
    return _logistic_mixture_log_prob(levels, params[..., None, :], num_levels)


def _logistic_mixture_log_prob(x, params, num_levels):
    """Discretized mixture of logistics (Salimans et al. 2017, "PixelCNN++").

    Level k sits at y = 2k / (K - 1) - 1 in [-1, 1] with a bin of half-width
    1 / (K - 1); the edge levels take the tails. x (..., L) broadcasts against
    params (..., 1, 3M): mixture logits, means and log-scales.
    """
    m = ops.shape(params)[-1] // 3
    logit_w, means, log_scales = params[..., :m], params[..., m:2 * m], params[..., 2 * m:]
    log_scales = ops.maximum(log_scales, -7.0)
    y = 2.0 * ops.cast(x, "float32") / (num_levels - 1) - 1.0
    centred = y[..., None] - means
    inv_s = ops.exp(-log_scales)
    half = 1.0 / (num_levels - 1)
    plus_in = inv_s * (centred + half)
    min_in = inv_s * (centred - half)
    log_cdf_plus = ops.log_sigmoid(plus_in)  # the lowest level: everything below its top edge
    log_one_minus_cdf_min = ops.log_sigmoid(-min_in)  # the highest: everything above its bottom
    cdf_delta = ops.sigmoid(plus_in) - ops.sigmoid(min_in)
    mid_in = inv_s * centred
    # Where the bin's mass underflows, the density at the centre times the bin width.
    log_pdf_mid = mid_in - log_scales - 2.0 * ops.softplus(mid_in) + math.log(2.0 * half)
    log_mid = ops.where(cdf_delta > 1e-5, ops.log(ops.maximum(cdf_delta, 1e-12)), log_pdf_mid)
    y_ = y[..., None]
    log_component = ops.where(
        y_ < -0.999, log_cdf_plus, ops.where(y_ > 0.999, log_one_minus_cdf_min, log_mid)
    )
    return ops.logsumexp(log_component + ops.log_softmax(logit_w, axis=-1), axis=-1)
