"""`VerticalStackConv`: the vertical stack's convolution of Gated PixelCNN, over rows above."""

import keras
from keras import ops

from kerasgen import checks


@keras.saving.register_keras_serializable(package="kerasgen")
class VerticalStackConv(keras.layers.Layer):
    """The vertical stack's convolution: a (k // 2 + 1) x k kernel over rows above.

    With `strict=True` (the first layer) the output at row i reads rows
    i - k//2 - 1 .. i - 1 of the input; otherwise rows i - k//2 .. i of an
    input that itself holds only rows above. Either way the vertical stack
    at row i depends on the image above row i only, at any column within
    reach, which is what fills PixelCNN's blind spot.

    Args:
        filters: int >= 1, output features.
        kernel_size: odd int >= 1, the kernel's width k (its height is k // 2 + 1).
        strict: bool, True for the first layer (on the image): row i does not
            read row i itself.
        **kwargs: `keras.layers.Layer` arguments (`name`, `dtype`).

    Example:

    ```python
    import numpy as np, keras, kerasgen
    x = np.random.rand(2, 6, 6, 1).astype("float32")
    conv = kerasgen.layers.VerticalStackConv(filters=4, kernel_size=3, strict=True)
    y = keras.ops.convert_to_numpy(conv(x))  # (2, 6, 6, 4)
    x_below = x.copy()
    x_below[:, 2:] = 0.0                     # change row 2 and every row below
    y_below = keras.ops.convert_to_numpy(conv(x_below))
    assert np.allclose(y[:, :3], y_below[:, :3])  # rows 0-2 read only the rows above them
    ```

    Reference:
        van den Oord et al., "Conditional Image Generation with PixelCNN
        Decoders", NeurIPS 2016 (https://arxiv.org/abs/1606.05328), section 2.2.
    """

    def __init__(self, filters, kernel_size, strict, **kwargs):
        super().__init__(**kwargs)
        owner = type(self).__name__
        checks.check_integer(filters, "filters", owner, what="a positive integer")
        if not checks.is_integer(kernel_size) or kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f"{owner}: kernel_size must be an odd positive integer; got {kernel_size!r}.")
        self.filters = int(filters)
        self.kernel_size = int(kernel_size)
        self.strict = bool(strict)
        self.rows = self.kernel_size // 2 + 1

    def build(self, input_shape):
        self.kernel = self.add_weight(
            name="kernel", shape=(self.rows, self.kernel_size, int(input_shape[-1]), self.filters),
            initializer="glorot_uniform",
        )
        self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer="zeros")

    def pad_rows(self):
        """Zero rows above the input (the strict layer has one more)."""
        return self.rows if self.strict else self.rows - 1

    def conv_valid(self, padded):
        """The convolution of an input already padded by `pad_rows()` above and k // 2 at each side."""
        y = ops.conv(padded, ops.cast(self.kernel, padded.dtype), padding="valid")
        return y + ops.cast(self.bias, y.dtype)

    def call(self, inputs):
        height = ops.shape(inputs)[1]
        p = self.kernel_size // 2
        padded = ops.pad(inputs, ((0, 0), (self.pad_rows(), 0), (p, p), (0, 0)))
        return self.conv_valid(padded)[:, :height]

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "strict": self.strict}
