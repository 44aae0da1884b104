"""The denoising autoencoder."""

import math

import keras
import numpy as np
from keras import ops

from kerasgen import backend
from kerasgen import checks
from kerasgen.models.autoencoder.autoencoder import Autoencoder

CORRUPTIONS = ("gaussian", "salt_and_pepper", "masking")


@keras.saving.register_keras_serializable(package="kerasgen")
class DenoisingAutoencoder(Autoencoder):
    """Autoencoder trained to recover clean images from corrupted ones.

    Each training and evaluation step corrupts the batch afresh, encodes the
    corrupted images and scores the reconstruction against the clean ones.
    `predict(x)` and `reconstruct(x)` reconstruct x as given, adding no
    corruption (float32 (N, H, W, C)). `denoise(x)` does the same for
    corrupted images, whose values may leave the clean images' range (pass
    images of your own corruption to it as they are); `corrupt(x)` applies
    the training one.

    Args:
        corruption: str, "gaussian" (adds N(0, noise_level^2) noise),
            "salt_and_pepper" (sets a noise_level fraction of pixels to 0 or 1
            at random; inputs must lie in [0, 1]) or "masking" (sets a
            noise_level fraction of pixels to 0).
        noise_level: float > 0: the noise's standard deviation, or the
            fraction of pixels hit (in (0, 1)).
        **kwargs: as for `Autoencoder`.

    Example:

    ```python
    import numpy as np, kerasgen
    x = np.random.rand(256, 28, 28, 1).astype("float32")
    dae = kerasgen.models.DenoisingAutoencoder(corruption="masking", noise_level=0.3)
    dae.compile(optimizer="adam")
    dae.fit(x, batch_size=64, epochs=1, verbose=0)
    dae.denoise(dae.corrupt(x[:4], seed=0)).shape  # (4, 28, 28, 1)
    ```

    Reference:
        Vincent et al. 2008, "Extracting and Composing Robust Features with
        Denoising Autoencoders".
    """

    def __init__(self, corruption="gaussian", noise_level=0.3, **kwargs):
        owner = type(self).__name__
        if corruption not in CORRUPTIONS:
            raise ValueError(f"{owner}: corruption must be one of {CORRUPTIONS}; got {corruption!r}.")
        if isinstance(noise_level, bool) or not isinstance(noise_level, (int, float)) \
                or not 0 < noise_level < math.inf:
            raise ValueError(f"{owner}: noise_level must be a finite number > 0; got {noise_level!r}.")
        if corruption != "gaussian" and noise_level >= 1:
            raise ValueError(
                f"{owner}: noise_level is the fraction of pixels {corruption} hits and must lie "
                f"in (0, 1); got {noise_level!r}."
            )
        self.corruption = corruption
        self.noise_level = float(noise_level)
        super().__init__(**kwargs)

    def input_value_range(self):
        if self.corruption == "salt_and_pepper":
            return (0.0, 1.0)
        return super().input_value_range()

    def corrupt_tensor(self, x, seed):
        # Each replica of a data-parallel step corrupts its rows as one device corrupts the global batch.
        normal = lambda shape: backend.batch_noise(lambda s: keras.random.normal(s, seed=seed), shape)  # noqa: E731
        uniform = lambda shape: backend.batch_noise(lambda s: keras.random.uniform(s, seed=seed), shape)  # noqa: E731
        return self._corrupt_with(ops.cast(x, "float32"), normal, uniform)

    def _corrupt_with(self, x, normal, uniform):
        """The corruption of x, with `normal(shape)` and `uniform(shape)` drawing its noise."""
        if self.corruption == "gaussian":
            return x + self.noise_level * normal(ops.shape(x))
        hit = uniform(ops.shape(x)) < self.noise_level
        if self.corruption == "masking":
            return ops.where(hit, 0.0, x)
        salt = uniform(ops.shape(x)) < 0.5
        return ops.where(hit, ops.where(salt, 1.0, 0.0), x)

    def corrupt(self, x, seed=None):
        """Corrupts images x (N, H, W, C) as in training; returns a float32 NumPy array.

        With an integer seed the noise is NumPy's (`numpy.random.default_rng(seed)`), so the
        same seed corrupts the same way under every backend; without one it is the model's
        own random stream, as in training.
        """
        x = self.check_images(x)
        if seed is None:
            return ops.convert_to_numpy(self.corrupt_tensor(ops.convert_to_tensor(x), self.seed_generator))
        rng = np.random.default_rng(seed)
        normal = lambda shape: rng.standard_normal(shape, dtype="float32")  # noqa: E731
        uniform = lambda shape: rng.random(shape, dtype="float32")  # noqa: E731
        return np.asarray(ops.convert_to_numpy(self._corrupt_with(x, normal, uniform)), "float32")

    def denoise(self, x, batch_size=256):
        """The model's estimate of the clean images behind corrupted images x (N, H, W, C).

        `reconstruct(x)` of the corrupted images, except that x may leave the clean images' value
        range, as Gaussian noise takes them out of [0, 1] (and as the encoder saw them in training);
        x must have the model's image shape and finite values. Returns float32 (N, H, W, C).
        """
        x = checks.check_image_batch(x, image_shape=self.image_shape, value_range=None,
                                     integers=self.input_integer_values(), owner=type(self).__name__)
        return self._map_batches(
            lambda xb, _: self._decode_tensor(self._encode_tensor(ops.convert_to_tensor(xb), None, False), None, False),
            [x, None], batch_size)

    def _model_inputs(self, x):
        return self.corrupt_tensor(x, self.seed_generator)

    def get_config(self):
        return {**super().get_config(), "corruption": self.corruption, "noise_level": self.noise_level}
