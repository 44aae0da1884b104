"""Gated PixelCNN: vertical and horizontal stacks with gated activations, optionally class-conditional."""

import keras
from keras import ops

from kerasgen import checks
from kerasgen.backend import write_slice
from kerasgen.layers import MaskedConv2D, VerticalStackConv
from kerasgen.models.autoregressive.base import AutoregressiveModel, default_width
from kerasgen.utils.padding import zero_pad


@keras.saving.register_keras_serializable(package="kerasgen")
class GatedPixelCNN(AutoregressiveModel):
    """Gated PixelCNN (van den Oord et al. 2016, "Conditional Image Generation with PixelCNN Decoders").

    Two stacks per layer. The vertical stack sees every pixel above the
    current row within reach (a (k//2 + 1) x k convolution over rows above);
    the horizontal stack sees the pixels to the left in the current row (a
    masked 1 x k convolution) plus a 1x1 link from the vertical stack. Their
    union has no blind spot. Both use gated units,
    y = tanh(W_f * x + V_f h) * sigmoid(W_g * x + V_g h), where h is a
    learned embedding of the class label for conditional models
    (`num_classes`), added inside both gates of every layer. The horizontal
    stack is residual after its first layer. `predict(x)` (conditional
    models: `predict([x, labels])`) returns p(x_i | x_<i) for every subpixel
    (Bernoulli p shaped like x, or (N, H, W, C, K) level probabilities); see
    `AutoregressiveModel`.

    Args:
        image_shape: (H, W, C), C in {1, 3}.
        likelihood, num_levels, num_mixtures, input_encoding: see `AutoregressiveModel`.
        filters: int, features per stack (a multiple of 3 for RGB), or None:
            64, or 66 for RGB (the nearest multiple of 3 above).
        num_layers: int >= 1, gated layers.
        kernel_size: odd int >= 3, the width of both stacks' kernels.
        num_classes: int or None; with an int the model is class-conditional
            and `fit`, `log_prob`, `sample` and `complete` take labels.
        seed: int or None.

    Example:

    ```python
    import numpy as np, keras, kerasgen
    x = (np.random.rand(64, 8, 8, 1) < 0.5).astype("float32")
    y = np.random.randint(0, 10, size=64)
    model = kerasgen.models.GatedPixelCNN(image_shape=(8, 8, 1), filters=16, num_layers=2,
                                          num_classes=10)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    samples = model.sample(4, labels=3, seed=0)    # four images of class 3
    ```
    """

    supports_cached_sampling = True

    def __init__(self, image_shape=(28, 28, 1), likelihood="bernoulli", num_levels=None,
                 num_mixtures=5, filters=None, num_layers=6, kernel_size=5, num_classes=None,
                 input_encoding="scaled", seed=None, **kwargs):
        super().__init__(image_shape, likelihood, num_levels, num_mixtures, num_classes,
                         input_encoding, seed, **kwargs)
        owner = type(self).__name__
        channels = self.image_shape[-1]
        if not checks.is_integer(kernel_size) or kernel_size < 3 or kernel_size % 2 == 0:
            raise ValueError(f"{owner}: kernel_size must be an odd integer >= 3; got {kernel_size!r}.")
        step = 3 if channels == 3 else 1
        filters = default_width(filters, 64, step)
        if not checks.is_integer(filters) or filters < 1 or filters % step:
            raise ValueError(
                f"{owner}: filters must be a positive integer{' multiple of 3 for RGB' if step == 3 else ''}; "
                f"got {filters!r}."
            )
        checks.check_integer(num_layers, "num_layers", owner)
        self.filters = int(filters)
        self.num_layers = int(num_layers)
        self.kernel_size = int(kernel_size)
        f, k, colors = self.filters, self.kernel_size, channels
        self.vertical = [VerticalStackConv(2 * f, k, strict=(l == 0), name=f"vertical{l}")
                         for l in range(self.num_layers)]
        self.horizontal = [MaskedConv2D(2 * f, (1, k), "A" if l == 0 else "B", colors, name=f"horizontal{l}")
                           for l in range(self.num_layers)]
        self.links = [keras.layers.Dense(2 * f, name=f"link{l}") for l in range(self.num_layers)]
        self.horizontal_out = [MaskedConv2D(f, 1, "B", colors, name=f"horizontal_out{l}")
                               for l in range(self.num_layers)]
        self.conditions = [keras.layers.Dense(2 * f, use_bias=False, name=f"condition{l}")
                           for l in range(self.num_layers)] if self.num_classes else []
        self.head = MaskedConv2D(f, 1, "B", colors, name="head")
        self.output_conv = MaskedConv2D(channels * self.num_params, 1, "B", colors, name="output_conv")
        h, w, _ = self.image_shape
        for l in range(self.num_layers):
            width = self.network_input_channels if l == 0 else f
            self.vertical[l].build((None, h, w, width))
            self.horizontal[l].build((None, h, w, width))
            self.links[l].build((None, 2 * f))
            self.horizontal_out[l].build((None, h, w, f))
            if self.num_classes:
                self.conditions[l].build((None, self.num_classes))
        self.head.build((None, h, w, f))
        self.output_conv.build((None, h, w, f))
        self.built = True

    def _gate(self, z):
        f = self.filters
        return ops.tanh(z[..., :f]) * ops.sigmoid(z[..., f:])

    def network_params(self, x, one_hot=None, training=False):
        v, h = x, x
        for l in range(self.num_layers):
            v_pre = self.vertical[l](v)
            h_pre = self.horizontal[l](h) + self.links[l](v_pre)
            if one_hot is not None:
                cond = self.conditions[l](ops.cast(one_hot, v_pre.dtype))[:, None, None, :]
                v_pre, h_pre = v_pre + cond, h_pre + cond
            v = self._gate(v_pre)
            out = self.horizontal_out[l](self._gate(h_pre))
            h = out if l == 0 else h + out
        return self.output_conv(ops.relu(self.head(ops.relu(h))))

    # -- cached sampling: the vertical stack once per row, the horizontal per pixel ----

    def _cache_input_padding(self):
        p = self.kernel_size // 2
        return (self.vertical[0].pad_rows(), 0, p, p)

    def _cache_init(self, x_padded, one_hot):
        h, w, _ = self.image_shape
        f, p = self.filters, self.kernel_size // 2
        n = ops.shape(x_padded)[0]
        rows = self.vertical[0].rows
        # Vertical-stack outputs of every layer but the last, padded for the next layer;
        # the current row's pre-activations (for the links); the horizontal rows.
        v_caches = tuple(ops.zeros((n, h + rows - 1, w + 2 * p, f), "float32")
                         for _ in range(self.num_layers - 1))
        v_rows = tuple(ops.zeros((n, 1, w, 2 * f), "float32") for _ in range(self.num_layers))
        h_rows = tuple(ops.zeros((n, 1, w + 2 * p, f), "float32") for _ in range(self.num_layers - 1))
        return (x_padded, v_caches, v_rows, h_rows)

    def _conditions(self, one_hot):
        if one_hot is None:
            return [None] * self.num_layers
        # Cached sampling runs in float32; a Dense layer computes in the policy's dtype.
        return [ops.cast(cond(ops.cast(one_hot, "float32")), "float32") for cond in self.conditions]

    def _cache_row(self, state, i, one_hot):
        x_padded, v_caches, v_rows, h_rows = state
        v_caches, v_rows = list(v_caches), list(v_rows)
        rows, p = self.vertical[0].rows, self.kernel_size // 2
        conds = self._conditions(one_hot)
        n = ops.shape(x_padded)[0]
        source = x_padded
        for l in range(self.num_layers):
            window = ops.slice(source, (0, i, 0, 0), (n, rows) + tuple(ops.shape(source)[2:]))
            v_pre = self.vertical[l].conv_valid(window)  # (N, 1, W, 2F)
            v_rows[l] = v_pre
            if conds[l] is not None:
                v_pre = v_pre + conds[l][:, None, None, :]
            if l < self.num_layers - 1:
                v = zero_pad(self._gate(v_pre), ((0, 0), (0, 0), (p, p), (0, 0)))  # not ops.pad (utils.padding)
                v_caches[l] = write_slice(v_caches[l], (0, i + rows - 1, 0, 0), v)
                source = v_caches[l]
        return (x_padded, tuple(v_caches), tuple(v_rows), h_rows)

    def _cache_pixel(self, state, i, j, one_hot):
        x_padded, v_caches, v_rows, h_rows = state
        h_rows = list(h_rows)
        top, p = self.vertical[0].pad_rows(), self.kernel_size // 2
        conds = self._conditions(one_hot)
        n = ops.shape(x_padded)[0]
        f = self.filters
        source = ops.slice(x_padded, (0, i + top, 0, 0), (n, 1) + tuple(ops.shape(x_padded)[2:]))
        h = None
        for l in range(self.num_layers):
            v_pre = ops.reshape(ops.slice(v_rows[l], (0, 0, j, 0), (n, 1, 1, 2 * f)), (n, 2 * f))
            h_pre = self.horizontal[l].call_at(source, 0, j) + ops.cast(self.links[l](v_pre), "float32")
            if conds[l] is not None:
                h_pre = h_pre + conds[l]
            out = self.horizontal_out[l].call_pixel(self._gate(h_pre))
            h = out if l == 0 else h + out
            if l < self.num_layers - 1:
                h_rows[l] = write_slice(h_rows[l], (0, 0, j + p, 0), ops.reshape(h, (n, 1, 1, f)))
                source = h_rows[l]
        out = self.output_conv.call_pixel(ops.relu(self.head.call_pixel(ops.relu(h))))
        c = self.image_shape[-1]
        out = ops.transpose(ops.reshape(out, (-1, self.num_params, c)), (0, 2, 1))
        return (x_padded, v_caches, tuple(v_rows), tuple(h_rows)), out

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "num_layers": self.num_layers,
            "kernel_size": self.kernel_size,
        }
