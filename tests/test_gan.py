"""The GAN family: alternation, losses, penalties, conditioning, state, files, errors."""

import numpy as np
import pytest

import keras
from keras import ops

from kerasgen import losses
from kerasgen.backend import input_gradient
from kerasgen.data import gaussian_mixture_ring, ring_centers
from kerasgen.metrics import mode_coverage
from kerasgen.models import DCGAN, GAN, WGANGP, ConditionalGAN
from tests.helpers import run_model_contract


def numpy_of(variable):
    return np.array(ops.convert_to_numpy(variable))


def fit_and_check(model, x, y=None, epochs=2, batch_size=32):
    """Fits briefly: logs finite, both networks moved, each optimizer stepped as often as it should."""
    if not model.compiled:
        model.compile()
    g_before = [numpy_of(v) for v in model.generator.trainable_variables]
    d_before = [numpy_of(v) for v in model.discriminator.trainable_variables]
    g_steps, d_steps = (int(numpy_of(model.optimizer[name].iterations)) for name in ("generator", "discriminator"))
    history = model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0)
    for name in model.loss_names:
        assert np.all(np.isfinite(history.history[name])), (name, history.history[name])
    assert any(not np.allclose(a, numpy_of(b)) for a, b in zip(g_before, model.generator.trainable_variables))
    assert any(not np.allclose(a, numpy_of(b)) for a, b in zip(d_before, model.discriminator.trainable_variables))
    steps = int(np.ceil(len(x) / batch_size)) * epochs
    assert int(numpy_of(model.optimizer["generator"].iterations)) == g_steps + steps
    assert int(numpy_of(model.optimizer["discriminator"].iterations)) == d_steps + steps * model.discriminator_steps
    return history


def contract(model, x, y=None, tmp_path=None, batch_size=32):
    """`run_model_contract` with G(z) for fixed latents as the outputs that must survive saving."""
    z = np.random.default_rng(0).normal(size=(4, model.latent_dim)).astype("float32")
    labels = None if y is None else np.arange(4) % model.num_classes
    model.compile()
    return run_model_contract(model, x, y, outputs=lambda m: m.generate(z, labels), tmp_path=tmp_path,
                              batch_size=batch_size)


def test_gan_on_vectors(tmp_path):
    x, _ = gaussian_mixture_ring(256, seed=0)
    gan = GAN(image_shape=(2,), latent_dim=4, hidden_dims=(16, 16), discriminator_steps=2)
    result = contract(gan, x, tmp_path=tmp_path)
    assert set(result["history"].history) == {"loss", "d_loss", "g_loss", "d_real", "d_fake"}
    assert result["samples"].shape == (4, 2)
    fit_and_check(gan, x)


@pytest.mark.parametrize("loss", ["minimax", "hinge", "least_squares"])
def test_every_loss_trains(loss):
    x, _ = gaussian_mixture_ring(128, seed=0)
    fit_and_check(GAN(image_shape=(2,), latent_dim=4, hidden_dims=(8,), loss=loss), x, epochs=1)


def test_dcgan_with_batch_norm_and_spectral_norm(tmp_path):
    x = np.random.default_rng(0).uniform(-1, 1, (64, 28, 28, 1)).astype("float32")
    dcgan = DCGAN(latent_dim=8, base_filters=4, spectral_norm=True)
    sn = [l for l in dcgan.discriminator.layers if type(l).__name__ == "SpectralNormalization"]
    bn = [l for l in dcgan.generator.layers if isinstance(l, keras.layers.BatchNormalization)]
    assert sn and bn and not any(isinstance(l, keras.layers.BatchNormalization) for l in dcgan.discriminator.layers)
    u_before = [numpy_of(l.u) for l in sn]
    mean_before = [numpy_of(l.moving_mean) for l in bn]
    contract(dcgan, x, tmp_path=tmp_path)
    fit_and_check(dcgan, x, epochs=1)
    # Non-trainable state moved during training, on every backend.
    assert all(not np.allclose(a, numpy_of(l.u)) for a, l in zip(u_before, sn))
    assert all(not np.allclose(a, numpy_of(l.moving_mean)) for a, l in zip(mean_before, bn))


