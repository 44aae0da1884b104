"""Bad inputs and the clear errors they must get: one list, two readers.

tests/test_bad_inputs.py runs every case; scripts/reliability_table.py runs
them too and writes RELIABILITY.md from what they raise. A case makes one bad
call on a tiny fresh model (8x8 images, dense networks of 16 units), so that
an error inside `fit` cannot leave a model broken for the next case, and
trains on at most one small batch before the bad one.
"""

import contextlib
import io
import os
from dataclasses import dataclass
from typing import Callable

import keras
import numpy as np
import tensorflow as tf

import kerasgen
from kerasgen import models, training
from kerasgen.callbacks import NonFiniteLossError

PATHS = ("NumPy", "tf.data", "PyDataset", "validation_data", "constructor", "method", "CLI")
SHAPE = (8, 8, 1)
TF_ERROR = tf.errors.InvalidArgumentError  # raised by a tf.data check as the batch is read


@dataclass(frozen=True)
class Case:
    """One bad input: `call()` must raise `error` with a message matching the regex `match`.

    Args:
        name: str, unique; the pytest id and the table's first column.
        path: str, one of PATHS: where the bad value enters.
        passed: str, what was passed, in words (the table's second column).
        call: callable making the bad call on a fresh model.
        error: exception type expected.
        match: regex searched (`re.search`) in the message.
    """

    name: str
    path: str
    passed: str
    call: Callable[[], object]
    error: type
    match: str


class CLIError(Exception):
    """The `kerasgen` command exited with a non-zero status; the message is what it printed."""

    def __init__(self, status, stderr):
        super().__init__(stderr.strip())
        self.status = status


# --------------------------------------------------------------------------- tiny models and data


def vae(**kwargs):
    model = models.VAE(image_shape=SHAPE, latent_dim=2, architecture="dense", hidden_dims=(16,), **kwargs)
    model.compile(optimizer="adam")
    return model


def cvae():
    model = models.ConditionalVAE(num_classes=10, image_shape=SHAPE, latent_dim=2, architecture="dense",
                                  hidden_dims=(16,))
    model.compile(optimizer="adam")
    return model


def autoencoder():
    return models.Autoencoder(image_shape=SHAPE, latent_dim=2, architecture="dense", hidden_dims=(16,))


def gan():
    return models.GAN(image_shape=(2,), latent_dim=2, hidden_dims=(8,))


def cgan():
    model = models.ConditionalGAN(num_classes=4, image_shape=(2,), latent_dim=2, hidden_dims=(8,))
    model.compile()
    return model


def vector_pairs(y, batch_size=4):
    """A tf.data pipeline of (2-D points, labels) batches."""
    x = np.random.default_rng(0).normal(size=(len(y), 2)).astype("float32")
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(batch_size)


def pixelcnn():
    return models.PixelCNN(image_shape=SHAPE, filters=4, num_blocks=1)


def vqvae():
    return models.VQVAE(image_shape=SHAPE, num_codes=4, code_dim=2, filters=(4,))


def images(n=16, channels=1):
    return np.random.default_rng(0).random((n, 8, 8, channels)).astype("float32")


def with_value(x, index, value):
    x = x.copy()
    x[index] = value
    return x


def labels(*bad, n=8):
    """n good class ids (0, 1, 2, ...) with the last len(bad) replaced by `bad`."""
    y = (np.arange(n) % 10).astype(type(bad[0]) if bad else int)
    if bad:
        y[n - len(bad):] = bad
    return y


def pairs(y, batch_size=4):
    """A tf.data pipeline of (images, labels) batches; with 8 labels the bad last ones are in batch 1."""
    return tf.data.Dataset.from_tensor_slices((images(len(y)), y)).batch(batch_size)


def unknown_shape_pairs(y):
    """Like `pairs`, but the labels' shape is unknown until a batch is read."""
    x = images(len(y))
    return tf.data.Dataset.from_generator(
        lambda: iter([(x, y)]),
        output_signature=(tf.TensorSpec((None,) + SHAPE, tf.float32), tf.TensorSpec(None, tf.as_dtype(y.dtype))),
    )


