"""Preset folders: a model's config, weights and measured metadata, saved and loaded together.

A preset folder holds three files:

- ``config.json``: the model's serialized config (`keras.saving.serialize_keras_object`);
- ``model.weights.h5``: its weights (`model.save_weights`);
- ``metadata.json``: what it was trained on and how, the versions it was
  trained with, the metrics measured on the test set with the command
  that measured them, and under ``"files"`` the SHA-256 and size of
  ``config.json`` and ``model.weights.h5``, checked before they are used.

Digests are recorded into an existing preset's metadata.json (the zoo's
were, without retraining) by

    python -m kerasgen.presets record-digests FOLDER [FOLDER ...]

Built-in presets are the folders of the top-level ``zoo/`` directory; their
name is the folder's name.
"""

import argparse
import datetime
import difflib
import hashlib
import importlib
import json
import os
import platform
import shutil
import sys
import tempfile
import warnings

import keras

from kerasgen import checks
from kerasgen.saving import attach_preset_registry, check_weights_finite
from kerasgen.version import __version__

# kerasgen/zoo is a link to the repository's top-level zoo/, so the presets
# ship inside the package (pyproject.toml's package-data) and are found the
# same way from a clone, an editable install or a wheel.
ZOO_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "zoo")
FILES = ("config.json", "model.weights.h5", "metadata.json")
# The files a preset's model is built from; metadata.json records their digests.
DIGESTED = ("config.json", "model.weights.h5")


def _built_presets():
    if not os.path.isdir(ZOO_DIR):
        return []
    return sorted(
        name for name in os.listdir(ZOO_DIR)
        if not name.startswith(".") and os.path.isfile(os.path.join(ZOO_DIR, name, "metadata.json"))
    )


def list_presets(family=None):
    """Names of the built-in presets (the folders of ``zoo/``), sorted; only `family`'s if given.

    Example:

    ```python
    kerasgen.list_presets()              # every built-in preset
    kerasgen.list_presets("classifier")  # ['fashion_mnist_classifier']
    ```
    """
    names = _built_presets()
    if family is None:
        return names
    families = {name: _read_json(os.path.join(ZOO_DIR, name), "metadata.json").get("family") for name in names}
    known = sorted({f for f in families.values() if f})
    if family not in known:
        raise ValueError(f"list_presets: unknown family {family!r}; the zoo has {known}.")
    return [name for name in names if families[name] == family]


def preset_class_name(name_or_path):
    """The registered class name (``kerasgen>VAE``) of the model a preset holds."""
    config = _read_config(preset_dir(name_or_path))
    return config.get("registered_name") or config["class_name"]


def preset_dir(name_or_path):
    """The folder of a built-in preset name, or `name_or_path` itself if it is a folder."""
    if not isinstance(name_or_path, (str, os.PathLike)):
        raise TypeError(f"preset must be a preset name or a folder path; got {name_or_path!r}.")
    path = os.fspath(name_or_path)
    if os.path.isdir(path):
        return path
    names = _built_presets()
    if path in names:
        return os.path.join(ZOO_DIR, path)
    close = difflib.get_close_matches(path, names, n=3, cutoff=0.5)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise ValueError(
        f"Unknown preset {path!r}: neither a built-in preset nor a folder.{hint} "
        f"Built-in presets: {', '.join(names) or 'none'}."
    )


def _read_json(folder, name):
    path = os.path.join(folder, name)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"Preset folder {folder!r} has no {name}.")
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"Preset file {path!r} is not valid JSON ({err}); it may be truncated or corrupted.") from None


def _read_config(folder):
    config = _read_json(folder, "config.json")
    missing = [key for key in ("class_name", "config") if not isinstance(config, dict) or key not in config]
    if missing:
        raise ValueError(
            f"Preset file {os.path.join(folder, 'config.json')!r} does not describe a model: it has no "
            f"{' or '.join(missing)} (a serialized Keras object is a dict with \"class_name\" and \"config\")."
        )
    return config


def load_metadata(name_or_path):
    """The ``metadata.json`` of a preset, as a dict."""
    return _read_json(preset_dir(name_or_path), "metadata.json")


