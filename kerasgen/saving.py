"""Loading saved models with checks, and the preset methods every kerasgen model class has.

`keras.saving.load_model` reports a truncated `.keras` file as "File not
found" and loads NaN weights without a word; `load_model` here checks the
archive first and the weights after.

`PresetMixin` gives a model class `Cls.presets`, `Cls.from_preset(...)` and
`model.save_to_preset(path)`; `kerasgen.presets` supplies what they do.
"""

import os
import zipfile
import zlib

import keras
import numpy as np

KERAS_MEMBERS = ("config.json", "model.weights.h5")


def check_weights_finite(model, source):
    """Raises ValueError naming `source` and the variable if a weight of `model` is NaN or infinite.

    Args:
        model: keras.Model whose weights were just loaded.
        source: str, the file they came from (quoted in the error).
    """
    bad = []
    for variable in model.weights:
        if "int" in variable.dtype or variable.dtype == "bool":  # seed states, counters: always finite
            continue
        # In NumPy: keras.ops would compile one program per weight shape under JAX (~1 s a model).
        values = np.asarray(variable)
        count = values.size - int(np.count_nonzero(np.isfinite(values)))
        if count:
            nan = int(np.count_nonzero(np.isnan(values)))
            bad.append(f"variable {variable.path!r} (shape {tuple(values.shape)}) has {count} non-finite "
                       f"values of {values.size} ({nan} NaN, {count - nan} Inf)")
    if bad:
        more = f"; and {len(bad) - 3} more variables" if len(bad) > 3 else ""
        raise ValueError(
            f"{source!r} holds non-finite weights: {'; '.join(bad[:3])}{more}. The file is corrupted, "
            "or the model diverged before it was saved."
        )


def _check_archive(path):
    """Raises an error naming `path` unless it is a whole `.keras` zip archive."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path!r} does not exist.")
    if os.path.isdir(path):
        hint = " It looks like a preset folder: use kerasgen.from_preset." if os.path.isfile(
            os.path.join(path, "metadata.json")) else ""
        raise IsADirectoryError(f"{path!r} is a folder, not a .keras file.{hint}")
    if not path.endswith(".keras"):
        raise ValueError(
            f"{path!r} is not a .keras file (the name must end in .keras); weights-only files "
            "(.weights.h5) load with model.load_weights."
        )
    try:
        with zipfile.ZipFile(path) as archive:
            broken = archive.testzip()
            names = archive.namelist()
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as err:
        raise ValueError(
            f"{path!r} is not a readable zip archive ({type(err).__name__}: {err}); a .keras file is one, "
            "so it is truncated or corrupted."
        ) from None
    if broken is not None:
        raise ValueError(f"{path!r}: its member {broken!r} fails the zip CRC check; the file is corrupted.")
    missing = [name for name in KERAS_MEMBERS if name not in names]
    if missing:
        raise ValueError(
            f"{path!r} has no {' or '.join(missing)} (it holds {', '.join(names) or 'nothing'}); "
            "it was not written by model.save."
        )


def load_model(path, **kwargs):
    """`keras.saving.load_model` for a `.keras` file that is first checked to be whole, and its weights finite.

    Before loading, the file must exist, end in `.keras`, be a zip archive
    whose members pass their CRC check and hold `config.json` and
    `model.weights.h5`; after loading, no weight may be NaN or infinite.
    Every failure raises an error that names the file and what is wrong.

    Args:
        path: str or os.PathLike, a file written by `model.save`.
        **kwargs: passed on to `keras.saving.load_model` (`custom_objects`,
            `compile`, `safe_mode`).

    Example:

    ```python
    import os, tempfile
    model = kerasgen.models.Classifier(image_shape=(8, 8, 1), num_classes=3, filters=(4,), feature_dim=8)
    path = os.path.join(tempfile.mkdtemp(), "classifier.keras")
    model.save(path)
    loaded = kerasgen.load_model(path)
    loaded.image_shape  # (8, 8, 1)
    ```
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"load_model: path must be a str or os.PathLike; got {path!r}.")
    path = os.fspath(path)
    _check_archive(path)
    try:
        model = keras.saving.load_model(path, **kwargs)
    except Exception as err:  # an unknown class, a config from another version, ...
        raise ValueError(
            f"{path!r} is a whole .keras archive, but Keras could not load it ({type(err).__name__}: {err})"
        ) from err
    check_weights_finite(model, path)
    return model


# -- preset methods -------------------------------------------------------------
#
# The preset registry, kerasgen.presets, sits above the models: it compiles a
# loaded model the way its family trains, so it imports them, and the model
# classes may not import it back. It hands its functions to PresetMixin with
# attach_preset_registry when it is imported, which `import kerasgen` (and so
# any `import kerasgen.<module>`) does before a model class can be used.

_PRESET_REGISTRY = {}


def attach_preset_registry(presets_of, from_preset, save_preset):
    """Sets what `PresetMixin`'s methods call; `kerasgen.presets` calls it once, on import.

    Args:
        presets_of: function `(cls) -> list of str`, the built-in presets
            holding a `cls`.
        from_preset: function `(cls, name_or_path, load_weights, compile) -> model`.
        save_preset: function `(model, path, metadata, overwrite) -> path`.
    """
    _PRESET_REGISTRY.update(presets_of=presets_of, from_preset=from_preset, save_preset=save_preset)


def _preset_function(name):
    if name not in _PRESET_REGISTRY:
        raise RuntimeError(
            f"The preset registry is not loaded, so {name} is unavailable; it loads with kerasgen.presets, "
            "which `import kerasgen` imports."
        )
    return _PRESET_REGISTRY[name]


class _ClassProperty:
    def __init__(self, getter):
        self.getter = getter
        self.__doc__ = getter.__doc__

    def __get__(self, instance, owner):
        return self.getter(owner)


class PresetMixin:
    """`Cls.presets`, `Cls.from_preset(...)` and `model.save_to_preset(path)` for kerasgen models.

    The base of `kerasgen.training.GenerativeModel` and `kerasgen.models.Classifier`:

    - `Cls.presets`: the built-in presets holding a `Cls` or a subclass;
    - `Cls.from_preset(name_or_path, load_weights=True, compile=True)`: that
      preset's model, refused with the list of `Cls.presets` if it holds
      another class; see `kerasgen.from_preset`;
    - `model.save_to_preset(path, metadata=None, overwrite=False)`: a preset
      folder; see `kerasgen.presets.save_preset`.
    """

    @_ClassProperty
    def presets(cls):  # noqa: N805  (a class property)
        """Names of the built-in presets that hold a `cls` (or a subclass)."""
        return _preset_function("presets_of")(cls)

    @classmethod
    def from_preset(cls, name_or_path, load_weights=True, compile=True):
        """Loads a preset that holds a `cls`, compiled with its recipe's optimizers; see `kerasgen.from_preset`."""
        return _preset_function("from_preset")(cls, name_or_path, load_weights, compile)

    def save_to_preset(self, path, metadata=None, overwrite=False):
        """Writes this model to a preset folder (config, weights, `metadata`); see `kerasgen.presets.save_preset`."""
        return _preset_function("save_preset")(self, path, {} if metadata is None else metadata, overwrite=overwrite)
