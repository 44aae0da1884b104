"""Zero padding that `torch.compile` can trace once."""

from keras import ops


def zero_pad(x, widths):
    """`keras.ops.pad(x, widths)` with zeros, written as concatenations.

    The same values as `ops.pad`. `ops.pad` builds a Keras `Operation` at
    every call, and its unique name advances a global counter;
    `torch.compile` guards on that counter, so a compiled step that pads
    would be compiled again at every call until dynamo gives up and runs
    it eagerly (`kerasgen.backend.compile_step`). A concatenation builds
    nothing.

    Args:
        x: a tensor.
        widths: one (before, after) pair of Python ints per axis of x.

    Example:

    ```python
    import numpy as np
    from kerasgen.utils.padding import zero_pad
    y = zero_pad(np.ones((2, 3), "float32"), ((0, 0), (1, 2)))
    assert tuple(y.shape) == (2, 6)
    ```
    """
    for axis, (before, after) in enumerate(widths):
        if before or after:
            shape = tuple(ops.shape(x))
            parts = [ops.zeros(shape[:axis] + (before,) + shape[axis + 1:], x.dtype)] if before else []
            parts.append(x)
            if after:
                parts.append(ops.zeros(shape[:axis] + (after,) + shape[axis + 1:], x.dtype))
            x = ops.concatenate(parts, axis=axis)
    return x
