"""VectorQuantizer and VQVAE: straight-through gradients, EMA codebook, training, prior, sampling."""

import numpy as np
import pytest

import keras
from keras import ops

import kerasgen
from kerasgen.backend import input_gradient
from kerasgen.layers import VectorQuantizer
from kerasgen.models import VQVAE
from tests.helpers import run_model_contract


def test_quantizer_picks_the_nearest_code_and_passes_gradients_straight_through():
    vq = VectorQuantizer(num_codes=4, code_dim=2, seed=0)
    codebook = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], "float32")
    vq.codebook.assign(codebook)
    z = np.array([[[0.1, -0.1], [0.9, 0.2]], [[0.2, 0.8], [0.7, 0.6]]], "float32")  # (2, 2, 2)
    out = vq.quantize_codes(z)
    np.testing.assert_array_equal(ops.convert_to_numpy(out["indices"]), [[0, 1], [2, 3]])
    np.testing.assert_allclose(ops.convert_to_numpy(out["quantized"]), codebook[[[0, 1], [2, 3]]], atol=1e-6)
    # d/dz sum(w * quantized) = w: the identity, straight through the argmin.
    w = np.random.default_rng(0).normal(size=z.shape).astype("float32")
    w_tensor = ops.convert_to_tensor(w)
    grad = input_gradient(lambda t: vq.quantize_codes(t)["quantized"] * w_tensor, ops.convert_to_tensor(z))
    np.testing.assert_allclose(ops.convert_to_numpy(grad), w, rtol=1e-6)
    # Commitment: mean over vectors of the squared distance to its code.
    expected = np.mean(np.sum((z.reshape(-1, 2) - codebook[[0, 1, 2, 3]]) ** 2, axis=1))
    assert float(ops.convert_to_numpy(out["commitment_loss"])) == pytest.approx(expected, rel=1e-5)
    assert float(ops.convert_to_numpy(out["perplexity"])) == pytest.approx(4.0, rel=1e-4)


def test_ema_codebook_moves_toward_the_assigned_encoder_outputs():
    vq = VectorQuantizer(num_codes=2, code_dim=2, ema=True, decay=0.5, seed=0)
    vq.codebook.assign(np.array([[0, 0], [5, 5]], "float32"))
    vq.embed_sum.assign(np.array([[0, 0], [5, 5]], "float32") * 1.0)
    z = np.array([[1.0, 1.0], [1.2, 0.8], [4.0, 4.0]], "float32")
    before = ops.convert_to_numpy(vq.codebook).copy()
    for _ in range(20):
        vq.quantize_codes(z, training=True)
    after = ops.convert_to_numpy(vq.codebook)
    targets = np.array([[1.1, 0.9], [4.0, 4.0]])
    assert np.all(np.linalg.norm(after - targets, axis=1) < 0.05 * np.linalg.norm(before - targets, axis=1))
    assert not vq.codebook.trainable


def test_dead_codes_restart_at_encoder_outputs():
    vq = VectorQuantizer(num_codes=4, code_dim=2, ema=True, decay=0.5, dead_code_threshold=0.1, seed=0)
    vq.codebook.assign(np.array([[0, 0], [100, 100], [-100, 100], [100, -100]], "float32"))
    vq.embed_sum.assign(ops.convert_to_numpy(vq.codebook).copy())
    z = np.random.default_rng(0).normal(size=(64, 2)).astype("float32")
    for _ in range(6):
        vq.quantize_codes(z, training=True)
    codes = ops.convert_to_numpy(vq.codebook)
    assert np.all(np.abs(codes) < 10), codes  # all four moved into the data
    usage = ops.convert_to_numpy(vq.quantize_codes(z)["usage"])
    assert usage > 0.25


