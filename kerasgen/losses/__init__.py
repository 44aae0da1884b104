"""Log-densities, divergences and unit conversions, in `keras.ops` only."""

from kerasgen.losses.likelihoods import (
    bernoulli_log_prob,
    bits_per_dim,
    diagonal_normal_log_prob,
    gaussian_kl,
    gaussian_log_prob,
    standard_normal_log_prob,
)

__all__ = [
    "bernoulli_log_prob",
    "bits_per_dim",
    "diagonal_normal_log_prob",
    "gaussian_kl",
    "gaussian_log_prob",
    "standard_normal_log_prob",
]
