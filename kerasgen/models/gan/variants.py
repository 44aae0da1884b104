"""DCGAN, the conditional GAN and WGAN-GP: the GAN with other defaults and objectives."""

import math

import numpy as np

import keras
from keras import ops

from kerasgen import losses
from kerasgen.models.gan.gan import GAN
from kerasgen import backend, checks


@keras.saving.register_keras_serializable(package="kerasgen")
class DCGAN(GAN):
    """GAN with the DCGAN architecture for 28x28, 32x32 and 64x64 images.

    Strided convolutions in D and fractionally strided ones in G (no
    pooling), batch norm in both (not on D's input layer nor G's output),
    ReLU in G with a tanh output, LeakyReLU(0.2) in D, no dense layers beyond
    G's projection and D's score. Images must lie in [-1, 1]
    (`kerasgen.data.pipeline(..., scale="symmetric")`). `predict(z)` takes
    latents (N, latent_dim) and returns images, as for `GAN`; to score
    images use `discriminate(x)`.

    Args:
        image_shape: (28, 28, C), (32, 32, C) or (64, 64, C), C in {1, 3}.
        base_filters: int, D's first width and G's last; each stage doubles it.
        **kwargs: as for `GAN` (`loss`, `discriminator_steps`,
            `spectral_norm`, `latent_dim`, ...).

    Example:

    ```python
    import numpy as np, kerasgen
    x = np.random.uniform(-1, 1, (64, 28, 28, 1)).astype("float32")
    dcgan = kerasgen.models.DCGAN(latent_dim=16, base_filters=8)
    dcgan.compile()
    dcgan.fit(x, batch_size=32, epochs=1, verbose=0)
    dcgan.sample(4, seed=0).shape  # (4, 28, 28, 1)
    ```

    Reference:
        Radford et al. 2016, "Unsupervised Representation Learning with Deep
        Convolutional Generative Adversarial Networks".
    """

    default_architecture = "dcgan"

    def __init__(self, image_shape=(28, 28, 1), **kwargs):
        kwargs.pop("architecture", None)
        super().__init__(image_shape=image_shape, architecture="dcgan", **kwargs)


@keras.saving.register_keras_serializable(package="kerasgen")
class ConditionalGAN(GAN):
    """Class-conditional GAN: G(z, y) with conditional batch norm, D(x, y) with a projection.

    Fit on (samples, labels) with integer labels in [0, num_classes); sample
    a class with `sample(n, labels=k)`. For square images of side 28, 32 or 64
    the networks are DCGAN-style; for anything else (vectors too), MLPs.
    `predict([z, labels])` returns G(z, y) for latents (N, latent_dim) and
    class ids (one, or N) or class weights (N, num_classes), as `generate`.

    Args:
        num_classes: int >= 2.
        **kwargs: as for `GAN`.

    Example:

    ```python
    import numpy as np, kerasgen
    x, y = kerasgen.data.gaussian_mixture_ring(512, num_modes=4, seed=0)
    cgan = kerasgen.models.ConditionalGAN(num_classes=4, image_shape=(2,), latent_dim=4)
    cgan.compile()
    cgan.fit(x, y, batch_size=64, epochs=1, verbose=0)
    cgan.sample(3, labels=2, seed=0).shape  # (3, 2)
    ```

    Reference:
        Mirza & Osindero 2014, "Conditional Generative Adversarial Nets";
        Miyato & Koyama 2018, "cGANs with Projection Discriminator".
    """

    default_architecture = "auto"

    def __init__(self, num_classes=10, **kwargs):
        if num_classes is None:
            raise ValueError("ConditionalGAN: num_classes must be an integer >= 2; got None.")
        super().__init__(num_classes=num_classes, **kwargs)

    def interpolate_classes(self, z, class_a, class_b, steps=8):
        """Generates from the same latents while the class moves from a to b.

        The generator's conditional batch norm takes class weights, so the
        gains and biases of the two classes are mixed: (1 - t) a + t b.

        Args:
            z: latents (latent_dim,) or (N, latent_dim).
            class_a, class_b: class ids.
            steps: int >= 2, both ends included.

        Returns:
            (steps, *image_shape) for one latent, (N, steps, *image_shape) for a batch.
        """
        single = np.ndim(z) == 1
        z = np.atleast_2d(np.asarray(z, "float32"))
        checks.check_integer(steps, "steps", "ConditionalGAN", minimum=2)
        ends = self._labels_for(np.array([class_a, class_b]), 2)
        t = np.linspace(0.0, 1.0, steps, dtype="float32")[:, None]
        eye = np.eye(self.num_classes, dtype="float32")
        weights = (1 - t) * eye[ends[0]] + t * eye[ends[1]]  # (steps, K)
        out = self.generate(np.repeat(z, steps, axis=0), np.tile(weights, (len(z), 1)))
        out = out.reshape((len(z), steps) + self.image_shape)
        return out[0] if single else out


