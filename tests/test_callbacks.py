"""SampleGrid: which epochs it writes, that it samples the same latents, and what it refuses."""

import inspect
import os
import re

import numpy as np
import pytest
from PIL import Image

import keras

import kerasgen
from kerasgen.callbacks import SampleGrid
from kerasgen.models import VAE, ConditionalVAE
from kerasgen.training import guards
from kerasgen.utils import save_image_grid

SHAPE = (8, 8, 1)


def tiny(cls=VAE, **kwargs):
    model = cls(image_shape=SHAPE, latent_dim=2, architecture="dense", hidden_dims=(16,), **kwargs)
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    return model


def binary_images(n=64, seed=0):
    return (np.random.default_rng(seed).random((n,) + SHAPE) < 0.5).astype("float32")


def test_writes_every_n_epochs_the_grid_of_the_seeded_sample(tmp_path):
    model = tiny()
    grid = SampleGrid(tmp_path / "grids" / "epoch_{epoch:03d}.png", every_n_epochs=2, num_images=6,
                      seed=7, rows=2, scale=3)
    snapshot = {}
    keep_epoch_2_weights = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: snapshot.update({epoch: model.get_weights()})
    )
    model.fit(binary_images(), batch_size=32, epochs=3, verbose=0,
              callbacks=[grid, keep_epoch_2_weights])

    expected = tmp_path / "grids" / "epoch_002.png"
    assert sorted(p.name for p in (tmp_path / "grids").iterdir()) == ["epoch_002.png"]
    assert grid.written == [str(expected)]
    with Image.open(expected) as image:
        image.load()
        assert image.format == "PNG" and image.mode == "L"
        # 2 rows x 3 columns of 8x8 images with 1 pixel of padding, scaled 3x.
        assert image.size == (3 * (3 * 9 + 1), 3 * (2 * 9 + 1))
        written = np.array(image)

    # Back at the weights of epoch 2, the same seed gives the same grid: the
    # callback sampled with the fixed seed, not the model's advancing generator.
    model.set_weights(snapshot[1])
    reference = save_image_grid(model.sample(6, seed=7), tmp_path / "reference.png", rows=2, scale=3)
    with Image.open(reference) as image:
        np.testing.assert_array_equal(np.array(image), written)
    other = save_image_grid(model.sample(6, seed=8), tmp_path / "other.png", rows=2, scale=3)
    with Image.open(other) as image:
        assert not np.array_equal(np.array(image), written)


def test_existing_file_is_not_replaced(tmp_path):
    target = tmp_path / "epoch_2.png"
    target.write_bytes(b"keep me")
    model = tiny()
    grid = SampleGrid(tmp_path / "epoch_{epoch}.png", every_n_epochs=2, num_images=4)
    with pytest.raises(FileExistsError, match=re.escape(str(target))):
        model.fit(binary_images(), batch_size=32, epochs=3, verbose=0, callbacks=[grid])
    assert target.read_bytes() == b"keep me"
    assert grid.written == []
    # overwrite=True replaces it.
    grid = SampleGrid(tmp_path / "epoch_{epoch}.png", every_n_epochs=2, num_images=4, overwrite=True)
    model.fit(binary_images(), batch_size=32, epochs=2, verbose=0, callbacks=[grid])
    with Image.open(target) as image:
        assert image.format == "PNG"


def test_resuming_leaves_earlier_grids_alone(tmp_path):
    model = tiny()
    grid = SampleGrid(tmp_path / "epoch_{epoch}.png", num_images=4)
    model.fit(binary_images(), batch_size=32, epochs=2, verbose=0, callbacks=[grid])
    model.fit(binary_images(), batch_size=32, epochs=3, initial_epoch=2, verbose=0, callbacks=[grid])
    assert [p.rsplit("_", 1)[-1] for p in grid.written] == ["1.png", "2.png", "3.png"]


def test_single_file_is_rewritten_with_overwrite(tmp_path):
    model = tiny()
    grid = SampleGrid(tmp_path / "latest.png", num_images=4, overwrite=True)
    model.fit(binary_images(), batch_size=32, epochs=2, verbose=0, callbacks=[grid])
    assert grid.written == [str(tmp_path / "latest.png")] * 2


