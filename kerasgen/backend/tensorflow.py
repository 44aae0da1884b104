"""Training steps for the TensorFlow backend: `tf.GradientTape`, eager or traced."""

import contextlib

import tensorflow as tf
import keras


class StepMixin:
    """`train_step`/`test_step` of `GenerativeModel` under TensorFlow.

    Under a `tf.distribute` strategy (`data_parallel`) the step runs once
    per replica on its share of the global batch, and every optimizer sums
    the replicas' gradients: each replica's loss, a mean over its share, is
    divided by the number of replicas first, so the sum is the gradient of
    the global batch's mean, as on one device.
    """

    def fit(self, *args, **kwargs):
        with _synchronized_batch_norm(self):
            return super().fit(*args, **kwargs)

    def train_step(self, data):
        logs = {}
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        for group in self.optimization_groups():
            for _ in range(group.repeats):
                with tf.GradientTape() as tape:
                    loss, terms = group.loss_fn(data)
                    scaled_loss = group.optimizer.scale_loss(loss)
                    if replicas > 1:
                        scaled_loss = scaled_loss / replicas
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
    """`tf.distribute.MirroredStrategy(...).scope()` over the first `num_devices` GPUs, or CPUs without one.

    Without a GPU, the logical CPU devices: one unless the CPU was split
    before TensorFlow started (`tf.config.set_logical_device_configuration`),
    and the replicas' gradients are summed on the first of them
    (`tf.distribute.ReductionToOneDevice`; NCCL, the GPU default, has no CPU
    kernels).
    """
    gpus = tf.config.list_logical_devices("GPU")
    devices = gpus or tf.config.list_logical_devices("CPU")
    if num_devices is None:
        num_devices = len(devices)
    if num_devices > len(devices):
        raise ValueError(
            f"data_parallel: num_devices is {num_devices}, but TensorFlow sees {len(devices)} "
            f"{'GPU' if gpus else 'CPU'} device(s): {', '.join(d.name for d in devices)}. On a CPU, split it into "
            "N logical devices before TensorFlow starts: tf.config.set_logical_device_configuration("
            "tf.config.list_physical_devices('CPU')[0], [tf.config.LogicalDeviceConfiguration()] * N)."
        )
    names = [d.name for d in devices[:num_devices]]
    reduce = None if gpus else tf.distribute.ReductionToOneDevice(reduce_to_device=names[0])
    return tf.distribute.MirroredStrategy(devices=names, cross_device_ops=reduce).scope()


def num_replicas(model=None):
    """The replicas a batch is split across: `model`'s strategy's, else the current one's (1 without one)."""
    strategy = model.distribute_strategy if model is not None else tf.distribute.get_strategy()
    return strategy.num_replicas_in_sync


def replica():
    """(this replica's index, the number of replicas) inside a step run by a strategy; (0, 1) elsewhere."""
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return 0, 1
    return context.replica_id_in_sync_group, context.num_replicas_in_sync


def replica_sum(x):
    """The sum of `x` over the replicas of a data-parallel step (`x` itself on one device)."""
    _, replicas = replica()
    if replicas == 1:
        return x
    return tf.distribute.get_replica_context().all_reduce(tf.distribute.ReduceOp.SUM, x)


def replica_concat(x):
    """`x` of every replica, concatenated along axis 0 in replica order (`x` itself on one device)."""
    _, replicas = replica()
    if replicas == 1:
        return x
    return tf.distribute.get_replica_context().all_gather(x, axis=0)


def moments(x, axes):
    """`keras.ops.moments` over the global batch: its statistics summed over the replicas in a data-parallel step."""
    return keras.ops.moments(x, axes=axes, synchronized=replica()[1] > 1)


@contextlib.contextmanager
def _synchronized_batch_norm(model):
    """Inside: every `BatchNormalization` of a model that trains on several replicas normalises with the global batch's
    statistics, and updates its moving statistics from them, the same on every replica (Keras' own
    `synchronized=True`, which only TensorFlow has); a layer's setting is put back after the call, so the
    model's config still loads under JAX and PyTorch."""
    if num_replicas(model) == 1:
        yield
        return
    layers = [layer for layer in model._flatten_layers()
              if isinstance(layer, keras.layers.BatchNormalization) and not layer.synchronized]
    for layer in layers:
        layer.synchronized = True
    try:
        yield
    finally:
        for layer in layers:
            layer.synchronized = False