class Batches(keras.utils.PyDataset):
    """A PyDataset of fixed batches: images, or (images, labels)."""

    def __init__(self, *batches):
        super().__init__()
        self.batches = batches

    def __len__(self):
        return len(self.batches)

    def __getitem__(self, index):
        return self.batches[index]


def fit_on(make, x, y=None):
    """A call of make().fit(x(), y()): the data, like the model, is made when the case runs."""
    return lambda: make().fit(x(), None if y is None else y(), verbose=0)


def validate_on(make, data):
    """A call that trains one batch of good pairs, then validates on data()."""
    return lambda: make().fit(pairs(labels(), batch_size=8), validation_data=data(), epochs=1, verbose=0)


@contextlib.contextmanager
def offline():
    """No TFDS download is tried (KERASGEN_OFFLINE=1) while a case runs."""
    saved = os.environ.get("KERASGEN_OFFLINE")
    os.environ["KERASGEN_OFFLINE"] = "1"
    try:
        yield
    finally:
        if saved is None:
            del os.environ["KERASGEN_OFFLINE"]
        else:
            os.environ["KERASGEN_OFFLINE"] = saved


def load_offline(name):
    from kerasgen.data import load

    with offline():
        return load(name)


def cli(*argv):
    """Runs `kerasgen *argv`; raises CLIError with what it printed if it fails."""
    from kerasgen.cli import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            status = main(list(argv))
        except SystemExit as exit_:  # argparse's parser.error
            status = exit_.code
    if status:
        raise CLIError(status, err.getvalue())
    return status


# --------------------------------------------------------------------------- the cases

_NOT_SHAPE = r"x must be a batch of images of shape \(N, 8, 8, 1\); got an array of shape \(16, 8, 8\)"

