"""`predict()` per family, mixed precision, and the torch sampler's threads."""

import contextlib

import numpy as np
import pytest

import keras

from kerasgen.models import (
    DCGAN, GAN, VAE, VQVAE, WGANGP, Autoencoder, ConditionalGAN, ConditionalVAE,
    DenoisingAutoencoder, GatedPixelCNN, PixelCNN, PixelRNN,
)
from kerasgen.models.autoregressive import base as autoregressive_base

BACKEND = keras.backend.backend()
SHAPE = (8, 8, 1)


def binary(n=8, seed=0):
    return (np.random.default_rng(seed).random((n,) + SHAPE) < 0.5).astype("float32")


def unit(n=8, seed=0):
    return np.random.default_rng(seed).random((n,) + SHAPE).astype("float32")


@pytest.fixture
def policy(request):
    """Sets the global dtype policy for one test and always puts float32 back."""
    keras.config.set_dtype_policy(request.param)
    try:
        yield request.param
    finally:
        keras.config.set_dtype_policy("float32")


# -- the meaning of predict, per family -------------------------------------

def reconstructions(model, x, labels=None):
    """predict must be reconstruct."""
    if labels is None:
        return model.predict(x, verbose=0), model.reconstruct(x)
    return model.predict([x, labels], verbose=0), model.reconstruct(x, labels)


LATENT_FAMILIES = {
    "autoencoder": lambda: Autoencoder(image_shape=SHAPE, latent_dim=4, architecture="dense",
                                       hidden_dims=(16,), seed=0),
    "denoising_autoencoder": lambda: DenoisingAutoencoder(
        image_shape=SHAPE, latent_dim=4, architecture="dense", hidden_dims=(16,),
        corruption="masking", noise_level=0.5, seed=0),
    "vae": lambda: VAE(image_shape=SHAPE, latent_dim=4, architecture="dense", hidden_dims=(16,), seed=0),
    "vqvae": lambda: VQVAE(image_shape=SHAPE, num_codes=8, code_dim=4, filters=(8,), seed=0),
}


@pytest.mark.parametrize("name", sorted(LATENT_FAMILIES))
def test_predict_reconstructs(name):
    model = LATENT_FAMILIES[name]()
    x = unit()
    out, expected = reconstructions(model, x)
    assert out.dtype == np.float32 and out.shape == x.shape
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    # Bernoulli decoders and "bce" give probabilities, not logits.
    assert out.min() >= 0.0 and out.max() <= 1.0
    # A denoising autoencoder adds no corruption at predict: the same input, the same output.
    np.testing.assert_array_equal(model.predict(x, verbose=0), out)
    bad = x.copy()
    bad[3, 2, 1, 0] = np.nan
    with pytest.raises(ValueError, match=r"x contains NaN or Inf \(1 values; the first in image 3\)"):
        model.predict(bad, verbose=0)
    with pytest.raises(ValueError, match=r"x must be a batch of images of shape \(N, 8, 8, 1\).*x\[\.\.\., None\]"):
        model.predict(x[..., 0], verbose=0)


def test_conditional_vae_predict_takes_images_and_labels():
    cvae = ConditionalVAE(num_classes=3, image_shape=SHAPE, latent_dim=4, architecture="dense",
                          hidden_dims=(16,), seed=0)
    x, labels = unit(), np.arange(8) % 3
    out, expected = reconstructions(cvae, x, labels)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match=r"conditional: predict takes \[images, labels\]"):
        cvae.predict(x, verbose=0)
    with pytest.raises(ValueError, match=r"class ids in \[0, 3\)"):
        cvae.predict([x, np.full(8, 7)], verbose=0)


def tiny_dcgan(**kwargs):
    return DCGAN(image_shape=(28, 28, 1), base_filters=4, latent_dim=4, seed=0, **kwargs)


GAN_FAMILIES = {
    "gan": lambda: GAN(image_shape=(2,), latent_dim=4, hidden_dims=(8,), seed=0),
    "dcgan": tiny_dcgan,
    "wgangp": lambda: WGANGP(image_shape=(2,), latent_dim=4, hidden_dims=(8,), seed=0),
}


@pytest.mark.parametrize("name", sorted(GAN_FAMILIES))
def test_gan_predict_generates_from_latents(name):
    gan = GAN_FAMILIES[name]()
    z = gan.latents(3, seed=0)
    out = gan.predict(z, verbose=0)
    assert out.dtype == np.float32 and out.shape == (3,) + gan.image_shape
    np.testing.assert_allclose(out, gan.generate(z), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match=r"z must have shape \(N, 4\); got \(3, 3\)"):
        gan.predict(z[:, :3], verbose=0)


