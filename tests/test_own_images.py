"""Your own images end to end: every family trains on folders of PNG files and .npz files, by the API and the CLI.

The folders are written here, in a temp dir, as a user would have them:
RGB images in one subfolder per class and RGB images (PNG and JPEG) with no
classes; grey images of mixed sizes with no classes and grey images in one
subfolder per class; an .npz of grey images with labels. Nothing in them may
change.
"""

import hashlib
import importlib.util
import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import keras

import kerasgen
from kerasgen import models, protocols, recipes
from kerasgen.cli import main
from kerasgen.data import pipeline
from kerasgen.presets import compile_from_recipe, load_metadata

ROOT = Path(__file__).resolve().parents[1]


def _digests(folder):
    return {os.path.relpath(os.path.join(r, f), folder): hashlib.sha256(open(os.path.join(r, f), "rb").read()).hexdigest()
            for r, _, files in os.walk(folder) for f in files}


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    """{"rgb": 2 classes of 32x32 RGB PNGs, "rgb_flat": unlabelled 32x32 RGB PNGs and JPEGs, "grey": unlabelled
    grey PNGs of two sizes, "grey_classes": 2 classes of 28x28 grey PNGs, "npz": grey 28x28 + labels}."""
    root = tmp_path_factory.mktemp("own")
    rng = np.random.default_rng(0)
    for k, name in enumerate(("cats", "dogs")):
        os.makedirs(root / "rgb" / name)
        for i in range(20):
            pixels = rng.integers(0, 256, (32, 32, 3), dtype="uint8")
            pixels[:, :, k] //= 2  # the classes differ a little, in colour
            Image.fromarray(pixels).save(root / "rgb" / name / f"{i}.png")
    os.makedirs(root / "grey")
    for i in range(20):
        size = (28, 28) if i % 2 else (34, 30)
        Image.fromarray(rng.integers(0, 256, size, dtype="uint8")).save(root / "grey" / f"{i:02d}.png")
    os.makedirs(root / "rgb_flat")
    for i in range(20):
        pixels = Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype="uint8"))
        pixels.save(root / "rgb_flat" / (f"{i:02d}.jpg" if i % 4 == 0 else f"{i:02d}.png"))
    for k, name in enumerate(("shirts", "shoes")):
        os.makedirs(root / "grey_classes" / name)
        for i in range(10):
            Image.fromarray(rng.integers(0, 256, (28, 28), dtype="uint8") // (k + 1)).save(
                root / "grey_classes" / name / f"{i}.png")
    np.savez(root / "mine.npz", images=rng.integers(0, 256, (30, 28, 28), dtype="uint8"), labels=np.arange(30) % 3)
    paths = {"rgb": str(root / "rgb"), "grey": str(root / "grey"), "npz": str(root / "mine.npz"),
             "rgb_flat": str(root / "rgb_flat"), "grey_classes": str(root / "grey_classes")}
    before = {k: _digests(p) if os.path.isdir(p) else hashlib.sha256(open(p, "rb").read()).hexdigest()
              for k, p in paths.items()}
    yield paths
    after = {k: _digests(p) if os.path.isdir(p) else hashlib.sha256(open(p, "rb").read()).hexdigest()
             for k, p in paths.items()}
    assert after == before, "a kerasgen call changed the user's images"


