"""Training steps for the PyTorch backend: `torch.autograd.grad` per parameter group.

Gradients are taken with `torch.autograd.grad` rather than `backward()`, so
nothing accumulates in `.grad` between the updates of two groups (a GAN's
discriminator and generator) and no `zero_grad()` can be forgotten.

Autoregressive sampling runs one subpixel at a time: thousands of eager
operations on small tensors. Spread over torch's default intra-op threads
(one per core), an operation waits for every thread, and on a busy CPU for
a thread's next time slice: on a loaded 2-core machine a small Gated
PixelCNN's `sample(8)` on 28x28 took 16 s with two threads and 2 s with
one; on an idle machine, or when the slow-down did not occur, one thread
was as fast as two (within 10%). `sampling_threads()` runs the loop on one
thread.
"""

import contextlib
import types
import warnings

import torch

# PyTorch's CPU float16 convolution (slow_conv2d) cannot take the gradient of
# a kernel whose leading torch dimension is 1 (Conv2D with one filter over
# several channels; Conv2DTranspose from one channel) in the channels_last
# layout Keras gives it, and raises "grad_weight must be contiguous".
_FLOAT16_CONV_ERRORS = ("grad_weight must be contiguous", "grad_weight needs to be contiguous")


class StepMixin:
    """`train_step`/`test_step` of `GenerativeModel` under PyTorch."""

    def train_step(self, data):
        logs = {}
        for group in self.optimization_groups():
            for _ in range(group.repeats):
                loss, terms = group.loss_fn(data)
                scaled_loss = group.optimizer.scale_loss(loss)
                grads = _gradients(self, scaled_loss, group.variables)
                with torch.no_grad():
                    group.optimizer.apply(list(grads), group.variables)
                logs.update({k: v.detach() for k, v in terms.items()})
        return self._update_trackers(logs)

    def test_step(self, data):
        return self._update_trackers(self.compute_losses(data, training=False))


def _gradients(model, loss, variables):
    try:
        return torch.autograd.grad(loss, [v.value for v in variables], allow_unused=True)
    except RuntimeError as error:
        if not any(text in str(error) for text in _FLOAT16_CONV_ERRORS):
            raise
        raise RuntimeError(
            f"{type(model).__name__}: PyTorch cannot train this network in float16 on the CPU: "
            "its float16 convolution has no gradient for a Conv2D with one filter over several "
            "channels, or a Conv2DTranspose from one channel (\"slow_conv2d: grad_weight must be "
            "contiguous\"). Give that layer dtype=\"float32\" (kerasgen's default networks do), "
            "use keras.config.set_dtype_policy(\"mixed_bfloat16\") on the CPU, or train on a GPU."
        ) from error


def usable_after_failure(model):
    """Nothing to restore: PyTorch runs eagerly on the model's own variables."""
    return contextlib.nullcontext()


