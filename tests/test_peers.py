"""The peers that benchmarks/quality.py trains beside kerasgen are the models they claim to be."""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))

from peers.keras_io_pixelcnn import keras_io_pixelcnn, nll_nats  # noqa: E402


def test_the_keras_io_pixelcnn_is_autoregressive_in_raster_order():
    model = keras_io_pixelcnn((6, 6, 1), filters=8, residual_blocks=2)
    rng = np.random.default_rng(0)
    x = (rng.random((1, 6, 6, 1)) > 0.5).astype("float32")
    base = model.predict(x, verbose=0)[0, ..., 0].ravel()
    for k in (0, 7, 20, 35):
        flipped = x.copy()
        flipped.reshape(-1)[k] = 1.0 - flipped.reshape(-1)[k]
        out = model.predict(flipped, verbose=0)[0, ..., 0].ravel()
        # p(x_i | x_<i) for i <= k cannot see pixel k; some later pixel does.
        np.testing.assert_allclose(out[: k + 1], base[: k + 1], atol=1e-6)
        if k < 35:
            assert np.max(np.abs(out[k + 1:] - base[k + 1:])) > 1e-6, k


def test_its_nll_is_the_summed_cross_entropy():
    model = keras_io_pixelcnn((4, 4, 1), filters=8, residual_blocks=1)
    x = (np.random.default_rng(1).random((3, 4, 4, 1)) > 0.5).astype("float32")
    p = np.clip(model.predict(x, verbose=0).astype("float64"), 1e-7, 1 - 1e-7)
    expected = -np.mean(np.sum(np.where(x == 1, np.log(p), np.log(1 - p)), axis=(1, 2, 3)))
    assert abs(nll_nats(model, x) - expected) < 1e-6