# Small models of every public class for 32x32x3 images: (constructor, takes labels).
SMALL = {
    "Autoencoder": lambda s: models.Autoencoder(image_shape=s, latent_dim=4, filters=(8, 8)),
    "DenoisingAutoencoder": lambda s: models.DenoisingAutoencoder(image_shape=s, latent_dim=4, filters=(8, 8)),
    "VAE": lambda s: models.VAE(image_shape=s, latent_dim=4, likelihood="gaussian", filters=(8, 8)),
    "ConditionalVAE": lambda s, k=2: models.ConditionalVAE(num_classes=k, image_shape=s, latent_dim=4, filters=(8, 8)),
    "GAN": lambda s: models.GAN(image_shape=s, latent_dim=4, hidden_dims=(16,)),
    "DCGAN": lambda s: models.DCGAN(image_shape=s, latent_dim=4, base_filters=8),
    "ConditionalGAN": lambda s, k=2: models.ConditionalGAN(num_classes=k, image_shape=s, latent_dim=4,
                                                      architecture="dcgan", base_filters=8),
    "WGANGP": lambda s: models.WGANGP(image_shape=s, latent_dim=4, architecture="dcgan", base_filters=8,
                                      discriminator_steps=1),
    "PixelCNN": lambda s: models.PixelCNN(image_shape=s, likelihood="logistic_mixture", num_mixtures=2,
                                          filters=12, num_blocks=1),
    "GatedPixelCNN": lambda s: models.GatedPixelCNN(image_shape=s, likelihood="logistic_mixture", num_mixtures=2,
                                                    filters=6, num_layers=2),
    "PixelRNN": lambda s: models.PixelRNN(image_shape=s, likelihood="logistic_mixture", num_mixtures=2,
                                          kind="row_lstm", units=6, num_layers=1),
    "VQVAE": lambda s: models.VQVAE(image_shape=s, num_codes=8, code_dim=4, filters=(8, 8), likelihood="gaussian"),
    "Classifier": lambda s, k=2: models.Classifier(image_shape=s, num_classes=k, filters=(8, 8), feature_dim=8),
}


def test_every_public_model_class_has_a_small_rgb_model_here():
    public = {n for n in models.__all__ if n not in ("AutoregressiveModel", "LatentImageModel")}
    assert set(SMALL) == public


@pytest.mark.parametrize("name", sorted(SMALL))
def test_every_model_class_trains_on_a_folder_of_rgb_images_and_samples(name, sources):
    """Every class at 32x32x3 from a folder of PNGs (labels from the folder names), one step, then one sample."""
    keras.utils.set_random_seed(0)
    model = SMALL[name]((32, 32, 3))
    takes_labels = protocols.is_conditional(model) or isinstance(model, models.Classifier)
    compile_from_recipe(model)
    data = pipeline(sources["rgb"], image_format=model, labels=takes_labels, batch_size=8, seed=0)
    history = model.fit(data, epochs=1, steps_per_epoch=1, verbose=0)
    assert all(np.isfinite(v[-1]) for v in history.history.values()), history.history
    if isinstance(model, models.VQVAE):
        x, _ = kerasgen.data.load(sources["rgb"], split="train")
        model.fit_prior(model.encode(model.image_format.convert(x[:8], seed=0)), epochs=1, batch_size=8,
                        filters=6, num_layers=1, verbose=0)
    # PixelRNN's sampler runs the whole network once per subpixel, 3,072 times at 32x32x3 (14 s under
    # TensorFlow, 46 s under PyTorch): here an 8x8x3 one samples, and scripts/verify_image_sizes.py samples
    # the recipe's PixelRNNs at 32 and 64 pixels.
    if isinstance(model, models.PixelRNN):
        model = SMALL[name]((8, 8, 3))
        sample = np.asarray(model.sample(1, seed=0))
        assert sample.shape == (1, 8, 8, 3) and set(np.unique(sample)) <= set(range(256))
    elif protocols.can_sample(model):
        kwargs = {"labels": [1]} if protocols.is_conditional(model) else {}
        sample = np.asarray(model.sample(1, seed=0, **kwargs))
        assert sample.shape == (1, 32, 32, 3) and np.all(np.isfinite(sample))
        low, high = model.image_format.value_range
        if not protocols.samples_may_leave_range(model):  # a Gaussian decoder's means may
            assert low <= sample.min() and sample.max() <= high



def _takes_labels(model):
    return protocols.is_conditional(model) or isinstance(model, models.Classifier)


