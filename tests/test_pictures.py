"""The pictures a preset build writes beside the preset: which apply to which model, and what they hold."""

import numpy as np
import pytest
from PIL import Image

from kerasgen import models
from kerasgen.pictures import write_pictures

RAW = (np.random.default_rng(0).random((8, 8, 8, 1)) * 255).astype("uint8")


@pytest.mark.parametrize("build, expected", [
    (lambda: models.GAN(image_shape=(8, 8, 1), architecture="mlp", latent_dim=4, hidden_dims=(8,), seed=0),
     {"samples.png", "interpolation.png"}),
    (lambda: models.VAE(image_shape=(8, 8, 1), latent_dim=2, seed=0),
     {"samples.png", "interpolation.png", "reconstruction.png"}),
    (lambda: models.PixelCNN(image_shape=(8, 8, 1), filters=4, num_blocks=1, seed=0),
     {"samples.png", "completion.png"}),
    (lambda: models.DenoisingAutoencoder(image_shape=(8, 8, 1), latent_dim=2, architecture="dense",
                                         hidden_dims=(8,), seed=0),
     {"interpolation.png", "denoising.png", "reconstruction.png"}),
])
def test_each_model_gets_the_pictures_that_apply_to_it(tmp_path, build, expected):
    model = build()
    written = write_pictures(model, tmp_path, RAW, num_samples=4)
    assert set(written) == expected and all(written.values())
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(expected)
    if "completion.png" in expected:
        # 8 columns (the test images) by 4 rows: originals, given halves, two completions; 2x scale, 1-px gaps.
        assert Image.open(tmp_path / "completion.png").size == (2 * (8 * 9 + 1), 2 * (4 * 9 + 1))
    if "denoising.png" in expected:  # 3 rows: originals, corrupted, denoised
        assert Image.open(tmp_path / "denoising.png").size == (2 * (8 * 9 + 1), 2 * (3 * 9 + 1))
    with pytest.raises(FileExistsError):
        write_pictures(model, tmp_path, RAW, num_samples=4)  # nothing is replaced without overwrite
    assert set(write_pictures(model, tmp_path, RAW, num_samples=0, overwrite=True)) == expected - {
        "samples.png", "completion.png"}


def test_a_conditional_model_draws_one_class_a_row():
    model = models.ConditionalGAN(num_classes=3, image_shape=(8, 8, 1), architecture="mlp", latent_dim=4,
                                  hidden_dims=(8,), seed=0)
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        written = write_pictures(model, folder, RAW, np.arange(8) % 3, num_samples=6)
        assert "row k holds class k" in written["samples.png"]


def test_a_small_test_split_gives_smaller_pictures_and_none_is_refused(tmp_path):
    vae = models.VAE(image_shape=(8, 8, 1), latent_dim=2)
    written = write_pictures(vae, tmp_path, RAW[:3], num_samples=4)
    assert "1 row of 10" in written["interpolation.png"] and "0-2" in written["reconstruction.png"]
    with pytest.raises(ValueError, match=r"at least one; got shape \(0, 8, 8, 1\)"):
        write_pictures(vae, tmp_path, RAW[:0])
