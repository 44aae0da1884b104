"""SubpixelConv2DTranspose: Keras' transposed convolution, the same outputs and gradients in its sub-pixel form."""

import keras
import numpy as np
import pytest
from keras import ops

from kerasgen.backend import input_gradient, subpixel_transposed_conv
from kerasgen.layers import SubpixelConv2DTranspose, subpixel_conv_transpose
from kerasgen.models import DCGAN


def numpy(x):
    return np.array(ops.convert_to_numpy(x))


@pytest.mark.parametrize("shape,filters", [((2, 7, 7, 8), 4), ((3, 5, 6, 2), 1)])
def test_the_subpixel_form_equals_the_transposed_convolution_and_its_gradients(shape, filters):
    rng = np.random.default_rng(0)
    x = ops.convert_to_tensor(rng.normal(size=shape).astype("float32"))
    kernel = ops.convert_to_tensor(rng.normal(size=(4, 4, filters, shape[-1])).astype("float32"))
    plain = lambda x, k: ops.conv_transpose(x, k, strides=2, padding="same")
    expected = numpy(plain(x, kernel))
    assert expected.shape == (shape[0], 2 * shape[1], 2 * shape[2], filters)
    np.testing.assert_allclose(numpy(subpixel_conv_transpose(x, kernel)), expected, atol=1e-5)
    # The backward pass too: d sum(y^2) / dx and / dkernel.
    for wrt in ("x", "kernel"):
        grads = []
        for fn in (plain, subpixel_conv_transpose):
            if wrt == "x":
                grads.append(numpy(input_gradient(lambda v: fn(v, kernel) ** 2, x)))
            else:
                grads.append(numpy(input_gradient(lambda k: fn(x, k) ** 2, kernel)))
        np.testing.assert_allclose(grads[1], grads[0], rtol=1e-4, atol=1e-4)


def test_the_layer_is_keras_conv2d_transpose_with_the_same_weights():
    x = np.random.default_rng(1).normal(size=(2, 7, 7, 6)).astype("float32")
    for kernel_size, strides in ((4, 2), (3, 2), (4, 1)):  # the first in sub-pixel form where the backend says so
        kwargs = dict(filters=5, kernel_size=kernel_size, strides=strides, padding="same", activation="tanh")
        plain, layer = keras.layers.Conv2DTranspose(**kwargs), SubpixelConv2DTranspose(**kwargs)
        plain.build(x.shape)
        layer.build(x.shape)
        weights = plain.get_weights()
        weights[1] = np.linspace(-1, 1, 5).astype("float32")  # a nonzero bias, so its broadcast is checked
        plain.set_weights(weights)
        layer.set_weights(weights)
        np.testing.assert_allclose(numpy(layer(x)), numpy(plain(x)), atol=1e-5)
        assert layer._subpixel_form() == ((kernel_size, strides) == (4, 2))
        clone = SubpixelConv2DTranspose.from_config(layer.get_config())
        assert type(clone) is SubpixelConv2DTranspose and clone.get_config() == layer.get_config()
    # Only XLA on a CPU is given the sub-pixel form (this machine has no GPU).
    assert subpixel_transposed_conv() == (keras.backend.backend() == "jax")


def test_the_dcgan_generator_upsamples_with_it():
    generator = DCGAN(latent_dim=4, base_filters=4).generator
    ups = [l for l in generator.layers if isinstance(l, keras.layers.Conv2DTranspose)]
    assert len(ups) == 2 and all(type(l) is SubpixelConv2DTranspose for l in ups)
