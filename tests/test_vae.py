"""VAE, beta-VAE and conditional VAE: training, the ELBO's terms, IWAE, sampling, files."""

import numpy as np
import pytest

import keras

from kerasgen import losses
from kerasgen.models import VAE, ConditionalVAE
from tests.helpers import run_model_contract

SHAPE = (8, 8, 1)


def small_vae(**kwargs):
    kwargs.setdefault("image_shape", SHAPE)
    kwargs.setdefault("latent_dim", 4)
    kwargs.setdefault("hidden_dims", (64,))
    return VAE(**kwargs)


def test_bernoulli_vae_keeps_the_contract(binary_digits, tmp_path):
    (x, _), _ = binary_digits
    vae = small_vae(architecture="conv", filters=(8, 16))
    z = np.random.default_rng(0).normal(size=(4, 4)).astype("float32")
    result = run_model_contract(vae, x, outputs=lambda m: m.decode(z), tmp_path=tmp_path)
    assert set(result["history"].history) == {"loss", "reconstruction", "kl"}
    assert 0 <= result["samples"].min() and result["samples"].max() <= 1


def test_gaussian_vae_learns_its_scale(digits, tmp_path):
    (x, _), _ = digits
    x = x[:1408]  # whole batches of 64: JAX compiles one train step
    vae = small_vae(likelihood="gaussian", gaussian_std="learned", architecture="dense")
    vae.compile(optimizer=keras.optimizers.Adam(3e-3))
    run_model_contract(vae, x, outputs=lambda m: m.reconstruct(x[:4]), tmp_path=tmp_path, batch_size=64)
    vae.fit(x, batch_size=64, epochs=3, verbose=0)
    # The shared scale moves from its initial 1 towards the residual spread.
    assert float(np.exp(keras.ops.convert_to_numpy(vae.log_scale))[0]) < 0.9


def test_conditional_vae_keeps_the_contract_and_decodes_by_class(digits, tmp_path):
    (x, y), _ = digits
    cvae = ConditionalVAE(num_classes=10, image_shape=SHAPE, latent_dim=4, architecture="dense",
                          hidden_dims=(64,), likelihood="gaussian")
    cvae.compile(optimizer=keras.optimizers.Adam(3e-3))
    z = np.zeros((10, 4), "float32")
    run_model_contract(cvae, x, y, outputs=lambda m: m.decode(z, labels=np.arange(10)), tmp_path=tmp_path,
                       batch_size=64, num_checked=10)
    cvae.fit(x, y, batch_size=64, epochs=8, verbose=0)
    # The decoder uses the label: at z = 0, class means differ and match their class best.
    decoded = cvae.decode(z, labels=np.arange(10))
    class_means = np.stack([x[y == k].mean(axis=0) for k in range(10)])
    distances = ((decoded[:, None] - class_means[None]) ** 2).sum(axis=(2, 3, 4))
    assert (distances.argmin(axis=1) == np.arange(10)).mean() >= 0.7
    assert cvae.sample(3, labels=2, seed=0).shape == (3,) + SHAPE


def test_kl_term_equals_closed_form_from_the_encoder(binary_digits):
    (x, _), _ = binary_digits
    vae = small_vae(architecture="dense")
    vae.compile(optimizer="adam")
    batch = x[:32]
    mean, log_var = (keras.ops.convert_to_numpy(t) for t in vae.posterior(keras.ops.convert_to_tensor(batch)))
    expected = np.mean(0.5 * np.sum(mean**2 + np.exp(log_var) - 1 - log_var, axis=-1))
    logged = vae.evaluate(batch, batch_size=32, verbose=0, return_dict=True)
    np.testing.assert_allclose(logged["kl"], expected, rtol=1e-5)
    np.testing.assert_allclose(logged["loss"], logged["reconstruction"] + logged["kl"], rtol=1e-5)


