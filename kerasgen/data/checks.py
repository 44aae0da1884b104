"""Checks on image batches flowing through a tf.data pipeline.

The graph-side half of the input checks: the arguments are checked by
`kerasgen.checks`, the batches here, as they are read.
"""

import tensorflow as tf

from kerasgen import checks


def _fmt(v):
    return f"{v:g}"


def _after(value, ok, text):
    """`value`, once `ok` holds; otherwise an InvalidArgumentError carrying `text`."""
    with tf.control_dependencies([tf.debugging.Assert(ok, [text])]):
        return tf.identity(value)


def _message(template, index, values=()):
    """`template` with "{}" fields filled at run time: the batch index, then `values`."""
    return tf.strings.format(template, (index,) + tuple(values))


def _check_label_spec(spec, image_spec, argument, noun="image"):
    """Fails now on label specs no batch can satisfy; returns the label TensorSpec."""
    if not isinstance(spec, tf.TensorSpec):
        raise ValueError(
            f"{argument}: the labels (the second item of each element) must be a tensor of class "
            f"ids; got element_spec {spec}"
        )
    if not (spec.dtype.is_integer or spec.dtype.is_floating) or spec.dtype.is_bool:
        raise TypeError(
            f"{argument} labels must hold integer class ids; the dataset's element_spec has "
            f"dtype {spec.dtype.name}"
        )
    shape = spec.shape
    if shape.rank is not None and (
        shape.rank not in (1, 2) or (shape.rank == 2 and shape[1] not in (None, 1))
    ):
        raise ValueError(
            f"{argument} labels must be one class id per {noun}, of shape (B,) or (B, 1); the "
            f"dataset's element_spec has labels of shape {shape}"
        )
    images, labels = image_spec.shape, shape
    if images.rank and labels.rank and images[0] is not None and labels[0] is not None \
            and images[0] != labels[0]:
        raise ValueError(
            f"{argument} has {labels[0]} labels for {images[0]} {noun}s per batch "
            f"(element_spec {images} and {labels})"
        )
    return spec


def _checked_labels(y, index, count, num_classes, is_float, name, noun="image"):
    """Labels y of one batch of `count` examples, once they are one class id each in [0, num_classes)."""
    # In order: one label per example, whole numbers, then the range, so that
    # each message describes what is actually wrong.
    shape = tf.shape(y)
    ok = tf.logical_and(
        tf.logical_and(tf.rank(y) >= 1, tf.rank(y) <= 2),
        tf.logical_and(tf.equal(tf.size(y), count), tf.reduce_all(tf.equal(shape[:1], count))),
    )
    y = _after(y, ok, _message(
        f"{name} labels must be one class id per {noun}, of shape (B,) or (B, 1); got shape "
        f"{{}} for {{}} {noun}s",
        index, (shape, count)))
    flat = tf.reshape(y, [-1])
    if is_float:
        bad = tf.logical_not(tf.logical_and(tf.math.is_finite(flat), tf.equal(flat, tf.round(flat))))
        flat = _after(flat, tf.logical_not(tf.reduce_any(bad)), _message(
            f"{name} labels must hold integer class ids (whole numbers); got values such as {{}}",
            index, (tf.boolean_mask(flat, bad)[:3],)))
        values = tf.cast(flat, tf.float64)
    else:
        values = tf.cast(flat, tf.int64)
    empty = tf.equal(tf.size(values), 0)
    zero = tf.zeros((), values.dtype)
    lo = tf.cond(empty, lambda: zero, lambda: tf.reduce_min(values))
    hi = tf.cond(empty, lambda: zero, lambda: tf.reduce_max(values))
    in_range = tf.logical_and(lo >= 0, hi < tf.cast(num_classes, values.dtype))
    return _after(y, in_range, _message(
        f"{name} labels must be class ids in [0, {num_classes}); got values from {{}} to {{}}",
        index, (lo, hi)))