@pytest.mark.parametrize("shape", [(32, 32, 3), (64, 64, 3)])
def test_dcgan_architectures_for_larger_images(shape):
    dcgan = DCGAN(image_shape=shape, latent_dim=8, base_filters=4)
    assert dcgan.sample(2, seed=0).shape == (2,) + shape
    convs = [l for l in dcgan.discriminator.layers if isinstance(l, keras.layers.Conv2D)]
    assert len(convs) == int(np.log2(shape[0] // 4))
    assert not any(isinstance(l, (keras.layers.MaxPooling2D, keras.layers.AveragePooling2D))
                   for l in dcgan.discriminator.layers + dcgan.generator.layers)


def test_resize_upsampling_generator_trains_saves_and_has_no_checkerboard(tmp_path):
    x = np.random.default_rng(0).uniform(-1, 1, (64, 28, 28, 1)).astype("float32")
    dcgan = DCGAN(latent_dim=8, base_filters=4, upsampling="resize")
    kinds = {type(l).__name__ for l in dcgan.generator.layers}
    assert "UpSampling2D" in kinds and "Conv2DTranspose" not in kinds
    result = contract(dcgan, x, tmp_path=tmp_path)
    assert result["samples"].shape == (4, 28, 28, 1)
    assert dcgan.get_config()["upsampling"] == "resize"
    cgan = ConditionalGAN(num_classes=3, image_shape=(32, 32, 3), architecture="dcgan", latent_dim=4,
                          base_filters=4, upsampling="resize")
    assert cgan.sample(2, labels=1, seed=0).shape == (2, 32, 32, 3)
    # The property that motivates the option (Odena et al. 2016): a constant
    # feature map stays constant away from the border under resize + conv,
    # while a strided transposed convolution's kernel positions alternate
    # from pixel to pixel (the checkerboard).
    from kerasgen.models.gan import networks

    constant = np.ones((1, 7, 7, 4), "float32")
    for upsampling, flat in (("resize", True), ("transpose", False)):
        keras.utils.set_random_seed(0)
        inputs = keras.Input((7, 7, 4))
        up = keras.Model(inputs, networks._upsample(inputs, 2, upsampling))
        inner = ops.convert_to_numpy(up(constant))[0, 2:-2, 2:-2]
        assert inner.shape == (10, 10, 2)
        assert np.allclose(inner, inner[0, 0], atol=1e-5) == flat, upsampling
    with pytest.raises(ValueError, match=r"upsampling must be one of \('transpose', 'resize'\); got 'bilinear'"):
        DCGAN(upsampling="bilinear")


def test_wgan_gp_trains_and_logs_the_penalty(tmp_path):
    x, _ = gaussian_mixture_ring(256, seed=0)
    wgan = WGANGP(image_shape=(2,), latent_dim=4, hidden_dims=(16, 16), discriminator_steps=3)
    contract(wgan, x, tmp_path=tmp_path)
    history = fit_and_check(wgan, x)
    assert wgan.discriminator_steps == 3
    assert np.all(np.array(history.history["gradient_penalty"]) >= 0)


def test_gradient_penalty_equals_hand_computation():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(6, 3)).astype("float32")
    fake = rng.normal(size=(6, 3)).astype("float32")
    alpha = rng.random(6).astype("float32")
    w = np.array([0.3, -1.2, 2.0], "float32")
    # Linear critic: the gradient is w everywhere.
    gp = losses.gradient_penalty(lambda t: ops.matmul(t, ops.convert_to_tensor(w[:, None])) + 0.7,
                                 real, fake, alpha)
    np.testing.assert_allclose(float(ops.convert_to_numpy(gp)), (np.linalg.norm(w) - 1) ** 2, rtol=1e-5)
    # Quadratic critic sum(a x^2): the gradient is 2 a x_hat.
    a = np.array([0.5, 1.0, -2.0], "float32")
    gp = losses.gradient_penalty(lambda t: ops.sum(ops.convert_to_tensor(a) * t * t, axis=-1), real, fake, alpha)
    mixed = alpha[:, None] * real + (1 - alpha[:, None]) * fake
    expected = np.mean((np.linalg.norm(2 * a * mixed, axis=-1) - 1) ** 2)
    np.testing.assert_allclose(float(ops.convert_to_numpy(gp)), expected, rtol=1e-5)


def test_wgan_gp_penalty_on_a_linear_critic_inside_the_model():
    w = np.array([[0.6], [2.0]], "float32")
    critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    critic.layers[0].set_weights([w, np.zeros(1, "float32")])
    generator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
    wgan = WGANGP(image_shape=(2,), latent_dim=2, generator=generator, discriminator=critic)
    wgan.compile()
    x, _ = gaussian_mixture_ring(64, seed=0)
    logs = wgan.evaluate(x, batch_size=64, verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["gradient_penalty"], (np.linalg.norm(w) - 1) ** 2, rtol=1e-5)
    np.testing.assert_allclose(logs["d_loss"], logs["d_fake"] - logs["d_real"] + 10 * logs["gradient_penalty"], rtol=1e-5)


def test_frozen_generator_discriminator_approaches_the_optimum():
    # p_data = N(0, 1), p_g = N(2, 1) (G(z) = z + 2, frozen): D*(x) = sigmoid(2 - 2x).
    keras.utils.set_random_seed(0)
    generator = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    generator.layers[0].set_weights([np.ones((1, 1), "float32"), np.full((1,), 2.0, "float32")])
    generator.trainable = False
    discriminator = keras.Sequential([keras.Input((1,)), keras.layers.Dense(32, activation="tanh"),
                                      keras.layers.Dense(1)])
    gan = GAN(image_shape=(1,), latent_dim=1, generator=generator, discriminator=discriminator)
    gan.compile(d_optimizer=keras.optimizers.Adam(3e-3))
    x = np.random.default_rng(1).normal(size=(8192, 1)).astype("float32")
    gan.fit(x, batch_size=256, epochs=12, verbose=0)
    np.testing.assert_array_equal(numpy_of(generator.layers[0].bias), [2.0])  # G never moved
    points = np.array([[-1.0], [0.0], [0.5], [1.0], [1.5], [2.0], [3.0]], "float32")
    d = 1 / (1 + np.exp(-ops.convert_to_numpy(gan.discriminator(points))[:, 0]))
    optimum = 1 / (1 + np.exp(-(2 - 2 * points[:, 0])))
    np.testing.assert_allclose(d, optimum, atol=0.06)


def test_minimax_generator_loss_saturates_where_non_saturating_does_not():
    # The discriminator confidently rejects the fakes: D(G(z)) ~ sigmoid(-6) ~ 0.0025.
    discriminator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    discriminator.layers[0].set_weights([np.full((2, 1), 0.1, "float32"), np.full((1,), -6.0, "float32")])
    fake = ops.convert_to_tensor(np.random.default_rng(0).normal(size=(16, 2)).astype("float32"))
    norms = {}
    for name in ("minimax", "non_saturating"):
        grad = input_gradient(lambda t, n=name: losses.generator_loss(n, discriminator(t)), fake)
        norms[name] = float(np.linalg.norm(ops.convert_to_numpy(grad)))
    assert norms["minimax"] < 0.01 * norms["non_saturating"], norms


@pytest.fixture(scope="module")
def ring_gan():
    # Adam with beta_1 = 0 settles on this toy in ~6 epochs on every backend
    # (seeds 2-4 all reached 5-8 modes by epoch 10); beta_1 = 0.5 hopped
    # between single modes on some seeds.
    keras.utils.set_random_seed(2)
    x, _ = gaussian_mixture_ring(32768, std=0.05, seed=0)
    gan = GAN(image_shape=(2,), latent_dim=8, hidden_dims=(128, 128))
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.0),
                g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.0))
    gan.fit(x, batch_size=256, epochs=10, verbose=0)  # 1,280 steps
    return gan


