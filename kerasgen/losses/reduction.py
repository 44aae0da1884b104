"""From per-example loss terms to the batch's scalar, with optional sample weights."""

from keras import ops


def weighted_mean(values, sample_weight=None):
    """The mean of per-example values over the batch, weighted by `sample_weight`.

    sum(w * v) / sum(w): an example of weight 0 counts as absent, and
    weights of 1 give the plain mean. A batch whose weights are all 0 gives 0
    (and no gradient). Computed in float32.

    Args:
        values: tensor (N,), one loss term per example.
        sample_weight: tensor (N,) or (N, 1) of weights >= 0, or None for
            the plain mean.

    Example:

    ```python
    weighted_mean(keras.ops.array([1.0, 3.0]), keras.ops.array([1.0, 0.0]))  # 1.0
    ```
    """
    values = ops.cast(values, "float32")
    if sample_weight is None:
        return ops.mean(values)
    weight = ops.reshape(ops.cast(sample_weight, "float32"), ops.shape(values))
    return ops.divide_no_nan(ops.sum(weight * values), ops.sum(weight))