def check_labels(dataset, *, num_classes, argument="x"):
    """Wraps a dataset of (samples, labels) batches with checks of the class labels.

    The labels must be one class id per sample, of shape (B,) or (B, 1), an
    integer dtype or whole floats, in ``[0, num_classes)``; a label spec no
    batch can satisfy fails now, values fail as batches flow with an
    ``tf.errors.InvalidArgumentError`` naming the batch. `check_images` does
    the same for image batches (with `num_classes`) and checks the images too;
    this is for samples of any shape, such as the vectors of a GAN on 2-D data.

    Args:
        dataset: A `tf.data.Dataset` of tuples (samples, labels, ...).
        num_classes: int >= 2.
        argument: Name used in error messages.

    Returns:
        A `tf.data.Dataset` with the same elements, checked.

    Example:
        >>> pairs = tf.data.Dataset.from_tensor_slices((tf.zeros((4, 2)), [0, 1, -1, 2])).batch(2)
        >>> list(check_labels(pairs, num_classes=3))
        Traceback (most recent call last):
        ...
        tensorflow.python.framework.errors_impl.InvalidArgumentError: ...x (batch 1) labels must be class ids in [0, 3); got values from -1 to 2...
    """
    if not isinstance(dataset, tf.data.Dataset):
        raise TypeError(f"dataset must be a tf.data.Dataset; got {type(dataset).__name__}")
    if not isinstance(argument, str) or not argument:
        raise ValueError(f"argument must be a non-empty string; got {argument!r}")
    num_classes = checks.check_integer(num_classes, "num_classes", minimum=2)
    spec = dataset.element_spec
    if not isinstance(spec, tuple) or len(spec) < 2 or not isinstance(spec[0], tf.TensorSpec):
        raise ValueError(
            f"{argument}: num_classes={num_classes} needs (samples, labels) elements; got "
            f"element_spec {spec}"
        )
    label_spec = _check_label_spec(spec[1], spec[0], argument, noun="sample")
    name = f"{argument} (batch {{}})"

    def check_element(index, element):
        labels = _checked_labels(element[1], index, tf.shape(element[0])[0], num_classes,
                                 label_spec.dtype.is_floating, name, noun="sample")
        return (element[0], labels) + tuple(element[2:])

    return dataset.enumerate().map(check_element)