def test_beta_weights_the_kl_term_and_warmup_counts_steps(binary_digits):
    (x, _), _ = binary_digits
    vae = small_vae(architecture="dense", beta=4.0, kl_warmup_steps=10)
    vae.compile(optimizer="adam")
    vae.fit(x[:256], batch_size=64, epochs=2, verbose=0)
    assert float(keras.ops.convert_to_numpy(vae.training_steps)) == 8.0
    logged = vae.evaluate(x[:64], batch_size=64, verbose=0, return_dict=True)
    np.testing.assert_allclose(logged["loss"], logged["reconstruction"] + 4.0 * logged["kl"], rtol=1e-5)


@pytest.fixture(scope="module")
def trained_vae(binary_digits):
    keras.utils.set_random_seed(3)
    (x, _), _ = binary_digits
    vae = small_vae(architecture="dense", latent_dim=4, hidden_dims=(128,))
    vae.compile(optimizer=keras.optimizers.Adam(3e-3))
    vae.fit(x, batch_size=64, epochs=30, verbose=0)
    return vae


def test_iwae_bound_is_above_the_elbo_and_grows_with_k(trained_vae, binary_digits):
    _, (x_test, _) = binary_digits
    ll = {k: trained_vae.log_prob(x_test, num_samples=k, seed=11).mean() for k in (1, 8, 128)}
    elbo = -trained_vae.evaluate(x_test, batch_size=len(x_test), verbose=0, return_dict=True)["loss"]
    # K = 1 is a one-sample ELBO estimate: it matches the logged ELBO up to noise.
    assert ll[1] == pytest.approx(elbo, abs=1.0)
    assert ll[1] < ll[8] < ll[128]
    # The gain is real, not noise: across seeds the K = 1 mean moves by ~0.05 nats.
    assert ll[128] - ll[1] > 0.2
    report = trained_vae.evaluate_nll(x_test, num_samples=128, seed=11)
    assert report["nll_nats"] == pytest.approx(-ll[128], rel=1e-6)
    assert report["bits_per_dim"] == pytest.approx(losses.bits_per_dim(-ll[128], 64), rel=1e-6)
    # Well below a uniform model of 64 binary pixels.
    assert report["nll_nats"] < 64 * np.log(2)


def test_seeded_nll_is_repeatable(trained_vae, binary_digits):
    _, (x_test, _) = binary_digits
    a = trained_vae.log_prob(x_test[:20], num_samples=5, seed=3)
    b = trained_vae.log_prob(x_test[:20], num_samples=5, seed=3)
    np.testing.assert_array_equal(a, b)


def test_sampling_interpolation_and_traversal(trained_vae, binary_digits):
    (x, _), _ = binary_digits
    a, b = trained_vae.sample(6, seed=5), trained_vae.sample(6, seed=5)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (6,) + SHAPE and 0 <= a.min() and a.max() <= 1
    binary = trained_vae.sample(6, seed=5, mean=False)
    assert set(np.unique(binary)) <= {0.0, 1.0}

    path = trained_vae.interpolate(x[0], x[1], steps=5)
    assert path.shape == (5,) + SHAPE
    ends = trained_vae.reconstruct(x[:2])
    np.testing.assert_allclose(path[0], ends[0], atol=1e-5)
    np.testing.assert_allclose(path[-1], ends[1], atol=1e-5)
    assert trained_vae.interpolate(x[:3], x[3:6], steps=4, method="slerp").shape == (3, 4) + SHAPE

    values = [-2.0, 0.0, 2.0]
    frames = trained_vae.traverse(x[0], dim=1, values=values)
    assert frames.shape == (3,) + SHAPE
    z = trained_vae.encode(x[:1])
    for value, frame in zip(values, frames):
        code = z.copy()
        code[0, 1] = value
        np.testing.assert_allclose(frame, trained_vae.decode(code)[0], atol=1e-5)