def file_digest(path):
    """``{"sha256": hex digest, "bytes": size}`` of the file at `path`."""
    sha = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            sha.update(block)
    return {"sha256": sha.hexdigest(), "bytes": os.path.getsize(path)}


def file_digests(folder):
    """The digests of a preset folder's `DIGESTED` files, as metadata.json records them under "files"."""
    for name in DIGESTED:
        if not os.path.isfile(os.path.join(folder, name)):
            raise FileNotFoundError(f"Preset folder {folder!r} has no {name}.")
    return {name: file_digest(os.path.join(folder, name)) for name in DIGESTED}


def _recorded_digests(folder, metadata):
    files = metadata.get("files", {})
    if not isinstance(files, dict):
        raise ValueError(f"Preset file {os.path.join(folder, 'metadata.json')!r}: \"files\" must map file "
                         f"names to digests; got {files!r}.")
    return files


def file_status(folder, name, metadata):
    """"matches", "not recorded" or "does not match": `folder`/`name` against the digest in `metadata`."""
    recorded = _recorded_digests(folder, metadata)
    if name not in recorded:
        return "not recorded"
    found, expected = file_digest(os.path.join(folder, name)), recorded[name]
    if isinstance(expected, dict) and found == {key: expected.get(key) for key in found}:
        return "matches"
    return "does not match"


def verify_files(folder, names, metadata):
    """Raises ValueError unless each file `names` of `folder` matches the digest `metadata` records.

    Files with no recorded digest (a preset saved before kerasgen recorded
    them) give one warning instead: they cannot be verified.
    """
    unverified = []
    for name in names:
        path = os.path.join(folder, name)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"Preset folder {folder!r} has no {name}.")
        status = file_status(folder, name, metadata)
        if status == "not recorded":
            unverified.append(name)
        elif status == "does not match":
            raise ValueError(
                f"Preset file {path!r} does not match the digest recorded in its metadata.json: recorded "
                f"{metadata['files'][name]!r}, found {file_digest(path)!r}. It was changed, truncated or "
                "corrupted after the preset was saved."
            )
    if unverified:
        warnings.warn(
            f"Preset folder {folder!r} records no digest of {' or '.join(unverified)} in its metadata.json, "
            "so they cannot be verified; once you trust them, record their digests with "
            "`python -m kerasgen.presets record-digests FOLDER`.", UserWarning, stacklevel=3)


def load_preset(name_or_path, load_weights=True):
    """Builds the model of a preset (a built-in name or a folder) and loads its weights.

    Each file is checked against the SHA-256 recorded in metadata.json
    before it is used, and the loaded weights must be finite. Raises an
    error naming the file when one is missing, changed, truncated or
    corrupted; no half-built model is returned.
    """
    folder = preset_dir(name_or_path)
    metadata = _read_json(folder, "metadata.json")
    config_path = os.path.join(folder, "config.json")
    verify_files(folder, DIGESTED if load_weights else ("config.json",), metadata)
    config = _read_config(folder)
    old_format = metadata.get("dataset", {}).get("format") if isinstance(metadata.get("dataset"), dict) else None
    if old_format is not None and isinstance(config["config"], dict) and "image_format" not in config["config"]:
        # A preset made before models owned their ImageFormat: its metadata names the format.
        config["config"]["image_format"] = old_format
    try:
        model = keras.saving.deserialize_keras_object(config)
    except Exception as err:  # a config from a newer version, or edited by hand
        raise ValueError(f"Preset file {config_path!r} does not describe a model: {err}") from err
    if not isinstance(model, keras.Model):
        raise ValueError(f"Preset file {config_path!r} describes a {type(model).__name__}, not a keras.Model.")
    if load_weights:
        weights = os.path.join(folder, "model.weights.h5")
        try:
            model.load_weights(weights)
        except Exception as err:
            raise ValueError(
                f"Preset file {weights!r} could not be loaded into the model ({type(err).__name__}: {err}); "
                "it may be truncated or corrupted."
            ) from err
        check_weights_finite(model, weights)
    return model