# Every class trains on the RGB folder under every backend by default (above). On the grey folders and the
# .npz, and at 64x64x3, each class trains by default under one backend in turn, and under the other two as a
# slow check (scripts/verify.sh): shapes and sources change here, not the backend code.
_BACKENDS = ("tensorflow", "jax", "torch")


def _in_turn(offset):
    return [name if _BACKENDS[(sorted(SMALL).index(name) + offset) % 3] == keras.backend.backend()
            else pytest.param(name, marks=pytest.mark.verify) for name in sorted(SMALL)]


@pytest.mark.parametrize("name", _in_turn(0))
def test_every_model_class_trains_on_grey_folders_and_on_an_npz(name, sources):
    """Every class at 28x28x1, one step on a grey folder and one on the .npz (its labels).

    The folder: for a model that takes labels, the one with class subfolders; for the others, the one without,
    of mixed sizes, resized to 28.
    """
    keras.utils.set_random_seed(0)
    probe = SMALL[name]((28, 28, 1))
    model = SMALL[name]((28, 28, 1), 3) if _takes_labels(probe) else probe  # the .npz has 3 classes
    compile_from_recipe(model)
    if _takes_labels(model):
        # The grey folder has no class subfolders: no labels to give, and the error says so.
        with pytest.raises(ValueError, match="labels=True but the source has no labels"):
            pipeline(sources["grey"], image_format=model, labels=True, image_size=28, batch_size=8, seed=0)
        grey = pipeline(sources["grey_classes"], image_format=model, labels=True, batch_size=8, seed=0)
    else:
        grey = pipeline(sources["grey"], image_format=model, image_size=28, batch_size=8, seed=0)
    history = model.fit(grey, epochs=1, steps_per_epoch=1, verbose=0)
    assert all(np.isfinite(v[-1]) for v in history.history.values()), history.history
    npz = pipeline(sources["npz"], image_format=model, labels=_takes_labels(model), batch_size=8, seed=0)
    history = model.fit(npz, epochs=1, steps_per_epoch=1, verbose=0)
    assert all(np.isfinite(v[-1]) for v in history.history.values()), history.history


# An autoregressive model samples a 64x64x3 image one subpixel at a time (12,288 steps): slow checks.
_SAMPLES_AT_64_SLOWLY = ("PixelCNN", "GatedPixelCNN", "PixelRNN")


@pytest.mark.parametrize("name", _in_turn(1))
def test_every_model_class_trains_on_64x64_rgb_images_and_samples(name, sources):
    """Every class at 64x64x3 (32x32 images resized), one step, then one sample where it is quick.

    A model that takes labels trains on the folder with class subfolders; the others on the one without.
    """
    keras.utils.set_random_seed(0)
    model = SMALL[name]((64, 64, 3))
    compile_from_recipe(model)
    folder = sources["rgb"] if _takes_labels(model) else sources["rgb_flat"]
    data = pipeline(folder, image_format=model, labels=_takes_labels(model), image_size=64, batch_size=8, seed=0)
    history = model.fit(data, epochs=1, steps_per_epoch=1, verbose=0)
    assert all(np.isfinite(v[-1]) for v in history.history.values()), history.history
    # A VQ-VAE samples once its prior is trained (_check_one_sample trains one).
    if name not in _SAMPLES_AT_64_SLOWLY and (protocols.can_sample(model) or isinstance(model, models.VQVAE)):
        _check_one_sample(model, (64, 64, 3), sources)


def _check_one_sample(model, shape, sources):
    if isinstance(model, models.VQVAE):
        x, _ = kerasgen.data.load(sources["rgb"], split="train", image_size=shape[0])
        model.fit_prior(model.encode(model.image_format.convert(x[:8], seed=0)), epochs=1, batch_size=8,
                        filters=6, num_layers=1, verbose=0)
    kwargs = {"labels": [1]} if protocols.is_conditional(model) else {}
    sample = np.asarray(model.sample(1, seed=0, **kwargs))
    assert sample.shape == (1, *shape) and np.all(np.isfinite(sample))
    if isinstance(model, models.AutoregressiveModel):
        assert set(np.unique(sample)) <= set(range(256))
    low, high = model.image_format.value_range
    if not protocols.samples_may_leave_range(model):  # a Gaussian decoder's means may
        assert low <= sample.min() and sample.max() <= high


