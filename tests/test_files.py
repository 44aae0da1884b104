"""Your own images: folders of PNG files and .npy/.npz arrays through kerasgen.data, read-only."""

import hashlib
import os

import numpy as np
import pytest
from PIL import Image

import keras

from kerasgen import models
from kerasgen.data import held_out_split, load, load_images, pipeline


def _write(folder, name, array):
    os.makedirs(folder, exist_ok=True)
    Image.fromarray(array).save(os.path.join(folder, name))


@pytest.fixture
def class_folder(tmp_path):
    """Two classes of grey 8x8 images, 6 each, and one 10x12 image: a folder a user might have."""
    rng = np.random.default_rng(0)
    for label in ("boots", "shirts"):
        for i in range(6):
            _write(tmp_path / "mine" / label, f"{i}.png", rng.integers(0, 256, (8, 8), dtype="uint8"))
    _write(tmp_path / "mine" / "shirts", "big.png", rng.integers(0, 256, (10, 12), dtype="uint8"))
    return tmp_path / "mine"


def _digests(folder):
    return {p: hashlib.sha256(open(os.path.join(r, p), "rb").read()).hexdigest()
            for r, _, files in os.walk(folder) for p in files}


def test_a_folder_of_class_subfolders_gives_images_and_labels_by_folder_name(class_folder):
    before = _digests(class_folder)
    with pytest.raises(ValueError, match=r"mine' holds images of 2 sizes \(8x8, 12x10.*pass image_size=N"):
        load_images(class_folder)
    images, labels = load_images(class_folder, image_size=8)
    assert images.shape == (13, 8, 8, 1) and images.dtype == np.uint8
    assert labels.tolist() == [0] * 6 + [1] * 7  # sorted folder names: boots 0, shirts 1
    # The rule: the central 10x10 square of the 12x10 image, resized to 8x8.
    big = np.asarray(Image.open(class_folder / "shirts" / "big.png"))
    expected = np.asarray(Image.fromarray(big[:, 1:11]).resize((8, 8), Image.BILINEAR))
    np.testing.assert_array_equal(images[-1, ..., 0], expected)
    assert load_images(class_folder, image_size=4, channels=3)[0].shape == (13, 4, 4, 3)
    assert _digests(class_folder) == before  # nothing in the user's folder changed


def test_rgb_files_without_classes_and_array_files(tmp_path):
    rng = np.random.default_rng(1)
    for i in range(4):
        _write(tmp_path / "rgb", f"{i}.png", rng.integers(0, 256, (6, 6, 3), dtype="uint8"))
    _write(tmp_path / "rgb", "grey.png", rng.integers(0, 256, (6, 6), dtype="uint8"))
    images, labels = load_images(tmp_path / "rgb")
    assert images.shape == (5, 6, 6, 3) and labels is None  # one colour image makes every image RGB
    x = rng.integers(0, 256, (10, 5, 5), dtype="uint8")
    np.savez(tmp_path / "data.npz", images=x, labels=np.arange(10) % 2)
    np.save(tmp_path / "data.npy", x)
    got, y = load_images(tmp_path / "data.npz")
    np.testing.assert_array_equal(got[..., 0], x)
    assert y.tolist() == [0, 1] * 5
    assert load_images(tmp_path / "data.npy")[1] is None


def test_the_held_out_split_is_seeded_and_disjoint(tmp_path):
    x = np.arange(40, dtype="uint8").reshape(40, 1, 1, 1)
    np.save(tmp_path / "x.npy", x)
    train, test = load(str(tmp_path / "x.npy"), split="train")[0], load(str(tmp_path / "x.npy"), split="test")[0]
    assert len(train) == 36 and len(test) == 4 and not set(train.ravel()) & set(test.ravel())
    np.testing.assert_array_equal(held_out_split(40, seed=0)[1], held_out_split(40, seed=0)[1])
    assert not np.array_equal(held_out_split(40, seed=0)[1], held_out_split(40, seed=1)[1])


@pytest.mark.parametrize("make,pattern", [
    (lambda p: os.makedirs(p / "empty"), r"empty' holds no images"),
    (lambda p: _write(p / "bad", "a.png", np.zeros((4, 4), "uint8")) or open(p / "bad" / "b.png", "wb").write(b"no"),
     r"b.png' is not a readable image"),
    (lambda p: np.savez(p / "bad.npz", images=np.zeros((4, 3, 3), "uint8"), labels=np.arange(3)),
     r"bad.npz': 4 images but 3 labels"),
    (lambda p: np.save(p / "bad.npy", np.full((2, 3, 3), 0.5)),
     r"bad.npy': images must be 0..255 pixel values .*got dtype float64 with values in \[0.5, 0.5\]"),
    (lambda p: np.savez(p / "bad.npz", pictures=np.zeros((2, 3, 3), "uint8")),
     r"bad.npz' has no images: expected one of the keys"),
])
def test_bad_sources_are_refused_naming_the_path(tmp_path, make, pattern):
    make(tmp_path)
    target = next(p for p in sorted(tmp_path.iterdir()))
    with pytest.raises(ValueError, match=pattern):
        load_images(target)


def test_a_conditional_model_trains_on_the_labels_of_a_folder(class_folder):
    keras.utils.set_random_seed(0)
    model = models.ConditionalVAE(num_classes=2, image_shape=(8, 8, 1), latent_dim=2, architecture="dense",
                                  hidden_dims=(8,), seed=0)
    model.compile(optimizer="adam")
    images, labels = load_images(class_folder, image_size=8)
    data = pipeline((images, labels), image_format=model, labels=True, batch_size=13, seed=0)
    history = model.fit(data, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_kerasgen_evaluate_takes_a_folder_of_your_images(tmp_path, capsys):
    from kerasgen import cli

    grey = tmp_path / "grey"
    rng = np.random.default_rng(2)
    for i in range(40):
        _write(grey, f"{i}.png", rng.integers(0, 256, (8, 8), dtype="uint8"))
    vae = models.VAE(image_shape=(8, 8, 1), latent_dim=2, architecture="dense", hidden_dims=(8,), seed=0)
    vae.save_to_preset(tmp_path / "my_vae")
    out = tmp_path / "result.json"
    assert cli.main(["evaluate", str(tmp_path / "my_vae"), "--dataset", str(grey), "--num-samples", "4",
                     "--metrics", "nll", "sample_quality", "--json", str(out), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "no evaluation classifier for these images, so no sample-quality metrics" in err
    import json

    result = json.loads(out.read_text())
    assert result["num_examples"] == 4 and np.isfinite(result["nll_nats"])  # the held-out 10% of 40 images
    assert "sample_quality: no classifier" in result["skipped"]