def is_conditional_nll(metadata):
    """Whether a preset's headline is a conditional model's NLL, -log p(x | y), not comparable with -log p(x)."""
    head = metadata.get("headline") or {}
    return head.get("metric") == "nll_nats" and bool(metadata.get("recipe", {}).get("data", {}).get("labels"))


def headline_text(metadata):
    """A preset's headline in one line ("nll_nats = 233.4 (first 500)"), as `kerasgen list` and zoo/README show it.

    A conditional model's NLL says it is -log p(x | y), so that it is not ranked beside the unconditional
    models' -log p(x).
    """
    head = metadata.get("headline")
    if not head:
        return "test_accuracy = " + format(metadata.get("metrics", {}).get("test_accuracy", float("nan")), ".4g")
    if head.get("value") is None:
        return f"{head['metric']} not measured"
    given = "; -log p(x | y), given the label" if is_conditional_nll(metadata) else ""
    return f"{head['metric']} = {head['value']:.4g} (first {head['test_images']}{given})"


def trained_with(seconds):
    """Metadata "trained_with": this backend and its version, keras, kerasgen, python, today, `seconds`."""
    backend = keras.backend.backend()
    return {"backend": backend, "backend_version": importlib.import_module(backend).__version__,
            "keras": keras.__version__, "kerasgen": __version__, "python": platform.python_version(),
            "date": datetime.date.today().isoformat(), "seconds": round(seconds, 1)}


def _save_weights_only(model, path, tmp):
    """`model.save_weights` without the optimizer's slots (a preset is for use, not for resuming)."""
    import h5py

    full = os.path.join(tmp, "with_optimizer.weights.h5")
    model.save_weights(full)
    with h5py.File(full, "r") as src, h5py.File(path, "w") as dst:
        for key, value in src.attrs.items():
            dst.attrs[key] = value
        for key in src:
            if key != "optimizer":
                src.copy(src[key], dst, name=key)
    os.remove(full)


def save_preset(model, path, metadata, overwrite=False):
    """Writes `model` and `metadata` to the preset folder `path`.

    metadata.json gets `metadata` with ``"files"`` (the digests of
    config.json and model.weights.h5) added. The files are written to a
    temporary folder first and moved into place at the end, so an
    interrupted save leaves no half-written file. An existing folder is
    written into only with `overwrite=True`, and then only these three files
    are replaced, one by one; anything else the folder holds is left as it
    is. `path` may not be a file.
    """
    path = os.fspath(path)
    if os.path.exists(path) and not os.path.isdir(path):
        raise FileExistsError(f"{path!r} is a file, not a preset folder; choose a folder path (a preset is "
                              "a folder of config.json, model.weights.h5 and metadata.json).")
    if os.path.exists(path) and not overwrite:
        raise FileExistsError(f"Preset folder {path!r} exists; pass overwrite=True to replace its "
                              f"{', '.join(FILES)}.")
    if not isinstance(metadata, dict):
        raise TypeError(f"metadata must be a dict; got {type(metadata).__name__}.")
    for name in FILES:
        if os.path.isdir(os.path.join(path, name)):
            raise IsADirectoryError(f"{os.path.join(path, name)!r} is a folder; a preset writes a file there.")
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".preset-", dir=parent)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; a preset folder is not
    try:
        config = keras.saving.serialize_keras_object(model)
        # A preset is loaded for use: the user compiles it to train further.
        config.pop("compile_config", None)
        with open(os.path.join(tmp, "config.json"), "w", encoding="utf-8") as f:
            json.dump(config, f, indent=2)
        _save_weights_only(model, os.path.join(tmp, "model.weights.h5"), tmp)
        metadata = {key: value for key, value in metadata.items() if key != "files"}
        metadata["files"] = file_digests(tmp)
        with open(os.path.join(tmp, "metadata.json"), "w", encoding="utf-8") as f:
            json.dump(metadata, f, indent=2)
        if os.path.isdir(path):
            # Each replace is atomic; metadata.json goes last, so a save cut
            # short leaves digests that refuse the files it did replace.
            for name in FILES:
                os.replace(os.path.join(tmp, name), os.path.join(path, name))
        else:
            os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            shutil.rmtree(tmp)
    return path


