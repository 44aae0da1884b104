"""Input pipelines: images from any source to shuffled, scaled batches in tf.data."""

import weakref

import keras
import numpy as np
import tensorflow as tf

from kerasgen.data.image_format import ImageFormat
from kerasgen import checks
from kerasgen.data.sources import load

_MAX_SHUFFLE_BUFFER = 60000


def _check_seed(seed):
    if seed is not None and not checks.is_integer(seed):
        raise ValueError(f"seed must be an integer or None; got {seed!r}")


_UNSET = object()


def _image_format(image_format, scale, binarize, dequantize):
    """The pipeline's ImageFormat: `image_format`, or one made of scale/binarize/dequantize."""
    given = {k: v for k, v in (("scale", scale), ("binarize", binarize), ("dequantize", dequantize))
             if v is not _UNSET}
    if image_format is not None:
        if given:
            raise ValueError(
                f"pass image_format or {', '.join(given)}, not both: image_format={image_format!r} already "
                "says how pixels become model inputs"
            )
        if isinstance(image_format, keras.Model):  # a kerasgen model: its own format
            fmt = image_format.image_format
            if fmt is None:
                raise ValueError(f"image_format: {type(image_format).__name__} has no image format (it takes "
                                 "vectors, not images)")
            return fmt
        return ImageFormat.get(image_format)
    if "dequantize" in given:
        given["dequantize"] = checks.check_bool(given["dequantize"], "dequantize")
    given.setdefault("scale", "unit")
    return ImageFormat(**given)


def _from_numpy(images, labels, take, fmt):
    images = np.asarray(images)
    # Any format but the values as they are (scale=None) reads 0..255 pixels.
    images = checks.check_numpy_images(images, as_is=fmt == ImageFormat(scale=None))
    if labels is not None:
        labels = np.asarray(labels)
        if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(
                f"source labels must be integers of shape (N,); got {labels.dtype} "
                f"of shape {labels.shape}"
            )
        if len(labels) != len(images):
            raise ValueError(
                f"source has {len(images)} images but {len(labels)} labels"
            )
    if take is not None:
        images = images[:take]
        labels = None if labels is None else labels[:take]
    if labels is None:
        return tf.data.Dataset.from_tensor_slices(images), False, len(images)
    return (
        tf.data.Dataset.from_tensor_slices((images, labels.astype(np.int32))),
        True,
        len(images),
    )


def _spec_of_tf_dataset(spec):
    """Returns (has_labels) for a tf.data element spec, or raises ValueError."""
    if isinstance(spec, tf.TensorSpec):
        image_spec, label_spec = spec, None
    elif isinstance(spec, tuple) and len(spec) == 2 and all(
        isinstance(s, tf.TensorSpec) for s in spec
    ):
        image_spec, label_spec = spec
    else:
        raise ValueError(
            "source tf.data.Dataset must yield images or (image, label) pairs; "
            f"got element_spec {spec}"
        )
    if image_spec.shape.rank != 3:
        raise ValueError(
            "source tf.data.Dataset must yield unbatched images of shape (H, W, C); "
            f"got element shape {image_spec.shape} (call .unbatch() on a batched "
            "dataset)"
        )
    if label_spec is not None and label_spec.shape.rank != 0:
        raise ValueError(
            "source tf.data.Dataset must yield scalar labels; got label shape "
            f"{label_spec.shape}"
        )
    return label_spec is not None


def _from_tf_dataset(ds, take):
    has_labels = _spec_of_tf_dataset(ds.element_spec)
    if take is not None:
        ds = ds.take(take)
    if has_labels:
        ds = ds.map(lambda x, y: (x, tf.cast(y, tf.int32)))
    size = int(ds.cardinality())
    return ds, has_labels, (size if size >= 0 else None)


def _batch_parts(batch):
    """Splits one PyDataset batch into (images, labels or None) NumPy arrays."""
    if isinstance(batch, (tuple, list)):
        if not 1 <= len(batch) <= 3:
            raise ValueError(
                "source PyDataset batches must be x, (x,), (x, y) or (x, y, w); got "
                f"a {type(batch).__name__} of length {len(batch)}"
            )
        x = batch[0]
        y = batch[1] if len(batch) > 1 else None
    else:
        x, y = batch, None
    x = np.asarray(keras.ops.convert_to_numpy(x))
    if y is not None:
        y = np.asarray(keras.ops.convert_to_numpy(y))
    return x, y