def test_labels_pass_through_to_a_conditional_model(tmp_path):
    model = tiny(ConditionalVAE, num_classes=3)
    labels = np.array([0, 1, 2, 0])
    grid = SampleGrid(tmp_path / "c_{epoch}.png", every_n_epochs=1, num_images=4, labels=labels, seed=1)
    y = np.random.default_rng(0).integers(0, 3, 64)
    model.fit(binary_images(), y, batch_size=32, epochs=1, verbose=0, callbacks=[grid])
    reference = save_image_grid(model.sample(4, labels=labels, seed=1), tmp_path / "ref.png", scale=2)
    with Image.open(grid.written[0]) as a, Image.open(reference) as b:
        np.testing.assert_array_equal(np.array(a), np.array(b))
    # Without labels the conditional model refuses to sample.
    grid = SampleGrid(tmp_path / "n_{epoch}.png", num_images=4)
    with pytest.raises(ValueError, match="needs labels"):
        model.fit(binary_images(), y, batch_size=32, epochs=1, verbose=0, callbacks=[grid])


def test_values_outside_value_range_raise_with_a_hint(tmp_path):
    model = tiny()
    grid = SampleGrid(tmp_path / "g_{epoch}.png", num_images=4, value_range=(0.9, 1.0))
    with pytest.raises(ValueError, match=r"SampleGrid at epoch 1: .*outside value_range.*Pass the samples' range as value_range"):
        model.fit(binary_images(), batch_size=32, epochs=1, verbose=0, callbacks=[grid])


@pytest.mark.parametrize("kwargs, error, match", [
    ({"path": "grid.png"}, ValueError, "path 'grid.png' has no {epoch} field"),
    ({"path": "g_{step}.png"}, ValueError, "got 'g_{step}.png', which fails to format"),
    ({"path": 3}, TypeError, "path must be a str, path-like or None; got 3"),
    ({"every_n_epochs": 0}, ValueError, "every_n_epochs must be an integer >= 1; got 0"),
    ({"every_n_epochs": 1.5}, ValueError, "every_n_epochs must be an integer >= 1; got 1.5"),
    ({"num_images": 0}, ValueError, "num_images must be an integer >= 1; got 0"),
    ({"seed": "a"}, ValueError, "seed must be an integer or None; got 'a'"),
    ({"labels": [0, 1], "num_images": 4}, ValueError, "labels must be one class id or 4 of them"),
    ({"rows": 0}, ValueError, "rows must be an integer >= 1 or None; got 0"),
    ({"value_range": (1, 0)}, ValueError, "got (1, 0)"),
    ({"scale": 0}, ValueError, "scale must be an integer >= 1; got 0"),
    ({"overwrite": "yes"}, TypeError, "overwrite must be True or False; got 'yes'"),
])
def test_bad_arguments_raise_quoting_the_value(kwargs, error, match):
    kwargs.setdefault("path", "grid_{epoch}.png")
    with pytest.raises(error, match=re.escape(match)):
        SampleGrid(**kwargs)


def test_model_without_sample_is_refused(tmp_path):
    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(TypeError, match="Functional has none"):
        model.fit(np.zeros((4, 2)), np.zeros((4, 1)), verbose=0,
                  callbacks=[SampleGrid(tmp_path / "{epoch}.png")])


def test_docstring_examples_run():
    blocks = re.findall(r"Example:\s*```python\n(.*?)```", inspect.getdoc(SampleGrid), flags=re.S)
    assert len(blocks) == 2
    namespace = {}
    exec(compile(blocks[0], "<SampleGrid example>", "exec"), namespace)
    assert [p[-12:] for p in namespace["grid"].written] == ["epoch_01.png", "epoch_02.png"]
    namespace = {}
    exec(compile(blocks[1], "<SampleGrid TensorBoard example>", "exec"), namespace)
    log_dir = namespace["log_dir"]
    # Keras' logs in train/, the grids' event file beside them, and no PNG.
    assert sorted(os.listdir(log_dir))[-1] == "train" and not any(
        name.endswith(".png") for _, _, names in os.walk(log_dir) for name in names)
    assert any(name.startswith("events.out.tfevents.") for name in os.listdir(log_dir))


def test_the_training_guards_are_public_in_kerasgen_callbacks_alone():
    for name in ("BackupAndRestore", "NonFiniteLossError", "StopOnNonFiniteLoss"):
        assert getattr(kerasgen.callbacks, name) is getattr(guards, name)
        assert not hasattr(kerasgen.training, name)
