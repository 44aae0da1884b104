"""ImageFormat: one conversion from 8-bit pixels, owned and saved by every model, read by every stage."""

import json
import re
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

import kerasgen
from kerasgen import cli, models, protocols
from kerasgen.data import ImageFormat, pipeline

PIXELS = np.arange(256, dtype="uint8").reshape(1, 16, 16, 1)
FORMATS = [ImageFormat(), ImageFormat(scale="symmetric"), ImageFormat(scale=None), ImageFormat(binarize="static"),
           ImageFormat(levels=4), ImageFormat(levels=256)]


@pytest.mark.parametrize("fmt", FORMATS, ids=repr)
def test_numpy_and_tf_data_conversions_are_the_same_formula(fmt):
    numpy = fmt.convert(PIXELS)
    tf_data = fmt.transform(tf.constant(PIXELS)).numpy()
    np.testing.assert_array_equal(numpy, tf_data)
    lo, hi = fmt.value_range
    assert numpy.dtype == np.float32 and numpy.min() == lo and numpy.max() == hi
    assert len(np.unique(numpy)) == fmt.num_levels
    # to_unit maps the range onto [0, 1], black to 0 and white to 1; from_unit goes back.
    unit = fmt.to_unit(numpy)
    assert unit.min() == 0 and unit.max() == 1
    np.testing.assert_allclose(fmt.from_unit(unit, np.random.default_rng(0)), numpy, atol=1e-5)
    assert ImageFormat.from_config(fmt.get_config()) == fmt == ImageFormat.get(fmt.get_config())


def test_random_conversions_are_seeded_and_keep_the_old_recipe_draws():
    fmt = ImageFormat(binarize="dynamic")
    x = np.random.default_rng(1).integers(0, 256, (8, 6, 6, 1)).astype("uint8")
    # Presets made before ImageFormat binarized their test images this way; their numbers depend on it.
    old = (np.random.default_rng(0).random(x.shape) < np.asarray(x, "float32") / 255.0).astype("float32")
    np.testing.assert_array_equal(fmt.convert(x, seed=0), old)
    assert not np.array_equal(fmt.convert(x, seed=0), fmt.convert(x, seed=1))
    deq = ImageFormat(dequantize=True)
    y = deq.convert(x, seed=0)
    assert y.min() >= 0 and y.max() < 1
    np.testing.assert_array_equal(np.floor(y * 256), x)  # the noise never moves a pixel to the next level
    np.testing.assert_array_equal(np.floor(deq.transform(tf.constant(x), seed=(0, 1)).numpy() * 256), x)


def test_value_ranges_levels_and_the_bits_per_dim_scale():
    assert (ImageFormat(binarize="dynamic").value_range, ImageFormat(binarize="dynamic").bits_scale) == ((0, 1), 1)
    assert (ImageFormat(levels=256).value_range, ImageFormat(levels=256).bits_scale) == ((0, 255), 1)
    assert ImageFormat().bits_scale == 256 and ImageFormat(scale="symmetric").bits_scale == 128
    assert ImageFormat(dequantize=True).num_levels is None and ImageFormat().num_levels == 256
    assert ImageFormat.get("binary") == ImageFormat(binarize="dynamic")