@pytest.fixture(scope="module")
def untrained_ring_gan():
    """The ring GAN's networks, untrained: the latent-space arithmetic below holds for any weights."""
    keras.utils.set_random_seed(2)
    return GAN(image_shape=(2,), latent_dim=8, hidden_dims=(128, 128))


# A slow quality check (1,280 steps): scripts/verify.sh runs it.
@pytest.mark.verify
def test_short_training_on_eight_gaussians_covers_several_modes(ring_gan):
    samples = ring_gan.sample(2000, seed=0)
    report = mode_coverage(samples, ring_centers(8, 2.0), std=0.05)  # 3 std, 1% of samples
    assert report["modes_covered"] >= 4, report


def test_latent_interpolation_runs_between_the_ends(untrained_ring_gan):
    gan = untrained_ring_gan
    z = gan.latents(2, seed=3)
    for method in ("linear", "slerp"):
        path = gan.interpolate(z[0], z[1], steps=5, method=method)
        assert path.shape == (5, 2)
        np.testing.assert_allclose(path[0], gan.generate(z[:1])[0], atol=1e-5)
        np.testing.assert_allclose(path[-1], gan.generate(z[1:])[0], atol=1e-5)


def test_conditional_gan_produces_the_class_asked_for(tmp_path):
    keras.utils.set_random_seed(4)
    x, y = gaussian_mixture_ring(8192, num_modes=4, radius=2.0, std=0.05, seed=0)
    cgan = ConditionalGAN(num_classes=4, image_shape=(2,), latent_dim=4, hidden_dims=(64, 64))
    contract(cgan, x, y, tmp_path=tmp_path, batch_size=128)
    fit_and_check(cgan, x, y, epochs=6, batch_size=128)
    centers = ring_centers(4, 2.0)
    for k in range(4):
        samples = cgan.sample(200, labels=k, seed=k)
        nearest = np.argmin(((samples[:, None] - centers[None]) ** 2).sum(-1), axis=1)
        assert np.mean(nearest == k) > 0.8, (k, np.bincount(nearest, minlength=4))


