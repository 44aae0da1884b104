"""Preset folders: a model's config, weights and measured metadata, saved and loaded together.

A preset folder holds three files:

- ``config.json``: the model's serialized config (`keras.saving.serialize_keras_object`);
- ``model.weights.h5``: its weights (`model.save_weights`);
- ``metadata.json``: what it was trained on and how, the versions it was
  trained with, and the metrics measured on the test set with the command
  that measured them.

Built-in presets are the folders of the top-level ``zoo/`` directory; their
name is the folder's name.
"""

import datetime
import difflib
import importlib
import json
import os
import platform
import shutil
import tempfile

import keras

# kerasgen/zoo is a link to the repository's top-level zoo/, so the presets
# ship inside the package (pyproject.toml's package-data) and are found the
# same way from a clone, an editable install or a wheel.
ZOO_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "zoo")
FILES = ("config.json", "model.weights.h5", "metadata.json")


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
    config = _read_json(preset_dir(name_or_path), "config.json")
    return config.get("registered_name") or config.get("class_name")


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


def load_metadata(name_or_path):
    """The ``metadata.json`` of a preset, as a dict."""
    return _read_json(preset_dir(name_or_path), "metadata.json")


def load_preset(name_or_path, load_weights=True):
    """Builds the model of a preset (a built-in name or a folder) and loads its weights.

    Raises an error naming the file when one is missing, truncated or
    corrupted; no half-built model is returned.
    """
    folder = preset_dir(name_or_path)
    config = _read_json(folder, "config.json")
    _read_json(folder, "metadata.json")
    try:
        model = keras.saving.deserialize_keras_object(config)
    except Exception as err:  # a config from a newer version, or edited by hand
        raise ValueError(f"Preset file {os.path.join(folder, 'config.json')!r} does not describe a model: {err}") from err
    if load_weights:
        weights = os.path.join(folder, "model.weights.h5")
        if not os.path.isfile(weights):
            raise FileNotFoundError(f"Preset folder {folder!r} has no model.weights.h5.")
        try:
            model.load_weights(weights)
        except Exception as err:
            raise ValueError(
                f"Preset file {weights!r} could not be loaded into the model ({type(err).__name__}: {err}); "
                "it may be truncated or corrupted."
            ) from err
    return model


def trained_with(seconds):
    """Metadata "trained_with": this backend and its version, keras, kerasgen, python, today, `seconds`."""
    import kerasgen

    backend = keras.backend.backend()
    return {"backend": backend, "backend_version": importlib.import_module(backend).__version__,
            "keras": keras.__version__, "kerasgen": kerasgen.__version__, "python": platform.python_version(),
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

    The files are written to a temporary folder first and moved into place
    at the end, so an interrupted save leaves no half-written preset. An
    existing folder is replaced only with `overwrite=True`.
    """
    path = os.fspath(path)
    if os.path.exists(path) and not overwrite:
        raise FileExistsError(f"Preset folder {path!r} exists; pass overwrite=True to replace it.")
    if not isinstance(metadata, dict):
        raise TypeError(f"metadata must be a dict; got {type(metadata).__name__}.")
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
        with open(os.path.join(tmp, "metadata.json"), "w", encoding="utf-8") as f:
            json.dump(metadata, f, indent=2)
        if os.path.exists(path):
            shutil.rmtree(path)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            shutil.rmtree(tmp)
    return path


def from_preset(name_or_path, load_weights=True):
    """The model of a built-in preset (by name) or of a preset folder, with its weights.

    Args:
        name_or_path: a name from `list_presets()` or a folder written by
            `save_preset` / `model.save_to_preset`.
        load_weights: bool; False gives the untrained architecture.

    Example:

    ```python
    clf = kerasgen.from_preset("fashion_mnist_classifier")
    clf.image_shape  # (28, 28, 1)
    ```
    """
    return load_preset(name_or_path, load_weights=load_weights)


class _ClassProperty:
    def __init__(self, getter):
        self.getter = getter

    def __get__(self, instance, owner):
        return self.getter(owner)


class PresetMixin:
    """`Cls.presets`, `Cls.from_preset(...)` and `model.save_to_preset(path)` for kerasgen models."""

    @_ClassProperty
    def presets(cls):  # noqa: N805  (a class property)
        """Names of the built-in presets that hold a `cls` (or a subclass)."""
        names = []
        for name in _built_presets():
            model_cls = keras.saving.get_registered_object(preset_class_name(name))
            if isinstance(model_cls, type) and issubclass(model_cls, cls):
                names.append(name)
        return names

    @classmethod
    def from_preset(cls, name_or_path, load_weights=True):
        """Loads a preset that holds a `cls`; see `kerasgen.from_preset`."""
        held = preset_class_name(name_or_path)
        model_cls = keras.saving.get_registered_object(held)
        if not (isinstance(model_cls, type) and issubclass(model_cls, cls)):
            raise ValueError(
                f"{cls.__name__}.from_preset: preset {os.fspath(name_or_path)!r} holds a {held}, not a "
                f"{cls.__name__}; presets for {cls.__name__}: {cls.presets}. Use kerasgen.from_preset "
                "to load any preset."
            )
        return load_preset(name_or_path, load_weights=load_weights)

    def save_to_preset(self, path, metadata=None, overwrite=False):
        """Writes this model to a preset folder (config, weights, `metadata`); see `save_preset`."""
        return save_preset(self, path, {} if metadata is None else metadata, overwrite=overwrite)
