"""Where each backend spends a training step: every layer of the default networks, forward and backward, timed alone.

The speed benchmark (benchmarks/speed.py) finds JAX the slowest backend for
every model on this CPU, Keras' own `fit` included. This script finds out
which operations lose the time: for the default `Autoencoder` (encoder and
decoder) and `DCGAN` (generator, with each `upsampling`, and discriminator)
it times each layer that has weights or resamples, alone, on a batch of
--batch-size random inputs of the shape the layer sees in the network:

- "forward": the layer's output (training mode);
- "step": the gradient of sum(y ** 2) with respect to the layer's input and
  weights, which runs the forward pass and both backward convolutions, as
  a training step does.

Each backend compiles these the way Keras' `fit` does on this machine: JAX
`jax.jit`, TensorFlow `tf.function` (no XLA: Keras leaves it off on a CPU),
PyTorch eagerly. Every backend runs in its own process; the rounds
interleave the backends (TF, JAX, torch, TF, ...), and the report gives
medians. A second table times the DCGAN generator's transposed
convolutions (28x28 and 64x64 images) as `keras.ops.conv_transpose` and in
the sub-pixel form of `kerasgen.layers.SubpixelConv2DTranspose`, under each
backend: the measurement behind `kerasgen.backend.subpixel_transposed_conv()`.
A third runs the JAX worker for the autoencoder under XLA CPU flags that
might change how convolutions run (oneDNN, XNNPACK, the Eigen thread pool),
to see whether a setting closes the gap.

    python benchmarks/profile_training.py            # measure, write the JSON and BENCHMARKS.md's section
    python benchmarks/profile_training.py --report   # BENCHMARKS.md's section from the JSON

Run it on an otherwise idle machine.
"""

import argparse
import datetime
import inspect
import json
import os
import platform
import statistics
import subprocess
import sys
import time

from sections import write_report  # benchmarks/sections.py, beside this script

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "benchmarks", "results", "training_profile.json")
BEGIN = ("<!-- training-profile:begin (written by benchmarks/profile_training.py --report from "
         "benchmarks/results/training_profile.json; do not edit) -->")
END = "<!-- training-profile:end -->"
BACKENDS = ("tensorflow", "jax", "torch")
NETWORKS = ("autoencoder", "dcgan", "dcgan_resize")
# XLA CPU settings tried on the JAX worker (the empty one: XLA's defaults).
# The DCGAN generator's transposed convolutions: (input side, input channels, filters), 28x28 then 64x64.
TRANSPOSED_SHAPES = ((7, 128, 64), (14, 64, 1), (4, 256, 128), (8, 128, 64), (16, 64, 32), (32, 32, 3))
JAX_FLAG_SETS = ("", "--xla_cpu_use_onednn=true", "--xla_cpu_use_xnnpack=false",
                 "--xla_cpu_multi_thread_eigen=false")
