"""`LatentImageModel`: what autoencoders and VAEs share.

An encoder maps images to latent codes and a decoder maps codes back; this
base class owns the networks, checks shapes, and gives every such model
`encode`, `decode`, `reconstruct`, `interpolate` and `traverse` on NumPy
arrays, in batches.
"""

import numpy as np

import keras
from keras import ops

from kerasgen.models import networks
from kerasgen.protocols import Conditional, Encoder, Reconstructor
from kerasgen import checks
from kerasgen.training import GenerativeModel
from kerasgen.utils.latent import interpolate_latents, latent_arithmetic


class LatentImageModel(GenerativeModel, Encoder, Reconstructor, Conditional):
    """Base of models with an encoder and a decoder over images.

    Subclasses define `_encode_tensor(x, one_hot, training)` (images to latent
    codes, the posterior mean for a VAE) and `_decode_tensor(z, one_hot,
    training)` (codes to images in data space), plus `compute_losses`.

    `predict(x)` (and `model(x)`) is `reconstruct(x)`: decode(encode(x)), the
    reconstructions in data space, float32 (N, H, W, C); conditional models
    take `[images, labels]`. Its inputs are checked as `fit` checks them.
    `encode`, `decode` and `reconstruct` return float32 under a mixed
    precision policy too.

    Args:
        image_shape: tuple (H, W, C), C in {1, 3}.
        latent_dim: int, size of the latent code.
        encoder, decoder: `keras.Model`s; built by `build_networks` when None.
        num_classes: int or None; set for class-conditional models, whose
            networks take a one-hot label as a second input.
        seed: int or None.
    """

    network_keys = ("encoder", "decoder")

    def __init__(self, image_shape, latent_dim, encoder, decoder, num_classes=None, seed=None,
                 **kwargs):
        super().__init__(image_shape=image_shape, seed=seed, **kwargs)
        owner = type(self).__name__
        check_latent_dim(latent_dim, owner)
        if num_classes is not None:
            checks.check_integer(num_classes, "num_classes", owner, minimum=2)
        self.latent_dim = int(latent_dim)
        self.num_classes = None if num_classes is None else int(num_classes)
        self.encoder = encoder
        self.decoder = decoder
        self._check_network_shapes()
        self.built = True

    # -- networks -----------------------------------------------------------

    def encoder_output_dim(self):
        return self.latent_dim

    def _check_network_shapes(self):
        owner = type(self).__name__
        for net, name in ((self.encoder, "encoder"), (self.decoder, "decoder")):
            if not isinstance(net, keras.Model):
                raise TypeError(f"{owner}: {name} must be a keras.Model; got {type(net).__name__}.")
        x = ops.zeros((1,) + self.image_shape)
        z = ops.zeros((1, self.latent_dim))
        out = self.encoder(self._network_inputs(x, self._one_hot(ops.zeros((1,), "int32"))))
        if tuple(out.shape) != (1, self.encoder_output_dim()):
            raise ValueError(
                f"{owner}: the encoder must map images {self.image_shape} to "
                f"{self.encoder_output_dim()} values; it returns shape {tuple(out.shape)[1:]}."
            )
        out = self.decoder(self._network_inputs(z, self._one_hot(ops.zeros((1,), "int32"))))
        if tuple(out.shape)[1:] != self.image_shape:
            raise ValueError(
                f"{owner}: the decoder must map {self.latent_dim} latent values to images "
                f"{self.image_shape}; it returns shape {tuple(out.shape)[1:]}."
            )

    @staticmethod
    def _network_inputs(x, one_hot):
        # Tensors both: under JAX without jit the batch arrives as NumPy, which Keras will not mix with tensors.
        return x if one_hot is None else [ops.convert_to_tensor(x), ops.convert_to_tensor(one_hot)]

    def call(self, inputs, training=False):
        if self.num_classes is not None:
            x, labels = inputs
            one_hot = self._one_hot(labels)
        else:
            x, one_hot = inputs, None
        z = self._encode_tensor(x, one_hot, training)
        return self._decode_tensor(z, one_hot, training)

    # -- predict ------------------------------------------------------------

    def predict(self, x, *args, **kwargs):
        """Reconstructions, `reconstruct(x)` through Keras' batched `predict` loop.

        Args:
            x: images (N, H, W, C), a tf.data pipeline or `PyDataset` of them,
                or for conditional models `[images, labels]` (class ids, one
                or N). Checked as `fit` checks them (shape, range, NaN/Inf).
            *args, **kwargs: as for `keras.Model.predict` (`batch_size`, `verbose`).

        Returns:
            float32 NumPy array (N, H, W, C) in data space: decode(encode(x)),
            the decoder's mean (pixel probabilities for Bernoulli decoders).
        """
        return super().predict(self._check_predict_inputs(x), *args, **kwargs)

    # -- NumPy-level methods ------------------------------------------------

    def _map_batches(self, fn, arrays, batch_size):
        batch_size = checks.check_integer(batch_size, "batch_size", type(self).__name__)
        n = len(arrays[0])
        outputs = []
        for start in range(0, n, batch_size):
            chunk = [None if a is None else a[start:start + batch_size] for a in arrays]
            outputs.append(ops.convert_to_numpy(fn(*chunk)))
        return np.concatenate(outputs, axis=0)

    def encode(self, x, labels=None, batch_size=256):
        """Latent codes (N, latent_dim) of images x (N, H, W, C); a VAE gives the posterior mean."""
        x = self.check_images(x)
        labels = self._labels_for(labels, len(x))
        return self._map_batches(
            lambda xb, yb: self._encode_tensor(ops.convert_to_tensor(xb), None if yb is None else self._one_hot(yb), False),
            [x, labels], batch_size,
        )

    def decode(self, z, labels=None, batch_size=256):
        """Images (N, H, W, C) in data space from latent codes z (N, latent_dim)."""
        z = checks.check_latents(z, self.latent_dim, owner=type(self).__name__)
        labels = self._labels_for(labels, len(z))
        return self._map_batches(
            lambda zb, yb: self._decode_tensor(ops.convert_to_tensor(zb), None if yb is None else self._one_hot(yb), False),
            [z, labels], batch_size,
        )

    def reconstruct(self, x, labels=None, batch_size=256):
        """decode(encode(x)): reconstructions of images x, shape (N, H, W, C)."""
        return self.decode(self.encode(x, labels, batch_size), labels, batch_size)

    def interpolate(self, x1, x2, steps=8, method="linear", labels=None):
        """Decodes `steps` codes on the path from encode(x1) to encode(x2).

        Args:
            x1, x2: images (H, W, C), or batches (N, H, W, C) of equal size.
            steps: int >= 2, points on the path, both ends included.
            method: "linear" or "slerp" (spherical, see `kerasgen.utils.slerp`).
            labels: class ids for conditional models (one, or one per pair).

        Returns:
            (steps, H, W, C) for single images, (N, steps, H, W, C) for batches.
        """
        if np.shape(x1) != np.shape(x2):
            raise ValueError(
                f"{type(self).__name__}: x1 and x2 must be two images (H, W, C) or two batches "
                f"(N, H, W, C) of the same size; got shapes {np.shape(x1)} and {np.shape(x2)}."
            )
        single = np.ndim(x1) == 3
        x1, x2 = (np.asarray(a)[None] if single else np.asarray(a) for a in (x1, x2))
        z1, z2 = self.encode(x1, labels), self.encode(x2, labels)
        path = interpolate_latents(z1, z2, steps, method)  # (steps, N, D)
        n = len(z1)
        labels = self._labels_for(labels, n)
        flat_labels = None if labels is None else np.tile(labels, steps)
        images = self.decode(path.reshape(-1, self.latent_dim), flat_labels)
        images = images.reshape((steps, n) + self.image_shape).swapaxes(0, 1)
        return images[0] if single else images

    def traverse(self, x, dim, values, labels=None):
        """Decodes encode(x) with latent dimension `dim` set to each of `values`.

        Returns (len(values), H, W, C) for one image (H, W, C), or
        (N, len(values), H, W, C) for a batch.
        """
        owner = type(self).__name__
        if not checks.is_integer(dim) or not 0 <= dim < self.latent_dim:
            raise ValueError(f"{owner}: dim must be an integer in [0, {self.latent_dim}); got {dim!r}.")
        values = np.asarray(values)
        if values.ndim > 1 or values.size == 0 or not np.issubdtype(values.dtype, np.number) \
                or not np.all(np.isfinite(values)):
            raise ValueError(
                f"{owner}: values must be a non-empty list of finite numbers, the values to give "
                f"latent dimension {dim} (e.g. np.linspace(-3, 3, 7)); got {values.tolist()!r}."
            )
        values = values.astype("float32").reshape(-1)
        single = np.ndim(x) == 3
        x = np.asarray(x)[None] if single else np.asarray(x)
        z = self.encode(x, labels)
        codes = np.repeat(z[:, None, :], len(values), axis=1)
        codes[:, :, dim] = values
        labels = self._labels_for(labels, len(z))
        images = self.decode(
            codes.reshape(-1, self.latent_dim),
            None if labels is None else np.repeat(labels, len(values)),
        ).reshape((len(z), len(values)) + self.image_shape)
        return images[0] if single else images

    def latent_arithmetic(self, add, subtract=(), labels=None):
        """Decodes mean(encode(a)) - mean(encode(b)) + ... for groups of images.

        Args:
            add, subtract: lists of image batches (N_i, H, W, C).
            labels: for conditional models, the class id of the decoded image.

        Returns:
            One image (H, W, C).
        """
        codes = latent_arithmetic([self.encode(g) for g in add], [self.encode(g) for g in subtract])
        return self.decode(codes[None], None if labels is None else [labels])[0]

    # -- serialization ------------------------------------------------------

    def get_config(self):
        return {
            **super().get_config(),
            "image_shape": self.image_shape,
            "latent_dim": self.latent_dim,
            "encoder": keras.saving.serialize_keras_object(self.encoder),
            "decoder": keras.saving.serialize_keras_object(self.decoder),
        }


def build_networks(image_shape, encoder_dim, latent_dim, architecture, filters, hidden_dims,
                   num_classes, owner):
    """Default (encoder, decoder) pair for `image_shape`."""
    check_latent_dim(latent_dim, owner)
    if filters is not None:
        filters = checks.check_sizes(filters, "filters", owner, allow_empty=False)
    filters = tuple(filters or networks.default_filters(image_shape))
    networks.check_architecture(architecture, image_shape, filters, owner)
    hidden_dims = checks.check_sizes(hidden_dims, "hidden_dims", owner)
    enc = networks.encoder(image_shape, encoder_dim, architecture=architecture, filters=filters,
                           hidden_dims=hidden_dims, num_classes=num_classes)
    dec = networks.decoder(latent_dim, image_shape, architecture=architecture, filters=filters,
                           hidden_dims=hidden_dims[::-1], num_classes=num_classes)
    return enc, dec


def check_latent_dim(latent_dim, owner):
    return checks.check_integer(latent_dim, "latent_dim", owner, what="a positive integer")
