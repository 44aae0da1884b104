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
import os
import types
import warnings

import keras
import torch
import torch.distributed as dist

# PyTorch's CPU float16 convolution (slow_conv2d) cannot take the gradient of
# a kernel whose leading torch dimension is 1 (Conv2D with one filter over
# several channels; Conv2DTranspose from one channel) in the channels_last
# layout Keras gives it, and raises "grad_weight must be contiguous". Which
# kernel runs depends on the CPU: on some the gradient is there and nothing is
# refused (tests/test_predict_precision.py probes which).
_FLOAT16_CONV_ERRORS = ("grad_weight must be contiguous", "grad_weight needs to be contiguous")


class StepMixin:
    """`train_step`/`test_step` of `GenerativeModel` under PyTorch.

    Inside `data_parallel` (one process a device, started by torchrun) every
    process reads the same global batch and trains on its own rows of it;
    each optimizer then applies the mean of the processes' gradients,
    averaged by `torch.distributed.all_reduce`, so every process makes the
    update one device makes on the whole batch. The first step copies
    process 0's variables to the others, so they start equal whatever
    their seeds.
    """

    def fit(self, *args, **kwargs):
        with _synchronized_batch_norm(self):
            return super().fit(*args, **kwargs)

    def train_step(self, data):
        replicas = _DATA_PARALLEL["replicas"]
        if replicas == 1:
            return self._train_step(data)
        if not getattr(self, "_kerasgen_variables_broadcast", False):
            _broadcast([v.value for v in self.variables])
            self._kerasgen_variables_broadcast = True
        data = keras.tree.map_structure(lambda t: _my_rows(t, replicas), data)
        _DATA_PARALLEL["in_step"] = True
        try:
            return self._train_step(data)
        finally:
            _DATA_PARALLEL["in_step"] = False

    def _train_step(self, data):
        logs = {}
        for group in self.optimization_groups():
            for _ in range(group.repeats):
                loss, terms = group.loss_fn(data)
                scaled_loss = group.optimizer.scale_loss(loss)
                grads = _gradients(self, scaled_loss, group.variables)
                if _DATA_PARALLEL["in_step"]:
                    grads = _mean_over_processes(grads)
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


# The data-parallel state of this process: its devices (processes) while a `data_parallel` scope is open,
# and whether a train step on its share of a batch is running.
_DATA_PARALLEL = {"replicas": 1, "in_step": False}


def data_parallel(num_devices):
    """A scope for data-parallel training over the processes torchrun started, one device each.

    Keras has no distribution engine for PyTorch (its `keras.distribution`
    covers JAX), so kerasgen uses PyTorch's own: `torch.distributed`, whose
    process group torchrun sets up (gloo on a CPU, NCCL on GPUs; each
    process takes the GPU of its LOCAL_RANK). `DistributedDataParallel` is
    not used: it reduces gradients from hooks that `loss.backward()` fires,
    and kerasgen's step takes them with `torch.autograd.grad`, once per
    optimizer.
    """
    if not dist.is_available():
        raise ValueError("data_parallel: this PyTorch build has no torch.distributed.")
    if not dist.is_initialized():
        if "WORLD_SIZE" not in os.environ and num_devices in (None, 1):
            return contextlib.nullcontext()  # one process, one device: nothing to distribute
        if "WORLD_SIZE" not in os.environ:
            raise ValueError(
                f"data_parallel: under PyTorch each of the {'' if num_devices is None else f'{num_devices} '}"
                "devices is a process started by torchrun (torchrun --nproc-per-node N your_script.py), and "
                "this process was not: WORLD_SIZE is not set."
            )
        cuda = torch.cuda.is_available()
        if cuda:
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", 0)))
        dist.init_process_group(backend="nccl" if cuda else "gloo")
    world = dist.get_world_size()
    if num_devices is not None and num_devices != world:
        raise ValueError(
            f"data_parallel: num_devices is {num_devices}, but torchrun started {world} process(es), one device "
            f"each; pass {world} or None, or start {num_devices} with torchrun --nproc-per-node {num_devices}."
        )
    return _data_parallel_scope(world)


@contextlib.contextmanager
def _data_parallel_scope(replicas):
    before = _DATA_PARALLEL["replicas"]
    _DATA_PARALLEL["replicas"] = replicas
    try:
        yield
    finally:
        _DATA_PARALLEL["replicas"] = before


def num_replicas(model=None):
    """The processes a batch is split across inside `data_parallel` (else 1)."""
    return _DATA_PARALLEL["replicas"]


def _rank():
    return dist.get_rank()