MARK = "@@profile "


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=3, help="measurements of each backend, interleaved (default: 3)")
    p.add_argument("--repeats", type=int, default=10, help="calls timed a measurement, after one warm-up (default: 10)")
    p.add_argument("--batch-size", type=int, default=128, help="inputs a call (default: 128)")
    p.add_argument("--out", default=RESULTS, help=f"results JSON (default: {os.path.relpath(RESULTS, ROOT)})")
    p.add_argument("--report", action="store_true", help="write BENCHMARKS.md's section from --out")
    p.add_argument("--benchmarks-md", default=os.path.join(ROOT, "BENCHMARKS.md"), help="the file --report writes")
    p.add_argument("--worker", choices=BACKENDS, help=argparse.SUPPRESS)
    p.add_argument("--networks", nargs="+", default=list(NETWORKS), choices=NETWORKS, help=argparse.SUPPRESS)
    p.add_argument("--transposed", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    for key in ("rounds", "repeats", "batch_size"):
        if getattr(args, key) < 1:
            p.error(f"--{key.replace('_', '-')} must be a positive integer; got {getattr(args, key)}")
    return args


# -- the worker: one backend, every layer timed ------------------------------------------------------------


def _networks(name):
    from kerasgen import models

    if name == "autoencoder":
        ae = models.Autoencoder(seed=0)
        return [ae.encoder, ae.decoder]
    gan = models.DCGAN(seed=0, upsampling="resize" if name == "dcgan_resize" else "transpose")
    return [gan.generator] if name == "dcgan_resize" else [gan.generator, gan.discriminator]


def _timed_layers(networks):
    """The layers worth timing: those with weights, and the resampling ones."""
    return [layer for net in networks for layer in net.layers
            if layer.weights or type(layer).__name__ == "UpSampling2D"]


def _functions(backend, layer, x):
    """(forward(), step()) for one layer on input x, compiled as Keras' fit compiles on this backend."""
    kwargs = {"training": True} if "training" in inspect.signature(layer.call).parameters else {}
    if backend == "jax":
        import jax
        import jax.numpy as jnp

        trainable = [w.value for w in layer.trainable_weights]
        frozen = [w.value for w in layer.non_trainable_weights]

        def output(ws, x):
            return layer.stateless_call(ws, frozen, x, **kwargs)[0]

        forward = jax.jit(output)
        step = jax.jit(jax.grad(lambda ws, x: jnp.sum(output(ws, x) ** 2), argnums=(0, 1)))
        return (lambda: jax.block_until_ready(forward(trainable, x)),
                lambda: jax.block_until_ready(step(trainable, x)))
    if backend == "tensorflow":
        import tensorflow as tf

        x = tf.constant(x)
        forward = tf.function(lambda: layer(x, **kwargs))

        @tf.function
        def step():
            with tf.GradientTape() as tape:
                tape.watch(x)
                loss = tf.reduce_sum(layer(x, **kwargs) ** 2)
            return tape.gradient(loss, [x] + layer.trainable_weights)

        return (lambda: forward().numpy()), (lambda: [g.numpy() for g in step()])
    import torch

    xt = torch.tensor(x, requires_grad=True)

    def forward():
        with torch.no_grad():
            return layer(xt, **kwargs)

    def step():
        loss = (layer(xt, **kwargs) ** 2).sum()
        return torch.autograd.grad(loss, [xt] + [w.value for w in layer.trainable_weights])

    return forward, step


def _kernel_step(backend, fn, x, kernel):
    """step() for fn(x, kernel): the gradient of sum(fn(x, kernel) ** 2) with respect to x and kernel."""
    if backend == "jax":
        import jax
        import jax.numpy as jnp

        step = jax.jit(jax.grad(lambda x, k: jnp.sum(fn(x, k) ** 2), argnums=(0, 1)))
        return lambda: jax.block_until_ready(step(x, kernel))
    if backend == "tensorflow":
        import tensorflow as tf

        x, kernel = tf.constant(x), tf.constant(kernel)

        @tf.function
        def step():
            with tf.GradientTape() as tape:
                tape.watch([x, kernel])
                loss = tf.reduce_sum(fn(x, kernel) ** 2)
            return tape.gradient(loss, [x, kernel])

        return lambda: [g.numpy() for g in step()]
    import torch

    x, kernel = torch.tensor(x, requires_grad=True), torch.tensor(kernel, requires_grad=True)
    return lambda: torch.autograd.grad((fn(x, kernel) ** 2).sum(), [x, kernel])


def _transposed_convs(backend, batch_size, repeats):
    """The DCGAN generator's transposed convolutions (28x28 and 64x64 images) in both forms, timed."""
    import numpy as np
    from keras import ops

    from kerasgen.layers import subpixel_conv_transpose

    forms = {"conv_transpose": lambda x, k: ops.conv_transpose(x, k, strides=2, padding="same"),
             "subpixel": subpixel_conv_transpose}
    rows = []
    for side, channels, filters in TRANSPOSED_SHAPES:
        rng = np.random.default_rng(0)
        x = rng.random((batch_size, side, side, channels), dtype="float32")
        kernel = rng.normal(size=(4, 4, filters, channels)).astype("float32") * 0.05
        rows.append({"input": [side, side, channels], "filters": filters,
                     **{f"{form}_ms": round(_ms(_kernel_step(backend, fn, x, kernel), repeats), 3)
                        for form, fn in forms.items()}})
    return rows


def _ms(function, repeats):
    function()  # warm-up: tracing and compilation
    start = time.perf_counter()
    for _ in range(repeats):
        function()
    return (time.perf_counter() - start) / repeats * 1000


def worker(args):
    os.environ["KERAS_BACKEND"] = args.worker
    sys.path.insert(0, ROOT)
    import keras
    import numpy as np

    out = {"versions": {"keras": keras.__version__, args.worker: __import__(args.worker).__version__},
           "networks": {}}
    for name in args.networks:
        keras.utils.set_random_seed(0)
        rows = []
        for layer in _timed_layers(_networks(name)):
            shape = (args.batch_size,) + tuple(layer.input.shape[1:])
            x = np.random.default_rng(0).random(shape, dtype="float32")
            forward, step = _functions(args.worker, layer, x)
            rows.append({"layer": layer.name, "kind": type(layer).__name__, "input": list(shape[1:]),
                         "forward_ms": round(_ms(forward, args.repeats), 3),
                         "step_ms": round(_ms(step, args.repeats), 3)})
        out["networks"][name] = rows
    if args.transposed:
        from kerasgen.backend import subpixel_transposed_conv

        out["transposed"] = _transposed_convs(args.worker, args.batch_size, args.repeats)
        out["subpixel_chosen"] = subpixel_transposed_conv()
    print(MARK + json.dumps(out), flush=True)


# -- the driver --------------------------------------------------------------------------------------------


def _run_worker(args, backend, networks, xla_flags=None, transposed=False):
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    if xla_flags is not None:
        env["XLA_FLAGS"] = xla_flags
    command = [sys.executable, os.path.abspath(__file__), "--worker", backend, "--repeats", str(args.repeats),
               "--batch-size", str(args.batch_size), "--networks", *networks] + ["--transposed"] * transposed
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=1200)
    for line in done.stdout.splitlines():
        if line.startswith(MARK):
            return json.loads(line[len(MARK):])
    raise RuntimeError(f"the {backend} worker failed (exit {done.returncode}):\n{done.stderr[-3000:]}")


