"""Bad input gets an error that names the argument, the value and what was expected."""

import numpy as np
import pytest

import keras

from kerasgen.models import VAE, Autoencoder, ConditionalVAE, DenoisingAutoencoder
from kerasgen.training import NonFiniteLossError

SHAPE = (8, 8, 1)


def vae(**kwargs):
    model = VAE(image_shape=SHAPE, latent_dim=2, architecture="dense", hidden_dims=(16,), **kwargs)
    model.compile(optimizer="adam")
    return model


def images(n=16, channels=1):
    return np.random.default_rng(0).random((n, 8, 8, channels)).astype("float32")


def test_wrong_rank():
    with pytest.raises(ValueError, match=r"x must be a batch of images of shape \(N, 8, 8, 1\); got an array of shape \(16, 8, 8\)"):
        vae().fit(images()[..., 0], verbose=0)


def test_wrong_channel_count():
    with pytest.raises(ValueError, match=r"x has 3 channels; the model was built for 1"):
        vae().fit(images(channels=3), verbose=0)
    with pytest.raises(ValueError, match=r"encode.*|x has 3 channels"):
        vae().encode(images(channels=3))


def test_wrong_image_size():
    with pytest.raises(ValueError, match=r"x has images of size 28x28; the model was built for 8x8"):
        vae().fit(np.zeros((4, 28, 28, 1), "float32"), verbose=0)


def test_values_outside_the_bernoulli_range():
    with pytest.raises(ValueError, match=r"x has values outside \[0, 1\]: min 0\.0\d+, max 254\.\d+ \(it looks like 0\.\.255 pixel values: divide by 255"):
        vae().fit(images() * 255, verbose=0)


def test_strings_are_not_images():
    with pytest.raises(TypeError, match="x must hold numbers; got an array of dtype <U1"):
        vae().fit(np.full((2, 8, 8, 1), "a"), verbose=0)


def test_nan_in_a_numpy_batch():
    x = images()
    x[5, 2, 3, 0] = np.nan
    with pytest.raises(ValueError, match=r"x contains NaN or Inf \(1 values; the first in image 5\)"):
        vae().fit(x, verbose=0)
    with pytest.raises(ValueError, match=r"validation_data contains NaN or Inf"):
        vae().fit(images(), validation_data=(x,), verbose=0)


def test_nan_in_a_tf_data_batch():
    import tensorflow as tf

    x = images(64)
    x[40, 0, 0, 0] = np.nan
    dataset = tf.data.Dataset.from_tensor_slices(x).batch(16)
    with pytest.raises(Exception, match=r"x \(batch 2\) contains NaN or Inf"):
        vae().fit(dataset, verbose=0)


def test_nan_in_a_py_dataset_batch():
    x = images(32)
    x[20, 0, 0, 0] = np.inf

    class Batches(keras.utils.PyDataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return x[i * 16:(i + 1) * 16]

    with pytest.raises(ValueError, match=r"x \(batch 1\) contains NaN or Inf"):
        vae().fit(Batches(), verbose=0)


def test_a_non_finite_loss_stops_training_and_names_the_term():
    # Finite inputs whose squared error overflows float32: the loss, not the data, breaks.
    model = vae(likelihood="gaussian")
    x = images()
    x[0, 0, 0, 0] = 1e30
    with pytest.raises(NonFiniteLossError, match=r"loss, reconstruction became non-finite at epoch 1, batch 1"):
        model.fit(x, batch_size=16, verbose=0)


def test_labels_missing_for_the_conditional_vae():
    cvae = ConditionalVAE(num_classes=10, image_shape=SHAPE, latent_dim=2, architecture="dense", hidden_dims=(16,))
    cvae.compile(optimizer="adam")
    with pytest.raises(ValueError, match=r"ConditionalVAE is conditional and needs class labels: pass y="):
        cvae.fit(images(), verbose=0)
    with pytest.raises(ValueError, match=r"y must be class ids in \[0, 10\); got values from 0 to 12"):
        cvae.fit(images(), np.array([0] * 15 + [12]), verbose=0)
    with pytest.raises(ValueError, match=r"ConditionalVAE.sample needs labels"):
        cvae.sample(4)
    import tensorflow as tf

    with pytest.raises(ValueError, match=r"yields images alone"):
        cvae.fit(tf.data.Dataset.from_tensor_slices(images()).batch(4), verbose=0)


def test_bad_constructor_arguments_quote_the_value():
    with pytest.raises(ValueError, match=r"image_shape must have 1 \(grey\) or 3 \(RGB\) channels; got 2"):
        VAE(image_shape=(8, 8, 2))
    with pytest.raises(ValueError, match=r"likelihood must be one of \('bernoulli', 'gaussian'\); got 'poisson'"):
        VAE(image_shape=SHAPE, likelihood="poisson")
    with pytest.raises(ValueError, match=r"beta must be a finite number >= 0; got -1"):
        VAE(image_shape=SHAPE, beta=-1)
    with pytest.raises(ValueError, match=r"needs image sides divisible by 8; got image_shape \(28, 28, 1\)"):
        VAE(image_shape=(28, 28, 1), filters=(8, 16, 32))
    with pytest.raises(ValueError, match=r"corruption must be one of .*; got 'blur'"):
        DenoisingAutoencoder(corruption="blur")
    with pytest.raises(ValueError, match=r"noise_level is the fraction .* got 1.5"):
        DenoisingAutoencoder(corruption="masking", noise_level=1.5)
    with pytest.raises(ValueError, match=r"loss must be one of \('bce', 'mse'\); got 'l1'"):
        Autoencoder(loss="l1")
    with pytest.raises(ValueError, match=r"latent_dim must be a positive integer; got 0"):
        Autoencoder(image_shape=SHAPE, latent_dim=0, architecture="dense")
    model = vae()
    with pytest.raises(ValueError, match=r"num_samples must be an integer >= 1; got 0"):
        model.log_likelihood(images(), num_samples=0)
    with pytest.raises(ValueError, match=r"z must have shape \(N, 2\); got \(3, 5\)"):
        model.decode(np.zeros((3, 5)))
    with pytest.raises(ValueError, match=r"dim must be an integer in \[0, 2\); got 7"):
        model.traverse(images(1)[0], dim=7, values=[0.0])