def _my_rows(t, replicas):
    """This process's rows of a global batch: rows r * n .. (r + 1) * n of its N = replicas * n."""
    if t is None or not hasattr(t, "shape") or len(t.shape) == 0:
        return t
    rows, rest = divmod(int(t.shape[0]), replicas)
    if rest:
        raise ValueError(
            f"data-parallel training on {replicas} devices splits every batch evenly across them; a batch "
            f"holds {t.shape[0]} rows. Use a batch size that is a multiple of {replicas}, and drop the "
            "last batch if it is smaller."
        )
    start = _rank() * rows
    return t[start:start + rows]


def _broadcast(tensors):
    with torch.no_grad():
        for t in tensors:
            dist.broadcast(t.data, src=0)


def _mean_over_processes(grads):
    """The processes' gradients, averaged: one all-reduce over all of them, flattened together."""
    present = [g for g in grads if g is not None]
    if not present:
        return grads
    flat = torch.cat([g.reshape(-1) for g in present])
    dist.all_reduce(flat, op=dist.ReduceOp.SUM)
    flat /= dist.get_world_size()
    out, offset = [], 0
    for g in grads:
        if g is None:
            out.append(None)
            continue
        out.append(flat[offset:offset + g.numel()].view_as(g))
        offset += g.numel()
    return out


def _step_replicas():
    """The processes of the data-parallel train step running now, else 1."""
    return _DATA_PARALLEL["replicas"] if _DATA_PARALLEL["in_step"] else 1


# The replica helpers of a per-replica step (see kerasgen.backend). Inside a data-parallel train step each
# process holds its rows of the global batch; what a layer needs of the whole batch comes from the others.


def replica_sum(x):
    """The sum of `x` over the processes of a data-parallel step (`x` itself elsewhere); not differentiated."""
    if _step_replicas() == 1:
        return x
    total = x.detach().clone()
    dist.all_reduce(total, op=dist.ReduceOp.SUM)
    return total


def replica_concat(x):
    """`x` of every process, concatenated along axis 0 in rank order; not differentiated."""
    replicas = _step_replicas()
    if replicas == 1:
        return x
    parts = [torch.empty_like(x) for _ in range(replicas)]
    dist.all_gather(parts, x.detach().contiguous())
    return torch.cat(parts, dim=0)


def replica():
    """(this process's rank, the processes) inside a data-parallel train step; (0, 1) elsewhere."""
    replicas = _step_replicas()
    return (_rank(), replicas) if replicas > 1 else (0, 1)


def moments(x, axes):
    """Mean and variance over `axes` of the global batch: the processes' sums, all-reduced, and differentiated
    through (the reduction's gradient is itself all-reduced, as in PyTorch's SyncBatchNorm)."""
    replicas = _step_replicas()
    if replicas == 1:
        return keras.ops.moments(x, axes=axes)
    all_reduce = _SummedOverProcesses.apply
    x = torch.as_tensor(x)
    dtype = x.dtype
    if dtype in (torch.float16, torch.bfloat16):
        x = x.float()
    axes = [a % x.dim() for a in axes]
    count = replicas
    for a in axes:
        count *= x.shape[a]
    total = all_reduce(torch.sum(x, dim=axes))
    squares = all_reduce(torch.sum(x * x, dim=axes))
    mean = total / count
    variance = torch.clamp(squares / count - mean * mean, min=0.0)
    return mean.to(dtype), variance.to(dtype)


class _SummedOverProcesses(torch.autograd.Function):
    """`torch.distributed.all_reduce` (sum) with its gradient: the sum over the processes of theirs.

    (torch.distributed.nn.functional.all_reduce does the same but is deprecated in favour of a private module.)
    """

    @staticmethod
    def forward(ctx, x):
        total = x.clone()
        dist.all_reduce(total, op=dist.ReduceOp.SUM)
        return total

    @staticmethod
    def backward(ctx, grad):
        total = grad.clone()
        dist.all_reduce(total, op=dist.ReduceOp.SUM)
        return total


@contextlib.contextmanager
def _synchronized_batch_norm(model):
    """Inside a data-parallel fit: every Keras `BatchNormalization` of the model takes its batch statistics from
    the global batch (`moments` above), the same on every process; Keras' own `synchronized=True` exists only
    under TensorFlow. The layers' own method is put back after the call."""
    if _DATA_PARALLEL["replicas"] == 1:
        yield
        return
    layers = [layer for layer in model._flatten_layers() if isinstance(layer, keras.layers.BatchNormalization)]

    def global_moments(layer):
        def _moments(inputs, mask):
            if mask is not None:
                raise ValueError(f"{layer.name}: data-parallel batch normalization takes no mask under PyTorch.")
            return moments(inputs, layer._reduction_axes)

        return _moments

    for layer in layers:  # an instance attribute, set past Keras' attribute tracking, hides the method
        object.__setattr__(layer, "_moments", global_moments(layer))
    try:
        yield
    finally:
        for layer in layers:
            object.__delattr__(layer, "_moments")  # the class's method again