def test_quantizer_bad_inputs():
    with pytest.raises(ValueError, match="num_codes must be an integer >= 2"):
        VectorQuantizer(num_codes=1, code_dim=2)
    with pytest.raises(ValueError, match="pass ema=True"):
        VectorQuantizer(num_codes=4, code_dim=2, dead_code_threshold=0.5)
    vq = VectorQuantizer(num_codes=4, code_dim=3)
    with pytest.raises(ValueError, match="code_dim=3 features on the last axis; got shape"):
        vq.quantize_codes(np.zeros((2, 4), "float32"))


def vqvae_outputs(x):
    """model -> its reconstructions of x and, once it has a prior, the prior's log-probabilities of their codes."""
    def outputs(model):
        out = [model.reconstruct(x).ravel()]
        if model.prior is not None:
            codes = model.encode(x)[..., None].astype("float32")
            out.append(ops.convert_to_numpy(model.prior.log_prob_pixels(codes)).ravel())
        return np.concatenate(out)
    return outputs


# The EMA codebook (the default, which every other VQ-VAE test trains) learns in scripts/verify.sh; the
# gradient codebook here.
@pytest.mark.parametrize("ema", [pytest.param(True, marks=pytest.mark.verify), False])
def test_vqvae_trains_with_codebook_perplexity_above_one(ema, binary_digits, digits_classifier, tmp_path):
    (x_train, _), (x_test, y_test) = binary_digits
    vq = VQVAE(image_shape=(8, 8, 1), num_codes=16, code_dim=8, filters=(16,), ema=ema, seed=0)
    vq.compile(optimizer=keras.optimizers.Adam(3e-3))
    before = vq.evaluate(x_test, batch_size=len(x_test), verbose=0, return_dict=True)
    if not ema:  # the contract without a prior; with one, below
        run_model_contract(vq, x_train, outputs=vqvae_outputs(x_test[:8]), tmp_path=tmp_path, batch_size=128,
                           num_checked=8)
    history = vq.fit(x_train, batch_size=128, epochs=4, verbose=0)
    after = vq.evaluate(x_test, batch_size=len(x_test), verbose=0, return_dict=True)
    assert after["reconstruction"] < 0.8 * before["reconstruction"], (before, after)
    assert history.history["perplexity"][-1] > 1.5
    codes = vq.encode(x_test[:32])
    assert codes.shape == (32, 4, 4) and codes.min() >= 0 and codes.max() < 16
    assert len(np.unique(codes)) > 1
    recon = vq.reconstruct(x_test[:32])
    assert recon.shape == x_test[:32].shape
    if not ema:
        return  # the second stage is the same for both codebooks

    vq.fit_prior(x_train, epochs=2, batch_size=128, filters=8, num_layers=2, kernel_size=3, verbose=0)
    samples = run_model_contract(vq, x_train, outputs=vqvae_outputs(x_test[:8]), tmp_path=tmp_path,
                                 batch_size=128, num_checked=8)["samples"]
    assert np.all((samples >= 0) & (samples <= 1))
    result = kerasgen.evaluate(vq, x_test, y_test, classifier=digits_classifier, num_samples=64,
                               metrics=["reconstruction", "probe", "sample_quality"])
    assert result["probe_accuracy"] > 0.5 and result["probe_feature_dim"] == 4 * 4 * 8
    assert sum(result["class_histogram"]) == 64 and result["classifier_fid"] > 0


def test_vqvae_bad_inputs():
    vq = VQVAE(image_shape=(8, 8, 1), num_codes=8, code_dim=4, filters=(8,))
    with pytest.raises(ValueError, match="no prior yet"):
        vq.sample(2)
    with pytest.raises(ValueError, match=r"indices must lie in \[0, 8\)"):
        vq.decode(np.full((1, 4, 4), 8))
    with pytest.raises(ValueError, match=r"indices must have shape \(N, 4, 4\)"):
        vq.decode(np.zeros((1, 3, 4), int))
    with pytest.raises(ValueError, match=r"outside \[0, 1\]"):
        vq.encode(np.full((1, 8, 8, 1), 3.0))
    with pytest.raises(ValueError, match="divisible by 8"):
        VQVAE(image_shape=(12, 12, 1), filters=(8, 8, 8))