def measure(args):
    started = time.time()
    result = {"benchmark": "training_profile", "command": "python benchmarks/profile_training.py "
              + " ".join(sys.argv[1:]), "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
                  timespec="seconds"), "batch_size": args.batch_size, "repeats": args.repeats,
              "rounds": args.rounds,
              "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                          "load_average_at_start": [round(v, 2) for v in os.getloadavg()]},
              "versions": {}, "backends": {b: [] for b in BACKENDS},
              "transposed": {b: [] for b in BACKENDS}, "subpixel_chosen": {}, "jax_flags": {f: [] for f in JAX_FLAG_SETS}}
    for round_ in range(args.rounds):
        for backend in BACKENDS:
            found = _run_worker(args, backend, NETWORKS, transposed=True)
            result["versions"][backend] = found["versions"]
            result["backends"][backend].append(found["networks"])
            result["transposed"][backend].append(found["transposed"])
            result["subpixel_chosen"][backend] = found["subpixel_chosen"]
            print(f"round {round_}: {backend} done", flush=True)
        for flags in JAX_FLAG_SETS:
            result["jax_flags"][flags].append(_run_worker(args, "jax", ["autoencoder"], flags)["networks"])
            print(f"round {round_}: jax {flags or 'defaults'} done", flush=True)
    result["machine"]["load_average_at_end"] = [round(v, 2) for v in os.getloadavg()]
    result["seconds"] = round(time.time() - started, 1)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    return result


# -- the report --------------------------------------------------------------------------------------------


def _medians(rounds, network):
    """{layer's position: its row with the median forward_ms and step_ms over the rounds} (names repeat
    across a network's parts: the encoder's and the decoder's last layers are both "outputs")."""
    rows = {}
    for i, row in enumerate(rounds[0][network]):
        times = [found[network][i] for found in rounds]
        rows[i] = {**row, "forward_ms": statistics.median(t["forward_ms"] for t in times),
                   "step_ms": statistics.median(t["step_ms"] for t in times)}
    return rows