def check_images(dataset, *, image_shape=None, value_range=None, integers=False, argument="x",
                 num_classes=None):
    """Wraps a dataset of image batches with checks that fail loudly at iteration.

    The element shape is checked now, statically, against ``(batch,) +
    image_shape``; values are checked as batches flow: an
    ``tf.errors.InvalidArgumentError`` naming the batch (counted from 0) is
    raised for NaN or Inf values (``"x (batch 2) contains NaN or Inf"``), for
    values outside `value_range` (``"x (batch 0) has values outside [0, 1]:
    min -0.5, max 1"``) and for image sizes that were unknown statically and
    turn out wrong. With `num_classes`, the labels (the second item of each
    element) must be one whole number per image in ``[0, num_classes)``
    (``"x (batch 1) labels must be class ids in [0, 10); got values from 0
    to 10"``).

    Args:
        dataset: A `tf.data.Dataset` whose elements are image batches
            (B, H, W, C) or tuples whose first item is the image batch.
        image_shape: Expected (H, W, C), None entries matching any size; None to
            check only that batches have rank 4.
        value_range: Pair (low, high) of allowed values, inclusive, or None.
        integers: Whether every value must be a whole number (``"x must hold
            whole numbers"``), for discrete models.
        argument: Name used for the images in error messages.
        num_classes: int >= 2 to check the class labels of (images, labels)
            elements: shape (B,) or (B, 1), an integer dtype or whole floats,
            values in [0, num_classes). None checks no labels.

    Returns:
        A `tf.data.Dataset` with the same elements, checked.

    Raises:
        TypeError: If `dataset` is not a `tf.data.Dataset`, or its labels have a
            dtype that cannot hold class ids (strings, booleans).
        ValueError: For bad arguments, an element spec whose rank or shape
            does not match `image_shape`, labels of a shape that cannot be one
            per image, or `num_classes` set for a dataset without labels.

    Example:
        >>> ds = tf.data.Dataset.from_tensor_slices(tf.zeros((4, 8, 8, 1))).batch(2)
        >>> ds = check_images(ds, image_shape=(8, 8, 1), value_range=(0, 1))
        >>> [tuple(x.shape) for x in ds]
        [(2, 8, 8, 1), (2, 8, 8, 1)]
        >>> pairs = tf.data.Dataset.from_tensor_slices((tf.zeros((4, 8, 8, 1)), [0, 1, 2, 10]))
        >>> list(check_images(pairs.batch(2), num_classes=10))
        Traceback (most recent call last):
        ...
        tensorflow.python.framework.errors_impl.InvalidArgumentError: ...x (batch 1) labels must be class ids in [0, 10); got values from 2 to 10...
    """
    if not isinstance(dataset, tf.data.Dataset):
        raise TypeError(
            f"dataset must be a tf.data.Dataset; got {type(dataset).__name__}"
        )
    if not isinstance(argument, str) or not argument:
        raise ValueError(f"argument must be a non-empty string; got {argument!r}")
    image_shape = None if image_shape is None else checks.check_image_shape(
        image_shape, unknown_sizes=True, any_channels=True)
    value_range = checks.check_value_range(value_range, allow_none=True)
    num_classes = checks.check_integer(num_classes, "num_classes", minimum=2, allow_none=True)

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
    label_spec = None
    if num_classes is not None:
        if not tuple_elements or len(spec) < 2:
            raise ValueError(
                f"{argument}: num_classes={num_classes} needs (images, labels) elements; the "
                f"dataset yields images alone (element_spec {spec})"
            )
        label_spec = _check_label_spec(spec[1], image_spec, argument)
    is_float = image_spec.dtype.is_floating
    name = f"{argument} (batch {{}})"  # the batch index is filled in at run time

    def check(index, x):
        if runtime_shape_check:
            mask = [d is not None for d in image_shape]
            want = [0 if d is None else d for d in image_shape]
            shape = tf.shape(x)
            ok = tf.logical_and(
                tf.equal(tf.size(shape), 4),
                tf.reduce_all(tf.equal(
                    tf.boolean_mask(tf.pad(shape, [[0, 4]])[1:4], mask),
                    tf.boolean_mask(tf.constant(want, tf.int32), mask),
                )),
            )
            x = _after(x, ok, _message(
                f"{name} has the wrong image shape; expected {image_shape}, got {{}}",
                index, (shape,)))
        if is_float:
            x = _after(x, tf.reduce_all(tf.math.is_finite(x)),
                       _message(f"{name} contains NaN or Inf", index))
        if value_range is not None:
            low, high = value_range
            xf = tf.cast(x, tf.float64)
            empty = tf.equal(tf.size(xf), 0)
            lo = tf.cond(empty, lambda: tf.constant(low, tf.float64),
                         lambda: tf.reduce_min(xf))
            hi = tf.cond(empty, lambda: tf.constant(high, tf.float64),
                         lambda: tf.reduce_max(xf))
            x = _after(x, tf.logical_and(lo >= low, hi <= high), _message(
                f"{name} has values outside [{_fmt(low)}, {_fmt(high)}]: min {{}}, max {{}}",
                index, (lo, hi)))
        if integers and is_float:
            flat = tf.reshape(x, [-1])
            fractional = tf.not_equal(flat, tf.round(flat))
            x = _after(x, tf.logical_not(tf.reduce_any(fractional)), _message(
                f"{name} must hold whole numbers (the levels of a discrete model); got values "
                "such as {}",
                index, (tf.boolean_mask(flat, fractional)[:3],)))
        return x

    def check_element(index, element):
        if not tuple_elements:
            return check(index, element)
        images = check(index, element[0])
        rest = tuple(element[1:])
        if label_spec is not None:
            rest = (_checked_labels(rest[0], index, tf.shape(images)[0], num_classes,
                                    label_spec.dtype.is_floating, name),) + rest[1:]
        return (images,) + rest

    return dataset.enumerate().map(check_element)