@pytest.mark.verify
@pytest.mark.parametrize("name", _SAMPLES_AT_64_SLOWLY)
def test_every_autoregressive_class_samples_a_64x64_rgb_image(name, sources):
    keras.utils.set_random_seed(0)
    model = SMALL[name]((64, 64, 3))
    compile_from_recipe(model)
    data = pipeline(sources["rgb"], image_format=model, image_size=64, batch_size=8, seed=0)
    model.fit(data, epochs=1, steps_per_epoch=1, verbose=0)
    _check_one_sample(model, (64, 64, 3), sources)


def _cli(*argv):
    return main([str(a) for a in argv])


# Each family once, from one of the five sources, by the CLI; together they cover every source kind, grey and
# RGB with and without class folders, 28, 32 and 64 pixels, and labels from class folders and from the .npz.
CLI_RUNS = {
    "autoencoder": ("rgb_flat", []),
    "beta_vae": ("grey", ["--image-size", 28]),
    "denoising_autoencoder": ("npz", []),
    "vae": ("rgb", []),
    "conditional_vae": ("grey_classes", []),
    "dcgan": ("rgb", ["--image-size", 64]),
    "conditional_gan": ("rgb", []),
    "wgan_gp": ("grey", ["--image-size", 28]),
    "pixelcnn": ("rgb", []),
    "gated_pixelcnn": ("grey", ["--image-size", 28]),
    "pixelrnn": ("npz", []),
    "pixelrnn_diagonal": ("npz", []),
    "vqvae": ("rgb", []),
}


def test_every_family_has_a_cli_run_here():
    assert set(CLI_RUNS) == set(recipes.families())


# The CLI's glue (recipes.train) is one backend-neutral path, and every model class trains and samples under
# every backend above: so each family's CLI run is under one backend, in turn (four or five families a backend).
BACKENDS = ("tensorflow", "jax", "torch")
# In this rotation conditional_gan, the dearest run, falls to TensorFlow, and the thirteenth family to torch,
# the quickest backend here.
ROTATION = ("torch", "jax", "tensorflow")
CLI_BACKEND = {family: ROTATION[i % 3] for i, family in enumerate(sorted(CLI_RUNS))}


def test_every_backend_has_its_share_of_the_cli_runs():
    shares = [list(CLI_BACKEND.values()).count(backend) for backend in BACKENDS]
    assert max(shares) - min(shares) <= 1, shares
    assert CLI_BACKEND["conditional_gan"] == "tensorflow"


@pytest.fixture(scope="module")
def rgb_classifier(sources, tmp_path_factory):
    """An evaluation classifier for the RGB folder, trained by `kerasgen train classifier` (one epoch)."""
    clf = tmp_path_factory.mktemp("clf") / "preset"
    assert _cli("train", "classifier", "--data", sources["rgb"], "--epochs", 1, "--preset-dir", clf, "--quiet") == 0
    return clf


