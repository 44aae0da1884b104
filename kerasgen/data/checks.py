"""Checks on image batches flowing through a tf.data pipeline."""

import numbers

import tensorflow as tf


def _check_image_shape(image_shape):
    if image_shape is None:
        return None
    shape = tuple(image_shape) if isinstance(image_shape, (tuple, list)) else None
    if shape is None or len(shape) != 3 or not all(
        d is None or (isinstance(d, numbers.Integral) and not isinstance(d, bool) and d > 0)
        for d in shape
    ):
        raise ValueError(
            "image_shape must be a tuple (H, W, C) of positive integers (or None "
            f"for any size); got {image_shape!r}"
        )
    return tuple(None if d is None else int(d) for d in shape)


def _check_value_range(value_range):
    if value_range is None:
        return None
    ok = (
        isinstance(value_range, (tuple, list))
        and len(value_range) == 2
        and all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in value_range)
        and value_range[0] < value_range[1]
    )
    if not ok:
        raise ValueError(
            "value_range must be a pair (low, high) of numbers with low < high, or "
            f"None; got {value_range!r}"
        )
    return float(value_range[0]), float(value_range[1])


def _fmt(v):
    return f"{v:g}"


def check_images(dataset, *, image_shape=None, value_range=None, integers=False, argument="x"):
    """Wraps a dataset of image batches with checks that fail loudly at iteration.

    The element shape is checked now, statically, against ``(batch,) +
    image_shape``; values are checked as batches flow: an
    ``tf.errors.InvalidArgumentError`` is raised for NaN or Inf values
    (``"x contains NaN or Inf"``), for values outside `value_range`
    (``"x has values outside [0, 1]: min -0.5, max 1"``) and for image sizes that
    were unknown statically and turn out wrong.

    Args:
        dataset: A `tf.data.Dataset` whose elements are image batches
            (B, H, W, C) or tuples whose first item is the image batch.
        image_shape: Expected (H, W, C), None entries matching any size; None to
            check only that batches have rank 4.
        value_range: Pair (low, high) of allowed values, inclusive, or None.
        integers: Whether every value must be a whole number (``"x must hold
            whole numbers"``), for discrete models.
        argument: Name used for the images in error messages.

    Returns:
        A `tf.data.Dataset` with the same elements, checked.

    Raises:
        TypeError: If `dataset` is not a `tf.data.Dataset`.
        ValueError: For bad arguments, or an element spec whose rank or shape
            does not match `image_shape`.

    Example:
        >>> ds = tf.data.Dataset.from_tensor_slices(tf.zeros((4, 8, 8, 1))).batch(2)
        >>> ds = check_images(ds, image_shape=(8, 8, 1), value_range=(0, 1))
        >>> [tuple(x.shape) for x in ds]
        [(2, 8, 8, 1), (2, 8, 8, 1)]
    """
    if not isinstance(dataset, tf.data.Dataset):
        raise TypeError(
            f"dataset must be a tf.data.Dataset; got {type(dataset).__name__}"
        )
    if not isinstance(argument, str) or not argument:
        raise ValueError(f"argument must be a non-empty string; got {argument!r}")
    image_shape = _check_image_shape(image_shape)
    value_range = _check_value_range(value_range)

    spec = dataset.element_spec
    tuple_elements = isinstance(spec, tuple)
    image_spec = spec[0] if tuple_elements and spec else spec
    if not isinstance(image_spec, tf.TensorSpec):
        raise ValueError(
            f"{argument}: dataset elements must be image batches or tuples whose first "
            f"item is the image batch; got element_spec {spec}"
        )
    static = image_spec.shape
    if static.rank is not None and static.rank != 4:
        raise ValueError(
            f"{argument} must be batches of images (B, H, W, C); the dataset's "
            f"element_spec has shape {static} (rank {static.rank})"
        )
    runtime_shape_check = False
    if image_shape is not None:
        if static.rank is None:
            runtime_shape_check = True
        else:
            for want, have in zip(image_shape, static[1:], strict=True):
                if want is None:
                    continue
                if have is None:
                    runtime_shape_check = True
                elif have != want:
                    expected = "(B, " + ", ".join(
                        "?" if d is None else str(d) for d in image_shape
                    ) + ")"
                    raise ValueError(
                        f"{argument} must have shape {expected}; the dataset's "
                        f"element_spec has shape {static}"
                    )
    is_float = image_spec.dtype.is_floating

    def check(x):
        asserts = []
        if runtime_shape_check:
            mask = [d is not None for d in image_shape]
            want = [0 if d is None else d for d in image_shape]
            asserts.append(tf.debugging.assert_equal(
                tf.boolean_mask(tf.shape(x)[1:], mask),
                tf.boolean_mask(tf.constant(want, tf.int32), mask),
                message=f"{argument} has the wrong image shape; expected {image_shape}",
            ))
        if is_float:
            asserts.append(tf.debugging.assert_all_finite(
                x, message=f"{argument} contains NaN or Inf"
            ))
        with tf.control_dependencies(asserts):
            x = tf.identity(x)
        if value_range is not None:
            low, high = value_range
            xf = tf.cast(x, tf.float64)
            empty = tf.equal(tf.size(xf), 0)
            lo = tf.cond(empty, lambda: tf.constant(low, tf.float64),
                         lambda: tf.reduce_min(xf))
            hi = tf.cond(empty, lambda: tf.constant(high, tf.float64),
                         lambda: tf.reduce_max(xf))
            ok = tf.logical_and(lo >= low, hi <= high)
            text = tf.strings.format(
                f"{argument} has values outside [{_fmt(low)}, {_fmt(high)}]: "
                "min {}, max {}",
                (lo, hi),
            )
            with tf.control_dependencies([tf.debugging.Assert(ok, [text])]):
                x = tf.identity(x)
        if integers and is_float:
            whole = tf.reduce_all(tf.equal(x, tf.round(x)))
            text = tf.strings.format(
                f"{argument} must hold whole numbers (the levels of a discrete model); got "
                "values such as {}",
                (tf.boolean_mask(tf.reshape(x, [-1]), tf.not_equal(tf.reshape(x, [-1]), tf.round(tf.reshape(x, [-1]))))[:3],),
            )
            with tf.control_dependencies([tf.debugging.Assert(whole, [text])]):
                x = tf.identity(x)
        return x

    if tuple_elements:
        return dataset.map(lambda *e: (check(e[0]),) + tuple(e[1:]))
    return dataset.map(check)
