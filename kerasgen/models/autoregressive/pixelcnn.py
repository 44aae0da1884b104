"""PixelCNN: a stack of masked convolutions with residual blocks."""

import keras
from keras import ops

from kerasgen import checks
from kerasgen.backend import write_slice
from kerasgen.layers.masked_conv import MaskedConv2D
from kerasgen.models.autoregressive.base import AutoregressiveModel, default_width


@keras.saving.register_keras_serializable(package="kerasgen")
class PixelCNN(AutoregressiveModel):
    """PixelCNN (van den Oord et al. 2016, "Pixel Recurrent Neural Networks").

    A type-"A" masked convolution on the image, `num_blocks` residual blocks
    (1x1 to half width, a masked k x k, 1x1 back, ReLUs in between, all type
    "B"), then two 1x1 layers to the output distribution. Each output sees
    only earlier pixels, so p(x) = prod_i p(x_i | x_<i) is exact. The stacked
    masks leave a blind spot above and to the right of each pixel; see
    `GatedPixelCNN` for the fix.

    Sampling with `method="cached"` (the default) keeps every layer's output
    and computes, for each new subpixel, one position per layer: the masks
    make each layer's output at a pixel final as soon as the pixels before it
    are known (Ramachandran et al. 2017). `method="naive"` reruns the network.

    `predict(x)` returns p(x_i | x_<i) for every subpixel of x (Bernoulli p
    shaped like x, or (N, H, W, C, K) level probabilities); see
    `AutoregressiveModel`.

    Args:
        image_shape: (H, W, C), C in {1, 3}.
        likelihood, num_levels, num_mixtures, input_encoding: see `AutoregressiveModel`.
        filters: int, features of the residual stream (a multiple of 6 for RGB),
            or None: 64, or 66 for RGB (the nearest multiple of 6 above).
        num_blocks: int, residual blocks.
        kernel_size: odd int, the blocks' masked kernel.
        first_kernel_size: odd int, the type-"A" input kernel.
        seed: int or None.

    Example:

    ```python
    import numpy as np, keras, kerasgen
    x = (np.random.rand(64, 8, 8, 1) < 0.5).astype("float32")
    model = kerasgen.models.PixelCNN(image_shape=(8, 8, 1), filters=16, num_blocks=1)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    model.fit(x, batch_size=32, epochs=1, verbose=0)
    nll = model.evaluate_nll(x)["nll_nats"]        # exact, nats per image
    samples = model.sample(4, seed=0)              # (4, 8, 8, 1) of {0, 1}
    ```
    """

    supports_cached_sampling = True

    def __init__(self, image_shape=(28, 28, 1), likelihood="bernoulli", num_levels=None,
                 num_mixtures=5, filters=None, num_blocks=5, kernel_size=3, first_kernel_size=7,
                 input_encoding="scaled", seed=None, **kwargs):
        super().__init__(image_shape, likelihood, num_levels, num_mixtures, None, input_encoding,
                         seed, **kwargs)
        owner = type(self).__name__
        channels = self.image_shape[-1]
        for name, value in (("kernel_size", kernel_size), ("first_kernel_size", first_kernel_size)):
            if not checks.is_integer(value) or value < 1 or value % 2 == 0:
                raise ValueError(f"{owner}: {name} must be an odd positive integer; got {value!r}.")
        step = 6 if channels == 3 else 2
        filters = default_width(filters, 64, step)
        if not checks.is_integer(filters) or filters < step or filters % step:
            raise ValueError(
                f"{owner}: filters must be a positive multiple of {step} for {channels}-channel "
                f"images (half of it feeds each block's masked conv); got {filters!r}."
            )
        checks.check_integer(num_blocks, "num_blocks", owner, minimum=0)
        self.filters = int(filters)
        self.num_blocks = int(num_blocks)
        self.kernel_size = int(kernel_size)
        self.first_kernel_size = int(first_kernel_size)
        colors = channels
        half = self.filters // 2
        self.input_conv = MaskedConv2D(self.filters, self.first_kernel_size, "A", colors, name="input_conv")
        self.blocks = [
            (
                MaskedConv2D(half, 1, "B", colors, name=f"block{b}_in"),
                MaskedConv2D(half, self.kernel_size, "B", colors, name=f"block{b}_conv"),
                MaskedConv2D(self.filters, 1, "B", colors, name=f"block{b}_out"),
            )
            for b in range(self.num_blocks)
        ]
        self.head = MaskedConv2D(self.filters, 1, "B", colors, name="head")
        self.output_conv = MaskedConv2D(channels * self.num_params, 1, "B", colors, name="output_conv")
        h, w, _ = self.image_shape
        self.input_conv.build((None, h, w, self.network_input_channels))
        for c_in, c_mid, c_out in self.blocks:
            c_in.build((None, h, w, self.filters))
            c_mid.build((None, h, w, half))
            c_out.build((None, h, w, half))
        self.head.build((None, h, w, self.filters))
        self.output_conv.build((None, h, w, self.filters))
        self.built = True

    def network_params(self, x, one_hot=None, training=False):
        h = self.input_conv(x)
        for c_in, c_mid, c_out in self.blocks:
            t = c_in(ops.relu(h))
            t = c_mid(ops.relu(t))
            h = h + c_out(ops.relu(t))
        return self.output_conv(ops.relu(self.head(ops.relu(h))))

    # -- cached sampling: one position per layer per subpixel -------------------

    def _cache_input_padding(self):
        p = self.first_kernel_size // 2
        return (p, p, p, p)

    def _cache_init(self, x_padded, one_hot):
        h, w, _ = self.image_shape
        p = self.kernel_size // 2
        n = ops.shape(x_padded)[0]
        caches = tuple(
            ops.zeros((n, h + 2 * p, w + 2 * p, self.filters // 2), dtype="float32")
            for _ in self.blocks
        )
        return (x_padded,) + caches

    def _cache_pixel(self, state, i, j, one_hot):
        x_padded, caches = state[0], list(state[1:])
        p = self.kernel_size // 2
        h = self.input_conv.call_at(x_padded, i, j)
        for b, (c_in, c_mid, c_out) in enumerate(self.blocks):
            t = ops.relu(c_in.call_pixel(ops.relu(h)))
            n, f = ops.shape(t)[0], ops.shape(t)[1]
            caches[b] = write_slice(caches[b], (0, i + p, j + p, 0), ops.reshape(t, (n, 1, 1, f)))
            t = c_mid.call_at(caches[b], i, j)
            h = h + c_out.call_pixel(ops.relu(t))
        out = self.output_conv.call_pixel(ops.relu(self.head.call_pixel(ops.relu(h))))
        c = self.image_shape[-1]
        out = ops.transpose(ops.reshape(out, (-1, self.num_params, c)), (0, 2, 1))  # (N, C, P)
        return (x_padded,) + tuple(caches), out

    def get_config(self):
        config = {
            **super().get_config(),
            "filters": self.filters,
            "num_blocks": self.num_blocks,
            "kernel_size": self.kernel_size,
            "first_kernel_size": self.first_kernel_size,
        }
        config.pop("num_classes")
        return config