def record_digests(name_or_path, replace=False):
    """Writes the digests of a preset's files into its metadata.json; returns them.

    Every other key of metadata.json, and their order, is kept. Digests
    already recorded must match the files (they are left as they are)
    unless `replace=True`: this records only what is there, it does not
    bless a changed file.
    """
    folder = preset_dir(name_or_path)
    metadata = _read_json(folder, "metadata.json")
    found = file_digests(folder)
    if not replace:
        for name, recorded in _recorded_digests(folder, metadata).items():
            if name in found and recorded != found[name]:
                raise ValueError(
                    f"Preset file {os.path.join(folder, name)!r} does not match the digest recorded in its "
                    f"metadata.json: recorded {recorded!r}, found {found[name]!r}. Pass --replace to record "
                    "the file as it is now."
                )
    if metadata.get("files") != found:
        update_metadata(folder, {"files": found})
    return found


def update_metadata(name_or_path, changes):
    """Sets top-level keys of a preset's metadata.json, atomically; returns the new metadata.

    Every other key, and the order of all keys, is kept (a new key goes
    last). The config and weights, whose digests the metadata records, are
    not touched.
    """
    folder = preset_dir(name_or_path)
    metadata = _read_json(folder, "metadata.json")
    metadata.update(changes)
    fd, tmp = tempfile.mkstemp(prefix=".metadata-", suffix=".json", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(metadata, f, indent=2)
        os.chmod(tmp, os.stat(os.path.join(folder, "metadata.json")).st_mode & 0o777)
        os.replace(tmp, os.path.join(folder, "metadata.json"))
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return metadata


# What a preset without a recipe (a user's `save_to_preset`) is compiled with:
# Keras' Adam at its default rate. GANs take their own default pair instead.
DEFAULT_LEARNING_RATE = 1e-3
# The keys of a GAN recipe's "train" that set its optimizers (two-timescale rates, Adam's beta_1).
GAN_OPTIMIZER_KEYS = ("d_learning_rate", "g_learning_rate", "beta_1")


def compile_from_recipe(model, recipe=None):
    """Compiles `model` with the optimizers its training recipe used; returns the model.

    The same choice as `kerasgen.recipes.train` (and, for the classifier,
    `kerasgen.metrics.train_classifier`):

    - a GAN: one Adam for D and one for G, at the recipe's
      ``"d_learning_rate"`` and ``"g_learning_rate"`` with its ``"beta_1"``
      (``recipe["train"]``); what a recipe leaves out is the GAN's default
      (2e-4 each, beta_1 0.5: `GAN.default_optimizer`);
    - a `Classifier`: Adam(``recipe["learning_rate"]``) and its sparse
      categorical cross-entropy on logits, with accuracy;
    - any other model: Adam(``recipe["train"]["learning_rate"]``).

    Without a recipe, or one without a learning rate, the rate is
    `DEFAULT_LEARNING_RATE` (1e-3, Keras' Adam default).

    Args:
        model: a `keras.Model` built from a preset.
        recipe: dict, the ``"recipe"`` of the preset's metadata.json, or None.
    """
    from kerasgen.models import GAN, Classifier

    if recipe is not None and not isinstance(recipe, dict):
        raise ValueError(f"compile_from_recipe: recipe must be a dict or None; got {recipe!r}.")
    recipe = recipe or {}
    if isinstance(model, GAN):
        train = recipe.get("train") if isinstance(recipe.get("train"), dict) else {}
        if not any(k in train for k in GAN_OPTIMIZER_KEYS):
            model.compile()
            return model
        default = model.default_optimizer()
        beta_1 = train.get("beta_1", default.beta_1)
        model.compile(
            d_optimizer=keras.optimizers.Adam(train.get("d_learning_rate", default.learning_rate), beta_1=beta_1),
            g_optimizer=keras.optimizers.Adam(train.get("g_learning_rate", default.learning_rate), beta_1=beta_1))
        return model
    if isinstance(model, Classifier):
        rate = recipe.get("learning_rate", DEFAULT_LEARNING_RATE)
        model.compile(optimizer=keras.optimizers.Adam(rate),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
        return model
    train = recipe.get("train")
    rate = train.get("learning_rate", DEFAULT_LEARNING_RATE) if isinstance(train, dict) else DEFAULT_LEARNING_RATE
    model.compile(optimizer=keras.optimizers.Adam(rate))
    return model


def _load_for_use(name_or_path, load_weights, compile, owner):
    checks.check_bool(compile, "compile", owner)
    model = load_preset(name_or_path, load_weights=load_weights)
    if compile:
        compile_from_recipe(model, load_metadata(name_or_path).get("recipe"))
    return model


def from_preset(name_or_path, load_weights=True, compile=True):
    """The model of a built-in preset (by name) or of a preset folder, with its weights, ready to `fit`.

    With `compile=True` (the default) the model is compiled as its recipe
    trained it (see `compile_from_recipe`): a GAN with its default pair of
    Adams, the classifier with Adam and its loss, every other model with
    Adam at the recipe's learning rate. A preset with no recipe (a user's
    `save_to_preset`) gets Adam(1e-3), or a GAN its default pair. The
    optimizers start fresh: a preset holds no optimizer state.

    Args:
        name_or_path: a name from `list_presets()` or a folder written by
            `save_preset` / `model.save_to_preset`.
        load_weights: bool; False gives the untrained architecture.
        compile: bool; False returns the model uncompiled, to `compile` it
            yourself.

    Example:

    ```python
    clf = kerasgen.from_preset("fashion_mnist_classifier")
    clf.image_shape  # (28, 28, 1)
    gan = kerasgen.from_preset("dcgan_fashion_mnist")  # fine-tune it with gan.fit(x)
    float(gan.optimizer["generator"].learning_rate)    # 2e-4, the recipe's
    ```
    """
    return _load_for_use(name_or_path, load_weights, compile, "from_preset")


def _presets_of(cls):
    """Names of the built-in presets that hold a `cls` (or a subclass): `cls.presets`."""
    names = []
    for name in _built_presets():
        model_cls = keras.saving.get_registered_object(preset_class_name(name))
        if isinstance(model_cls, type) and issubclass(model_cls, cls):
            names.append(name)
    return names


def _class_from_preset(cls, name_or_path, load_weights=True, compile=True):
    """`cls.from_preset(...)`: loads a preset that holds a `cls`, or says which presets do."""
    held = preset_class_name(name_or_path)
    model_cls = keras.saving.get_registered_object(held)
    if not (isinstance(model_cls, type) and issubclass(model_cls, cls)):
        raise ValueError(
            f"{cls.__name__}.from_preset: preset {os.fspath(name_or_path)!r} holds a {held}, not a "
            f"{cls.__name__}; presets for {cls.__name__}: {_presets_of(cls)}. Use kerasgen.from_preset "
            "to load any preset."
        )
    return _load_for_use(name_or_path, load_weights, compile, f"{cls.__name__}.from_preset")


# The methods of every model class (kerasgen.saving.PresetMixin) are these.
attach_preset_registry(presets_of=_presets_of, from_preset=_class_from_preset, save_preset=save_preset)


def main(argv=None):
    """``python -m kerasgen.presets record-digests FOLDER ...``."""
    parser = argparse.ArgumentParser(prog="python -m kerasgen.presets",
                                     description="Maintenance of preset folders.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("record-digests", help="write the SHA-256 and size of each preset's config.json and "
                       "model.weights.h5 into its metadata.json (other keys are kept)")
    p.add_argument("presets", nargs="+", metavar="FOLDER",
                   help="preset folder (or built-in preset name) to record the digests of")
    p.add_argument("--replace", action="store_true",
                   help="replace digests already recorded that no longer match the files (default: "
                   "refuse them, as a changed file may be a damaged one)")
    args = parser.parse_args(argv)
    try:
        for preset in args.presets:
            found = record_digests(preset, replace=args.replace)
            print(f"{preset}: " + ", ".join(f"{n} {d['sha256'][:12]}... ({d['bytes']:,} bytes)"
                                           for n, d in found.items()))
    except (ValueError, FileNotFoundError) as err:
        print(f"record-digests: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
