"""PixelRNN: Row LSTM and Diagonal BiLSTM layers over a masked-convolution input."""

import numpy as np

import keras
from keras import ops

from kerasgen.backend import scan
from kerasgen.layers.masked_conv import MaskedConv2D
from kerasgen.models.autoregressive.base import AutoregressiveModel

KINDS = ("row_lstm", "diagonal_bilstm")


def _lstm_update(z, c, units):
    """One LSTM step from pre-activations z = [input, forget, output, candidate]."""
    i = ops.sigmoid(z[..., :units])
    f = ops.sigmoid(z[..., units:2 * units])
    o = ops.sigmoid(z[..., 2 * units:3 * units])
    g = ops.tanh(z[..., 3 * units:])
    c = f * c + i * g
    return o * ops.tanh(c), c


def skew(x):
    """(N, H, W, C) -> (N, H, W + H - 1, C): row i shifted right by i, zeros elsewhere."""
    n, h, w, c = ops.shape(x)
    flat = ops.reshape(ops.pad(x, ((0, 0), (0, 0), (0, h), (0, 0))), (n, h * (w + h), c))
    return ops.reshape(flat[:, : h * (w + h - 1)], (n, h, w + h - 1, c))


def unskew(x, width):
    """Inverse of `skew`: (N, H, W + H - 1, C) -> (N, H, W, C)."""
    n, h, _, c = ops.shape(x)
    flat = ops.pad(ops.reshape(x, (n, h * (width + h - 1), c)), ((0, 0), (0, h), (0, 0)))
    return ops.reshape(flat, (n, h, width + h, c))[:, :, :width]


