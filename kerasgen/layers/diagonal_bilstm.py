"""`DiagonalBiLSTM`: PixelRNN's Diagonal BiLSTM, two LSTMs along the image's diagonals."""

import keras
from keras import ops

from kerasgen.backend import scan
from kerasgen.layers.masked_conv import MaskedConv2D
from kerasgen.layers.row_lstm import check_units, lstm_update

DIRECTIONS = ("left_to_right", "right_to_left")


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
class DiagonalBiLSTM(keras.layers.Layer):
    """Diagonal BiLSTM (van den Oord et al. 2016): two LSTMs along the diagonals.

    The input is skewed (row i shifted right by i) so that a diagonal becomes
    a column; an LSTM then runs over the columns with a 2 x 1 state-to-state
    convolution (the state above and the state to the left of each pixel)
    and a masked 1x1 input-to-state convolution. The right-to-left direction
    runs the same way on the mirrored image; its output is shifted down one
    row before the two are added, so it carries only rows above and no pixel
    to the right in the current row leaks in. The output at (i, j) sees
    every earlier pixel in raster order, and (i, j) itself. `call_row` and
    `output_row` compute the same output a row at a time (cached sampling).

    Args:
        units: int >= 1, each direction's hidden features (the output width).
        color_channels: 1 or 3, the colour groups of the masked input-to-state
            convolutions (see `MaskedConv2D`); with 3, `units` and the input's
            features must be multiples of 3.
        **kwargs: `keras.layers.Layer` arguments (`name`, `dtype`).

    Example:

    ```python
    import numpy as np, keras, kerasgen
    x = np.random.rand(2, 4, 4, 3).astype("float32")
    lstm = kerasgen.layers.DiagonalBiLSTM(units=6)
    y = keras.ops.convert_to_numpy(lstm(x))  # (2, 4, 4, 6)
    x_later = x.copy()
    x_later[:, 1, 2:] = 0.0                  # change the pixels after (1, 1) in its row
    x_later[:, 2:] = 0.0                     # and every row below
    y_later = keras.ops.convert_to_numpy(lstm(x_later))
    assert np.allclose(y[:, 1, 1], y_later[:, 1, 1])  # (1, 1) never sees them
    ```

    Reference:
        van den Oord, Kalchbrenner & Kavukcuoglu, "Pixel Recurrent Neural
        Networks", ICML 2016 (https://arxiv.org/abs/1601.06759), section 3.2.
    """

    def __init__(self, units, color_channels=1, **kwargs):
        super().__init__(**kwargs)
        self.units = check_units(type(self).__name__, units)
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

    def _step(self, gate, above, h, c, k):
        """One LSTM step: the input's gates, the hidden state above and the (h, c) to the left, to (h, c)."""
        return lstm_update(gate + ops.matmul(above, k[0]) + ops.matmul(h, k[1]), c, self.units)

    def _direction(self, x, conv, kernel):
        gates = skew(conv(x))  # (N, H, W + H - 1, 4 units)
        width = x.shape[2]
        k = ops.cast(kernel, gates.dtype)
        units = self.units

        def step(carry, gate_column):  # one diagonal: (N, H, 4 units)
            h, c = carry[..., :units], carry[..., units:]
            above = ops.pad(h[:, :-1], ((0, 0), (1, 0), (0, 0)))
            carry = ops.concatenate(self._step(gate_column, above, h, c, k), axis=-1)
            return carry, carry

        # The carry is one tensor, [h, c], and also the per-step output
        # (`kerasgen.backend.scan` wants outputs shaped like the carry).
        zeros = ops.zeros_like(gates[:, :, 0, : 2 * units])
        _, columns = scan(step, zeros, ops.transpose(gates, (2, 0, 1, 3)))
        columns = columns[..., :units]
        return unskew(ops.transpose(columns, (1, 2, 0, 3)), width)

    def call_row(self, x_row, h_above, direction):
        """One direction's states along one row, for cached sampling.

        Unskewed, the left-to-right state at (i, j) depends only on the
        input at (i, j), the hidden state at (i - 1, j) and the (h, c) at
        (i, j - 1); the right-to-left one is the same on the mirrored row.
        So a row's states follow from the row above's hidden states by a
        scan along the row (W steps), as `call` computes them along the
        diagonals.

        Args:
            x_row: (N, 1, W, features) the layer's input along row i.
            h_above: (N, W, units) this direction's hidden state along row
                i - 1 (zeros above the first row). The cell state runs along
                the row only, so the row above's is not needed.
            direction: "left_to_right" or "right_to_left".

        Returns:
            (h, c) of row i for that direction, each (N, W, units), column j
            at index j; combine the hidden states with `output_row`.
        """
        if direction not in DIRECTIONS:
            raise ValueError(f"{type(self).__name__}: direction must be one of {DIRECTIONS}; got {direction!r}.")
        mirrored = direction == "right_to_left"
        if mirrored:
            x_row, h_above = ops.flip(x_row, axis=2), ops.flip(h_above, axis=1)
        d = DIRECTIONS.index(direction)
        gates = self.input_to_state[d].call_pixel(x_row)[:, 0]  # (N, W, 4 units); a 1x1 kernel
        k = ops.cast(self.state_kernels[d], gates.dtype)
        units = self.units

        def step(carry, pixel):  # one pixel: its gates and the hidden state above it, (N, 5 units)
            h, c = carry[..., :units], carry[..., units:]
            carry = ops.concatenate(self._step(pixel[..., : 4 * units], pixel[..., 4 * units:], h, c, k), axis=-1)
            return carry, carry

        pixels = ops.transpose(ops.concatenate([gates, ops.cast(h_above, gates.dtype)], axis=-1), (1, 0, 2))
        _, states = scan(step, ops.zeros_like(gates[:, 0, : 2 * units]), pixels)
        states = ops.transpose(states, (1, 0, 2))  # (N, W, 2 units)
        if mirrored:
            states = ops.flip(states, axis=1)
        return states[..., :units], states[..., units:]

    def output_row(self, h_left_to_right, h_right_to_left_above):
        """Row i of `call`'s output, (N, W, units), as `call` forms it.

        Args:
            h_left_to_right: (N, W, units) the left-to-right hidden state of row i.
            h_right_to_left_above: (N, W, units) the right-to-left hidden state
                of row i - 1 (zeros for the first row): that direction's output
                is shifted down one row, so row i sees no pixel to its right.
        """
        return h_left_to_right + h_right_to_left_above

    def call(self, x):
        left_to_right = self._direction(x, self.input_to_state[0], self.state_kernels[0])
        mirrored = self._direction(ops.flip(x, axis=2), self.input_to_state[1], self.state_kernels[1])
        right_to_left = ops.flip(mirrored, axis=2)
        right_to_left = ops.pad(right_to_left[:, :-1], ((0, 0), (1, 0), (0, 0), (0, 0)))
        return left_to_right + right_to_left

    def get_config(self):
        return {**super().get_config(), "units": self.units, "color_channels": self.color_channels}
