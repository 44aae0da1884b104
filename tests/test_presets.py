"""Preset folders: round trip, no overwriting, and clear errors for bad names and damaged files."""

import json
import os

import numpy as np
import pytest

from kerasgen.models import Classifier
from kerasgen.presets import list_presets, load_metadata, load_preset, save_preset


@pytest.fixture
def saved(tmp_path):
    model = Classifier(image_shape=(8, 8, 1), num_classes=3, filters=(4,), feature_dim=8)
    path = tmp_path / "tiny"
    save_preset(model, path, {"metrics": {"test_accuracy": 0.5}})
    return model, path


def test_round_trip_gives_the_same_outputs(saved):
    model, path = saved
    assert sorted(os.listdir(path)) == ["config.json", "metadata.json", "model.weights.h5"]
    x = np.random.default_rng(0).random((5, 8, 8, 1)).astype("float32")
    loaded = load_preset(path)
    np.testing.assert_array_equal(loaded.probabilities(x), model.probabilities(x))
    assert load_metadata(path) == {"metrics": {"test_accuracy": 0.5}}


def test_an_existing_folder_is_not_overwritten(saved):
    model, path = saved
    before = (path / "model.weights.h5").read_bytes()
    with pytest.raises(FileExistsError, match="exists; pass overwrite=True"):
        save_preset(model, path, {})
    assert (path / "model.weights.h5").read_bytes() == before
    assert load_metadata(path) == {"metrics": {"test_accuracy": 0.5}}


def test_unknown_names_list_close_matches():
    assert "fashion_mnist_classifier" in list_presets()
    with pytest.raises(ValueError, match=r"Unknown preset 'fashion_mnist_clasifier'.*Did you mean 'fashion_mnist_classifier'"):
        load_preset("fashion_mnist_clasifier")


@pytest.mark.parametrize("damage, error, match", [
    ("missing_config", FileNotFoundError, "has no config.json"),
    ("missing_weights", FileNotFoundError, "has no model.weights.h5"),
    ("truncated_weights", ValueError, r"model.weights.h5' could not be loaded"),
    ("corrupted_metadata", ValueError, r"metadata.json' is not valid JSON"),
    ("wrong_config", ValueError, r"config.json' does not describe a model"),
])
def test_damaged_files_are_named(saved, damage, error, match):
    _, path = saved
    if damage == "missing_config":
        os.remove(path / "config.json")
    elif damage == "missing_weights":
        os.remove(path / "model.weights.h5")
    elif damage == "truncated_weights":
        data = (path / "model.weights.h5").read_bytes()
        (path / "model.weights.h5").write_bytes(data[: len(data) // 2])
    elif damage == "corrupted_metadata":
        (path / "metadata.json").write_text('{"metrics": {"test_acc')
    else:
        (path / "config.json").write_text(json.dumps({"class_name": "NoSuchModel", "config": {}}))
    with pytest.raises(error, match=match):
        load_preset(path)
