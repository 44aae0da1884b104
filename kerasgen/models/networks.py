"""Default encoder and decoder networks: plain functional `keras.Model`s.

The generative models wrap these and own the objective; users may pass their
own networks instead. Decoders upsample with `UpSampling2D` + `Conv2D` rather
than strided `Conv2DTranspose`: no checkerboard artefacts (Odena et al. 2016,
"Deconvolution and Checkerboard Artifacts"), and several times faster under
JAX on CPU.

Under a mixed precision policy the conv decoder's last convolution, which
makes the image, computes in float32: the usual advice for a model's output
layer, and PyTorch's CPU float16 convolution has no gradient for a Conv2D
with one filter over several channels ("slow_conv2d: grad_weight must be
contiguous"), which a grey image's output layer is.
"""

import keras
from keras import layers

ARCHITECTURES = ("conv", "dense")


def default_filters(image_shape):
    """Channel widths of the conv stages: one stride-2 stage per entry."""
    height, width, _ = image_shape
    if height >= 32 and height % 8 == 0 and width % 8 == 0:
        return (32, 64, 128)
    return (32, 64)


def check_architecture(architecture, image_shape, filters, owner):
    if architecture not in ARCHITECTURES:
        raise ValueError(
            f"{owner}: architecture must be one of {ARCHITECTURES}; got {architecture!r}."
        )
    if architecture == "conv":
        factor = 2 ** len(filters)
        if image_shape[0] % factor or image_shape[1] % factor:
            raise ValueError(
                f"{owner}: the conv architecture with {len(filters)} stride-2 stages needs "
                f"image sides divisible by {factor}; got image_shape {image_shape}. Pass "
                "fewer filters, architecture='dense', or your own encoder and decoder."
            )


def image_output_dtype():
    """The dtype of a network's image-making layer: "float32" under a mixed policy, else the policy's."""
    policy = keras.config.dtype_policy()
    return "float32" if policy.compute_dtype != policy.variable_dtype else None


def _inputs(shape, num_classes, name):
    x = keras.Input(shape=shape, name=name)
    if not num_classes:
        return [x], x, None
    label = keras.Input(shape=(num_classes,), name="label_one_hot")
    return [x, label], x, label


def encoder(image_shape, output_dim, *, architecture="conv", filters=None, hidden_dims=(256,),
            num_classes=None, name="encoder"):
    """Images (and one-hot labels) to a vector of `output_dim` values."""
    filters = tuple(filters or default_filters(image_shape))
    inputs, x, label = _inputs(image_shape, num_classes, "images")
    if architecture == "conv":
        for f in filters:
            x = layers.Conv2D(f, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Flatten()(x)
    if label is not None:
        x = layers.Concatenate()([x, label])
    for units in hidden_dims:
        x = layers.Dense(units, activation="relu")(x)
    outputs = layers.Dense(output_dim, name="outputs")(x)
    return keras.Model(inputs if label is not None else inputs[0], outputs, name=name)


def decoder(latent_dim, image_shape, *, architecture="conv", filters=None, hidden_dims=(256,),
            num_classes=None, name="decoder"):
    """Latent vectors (and one-hot labels) to unconstrained images of `image_shape`.

    The outputs are logits or means; the model that owns the decoder decides
    what they parameterise.
    """
    filters = tuple(filters or default_filters(image_shape))
    height, width, channels = image_shape
    inputs, z, label = _inputs((latent_dim,), num_classes, "latents")
    x = z if label is None else layers.Concatenate()([z, label])
    for units in hidden_dims:
        x = layers.Dense(units, activation="relu")(x)
    if architecture == "conv":
        # Mirror of the encoder: a conv at each resolution from the coarsest
        # up, the widest at the bottom; the image comes from one conv at full
        # size, after the last upsampling (keeps the costly full-size stage thin).
        factor = 2 ** len(filters)
        widths = filters[::-1]
        x = layers.Dense((height // factor) * (width // factor) * widths[0], activation="relu")(x)
        x = layers.Reshape((height // factor, width // factor, widths[0]))(x)
        for i, f in enumerate(widths):
            if i:
                x = layers.UpSampling2D(2)(x)
            x = layers.Conv2D(f, 3, padding="same", activation="relu")(x)
        x = layers.UpSampling2D(2)(x)
        outputs = layers.Conv2D(channels, 3, padding="same", name="outputs", dtype=image_output_dtype())(x)
    else:
        x = layers.Dense(height * width * channels, name="outputs")(x)
        outputs = layers.Reshape(image_shape)(x)
    return keras.Model(inputs if label is not None else inputs[0], outputs, name=name)
