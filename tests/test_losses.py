import math

import numpy as np
import pytest
from keras import ops

from kerasgen import losses


def test_gaussian_kl_matches_numpy_closed_form():
    rng = np.random.default_rng(0)
    mean = rng.normal(size=(5, 7)).astype("float32")
    log_var = rng.normal(scale=0.5, size=(5, 7)).astype("float32")
    expected = 0.5 * np.sum(mean**2 + np.exp(log_var) - 1.0 - log_var, axis=-1)
    got = ops.convert_to_numpy(losses.gaussian_kl(mean, log_var))
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    assert np.all(ops.convert_to_numpy(losses.gaussian_kl(np.zeros((2, 3)), np.zeros((2, 3)))) == 0)


def test_bernoulli_log_prob_matches_numpy():
    rng = np.random.default_rng(1)
    logits = rng.normal(scale=3, size=(4, 3, 3, 1)).astype("float32")
    x = (rng.random((4, 3, 3, 1)) < 0.5).astype("float32")
    p = 1 / (1 + np.exp(-logits.astype("float64")))
    expected = np.sum(x * np.log(p) + (1 - x) * np.log1p(-p), axis=(1, 2, 3))
    np.testing.assert_allclose(ops.convert_to_numpy(losses.bernoulli_log_prob(x, logits)), expected, rtol=1e-5)
    # Stable far into the tails, where log(sigmoid) would give -inf.
    far = ops.convert_to_numpy(losses.bernoulli_log_prob(np.ones((1, 1)), np.full((1, 1), -200.0)))
    np.testing.assert_allclose(far, [-200.0], rtol=1e-6)


def test_gaussian_and_normal_log_probs_match_numpy():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 4)).astype("float32")
    mean = rng.normal(size=(3, 4)).astype("float32")
    log_scale = np.float32(-0.7)
    sigma = math.exp(log_scale)
    expected = np.sum(-0.5 * ((x - mean) / sigma) ** 2 - log_scale - 0.5 * math.log(2 * math.pi), axis=-1)
    np.testing.assert_allclose(ops.convert_to_numpy(losses.gaussian_log_prob(x, mean, log_scale)), expected, rtol=1e-5)
    np.testing.assert_allclose(
        ops.convert_to_numpy(losses.standard_normal_log_prob(x)),
        np.sum(-0.5 * x**2 - 0.5 * math.log(2 * math.pi), axis=-1), rtol=1e-5)
    log_var = rng.normal(size=(3, 4)).astype("float32")
    np.testing.assert_allclose(
        ops.convert_to_numpy(losses.diagonal_normal_log_prob(x, mean, log_var)),
        np.sum(-0.5 * ((x - mean) ** 2 / np.exp(log_var) + log_var + math.log(2 * math.pi)), axis=-1),
        rtol=1e-5)


def test_bits_per_dim():
    assert losses.bits_per_dim(784 * math.log(2), 784) == pytest.approx(1.0)
    # A density on [0, 1]-scaled 8-bit data: uniform there is 8 bits per dimension.
    assert losses.bits_per_dim(0.0, 10, data_scale=256) == pytest.approx(8.0)
    with pytest.raises(ValueError, match="num_dims must be a positive integer; got 0"):
        losses.bits_per_dim(1.0, 0)