def test_conditional_gan_predict_takes_latents_and_labels():
    cgan = ConditionalGAN(num_classes=3, image_shape=(2,), latent_dim=4, hidden_dims=(8,), seed=0)
    z = cgan.latents(3, seed=0)
    out = cgan.predict([z, np.array([0, 1, 2])], verbose=0)
    np.testing.assert_allclose(out, cgan.generate(z, np.array([0, 1, 2])), rtol=1e-5, atol=1e-6)
    # One class id for all, and class weights, as generate() takes them.
    np.testing.assert_allclose(cgan.predict([z, 1], verbose=0), cgan.generate(z, 1), rtol=1e-5, atol=1e-6)
    weights = np.eye(3, dtype="float32")[[2, 0, 1]]
    np.testing.assert_allclose(cgan.predict([z, weights], verbose=0), cgan.generate(z, [2, 0, 1]),
                               rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match=r"conditional: predict takes \[z, labels\]"):
        cgan.predict(z, verbose=0)


def test_dcgan_predict_refuses_images_and_points_to_discriminate():
    dcgan = tiny_dcgan()
    images = np.random.default_rng(0).uniform(-1, 1, (4, 28, 28, 1)).astype("float32")
    with pytest.raises(ValueError, match=r"takes latent vectors z of shape \(N, 4\).*discriminate\(x\).*sample\(n\)"):
        dcgan.predict(images, verbose=0)
    with pytest.raises(ValueError, match=r"z must have shape \(N, 4\)"):
        dcgan.predict(np.zeros((3, 5), "float32"), verbose=0)
    z = dcgan.latents(3, seed=0)
    z[1, 2] = np.nan
    with pytest.raises(ValueError, match="NaN or Inf"):
        dcgan.predict(z, verbose=0)
    # The refusals left the model usable (under JAX a failed predict once left it broken).
    assert dcgan.predict(dcgan.latents(2, seed=1), verbose=0).shape == (2, 28, 28, 1)

    scores = dcgan.discriminate(images)
    assert scores.dtype == np.float32 and scores.shape == (4,)
    logits = keras.ops.convert_to_numpy(dcgan.discriminator(images, training=False))[:, 0]
    np.testing.assert_allclose(scores, 1 / (1 + np.exp(-logits)), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match=r"values outside \[-1, 1\]"):
        dcgan.discriminate(images * 2)


class FailingBatches(keras.utils.PyDataset):
    """A PyDataset whose first batch raises: the failure comes inside Keras' predict loop."""

    def __len__(self):
        return 2

    def __getitem__(self, index):
        raise RuntimeError("the data source failed")


def test_a_predict_that_fails_inside_keras_leaves_the_model_usable():
    dcgan = tiny_dcgan()
    z = dcgan.latents(2, seed=0)
    before = dcgan.predict(z, verbose=0)
    with pytest.raises(RuntimeError, match="the data source failed"):
        dcgan.predict(FailingBatches(), verbose=0)
    np.testing.assert_allclose(dcgan.predict(z, verbose=0), before, rtol=1e-6)
    dcgan.compile()
    history = dcgan.fit(np.zeros((8, 28, 28, 1), "float32"), batch_size=8, epochs=1, verbose=0)
    assert np.isfinite(history.history["g_loss"][0])


AUTOREGRESSIVE_FAMILIES = {
    "pixelcnn": lambda **kw: PixelCNN(image_shape=SHAPE, filters=8, num_blocks=1, first_kernel_size=3,
                                      seed=0, **kw),
    "gated_pixelcnn": lambda **kw: GatedPixelCNN(image_shape=SHAPE, filters=8, num_layers=2,
                                                 kernel_size=3, seed=0, **kw),
    "pixelrnn": lambda **kw: PixelRNN(image_shape=SHAPE, units=8, num_layers=1, first_kernel_size=3,
                                      seed=0, **kw),
}