def _from_py_dataset(py_ds, take):
    num_batches = py_ds.num_batches
    if num_batches is None and take is None:
        raise ValueError(
            "source PyDataset is infinite (num_batches is None); pass take=<number "
            "of examples>"
        )
    if num_batches == 0:
        raise ValueError("source PyDataset is empty (num_batches is 0)")
    x0, y0 = _batch_parts(py_ds[0])
    if x0.ndim != 4:
        raise ValueError(
            f"source PyDataset must yield image batches of shape (B, H, W, C); got "
            f"shape {x0.shape}"
        )
    if y0 is not None and y0.ndim != 1:
        raise ValueError(
            f"source PyDataset must yield labels of shape (B,); got shape {y0.shape}"
        )
    x_spec = tf.TensorSpec((None,) + x0.shape[1:], tf.as_dtype(x0.dtype))
    has_labels = y0 is not None

    def generate():
        index = 0
        while num_batches is None or index < num_batches:
            x, y = _batch_parts(py_ds[index])
            yield (x, y.astype(np.int32)) if has_labels else x
            index += 1
        py_ds.on_epoch_end()

    if has_labels:
        signature = (x_spec, tf.TensorSpec((None,), tf.int32))
    else:
        signature = x_spec
    ds = tf.data.Dataset.from_generator(generate, output_signature=signature).unbatch()
    size = None if num_batches is None else num_batches * len(x0)
    if take is not None:
        ds = ds.take(take)
        size = take if size is None else min(size, take)
    return ds, has_labels, size


