"""`RowLSTM`: PixelRNN's Row LSTM, the image's rows processed top to bottom."""

import keras
from keras import ops

from kerasgen import checks
from kerasgen.backend import scan
from kerasgen.layers.masked_conv import MaskedConv2D
from kerasgen.utils.padding import zero_pad


def lstm_update(z, c, units):
    """One LSTM step from pre-activations z = [input, forget, output, candidate]; returns (h, c).

    Shared by `RowLSTM` and `DiagonalBiLSTM`.
    """
    i = ops.sigmoid(z[..., :units])
    f = ops.sigmoid(z[..., units:2 * units])
    o = ops.sigmoid(z[..., 2 * units:3 * units])
    g = ops.tanh(z[..., 3 * units:])
    c = f * c + i * g
    return o * ops.tanh(c), c


def check_units(owner, units):
    """`units` as an int, or a ValueError quoting it."""
    return checks.check_integer(units, "units", owner, what="a positive integer")


@keras.saving.register_keras_serializable(package="kerasgen")
class RowLSTM(keras.layers.Layer):
    """Row LSTM (van den Oord et al. 2016): rows top to bottom, a row at a time.

    Input-to-state: a masked 1 x 3 convolution (type "B") of the layer input;
    state-to-state: a 1-D convolution of width 3 over the previous row's
    hidden state. The state at (i, j) thus sees a triangle of rows above,
    and nothing of the rows below i.

    Args:
        units: int >= 1, the LSTM's hidden features (the output width).
        color_channels: 1 or 3, the colour groups of the masked input-to-state
            convolution (see `MaskedConv2D`); with 3, `units` and the input's
            features must be multiples of 3.
        **kwargs: `keras.layers.Layer` arguments (`name`, `dtype`).

    Example:

    ```python
    import numpy as np, keras, kerasgen
    x = np.random.rand(2, 5, 5, 4).astype("float32")
    lstm = kerasgen.layers.RowLSTM(units=6)
    y = keras.ops.convert_to_numpy(lstm(x))  # (2, 5, 5, 6)
    x_below = x.copy()
    x_below[:, 3:] = 0.0                     # change rows 3 and 4 only
    y_below = keras.ops.convert_to_numpy(lstm(x_below))
    assert np.allclose(y[:, :3], y_below[:, :3])  # rows 0-2 never see them
    ```

    Reference:
        van den Oord, Kalchbrenner & Kavukcuoglu, "Pixel Recurrent Neural
        Networks", ICML 2016 (https://arxiv.org/abs/1601.06759), section 3.1.
    """

    def __init__(self, units, color_channels=1, **kwargs):
        super().__init__(**kwargs)
        self.units = check_units(type(self).__name__, units)
        self.color_channels = color_channels
        self.input_to_state = MaskedConv2D(4 * self.units, (1, 3), "B", color_channels, name="input_to_state")

    def build(self, input_shape):
        self.input_to_state.build(input_shape)
        self.state_kernel = self.add_weight(
            name="state_kernel", shape=(3, self.units, 4 * self.units), initializer="orthogonal"
        )

    def _step(self, gate_row, h, c, k):
        """One row: gates (N, W, 4 units) and the row above's (h, c), each (N, W, units), to this row's (h, c)."""
        hp = zero_pad(h, ((0, 0), (1, 1), (0, 0)))  # not ops.pad: see kerasgen.utils.padding
        z = gate_row + ops.matmul(hp[:, :-2], k[0]) + ops.matmul(hp[:, 1:-1], k[1]) + ops.matmul(hp[:, 2:], k[2])
        return lstm_update(z, c, self.units)

    def call_row(self, x_row, h, c):
        """One row of the layer, for cached sampling.

        Args:
            x_row: (N, 1, W, features) the layer's input along the row.
            h, c: (N, W, units) the hidden and cell states of the row above
                (zeros above the first row).

        Returns:
            (h, c) of this row, each (N, W, units); h equals ``self(x)[:, i]``.
        """
        # The 1 x 3 kernel sees this row only; call_row computes it from the masked kernel as
        # fixed_weights() holds it during sampling.
        gates = self.input_to_state.call_row(zero_pad(x_row, ((0, 0), (0, 0), (1, 1), (0, 0))), 0)[:, 0]
        return self._step(gates, h, c, ops.cast(self.state_kernel, gates.dtype))

    def call(self, x):
        gates = self.input_to_state(x)  # (N, H, W, 4 units)
        k = ops.cast(self.state_kernel, gates.dtype)
        units = self.units

        def step(carry, gate_row):  # one row: (N, W, 4 units)
            h, c = carry[..., :units], carry[..., units:]
            carry = ops.concatenate(self._step(gate_row, h, c, k), axis=-1)
            return carry, carry

        # The carry [h, c] is also the per-step output (`kerasgen.backend.scan`
        # wants outputs shaped like the carry).
        zeros = ops.zeros_like(gates[:, 0, :, : 2 * units])
        _, rows = scan(step, zeros, ops.transpose(gates, (1, 0, 2, 3)))
        rows = rows[..., :units]
        return ops.transpose(rows, (1, 0, 2, 3))

    def get_config(self):
        return {**super().get_config(), "units": self.units, "color_channels": self.color_channels}