@pytest.mark.parametrize("kwargs,pattern", [
    (dict(scale="half"), r"scale must be one of 'unit', 'symmetric' or None; got 'half'"),
    (dict(levels=1), r"levels must be an integer >= 2, or None; got 1"),
    (dict(levels=True), r"levels must be an integer >= 2, or None; got True"),
    (dict(levels=4, scale="unit"), r"pass scale=None with it, not scale='unit'"),
    (dict(levels=4, dequantize=True), r"dequantize=True cannot be combined with levels=4"),
])
def test_bad_formats_are_refused_naming_the_value(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        ImageFormat(**kwargs)


def test_convert_refuses_values_that_are_not_pixels():
    with pytest.raises(ValueError, match=r"0\.\.255 pixel values; got values in \[-1, 0\.5\]"):
        ImageFormat().convert(np.array([-1.0, 0.5]))
    with pytest.raises(ValueError, match=r"unknown name 'bianry'"):
        ImageFormat.get("bianry")


SHAPE = (8, 8, 1)
DENSE = dict(image_shape=SHAPE, latent_dim=2, architecture="dense", hidden_dims=(8,))


def test_every_family_owns_a_format_that_follows_its_likelihood_and_saves_it():
    owned = {
        models.VAE(**DENSE): ImageFormat(binarize="dynamic"),
        models.VAE(likelihood="gaussian", **DENSE): ImageFormat(),
        models.Autoencoder(**DENSE): ImageFormat(),
        models.GAN(image_shape=SHAPE, latent_dim=2, hidden_dims=(8,)): ImageFormat(scale="symmetric"),
        models.PixelCNN(image_shape=SHAPE, filters=4, num_blocks=1): ImageFormat(binarize="dynamic"),
        models.PixelCNN(image_shape=SHAPE, likelihood="categorical", num_levels=4, filters=4, num_blocks=1):
            ImageFormat(levels=4),
    }
    for model, fmt in owned.items():
        assert model.image_format == fmt, type(model).__name__
        assert ImageFormat.get(model.get_config()["image_format"]) == fmt
        assert protocols.value_range(model) == fmt.value_range
    assert models.GAN(image_shape=(2,), latent_dim=2, hidden_dims=(8,)).image_format is None
    chosen = models.VAE(likelihood="gaussian", image_format=ImageFormat(dequantize=True), **DENSE)
    assert type(chosen).from_config(chosen.get_config()).image_format == ImageFormat(dequantize=True)


@pytest.mark.parametrize("build,pattern", [
    (lambda: models.VAE(image_format="symmetric", **DENSE),
     r"VAE: image_format=ImageFormat\(scale='symmetric'\) gives values in \[-1, 1\], but the model takes values "
     r"in \[0, 1\]"),
    (lambda: models.PixelCNN(image_shape=SHAPE, likelihood="categorical", num_levels=4, filters=4, num_blocks=1,
                             image_format="unit"),
     r"PixelCNN: the model takes 4 levels; image_format=ImageFormat\(\) gives continuous values"),
    (lambda: models.PixelCNN(image_shape=SHAPE, likelihood="categorical", num_levels=4, filters=4, num_blocks=1,
                             image_format=ImageFormat(levels=256)),
     r"PixelCNN: image_format=ImageFormat\(levels=256\) gives values in \[0, 255\], but the model takes values "
     r"in \[0, 3\]"),
    (lambda: models.GAN(image_shape=(2,), latent_dim=2, image_format="unit"),
     r"GAN: image_format applies to models of images; this one takes vectors"),
])
def test_a_format_the_model_cannot_take_is_refused(build, pattern):
    with pytest.raises(ValueError, match=pattern):
        build()


def test_the_pipeline_reads_the_models_format():
    from kerasgen.data import load

    vae = models.VAE(**DENSE)
    x, _ = load("digits")
    by_model = next(iter(pipeline(x, image_format=vae, batch_size=16, seed=3)))
    by_hand = next(iter(pipeline(x, binarize="dynamic", batch_size=16, seed=3)))
    np.testing.assert_array_equal(by_model.numpy(), by_hand.numpy())
    with pytest.raises(ValueError, match=r"pass image_format or binarize, not both"):
        pipeline(x, image_format=vae, binarize="static")


# -- a preset a user saves is as usable from the CLI as a built-in one --------

FMNIST = (28, 28, 1)
TINY = {
    "Autoencoder": lambda: models.Autoencoder(image_shape=FMNIST, latent_dim=2, architecture="dense",
                                              hidden_dims=(8,), seed=0),
    "VAE": lambda: models.VAE(image_shape=FMNIST, latent_dim=2, architecture="dense", hidden_dims=(8,), seed=0),
    "ConditionalGAN": lambda: models.ConditionalGAN(num_classes=10, image_shape=FMNIST, latent_dim=4,
                                                    hidden_dims=(8,), seed=0),
    "GatedPixelCNN": lambda: models.GatedPixelCNN(image_shape=FMNIST, filters=4, num_layers=1, seed=0),
    "VQVAE": lambda: models.VQVAE(image_shape=FMNIST, num_codes=4, code_dim=2, filters=(4, 4), seed=0),
}


@pytest.mark.parametrize("family", sorted(TINY))
def test_a_user_saved_preset_is_evaluated_and_sampled_by_the_cli(family, tmp_path, capsys):
    model = TINY[family]()
    if family == "VQVAE":
        model.fit_prior(np.zeros((4, 7, 7), "int32"), epochs=1, batch_size=4, filters=4, num_layers=1, verbose=0)
    folder = tmp_path / "mine"
    model.save_to_preset(folder)
    metric = {"Autoencoder": "reconstruction", "VQVAE": "reconstruction", "ConditionalGAN": "sample_quality"}
    out = tmp_path / "result.json"
    assert cli.main(["evaluate", str(folder), "--test-images", "8", "--num-samples", "8", "--quiet",
                     "--metrics", metric.get(family, "nll"), "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    key = {"reconstruction": "reconstruction_mse", "sample_quality": "classifier_fid", "nll": "nll_nats"}
    assert np.isfinite(result[key[metric.get(family, "nll")]])
    if protocols.can_sample(model):
        grid = tmp_path / "grid.png"
        assert cli.main(["sample", str(folder), "--num", "2", "--out", str(grid), "--quiet"]) == 0
        assert grid.stat().st_size > 0


# Code that scales pixels by hand: x / 255.0, x / 127.5 - 1, u * 2.0 - 1.0, (x + 1.0) / 2.
CONVERSION = re.compile(r"/\s*255\.0|/\s*127\.5\s*-\s*1\.0|\*\s*2\.0\s*-\s*1\.0|\+\s*1\.0\s*\)\s*/\s*2")


def test_no_pixel_conversion_outside_image_format():
    root = Path(kerasgen.__file__).parent.parent
    found = []
    for folder in ("kerasgen", "examples", "benchmarks"):
        for path in sorted((root / folder).rglob("*.py")):
            if path.name == "image_format.py":
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                code = line.split("#")[0]
                if CONVERSION.search(code) and not code.strip().startswith(("``", '"', "'")):
                    found.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    assert not found, "convert pixels with the model's ImageFormat:\n" + "\n".join(found)
    assert CONVERSION.search("x = images / 255.0") and CONVERSION.search("(x + 1.0) / 2")
    assert not CONVERSION.search("scale: x / 127.5 - 1, in [-1, 1]")  # prose about a format is not one