def pipeline(source, *, split="train", batch_size=128, shuffle=True, image_format=None, scale=_UNSET,
             binarize=_UNSET, dequantize=_UNSET, labels=False, seed=None, data_dir=None,
             drop_remainder=False, take=None, first_epoch=None, image_size=None, channels=None):
    """Builds a tf.data pipeline of shuffled, scaled (and optionally noised) batches.

    Steps: `take` the first examples; shuffle (buffer = dataset size, at most
    60000, reshuffled each epoch); batch; cast to float32 and transform; prefetch.
    Random transforms (dynamic binarization, dequantization) draw fresh values
    every epoch; two pipelines built with the same `seed` give identical epochs.
    Sources are expected to hold 0..255 values (uint8 or float); float NumPy
    sources that look already scaled to [0, 1] are refused rather than guessed at.

    Args:
        source: A dataset name for `load` (e.g. ``"fashion_mnist"``); a NumPy array
            of images (N, H, W, C); a tuple ``(images, labels)``; a
            `tf.data.Dataset` of unbatched images or (image, label) pairs; or a
            `keras.utils.PyDataset` of batches ``x`` or ``(x, y)``.
        split: Split to load when `source` is a name.
        batch_size: Examples per batch.
        shuffle: Whether to shuffle the examples (differently each epoch).
        image_format: How pixels become model inputs: a `kerasgen.data.ImageFormat`
            (its config dict or name), or a kerasgen model, whose own
            `model.image_format` is used, e.g. ``pipeline("fashion_mnist",
            image_format=vae)``. None: the format of `scale`, `binarize` and
            `dequantize`, the `ImageFormat` arguments (default ``"unit"``), which
            may not be passed with it.
        scale: ``"unit"`` (x/255, in [0, 1]), ``"symmetric"`` (x/127.5 - 1, in
            [-1, 1]) or None (raw 0..255 floats).
        binarize: None; ``"dynamic"`` (Bernoulli samples with p = x/255, fresh each
            epoch) or ``"static"`` (x/255 > 0.5). Output is {0, 1} either way.
        dequantize: Add uniform noise: (x + u)/256 with u ~ U[0, 1) for
            ``"unit"`` (in [0, 1)), (x + u)/128 - 1 for ``"symmetric"``, x + u for
            None.
        labels: If True, yield ``(images, labels)`` with int32 labels.
        seed: Integer seed for shuffling and random transforms, or None.
        data_dir: Folder searched first when `source` is a name.
        drop_remainder: Whether to drop the last, smaller batch.
        take: If given, use only the first `take` examples.
        first_epoch: None, or an int >= 0 for a pipeline that can be resumed:
            an endless dataset whose epochs are numbered from `first_epoch`,
            each shuffled and noised as a function of `seed` and its number
            alone (and TensorFlow's global seed, which `keras.utils.set_random_seed`
            sets). A run resumed at epoch e (`BackupAndRestore`) then sees
            exactly the batches an uninterrupted run saw from epoch e on.
            Needs a `seed` and a source of known size; pass
            `steps_per_epoch=steps_per_epoch(ds)` to `fit`.
        image_size: None, or an int N when `source` is a name, folder or
            array file: images cropped to their central square and resized
            to N x N, as `load` does (a folder of mixed sizes needs it).
        channels: None, 1 or 3 when `source` is a name, folder or array
            file: images converted to grey or RGB, as `load` does.

    Returns:
        A `tf.data.Dataset` of float32 image batches (B, H, W, C), or of
        ``(images, labels)`` pairs if `labels` is True.

    Raises:
        ValueError: For bad options or combinations, labels requested from a
            source without labels, or already-scaled float data.
        TypeError: For an unsupported `source` type.

    Example:
        >>> ds = pipeline("digits", batch_size=32, binarize="dynamic", seed=0)
        >>> x = next(iter(ds))
        >>> tuple(x.shape), sorted(set(x.numpy().ravel().tolist()))
        ((32, 8, 8, 1), [0.0, 1.0])
    """
    batch_size = checks.check_integer(batch_size, "batch_size", what="a positive integer")
    take = checks.check_integer(take, "take", what="a positive integer", allow_none=True)
    shuffle = checks.check_bool(shuffle, "shuffle")
    labels = checks.check_bool(labels, "labels")
    drop_remainder = checks.check_bool(drop_remainder, "drop_remainder")
    fmt = _image_format(image_format, scale, binarize, dequantize)
    _check_seed(seed)
    if first_epoch is not None:
        checks.check_integer(first_epoch, "first_epoch", minimum=0, what="None or an integer >= 0")
        if seed is None:
            raise ValueError(
                f"first_epoch={first_epoch!r} needs a seed: the epochs of a resumable pipeline are "
                "drawn from it; pass seed=0 (or any integer)"
            )
    if not isinstance(source, str):
        if split != "train":
            raise ValueError(
                f"split applies only when source is a dataset name; got split={split!r} "
                f"with a source of type {type(source).__name__}"
            )
        if data_dir is not None:
            raise ValueError(
                f"data_dir applies only when source is a dataset name; got "
                f"data_dir={data_dir!r} with a source of type {type(source).__name__}"
            )
        for key, value in (("image_size", image_size), ("channels", channels)):
            if value is not None:
                raise ValueError(
                    f"{key} applies only when source is a dataset name, folder or array file; got "
                    f"{key}={value!r} with a source of type {type(source).__name__}: resize or convert the "
                    "images before passing them"
                )

    if isinstance(source, str):
        images, label_array = load(source, split=split, data_dir=data_dir, image_size=image_size,
                                   channels=channels)
        ds, has_labels, size = _from_numpy(
            images, label_array, take, fmt
        )
    elif isinstance(source, np.ndarray):
        ds, has_labels, size = _from_numpy(source, None, take, fmt)
    elif isinstance(source, tuple):
        if len(source) != 2:
            raise ValueError(
                f"source tuple must be (images, labels); got a tuple of length {len(source)}"
            )
        ds, has_labels, size = _from_numpy(
            source[0], source[1], take, fmt
        )
    elif isinstance(source, tf.data.Dataset):
        ds, has_labels, size = _from_tf_dataset(source, take)
    elif isinstance(source, keras.utils.PyDataset):
        ds, has_labels, size = _from_py_dataset(source, take)
    else:
        raise TypeError(
            "source must be a dataset name, a NumPy array of images, a tuple "
            "(images, labels), a tf.data.Dataset or a keras.utils.PyDataset; got "
            f"{type(source).__name__}"
        )
    if labels and not has_labels:
        raise ValueError(
            "labels=True but the source has no labels; pass (images, labels), a "
            "dataset of (image, label) pairs, or labels=False"
        )
    if has_labels and not labels:
        ds = ds.map(lambda x, y: x)

    if drop_remainder and size is not None and size < batch_size:
        # No batch at all: an epoch would be empty, and a resumable (endless) pipeline would never yield.
        raise ValueError(
            f"the source holds {size} examples, fewer than batch_size={batch_size}, so drop_remainder=True "
            "leaves no batch; pass a batch_size of at most the number of examples (kerasgen train --batch-size)"
        )
    buffer = _MAX_SHUFFLE_BUFFER if size is None else max(1, min(size, _MAX_SHUFFLE_BUFFER))
    transform, random = fmt.transform, fmt.random
    if first_epoch is not None:
        if size is None:
            raise ValueError(
                "first_epoch needs a source of known size (a dataset name, a NumPy array, "
                "(images, labels) or a finite tf.data.Dataset); this one's size is unknown"
            )
        ds = _resumable(ds, int(first_epoch), int(seed), shuffle, size, batch_size, drop_remainder,
                        transform, random, labels)
        steps = size // batch_size if drop_remainder else -(-size // batch_size)
        _STEPS_PER_EPOCH[ds] = steps
        return ds

    if shuffle:
        ds = ds.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    if random:
        # Stateless ops with per-batch seeds from a dataset that re-randomizes each
        # epoch: fresh noise every epoch, yet reproducible for a given seed.
        seeds = tf.data.Dataset.random(
            seed=seed, rerandomize_each_iteration=True
        ).batch(2)
        ds = tf.data.Dataset.zip((ds, seeds))
        if labels:
            ds = ds.map(lambda xy, s: (transform(xy[0], s), xy[1]),
                        num_parallel_calls=tf.data.AUTOTUNE)
        else:
            ds = ds.map(lambda x, s: transform(x, s), num_parallel_calls=tf.data.AUTOTUNE)
    else:
        if labels:
            ds = ds.map(lambda x, y: (transform(x, None), y),
                        num_parallel_calls=tf.data.AUTOTUNE)
        else:
            ds = ds.map(lambda x: transform(x, None), num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)