@contextlib.contextmanager
def sampling_threads():
    """Runs the block on one intra-op thread (see the module docstring), then restores torch's setting."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def input_gradient(fn, x):
    """Gradient of `sum(fn(x))` with respect to `x`, kept in the autograd graph."""
    with torch.enable_grad():
        if not (torch.is_tensor(x) and x.requires_grad):
            x = torch.as_tensor(x).detach().requires_grad_(True)
        y = fn(x)
        (grad,) = torch.autograd.grad(y.sum(), x, create_graph=True)
    return grad


def scan(step, init, xs):
    """`carry, y = step(carry, x)` over the leading axis of xs, in a Python loop.

    `torch.unbind` splits xs once; indexing xs[t] instead would make every
    step's backward pass fill a zero tensor the size of xs.
    """
    carry, ys = init, []
    for x in torch.unbind(xs, dim=0):
        carry, y = step(carry, x)
        ys.append(y)
    return carry, torch.stack(ys, dim=0)


def compile_loop(helper, jit_compile="auto"):
    """Leaves `helper`'s loop to Python: Keras' own `torch.compile` of the whole
    `predict()` step would unroll every subpixel into one graph. With
    `jit_compile=True` the steps inside the loop are compiled instead
    (`compile_step`)."""
    helper.jit_compile = False
    return helper


def compile_step(step, jit_compile="auto"):
    """`step` compiled by `torch.compile` (inductor) when `jit_compile` is True.

    One cached subpixel is a few dozen tiny operations, each costing far more
    in Python (Keras' `keras.ops` layer and torch's dispatcher) than in
    arithmetic. Compiled once with symbolic sizes and indices, the step runs
    as generated code with the same results. The first call compiles, for
    minutes on a small CPU (less when inductor's disk cache already holds
    the code), which is why "auto" (the default) stays eager; BENCHMARKS.md's
    sampling table times both, and the first call, for each default model.
    If the compiler fails (no C++ compiler, an operation dynamo cannot
    trace, a fault inside dynamo), a warning says so and the step runs
    eagerly from then on. `step` must give the same result when run again
    on inputs a failed compiled run may have partly written.
    """
    if jit_compile is not True:
        return step
    return _CompiledStep(step)


def _own_code(step):
    """A function that calls `step`, with a code object of its own.

    Dynamo keeps a function's compiled variants on its code object and gives
    up compiling it after `recompile_limit` (8) variants. Every model's step
    is the same method, so a few models in one process (each a few variants)
    would exhaust it and leave later models' steps running through dynamo
    uncompiled, slower than eager. A copy of the code keeps each compiled
    step's variants apart; dynamo inlines `step` into it.
    """
    def call(*args):
        return step(*args)

    return types.FunctionType(call.__code__.replace(), call.__globals__, call.__name__, None, call.__closure__)


class _CompiledStep:
    """A step run through `torch.compile`, eager again if compiling fails."""

    def __init__(self, step):
        self.step = step
        self.compiled = torch.compile(_own_code(step), dynamic=True)

    def __call__(self, *args):
        if self.compiled is not None:
            try:
                return self.compiled(*args)
            except Exception as error:  # BackendCompilerFailed, InductorError, a fault inside dynamo, ...
                # Running the step again eagerly is safe: a sampling step writes the subpixel it draws
                # and the cache entries it derives from it, the same values on a second run. An error
                # of the step itself is raised again by the eager run.
                warnings.warn(
                    f"torch.compile could not compile {getattr(self.step, '__qualname__', self.step)} "
                    f"({type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}); "
                    "it runs eagerly instead.", RuntimeWarning, stacklevel=2)
                self.compiled = None
        return self.step(*args)


def write_slice(x, start, update):
    """Writes `update` into `x` at `start` in place and returns `x`.

    `keras.ops.slice_update` copies the whole of `x` first (functional
    semantics): once per subpixel in the sampling loop, O(H * W) work for
    one pixel. The loop owns the tensors it writes and never reads their
    old values again, so writing in place is safe there.
    """
    update = torch.as_tensor(update)
    index = tuple(slice(int(s), int(s) + n) for s, n in zip(start, update.shape))
    with torch.no_grad():
        x[index] = update
    return x


def subpixel_transposed_conv():
    """False: PyTorch's own transposed convolution was the faster form on this CPU.

    BENCHMARKS.md's training-profile section times both forms under each backend.
    """
    return False


def data_parallel(num_devices):
    """Not yet: kerasgen's data-parallel training runs under JAX only for now."""
    raise ValueError(
        f"data_parallel: kerasgen has no data-parallel training under PyTorch yet (asked for "
        f"{'all' if num_devices is None else num_devices} devices); it runs under JAX "
        "(KERAS_BACKEND=jax, keras.distribution.DataParallel)."
    )


def num_replicas():
    """1: no data-parallel engine is set up under this backend (see `data_parallel`)."""
    return 1