@pytest.mark.parametrize("name", sorted(AUTOREGRESSIVE_FAMILIES))
def test_autoregressive_predict_gives_bernoulli_probabilities(name):
    model = AUTOREGRESSIVE_FAMILIES[name]()
    x = binary()
    p = model.predict(x, verbose=0)
    assert p.dtype == np.float32 and p.shape == x.shape
    assert p.min() > 0.0 and p.max() < 1.0
    # p(x_i = 1 | x_<i) of the given images: their log-probability is the exact log p(x).
    log_p = np.sum(np.where(x == 1, np.log(p), np.log1p(-p)), axis=(1, 2, 3))
    np.testing.assert_allclose(log_p, model.log_prob(x), rtol=1e-4, atol=1e-3)
    with pytest.raises(ValueError, match=r"binary values \{0, 1\}"):
        model.predict(unit(), verbose=0)
    with pytest.raises(ValueError, match="size 7x7"):
        model.predict(np.zeros((2, 7, 7, 1), "float32"), verbose=0)


@pytest.mark.parametrize("likelihood", ["categorical", "logistic_mixture"])
def test_autoregressive_predict_gives_level_probabilities(likelihood):
    model = AUTOREGRESSIVE_FAMILIES["gated_pixelcnn"](likelihood=likelihood, num_levels=4, num_mixtures=2,
                                                      num_classes=3)
    x = np.floor(unit() * 4)
    labels = np.arange(8) % 3
    p = model.predict([x, labels], verbose=0)
    assert p.dtype == np.float32 and p.shape == x.shape + (4,)
    np.testing.assert_allclose(p.sum(-1), 1.0, rtol=1e-5)
    chosen = np.take_along_axis(p, x[..., None].astype("int64"), axis=-1)[..., 0]
    np.testing.assert_allclose(np.log(chosen).sum(axis=(1, 2, 3)), model.log_prob(x, labels),
                               rtol=1e-4, atol=1e-3)
    with pytest.raises(ValueError, match=r"conditional: predict takes \[images, labels\]"):
        model.predict(x, verbose=0)
    with pytest.raises(ValueError, match="NaN or Inf"):
        model.predict([np.full_like(x, np.nan), labels], verbose=0)


def test_unconditional_models_refuse_labels_in_predict():
    vae = LATENT_FAMILIES["vae"]()
    with pytest.raises(ValueError, match="not conditional"):
        vae.predict([unit(), np.zeros(8, "int32")], verbose=0)
    with pytest.raises(ValueError, match=r"values outside \[0, 1\]"):
        vae.predict(unit() * 255, verbose=0)


# -- mixed precision ----------------------------------------------------------

POLICIES = ["mixed_float16", "mixed_bfloat16"]


@pytest.mark.parametrize("policy", POLICIES, indirect=True)
def test_mixed_precision_conv_vae_trains_and_returns_float32(policy):
    vae = VAE(image_shape=SHAPE, latent_dim=4, filters=(4,), hidden_dims=(16,), seed=0)
    assert vae.encoder.layers[1].compute_dtype == policy.split("_")[1]
    # The layer that makes the image computes in float32 (see kerasgen.models.networks).
    assert vae.decoder.get_layer("outputs").compute_dtype == "float32"
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    x = binary(32)
    history = vae.fit(x, batch_size=16, epochs=1, verbose=0)  # torch float16: "grad_weight must be contiguous"
    assert np.all(np.isfinite(history.history["loss"]))
    for out in (vae.sample(2, seed=0, mean=False), vae.reconstruct(x[:2]), vae.predict(x[:2], verbose=0)):
        assert out.dtype == np.float32 and np.all(np.isfinite(out))


@pytest.mark.parametrize("policy", POLICIES, indirect=True)
def test_mixed_precision_dcgan_trains_and_returns_float32(policy):
    dcgan = tiny_dcgan()
    dcgan.compile()
    x = np.random.default_rng(0).uniform(-1, 1, (16, 28, 28, 1)).astype("float32")
    history = dcgan.fit(x, batch_size=8, epochs=1, verbose=0)
    assert all(np.all(np.isfinite(v)) for v in history.history.values())
    z = dcgan.latents(2, seed=0)
    for out in (dcgan.sample(2, seed=0), dcgan.generate(z), dcgan.predict(z, verbose=0), dcgan.discriminate(x[:2])):
        assert out.dtype == np.float32 and np.all(np.isfinite(out))


