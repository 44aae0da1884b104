"""Autoencoder and DenoisingAutoencoder."""

import numpy as np
import pytest

import keras

from kerasgen.models import Autoencoder, DenoisingAutoencoder
from tests.helpers import run_model_contract

SHAPE = (8, 8, 1)


def test_autoencoder_keeps_the_contract_and_learns(digits, tmp_path):
    (x, _), _ = digits
    x = x[:1408]  # whole batches of 64: JAX compiles one train step
    ae = Autoencoder(image_shape=SHAPE, latent_dim=8, architecture="conv", likelihood="bernoulli", filters=(8, 16))
    ae.compile(optimizer=keras.optimizers.Adam(3e-3))
    result = run_model_contract(ae, x, outputs=lambda m: m.reconstruct(x[:4]), tmp_path=tmp_path, batch_size=64)
    recon = result["reconstructions"]
    assert 0 <= recon.min() and recon.max() <= 1  # a Bernoulli decoder gives pixel probabilities
    history = ae.fit(x, batch_size=64, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0], history.history["loss"]


@pytest.mark.parametrize("corruption,level", [("gaussian", 0.4), ("salt_and_pepper", 0.3), ("masking", 0.5)])
def test_denoising_autoencoder_beats_the_identity_on_corrupted_inputs(digits, tmp_path, corruption, level):
    (x, _), (x_test, _) = digits
    dae = DenoisingAutoencoder(corruption=corruption, noise_level=level, image_shape=SHAPE,
                               latent_dim=16, architecture="dense", likelihood="gaussian", hidden_dims=(128,))
    dae.compile(optimizer=keras.optimizers.Adam(3e-3))
    if corruption == "gaussian":  # the contract once; the corruption is one config value
        run_model_contract(dae, x, outputs=lambda m: m.reconstruct(x[:4]), tmp_path=tmp_path, batch_size=64)
    dae.fit(x, batch_size=64, epochs=25, verbose=0)
    noisy = dae.corrupt(x_test, seed=0)
    assert not np.allclose(noisy, x_test)
    identity_error = np.mean((noisy - x_test) ** 2)
    denoised_error = np.mean((dae.reconstruct(noisy) - x_test) ** 2)
    assert denoised_error < 0.7 * identity_error, (denoised_error, identity_error)


def test_corruptions_do_what_they_say(digits):
    (x, _), _ = digits
    x = x[:200]
    for corruption, level in [("masking", 0.3), ("salt_and_pepper", 0.3)]:
        dae = DenoisingAutoencoder(corruption=corruption, noise_level=level, image_shape=SHAPE,
                                   architecture="dense", hidden_dims=(16,))
        noisy = dae.corrupt(x, seed=1)
        changed = noisy != x
        if corruption == "masking":
            assert np.all(noisy[changed] == 0)
        else:
            assert set(np.unique(noisy[changed])) <= {0.0, 1.0}
        # Pixels strictly inside (0, 1) change whenever they are hit.
        inside = (x > 0) & (x < 1)
        assert np.mean(changed[inside]) == pytest.approx(level, abs=0.03)
        np.testing.assert_array_equal(dae.corrupt(x, seed=1), noisy)
    dae = DenoisingAutoencoder(corruption="gaussian", noise_level=0.2, image_shape=SHAPE,
                               architecture="dense", hidden_dims=(16,), likelihood="gaussian")
    residual = dae.corrupt(x, seed=2) - x
    assert residual.std() == pytest.approx(0.2, rel=0.05)


def test_autoencoder_has_no_sampler():
    ae = Autoencoder(image_shape=SHAPE, architecture="dense", hidden_dims=(16,))
    assert not hasattr(ae, "sample")


def test_custom_networks_are_used_and_checked():
    encoder = keras.Sequential([keras.Input(SHAPE), keras.layers.Flatten(), keras.layers.Dense(3)])
    decoder = keras.Sequential([keras.Input((3,)), keras.layers.Dense(64), keras.layers.Reshape(SHAPE)])
    ae = Autoencoder(image_shape=SHAPE, latent_dim=3, encoder=encoder, decoder=decoder)
    assert ae.encoder is encoder
    with pytest.raises(ValueError, match=r"encoder must map images \(8, 8, 1\) to 5 values; it returns shape \(3,\)"):
        Autoencoder(image_shape=SHAPE, latent_dim=5, encoder=encoder, decoder=decoder)
