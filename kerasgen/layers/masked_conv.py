"""`MaskedConv2D`: the causal convolution of PixelCNN."""

import contextlib

import numpy as np

import keras
from keras import ops

from kerasgen import checks

MASK_TYPES = ("A", "B")


def causal_mask(kernel_size, in_channels, out_channels, mask_type="B", color_channels=1):
    """The 0/1 mask of a raster-order causal convolution kernel.

    The kernel is centred on the output pixel. Every position after the centre
    in raster order (the rest of the centre row, and all rows below) is zero;
    every position before it is one. At the centre, with `color_channels=1`,
    type "A" is zero (the first layer must not see the pixel it predicts) and
    type "B" is one (later layers may see their own position, which holds only
    information from earlier pixels). With `color_channels=3` every feature
    belongs to a colour group, feature k to group k % 3 (R, G, B); at the centre
    an output in group g sees inputs of groups < g (type "A") or <= g (type "B").

    Args:
        kernel_size: (kh, kw), both odd.
        in_channels, out_channels: ints; multiples of 3 when `color_channels=3`.
        mask_type: "A" or "B".
        color_channels: 1 or 3.

    Returns:
        float32 NumPy array (kh, kw, in_channels, out_channels).
    """
    kh, kw = kernel_size
    mask = np.ones((kh, kw, in_channels, out_channels), dtype="float32")
    ch, cw = kh // 2, kw // 2
    mask[ch, cw + 1:] = 0.0
    mask[ch + 1:] = 0.0
    if color_channels == 1:
        if mask_type == "A":
            mask[ch, cw] = 0.0
    else:
        g_in = np.arange(in_channels)[:, None] % color_channels
        g_out = np.arange(out_channels)[None, :] % color_channels
        allowed = g_in < g_out if mask_type == "A" else g_in <= g_out
        mask[ch, cw] = allowed.astype("float32")
    return mask