@pytest.mark.parametrize("family", sorted(CLI_RUNS))
def test_kerasgen_train_trains_every_family_on_your_images(family, sources, tmp_path, capsys, request):
    if CLI_BACKEND[family] != keras.backend.backend():
        pytest.skip(f"the {family} CLI run is under {CLI_BACKEND[family]} (CLI_BACKEND)")
    source, flags = CLI_RUNS[family]
    out = tmp_path / "run"
    grids = 0 if "pixel" in family else 4
    if family == "conditional_gan":  # its headline, label accuracy, with a classifier of these images
        flags = flags + ["--classifier", request.getfixturevalue("rgb_classifier")]
    assert _cli("train", family, "--data", sources[source], *flags, "--epochs", 1, "--steps-per-epoch", 1,
                "--batch-size", 8, "--test-images", 4, "--grid-images", grids, "--out", out, "--quiet") == 0
    printed = capsys.readouterr().out
    preset = out / "preset"
    meta = load_metadata(preset)
    size = CLI_RUNS[family][1][1] if CLI_RUNS[family][1] else (32 if source.startswith("rgb") else 28)
    channels = 3 if source.startswith("rgb") else 1
    assert meta["dataset"]["image_shape"] == [size, size, channels]
    assert meta["dataset"]["split"]["test"] == "held out" and meta["dataset"]["split"]["seed"] == 0
    assert meta["dataset"]["name"] == os.path.abspath(sources[source])
    assert meta["name"] == f"{family}_{os.path.splitext(os.path.basename(sources[source]))[0]}"
    head = meta["headline"]
    if family == "conditional_gan":
        assert head["metric"] == "label_accuracy" and 0 <= head["value"] <= 1
        assert meta["evaluation_classifier"] == str(request.getfixturevalue("rgb_classifier"))
    elif "sample_quality" in str(recipes.RECIPES[family]["headline"]["evaluate"]):
        # No evaluation classifier was given for these images: recorded as skipped, with the way to get one.
        assert head["value"] is None and "kerasgen train classifier --data" in head["skipped"]
        assert "not measured" in printed
    else:
        assert np.isfinite(head["value"]), head
    config = meta["recipe"]["model"]["config"]
    assert config["image_shape"] == [size, size, channels]
    if channels == 3 and family in ("vae", "pixelcnn", "vqvae"):
        # 8-bit colour: a Gaussian decoder, or 256 levels per subpixel for the autoregressive models.
        assert config["likelihood"] == ("logistic_mixture" if family == "pixelcnn" else "gaussian")
    if grids and family not in ("autoencoder", "denoising_autoencoder"):
        # A VQ-VAE samples once its prior is trained, after the epochs: its grid is the final one.
        assert (out / "samples" / ("final.png" if family == "vqvae" else "epoch_001.png")).is_file()



# Every family on every source by the CLI, under the backend in use: 72 runs a backend, a slow check
# (scripts/verify.sh); the default run has each family's run above, under one backend in turn.
_SOURCE_FLAGS = {"rgb": [], "rgb64": ["--image-size", 64], "rgb_flat": [], "grey": ["--image-size", 28],
                 "grey_classes": [], "npz": []}


@pytest.mark.verify
@pytest.mark.parametrize("source", sorted(_SOURCE_FLAGS))
@pytest.mark.parametrize("family", sorted(CLI_RUNS))
def test_kerasgen_train_trains_every_family_on_every_source(family, source, sources, tmp_path, capsys):
    out = tmp_path / "run"
    path = sources["rgb" if source == "rgb64" else source]
    argv = ["train", family, "--data", path, *_SOURCE_FLAGS[source], "--epochs", 1, "--steps-per-epoch", 1,
            "--batch-size", 8, "--test-images", 4, "--grid-images", 0, "--out", out, "--quiet"]
    if source in ("grey", "rgb_flat") and "num_classes" in recipes.RECIPES[family]["model"]["config"]:
        assert _cli(*argv) == 2
        assert "is class-conditional and needs labels" in capsys.readouterr().err
        assert not out.exists()
        return
    assert _cli(*argv) == 0
    meta = load_metadata(out / "preset")
    size = {"rgb": 32, "rgb_flat": 32, "rgb64": 64}.get(source, 28)
    channels = 3 if source.startswith("rgb") else 1
    assert meta["dataset"]["image_shape"] == [size, size, channels]
    assert meta["recipe"]["model"]["config"]["image_shape"] == [size, size, channels]
    head = meta["headline"]
    assert head["value"] is None and "skipped" in head or np.isfinite(head["value"]), head