def section(result):
    lines = [BEGIN, "## Where each backend spends a training step", "",
             f"Written by `{result['command'].strip()}` on {result['date'][:10]}: each layer of the default "
             f"networks timed alone on a batch of {result['batch_size']}, the mean of {result['repeats']} calls "
             f"after a warm-up, the median of {result['rounds']} rounds that interleave the backends. "
             "\"Step\": the gradient of sum(y^2) with respect to the layer's input and weights (forward "
             "and backward), compiled as Keras' fit compiles on this machine (JAX `jit`, TensorFlow "
             "`tf.function` without XLA, PyTorch eager). "
             f"Machine: {result['machine']['cpus']} CPUs, no GPU, load average "
             f"{result['machine']['load_average_at_start'][0]} at the start and "
             f"{result['machine']['load_average_at_end'][0]} at the end; the run took {result['seconds']:.0f} s. "
             "Versions: " + "; ".join(f"{b}: " + ", ".join(f"{k} {v}" for k, v in vs.items())
                                      for b, vs in result["versions"].items()) + ".", ""]
    medians = {b: {n: _medians(result["backends"][b], n) for n in NETWORKS} for b in BACKENDS}
    lines += ["| network | layer | input | TF step ms | JAX step ms | torch step ms | JAX / TF |",
              "|---|---|---|---:|---:|---:|---:|"]
    totals = {}
    for network in NETWORKS:
        for i, row in medians["tensorflow"][network].items():
            steps = [medians[b][network][i]["step_ms"] for b in BACKENDS]
            lines.append(f"| {network if i == 0 else ''} | {row['kind']} `{row['layer']}` | "
                         f"{'x'.join(str(d) for d in row['input'])} | "
                         + " | ".join(f"{s:.2f}" for s in steps) + f" | {steps[1] / steps[0]:.2f}x |")
        sums = [sum(r["step_ms"] for r in medians[b][network].values()) for b in BACKENDS]
        totals[network] = sums
        lines.append(f"| | **all layers** | | {sums[0]:.1f} | {sums[1]:.1f} | {sums[2]:.1f} | "
                     f"{sums[1] / sums[0]:.2f}x |")
    convs = [(n, i, medians["jax"][n][i]["step_ms"] / medians["tensorflow"][n][i]["step_ms"])
             for n in NETWORKS for i, row in medians["tensorflow"][n].items() if "Conv" in row["kind"]]
    slower = [c for c in convs if c[2] > 1.2]
    lines += ["", f"JAX's step is more than 1.2x TensorFlow's for {len(slower)} of the {len(convs)} convolution "
              f"layers above (median {statistics.median(c[2] for c in convs):.2f}x); summed over every timed layer, "
              "JAX / TF is " + ", ".join(f"{n} {s[1] / s[0]:.2f}x" for n, s in totals.items()) + "."
              + (" Each row is one Keras layer, so one XLA convolution and its two backward convolutions, the "
                 "same operations TensorFlow runs through oneDNN: where most convolutions are slower, the time "
                 "is lost in XLA's CPU convolution, below Keras and kerasgen (and Keras' own `fit` on the same "
                 "network is as slow under JAX: the speed section's Keras fit rows)."
                 if len(slower) * 2 > len(convs) else " Most convolutions are not slower under JAX here, so "
                 "they do not explain a JAX gap in the speed section."), ""]
    lines += ["The DCGAN generator's transposed convolutions (stride 2, 4x4 kernel, \"same\"; 28x28 images, then "
              "64x64) as `keras.ops.conv_transpose` and in the sub-pixel form of "
              "`kerasgen.layers.SubpixelConv2DTranspose` (one stride-1 convolution and depth-to-space, the same "
              "outputs), gradient step ms; `kerasgen.backend.subpixel_transposed_conv()` picks the sub-pixel form "
              "under " + (", ".join(b for b in BACKENDS if result["subpixel_chosen"][b]) or "no backend") + ":", "",
              "| input | filters | " + " | ".join(f"{b} conv_transpose | {b} sub-pixel" for b in BACKENDS) + " |",
              "|---|---:|" + "---:|" * (2 * len(BACKENDS))]
    for i, row in enumerate(result["transposed"]["tensorflow"][0]):
        cells = []
        for b in BACKENDS:
            for form in ("conv_transpose", "subpixel"):
                cells.append(f"{statistics.median(r[i][form + '_ms'] for r in result['transposed'][b]):.1f}")
        lines.append(f"| {'x'.join(str(d) for d in row['input'])} | {row['filters']} | " + " | ".join(cells) + " |")
    lines.append("")
    flags = {f: sum(r["step_ms"] for r in _medians(result["jax_flags"][f], "autoencoder").values())
             for f in JAX_FLAG_SETS}
    base = flags[""]
    lines += ["XLA CPU settings tried on the JAX worker (`XLA_FLAGS`), the autoencoder's layers summed:", "",
              "| XLA_FLAGS | step ms, all layers | / XLA's defaults |", "|---|---:|---:|"]
    lines += [f"| {('`' + f + '`') if f else '(defaults)'} | {ms:.1f} | {ms / base:.2f}x |" for f, ms in flags.items()]
    return "\n".join(lines + ["", END])


def report(args):
    write_report(args.out, args.benchmarks_md, BEGIN, END, section, "training profile")


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.worker:
        return worker(args)
    if not args.report:
        measure(args)
    report(args)


if __name__ == "__main__":
    main()
