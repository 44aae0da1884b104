"""VQ-VAE: a discrete latent grid, and an autoregressive prior over it."""

import copy
import math

import numpy as np

import keras
from keras import layers, ops

from kerasgen import losses
from kerasgen.data.image_format import ImageFormat
from kerasgen.layers.vector_quantizer import VectorQuantizer
from kerasgen.models.networks import image_output_dtype
from kerasgen.protocols import Encoder, Reconstructor, Sampler
from kerasgen import checks
from kerasgen.training.model import GenerativeModel

LIKELIHOODS = ("bernoulli", "gaussian")
PRIORS = ("gated_pixelcnn", "pixelcnn")


def vq_networks(image_shape, code_dim, filters, owner):
    """A conv encoder to a (H / 2^L, W / 2^L, code_dim) grid and a decoder back."""
    h, w, c = image_shape
    factor = 2 ** len(filters)
    if h % factor or w % factor:
        raise ValueError(
            f"{owner}: {len(filters)} stride-2 stages need image sides divisible by {factor}; got "
            f"image_shape {image_shape}. Pass fewer filters or your own encoder and decoder."
        )
    x = inputs = keras.Input(shape=image_shape, name="images")
    for i, f in enumerate(filters):
        x = layers.Conv2D(f, 4, strides=2, padding="same", activation="relu", name=f"down{i}")(x)
    x = layers.Conv2D(filters[-1], 3, padding="same", activation="relu", name="mix")(x)
    z = layers.Conv2D(code_dim, 1, name="to_codes")(x)
    encoder = keras.Model(inputs, z, name="encoder")

    grid = (h // factor, w // factor, code_dim)
    x = inputs = keras.Input(shape=grid, name="codes")
    x = layers.Conv2D(filters[-1], 3, padding="same", activation="relu", name="from_codes")(x)
    for i, f in enumerate(reversed(filters)):
        x = layers.UpSampling2D(2, name=f"up{i}")(x)
        x = layers.Conv2D(f, 3, padding="same", activation="relu", name=f"up_conv{i}")(x)
    # float32 under a mixed policy, as in kerasgen.models.networks.
    out = layers.Conv2D(c, 3, padding="same", name="to_images", dtype=image_output_dtype())(x)
    decoder = keras.Model(inputs, out, name="decoder")
    return encoder, decoder


@keras.saving.register_keras_serializable(package="kerasgen")
class VQVAE(GenerativeModel, Encoder, Reconstructor, Sampler):
    """Vector-quantized VAE (van den Oord et al. 2017, "Neural Discrete Representation Learning").

    The encoder maps an image to a grid of vectors; `VectorQuantizer`
    replaces each by its nearest codebook entry; the decoder maps the grid of
    codes back to the image. `fit()` minimises
    reconstruction + codebook + commitment_weight * commitment and logs each,
    with the codebook `perplexity` and `usage` (the share of codes a batch
    uses).

    Two-stage recipe: (1) `fit()` the autoencoder; (2) `fit_prior(x)` encodes
    the images to code grids and trains an autoregressive model (a
    categorical Gated PixelCNN by default, one-hot inputs) on them; then
    `sample(n)` draws code grids from the prior and decodes them.

    `predict(x)` (and `model(x)`) is `reconstruct(x)`: each image through the
    encoder, the nearest codes and the decoder, float32 (N, H, W, C): pixel
    probabilities for "bernoulli", means for "gaussian". For the code
    indices use `encode(x)`; to decode indices, `decode(indices)`.

    Args:
        image_shape: (H, W, C), C in {1, 3}; sides divisible by 2^len(filters).
        num_codes: int K, codebook size.
        code_dim: int D, the width of a code.
        filters: tuple of ints, one stride-2 conv stage each.
        likelihood: "bernoulli" (decoder logits, inputs in [0, 1]) or
            "gaussian" (decoder means, a fixed unit-variance Gaussian up to a
            constant: the summed squared error / 2).
        commitment_weight: float beta >= 0.
        ema, decay, dead_code_threshold: passed to `VectorQuantizer`.
        encoder, decoder: optional networks (images to (h, w, D); (h, w, D)
            to images, logits for "bernoulli").
        prior: optional config dict of the prior (set by `fit_prior`;
            `from_config` rebuilds it so `.keras` files keep it).
        seed: int or None.

    Example:

    ```python
    import numpy as np, keras, kerasgen
    x = (np.random.rand(128, 16, 16, 1) < 0.3).astype("float32")
    vq = kerasgen.models.VQVAE(image_shape=(16, 16, 1), num_codes=16, code_dim=8)
    vq.compile(optimizer=keras.optimizers.Adam(1e-3))
    vq.fit(x, batch_size=64, epochs=1, verbose=0)
    codes = vq.encode(x[:4])                       # (4, 4, 4) code indices
    vq.fit_prior(x, epochs=1, filters=8, num_layers=2, verbose=0)
    images = vq.sample(4, seed=0)                   # (4, 16, 16, 1)
    ```
    """

    loss_names = ("loss", "reconstruction", "codebook", "commitment", "perplexity", "usage")
    network_keys = ("encoder", "decoder")
    sampling_requires = "prior"  # kerasgen.protocols.Sampler: fit_prior sets it
    sample_weight_refusal = ("its codebook and commitment terms, and the codebook's moving averages, pool "
                             "every code vector of the batch")

    def __init__(self, image_shape=(28, 28, 1), num_codes=64, code_dim=16, filters=(32, 64),
                 likelihood="bernoulli", commitment_weight=0.25, ema=True, decay=0.99,
                 dead_code_threshold=None, encoder=None, decoder=None, prior=None, seed=None,
                 **kwargs):
        owner = type(self).__name__
        image_shape = checks.check_image_shape(image_shape, owner)
        if likelihood not in LIKELIHOODS:
            raise ValueError(f"{owner}: likelihood must be one of {LIKELIHOODS}; got {likelihood!r}.")
        if isinstance(commitment_weight, bool) or not isinstance(commitment_weight, (int, float)) \
                or not 0 <= commitment_weight < math.inf:
            raise ValueError(
                f"{owner}: commitment_weight must be a finite number >= 0; got {commitment_weight!r}."
            )
        if (encoder is None) != (decoder is None):
            raise ValueError(f"{owner}: pass both encoder and decoder, or neither.")
        checks.check_integer(num_codes, "num_codes", owner, minimum=2)
        checks.check_integer(code_dim, "code_dim", owner, what="a positive integer")
        filters = checks.check_sizes(filters, "filters", owner, allow_empty=encoder is not None)
        super().__init__(image_shape=image_shape, seed=seed, **kwargs)
        self.filters = filters
        self.likelihood = likelihood
        self.commitment_weight = float(commitment_weight)
        if encoder is None:
            encoder, decoder = vq_networks(image_shape, int(code_dim), self.filters, owner)
        self.encoder, self.decoder = encoder, decoder
        self.quantizer = VectorQuantizer(num_codes, code_dim, ema=ema, decay=decay,
                                         dead_code_threshold=dead_code_threshold, seed=seed,
                                         name="quantizer")
        grid = tuple(encoder.output_shape[1:3])
        if encoder.output_shape[-1] != code_dim or tuple(decoder.input_shape[1:]) != grid + (code_dim,):
            raise ValueError(
                f"{owner}: the encoder must output (h, w, {code_dim}) and the decoder take it; got "
                f"encoder output {encoder.output_shape}, decoder input {decoder.input_shape}."
            )
        if tuple(decoder.output_shape[1:]) != image_shape:
            raise ValueError(f"{owner}: the decoder must output images of shape {image_shape}; got "
                             f"{decoder.output_shape}.")
        self.grid_shape = grid
        self._check_image_format()
        self.prior = None
        if prior is not None:
            self.prior = keras.saving.deserialize_keras_object(copy.deepcopy(prior))
            # Stage one's optimizer must not see the prior (see fit_prior).
            self.prior.trainable = False
        self.built = True

    @property
    def num_codes(self):
        return self.quantizer.num_codes

    @property
    def code_dim(self):
        return self.quantizer.code_dim

    def input_value_range(self):
        return (0.0, 1.0) if self.likelihood == "bernoulli" else None

    def default_image_format(self):
        return ImageFormat(binarize="dynamic") if self.likelihood == "bernoulli" else ImageFormat(scale="unit")

    # -- the model ------------------------------------------------------------

    def _reconstruction(self, x, out):
        if self.likelihood == "bernoulli":
            return -ops.mean(losses.bernoulli_log_prob(x, out))
        return ops.mean(0.5 * ops.sum(ops.square(x - out), axis=(1, 2, 3)))

    def compute_losses(self, data, training=False):
        x, _ = self._unpack(data)  # sample weights in a batch are refused, not dropped
        x = ops.cast(x, "float32")
        z = self.encoder(x, training=training)
        q = self.quantizer.quantize_codes(z, training=training)
        out = ops.cast(self.decoder(q["quantized"], training=training), "float32")
        reconstruction = self._reconstruction(x, out)
        loss = reconstruction + q["codebook_loss"] + self.commitment_weight * q["commitment_loss"]
        return {
            "loss": loss,
            "reconstruction": reconstruction,
            "codebook": q["codebook_loss"],
            "commitment": q["commitment_loss"],
            "perplexity": q["perplexity"],
            "usage": q["usage"],
        }

    def call(self, x, training=False):
        z = self.encoder(x, training=training)
        return self._decode_output(self.decoder(self.quantizer(z, training=training)))

    def _decode_output(self, out):
        out = ops.cast(out, "float32")
        return ops.sigmoid(out) if self.likelihood == "bernoulli" else out

    def predict(self, x, *args, **kwargs):
        """Reconstructions, `reconstruct(x)` through Keras' batched `predict` loop.

        Args:
            x: images (N, H, W, C), or a tf.data pipeline or `PyDataset` of
                them; checked as `fit` checks them (shape, range, NaN/Inf).
            *args, **kwargs: as for `keras.Model.predict` (`batch_size`, `verbose`).

        Returns:
            float32 NumPy array (N, H, W, C).
        """
        return super().predict(self._checked_inputs(x, None, "x")[0], *args, **kwargs)

    # -- NumPy-level methods --------------------------------------------------

    def encode(self, x, batch_size=256):
        """Code indices (N, h, w), int32, of images (N, H, W, C)."""
        x = self.check_images(x)
        batch_size = checks.check_integer(batch_size, "batch_size", type(self).__name__)
        out = []
        for start in range(0, len(x), batch_size):
            z = self.encoder(x[start:start + batch_size], training=False)
            out.append(ops.convert_to_numpy(self.quantizer.quantize_codes(z)["indices"]))
        return np.concatenate(out).astype("int32")

    def encode_features(self, x, batch_size=256):
        """The encoder's continuous outputs, flattened: (N, h * w * D), for linear probes."""
        x = self.check_images(x)
        batch_size = checks.check_integer(batch_size, "batch_size", type(self).__name__)
        out = [ops.convert_to_numpy(ops.cast(self.encoder(x[s:s + batch_size], training=False), "float32"))
               for s in range(0, len(x), batch_size)]
        return np.concatenate(out).reshape(len(x), -1)

    def decode(self, indices, batch_size=256):
        """Images (N, H, W, C) from code indices (N, h, w): probabilities for "bernoulli"."""
        owner = type(self).__name__
        if keras.ops.is_tensor(indices):
            indices = keras.ops.convert_to_numpy(indices)
        indices = np.asarray(indices)
        batch_size = checks.check_integer(batch_size, "batch_size", owner)
        if indices.ndim != 3 or indices.shape[1:] != self.grid_shape:
            raise ValueError(f"{owner}: indices must have shape (N, {self.grid_shape[0]}, "
                             f"{self.grid_shape[1]}); got {indices.shape}.")
        if len(indices) == 0:
            raise ValueError(f"{owner}: indices is empty (shape {indices.shape}); pass at least one grid.")
        if not np.issubdtype(indices.dtype, np.integer):
            if not np.issubdtype(indices.dtype, np.floating):
                raise TypeError(f"{owner}: indices must hold integer code ids; got dtype {indices.dtype}.")
            bad = ~np.isfinite(indices) | (indices != np.round(indices))
            if bad.any():
                raise ValueError(f"{owner}: indices must be whole numbers (code ids in [0, "
                                 f"{self.num_codes})); got {int(bad.sum())} other values, e.g. "
                                 f"{indices[bad][0]:g}.")
        if indices.min() < 0 or indices.max() >= self.num_codes:
            raise ValueError(f"{owner}: indices must lie in [0, {self.num_codes}); got values from "
                             f"{indices.min():g} to {indices.max():g}.")
        indices = indices.astype("int32")
        out = []
        for start in range(0, len(indices), batch_size):
            codes = self.quantizer.lookup(indices[start:start + batch_size])
            out.append(ops.convert_to_numpy(self._decode_output(self.decoder(codes, training=False))))
        return np.concatenate(out)

    def reconstruct(self, x, batch_size=256):
        """Decoded codes of x: probabilities for "bernoulli", means for "gaussian"."""
        return self.decode(self.encode(x, batch_size), batch_size)

    # -- the prior ----------------------------------------------------------------

    def fit_prior(self, x, prior="gated_pixelcnn", epochs=10, batch_size=64, learning_rate=1e-3,
                  validation_split=0.0, verbose="auto", **prior_kwargs):
        """Stage two: trains an autoregressive prior over the code grids of x.

        Args:
            x: training images (N, H, W, C) (or code indices (N, h, w) from `encode`).
            prior: "gated_pixelcnn" or "pixelcnn", categorical over num_codes
                levels with one-hot inputs; or an `AutoregressiveModel` built
                for image_shape (h, w, 1) and num_levels = num_codes.
            epochs, batch_size, learning_rate, validation_split, verbose: for `fit`.
            **prior_kwargs: passed to the prior's constructor (filters, num_layers, ...).

        Returns:
            The Keras History of the prior's training.
        """
        from kerasgen.models.autoregressive import AutoregressiveModel, GatedPixelCNN, PixelCNN

        owner = type(self).__name__
        x = np.asarray(x)
        codes = x if x.ndim == 3 else self.encode(x)
        grid = self.grid_shape + (1,)
        if isinstance(prior, str):
            if prior not in PRIORS:
                raise ValueError(f"{owner}: prior must be one of {PRIORS} or an AutoregressiveModel; got {prior!r}.")
            cls = GatedPixelCNN if prior == "gated_pixelcnn" else PixelCNN
            model = cls(image_shape=grid, likelihood="categorical", num_levels=self.num_codes,
                        input_encoding="one_hot", name="prior", **prior_kwargs)
        elif isinstance(prior, AutoregressiveModel):
            model = prior
            if model.image_shape != grid or model.num_levels != self.num_codes:
                raise ValueError(
                    f"{owner}: the prior must model image_shape {grid} with num_levels={self.num_codes}; "
                    f"got image_shape {model.image_shape}, num_levels {model.num_levels}."
                )
        else:
            raise TypeError(f"{owner}: prior must be a name in {PRIORS} or an AutoregressiveModel; got {type(prior).__name__}.")
        model.trainable = True
        model.compile(optimizer=keras.optimizers.Adam(learning_rate))
        history = model.fit(codes[..., None].astype("float32"), batch_size=batch_size, epochs=epochs,
                            validation_split=validation_split, verbose=verbose)
        # Frozen as part of the VQ-VAE: its weights are saved with it, but the
        # VQ-VAE's own optimizer (stage one) neither sees nor updates them.
        model.trainable = False
        self.prior = model
        return history

    def sample(self, n, seed=None, method=None, batch_size=None, jit_compile="auto"):
        """Draws n images: code grids from the prior, then the decoder's output.

        seed, method, batch_size and jit_compile go to the prior's `sample`
        (`kerasgen.models.PixelCNN.sample`).
        """
        checks.check_integer(n, "n", type(self).__name__, what="a positive integer")
        if self.prior is None:
            raise ValueError(f"{type(self).__name__} has no prior yet: call fit_prior(x) after fit().")
        codes = self.prior.sample(n, seed=seed, method=method, batch_size=batch_size,
                                  jit_compile=jit_compile)[..., 0]
        return self.decode(codes.astype("int32"))

    def get_config(self):
        return {
            **super().get_config(),
            "image_shape": self.image_shape,
            "num_codes": self.quantizer.num_codes,
            "code_dim": self.quantizer.code_dim,
            "filters": self.filters,
            "likelihood": self.likelihood,
            "commitment_weight": self.commitment_weight,
            "ema": self.quantizer.ema,
            "decay": self.quantizer.decay,
            "dead_code_threshold": self.quantizer.dead_code_threshold,
            "encoder": keras.saving.serialize_keras_object(self.encoder),
            "decoder": keras.saving.serialize_keras_object(self.decoder),
            "prior": None if self.prior is None else keras.saving.serialize_keras_object(self.prior),
        }
