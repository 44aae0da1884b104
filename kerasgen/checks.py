"""Input checks: every argument and array a user hands to kerasgen, checked here.

The models' constructors and methods, `fit`/`evaluate`, the layers, the
data pipelines, callbacks and recipes all check their inputs with these
functions, so that one rule holds everywhere. The rule for integers, stated
once (`is_integer`): Python ints and NumPy integer types are integers; bools
(Python or NumPy) are not, although Python counts them as ints: `sample(True)`
or `latent_dim=True` is a mistake, not a request for 1.

Errors name the argument, the value found and what was expected. NumPy
inputs are checked whole, once; `tf.data` pipelines and `PyDataset`s are
checked batch by batch as they are read (the graph-side checks of a
`tf.data` stream are in `kerasgen.data.checks`, built on these). Nothing is
clipped or cast silently. This module imports nothing else of kerasgen.
"""

import numbers

import numpy as np

import keras


def is_integer(value):
    """Whether `value` is an integer: an int or a NumPy integer, and not a bool."""
    return isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, (bool, np.bool_))


def _prefix(owner):
    return f"{owner}: " if owner else ""


def check_bool(value, argument, owner=None):
    """Checks a flag: True or False (a NumPy bool too); returns it as a bool. Raises TypeError."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{_prefix(owner)}{argument} must be True or False; got {value!r}.")
    return bool(value)


def check_image_shape(image_shape, owner=None, *, argument="image_shape", vectors=False,
                      unknown_sizes=False, any_channels=False):
    """The one check of an image shape: (H, W, C) of positive integers; returns a tuple.

    Args:
        image_shape: the value passed (a tuple, list or other sequence).
        owner: str or None, who asks (a class name), quoted in errors.
        argument: str, the argument's name, quoted in errors.
        vectors: bool, whether (D,) is allowed too (a GAN's image_shape for toy data).
        unknown_sizes: bool, whether None entries (any size) are allowed.
        any_channels: bool, whether any channel count is allowed (default: 1 or 3).
    """
    try:
        shape = None if isinstance(image_shape, str) else tuple(image_shape)
    except TypeError:
        shape = None
    ranks = (1, 3) if vectors else (3,)
    if shape is None or len(shape) not in ranks or not all(
            (d is None and unknown_sizes) or (is_integer(d) and d > 0) for d in shape):
        form = "(H, W, C) for images or (D,) for vectors, positive integers" if vectors else \
            "a tuple (H, W, C) of positive integers"
        raise ValueError(
            f"{_prefix(owner)}{argument} must be {form}"
            f"{' (or None for any size)' if unknown_sizes else ''}; got {image_shape!r}."
        )
    shape = tuple(None if d is None else int(d) for d in shape)
    if len(shape) == 3 and not any_channels and shape[-1] not in (1, 3):
        raise ValueError(
            f"{_prefix(owner)}{argument} must have 1 (grey) or 3 (RGB) channels; got {shape[-1]} "
            f"in {shape}."
        )
    return shape


def describe_shape(shape):
    return "(" + ", ".join("N" if d is None else str(d) for d in shape) + ")"


def check_image_batch(x, *, image_shape, value_range=None, integers=False, argument="x",
                      owner="model"):
    """Checks a NumPy batch of images; returns it as a float32 array.

    Args:
        x: array-like of shape (N, H, W, C).
        image_shape: tuple (H, W, C) the model was built for.
        value_range: (low, high) or None.
        integers: bool, whether every value must be a whole number (the
            levels of a discrete model: {0, 1}, or 0..255).
        argument: str, the argument's name, quoted in errors.
        owner: str, who asks (a class name), quoted in errors.
    """
    if keras.ops.is_tensor(x):
        x = keras.ops.convert_to_numpy(x)
    x = np.asarray(x)
    if x.dtype == object or not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
        raise TypeError(
            f"{owner}: {argument} must hold numbers; got an array of dtype {x.dtype}."
        )
    expected = (None,) + tuple(image_shape)
    if x.ndim != 4:
        raise ValueError(
            f"{owner}: {argument} must be a batch of images of shape "
            f"{describe_shape(expected)}; got an array of shape {x.shape}."
            + (" Add the channel axis, e.g. x[..., None]." if x.ndim == 3 and image_shape[-1] == 1 else "")
        )
    if x.shape[-1] != image_shape[-1]:
        raise ValueError(
            f"{owner}: {argument} has {x.shape[-1]} channels; the model was built for "
            f"{image_shape[-1]} (images of shape {describe_shape(expected)}); got shape {x.shape}."
        )
    if tuple(x.shape[1:3]) != tuple(image_shape[:2]):
        raise ValueError(
            f"{owner}: {argument} has images of size {x.shape[1]}x{x.shape[2]}; the model was "
            f"built for {image_shape[0]}x{image_shape[1]} (shape {describe_shape(expected)}); "
            f"got shape {x.shape}."
        )
    if x.size == 0:
        raise ValueError(f"{owner}: {argument} is empty (shape {x.shape}).")
    if np.issubdtype(x.dtype, np.floating):
        finite = np.isfinite(x)
        if not finite.all():
            first = int(np.flatnonzero(~finite.reshape(len(x), -1).all(axis=1))[0])
            raise ValueError(
                f"{owner}: {argument} contains NaN or Inf ({int((~finite).sum())} values; "
                f"the first in image {first})."
            )
    if value_range is not None:
        low, high = value_range
        lo, hi = float(x.min()), float(x.max())
        if lo < low or hi > high:
            hint = ""
            if hi > 1 and high <= 1:
                hint = " (it looks like 0..255 pixel values: divide by 255, or use kerasgen.data.pipeline(..., scale='unit'))"
            raise ValueError(
                f"{owner}: {argument} has values outside [{low:g}, {high:g}]: min {lo:g}, "
                f"max {hi:g}{hint}."
            )
    if integers and np.issubdtype(x.dtype, np.floating):
        fractional = x != np.round(x)
        if fractional.any():
            first = int(np.flatnonzero(fractional.reshape(len(x), -1).any(axis=1))[0])
            example = float(x[first][fractional[first]][0])
            if value_range is not None and value_range[1] == 1:
                expected = "binary values {0, 1} (binarize first, e.g. kerasgen.data.pipeline(..., binarize='dynamic'))"
            else:
                expected = "whole numbers (discrete levels" + (
                    f" {value_range[0]:g}..{value_range[1]:g}" if value_range is not None else "") + ")"
            raise ValueError(
                f"{owner}: {argument} must hold {expected}; got {int(fractional.sum())} other "
                f"values, e.g. {example:g} in image {first}."
            )
    return x.astype("float32", copy=False)


def check_integer(value, argument, owner=None, minimum=1, what=None, allow_none=False):
    """Checks a count such as n, batch_size or latent_dim; returns it as an int.

    A bool is refused (see `is_integer`); a NumPy integer is accepted.

    Args:
        value: the value passed.
        argument: str, its name, quoted in errors.
        owner: str or None, who asks (a class name), quoted in errors.
        minimum: int, the smallest value allowed.
        what: str or None, what is expected, in words (default "an integer >= minimum").
        allow_none: bool, whether None is accepted (and returned).
    """
    if value is None and allow_none:
        return None
    if not is_integer(value) or value < minimum:
        what = (what or f"an integer >= {minimum}") + (" or None" if allow_none else "")
        kind = f" (a {type(value).__name__})" if isinstance(value, (bool, np.bool_, str)) else ""
        raise ValueError(f"{_prefix(owner)}{argument} must be {what}; got {value!r}{kind}.")
    return int(value)


def check_sizes(values, argument, owner, allow_empty=True):
    """Checks layer sizes such as hidden_dims or filters: a tuple of positive integers."""
    ok = isinstance(values, (tuple, list)) and (allow_empty or len(values) > 0) and all(
        is_integer(v) and v > 0 for v in values
    )
    if not ok:
        expected = "a tuple of positive integers" + ("" if allow_empty else ", at least one")
        raise ValueError(f"{owner}: {argument} must be {expected}; got {values!r}.")
    return tuple(int(v) for v in values)


def check_value_range(value_range, owner=None, allow_none=False):
    """Checks a (low, high) pair of finite numbers with low < high; returns it as floats."""
    if value_range is None and allow_none:
        return None
    ok = isinstance(value_range, (tuple, list)) and len(value_range) == 2 and all(
        isinstance(v, (numbers.Real, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
        and np.isfinite(v) for v in value_range
    ) and value_range[0] < value_range[1]
    if not ok:
        raise ValueError(
            f"{_prefix(owner)}value_range must be a pair (low, high) of finite numbers with low < high"
            f"{', or None' if allow_none else ''}; got {value_range!r}."
        )
    return tuple(float(v) for v in value_range)


def check_latents(z, latent_dim, *, argument="z", owner="model"):
    """Checks a batch of latent codes (N, latent_dim): numbers, finite, not empty; returns float32."""
    if keras.ops.is_tensor(z):
        z = keras.ops.convert_to_numpy(z)
    z = np.asarray(z)
    if z.dtype == object or not (np.issubdtype(z.dtype, np.number) or z.dtype == bool):
        raise TypeError(f"{owner}: {argument} must hold numbers; got an array of dtype {z.dtype}.")
    if z.ndim != 2 or z.shape[-1] != latent_dim:
        raise ValueError(f"{owner}: {argument} must have shape (N, {latent_dim}); got {z.shape}.")
    if len(z) == 0:
        raise ValueError(f"{owner}: {argument} is empty (shape {z.shape}); pass at least one latent.")
    z = z.astype("float32", copy=False)
    finite = np.isfinite(z)
    if not finite.all():
        rows = np.flatnonzero(~finite.all(axis=1))
        raise ValueError(
            f"{owner}: {argument} contains NaN or Inf ({int((~finite).sum())} values; the first in "
            f"row {int(rows[0])}: {z[rows[0]][~finite[rows[0]]][0]})."
        )
    return z


def check_labels(y, *, num_classes, num_examples=None, argument="y", owner="model"):
    """Checks integer class labels in [0, num_classes); returns an int32 array."""
    if y is None:
        raise ValueError(
            f"{owner} is conditional and needs class labels: pass {argument}= (integers in "
            f"[0, {num_classes})), or a dataset of (images, labels) pairs."
        )
    if keras.ops.is_tensor(y):
        y = keras.ops.convert_to_numpy(y)
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[-1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(
            f"{owner}: {argument} must be a 1-D array of integer class ids; got shape {y.shape}."
        )
    if not np.issubdtype(y.dtype, np.integer):
        if np.issubdtype(y.dtype, np.floating) and np.all(np.isfinite(y)) and np.all(y == np.round(y)):
            y = y.astype("int64")
        elif np.issubdtype(y.dtype, np.floating):
            bad = ~np.isfinite(y) | (y != np.round(y))
            raise TypeError(
                f"{owner}: {argument} must hold integer class ids; got dtype {y.dtype} with "
                f"{int(bad.sum())} values that are not whole numbers, e.g. {y[bad][0]:g} at index "
                f"{int(np.flatnonzero(bad)[0])}."
            )
        else:
            raise TypeError(
                f"{owner}: {argument} must hold integer class ids; got dtype {y.dtype}."
            )
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(
            f"{owner}: {argument} must be class ids in [0, {num_classes}); got values from "
            f"{int(y.min())} to {int(y.max())}."
        )
    if num_examples is not None and len(y) != num_examples:
        raise ValueError(
            f"{owner}: {argument} has {len(y)} labels for {num_examples} images."
        )
    return y.astype("int32")


def check_numpy_images(images, as_is=False):
    """Checks the NumPy image array a `kerasgen.data.pipeline` reads; returns it.

    Unless `as_is` (the format that uses values as they are, scale=None) the
    values must be 0..255 pixels.
    """
    if images.ndim != 4:
        hint = " (add a channel axis with images[..., None])" if images.ndim == 3 else ""
        raise ValueError(
            f"source images must have shape (N, H, W, C); got shape {images.shape}{hint}"
        )
    if not (np.issubdtype(images.dtype, np.number) or images.dtype == np.bool_):
        raise TypeError(
            f"source images must be a numeric array; got dtype {images.dtype}"
        )
    if images.dtype == np.uint8 or images.size == 0:
        return images
    needs_bytes = not as_is
    lo, hi = float(images.min()), float(images.max())
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError("source images contain NaN or Inf")
    if needs_bytes and 0 < hi <= 1:
        raise ValueError(
            f"source images look already scaled: {images.dtype} values in "
            f"[{lo:g}, {hi:g}], but kerasgen expects 0..255 values. Pass scale=None "
            "(without binarize or dequantize) to use them as they are, or multiply "
            "them by 255"
        )
    if needs_bytes and (lo < 0 or hi > 255):
        raise ValueError(
            f"source images have values outside [0, 255]: min {lo:g}, max {hi:g}; "
            "pass scale=None to use them as they are"
        )
    return images


def describe(x):
    """A few words on what a user passed, for errors."""
    if isinstance(x, (list, tuple)):
        return f"a {type(x).__name__} of {len(x)} items"
    return f"an array of shape {tuple(np.shape(x))}" if is_array_like(x) else repr(type(x).__name__)


def is_tf_dataset(x):
    return hasattr(x, "element_spec") and type(x).__module__.startswith("tensorflow")


def is_array_like(x):
    return isinstance(x, (np.ndarray, list)) or keras.ops.is_tensor(x)


class CheckedPyDataset(keras.utils.PyDataset):
    """A `PyDataset` whose batches pass `check(batch, index)` before use."""

    def __init__(self, dataset, check):
        super().__init__(
            workers=getattr(dataset, "workers", 1),
            use_multiprocessing=getattr(dataset, "use_multiprocessing", False),
            max_queue_size=getattr(dataset, "max_queue_size", 10),
        )
        self._dataset = dataset
        self._check = check

    def __len__(self):
        return len(self._dataset)

    @property
    def num_batches(self):
        return self._dataset.num_batches

    def __getitem__(self, index):
        return self._check(self._dataset[index], index)

    def on_epoch_begin(self):
        self._dataset.on_epoch_begin()

    def on_epoch_end(self):
        self._dataset.on_epoch_end()
