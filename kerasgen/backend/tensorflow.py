"""Training steps for the TensorFlow backend: `tf.GradientTape`, eager or traced."""

import contextlib

import tensorflow as tf
import keras


class StepMixin:
    """`train_step`/`test_step` of `GenerativeModel` under TensorFlow."""

    def train_step(self, data):
        logs = {}
        for group in self.optimization_groups():
            for _ in range(group.repeats):
                with tf.GradientTape() as tape:
                    loss, terms = group.loss_fn(data)
                    scaled_loss = group.optimizer.scale_loss(loss)
                grads = tape.gradient(scaled_loss, group.variables)
                group.optimizer.apply(grads, group.variables)
                logs.update(terms)
        return self._update_trackers(logs)

    def test_step(self, data):
        return self._update_trackers(self.compute_losses(data, training=False))


@contextlib.contextmanager
def usable_after_failure(model):
    """Drops the compiled functions if the fit/evaluate/predict inside raises.

    A call that raises while its tf.function traces (a refused batch, say)
    leaves that function marked as called: tracing it again for the next
    call could not create the variables an unbuilt model still lacks
    ("Creating variables on a non-first call"). The next call traces afresh.
    """
    try:
        yield
    except BaseException:
        model.train_function = model.test_function = model.predict_function = None
        raise


def input_gradient(fn, x):
    """Gradient of `sum(fn(x))` with respect to `x`, recorded by any outer tape."""
    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        total = tf.reduce_sum(fn(x))
    return tape.gradient(total, x)


def scan(step, init, xs):
    """`carry, y = step(carry, x)` over the leading axis of xs, as one compiled loop."""
    return keras.ops.scan(step, init, xs)


def sampling_threads():
    """Nothing to set: the sampling loop runs as one compiled program (see `kerasgen.backend.torch`)."""
    return contextlib.nullcontext()


def compile_loop(helper, jit_compile="auto"):
    """Compiles `helper` (a predict() wrapper around a loop of small steps) with XLA.

    Keras runs TensorFlow without XLA on a machine without a GPU, where the
    graph executor's cost per operation dominates a loop that draws one
    subpixel at a time: on this 2-core CPU, 8 images from the default
    PixelCNN took 0.85 s as a graph and 0.09 s with XLA, the same images.
    `jit_compile=False` keeps the graph without XLA.
    """
    helper.jit_compile = jit_compile is not False
    return helper


def compile_step(step, jit_compile="auto"):
    """`step` itself: `compile_loop` compiles the whole loop around it."""
    return step


def write_slice(x, start, update):
    """`keras.ops.slice_update`; inside an XLA loop (`compile_loop`) it writes in place."""
    return keras.ops.slice_update(x, start, update)


def subpixel_transposed_conv():
    """False: TensorFlow's own transposed convolution (oneDNN on a CPU) was the faster form on this CPU.

    BENCHMARKS.md's training-profile section times both forms under each backend.
    """
    return False


def data_parallel(num_devices):
    """Not yet: kerasgen's data-parallel training runs under JAX only for now."""
    raise ValueError(
        f"data_parallel: kerasgen has no data-parallel training under TensorFlow yet (asked for "
        f"{'all' if num_devices is None else num_devices} devices); it runs under JAX "
        "(KERAS_BACKEND=jax, keras.distribution.DataParallel)."
    )


def num_replicas():
    """1: no data-parallel engine is set up under this backend (see `data_parallel`)."""
    return 1