@keras.saving.register_keras_serializable(package="kerasgen")
class RowLSTM(keras.layers.Layer):
    """Row LSTM (van den Oord et al. 2016): rows top to bottom, a row at a time.

    Input-to-state: a masked 1 x 3 convolution (type "B") of the layer input;
    state-to-state: a 1-D convolution of width 3 over the previous row's
    hidden state. The state at (i, j) thus sees a triangle of rows above.
    """

    def __init__(self, units, color_channels=1, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.color_channels = color_channels
        self.input_to_state = MaskedConv2D(4 * self.units, (1, 3), "B", color_channels, name="input_to_state")

    def build(self, input_shape):
        self.input_to_state.build(input_shape)
        self.state_kernel = self.add_weight(
            name="state_kernel", shape=(3, self.units, 4 * self.units), initializer="orthogonal"
        )

    def call(self, x):
        gates = self.input_to_state(x)  # (N, H, W, 4 units)
        k = ops.cast(self.state_kernel, gates.dtype)
        units = self.units

        def step(carry, gate_row):  # one row: (N, W, 4 units)
            h, c = carry[..., :units], carry[..., units:]
            hp = ops.pad(h, ((0, 0), (1, 1), (0, 0)))
            z = gate_row + ops.matmul(hp[:, :-2], k[0]) + ops.matmul(hp[:, 1:-1], k[1]) + ops.matmul(hp[:, 2:], k[2])
            carry = ops.concatenate(_lstm_update(z, c, units), axis=-1)
            return carry, carry

        # The carry [h, c] is also the per-step output (see DiagonalBiLSTM).
        zeros = ops.zeros_like(gates[:, 0, :, : 2 * units])
        _, rows = scan(step, zeros, ops.transpose(gates, (1, 0, 2, 3)))
        rows = rows[..., :units]
        return ops.transpose(rows, (1, 0, 2, 3))

    def get_config(self):
        return {**super().get_config(), "units": self.units, "color_channels": self.color_channels}


@keras.saving.register_keras_serializable(package="kerasgen")
class DiagonalBiLSTM(keras.layers.Layer):
    """Diagonal BiLSTM (van den Oord et al. 2016): two LSTMs along the diagonals.

    The input is skewed (row i shifted right by i) so that a diagonal becomes
    a column; an LSTM then runs over the columns with a 2 x 1 state-to-state
    convolution (the state above and the state to the left of each pixel)
    and a masked 1x1 input-to-state convolution. The right-to-left direction
    runs the same way on the mirrored image; its output is shifted down one
    row before the two are added, so it carries only rows above and no pixel
    to the right in the current row leaks in.
    """

    def __init__(self, units, color_channels=1, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.color_channels = color_channels
        self.input_to_state = [
            MaskedConv2D(4 * self.units, 1, "B", color_channels, name=f"input_to_state_{d}")
            for d in ("lr", "rl")
        ]

    def build(self, input_shape):
        self.state_kernels = []
        for d, conv in zip(("lr", "rl"), self.input_to_state):
            conv.build(input_shape)
            self.state_kernels.append(self.add_weight(
                name=f"state_kernel_{d}", shape=(2, self.units, 4 * self.units), initializer="orthogonal"
            ))

    def _direction(self, x, conv, kernel):
        gates = skew(conv(x))  # (N, H, W + H - 1, 4 units)
        width = x.shape[2]
        k = ops.cast(kernel, gates.dtype)
        units = self.units

        def step(carry, gate_column):  # one diagonal: (N, H, 4 units)
            h, c = carry[..., :units], carry[..., units:]
            above = ops.pad(h[:, :-1], ((0, 0), (1, 0), (0, 0)))
            z = gate_column + ops.matmul(above, k[0]) + ops.matmul(h, k[1])
            carry = ops.concatenate(_lstm_update(z, c, units), axis=-1)
            return carry, carry

        # The carry is one tensor, [h, c], and also the per-step output
        # (`kerasgen.backend.scan` wants outputs shaped like the carry).
        zeros = ops.zeros_like(gates[:, :, 0, : 2 * units])
        _, columns = scan(step, zeros, ops.transpose(gates, (2, 0, 1, 3)))
        columns = columns[..., :units]
        return unskew(ops.transpose(columns, (1, 2, 0, 3)), width)

    def call(self, x):
        left_to_right = self._direction(x, self.input_to_state[0], self.state_kernels[0])
        mirrored = self._direction(ops.flip(x, axis=2), self.input_to_state[1], self.state_kernels[1])
        right_to_left = ops.flip(mirrored, axis=2)
        right_to_left = ops.pad(right_to_left[:, :-1], ((0, 0), (1, 0), (0, 0), (0, 0)))
        return left_to_right + right_to_left

    def get_config(self):
        return {**super().get_config(), "units": self.units, "color_channels": self.color_channels}


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

    The recurrences run as Python loops over rows or diagonals, unrolled
    into the compiled graph (H steps per Row LSTM layer, 2 (H + W - 1) per
    Diagonal BiLSTM layer): compile time grows with the image size.
    Sampling is "naive" only (the network is rerun per subpixel, inside
    one compiled loop). `predict(x)` returns p(x_i | x_<i) for every
    subpixel (Bernoulli p shaped like x, or (N, H, W, C, K) level
    probabilities); see `AutoregressiveModel`.

    Args:
        image_shape: (H, W, C), C in {1, 3}.
        distribution, num_levels, num_mixtures, input_encoding: see `AutoregressiveModel`.
        kind: "row_lstm" or "diagonal_bilstm".
        units: int, LSTM units and residual features (a multiple of 3 for RGB).
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

    def __init__(self, image_shape=(28, 28, 1), distribution="bernoulli", num_levels=None,
                 num_mixtures=5, kind="row_lstm", units=32, num_layers=2, first_kernel_size=7,
                 input_encoding="scaled", seed=None, **kwargs):
        super().__init__(image_shape, distribution, num_levels, num_mixtures, None, input_encoding,
                         seed, **kwargs)
        owner = type(self).__name__
        channels = self.image_shape[-1]
        if kind not in KINDS:
            raise ValueError(f"{owner}: kind must be one of {KINDS}; got {kind!r}.")
        step = 3 if channels == 3 else 1
        if not isinstance(units, (int, np.integer)) or units < 1 or units % step:
            raise ValueError(
                f"{owner}: units must be a positive integer{' multiple of 3 for RGB' if step == 3 else ''}; "
                f"got {units!r}."
            )
        if not isinstance(num_layers, (int, np.integer)) or num_layers < 1:
            raise ValueError(f"{owner}: num_layers must be an integer >= 1; got {num_layers!r}.")
        if not isinstance(first_kernel_size, (int, np.integer)) or first_kernel_size < 1 or first_kernel_size % 2 == 0:
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