@pytest.mark.parametrize("policy", POLICIES, indirect=True)
def test_mixed_precision_gated_pixelcnn_trains_and_samples_float32(policy):
    model = AUTOREGRESSIVE_FAMILIES["gated_pixelcnn"](num_classes=2)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    x = binary(16)
    history = model.fit(x, np.arange(16) % 2, batch_size=8, epochs=1, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    # Cached sampling raised a bfloat16/float32 TypeError under TensorFlow.
    samples = model.sample(2, labels=1, seed=0)
    assert samples.dtype == np.float32 and set(np.unique(samples)) <= {0.0, 1.0}
    np.testing.assert_array_equal(model.complete(x[:2], np.ones(SHAPE[:2]), labels=0, seed=0), x[:2])
    p = model.predict([x[:2], 0], verbose=0)
    assert p.dtype == np.float32 and p.shape == (2,) + SHAPE


def _cpu_float16_conv_has_a_weight_gradient():
    """Whether this CPU's PyTorch float16 kernel gives the gradient of one filter over two channels.

    Which kernel runs depends on the CPU: where it is slow_conv2d the backward pass fails ("grad_weight must
    be contiguous"); on others (a clean-clone machine of 2026-12-05 among them) it trains.
    """
    import torch

    # As Keras' torch conv gives them: NHWC images made contiguous NCHW, an HWIO kernel as a permuted OIHW view.
    x = torch.randn(8, 8, 8, 2, dtype=torch.float16, requires_grad=True)
    w = torch.randn(3, 3, 2, 1, dtype=torch.float16, requires_grad=True)
    try:
        y = torch.nn.functional.conv2d(x.permute(0, 3, 1, 2).contiguous(), w.permute(3, 2, 0, 1), padding=1)
        y.sum().backward()
    except RuntimeError as error:
        if "grad_weight" in str(error):
            return False
        raise
    return True


@pytest.mark.skipif(BACKEND != "torch", reason="PyTorch's CPU float16 convolution only")
def test_torch_float16_conv_trains_where_the_cpu_kernel_can_and_is_refused_clearly_where_not():
    import torch

    if torch.cuda.is_available():
        pytest.skip("the limitation is the CPU kernel's")
    kernel_trains_it = _cpu_float16_conv_has_a_weight_gradient()
    keras.config.set_dtype_policy("mixed_float16")
    try:
        encoder = keras.Sequential([keras.Input(SHAPE), keras.layers.Flatten(), keras.layers.Dense(8)])
        decoder = keras.Sequential([
            keras.Input((4,)), keras.layers.Dense(64 * 2), keras.layers.Reshape((8, 8, 2)),
            keras.layers.Conv2D(1, 3, padding="same"),  # one filter over two channels
        ])
        vae = VAE(image_shape=SHAPE, latent_dim=4, encoder=encoder, decoder=decoder)
        vae.compile(optimizer="adam")
        if kernel_trains_it:  # nothing to refuse on this CPU: the step must run and give a finite loss
            history = vae.fit(binary(8), batch_size=8, epochs=1, verbose=0)
            assert np.isfinite(history.history["loss"][-1])
        else:
            with pytest.raises(RuntimeError, match=r"float16 on the CPU.*dtype=\"float32\".*mixed_bfloat16"):
                vae.fit(binary(8), batch_size=8, epochs=1, verbose=0)
    finally:
        keras.config.set_dtype_policy("float32")


# -- the sampler's threads ----------------------------------------------------

def test_sampling_runs_inside_the_backend_thread_setting(monkeypatch):
    entered = []
    real = autoregressive_base.sampling_threads

    @contextlib.contextmanager
    def recording():
        with real():
            entered.append(True)
            yield

    monkeypatch.setattr(autoregressive_base, "sampling_threads", recording)
    model = AUTOREGRESSIVE_FAMILIES["pixelcnn"]()
    model.sample(1, seed=0)
    model.complete(binary(1), np.ones(SHAPE[:2]), seed=0)
    assert entered == [True, True]


@pytest.mark.skipif(BACKEND != "torch", reason="only PyTorch runs the sampling loop eagerly")
def test_torch_sampling_loop_runs_on_one_thread_and_restores_the_setting(monkeypatch):
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(2)  # CI sets OMP_NUM_THREADS=1; two threads make the change visible
    try:
        model = AUTOREGRESSIVE_FAMILIES["gated_pixelcnn"]()
        seen = []
        loop = model._sample_loop

        def recording_loop(*args):
            seen.append(torch.get_num_threads())
            return loop(*args)

        monkeypatch.setattr(model, "_sample_loop", recording_loop)
        model.sample(2, seed=0)
        assert seen == [1]
        assert torch.get_num_threads() == 2

        def failing_loop(*args):
            raise RuntimeError("the loop failed")

        monkeypatch.setattr(model, "_sample_loop", failing_loop)
        with pytest.raises(RuntimeError, match="the loop failed"):
            model.sample(2, seed=0, method="naive")
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
