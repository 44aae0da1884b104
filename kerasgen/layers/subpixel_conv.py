"""`SubpixelConv2DTranspose`: a transposed convolution that may run as a convolution and depth-to-space."""

import keras
import numpy as np
from keras import ops

from kerasgen.backend import subpixel_transposed_conv


def _window_taps():
    """(3, 4, 2) 0/1: `[p, t, a]` is 1 where output phase `a` takes kernel tap `t` at window position `p`.

    A stride-2, 4-wide, "same" transposed convolution (input padded by one)
    writes output 2m + a from inputs m - 1, m, m + 1 (positions 0, 1, 2 of a
    3-wide window centred on m): an even output takes taps 3 and 1 from
    positions 0 and 1, an odd one taps 2 and 0 from positions 1 and 2.
    """
    taps = np.zeros((3, 4, 2), "float32")
    for phase, pairs in {0: ((0, 3), (1, 1)), 1: ((1, 2), (2, 0))}.items():
        for position, tap in pairs:
            taps[position, tap, phase] = 1.0
    return taps


_TAPS = _window_taps()


def subpixel_conv_transpose(x, kernel):
    """`ops.conv_transpose(x, kernel, strides=2, padding="same")` for a 4x4 kernel, as one convolution.

    The four output phases (row and column parity) of a stride-2 transposed
    convolution are each a stride-1 convolution of the input with a 2x2 part
    of the kernel (Shi et al. 2016, "Is the deconvolution layer the same as
    a convolutional layer?"). Their kernels are placed in one 3x3 kernel
    with 4 x filters outputs, and depth-to-space interleaves the phases.

    Args:
        x: (N, H, W, C_in), channels last.
        kernel: (4, 4, filters, C_in), as `keras.layers.Conv2DTranspose` stores it.

    Returns:
        (N, 2H, 2W, filters).
    """
    filters, channels = kernel.shape[2], kernel.shape[3]
    taps = ops.convert_to_tensor(_TAPS, dtype=kernel.dtype)
    # [p, q, i, a, b, o] = kernel tap for window (p, q), input channel i, output phase (a, b), filter o.
    combined = ops.einsum("pta,qub,tuoi->pqiabo", taps, taps, kernel)
    combined = ops.cast(ops.reshape(combined, (3, 3, channels, 4 * filters)), x.dtype)
    y = ops.conv(x, combined, padding="same")
    n, h, w = ops.shape(y)[0], ops.shape(y)[1], ops.shape(y)[2]
    y = ops.transpose(ops.reshape(y, (n, h, w, 2, 2, filters)), (0, 1, 3, 2, 4, 5))
    return ops.reshape(y, (n, 2 * h, 2 * w, filters))


@keras.saving.register_keras_serializable(package="kerasgen")
class SubpixelConv2DTranspose(keras.layers.Conv2DTranspose):
    """`keras.layers.Conv2DTranspose` that a backend may compute in its sub-pixel form.

    The same layer, weights and outputs (up to float rounding) as Keras'
    `Conv2DTranspose`. For a 4x4 kernel with strides 2, "same" padding and
    channels-last data (the DCGAN generator's layers), it computes as
    `subpixel_conv_transpose` (one stride-1 convolution, then depth-to-space)
    where `kerasgen.backend.subpixel_transposed_conv()` says that form is
    faster: under JAX on a CPU, where XLA's strided transposed convolution is
    slow. Everywhere else it is Keras' layer.

    Args:
        As `keras.layers.Conv2DTranspose`.

    Example:

    ```python
    import numpy as np, keras, kerasgen
    x = np.random.rand(2, 7, 7, 8).astype("float32")
    layer = kerasgen.layers.SubpixelConv2DTranspose(4, 4, strides=2, padding="same")
    plain = keras.layers.Conv2DTranspose(4, 4, strides=2, padding="same")
    plain.build(x.shape)
    layer.build(x.shape)
    layer.set_weights(plain.get_weights())
    np.testing.assert_allclose(layer(x), plain(x), atol=1e-5)  # (2, 14, 14, 4)
    ```

    Reference:
        Shi et al. 2016, "Is the deconvolution layer the same as a
        convolutional layer?" (https://arxiv.org/abs/1609.07009).
    """

    def _subpixel_form(self):
        return (tuple(self.kernel_size) == (4, 4) and tuple(self.strides) == (2, 2) and self.padding == "same"
                and tuple(self.dilation_rate) == (1, 1) and self.output_padding is None
                and self.data_format == "channels_last")

    def call(self, inputs):
        if not (self._subpixel_form() and subpixel_transposed_conv()):
            return super().call(inputs)
        outputs = subpixel_conv_transpose(inputs, self.kernel)
        if self.use_bias:
            outputs = ops.add(outputs, ops.reshape(self.bias, (1, 1, 1, self.filters)))
        if self.activation is not None:
            return self.activation(outputs)
        return outputs