@keras.saving.register_keras_serializable(package="kerasgen")
class MaskedConv2D(keras.layers.Layer):
    """A 2-D convolution that sees only earlier pixels in raster order.

    The kernel is multiplied by a fixed mask before each use, so the output at
    pixel (i, j) depends on the input above row i and to the left of column j
    in row i, plus, for type "B", the input at (i, j) itself. A 5x5 kernel:

    ```
    type A            type B
    1 1 1 1 1         1 1 1 1 1
    1 1 1 1 1         1 1 1 1 1
    1 1 0 0 0         1 1 1 0 0
    0 0 0 0 0         0 0 0 0 0
    0 0 0 0 0         0 0 0 0 0
    ```

    Type "A" goes first, on the image; type "B" on every later layer. For RGB
    images (`color_channels=3`) the centre is masked by colour group, as in
    van den Oord et al. 2016: feature k belongs to group k % 3, and R is
    predicted from earlier pixels, G from those and R, B from those and R, G:

    ```
    centre, type A: out R <- (none)   out G <- R       out B <- R, G
    centre, type B: out R <- R        out G <- R, G    out B <- R, G, B
    ```

    With `color_channels=3` both the input and output widths must be
    multiples of 3, and a model must keep the k % 3 grouping between layers
    (reshaping 3 * P outputs as (P, 3) does).

    Args:
        filters: int, output features.
        kernel_size: int or (kh, kw), odd sizes.
        mask_type: "A" or "B".
        color_channels: 1 or 3.
        use_bias: bool.
        kernel_initializer, bias_initializer: Keras initializers.
        **kwargs: `keras.layers.Layer` arguments (`name`, `dtype`).

    Example:

    ```python
    import numpy as np, kerasgen
    conv = kerasgen.layers.MaskedConv2D(8, 3, mask_type="A")
    y = conv(np.zeros((2, 8, 8, 1), "float32"))  # (2, 8, 8, 8)
    ```
    """

    def __init__(self, filters, kernel_size, mask_type="B", color_channels=1, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        if checks.is_integer(kernel_size):
            kernel_size = (int(kernel_size), int(kernel_size))
        ok = isinstance(kernel_size, (tuple, list)) and all(checks.is_integer(k) for k in kernel_size)
        kernel_size = tuple(int(k) for k in kernel_size) if ok else kernel_size
        if not ok or len(kernel_size) != 2 or min(kernel_size) < 1 or kernel_size[0] % 2 == 0 or kernel_size[1] % 2 == 0:
            raise ValueError(f"MaskedConv2D: kernel_size must be odd, e.g. 3 or (1, 3); got {kernel_size!r}.")
        if mask_type not in MASK_TYPES:
            raise ValueError(f"MaskedConv2D: mask_type must be 'A' or 'B'; got {mask_type!r}.")
        if color_channels not in (1, 3):
            raise ValueError(f"MaskedConv2D: color_channels must be 1 or 3; got {color_channels!r}.")
        checks.check_integer(filters, "filters", "MaskedConv2D", what="a positive integer")
        if color_channels == 3 and filters % 3:
            raise ValueError(
                f"MaskedConv2D: with color_channels=3, filters must be a multiple of 3; got {filters}."
            )
        self.filters = int(filters)
        self.kernel_size = kernel_size
        self.mask_type = mask_type
        self.color_channels = color_channels
        self.use_bias = use_bias
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        # float32 weights for call_at/call_row/call_pixel inside fixed_weights(); not tracked by Keras.
        object.__setattr__(self, "_fixed", None)

    def build(self, input_shape):
        in_channels = int(input_shape[-1])
        if self.color_channels == 3 and in_channels % 3:
            raise ValueError(
                f"MaskedConv2D {self.name}: with color_channels=3 the input must have a multiple "
                f"of 3 channels; got input shape {tuple(input_shape)}."
            )
        self.kernel = self.add_weight(
            name="kernel", shape=self.kernel_size + (in_channels, self.filters),
            initializer=self.kernel_initializer,
        )
        self.bias = self.add_weight(
            name="bias", shape=(self.filters,), initializer=self.bias_initializer
        ) if self.use_bias else None
        self.mask = causal_mask(
            self.kernel_size, in_channels, self.filters, self.mask_type, self.color_channels
        )

    def masked_kernel(self):
        """The kernel times the mask, (kh, kw, in, out)."""
        return self.kernel * ops.convert_to_tensor(self.mask, dtype=self.kernel.dtype)

    def call(self, inputs):
        y = ops.conv(inputs, ops.cast(self.masked_kernel(), inputs.dtype), padding="same")
        if self.bias is not None:
            y = y + ops.cast(self.bias, y.dtype)
        return y

    def call_at(self, padded, i, j):
        """The output at one pixel, for cached sampling.

        Args:
            padded: (N, H + kh - 1, W + kw - 1, in) input, zero-padded by
                (kh // 2, kw // 2) on each side.
            i, j: int scalars (tensors allowed): the output pixel.

        Returns:
            (N, filters) tensor.
        """
        kh, kw = self.kernel_size
        # Rows below the centre are masked out; read only rows <= i.
        rows = kh // 2 + 1
        n, c = ops.shape(padded)[0], ops.shape(padded)[-1]
        window = ops.slice(padded, (0, i, j, 0), (n, rows, kw, c))
        kernel, _, bias = self._pixel_weights(padded.dtype)
        y = ops.einsum("nhwc,hwcf->nf", window, kernel)
        return y if bias is None else y + bias

    def call_row(self, padded, i):
        """The outputs along one row, for cached sampling.

        Args:
            padded: (N, H + kh - 1, W + kw - 1, in) input, zero-padded by
                (kh // 2, kw // 2) on each side, as for `call_at`.
            i: int scalar (a tensor allowed): the output row.

        Returns:
            (N, 1, W, filters) tensor, equal to ``self(x)[:, i:i + 1]``.
        """
        kh, _ = self.kernel_size
        rows = kh // 2 + 1  # rows below the centre are masked out
        n, width, c = ops.shape(padded)[0], ops.shape(padded)[2], ops.shape(padded)[-1]
        window = ops.slice(padded, (0, i, 0, 0), (n, rows, width, c))
        kernel, _, bias = self._pixel_weights(padded.dtype)
        y = ops.conv(window, kernel, padding="valid")
        return y if bias is None else y + bias

    def call_pixel(self, inputs):
        """A 1x1 layer's output at one pixel: (N, in) -> (N, filters)."""
        if self.kernel_size != (1, 1):
            raise ValueError(f"MaskedConv2D {self.name}: call_pixel needs a 1x1 kernel; has {self.kernel_size}.")
        _, matrix, bias = self._pixel_weights(inputs.dtype)
        y = ops.matmul(inputs, matrix)
        return y if bias is None else y + bias

    def _pixel_weights(self, dtype):
        """(the kernel's rows up to the centre, the 1x1 kernel as a matrix or None, bias or None) in dtype."""
        if self._fixed is not None and keras.backend.standardize_dtype(dtype) == "float32":
            return self._fixed
        kh = self.kernel_size[0]
        kernel = ops.cast(self.masked_kernel()[: kh // 2 + 1], dtype)
        matrix = kernel[0, 0] if self.kernel_size == (1, 1) else None
        return kernel, matrix, None if self.bias is None else ops.cast(self.bias, dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.filters,)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "mask_type": self.mask_type,
            "color_channels": self.color_channels,
            "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
        }


@contextlib.contextmanager
def fixed_weights(model):
    """Within the block, every `MaskedConv2D` of `model` masks and casts its kernel once.

    For a loop that calls `call_at`, `call_row` or `call_pixel` once per
    subpixel (cached sampling): each call would otherwise multiply the
    kernel by its mask again. The weights must not change inside the block.
    """
    layers = [layer for layer in model._flatten_layers() if isinstance(layer, MaskedConv2D)]
    try:
        for layer in layers:
            object.__setattr__(layer, "_fixed", layer._pixel_weights("float32"))
        yield
    finally:
        for layer in layers:
            object.__setattr__(layer, "_fixed", None)