def test_a_classifier_for_your_images_gives_a_model_of_them_its_sample_quality(sources, rgb_classifier, tmp_path):
    meta = load_metadata(rgb_classifier)
    assert meta["family"] == "classifier" and meta["metrics"]["test_images"] == 4  # the held-out 10% of 40
    assert meta["dataset"]["split"]["test"] == "held out" and 0 <= meta["metrics"]["test_accuracy"] <= 1
    gan = SMALL["DCGAN"]((32, 32, 3))
    gan.save_to_preset(str(tmp_path / "gan"))
    assert _cli("evaluate", tmp_path / "gan", "--data", sources["rgb"], "--classifier", rgb_classifier,
                "--num-samples", 8, "--json", tmp_path / "e.json", "--quiet") == 0
    result = json.loads((tmp_path / "e.json").read_text())
    assert np.isfinite(result["classifier_fid"]) and str(rgb_classifier) in result["feature_space"]


def test_bad_own_images_get_clear_errors(sources, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SystemExit):
        _cli("train", "vae", "--data", tmp_path / "nowhere", "--out", tmp_path / "r0")
    assert "--data '" + str(tmp_path / "nowhere") + "' does not exist" in capsys.readouterr().err
    assert _cli("train", "vae", "--data", empty, "--out", tmp_path / "r1") == 2
    assert f"{str(empty)!r} holds no images" in capsys.readouterr().err
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "a.png").write_bytes(b"not a png")
    assert _cli("train", "vae", "--data", tmp_path / "broken", "--out", tmp_path / "r2") == 2
    assert "a.png' is not a readable image" in capsys.readouterr().err
    assert _cli("train", "vae", "--data", sources["grey"], "--out", tmp_path / "r3") == 2
    err = capsys.readouterr().err
    assert "holds images of 2 sizes (28x28, 30x34" in err and "pass image_size=N (--image-size N)" in err
    # A class-conditional family on images without classes.
    assert _cli("train", "conditional_vae", "--data", sources["grey"], "--image-size", 28,
                "--out", tmp_path / "r4") == 2
    assert "ConditionalVAE is class-conditional and needs labels" in capsys.readouterr().err
    # Fewer images than a batch.
    assert _cli("train", "vae", "--data", sources["npz"], "--out", tmp_path / "r5", "--quiet") == 2
    assert "fewer than batch_size=128" in capsys.readouterr().err
    # RGB images for a grey model, and grey for an RGB one: the shapes and the flags that convert.
    with pytest.raises(SystemExit):
        _cli("evaluate", "vae_fashion_mnist", "--data", sources["rgb"], "--json", tmp_path / "e.json")
    err = capsys.readouterr().err
    assert "holds RGB images of shape (32, 32, 3), and preset 'vae_fashion_mnist' takes grey images of shape " \
           "(28, 28, 1): pass --image-size 28 --channels 1" in err
    assert not (tmp_path / "e.json").exists()
    for run in ("r1", "r2", "r3", "r4"):
        assert not (tmp_path / run).exists(), run  # a refused run leaves nothing behind


def test_the_own_images_example_runs_in_smoke_mode(sources, tmp_path):
    spec = importlib.util.spec_from_file_location("own_images", ROOT / "examples" / "own_images.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    out = tmp_path / "own"
    result = example.main([sources["rgb"], "--family", "vae", "--out", str(out), "--smoke", "--verbose", "0"])
    written = json.loads((out / "metrics.json").read_text())
    assert written["headline"]["metric"] == "nll_nats" and np.isfinite(written["headline"]["value"])
    assert written["dataset"]["split"]["test"] == "held out" and result["smoke"]
    for name in ("samples.png", "reconstructions.png"):
        with Image.open(out / name) as image:
            assert image.mode == "RGB" and len(np.unique(np.asarray(image))) > 10