def test_conditional_dcgan_uses_conditional_batch_norm_and_projection():
    cgan = ConditionalGAN(num_classes=10, image_shape=(28, 28, 1), latent_dim=8, base_filters=4)
    names = {type(l).__name__ for l in cgan.generator.layers}
    assert "ConditionalBatchNormalization" in names and "BatchNormalization" not in names
    assert any(l.name == "class_embedding" for l in cgan.discriminator.layers)
    x = np.random.default_rng(0).uniform(-1, 1, (32, 28, 28, 1)).astype("float32")
    cgan.compile()
    cgan.fit(x, np.arange(32) % 10, batch_size=16, epochs=1, verbose=0)
    assert cgan.sample(3, labels=[0, 1, 2], seed=0).shape == (3, 28, 28, 1)


def test_seeded_gan_training_repeats_exactly():
    x, _ = gaussian_mixture_ring(512, seed=0)

    def run():
        keras.utils.set_random_seed(9)
        gan = GAN(image_shape=(2,), latent_dim=4, hidden_dims=(16,))
        gan.compile()
        history = gan.fit(x, batch_size=64, epochs=2, verbose=0)
        return history.history, gan.sample(4, seed=0)

    (h1, s1), (h2, s2) = run(), run()
    assert h1 == h2
    np.testing.assert_array_equal(s1, s2)