CASES = [
    # -- NumPy arrays given to fit
    Case("numpy_wrong_rank", "NumPy", "VAE.fit(x of shape (16, 8, 8)): no channel axis",
         fit_on(vae, lambda: images()[..., 0]), ValueError, _NOT_SHAPE),
    Case("numpy_wrong_channels", "NumPy", "VAE.fit(RGB images) for a grey model",
         fit_on(vae, lambda: images(channels=3)), ValueError, r"x has 3 channels; the model was built for 1"),
    Case("numpy_wrong_size", "NumPy", "VAE.fit(28x28 images) for an 8x8 model",
         fit_on(vae, lambda: np.zeros((4, 28, 28, 1), "float32")), ValueError,
         r"x has images of size 28x28; the model was built for 8x8"),
    Case("numpy_0_255_values", "NumPy", "VAE.fit(0..255 pixels) for a Bernoulli decoder",
         fit_on(vae, lambda: images() * 255), ValueError,
         r"x has values outside \[0, 1\]: min 0\.0\d+, max 254\.\d+ \(it looks like 0\.\.255 pixel values: divide by 255"),
    Case("numpy_strings", "NumPy", "VAE.fit(an array of strings)",
         fit_on(vae, lambda: np.full((2, 8, 8, 1), "a")), TypeError, r"x must hold numbers; got an array of dtype <U1"),
    Case("numpy_nan", "NumPy", "VAE.fit(x with one NaN pixel in image 5)",
         fit_on(vae, lambda: with_value(images(), (5, 2, 3, 0), np.nan)), ValueError,
         r"x contains NaN or Inf \(1 values; the first in image 5\)"),
    Case("numpy_loss_overflow", "NumPy", "VAE(likelihood='gaussian').fit(x with a pixel of 1e30): finite data, overflowing loss",
         lambda: vae(likelihood="gaussian").fit(with_value(images(), (0, 0, 0, 0), 1e30), batch_size=16, verbose=0),
         NonFiniteLossError, r"loss, reconstruction became non-finite at epoch 1, batch 1"),
    Case("numpy_labels_missing", "NumPy", "ConditionalVAE.fit(images) without y",
         fit_on(cvae, lambda: images()), ValueError, r"ConditionalVAE is conditional and needs class labels: pass y="),
    Case("numpy_label_12_of_10", "NumPy", "ConditionalVAE.fit(x, y) with a class id 12 of 10",
         fit_on(cvae, lambda: images(), lambda: np.array([0] * 15 + [12])), ValueError,
         r"y must be class ids in \[0, 10\); got values from 0 to 12"),
    Case("numpy_label_1_5", "NumPy", "ConditionalVAE.fit(x, y) with a class id 1.5",
         fit_on(cvae, lambda: images(), lambda: np.array([0.0] * 15 + [1.5])), TypeError,
         r"y must hold integer class ids; got dtype float64 with 1 values that are not whole numbers, e\.g\. 1\.5 at index 15"),
    Case("numpy_labels_for_unconditional", "NumPy", "VAE.fit(x, y): labels for a model without classes",
         fit_on(vae, lambda: images(), lambda: np.zeros(16, int)), ValueError,
         r"VAE is not conditional and does not use y"),

    # -- tf.data pipelines given to fit (batches of 4: the bad labels are in batch 1)
    Case("tfdata_nan_image", "tf.data", "VAE.fit(dataset) with a NaN pixel in batch 2",
         fit_on(vae, lambda: tf.data.Dataset.from_tensor_slices(with_value(images(64), (40, 0, 0, 0), np.nan)).batch(16)),
         TF_ERROR, r"x \(batch 2\) contains NaN or Inf"),
    Case("tfdata_images_alone", "tf.data", "ConditionalVAE.fit(dataset of images alone)",
         fit_on(cvae, lambda: tf.data.Dataset.from_tensor_slices(images()).batch(4)), ValueError, r"yields images alone"),
    Case("tfdata_label_10_of_10", "tf.data", "ConditionalVAE.fit(dataset) with a class id 10 of 10 in batch 1",
         fit_on(cvae, lambda: pairs(labels(10))), TF_ERROR,
         r"x \(batch 1\) labels must be class ids in \[0, 10\); got values from 4 to 10"),
    Case("tfdata_label_minus_1", "tf.data", "ConditionalVAE.fit(dataset) with a class id -1 in batch 1",
         fit_on(cvae, lambda: pairs(labels(-1))), TF_ERROR,
         r"x \(batch 1\) labels must be class ids in \[0, 10\); got values from -1 to 6"),
    Case("tfdata_label_1_5", "tf.data", "ConditionalVAE.fit(dataset) with a class id 1.5 in batch 1",
         fit_on(cvae, lambda: pairs(labels(1.5))), TF_ERROR,
         r"x \(batch 1\) labels must hold integer class ids \(whole numbers\); got values such as \[1.5\]"),
    Case("tfdata_two_labels_per_image", "tf.data", "ConditionalVAE.fit(dataset) with labels of shape (B, 2)",
         fit_on(cvae, lambda: pairs(np.zeros((8, 2), "int64"))), ValueError,
         r"x labels must be one class id per image, of shape \(B,\) or \(B, 1\); .* \(None, 2\)"),
    Case("tfdata_two_labels_per_image_at_run_time", "tf.data",
         "ConditionalVAE.fit(generator dataset) whose labels, of unknown shape, are (B, 2)",
         fit_on(cvae, lambda: unknown_shape_pairs(np.zeros((8, 2), "int64"))), TF_ERROR,
         r"x \(batch 0\) labels must be one class id per image, of shape \(B,\) or \(B, 1\); got shape \[8 2\] for 8 images"),
    Case("tfdata_string_labels", "tf.data", "ConditionalVAE.fit(dataset) with string labels",
         fit_on(cvae, lambda: pairs(np.array(["3"] * 8))), TypeError,
         r"x labels must hold integer class ids; the dataset's element_spec has dtype string"),
    Case("tfdata_rank_3_labels", "tf.data", "ConditionalVAE.fit(dataset) with labels of shape (B, 1, 1)",
         fit_on(cvae, lambda: pairs(np.zeros((8, 1, 1), "int64"))), ValueError,
         r"x labels must be one class id per image.*\(None, 1, 1\)"),
    Case("tfdata_vector_label_4_of_4", "tf.data", "ConditionalGAN(num_classes=4, image_shape=(2,)).fit(dataset) with a class id 4 in batch 1",
         fit_on(cgan, lambda: vector_pairs(labels(4) % 5)), TF_ERROR,
         r"x \(batch 1\) labels must be class ids in \[0, 4\); got values from 0 to 4"),

    # -- PyDataset given to fit
    Case("pydataset_inf", "PyDataset", "VAE.fit(PyDataset) with an Inf pixel in batch 1",
         fit_on(vae, lambda: Batches(images(), with_value(images(), (4, 0, 0, 0), np.inf))), ValueError,
         r"x \(batch 1\) contains NaN or Inf"),
    Case("pydataset_label_10_of_10", "PyDataset", "ConditionalVAE.fit(PyDataset) with a class id 10 of 10 in batch 1",
         fit_on(cvae, lambda: Batches((images(4), labels(n=4)), (images(4), labels(10, n=4)))), ValueError,
         r"x \(batch 1\) labels must be class ids in \[0, 10\); got values from 0 to 10"),

    # -- validation_data given to fit
    Case("validation_numpy_nan", "validation_data", "VAE.fit(x, validation_data=(x with a NaN,))",
         lambda: vae().fit(images(), validation_data=(with_value(images(), (5, 2, 3, 0), np.nan),), verbose=0),
         ValueError, r"validation_data contains NaN or Inf"),
    Case("validation_numpy_label_10_of_10", "validation_data",
         "ConditionalVAE.fit(x, y, validation_data=(x, y with a class id 10))",
         lambda: cvae().fit(images(8), labels(), validation_data=(images(8), labels(10)), verbose=0),
         ValueError, r"validation_data labels must be class ids in \[0, 10\); got values from 0 to 10"),
    Case("validation_tfdata_label_10_of_10", "validation_data",
         "ConditionalVAE.fit(..., validation_data=dataset with a class id 10 in batch 1)",
         validate_on(cvae, lambda: pairs(labels(10))), TF_ERROR,
         r"validation_data \(batch 1\) labels must be class ids in \[0, 10\); got values from 4 to 10"),
    Case("validation_tfdata_label_minus_1", "validation_data",
         "ConditionalVAE.fit(..., validation_data=dataset with a class id -1 in batch 1)",
         validate_on(cvae, lambda: pairs(labels(-1))), TF_ERROR,
         r"validation_data \(batch 1\) labels must be class ids in \[0, 10\); got values from -1 to 6"),
    Case("validation_tfdata_label_1_5", "validation_data",
         "ConditionalVAE.fit(..., validation_data=dataset with a class id 1.5 in batch 1)",
         validate_on(cvae, lambda: pairs(labels(1.5))), TF_ERROR,
         r"validation_data \(batch 1\) labels must hold integer class ids \(whole numbers\); got values such as \[1.5\]"),
    Case("validation_tfdata_two_labels_per_image", "validation_data",
         "ConditionalVAE.fit(..., validation_data=dataset with labels of shape (B, 2))",
         validate_on(cvae, lambda: pairs(np.zeros((8, 2), "int64"))), ValueError,
         r"validation_data labels must be one class id per image, of shape \(B,\) or \(B, 1\)"),
    Case("validation_numpy_vector_label_4_of_4", "validation_data",
         "ConditionalGAN(num_classes=4, image_shape=(2,)).fit(..., validation_data=(points, labels with a 4))",
         lambda: cgan().fit(np.zeros((8, 2), "float32"), labels(n=8) % 4,
                            validation_data=(np.zeros((8, 2), "float32"), np.array([0, 1, 2, 3, 0, 1, 2, 4])),
                            verbose=0),
         ValueError, r"ConditionalGAN: validation_data labels must be class ids in \[0, 4\); got values from 0 to 4"),

    # -- constructors
    Case("vae_two_channels", "constructor", "VAE(image_shape=(8, 8, 2))",
         lambda: models.VAE(image_shape=(8, 8, 2)), ValueError,
         r"image_shape must have 1 \(grey\) or 3 \(RGB\) channels; got 2"),
    Case("vae_likelihood_poisson", "constructor", "VAE(likelihood='poisson')",
         lambda: models.VAE(image_shape=SHAPE, likelihood="poisson"), ValueError,
         r"likelihood must be one of \('bernoulli', 'gaussian'\); got 'poisson'"),
    Case("vae_beta_negative", "constructor", "VAE(beta=-1)",
         lambda: models.VAE(image_shape=SHAPE, beta=-1), ValueError, r"beta must be a finite number >= 0; got -1"),
    Case("vae_filters_too_many", "constructor", "VAE(image_shape=(28, 28, 1), filters=(8, 16, 32)): 3 halvings of 28",
         lambda: models.VAE(image_shape=(28, 28, 1), filters=(8, 16, 32)), ValueError,
         r"needs image sides divisible by 8; got image_shape \(28, 28, 1\)"),
    Case("vae_hidden_dims_zero", "constructor", "VAE(hidden_dims=(0,))",
         lambda: models.VAE(image_shape=SHAPE, architecture="dense", hidden_dims=(0,)), ValueError,
         r"VAE: hidden_dims must be a tuple of positive integers; got \(0,\)"),
    Case("vae_gaussian_std_inf", "constructor", "VAE(likelihood='gaussian', gaussian_std=inf)",
         lambda: models.VAE(image_shape=SHAPE, likelihood="gaussian", gaussian_std=float("inf")), ValueError,
         r"gaussian_std must be a finite number > 0 or 'learned'; got inf"),
    Case("vae_latent_dim_none", "constructor", "VAE(latent_dim=None)",
         lambda: models.VAE(image_shape=SHAPE, latent_dim=None), ValueError,
         r"VAE: latent_dim must be a positive integer; got None"),
    Case("dae_corruption_blur", "constructor", "DenoisingAutoencoder(corruption='blur')",
         lambda: models.DenoisingAutoencoder(corruption="blur"), ValueError, r"corruption must be one of .*; got 'blur'"),
    Case("dae_noise_level_1_5", "constructor", "DenoisingAutoencoder(corruption='masking', noise_level=1.5)",
         lambda: models.DenoisingAutoencoder(corruption="masking", noise_level=1.5), ValueError,
         r"noise_level is the fraction .* got 1.5"),
    Case("dae_noise_level_nan", "constructor", "DenoisingAutoencoder(noise_level=nan)",
         lambda: models.DenoisingAutoencoder(noise_level=float("nan")), ValueError,
         r"noise_level must be a finite number > 0; got nan"),
    Case("autoencoder_likelihood_l1", "constructor", "Autoencoder(likelihood='l1')",
         lambda: models.Autoencoder(likelihood="l1"), ValueError,
         r"likelihood must be one of \('bernoulli', 'gaussian'\); got 'l1'"),
    Case("autoencoder_latent_dim_0", "constructor", "Autoencoder(latent_dim=0)",
         lambda: models.Autoencoder(image_shape=SHAPE, latent_dim=0, architecture="dense"), ValueError,
         r"latent_dim must be a positive integer; got 0"),
    Case("wgangp_discriminator_steps_0", "constructor", "WGANGP(discriminator_steps=0)",
         lambda: models.WGANGP(image_shape=(2,), discriminator_steps=0), ValueError,
         r"WGANGP: discriminator_steps must be an integer >= 1; got 0"),
    Case("dcgan_base_filters_0", "constructor", "DCGAN(base_filters=0)",
         lambda: models.DCGAN(base_filters=0), ValueError, r"DCGAN: base_filters must be a positive integer; got 0"),
    Case("dcgan_upsampling_bilinear", "constructor", "DCGAN(upsampling='bilinear')",
         lambda: models.DCGAN(upsampling="bilinear"), ValueError,
         r"DCGAN: upsampling must be one of \('transpose', 'resize'\); got 'bilinear'"),
    Case("gan_image_shape_string", "constructor", "GAN(image_shape='abc')",
         lambda: models.GAN(image_shape="abc"), ValueError,
         r"GAN: image_shape must be \(H, W, C\) for images or \(D,\) for vectors, positive integers; got 'abc'"),
    Case("vae_symmetric_format", "constructor", "VAE(image_format='symmetric')",
         lambda: models.VAE(image_format="symmetric"), ValueError,
         r"VAE: image_format=ImageFormat\(scale='symmetric'\) gives values in \[-1, 1\], but the model takes "
         r"values in \[0, 1\]"),
    Case("gan_latent_dim_true", "constructor", "GAN(latent_dim=True)",
         lambda: models.GAN(image_shape=(2,), latent_dim=True), ValueError,
         r"GAN: latent_dim must be a positive integer; got True \(a bool\)"),
    Case("vqvae_no_filters", "constructor", "VQVAE(filters=())",
         lambda: models.VQVAE(image_shape=SHAPE, filters=()), ValueError,
         r"VQVAE: filters must be a tuple of positive integers, at least one; got \(\)"),
    Case("vqvae_code_dim_0", "constructor", "VQVAE(code_dim=0)",
         lambda: models.VQVAE(image_shape=SHAPE, code_dim=0, filters=(4,)), ValueError,
         r"VQVAE: code_dim must be a positive integer; got 0"),
    # A bool is not a count, although Python counts it as an int (kerasgen.checks.is_integer).
    Case("vae_latent_dim_true", "constructor", "VAE(latent_dim=True): a bool is not a count",
         lambda: models.VAE(image_shape=SHAPE, latent_dim=True), ValueError,
         r"VAE: latent_dim must be a positive integer; got True \(a bool\)"),
    Case("gated_pixelcnn_num_layers_true", "constructor", "GatedPixelCNN(num_layers=True): a bool is not a count",
         lambda: models.GatedPixelCNN(image_shape=SHAPE, num_layers=True), ValueError,
         r"GatedPixelCNN: num_layers must be an integer >= 1; got True \(a bool\)"),
    Case("sample_grid_num_images_true", "constructor", "SampleGrid(num_images=True): a bool is not a count",
         lambda: kerasgen.callbacks.SampleGrid("grid_{epoch}.png", num_images=True), ValueError,
         r"SampleGrid: num_images must be an integer >= 1; got True \(a bool\)"),

    # -- methods and functions
    *[Case(f"{name}_sample_true", "method", f"{cls}.sample(True): a bool is not a count", call, ValueError,
           rf"{cls}: n must be a positive integer; got True \(a bool\)")
      for name, cls, call in [
          ("vae", "VAE", lambda: vae().sample(True)),
          ("cvae", "ConditionalVAE", lambda: cvae().sample(True, labels=1)),
          ("gan", "GAN", lambda: gan().sample(True)),
          ("cgan", "ConditionalGAN",
           lambda: models.ConditionalGAN(num_classes=3, image_shape=(2,), latent_dim=2, hidden_dims=(8,)).sample(True, labels=1)),
          ("vqvae", "VQVAE", lambda: vqvae().sample(True)),
          ("pixelcnn", "PixelCNN", lambda: models.PixelCNN(image_shape=(4, 4, 1), filters=4, num_blocks=1).sample(True)),
          ("gated_pixelcnn", "GatedPixelCNN",
           lambda: models.GatedPixelCNN(image_shape=(4, 4, 1), filters=4, num_layers=1).sample(True)),
          ("pixelrnn", "PixelRNN", lambda: models.PixelRNN(image_shape=(4, 4, 1), units=4, num_layers=1).sample(True)),
      ]],
    Case("pixelcnn_sample_jit_compile_string", "method", "PixelCNN.sample(2, jit_compile=\"yes\")",
         lambda: models.PixelCNN(image_shape=(4, 4, 1), filters=4, num_blocks=1).sample(2, jit_compile="yes"),
         ValueError, r"PixelCNN: jit_compile must be \"auto\", True or False; got 'yes'"),
    Case("data_parallel_zero_devices", "method", "kerasgen.training.data_parallel(0)",
         lambda: training.data_parallel(0), ValueError,
         r"data_parallel: num_devices must be an integer >= 1; got 0"),
    Case("vae_sample_float_count", "method", "VAE.sample(2.0)",
         lambda: vae().sample(2.0), ValueError, r"VAE: n must be a positive integer; got 2.0"),
    Case("cvae_sample_without_labels", "method", "ConditionalVAE.sample(4) without labels",
         lambda: cvae().sample(4), ValueError, r"ConditionalVAE.sample needs labels"),
    Case("vae_log_prob_0_samples", "method", "VAE.log_prob(x, num_samples=0)",
         lambda: vae().log_prob(images(), num_samples=0), ValueError,
         r"num_samples must be an integer >= 1; got 0"),
    Case("vae_encode_rgb", "method", "VAE.encode(RGB images) for a grey model",
         lambda: vae().encode(images(channels=3)), ValueError, r"x has 3 channels; the model was built for 1"),
    Case("vae_decode_wrong_width", "method", "VAE.decode(z of shape (3, 5)) for latent_dim 2",
         lambda: vae().decode(np.zeros((3, 5))), ValueError, r"z must have shape \(N, 2\); got \(3, 5\)"),
    Case("vae_decode_nan", "method", "VAE.decode(z with a NaN)",
         lambda: vae().decode(np.array([[0.0, 0.0], [0.0, np.nan]])), ValueError,
         r"VAE: z contains NaN or Inf \(1 values; the first in row 1: nan\)"),
    Case("autoencoder_decode_inf", "method", "Autoencoder.decode(z with an Inf)",
         lambda: autoencoder().decode(np.array([[np.inf, 0.0]])), ValueError,
         r"Autoencoder: z contains NaN or Inf \(1 values; the first in row 0: inf\)"),
    Case("vae_decode_empty", "method", "VAE.decode(z of shape (0, 2))",
         lambda: vae().decode(np.zeros((0, 2))), ValueError, r"VAE: z is empty \(shape \(0, 2\)\)"),
    Case("vae_decode_batch_size_0", "method", "VAE.decode(z, batch_size=0)",
         lambda: vae().decode(np.zeros((2, 2)), batch_size=0), ValueError,
         r"VAE: batch_size must be an integer >= 1; got 0"),
    Case("pipeline_batch_size_true", "method", "kerasgen.data.pipeline(images, batch_size=True)",
         lambda: kerasgen.data.pipeline(np.zeros((4, 8, 8, 1), "uint8"), batch_size=True), ValueError,
         r"batch_size must be a positive integer; got True \(a bool\)"),
    Case("gan_generate_nan", "method", "GAN.generate(z with a NaN)",
         lambda: gan().generate(np.array([[np.nan, 0.0]])), ValueError,
         r"GAN: z contains NaN or Inf \(1 values; the first in row 0: nan\)"),
    Case("vqvae_decode_code_out_of_range", "method", "VQVAE.decode(code ids up to 9) for 4 codes",
         lambda: vqvae().decode(np.full((1, 4, 4), 9)), ValueError,
         r"VQVAE: indices must lie in \[0, 4\); got values from 9 to 9"),
    Case("vqvae_decode_nan_codes", "method", "VQVAE.decode(NaN code ids)",
         lambda: vqvae().decode(np.full((1, 4, 4), np.nan)), ValueError,
         r"VQVAE: indices must be whole numbers \(code ids in \[0, 4\)\); got 16 other values, e.g. nan"),
    Case("vae_traverse_dim_7", "method", "VAE.traverse(x, dim=7) for latent_dim 2",
         lambda: vae().traverse(images(1)[0], dim=7, values=[0.0]), ValueError,
         r"dim must be an integer in \[0, 2\); got 7"),
    Case("vae_traverse_no_values", "method", "VAE.traverse(x, dim=0, values=[])",
         lambda: vae().traverse(images(1)[0], dim=0, values=[]), ValueError,
         r"VAE: values must be a non-empty list of finite numbers, the values to give latent dimension 0 .*; got \[\]"),
    Case("vae_interpolate_mismatched", "method", "VAE.interpolate(4 images, 3 images)",
         lambda: vae().interpolate(images(4), images(3)), ValueError,
         r"VAE: x1 and x2 must be two images \(H, W, C\) or two batches \(N, H, W, C\) of the same size; "
         r"got shapes \(4, 8, 8, 1\) and \(3, 8, 8, 1\)"),
    Case("gan_interpolate_mismatched", "method", "GAN.interpolate(one latent, a batch of 3)",
         lambda: gan().interpolate(np.zeros(2), np.zeros((3, 2))), ValueError,
         r"GAN: z1 and z2 must be two latents \(2,\) or two batches \(N, 2\) of the same size; got shapes \(2,\) and \(3, 2\)"),
    Case("vae_predict_rgb", "method", "VAE.predict(RGB images) for a grey model",
         lambda: vae().predict(images(channels=3), verbose=0), ValueError,
         r"VAE: x has 3 channels; the model was built for 1"),
    Case("vae_predict_nan", "method", "VAE.predict(x with NaN pixels in image 3)",
         lambda: vae().predict(with_value(images(), 3, np.nan), verbose=0), ValueError,
         r"VAE: x contains NaN or Inf \(64 values; the first in image 3\)"),
    Case("cvae_predict_without_labels", "method", "ConditionalVAE.predict(images) without labels",
         lambda: cvae().predict(images(), verbose=0), ValueError,
         r"ConditionalVAE is conditional: predict takes \[images, labels\]"),
    Case("gan_predict_wrong_width", "method", "GAN.predict(z of shape (3, 5)) for latent_dim 2",
         lambda: gan().predict(np.zeros((3, 5)), verbose=0), ValueError, r"GAN: z must have shape \(N, 2\); got \(3, 5\)"),
    Case("pixelcnn_predict_fractions", "method", "PixelCNN.predict(pixels in [0, 1]) for a Bernoulli model",
         lambda: pixelcnn().predict(images(), verbose=0), ValueError,
         r"PixelCNN: x must hold binary values \{0, 1\} .*got 1024 other values, e.g. 0.636962 in image 0"),
    Case("pixelcnn_predict_labels", "method", "PixelCNN.predict([images, labels]): labels for a model without classes",
         lambda: pixelcnn().predict([np.round(images()), np.zeros(16)], verbose=0), ValueError,
         r"PixelCNN is not conditional: predict takes images \(N, H, W, C\) alone"),
    Case("load_misspelt_dataset", "method", "kerasgen.data.load('fashion_mnst')",
         lambda: load_offline("fashion_mnst"), FileNotFoundError,
         r"^Unknown dataset name 'fashion_mnst': did you mean 'fashion_mnist'\?"),

    # -- the command line
    Case("cli_sample_num_0", "CLI", "kerasgen sample dcgan_fashion_mnist --num 0",
         lambda: cli("sample", "dcgan_fashion_mnist", "--num", "0", "--out", "unused.png"), CLIError,
         r"--num must be a positive integer; got 0"),
    Case("cli_misspelt_preset", "CLI", "kerasgen info vae_fashion_mnst",
         lambda: cli("info", "vae_fashion_mnst"), CLIError,
         r"Unknown preset 'vae_fashion_mnst'.*Did you mean 'vae_fashion_mnist'"),
    Case("cli_misspelt_family", "CLI", "kerasgen train vea",
         lambda: cli("train", "vea", "--out", os.path.join("runs", "never_written")), CLIError,
         r"'vea' is neither a family .* Did you mean 'vae'"),
    Case("cli_unknown_dataset", "CLI", "kerasgen evaluate gated_pixelcnn_fashion_mnist --data no_such_data",
         lambda: cli("evaluate", "gated_pixelcnn_fashion_mnist", "--data", "no_such_data"), CLIError,
         r"Unknown dataset 'no_such_data': it is not a folder or \.npy/\.npz file, not one of kerasgen's IDX "
         r"datasets, and not a TensorFlow Datasets name"),
    Case("cli_tfds_offline", "CLI", "kerasgen train vae --data cifar10 (no prepared copy, offline)",
         lambda: cli("train", "vae", "--data", "cifar10", "--out", "unused_run"), CLIError,
         r"TensorFlow Datasets has no prepared copy of 'cifar10' on this machine and cannot download it: "
         r"(KERASGEN_OFFLINE is set|storage\.googleapis\.com is unreachable).*\.\nTo use it offline, prepare it .*tfds build cifar10"),
    Case("cli_train_more_devices_than_there_are", "CLI", "kerasgen train vae --devices 64",
         lambda: cli("train", "vae", "--devices", "64", "--out", os.path.join("runs", "never_written")), CLIError,
         r"--devices: (data_parallel: num_devices is 64, but (TensorFlow|JAX) sees \d+ .*device\(s\)|under PyTorch "
         r"every device is a process of its own)"),
    Case("cli_label_for_unconditional", "CLI", "kerasgen sample dcgan_fashion_mnist --label 1",
         lambda: cli("sample", "dcgan_fashion_mnist", "--out", "unused.png", "--label", "1"), CLIError,
         r"--label is for conditional models; DCGAN is not one"),
]


def run_case(case):
    """Makes the case's bad call, seeded as the tests are; returns what it raised, or None.

    Every case builds its own model, so Keras' session is not cleared between
    cases (that costs a garbage collection, 0.3 s, per case).
    """
    keras.utils.set_random_seed(1234)
    try:
        case.call()
    except Exception as err:  # noqa: BLE001 - every outcome is reported
        return err
    return None
