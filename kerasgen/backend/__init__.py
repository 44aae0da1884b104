"""The one place where kerasgen depends on the Keras backend in use.

Each backend module (`tensorflow.py`, `jax.py`, `torch.py`) defines the same fifteen
names and nothing else that the rest of the library may rely on:

- `StepMixin`: `train_step` and `test_step` for `kerasgen.training.GenerativeModel`.
  The model states *what* to optimise (`optimization_groups()` and
  `compute_losses()`, written in `keras.ops`); the mixin says *how*: gradients,
  loss scaling and optimizer updates, in that backend's idiom.
- `input_gradient(fn, x)`: the gradient of `sum(fn(x))` with respect to `x`,
  itself differentiable, for penalties on the input gradient (WGAN-GP).
- `scan(step, init, xs)`: a differentiable loop over the leading axis of `xs`,
  `carry, y = step(carry, x)`, returning `(carry, stacked ys)` with each y
  shaped like the carry (the recurrences of PixelRNN). TensorFlow and JAX
  compile it as one loop (`keras.ops.scan`); PyTorch runs a Python loop over
  `torch.unbind`, whose backward pass is one stack instead of a full-size
  zero tensor per step.
- `sampling_threads()`: a context manager for the autoregressive sampling
  loop. PyTorch runs that loop as thousands of tiny eager operations, which
  torch's default intra-op threads slow down several times over on a busy
  CPU; its version runs the loop on one thread and restores the setting.
  TensorFlow and JAX compile the loop as one program and set nothing.
- `compile_loop(helper, jit_compile)`: makes the `keras.Model` that wraps such a loop
  for `predict()` compile it the fastest way the backend has: XLA under
  TensorFlow (which Keras leaves off on a CPU-only machine; 9x faster for
  PixelCNN sampling here, the same samples), nothing to do under JAX
  (already XLA); PyTorch keeps the loop in Python. `jit_compile=False`
  turns XLA off.
- `data_parallel(num_devices)`: a context manager in which models are
  built and fit data-parallel on the backend's own engine (JAX:
  `keras.distribution.DataParallel`, one program over the global batch;
  TensorFlow: `tf.distribute.MirroredStrategy`, the step run once per
  replica on its share; PyTorch: `torch.distributed`, one process a device
  under torchrun, each training on its rows of the batch).
  `num_replicas(model=None)`: the devices a batch is split across (1 outside).
  For a step that runs per replica, `replica()` is (this replica's index,
  the replicas), (0, 1) elsewhere and under JAX; and what a layer needs of
  the whole global batch: `replica_sum(x)` (a batch sum, e.g. EMA codebook
  counts), `replica_concat(x)` (the rows of every replica, in order) and
  `moments(x, axes)` (batch statistics), each the plain operation on one
  device and under JAX. `batch_noise(draw, shape)`, defined here once on
  top of `replica()`, is this replica's rows of the noise one device draws
  for the global batch.
- `compile_step(step, jit_compile)`: one step of that loop (a subpixel, a
  row), compiled by `torch.compile` under PyTorch when `jit_compile` is
  True (faster per image after a first call that compiles; BENCHMARKS.md
  times both); unchanged elsewhere, where the whole loop is compiled.
- `write_slice(x, start, update)`: `keras.ops.slice_update` for that loop,
  which owns `x` and never reads its old value again: in place under
  PyTorch, whose `slice_update` copies all of `x` for every subpixel;
  TensorFlow's and JAX's XLA loops write in place by themselves.
- `usable_after_failure(model)`: a context manager around `fit`, `evaluate`
  and `predict` that leaves the model usable when the call raises (JAX puts
  back the variable values its trainer detached; TensorFlow drops compiled
  functions whose trace failed; PyTorch has nothing to do). The `StepMixin`
  exported here wraps the three calls with it, for every backend at once.

- `subpixel_transposed_conv()`: whether `kerasgen.layers.SubpixelConv2DTranspose`
  computes a stride-2 transposed convolution as a stride-1 convolution and
  depth-to-space (the same outputs, up to float rounding) instead of
  `keras.ops.conv_transpose`: True under JAX on a CPU, where XLA's transposed
  convolution is several times slower than that form; False under
  TensorFlow and PyTorch, whose own transposed convolutions are faster.

The module is chosen once, at import, from `keras.backend.backend()`.
"""

import keras

_BACKEND = keras.backend.backend()

if _BACKEND == "tensorflow":
    from kerasgen.backend.tensorflow import StepMixin as _StepMixin
    from kerasgen.backend.tensorflow import (
        compile_loop, compile_step, data_parallel, input_gradient, moments, num_replicas, replica,
        replica_concat, replica_sum, sampling_threads, scan, subpixel_transposed_conv, usable_after_failure,
        write_slice)
elif _BACKEND == "jax":
    from kerasgen.backend.jax import StepMixin as _StepMixin
    from kerasgen.backend.jax import (
        compile_loop, compile_step, data_parallel, input_gradient, moments, num_replicas, replica,
        replica_concat, replica_sum, sampling_threads, scan, subpixel_transposed_conv, usable_after_failure,
        write_slice)
elif _BACKEND == "torch":
    from kerasgen.backend.torch import StepMixin as _StepMixin
    from kerasgen.backend.torch import (
        compile_loop, compile_step, data_parallel, input_gradient, moments, num_replicas, replica,
        replica_concat, replica_sum, sampling_threads, scan, subpixel_transposed_conv, usable_after_failure,
        write_slice)
else:
    raise ImportError(
        "kerasgen supports the Keras backends 'tensorflow', 'jax' and 'torch'; "
        f"KERAS_BACKEND is {_BACKEND!r}."
    )



def batch_noise(draw, shape):
    """`draw(shape)`: noise for a batch of shape[0] rows, the same rows as on one device in a data-parallel step.

    A replica of a per-replica step (TensorFlow, PyTorch) draws the noise of
    the whole global batch from its copy of the seed state (the same on
    all) and keeps its own rows: replica i holds rows i * n .. (i + 1) * n
    of the global batch, as the engines split it.
    """
    index, replicas = replica()
    if replicas == 1:
        return draw(shape)
    rows = shape[0]
    whole = draw((rows * replicas, *shape[1:]))
    return whole[index * rows:(index + 1) * rows]


class StepMixin(_StepMixin):
    """The backend's `train_step`/`test_step`; fit, evaluate and predict leave the model usable if they raise."""

    def fit(self, *args, **kwargs):
        with usable_after_failure(self):
            return super().fit(*args, **kwargs)

    def evaluate(self, *args, **kwargs):
        with usable_after_failure(self):
            return super().evaluate(*args, **kwargs)

    def predict(self, *args, **kwargs):
        with usable_after_failure(self):
            return super().predict(*args, **kwargs)


__all__ = ["StepMixin", "compile_loop", "input_gradient", "sampling_threads", "scan", "usable_after_failure",
           "write_slice"]