# Batches per epoch of the resumable pipelines made here.
_STEPS_PER_EPOCH = weakref.WeakKeyDictionary()


def steps_per_epoch(dataset):
    """Batches in one epoch of a resumable pipeline (`pipeline(..., first_epoch=...)`).

    Example:
        >>> ds = pipeline("digits", batch_size=100, seed=0, first_epoch=0, drop_remainder=True)
        >>> steps_per_epoch(ds)  # the 1,500 training images of "digits", 100 a batch
        15
    """
    steps = _STEPS_PER_EPOCH.get(dataset) if isinstance(dataset, tf.data.Dataset) else None
    if steps is None:
        raise ValueError(
            "steps_per_epoch takes a dataset made by pipeline(..., first_epoch=...); got "
            f"{type(dataset).__name__}"
        )
    return steps


def _resumable(ds, first_epoch, seed, shuffle, size, batch_size, drop_remainder, transform, random,
               labels):
    """Endless epochs from first_epoch on, each drawn from (seed, epoch number) alone.

    The examples are held in memory (as the NumPy sources already are) and
    each epoch is a stateless permutation of their indices, so nothing
    depends on how many epochs this dataset object has run before.
    """
    examples = next(iter(ds.batch(size)))

    def one_epoch(epoch):
        epoch_seed = tf.stack([tf.constant(seed, tf.int64), epoch])
        order = tf.range(size, dtype=tf.int64)
        if shuffle:
            order = tf.random.experimental.stateless_shuffle(order, seed=epoch_seed)
        d = tf.data.Dataset.from_tensor_slices(order).batch(batch_size, drop_remainder=drop_remainder).enumerate()

        def prepare(step, index):
            batch = tf.nest.map_structure(lambda t: tf.gather(t, index), examples)
            # Noise seeds (seed, epoch * 2**20 + step): distinct for every batch of every epoch.
            noise_seed = tf.stack([epoch_seed[0] + 1, epoch * 2**20 + step]) if random else None
            if labels:
                return transform(batch[0], noise_seed), batch[1]
            return transform(batch, noise_seed)

        return d.map(prepare, num_parallel_calls=tf.data.AUTOTUNE)

    return tf.data.Dataset.range(first_epoch, 2**40).flat_map(one_epoch).prefetch(tf.data.AUTOTUNE)
