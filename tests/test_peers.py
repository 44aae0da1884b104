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


def test_the_keras_io_vae_bound_is_the_importance_weighted_bound():
    import keras

    from peers.keras_io_vae import iwae_nll_nats, keras_io_vae_networks

    keras.utils.set_random_seed(0)
    encoder, decoder = keras_io_vae_networks((8, 8, 1), latent_dim=2)
    x = (np.random.default_rng(2).random((6, 8, 8, 1)) > 0.5).astype("float32")
    # K = 1: the negative ELBO with one draw, computed here from the same draw.
    stats = encoder.predict(x, verbose=0).astype("float64")
    mean, log_var = stats[:, :2], stats[:, 2:]
    eps = np.random.default_rng(0).standard_normal((1, 6, 2))[0]
    z = mean + np.exp(0.5 * log_var) * eps
    logits = decoder.predict(z.astype("float32"), verbose=0).astype("float64")
    log_px = -np.sum(np.logaddexp(0, logits) - x * logits, axis=(1, 2, 3))
    kl_sample = -0.5 * np.sum(z ** 2, -1) + 0.5 * np.sum(eps ** 2 + log_var, -1)  # log p(z) - log q(z | x)
    assert abs(iwae_nll_nats(encoder, decoder, 2, x, 1, seed=0) - np.mean(-(log_px + kl_sample))) < 1e-3
    # K draws: -log of the mean of the K importance weights (here all K = 3 draws of one seed by hand).
    eps = np.random.default_rng(1).standard_normal((3, 6, 2))
    z = mean + np.exp(0.5 * log_var) * eps
    logits = decoder.predict(z.reshape(-1, 2).astype("float32"), verbose=0).astype("float64").reshape(3, 6, 8, 8, 1)
    log_w = (-np.sum(np.logaddexp(0, logits) - x * logits, axis=(2, 3, 4))
             - 0.5 * np.sum(z ** 2, -1) + 0.5 * np.sum(eps ** 2 + log_var, -1))
    expected = np.mean(-(np.log(np.mean(np.exp(log_w - log_w.max(0)), 0)) + log_w.max(0)))
    assert abs(iwae_nll_nats(encoder, decoder, 2, x, 3, seed=1) - expected) < 1e-3


def test_the_keras_io_gans_make_fashion_mnist_shapes_in_their_scale():
    from peers.keras_io_cgan import KerasIOConditionalGAN, keras_io_cgan_networks
    from peers.keras_io_dcgan import keras_io_dcgan_networks

    d, g = keras_io_dcgan_networks()
    images = g.predict(np.zeros((2, 128), "float32"), verbose=0)
    assert images.shape == (2, 28, 28, 1) and images.min() >= 0 and images.max() <= 1
    assert d.predict(images, verbose=0).shape == (2, 1)
    cgan = KerasIOConditionalGAN(*keras_io_cgan_networks())
    samples = cgan.sample(np.array([0, 3, 9]), seed=0)
    assert samples.shape == (3, 28, 28, 1) and samples.min() >= 0 and samples.max() <= 1


def test_the_quality_report_sets_the_plain_pixelcnn_preset_beside_the_peer_from_its_metadata():
    import json

    import quality

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(root, "zoo", "pixelcnn_fashion_mnist", "metadata.json")) as f:
        meta = json.load(f)
    epochs, value = meta["recipe"]["train"]["epochs"], meta["headline"]["value"]
    head = meta["recipe"]["headline"]
    worse_peer = quality._also_verdicts("pixelcnn", {"headline": head}, {str(epochs): {"nll_nats": value + 1}}, {})
    better_peer = quality._also_verdicts("pixelcnn", {"headline": head}, {str(epochs): {"nll_nats": value - 1}}, {})
    assert len(worse_peer) == 1 and "`pixelcnn_fashion_mnist`" in worse_peer[0] and ": beats the peer" in worse_peer[0]
    assert ": does not beat the peer" in better_peer[0] and f"{value:.4g} vs {value - 1:.4g}" in better_peer[0]
    # a budget the peer was not measured at is said, not compared
    assert "not compared" in quality._also_verdicts("pixelcnn", {"headline": head}, {"99": {}}, {})[0]
