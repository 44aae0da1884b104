"""Adversarial losses by name, and the WGAN-GP gradient penalty, in `keras.ops`.

The discriminator's raw output is a logit for "minimax" and "non_saturating"
(D(x) = sigmoid(logit)), and an unbounded score for "hinge", "least_squares"
and "wasserstein". Every function returns a scalar: the mean over the batch,
in float32.
"""

from keras import ops

from kerasgen.backend import input_gradient

GAN_LOSSES = ("minimax", "non_saturating", "hinge", "least_squares", "wasserstein")


def check_gan_loss(name, owner="GAN"):
    if name not in GAN_LOSSES:
        raise ValueError(f"{owner}: loss must be one of {GAN_LOSSES}; got {name!r}.")
    return name


def _f32(t):
    return ops.cast(t, "float32")


def discriminator_loss(name, real, fake):
    """The discriminator's (critic's) loss on raw outputs for real and fake batches.

    - "minimax" / "non_saturating": -log D(x) - log(1 - D(G(z))), the
      binary cross-entropy of Goodfellow et al. 2014, "Generative Adversarial Nets".
    - "hinge": E[relu(1 - D(x))] + E[relu(1 + D(G(z)))] (Lim & Ye 2017, "Geometric GAN").
    - "least_squares": 1/2 E[(D(x) - 1)^2] + 1/2 E[D(G(z))^2] (Mao et al. 2017, "Least Squares GANs").
    - "wasserstein": E[D(G(z))] - E[D(x)] (Arjovsky et al. 2017, "Wasserstein GAN").

    Example:

    ```python
    discriminator_loss("hinge", keras.ops.ones((4, 1)), -keras.ops.ones((4, 1)))  # 0.0
    ```
    """
    check_gan_loss(name)
    real, fake = _f32(real), _f32(fake)
    if name in ("minimax", "non_saturating"):
        return ops.mean(ops.softplus(-real)) + ops.mean(ops.softplus(fake))
    if name == "hinge":
        return ops.mean(ops.relu(1.0 - real)) + ops.mean(ops.relu(1.0 + fake))
    if name == "least_squares":
        return 0.5 * ops.mean(ops.square(real - 1.0)) + 0.5 * ops.mean(ops.square(fake))
    return ops.mean(fake) - ops.mean(real)


def generator_loss(name, fake):
    """The generator's loss on the discriminator's raw outputs for generated samples.

    - "minimax": E[log(1 - D(G(z)))], the saturating form of the original
      paper: its gradient vanishes when D(G(z)) is near 0, early in training.
    - "non_saturating": -E[log D(G(z))], the fix proposed in the same paper.
    - "hinge" and "wasserstein": -E[D(G(z))].
    - "least_squares": 1/2 E[(D(G(z)) - 1)^2].
    """
    check_gan_loss(name)
    fake = _f32(fake)
    if name == "minimax":
        return -ops.mean(ops.softplus(fake))  # log(1 - sigmoid(f)) = -softplus(f)
    if name == "non_saturating":
        return ops.mean(ops.softplus(-fake))
    if name == "least_squares":
        return 0.5 * ops.mean(ops.square(fake - 1.0))
    return -ops.mean(fake)


def discriminator_probability(name, outputs):
    """D's output as a probability for the logit losses, else the raw score."""
    outputs = _f32(outputs)
    return ops.sigmoid(outputs) if name in ("minimax", "non_saturating") else outputs


def gradient_penalty(critic, real, fake, alpha):
    """WGAN-GP penalty E[(||grad_x critic(x_hat)||_2 - 1)^2] at x_hat = alpha*real + (1-alpha)*fake.

    Args:
        critic: callable, a batch of inputs -> scores (N,) or (N, 1).
        real, fake: tensors of the same shape (N, ...).
        alpha: tensor (N,) of mixing weights in [0, 1], one per example.

    Reference:
        Gulrajani et al. 2017, "Improved Training of Wasserstein GANs".
    """
    real, fake = _f32(real), _f32(fake)
    alpha = ops.reshape(_f32(alpha), (-1,) + (1,) * (len(real.shape) - 1))
    mixed = alpha * real + (1.0 - alpha) * fake
    grads = input_gradient(critic, mixed)
    norms = ops.sqrt(ops.sum(ops.square(ops.reshape(grads, (ops.shape(grads)[0], -1))), axis=-1) + 1e-12)
    return ops.mean(ops.square(norms - 1.0))
