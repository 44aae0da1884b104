"""Default generators and discriminators: plain functional `keras.Model`s.

Conditional networks take class weights (N, num_classes) as a second input
(one-hot for a class, a mixture to interpolate between classes): the
generator through conditional batch normalization, the discriminator through
a projection (Miyato & Koyama 2018, "cGANs with Projection Discriminator").
"""

import math

import keras
from keras import layers

from kerasgen.layers import ConditionalBatchNormalization, SpectralNormalization, SubpixelConv2DTranspose
from kerasgen.models.networks import image_output_dtype

DCGAN_SIZES = {28: 7, 32: 4, 64: 4}  # image side -> side of the first feature map
UPSAMPLING = ("transpose", "resize")  # the DCGAN generator's ways to double a feature map


def _inputs(shape, num_classes, name):
    x = keras.Input(shape=shape, name=name)
    if not num_classes:
        return [x], x, None
    return [x, keras.Input(shape=(num_classes,), name="class_weights")], x, True


def _normalize(x, labels, num_classes):
    if num_classes:
        return ConditionalBatchNormalization(num_classes)([x, labels])
    return layers.BatchNormalization()(x)


def _sn(layer, spectral_norm):
    return SpectralNormalization(layer) if spectral_norm else layer


def _projection_output(features, labels, num_classes, spectral_norm):
    out = _sn(layers.Dense(1, name="score"), spectral_norm)(features)
    if num_classes:
        # <embed(y), phi(x)>: the class-conditional part of the logit.
        # A bias-free Dense on one-hot weights is a class embedding.
        embedded = layers.Dense(features.shape[-1], use_bias=False, name="class_embedding")(labels)
        out = layers.Add()([out, layers.Dot(axes=-1)([embedded, features])])
    return out


def mlp_generator(latent_dim, image_shape, hidden_dims=(128, 128), output_activation=None,
                  num_classes=None, batch_norm=False, name="generator"):
    """z (and class ids) -> samples of `image_shape` ((H, W, C) or (D,)) through dense layers."""
    inputs, x, conditional = _inputs((latent_dim,), num_classes, "latents")
    labels = inputs[1] if conditional else None
    for units in hidden_dims:
        x = layers.Dense(units)(x)
        if batch_norm or conditional:
            x = _normalize(x, labels, num_classes)
        x = layers.ReLU()(x)
    x = layers.Dense(math.prod(image_shape), activation=output_activation)(x)
    x = layers.Reshape(image_shape)(x)
    return keras.Model(inputs if conditional else inputs[0], x, name=name)


def mlp_discriminator(image_shape, hidden_dims=(128, 128), num_classes=None, spectral_norm=False,
                      name="discriminator"):
    """Samples (and class ids) -> one raw score each, through dense layers."""
    inputs, x, conditional = _inputs(image_shape, num_classes, "samples")
    x = layers.Flatten()(x)
    for units in hidden_dims:
        x = _sn(layers.Dense(units), spectral_norm)(x)
        x = layers.LeakyReLU(0.2)(x)
    out = _projection_output(x, inputs[1] if conditional else None, num_classes, spectral_norm)
    return keras.Model(inputs if conditional else inputs[0], out, name=name)


def check_dcgan_shape(image_shape, owner):
    if len(image_shape) != 3 or image_shape[0] != image_shape[1] or image_shape[0] not in DCGAN_SIZES:
        raise ValueError(
            f"{owner}: the DCGAN architecture is defined for square images of side "
            f"{sorted(DCGAN_SIZES)}; got image_shape {tuple(image_shape)}. Pass your own "
            "generator and discriminator for other sizes."
        )


def check_upsampling(upsampling, owner):
    if upsampling not in UPSAMPLING:
        raise ValueError(f"{owner}: upsampling must be one of {UPSAMPLING}; got {upsampling!r}.")


def dcgan_generator(latent_dim, image_shape, base_filters=64, num_classes=None, upsampling="transpose",
                    name="generator"):
    """z -> images in [-1, 1]: a projection, then upsampling convolutions.

    Radford et al. 2016: no pooling, batch norm after every layer but the
    output, ReLU inside, tanh at the output, no dense layer beyond the projection.
    `upsampling` doubles each feature map's side by a fractionally strided
    4x4 convolution ("transpose", the paper's) or by nearest-neighbour
    resizing then a 3x3 convolution ("resize": no checkerboard artefacts,
    Odena et al. 2016; BENCHMARKS.md's speed section times both under each
    backend).
    """
    check_upsampling(upsampling, "dcgan_generator")
    side, channels = image_shape[0], image_shape[-1]
    start = DCGAN_SIZES[side]
    stages = int(math.log2(side // start))
    inputs, z, conditional = _inputs((latent_dim,), num_classes, "latents")
    labels = inputs[1] if conditional else None
    filters = base_filters * 2 ** (stages - 1)
    x = layers.Dense(start * start * filters, use_bias=False)(z)
    x = layers.Reshape((start, start, filters))(x)
    x = layers.ReLU()(_normalize(x, labels, num_classes))
    for _ in range(stages - 1):
        filters //= 2
        x = _upsample(x, filters, upsampling, use_bias=False)
        x = layers.ReLU()(_normalize(x, labels, num_classes))
    # The image layer computes in float32 under a mixed policy, as in kerasgen.models.networks.
    x = _upsample(x, channels, upsampling, activation="tanh", name="images", dtype=image_output_dtype())
    return keras.Model(inputs if conditional else inputs[0], x, name=name)


def _upsample(x, filters, upsampling, **conv):
    """Doubles the side of x with `filters` output channels."""
    if upsampling == "transpose":
        # Keras' Conv2DTranspose, computed in its sub-pixel form where the backend says it is faster.
        return SubpixelConv2DTranspose(filters, 4, strides=2, padding="same", **conv)(x)
    x = layers.UpSampling2D(2, interpolation="nearest")(x)
    return layers.Conv2D(filters, 3, padding="same", **conv)(x)


def dcgan_discriminator(image_shape, base_filters=64, num_classes=None, spectral_norm=False,
                        batch_norm=True, name="discriminator"):
    """Images -> one raw score: strided convolutions with LeakyReLU, then one dense layer.

    Batch norm on every layer but the first (Radford et al. 2016), unless
    `spectral_norm` (which replaces it) or `batch_norm=False` (a WGAN-GP critic,
    whose gradient penalty is per example).
    """
    side = image_shape[0]
    stages = int(math.log2(side // DCGAN_SIZES[side]))
    inputs, x, conditional = _inputs(image_shape, num_classes, "images")
    filters = base_filters
    for i in range(stages):
        x = _sn(layers.Conv2D(filters, 4, strides=2, padding="same"), spectral_norm)(x)
        if i and batch_norm and not spectral_norm:
            x = layers.BatchNormalization()(x)
        x = layers.LeakyReLU(0.2)(x)
        filters *= 2
    x = layers.Flatten()(x)
    out = _projection_output(x, inputs[1] if conditional else None, num_classes, spectral_norm)
    return keras.Model(inputs if conditional else inputs[0], out, name=name)
