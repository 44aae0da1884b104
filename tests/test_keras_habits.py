"""Keras habits on every family: learning-rate callbacks, compile arguments, default
monitors, sample and class weights, and repeatable evaluation."""

import os

import numpy as np
import pytest

import keras

from kerasgen.data import gaussian_mixture_ring
from kerasgen.models import GAN, VAE, VQVAE, Autoencoder, ConditionalGAN, ConditionalVAE, GatedPixelCNN

SHAPE = (8, 8, 1)


def numpy_of(variable):
    return float(keras.ops.convert_to_numpy(variable))


def ring(n=128):
    return gaussian_mixture_ring(n, seed=0)[0]


def tiny_gan(d_rate=4e-4, g_rate=1e-4, **kwargs):
    gan = GAN(image_shape=(2,), latent_dim=4, hidden_dims=(8,), seed=0, **kwargs)
    gan.compile(d_optimizer=keras.optimizers.Adam(d_rate), g_optimizer=keras.optimizers.Adam(g_rate))
    return gan


def tiny_vae(cls=VAE, **kwargs):
    return cls(image_shape=SHAPE, latent_dim=4, architecture="dense", hidden_dims=(16,), seed=0, **kwargs)


def binary_images(n, seed=0):
    return (np.random.default_rng(seed).random((n,) + SHAPE) < 0.4).astype("float32")


def rates(gan):
    return numpy_of(gan.optimizer["discriminator"].learning_rate), numpy_of(gan.optimizer["generator"].learning_rate)


# -- learning-rate callbacks act on every optimizer of a GAN -----------------------


def test_learning_rate_scheduler_sets_both_gan_rates_keeping_their_ratio():
    gan = tiny_gan(4e-4, 1e-4)
    schedule = keras.callbacks.LearningRateScheduler(lambda epoch, lr: 1e-6 if epoch else lr)
    history = gan.fit(ring(), batch_size=64, epochs=2, verbose=0, callbacks=[schedule])
    d_rate, g_rate = rates(gan)
    np.testing.assert_allclose([d_rate, g_rate], [1e-6, 2.5e-7], rtol=1e-5)
    # The logged rate is D's, the one the optimizer set reads as its own.
    np.testing.assert_allclose(history.history["learning_rate"], [4e-4, 1e-6], rtol=1e-5)
    assert history.history["learning_rate"][-1] == d_rate


def test_reduce_lr_on_plateau_scales_both_gan_rates():
    gan = tiny_gan(4e-4, 1e-4)
    # min_delta this large: no epoch after the first counts as an improvement.
    plateau = keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=1e9)
    history = gan.fit(ring(), batch_size=64, epochs=3, verbose=0, callbacks=[plateau])
    np.testing.assert_allclose(rates(gan), [1e-4, 2.5e-5], rtol=1e-5)
    # Logged at each epoch's end, before that epoch's reduction.
    np.testing.assert_allclose(history.history["learning_rate"], [4e-4, 4e-4, 2e-4], rtol=1e-5)


def test_a_scheduled_member_refuses_a_learning_rate_callback():
    gan = GAN(image_shape=(2,), latent_dim=4, hidden_dims=(8,), seed=0)
    decay = keras.optimizers.schedules.ExponentialDecay(1e-3, decay_steps=10, decay_rate=0.5)
    gan.compile(g_optimizer=keras.optimizers.Adam(decay))
    schedule = keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)
    with pytest.raises(TypeError, match=r"\['generator'\] follow a LearningRateSchedule"):
        gan.fit(ring(64), batch_size=64, epochs=1, verbose=0, callbacks=[schedule])


# -- compile() arguments, refused alike on every backend ---------------------------


def _families():
    return {
        "VAE": lambda: tiny_vae(),
        "GAN": lambda: GAN(image_shape=(2,), latent_dim=4, hidden_dims=(8,)),
        "GatedPixelCNN": lambda: GatedPixelCNN(image_shape=SHAPE, filters=4, num_layers=1),
    }


@pytest.mark.parametrize("family", ["VAE", "GAN", "GatedPixelCNN"])
def test_compile_refuses_loss_and_metrics(family):
    model = _families()[family]()
    terms = str(model.loss_names).replace("(", r"\(").replace(")", r"\)")
    with pytest.raises(ValueError, match=rf"defines its own objective and logs its terms {terms}"):
        model.compile(loss="mse")
    with pytest.raises(ValueError, match=r"takes no metrics.*kerasgen\.evaluate.*EvaluationCallback"):
        model.compile(metrics=["mae"])
    with pytest.raises(ValueError, match="takes no weighted_metrics"):
        model.compile(weighted_metrics=["mae"])


