"""The deterministic autoencoder."""

import keras
from keras import ops

from kerasgen import losses
from kerasgen.models.latent_model import LatentImageModel, build_networks
from kerasgen import checks

LIKELIHOODS = ("bernoulli", "gaussian")


@keras.saving.register_keras_serializable(package="kerasgen")
class Autoencoder(LatentImageModel):
    """Autoencoder: a deterministic code z = encoder(x) and its reconstruction.

    Minimises the reconstruction error per pixel, the negative log-likelihood
    of its observation model up to constants: binary cross-entropy on logits
    (`likelihood="bernoulli"`, inputs in [0, 1]) or mean squared error
    (`"gaussian"`), as the VAE's `likelihood` names them. An
    autoencoder has no prior over codes, so it cannot sample new images; use
    `VAE` for that. With `sample_weight`, the loss is the weighted mean over
    images of each image's mean per-pixel error. `predict(x)` returns the
    reconstructions, `reconstruct(x)`: float32 (N, H, W, C), pixel
    probabilities for "bernoulli" and values for "gaussian".

    Args:
        image_shape: tuple (H, W, C), C in {1, 3}. Default (28, 28, 1).
        latent_dim: int, size of the code. Default 32.
        architecture: "conv" or "dense", for the default networks.
        likelihood: "bernoulli" (binary cross-entropy) or "gaussian" (mean
            squared error).
        filters: tuple of ints, one stride-2 conv stage each; default by size.
        hidden_dims: tuple of ints, dense layers after the conv stages.
        encoder, decoder: optional `keras.Model`s replacing the defaults
            (images to latent_dim values; latents to images).
        seed: int or None.

    Example:

    ```python
    import numpy as np, kerasgen
    x = np.random.rand(256, 28, 28, 1).astype("float32")
    ae = kerasgen.models.Autoencoder(latent_dim=16, architecture="dense")
    ae.compile(optimizer="adam")
    ae.fit(x, batch_size=64, epochs=1, verbose=0)
    ae.reconstruct(x[:4]).shape  # (4, 28, 28, 1)
    ```
    """

    loss_names = ("loss",)
    supports_sample_weight = True
    renamed_arguments = {"loss": "likelihood"}
    renamed_values = {"loss": {"bce": "bernoulli", "mse": "gaussian"}}

    def __init__(self, image_shape=(28, 28, 1), latent_dim=32, architecture="conv", likelihood="bernoulli",
                 filters=None, hidden_dims=(256,), encoder=None, decoder=None, seed=None, **kwargs):
        owner = type(self).__name__
        self.check_renamed_arguments(kwargs)
        if likelihood not in LIKELIHOODS:
            raise ValueError(f"{owner}: likelihood must be one of {LIKELIHOODS}; got {likelihood!r}.")
        if kwargs.get("num_classes") is not None:
            raise ValueError(
                f"{owner} is not conditional: num_classes={kwargs['num_classes']!r} is not supported "
                "(a class-conditional model of images with an encoder is ConditionalVAE)."
            )
        if (encoder is None) != (decoder is None):
            raise ValueError(f"{owner}: pass both encoder and decoder, or neither.")
        if encoder is None:
            image_shape = checks.check_image_shape(image_shape, owner)
            encoder, decoder = build_networks(
                image_shape, latent_dim, latent_dim, architecture, filters, hidden_dims, None, owner
            )
        self.likelihood = likelihood
        self.architecture = architecture
        self.filters = None if filters is None else tuple(filters)
        self.hidden_dims = tuple(hidden_dims)
        super().__init__(image_shape, latent_dim, encoder, decoder, seed=seed, **kwargs)
        self._check_image_format()

    def input_value_range(self):
        return (0.0, 1.0) if self.likelihood == "bernoulli" else None

    def _encode_tensor(self, x, one_hot, training):
        return ops.cast(self.encoder(x, training=training), "float32")

    def _decode_tensor(self, z, one_hot, training):
        out = ops.cast(self.decoder(z, training=training), "float32")
        return ops.sigmoid(out) if self.likelihood == "bernoulli" else out

    def _model_inputs(self, x):
        """What the encoder sees during training: x itself here."""
        return x

    def reconstruction_error(self, target, decoder_out, sample_weight=None):
        """Mean per-pixel error between target images and raw decoder outputs.

        With `sample_weight` (N,): the weighted mean over images of each
        image's mean per-pixel error.
        """
        target = ops.cast(target, "float32")
        decoder_out = ops.cast(decoder_out, "float32")
        if self.likelihood == "bernoulli":
            per_pixel = ops.softplus(decoder_out) - target * decoder_out
        else:
            per_pixel = ops.square(decoder_out - target)
        if sample_weight is None:
            return ops.mean(per_pixel)
        per_image = ops.mean(ops.reshape(per_pixel, (ops.shape(per_pixel)[0], -1)), axis=-1)
        return losses.weighted_mean(per_image, sample_weight)

    def compute_losses(self, data, training=False):
        x, _ = self._unpack(data)
        out = self.decoder(self.encoder(self._model_inputs(x), training=training), training=training)
        weight = self._sample_weight(data)
        return self.with_batch_weight({"loss": self.reconstruction_error(x, out, weight)}, weight)

    def get_config(self):
        return {
            **super().get_config(),
            "likelihood": self.likelihood,
            "architecture": self.architecture,
            "filters": self.filters,
            "hidden_dims": self.hidden_dims,
        }
