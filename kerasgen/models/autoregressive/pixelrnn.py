"""PixelRNN: Row LSTM or Diagonal BiLSTM layers over a masked-convolution input."""

import keras
from keras import ops

from kerasgen import checks
from kerasgen.layers import DiagonalBiLSTM, MaskedConv2D, RowLSTM
from kerasgen.models.autoregressive.base import AutoregressiveModel, default_width

KINDS = ("row_lstm", "diagonal_bilstm")


@keras.saving.register_keras_serializable(package="kerasgen")
class PixelRNN(AutoregressiveModel):
    """PixelRNN (van den Oord et al. 2016, "Pixel Recurrent Neural Networks").

    A type-"A" masked convolution on the image, then `num_layers` recurrent
    layers of one `kind`, each followed by a masked 1x1 convolution and a
    residual connection, then two 1x1 layers to the output distribution.

    - `kind="row_lstm"`: `RowLSTM` layers, one row per step.
    - `kind="diagonal_bilstm"`: `DiagonalBiLSTM` layers (skew, an LSTM per
      direction along the diagonals, unskew), whose receptive field covers
      every earlier pixel.

    The recurrences run over rows or diagonals with `kerasgen.backend.scan`
    (H steps per Row LSTM layer, 2 (H + W - 1) per Diagonal BiLSTM layer):
    one compiled loop under TensorFlow and JAX, a Python loop under PyTorch.
    Both kinds sample "cached" by default: each subpixel reruns one row of
    the network, not all H rows, and draws what "naive" draws for a seed.
    A Row LSTM's row depends only on the row above's (h, c) and this row's
    pixels, so the cache holds each layer's (h, c) of the row above. A
    Diagonal BiLSTM's left-to-right state at (i, j) depends on the states
    at (i - 1, j) and (i, j - 1), and its right-to-left output is shifted
    down one row, so row i reads that direction's states of row i - 1 only:
    the cache holds each layer's hidden states of the row above for both
    directions, each subpixel reruns the left-to-right scan along its row
    (W steps a layer), and a finished row is run once in both directions.
    `predict(x)` returns p(x_i | x_<i) for every subpixel (Bernoulli p shaped
    like x, or (N, H, W, C, K) level probabilities); see `AutoregressiveModel`.

    Args:
        image_shape: (H, W, C), C in {1, 3}.
        likelihood, num_levels, num_mixtures, input_encoding: see `AutoregressiveModel`.
        kind: "row_lstm" or "diagonal_bilstm".
        units: int, LSTM units and residual features (a multiple of 3 for
            RGB), or None: 32, or 33 for RGB (the nearest multiple of 3 above).
        num_layers: int >= 1.
        first_kernel_size: odd int, the input convolution's kernel.
        seed: int or None.

    Example:

    ```python
    import numpy as np, keras, kerasgen
    x = (np.random.rand(64, 8, 8, 1) < 0.5).astype("float32")
    model = kerasgen.models.PixelRNN(image_shape=(8, 8, 1), kind="diagonal_bilstm",
                                     units=8, num_layers=1)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    model.fit(x, batch_size=32, epochs=1, verbose=0)
    model.evaluate_nll(x)["bits_per_dim"]
    ```
    """

    supports_cached_sampling = True

    def __init__(self, image_shape=(28, 28, 1), likelihood="bernoulli", num_levels=None,
                 num_mixtures=5, kind="row_lstm", units=None, num_layers=2, first_kernel_size=7,
                 input_encoding="scaled", seed=None, **kwargs):
        super().__init__(image_shape, likelihood, num_levels, num_mixtures, None, input_encoding,
                         seed, **kwargs)
        owner = type(self).__name__
        channels = self.image_shape[-1]
        if kind not in KINDS:
            raise ValueError(f"{owner}: kind must be one of {KINDS}; got {kind!r}.")
        step = 3 if channels == 3 else 1
        units = default_width(units, 32, step)
        if not checks.is_integer(units) or units < 1 or units % step:
            raise ValueError(
                f"{owner}: units must be a positive integer{' multiple of 3 for RGB' if step == 3 else ''}; "
                f"got {units!r}."
            )
        checks.check_integer(num_layers, "num_layers", owner)
        if not checks.is_integer(first_kernel_size) or first_kernel_size < 1 or first_kernel_size % 2 == 0:
            raise ValueError(f"{owner}: first_kernel_size must be an odd positive integer; got {first_kernel_size!r}.")
        self.kind = kind
        self.units = int(units)
        self.num_layers = int(num_layers)
        self.first_kernel_size = int(first_kernel_size)
        colors = channels
        layer = RowLSTM if kind == "row_lstm" else DiagonalBiLSTM
        self.input_conv = MaskedConv2D(self.units, self.first_kernel_size, "A", colors, name="input_conv")
        self.recurrent = [layer(self.units, colors, name=f"{kind}{l}") for l in range(self.num_layers)]
        self.residual = [MaskedConv2D(self.units, 1, "B", colors, name=f"residual{l}")
                         for l in range(self.num_layers)]
        self.head = MaskedConv2D(self.units, 1, "B", colors, name="head")
        self.output_conv = MaskedConv2D(channels * self.num_params, 1, "B", colors, name="output_conv")
        h, w, _ = self.image_shape
        self.input_conv.build((None, h, w, self.network_input_channels))
        for rec, res in zip(self.recurrent, self.residual):
            rec.build((None, h, w, self.units))
            res.build((None, h, w, self.units))
        self.head.build((None, h, w, self.units))
        self.output_conv.build((None, h, w, self.units))
        self.built = True

    # -- cached sampling: one row of the network per subpixel ----------------------------------------

    def _cache_input_padding(self):
        p = self.first_kernel_size // 2
        return (p, p, p, p)

    def _cache_init(self, x_padded, one_hot):
        n, width = ops.shape(x_padded)[0], self.image_shape[1]
        # Each layer's states of the row above: Row LSTM (h, c); Diagonal BiLSTM the hidden
        # states of its left-to-right and right-to-left directions. Separate tensors, not one
        # shared: torch.compile compiles a step again when its inputs alias each other.
        return (x_padded,) + tuple(ops.zeros((n, width, self.units), dtype="float32")
                                   for _ in range(2 * self.num_layers))

    def _recurrent_row(self, rec, h, above, complete):
        """A recurrent layer's output along a row (N, W, units) and the states it leaves for the row below.

        A Diagonal BiLSTM runs its right-to-left direction only if `complete`
        (the row is final); otherwise that direction's states are the cached ones.
        """
        if self.kind == "row_lstm":
            h_row, c_row = rec.call_row(h, *above)
            return h_row, (h_row, c_row)
        h_lr, _ = rec.call_row(h, above[0], "left_to_right")
        # The right-to-left states of this row first matter for the row below.
        h_rl = rec.call_row(h, above[1], "right_to_left")[0] if complete else above[1]
        return rec.output_row(h_lr, above[1]), (h_lr, h_rl)

    def _row_params(self, x_padded, i, states, complete=False):
        """Row i's raw outputs (N, W, C * P) and its states per layer, from the row above's states."""
        h = self.input_conv.call_row(x_padded, i)  # (N, 1, W, units)
        new = []
        for layer, (rec, res) in enumerate(zip(self.recurrent, self.residual)):
            out, row_states = self._recurrent_row(rec, h, states[2 * layer:2 * layer + 2], complete)
            new += row_states
            h = h + res.call_pixel(out[:, None])
        # call_pixel: the 1x1 layers' masked kernels as fixed_weights() holds them, not through Keras'
        # Layer.__call__, which torch.compile cannot trace without breaking the step in pieces.
        return self.output_conv.call_pixel(ops.relu(self.head.call_pixel(ops.relu(h))))[:, 0], new

    def _cache_row(self, state, i, one_hot):
        # Row i - 1 is complete: its final states become the row above's for row i (zeros for row 0).
        # i is a tensor inside XLA's loop and a Python int in PyTorch's, which torch.compile keeps
        # symbolic as long as it is not made a tensor (kerasgen.backend.compile_step).
        if not ops.is_tensor(i):
            return state if i == 0 else (state[0],) + tuple(self._row_params(state[0], i - 1, state[1:], True)[1])
        _, new = self._row_params(state[0], ops.maximum(i - 1, 0), state[1:], complete=True)
        return (state[0],) + tuple(ops.where(i == 0, old, s) for old, s in zip(state[1:], new))

    def _cache_pixel(self, state, i, j, one_hot):
        out, _ = self._row_params(state[0], i, state[1:])
        n, size = ops.shape(out)[0], ops.shape(out)[2]
        # (N, C * P), parameter p of channel c at p * C + c; a slice, not ops.take, keeps j a plain int.
        pixel = ops.reshape(ops.slice(out, (0, j, 0), (n, 1, size)), (n, size))
        c = self.image_shape[-1]
        return state, ops.transpose(ops.reshape(pixel, (-1, self.num_params, c)), (0, 2, 1))

    def network_params(self, x, one_hot=None, training=False):
        h = self.input_conv(x)
        for rec, res in zip(self.recurrent, self.residual):
            h = h + res(rec(h))
        return self.output_conv(ops.relu(self.head(ops.relu(h))))

    def get_config(self):
        config = {
            **super().get_config(),
            "kind": self.kind,
            "units": self.units,
            "num_layers": self.num_layers,
            "first_kernel_size": self.first_kernel_size,
        }
        config.pop("num_classes")
        return config