def test_gan_compile_names_its_two_optimizers():
    gan = GAN(image_shape=(2,), latent_dim=4, hidden_dims=(8,))
    with pytest.raises(ValueError, match="pass d_optimizer= and g_optimizer="):
        gan.compile(optimizer=keras.optimizers.Adam())


# -- a GAN logs `loss`, so the default monitors work --------------------------------


def test_gan_loss_is_the_generator_loss_in_fit_and_evaluate():
    gan = tiny_gan()
    history = gan.fit(ring(), batch_size=64, epochs=1, verbose=0, validation_data=ring(64))
    assert history.history["loss"] == history.history["g_loss"]
    assert history.history["val_loss"] == history.history["val_g_loss"]
    logs = gan.evaluate(ring(64), verbose=0, return_dict=True)
    assert logs["loss"] == logs["g_loss"]


def test_early_stopping_with_its_defaults_stops_a_gan():
    gan = tiny_gan(1e-3, 1e-3)
    stop = keras.callbacks.EarlyStopping()
    history = gan.fit(ring(), batch_size=64, epochs=20, verbose=0, validation_data=ring(64), callbacks=[stop])
    assert stop.stopped_epoch > 0 and len(history.epoch) < 20


def test_model_checkpoint_save_best_only_with_its_defaults_saves_a_gan(tmp_path):
    gan = tiny_gan()
    path = os.path.join(tmp_path, "best.keras")
    checkpoint = keras.callbacks.ModelCheckpoint(path, save_best_only=True)
    history = gan.fit(ring(), batch_size=64, epochs=2, verbose=0, validation_data=ring(64), callbacks=[checkpoint])
    assert os.path.exists(path)
    assert checkpoint.best == min(history.history["val_loss"])


# -- sample and class weights -----------------------------------------------------------


def _interleave(a, b, batch):
    """Batches of `batch` examples: half from a, then half from b, in order."""
    half = batch // 2
    parts = [np.concatenate([a[i:i + half], b[i:i + half]]) for i in range(0, len(a), half)]
    return np.concatenate(parts)


