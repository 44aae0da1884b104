"""The examples run end to end on real Fashion-MNIST, in a smoke-sized setting."""

import importlib.util
import json
import math
import os
from pathlib import Path

import numpy as np
import pytest

from conftest import BACKEND
from kerasgen.data import default_data_dirs

ROOT = Path(__file__).resolve().parents[1]

needs_fashion_mnist = pytest.mark.skipif(
    not any(os.path.exists(os.path.join(d, "t10k-images-idx3-ubyte.gz")) for d in default_data_dirs("fashion_mnist")),
    reason="Fashion-MNIST IDX files not found (apt-get install dataset-fashion-mnist)",
)


# The examples run the same backend-neutral models that the model tests run under every backend; by default
# each runs under one backend (the cheaper ones for it), under the other two as a slow check (scripts/verify.sh).
def under(backend):
    return pytest.mark.verify if BACKEND != backend else pytest.mark.in_turn


def load_example(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@needs_fashion_mnist
@under("jax")
def test_vae_example_writes_pictures_and_measured_metrics(tmp_path):
    from PIL import Image

    example = load_example("vae_fashion_mnist")
    out = tmp_path / "run"
    argv = ["--out", str(out), "--epochs", "1", "--train-images", "2048", "--test-images", "500",
            "--nll-images", "40", "--nll-samples", "8", "--verbose", "0"]
    metrics = example.main(argv)

    for name in ("samples.png", "reconstructions.png", "traversal.png", "interpolation.png"):
        with Image.open(out / name) as image:
            assert image.size[0] > 80 and image.size[1] > 80
            assert len(np.unique(np.asarray(image))) > 10  # a picture, not a blank
    written = json.loads((out / "metrics.json").read_text())
    assert written == json.loads(json.dumps(metrics))
    test, nll = written["test"], written["test_nll"]
    assert all(math.isfinite(test[k]) for k in ("reconstruction_nats", "kl_nats", "negative_elbo_nats"))
    assert test["negative_elbo_nats"] == pytest.approx(test["reconstruction_nats"] + test["kl_nats"], rel=1e-5)
    # Even one short epoch beats a fair coin per pixel (784 ln 2 = 543 nats).
    assert nll["nll_nats"] < 784 * math.log(2)
    assert nll["num_images"] == 40 and nll["num_samples"] == 8
    assert (out / "vae.keras").stat().st_size > 100_000

    # A second run into the same folder refuses and leaves the files alone.
    before = (out / "metrics.json").read_bytes()
    with pytest.raises(SystemExit, match="already holds"):
        example.main(argv)
    assert (out / "metrics.json").read_bytes() == before


@needs_fashion_mnist
@pytest.mark.parametrize("model", [pytest.param("dcgan", marks=under("torch")),
                                   pytest.param("conditional", marks=under("tensorflow"))])
def test_gan_example_writes_grids_and_class_coverage(tmp_path, model):
    example = load_example("gan_fashion_mnist")
    out = tmp_path / model
    argv = ["--model", model, "--out", str(out), "--epochs", "2", "--train-images", "256",
            "--base-filters", "8", "--latent-dim", "16", "--classifier-images", "4096",
            "--classifier-epochs", "1", "--num-samples", "200", "--verbose", "0"]
    metrics = example.main(argv)
    assert sorted(p.name for p in out.glob("samples_epoch*.png")) == ["samples_epoch001.png", "samples_epoch002.png"]
    expected = {"interpolation.png", "metrics.json", "gan.keras"}
    if model == "conditional":
        expected |= {"class_grid.png", "class_interpolation.png"}
    assert expected <= {p.name for p in out.iterdir()}
    coverage = metrics["class_coverage"]
    assert sum(coverage["histogram"]) == 200 and 1 <= coverage["classes_reached"] <= 10
    assert metrics["classifier_test_accuracy"] > 0.7  # the classifier itself is real
    assert json.loads((out / "metrics.json").read_text())["class_coverage"]["histogram"] == coverage["histogram"]
    with pytest.raises(SystemExit, match="already holds"):
        example.main(argv)


def grid_cells(path, scale, padding=1, size=28):
    """Decodes a PNG grid of size x size images into (rows, cols, size, size) uint8 cells."""
    from PIL import Image

    with Image.open(path) as image:
        grid = np.asarray(image)
    assert grid.ndim == 2  # one channel, mode "L"
    assert grid.shape[0] % scale == 0 and grid.shape[1] % scale == 0
    grid = grid[::scale, ::scale]
    step = size + padding
    rows, cols = (grid.shape[0] - padding) // step, (grid.shape[1] - padding) // step
    assert grid.shape == (rows * step + padding, cols * step + padding)
    return np.stack([
        np.stack([grid[padding + r * step:padding + r * step + size, padding + c * step:padding + c * step + size]
                  for c in range(cols)])
        for r in range(rows)
    ])


@needs_fashion_mnist
@under("torch")
def test_gated_pixelcnn_example_writes_samples_completions_and_exact_nll(tmp_path):
    import keras
    from PIL import Image

    example = load_example("gated_pixelcnn_fashion_mnist")
    out = tmp_path / "run"
    argv = ["--out", str(out), "--epochs", "1", "--train-images", "512", "--test-images", "64",
            "--nll-images", "48", "--filters", "8", "--num-layers", "2", "--learning-rate", "3e-3",
            "--samples-per-class", "2", "--completion-seeds", "2", "--verbose", "0"]
    metrics = example.main(argv)
    scale = example.GRID_SCALE

    # samples.png: one row per class, two samples each; binary pixels only.
    with Image.open(out / "samples.png") as image:
        assert image.size == ((2 * 29 + 1) * scale, (10 * 29 + 1) * scale)  # (width, height)
    with Image.open(out / "completions.png") as image:
        assert image.size == ((10 * 29 + 1) * scale, (4 * 29 + 1) * scale)
    samples = grid_cells(out / "samples.png", scale)
    assert samples.shape == (10, 2, 28, 28)
    assert set(np.unique(samples)) <= {0, 255}

    # completions.png: originals, the given upper halves (grey below), then one row per seed.
    cells = grid_cells(out / "completions.png", scale)
    assert cells.shape == (2 + 2, 10, 28, 28)
    originals, given, completions = cells[0], cells[1], cells[2:]
    assert set(np.unique(originals)) <= {0, 255} and set(np.unique(completions)) <= {0, 255}
    np.testing.assert_array_equal(given[:, :14], originals[:, :14])
    assert np.all(given[:, 14:] == 128)
    for completion in completions:
        np.testing.assert_array_equal(completion[:, :14], originals[:, :14])  # kept exactly
    assert not np.array_equal(completions[0][:, 14:], completions[1][:, 14:])  # the seeds differ
    # One column per class, each the first test image of its class, in class order.
    assert metrics["completion_columns"] == list(example.CLASS_NAMES)

    written = json.loads((out / "metrics.json").read_text())
    assert written == json.loads(json.dumps(metrics))
    nll = written["test_nll"]
    assert nll["num_images"] == 48 and nll["likelihood"] == "bernoulli"
    assert all(math.isfinite(nll[k]) for k in ("nll_nats", "nll_nats_stderr", "bits_per_dim"))
    # One short epoch already beats a fair coin per pixel (784 ln 2 = 543 nats).
    assert 0 < nll["nll_nats"] < 784 * math.log(2)
    assert nll["bits_per_dim"] == pytest.approx(nll["nll_nats"] / (784 * math.log(2)), rel=1e-6)
    assert all(math.isfinite(v) for v in written["train_per_epoch"]["loss"])
    assert written["backend"] == keras.backend.backend()

    loaded = keras.saving.load_model(out / "gated_pixelcnn.keras")
    assert loaded.num_classes == 10 and loaded.filters == 8 and loaded.num_layers == 2

    # A second run into the same folder refuses and leaves the files alone.
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(SystemExit, match="already holds"):
        example.main(argv)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


# Trains two autoencoders to compare them: a slow check, run by scripts/verify.sh.
@pytest.mark.verify
@needs_fashion_mnist
def test_autoencoder_example_compares_the_two_models(tmp_path):
    example = load_example("autoencoder_fashion_mnist")
    out = tmp_path / "run"
    metrics = example.main(["--out", str(out), "--epochs", "1", "--train-images", "4096", "--batch-size", "64",
                            "--test-images", "200", "--latent-dim", "8", "--verbose", "0"])
    assert json.loads((out / "metrics.json").read_text()) == json.loads(json.dumps(metrics))
    for name in ("autoencoder", "denoising_autoencoder"):
        m = metrics[name]
        assert 0 < m["mse_clean"] < 0.8 * metrics["mse_of_the_mean_image"]
        assert 0 < m["mse_noisy_to_clean"] < metrics["mse_of_the_mean_image"]
        assert m["probe_accuracy"] > 0.3  # ten classes: chance is 0.1
    from PIL import Image

    with Image.open(out / "reconstructions.png") as image:
        assert image.size == ((10 * 29 + 1) * 2, (4 * 29 + 1) * 2)
    with pytest.raises(SystemExit, match="already holds"):
        example.main(["--out", str(out)])


@needs_fashion_mnist
@under("tensorflow")
def test_vqvae_example_trains_both_stages_and_samples(tmp_path):
    example = load_example("vqvae_fashion_mnist")
    out = tmp_path / "run"
    metrics = example.main(["--out", str(out), "--epochs", "1", "--prior-epochs", "1", "--train-images", "1024",
                            "--test-images", "64", "--samples", "16", "--num-codes", "16", "--verbose", "0"])
    assert metrics["test_perplexity"] > 1 and metrics["test_codes_used"] > 1
    assert 0 < metrics["test_reconstruction_mse"] < 0.25
    # The prior beats a uniform choice among the 16 codes (4 bits per code).
    assert 0 < metrics["prior_bits_per_code"] < 4
    for name in example.OUTPUT_NAMES:
        assert (out / name).exists()
