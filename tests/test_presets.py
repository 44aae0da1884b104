"""Preset folders and .keras files: round trip, digests, finite weights, no overwriting, clear errors."""

import hashlib
import json
import os
import re
import shutil
import zipfile
from pathlib import Path

import h5py
import keras
import numpy as np
import pytest

import kerasgen
from kerasgen import presets
from kerasgen.models import Classifier
from kerasgen.presets import list_presets, load_metadata, load_preset, save_preset

ZOO_PRESET = "pixelrnn_row_lstm_fashion_mnist"  # the smallest zoo preset (250 kB of weights)


def tiny_classifier(num_classes=3):
    return Classifier(image_shape=(8, 8, 1), num_classes=num_classes, filters=(4,), feature_dim=8)


def digests_of(folder):
    """The digests, computed here rather than by the code under test."""
    out = {}
    for name in ("config.json", "model.weights.h5"):
        data = (folder / name).read_bytes()
        out[name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    return out


def largest_dataset(h5):
    datasets = []
    h5.visititems(lambda _, obj: datasets.append(obj) if isinstance(obj, h5py.Dataset) else None)
    return max(datasets, key=lambda ds: ds.size)


@pytest.fixture
def saved(tmp_path):
    model = tiny_classifier()
    path = tmp_path / "tiny"
    save_preset(model, path, {"metrics": {"test_accuracy": 0.5}})
    return model, path


@pytest.fixture
def zoo_copy(tmp_path):
    path = tmp_path / ZOO_PRESET
    shutil.copytree(os.path.join(presets.ZOO_DIR, ZOO_PRESET), path)
    return path


def test_round_trip_gives_the_same_outputs(saved):
    model, path = saved
    assert sorted(os.listdir(path)) == ["config.json", "metadata.json", "model.weights.h5"]
    x = np.random.default_rng(0).random((5, 8, 8, 1)).astype("float32")
    loaded = load_preset(path)
    np.testing.assert_array_equal(loaded.probabilities(x), model.probabilities(x))
    assert load_metadata(path) == {"metrics": {"test_accuracy": 0.5}, "files": digests_of(path)}


def test_every_zoo_preset_records_the_digests_of_its_files():
    for name in list_presets():
        assert load_metadata(name).get("files") == digests_of(Path(presets.ZOO_DIR) / name), name


# -- digests ------------------------------------------------------------------

def test_flipped_bytes_inside_a_weight_tensor_are_refused(zoo_copy):
    weights = zoo_copy / "model.weights.h5"
    with h5py.File(weights, "r") as f:
        ds = largest_dataset(f)
        name, before = ds.name, ds[...]
        start = ds.id.get_offset() + ds.size * ds.dtype.itemsize // 2
    with open(weights, "r+b") as f:
        f.seek(start)
        chunk = f.read(20)
        f.seek(start)
        f.write(bytes(b ^ 0xFF for b in chunk))
    with h5py.File(weights, "r") as f:  # the damage is in the tensor, not in the file's structure
        assert not np.array_equal(f[name][...], before)
    with pytest.raises(ValueError, match=r"model\.weights\.h5' does not match the digest recorded"):
        kerasgen.from_preset(zoo_copy)


def test_a_changed_config_is_refused_before_anything_is_built(saved):
    _, path = saved
    config = json.loads((path / "config.json").read_text())
    config["config"]["num_classes"] = 4
    (path / "config.json").write_text(json.dumps(config, indent=2))
    with pytest.raises(ValueError, match=r"config\.json' does not match.*recorded \{'sha256': '[0-9a-f]{64}'"):
        load_preset(path, load_weights=False)


def test_a_nan_weight_is_refused_naming_the_variable(zoo_copy):
    weights = zoo_copy / "model.weights.h5"
    with h5py.File(weights, "r+") as f:
        ds = largest_dataset(f)
        clean = ds[...]
        poisoned = clean.copy()
        poisoned.flat[[3, 7]] = [np.nan, np.inf]
        ds[...] = poisoned
    presets.record_digests(zoo_copy, replace=True)  # the digests match: only the NaN check can tell
    reference = kerasgen.from_preset(ZOO_PRESET)
    [variable] = [v.path for v in reference.weights if np.array_equal(np.asarray(v), clean)]
    keras.backend.clear_session()  # so that the next build gives its layers the same names
    with pytest.raises(ValueError, match=(
            rf"model\.weights\.h5' holds non-finite weights: variable '{re.escape(variable)}' .*"
            rf"has 2 non-finite values of {clean.size} \(1 NaN, 1 Inf\)")):
        kerasgen.from_preset(zoo_copy)


def test_a_preset_without_digests_loads_with_a_warning(zoo_copy):
    meta = load_metadata(zoo_copy)
    del meta["files"]
    (zoo_copy / "metadata.json").write_text(json.dumps(meta, indent=2))
    with pytest.warns(UserWarning, match=r"records no digest of config\.json or model\.weights\.h5.*cannot be verified"):
        model = kerasgen.from_preset(zoo_copy)
    assert len(model.weights) == len(kerasgen.from_preset(ZOO_PRESET).weights)


def test_record_digests_keeps_every_other_key_in_order_and_refuses_a_changed_file(zoo_copy, capsys):
    original = (zoo_copy / "metadata.json").read_text()
    meta = json.loads(original)
    del meta["files"]
    (zoo_copy / "metadata.json").write_text(json.dumps(meta, indent=2))
    assert presets.main(["record-digests", str(zoo_copy)]) == 0
    recorded = (zoo_copy / "metadata.json").read_text()
    # The same digests come back, "files" goes last, and every other key keeps its place (indent=2, as saved).
    assert json.loads(recorded) == json.loads(original)
    assert list(json.loads(recorded)) == [k for k in json.loads(original) if k != "files"] + ["files"]
    assert recorded == json.dumps({**meta, "files": json.loads(original)["files"]}, indent=2)
    assert presets.main(["record-digests", str(zoo_copy)]) == 0  # already recorded: unchanged
    assert (zoo_copy / "metadata.json").read_text() == recorded
    with open(zoo_copy / "config.json", "a") as f:
        f.write("\n")
    assert presets.main(["record-digests", str(zoo_copy)]) == 2
    assert "config.json' does not match" in capsys.readouterr().err
    assert (zoo_copy / "metadata.json").read_text() == recorded
    assert presets.main(["record-digests", "--replace", str(zoo_copy)]) == 0
    assert load_metadata(zoo_copy)["files"] == digests_of(zoo_copy)


# -- damaged files --------------------------------------------------------------

def test_unknown_names_list_close_matches():
    assert "fashion_mnist_classifier" in list_presets()
    with pytest.raises(ValueError, match=r"Unknown preset 'fashion_mnist_clasifier'.*Did you mean 'fashion_mnist_classifier'"):
        load_preset("fashion_mnist_clasifier")


@pytest.mark.parametrize("damage, error, match", [
    ("missing_config", FileNotFoundError, "has no config.json"),
    ("missing_weights", FileNotFoundError, "has no model.weights.h5"),
    ("truncated_weights", ValueError, r"model\.weights\.h5' does not match the digest"),
    ("corrupted_metadata", ValueError, r"metadata\.json' is not valid JSON"),
    # Digests recorded after the damage, as by a user: the checks behind them speak.
    ("truncated_weights+digests", ValueError, r"model\.weights\.h5' could not be loaded"),
    ("empty_config+digests", ValueError, r"config\.json' does not describe a model: it has no class_name or config"),
    ("config_without_class+digests", ValueError, r"config\.json' does not describe a model: it has no class_name \("),
    ("unknown_class+digests", ValueError, r"config\.json' does not describe a model"),
])
def test_damaged_files_are_named(saved, damage, error, match):
    _, path = saved
    kind = damage.split("+")[0]
    if kind == "missing_config":
        os.remove(path / "config.json")
    elif kind == "missing_weights":
        os.remove(path / "model.weights.h5")
    elif kind == "truncated_weights":
        data = (path / "model.weights.h5").read_bytes()
        (path / "model.weights.h5").write_bytes(data[: len(data) // 2])
    elif kind == "corrupted_metadata":
        (path / "metadata.json").write_text('{"metrics": {"test_acc')
    elif kind == "empty_config":
        (path / "config.json").write_text("{}")
    elif kind == "config_without_class":
        (path / "config.json").write_text(json.dumps({"config": {}}))
    else:
        (path / "config.json").write_text(json.dumps({"class_name": "NoSuchModel", "config": {}}))
    if damage.endswith("+digests"):
        presets.record_digests(path, replace=True)
    with pytest.raises(error, match=match):
        load_preset(path)


# -- kerasgen.load_model ----------------------------------------------------------

@pytest.fixture
def keras_file(tmp_path):
    model = tiny_classifier()
    path = tmp_path / "tiny.keras"
    model.save(path)
    return model, path


def test_load_model_round_trip(keras_file):
    model, path = keras_file
    x = np.random.default_rng(0).random((5, 8, 8, 1)).astype("float32")
    np.testing.assert_array_equal(kerasgen.load_model(path).probabilities(x), model.probabilities(x))


def _weights_member_offset(path):
    """Where the data of the archive's model.weights.h5 starts (after its local header)."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("model.weights.h5")
    with open(path, "rb") as f:
        f.seek(info.header_offset + 26)
        name_length, extra_length = np.frombuffer(f.read(4), "<u2")
    return info.header_offset + 30 + int(name_length) + int(extra_length), info.compress_size


@pytest.mark.parametrize("damage, error, match", [
    ("truncated", ValueError, r"tiny\.keras' is not a readable zip archive.*truncated or corrupted"),
    ("flipped", ValueError, r"tiny\.keras': its member 'model\.weights\.h5' fails the zip CRC check"),
    ("not_a_zip", ValueError, r"tiny\.keras' is not a readable zip archive"),
    ("no_weights", ValueError, r"tiny\.keras' has no model\.weights\.h5 \(it holds metadata\.json, config\.json\)"),
    ("missing", FileNotFoundError, r"nothing\.keras' does not exist"),
    ("suffix", ValueError, r"tiny\.h5' is not a \.keras file"),
])
def test_load_model_names_the_damaged_file(keras_file, damage, error, match):
    _, path = keras_file
    data = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "flipped":
        start, size = _weights_member_offset(path)
        start += size // 2
        path.write_bytes(data[:start] + bytes(b ^ 0xFF for b in data[start:start + 20]) + data[start + 20:])
    elif damage == "not_a_zip":
        path.write_text("not an archive")
    elif damage == "no_weights":
        with zipfile.ZipFile(path) as src:
            members = {n: src.read(n) for n in src.namelist() if n != "model.weights.h5"}
        with zipfile.ZipFile(path, "w") as dst:
            for name, content in members.items():
                dst.writestr(name, content)
    elif damage == "missing":
        path = path.with_name("nothing.keras")
    else:
        path = path.rename(path.with_name("tiny.h5"))
    with pytest.raises(error, match=match):
        kerasgen.load_model(path)


def test_load_model_refuses_non_finite_weights_naming_the_variable(tmp_path):
    model = tiny_classifier()
    variable = model.weights[0]
    values = np.asarray(variable).copy()
    values.flat[0] = np.nan
    variable.assign(values)
    model.save(tmp_path / "nan.keras")
    keras.backend.clear_session()  # so that the loaded layers get the same names
    with pytest.raises(ValueError, match=(rf"nan\.keras' holds non-finite weights: variable "
                                          rf"'{re.escape(variable.path)}' .*has 1 non-finite values")):
        kerasgen.load_model(tmp_path / "nan.keras")


# -- nothing the user owns is lost ----------------------------------------------------

def test_an_existing_folder_is_not_overwritten(saved):
    model, path = saved
    before = (path / "model.weights.h5").read_bytes()
    with pytest.raises(FileExistsError, match="exists; pass overwrite=True"):
        save_preset(model, path, {})
    assert (path / "model.weights.h5").read_bytes() == before
    assert load_metadata(path)["metrics"] == {"test_accuracy": 0.5}


def test_overwrite_replaces_only_the_files_kerasgen_writes(saved):
    _, path = saved
    (path / "notes.txt").write_text("my notes")
    (path / "runs").mkdir()
    (path / "runs" / "log.csv").write_text("epoch,loss\n")
    old = {name: (path / name).read_bytes() for name in presets.FILES}
    other = tiny_classifier(num_classes=5)
    save_preset(other, path, {"metrics": {"test_accuracy": 0.7}}, overwrite=True)
    assert (path / "notes.txt").read_text() == "my notes"
    assert (path / "runs" / "log.csv").read_text() == "epoch,loss\n"
    assert all((path / name).read_bytes() != old[name] for name in presets.FILES)
    assert sorted(os.listdir(path.parent)) == ["tiny"]  # no temporary folder left behind
    x = np.random.default_rng(0).random((3, 8, 8, 1)).astype("float32")
    np.testing.assert_array_equal(load_preset(path).probabilities(x), other.probabilities(x))
    assert load_metadata(path)["metrics"] == {"test_accuracy": 0.7}


@pytest.mark.parametrize("overwrite", [False, True])
def test_a_preset_onto_a_file_is_refused(tmp_path, overwrite):
    path = tmp_path / "model.bin"
    path.write_bytes(b"the user's file")
    with pytest.raises((FileExistsError, NotADirectoryError),
                       match=rf"model\.bin' is a file, not a preset folder"):
        save_preset(tiny_classifier(), path, {}, overwrite=overwrite)
    assert path.read_bytes() == b"the user's file"
    assert sorted(os.listdir(tmp_path)) == ["model.bin"]


# -- ready to fine-tune ----------------------------------------------------------------

def _changed(before, after):
    return any(not np.array_equal(a, b) for a, b in zip(before, after))


def test_a_zoo_preset_fits_with_its_recipes_optimizer():
    recipe = load_metadata(ZOO_PRESET)["recipe"]
    model = kerasgen.from_preset(ZOO_PRESET)
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert np.isclose(float(model.optimizer.learning_rate), recipe["train"]["learning_rate"])
    x = (np.random.default_rng(0).random((4, 28, 28, 1)) < 0.5).astype("float32")
    before = [np.asarray(w) for w in model.trainable_weights]
    history = model.fit(x, batch_size=2, epochs=1, verbose=0)
    assert int(model.optimizer.iterations) == 2 and np.isfinite(history.history["loss"][-1])
    assert _changed(before, [np.asarray(w) for w in model.trainable_weights])
    # compile=False is the model as stored, for the user to compile.
    bare = kerasgen.from_preset(ZOO_PRESET, compile=False)
    with pytest.raises(ValueError, match="compile"):
        bare.fit(x, batch_size=2, epochs=1, verbose=0)


def test_a_gan_preset_fits_both_networks_with_their_default_adams():
    gan = kerasgen.models.DCGAN.from_preset("dcgan_fashion_mnist")  # the PresetMixin compiles too
    members = gan.optimizer.members
    assert sorted(members) == ["discriminator", "generator"]
    for optimizer in members.values():
        assert isinstance(optimizer, keras.optimizers.Adam)
        assert np.isclose(float(optimizer.learning_rate), 2e-4) and np.isclose(float(optimizer.beta_1), 0.5)
    x = np.random.default_rng(0).uniform(-1, 1, (4, 28, 28, 1)).astype("float32")
    g_before = [np.asarray(w) for w in gan.generator.trainable_weights]
    d_before = [np.asarray(w) for w in gan.discriminator.trainable_weights]
    gan.fit(x, batch_size=4, epochs=1, verbose=0)
    assert int(members["discriminator"].iterations) == 1 and int(members["generator"].iterations) == 1
    assert _changed(g_before, [np.asarray(w) for w in gan.generator.trainable_weights])
    assert _changed(d_before, [np.asarray(w) for w in gan.discriminator.trainable_weights])


def test_a_preset_without_a_recipe_gets_adam_at_1e_3(tmp_path):
    vae = kerasgen.models.VAE(image_shape=(8, 8, 1), latent_dim=2, architecture="dense", hidden_dims=(8,))
    vae.save_to_preset(tmp_path / "mine")
    loaded = kerasgen.models.VAE.from_preset(tmp_path / "mine")
    assert isinstance(loaded.optimizer, keras.optimizers.Adam)
    assert np.isclose(float(loaded.optimizer.learning_rate), presets.DEFAULT_LEARNING_RATE)
    loaded.fit((np.random.default_rng(0).random((4, 8, 8, 1)) < 0.5).astype("float32"), batch_size=4, verbose=0)
    assert int(loaded.optimizer.iterations) == 1
    with pytest.raises(TypeError, match=r"compile must be True or False; got 'yes'"):
        kerasgen.from_preset(tmp_path / "mine", compile="yes")


def test_the_classifier_preset_fits_with_its_loss():
    clf = kerasgen.from_preset("fashion_mnist_classifier")
    assert np.isclose(float(clf.optimizer.learning_rate), load_metadata("fashion_mnist_classifier")["recipe"]["learning_rate"])
    history = clf.fit(np.random.default_rng(0).random((4, 28, 28, 1)).astype("float32"), np.arange(4), verbose=0)
    assert {"loss", "accuracy"} <= set(history.history)
