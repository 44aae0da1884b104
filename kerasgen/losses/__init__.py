"""Log-densities, divergences and unit conversions, in `keras.ops` only."""

from kerasgen.losses.adversarial import (
    GAN_LOSSES,
    discriminator_loss,
    discriminator_probability,
    generator_loss,
    gradient_penalty,
)
from kerasgen.losses.likelihoods import (
    bernoulli_log_prob,
    bits_per_dim,
    diagonal_normal_log_prob,
    gaussian_kl,
    gaussian_log_prob,
    standard_normal_log_prob,
)
from kerasgen.losses.reduction import weighted_mean

__all__ = [
    "GAN_LOSSES",
    "discriminator_loss",
    "discriminator_probability",
    "generator_loss",
    "gradient_penalty",
    "bernoulli_log_prob",
    "bits_per_dim",
    "diagonal_normal_log_prob",
    "gaussian_kl",
    "gaussian_log_prob",
    "standard_normal_log_prob",
    "weighted_mean",
]