def test_zero_weights_on_half_of_each_batch_equal_training_on_the_other_half():
    x, junk = binary_images(32, seed=0), binary_images(32, seed=1)
    models = [Autoencoder(image_shape=SHAPE, latent_dim=4, architecture="dense", hidden_dims=(16,), seed=0)
              for _ in range(2)]
    models[1].set_weights(models[0].get_weights())
    for m in models:
        m.compile(optimizer=keras.optimizers.Adam(1e-2))
    weights = _interleave(np.ones(32, "float32"), np.zeros(32, "float32"), 16)
    models[0].fit(_interleave(x, junk, 16), sample_weight=weights, batch_size=16, epochs=2,
                  shuffle=False, verbose=0)
    models[1].fit(x, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(models[0].get_weights(), models[1].get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_weighted_vae_evaluation_ignores_the_examples_of_weight_zero():
    vae = tiny_vae()
    vae.compile(optimizer="adam")
    x = binary_images(64)
    weights = np.r_[np.ones(32), np.zeros(32)].astype("float32")
    flipped = np.concatenate([x[:32], 1 - x[32:]])
    kwargs = dict(batch_size=64, verbose=0, return_dict=True)
    weighted = vae.evaluate(x, sample_weight=weights, **kwargs)
    assert weighted == vae.evaluate(flipped, sample_weight=weights, **kwargs)
    assert weighted["loss"] != vae.evaluate(x, **kwargs)["loss"]


def test_weighted_nll_and_validation_are_means_over_the_weighted_images():
    model = GatedPixelCNN(image_shape=SHAPE, filters=4, num_layers=1, seed=0)
    model.compile(optimizer="adam")
    x = binary_images(64)
    weights = np.r_[np.ones(32), np.zeros(32)].astype("float32")
    # Batches of 32: the weights are all 1 in the first, all 0 in the second.
    weighted = model.evaluate(x, sample_weight=weights, batch_size=32, verbose=0, return_dict=True)
    first_half = model.evaluate(x[:32], batch_size=32, verbose=0, return_dict=True)
    np.testing.assert_allclose(weighted["nll"], first_half["nll"], rtol=1e-5)
    history = model.fit(x, epochs=1, batch_size=32, verbose=0, validation_data=(x, None, weights))
    after = model.evaluate(x[:32], batch_size=32, verbose=0, return_dict=True)
    np.testing.assert_allclose(history.history["val_nll"][0], after["nll"], rtol=1e-5)


def test_class_weight_on_a_conditional_vae_equals_weights_by_label():
    x, y = binary_images(32), np.repeat([0, 1], 16)
    models = [tiny_vae(ConditionalVAE, num_classes=2) for _ in range(3)]  # same seed, same noise
    for m in models:
        m.set_weights(models[0].get_weights())
        m.compile(optimizer=keras.optimizers.Adam(1e-2))
    kwargs = dict(batch_size=16, epochs=1, shuffle=False, verbose=0)
    by_class = models[0].fit(x, y, class_weight={0: 1.0, 1: 0.25}, **kwargs)
    by_example = models[1].fit(x, y, sample_weight=np.where(y == 0, 1.0, 0.25).astype("float32"), **kwargs)
    unweighted = models[2].fit(x, y, **kwargs)
    np.testing.assert_allclose(by_class.history["loss"], by_example.history["loss"], rtol=1e-5)
    assert abs(by_class.history["loss"][0] - unweighted.history["loss"][0]) > 1e-3


def test_models_that_cannot_weight_examples_refuse_weights():
    x = ring(64)
    gan = tiny_gan()
    with pytest.raises(ValueError, match="GAN cannot honour sample_weight: its objective is a game"):
        gan.fit(x, sample_weight=np.ones(64), verbose=0)
    with pytest.raises(ValueError, match="GAN cannot honour sample_weight"):
        gan.evaluate(x, sample_weight=np.ones(64), verbose=0)
    cgan = ConditionalGAN(num_classes=2, image_shape=(2,), latent_dim=4, hidden_dims=(8,))
    cgan.compile()
    with pytest.raises(ValueError, match="ConditionalGAN cannot honour class_weight"):
        cgan.fit(x, np.repeat([0, 1], 32), class_weight={0: 1.0, 1: 2.0}, verbose=0)
    vae = tiny_vae()
    vae.compile(optimizer="adam")
    with pytest.raises(ValueError, match="VAE is not conditional: class_weight"):
        vae.fit(binary_images(16), class_weight={0: 1.0}, verbose=0)


class _WeightedBatches(keras.utils.PyDataset):
    def __len__(self):
        return 2

    def __getitem__(self, index):
        return binary_images(8), np.ones(8, "float32"), np.ones(8, "float32")


def test_vqvae_refuses_weights_in_its_batches_rather_than_dropping_them():
    vq = VQVAE(image_shape=(8, 8, 1), num_codes=4, code_dim=2, filters=(4,))
    vq.compile(optimizer="adam")
    with pytest.raises(ValueError, match="VQVAE cannot honour sample_weight"):
        vq.fit(binary_images(8), sample_weight=np.ones(8), verbose=0)
    with pytest.raises(ValueError, match="VQVAE cannot honour sample weights in its batches: its codebook"):
        vq.fit(_WeightedBatches(), verbose=0)
    vq.fit(binary_images(16), epochs=1, verbose=0)  # the model is still usable


# -- a VAE's evaluation repeats ---------------------------------------------------------


@pytest.mark.parametrize("cls", [VAE, ConditionalVAE])
def test_vae_evaluate_repeats_exactly_and_leaves_training_noise_alone(cls):
    conditional = cls is ConditionalVAE
    model = tiny_vae(cls, **({"num_classes": 2} if conditional else {}))
    model.compile(optimizer="adam")
    x = binary_images(48)
    y = np.repeat([0, 1], 24) if conditional else None
    history = model.fit(x, y, batch_size=16, epochs=1, verbose=0, validation_data=(x, y) if conditional else x)
    training_state = keras.ops.convert_to_numpy(model.seed_generator.state)
    first = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    second = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    assert first == second
    # fit()'s validation ran the same evaluation on the final weights.
    assert history.history["val_loss"][0] == first["loss"]
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(model.seed_generator.state), training_state)