def test_a_global_seed_repeats_vae_training(binary_digits):
    (x, _), _ = binary_digits

    def run():
        keras.utils.set_random_seed(21)
        vae = small_vae(architecture="dense")
        vae.compile(optimizer="adam")
        history = vae.fit(x[:256], batch_size=64, epochs=2, verbose=0)
        return history.history["loss"], vae.encode(x[:4])

    (loss_1, z_1), (loss_2, z_2) = run(), run()
    assert loss_1 == loss_2
    np.testing.assert_array_equal(z_1, z_2)


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"])
def test_mixed_precision_keeps_the_losses_in_float32(binary_digits, policy):
    (x, _), _ = binary_digits
    keras.config.set_dtype_policy(policy)
    vae = small_vae(architecture="dense")
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    assert vae.encoder.layers[1].compute_dtype == policy.split("_")[1]
    history = vae.fit(x[:256], batch_size=64, epochs=2, verbose=0)
    assert all(np.isfinite(history.history["loss"]))
    assert history.history["loss"][-1] < history.history["loss"][0]
    logits = vae.decoder(keras.ops.zeros((2, 4)))
    assert keras.backend.standardize_dtype(logits.dtype) == policy.split("_")[1]
    assert keras.backend.standardize_dtype(
        losses.bernoulli_log_prob(keras.ops.zeros((2,) + SHAPE), keras.ops.reshape(logits, (2,) + SHAPE)).dtype
    ) == "float32"


def test_fit_accepts_tf_data_and_py_dataset(binary_digits):
    from kerasgen.data import pipeline

    (x, _), _ = binary_digits
    vae = small_vae(architecture="dense")
    vae.compile(optimizer="adam")
    vae.fit(pipeline(x, scale=None, batch_size=64, seed=0), epochs=1, verbose=0)

    class Batches(keras.utils.PyDataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return x[i * 64:(i + 1) * 64]

    history = vae.fit(Batches(), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


@pytest.mark.parametrize("image_shape,filters", [((28, 28, 1), (32, 64)), ((32, 32, 3), (32, 64, 128))])
def test_default_architectures_for_mnist_and_cifar_shapes(image_shape, filters):
    vae = VAE(image_shape=image_shape)
    strided = [l for l in vae.encoder.layers if isinstance(l, keras.layers.Conv2D)]
    assert [l.filters for l in strided] == list(filters)
    assert vae.decoder.output.shape[1:] == image_shape
    x = np.random.default_rng(0).random((32,) + image_shape).astype("float32")
    vae.compile(optimizer="adam")
    history = vae.fit(x, batch_size=16, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert vae.sample(2, seed=0).shape == (2,) + image_shape


def test_eager_and_compiled_steps_agree(binary_digits):
    (x, _), _ = binary_digits
    results = []
    for run_eagerly in (False, True):
        keras.utils.set_random_seed(5)
        vae = small_vae(architecture="dense")
        vae.compile(optimizer=keras.optimizers.SGD(0.01), run_eagerly=run_eagerly)
        vae.fit(x[:128], batch_size=64, epochs=1, shuffle=False, verbose=0)
        results.append(vae.encode(x[:8]))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-4, atol=1e-5)


def test_nll_of_non_binary_data_under_a_bernoulli_decoder_warns(trained_vae, digits):
    _, (x_test, _) = digits
    with pytest.warns(UserWarning, match="x is not binary"):
        trained_vae.evaluate_nll(x_test[:8], num_samples=2, seed=0)


def test_latent_arithmetic_on_vae_codes(trained_vae, binary_digits):
    (x, y), _ = binary_digits
    a, b, c = x[y == 1][:20], x[y == 7][:20], x[y == 4][:20]
    z = trained_vae.encode(a).mean(0) - trained_vae.encode(b).mean(0) + trained_vae.encode(c).mean(0)
    np.testing.assert_allclose(trained_vae.latent_arithmetic([a, c], [b]), trained_vae.decode(z[None])[0], atol=1e-5)