@keras.saving.register_keras_serializable(package="kerasgen")
class WGANGP(GAN):
    """Wasserstein GAN with gradient penalty.

    The critic D maximises E[D(x)] - E[D(G(z))] subject to a soft 1-Lipschitz
    constraint: the penalty gp_weight * E[(||grad D(x_hat)|| - 1)^2] at random
    points x_hat between real and generated samples. The critic has no batch
    norm (the penalty is per example). `fit()` also logs `gradient_penalty`.
    `predict(z)` generates from latents, as for `GAN`; `discriminate(x)`
    returns the critic's raw scores.

    Args:
        discriminator_steps: int >= 1, critic updates per generator update
            (default 5, as in the paper).
        gp_weight: float >= 0, lambda (10 in the paper).
        **kwargs: as for `GAN`; the architecture is DCGAN-style for square
            images of side 28, 32 or 64, MLPs otherwise. Default optimizers:
            Adam(1e-4, beta_1=0.5, beta_2=0.9).

    Example:

    ```python
    import kerasgen
    x, _ = kerasgen.data.gaussian_mixture_ring(512, seed=0)
    wgan = kerasgen.models.WGANGP(image_shape=(2,), latent_dim=4, discriminator_steps=2)
    wgan.compile()
    wgan.fit(x, batch_size=64, epochs=1, verbose=0)
    ```

    Reference:
        Gulrajani et al. 2017, "Improved Training of Wasserstein GANs".
    """

    loss_names = GAN.loss_names + ("gradient_penalty",)
    default_loss = "wasserstein"
    allowed_losses = ("wasserstein",)
    default_architecture = "auto"
    discriminator_batch_norm = False
    renamed_arguments = {**GAN.renamed_arguments, "critic_steps": "discriminator_steps"}

    def __init__(self, discriminator_steps=5, gp_weight=10.0, **kwargs):
        if not isinstance(gp_weight, (int, float)) or isinstance(gp_weight, bool) or gp_weight < 0 \
                or not math.isfinite(gp_weight):
            raise ValueError(f"WGANGP: gp_weight must be a finite number >= 0; got {gp_weight!r}.")
        self.gp_weight = float(gp_weight)
        super().__init__(discriminator_steps=discriminator_steps, **kwargs)

    def default_optimizer(self):
        return keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9)

    def discriminator_losses(self, x, labels, training):
        fake = self._generate(self._latents(x), labels, training)
        real_score = self._discriminate(x, labels, training)
        fake_score = self._discriminate(fake, labels, training)
        alpha = backend.batch_noise(lambda shape: keras.random.uniform(shape, seed=self.seed_generator),
                                    (ops.shape(x)[0],))
        penalty = losses.gradient_penalty(
            lambda mixed: self._discriminate(mixed, labels, training), x, fake, alpha)
        loss = losses.discriminator_loss("wasserstein", real_score, fake_score) + self.gp_weight * penalty
        return loss, {
            "d_loss": loss,
            "d_real": ops.mean(real_score),
            "d_fake": ops.mean(fake_score),
            "gradient_penalty": penalty,
        }

    def get_config(self):
        return {**super().get_config(), "gp_weight": self.gp_weight}
