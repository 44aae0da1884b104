"""The class-conditional VAE."""

import keras

from kerasgen.models.vae.vae import VAE
from kerasgen import checks


@keras.saving.register_keras_serializable(package="kerasgen")
class ConditionalVAE(VAE):
    """VAE whose encoder and decoder both see the class label.

    Learns q(z | x, y) and p(x | z, y): fit on (images, labels), then sample
    images of a chosen class with `sample(n, labels=k)`. Labels are integer
    class ids in [0, num_classes); the networks receive them one-hot.
    `predict([images, labels])` returns `reconstruct(images, labels)`, the
    decoded posterior means, float32 (N, H, W, C).

    Args:
        num_classes: int >= 2.
        **kwargs: as for `VAE`. Custom networks take `[images, one_hot]` and
            `[latents, one_hot]`.

    Example:

    ```python
    import numpy as np, keras, kerasgen
    x = np.random.rand(128, 8, 8, 1).astype("float32")
    y = np.random.randint(0, 10, size=128)
    cvae = kerasgen.models.ConditionalVAE(num_classes=10, image_shape=(8, 8, 1), latent_dim=4)
    cvae.compile(optimizer="adam")
    cvae.fit(x, y, batch_size=32, epochs=1, verbose=0)
    cvae.sample(4, labels=3).shape  # (4, 8, 8, 1)
    ```

    Reference:
        Sohn et al. 2015, "Learning Structured Output Representation using
        Deep Conditional Generative Models".
    """

    def __init__(self, num_classes=10, **kwargs):
        if num_classes is None:
            raise ValueError("ConditionalVAE: num_classes must be an integer >= 2; got None.")
        super().__init__(num_classes=num_classes, **kwargs)

    def sample(self, n, labels=None, seed=None, mean=True, batch_size=256):
        checks.check_integer(n, "n", "ConditionalVAE", what="a positive integer")
        if labels is None:
            raise ValueError(
                f"ConditionalVAE.sample needs labels: one class id in [0, {self.num_classes}) "
                "or one per image."
            )
        return super().sample(n, labels=labels, seed=seed, mean=mean, batch_size=batch_size)