def test_bad_inputs_name_the_value():
    with pytest.raises(ValueError, match=r"discriminator_steps must be an integer >= 1; got 0"):
        GAN(image_shape=(2,), discriminator_steps=0)
    with pytest.raises(ValueError, match=r"loss must be one of .*; got 'wasserstein_clip'"):
        GAN(image_shape=(2,), loss="wasserstein_clip")
    with pytest.raises(ValueError, match=r"square images of side \[28, 32, 64\]; got image_shape \(30, 30, 1\)"):
        DCGAN(image_shape=(30, 30, 1))
    with pytest.raises(ValueError, match=r"gp_weight must be a finite number >= 0; got -1"):
        WGANGP(image_shape=(2,), gp_weight=-1)
    dcgan = DCGAN(latent_dim=4, base_filters=4)
    dcgan.compile()
    with pytest.raises(ValueError, match=r"x has images of size 32x32; the model was built for 28x28"):
        dcgan.fit(np.zeros((4, 32, 32, 1), "float32"), verbose=0)
    with pytest.raises(ValueError, match=r"x has values outside \[-1, 1\]: min 0, max 255"):
        dcgan.fit(np.full((4, 28, 28, 1), 255.0, "float32") * (np.arange(4)[:, None, None, None] > 0), verbose=0)
    cgan = ConditionalGAN(num_classes=4, image_shape=(2,), latent_dim=2, hidden_dims=(8,))
    cgan.compile()
    with pytest.raises(ValueError, match=r"ConditionalGAN is conditional and needs class labels"):
        cgan.fit(np.zeros((8, 2), "float32"), verbose=0)
    with pytest.raises(ValueError, match=r"ConditionalGAN is conditional: pass labels"):
        cgan.sample(2)
    gan = GAN(image_shape=(2,), latent_dim=2, hidden_dims=(8,))
    gan.compile()
    with pytest.raises(ValueError, match=r"x must have shape \(N, 2\); got \(8, 3\)"):
        gan.fit(np.zeros((8, 3), "float32"), verbose=0)


def test_old_argument_names_load_from_configs_and_are_refused_by_the_constructor():
    # Configs saved before the renames say data_shape and critic_steps (the zoo's GAN
    # presets do: tests/test_zoo.py loads them).
    wgan = WGANGP(image_shape=(2,), latent_dim=2, hidden_dims=(8,))
    assert wgan.discriminator_steps == 5
    config = wgan.get_config()
    old = {k: v for k, v in config.items() if k not in ("image_shape", "discriminator_steps")}
    old.update(data_shape=[2], critic_steps=3)
    assert WGANGP.from_config(old).get_config() == {**config, "discriminator_steps": 3}
    with pytest.raises(TypeError, match=r"WGANGP: critic_steps= is now called discriminator_steps=; "
                                        r"pass discriminator_steps=3"):
        WGANGP(image_shape=(2,), critic_steps=3)
    with pytest.raises(TypeError, match=r"GAN: data_shape= is now called image_shape=; pass image_shape=\(2,\)"):
        GAN(data_shape=(2,))


def test_latent_arithmetic_on_gan_latents(untrained_ring_gan):
    gan = untrained_ring_gan
    groups = [gan.latents(k + 3, seed=k) for k in range(3)]
    expected_z = groups[0].mean(0) - groups[1].mean(0) + groups[2].mean(0)
    got = gan.latent_arithmetic([groups[0], groups[2]], [groups[1]])
    np.testing.assert_allclose(got, gan.generate(expected_z[None])[0], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="latents must have 8 values; got 3"):
        gan.latent_arithmetic([np.zeros((2, 3))])


def test_class_weights_and_class_interpolation():
    cgan = ConditionalGAN(num_classes=4, image_shape=(28, 28, 1), latent_dim=8, base_filters=4)
    cgan.compile()
    x = np.random.default_rng(0).uniform(-1, 1, (16, 28, 28, 1)).astype("float32")
    cgan.fit(x, np.arange(16) % 4, batch_size=8, epochs=1, verbose=0)
    z = cgan.latents(3, seed=1)
    # One-hot weights are the same as class ids.
    np.testing.assert_allclose(cgan.generate(z, labels=np.eye(4)[[0, 2, 3]]), cgan.generate(z, labels=[0, 2, 3]),
                               rtol=1e-5, atol=1e-6)
    path = cgan.interpolate_classes(z, 1, 3, steps=5)
    assert path.shape == (3, 5, 28, 28, 1)
    np.testing.assert_allclose(path[:, 0], cgan.generate(z, labels=1), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(path[:, -1], cgan.generate(z, labels=3), rtol=1e-5, atol=1e-6)
    assert not np.allclose(path[:, 2], path[:, 0]) and not np.allclose(path[:, 2], path[:, -1])
    with pytest.raises(ValueError, match=r"class weights must be 3 rows of 4 non-negative values summing to 1"):
        cgan.generate(z, labels=np.full((3, 4), 0.5))
