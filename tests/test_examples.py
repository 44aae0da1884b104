"""The examples run end to end on real Fashion-MNIST, in a smoke-sized setting."""

import importlib.util
import json
import math
import os
from pathlib import Path

import numpy as np
import pytest

from kerasgen.data import default_data_dirs

ROOT = Path(__file__).resolve().parents[1]

needs_fashion_mnist = pytest.mark.skipif(
    not any(os.path.exists(os.path.join(d, "t10k-images-idx3-ubyte.gz")) for d in default_data_dirs("fashion_mnist")),
    reason="Fashion-MNIST IDX files not found (apt-get install dataset-fashion-mnist)",
)


def load_example(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@needs_fashion_mnist
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
@pytest.mark.parametrize("model", ["dcgan", "conditional"])
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
