"""TensorBoard under every backend: Keras' callback, and SampleGrid's image summaries."""

import io
import os

import keras
import numpy as np
import pytest
from PIL import Image

from kerasgen.callbacks import SampleGrid
from kerasgen.models import VAE

SHAPE = (8, 8, 1)


def tiny_vae():
    model = VAE(image_shape=SHAPE, latent_dim=2, architecture="dense", hidden_dims=(16,))
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    return model


def binary_images(n=64):
    return (np.random.default_rng(0).random((n,) + SHAPE) < 0.5).astype("float32")


def event_files(folder):
    return sorted(os.path.join(root, name) for root, _, names in os.walk(folder)
                  for name in names if name.startswith("events.out.tfevents."))


def summaries(folder):
    """(step, tag, tf.compat.v1.Summary.Value) of every summary value in `folder`'s event files."""
    import tensorflow as tf

    return [(event.step, value.tag, value) for path in event_files(folder)
            for event in tf.compat.v1.train.summary_iterator(path) for value in event.summary.value]


def decoded_images(folder, tag="samples"):
    """{step: uint8 array} of the images logged under `tag` (tf.summary.image: width, height, PNG)."""
    out = {}
    for step, name, value in summaries(folder):
        if name == tag:
            width, height, png = value.tensor.string_val
            with Image.open(io.BytesIO(png)) as image:
                out[step] = np.array(image)
            assert out[step].shape[:2] == (int(height), int(width))
    return out


def test_keras_tensorboard_callback_logs_the_epoch_losses(tmp_path):
    import tensorflow as tf

    history = tiny_vae().fit(binary_images(), batch_size=32, epochs=2, verbose=0,
                             callbacks=[keras.callbacks.TensorBoard(str(tmp_path))])
    assert event_files(tmp_path / "train")
    losses = {step: float(tf.make_ndarray(value.tensor))
              for step, tag, value in summaries(tmp_path / "train") if tag == "epoch_loss"}
    assert sorted(losses) == [0, 1]
    np.testing.assert_allclose([losses[0], losses[1]], history.history["loss"], rtol=1e-6)


def test_sample_grid_without_a_path_writes_one_image_per_epoch_and_no_png(tmp_path):
    grid = SampleGrid(None, num_images=6, rows=2, scale=3, tensorboard_dir=tmp_path / "tb")
    tiny_vae().fit(binary_images(), batch_size=32, epochs=3, verbose=0, callbacks=[grid])
    images = decoded_images(tmp_path / "tb")
    assert sorted(images) == [0, 1, 2]  # Keras' epoch index, the step of its epoch_loss
    for image in images.values():
        # 2 rows x 3 columns of 8x8 images with 1 pixel of padding, scaled 3x; grey.
        assert image.shape == (3 * (2 * 9 + 1), 3 * (3 * 9 + 1)) and image.dtype == np.uint8
    assert grid.written == []
    assert all(name.startswith("events.out.tfevents.") for name in os.listdir(tmp_path / "tb"))
    assert os.listdir(tmp_path) == ["tb"]


def test_sample_grid_logs_the_pixels_of_its_png_every_n_epochs(tmp_path):
    grid = SampleGrid(tmp_path / "png" / "epoch_{epoch}.png", every_n_epochs=2, num_images=4, seed=3,
                      tensorboard_dir=tmp_path / "tb")
    tiny_vae().fit(binary_images(), batch_size=32, epochs=4, verbose=0, callbacks=[grid])
    images = decoded_images(tmp_path / "tb")
    assert sorted(images) == [1, 3] and [os.path.basename(p) for p in grid.written] == ["epoch_2.png", "epoch_4.png"]
    for step, path in zip([1, 3], grid.written):
        with Image.open(path) as png:
            np.testing.assert_array_equal(images[step], np.array(png))
    assert not np.array_equal(images[1], images[3])  # the model learned in between


def test_sample_grid_needs_somewhere_to_write():
    with pytest.raises(ValueError, match=r"path=None writes no PNG, so pass tensorboard_dir="):
        SampleGrid(None)
    with pytest.raises(TypeError, match=r"tensorboard_dir must be a str, path-like or None; got 3"):
        SampleGrid(None, tensorboard_dir=3)
