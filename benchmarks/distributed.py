"""Data-parallel training throughput on one device and on several, under each backend, side by side.

Each measurement is a fresh process that sets its devices up before the
backend starts (JAX: XLA_FLAGS=--xla_force_host_platform_device_count=N;
TensorFlow: the CPU split into N logical devices; PyTorch: N processes
started by torchrun, gloo), trains one warm-up epoch and --epochs timed
epochs of the model with `fit()` (inside `kerasgen.training.data_parallel(N)`
when N > 1), and reports images/s. Rounds interleave the configurations
(every backend, 1 device then N, then again), and the report gives medians.

On this machine all the "devices" share one 2-core CPU: more of them cannot
train faster, so the figure measures what data parallelism costs (splitting
each batch, reducing gradients, synchronising batch statistics), not a
speed-up. On a machine with N GPUs the same command measures the speed-up.

    python benchmarks/distributed.py                      # all backends, 1 vs 4 devices, 3 rounds
    python benchmarks/distributed.py --backends jax --devices 2 --rounds 2
    python benchmarks/distributed.py --report             # BENCHMARKS.md's section from the JSON
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time

from sections import write_or_say  # benchmarks/sections.py, beside this script

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "benchmarks", "results", "distributed.json")
BEGIN = ("<!-- distributed:begin (written by benchmarks/distributed.py --report from "
         "benchmarks/results/distributed.json; do not edit) -->")
END = "<!-- distributed:end -->"
BACKENDS = ("tensorflow", "jax", "torch")
MODELS = ("vae", "dcgan")
MARK = "@@distributed "


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=BACKENDS,
                   help="backends to measure (default: all three)")
    p.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS,
                   help="models to train: the default VAE and DCGAN (default: both)")
    p.add_argument("--devices", type=int, default=4, help="devices of the data-parallel runs (default: 4)")
    p.add_argument("--images", type=int, default=2560, help="training images an epoch (default: 2560)")
    p.add_argument("--batch-size", type=int, default=128, help="global batch (default: 128)")
    p.add_argument("--epochs", type=int, default=1, help="timed epochs a run, after a warm-up (default: 1)")
    p.add_argument("--rounds", type=int, default=3, help="runs of each configuration (default: 3)")
    p.add_argument("--timeout", type=int, default=900, help="seconds one run may take (default: 900)")
    p.add_argument("--out", default=RESULTS, help=f"results JSON (default: {os.path.relpath(RESULTS, ROOT)})")
    p.add_argument("--report", action="store_true", help="write BENCHMARKS.md's section from --out")
    p.add_argument("--benchmarks-md", default=os.path.join(ROOT, "BENCHMARKS.md"), help="the file --report writes")
    p.add_argument("--worker", nargs=2, metavar=("MODEL", "DEVICES"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    for key in ("devices", "images", "batch_size", "epochs", "rounds", "timeout"):
        if getattr(args, key) < 1:
            p.error(f"--{key.replace('_', '-')} must be a positive integer; got {getattr(args, key)}")
    if args.devices < 2:
        p.error(f"--devices is the data-parallel run's device count and must be at least 2; got {args.devices}")
    if args.batch_size % args.devices:
        p.error(f"--batch-size {args.batch_size} must be a multiple of --devices {args.devices}")
    if args.images < args.batch_size:
        p.error(f"--images {args.images} is fewer than one batch (--batch-size {args.batch_size})")
    return args


# -- the worker: one backend, one device count, one model -----------------------------------------------


def worker(args):
    model_name, devices = args.worker[0], int(args.worker[1])
    backend = os.environ["KERAS_BACKEND"]
    if backend == "tensorflow":  # before TensorFlow starts
        import tensorflow as tf

        tf.config.set_logical_device_configuration(
            tf.config.list_physical_devices("CPU")[0], [tf.config.LogicalDeviceConfiguration()] * devices)
    sys.path.insert(0, ROOT)
    import contextlib

    import keras

    from kerasgen import models
    from kerasgen.data import load
    from kerasgen.training import data_parallel

    x, _ = load("fashion_mnist", split="train")
    x = x[: args.images // args.batch_size * args.batch_size]
    keras.utils.set_random_seed(0)
    scope = data_parallel(devices) if devices > 1 else contextlib.nullcontext()
    with scope:
        if model_name == "dcgan":
            model = models.DCGAN(seed=0)
            model.compile()  # its own two Adam optimizers
        else:
            model = models.VAE(seed=0)
            model.compile(keras.optimizers.Adam(1e-3))
        x = model.image_format.convert(x, seed=0)  # the model's own pixel format ([-1, 1] for the GAN)
        times = []
        for epoch in range(args.epochs + 1):  # the first: tracing and compilation
            start = time.perf_counter()
            model.fit(x, batch_size=args.batch_size, epochs=1, shuffle=False, verbose=0)
            times.append(time.perf_counter() - start)
    if int(os.environ.get("RANK", 0)) == 0:
        print(MARK + json.dumps({"warmup_seconds": times[0], "seconds": times[1:], "images": len(x),
                                 "versions": _versions(backend)}), flush=True)


def _versions(backend):
    import keras

    module = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}[backend]
    return {"keras": keras.__version__, module: __import__(module).__version__}


# -- the driver -------------------------------------------------------------------------------------------


def measure(backend, model, devices, args):
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3",
           "XLA_FLAGS": f"--xla_force_host_platform_device_count={devices}"}
    script = [os.path.abspath(__file__), "--worker", model, str(devices), "--images", str(args.images),
              "--batch-size", str(args.batch_size), "--epochs", str(args.epochs),
              "--devices", str(max(devices, 2))]
    if backend == "torch" and devices > 1:
        env["OMP_NUM_THREADS"] = str(max(1, (os.cpu_count() or 1) // devices))
        command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node",
                   str(devices), *script]
    else:
        command = [sys.executable, *script]
    try:
        done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {args.timeout} s"}
    for line in done.stdout.splitlines():
        if line.startswith(MARK):
            return json.loads(line[len(MARK):])
    return {"error": f"exit status {done.returncode}: {done.stderr[-1500:]}"}


def drive(args):
    started = time.time()
    result = {
        "benchmark": "distributed",
        "command": "python benchmarks/distributed.py " + " ".join(sys.argv[1:]),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
                    "cpus": os.cpu_count(), "gpus": 0,
                    "load_average_at_start": [round(v, 2) for v in os.getloadavg()]},
        "images": args.images // args.batch_size * args.batch_size, "batch_size": args.batch_size,
        "epochs": args.epochs, "rounds": args.rounds, "devices": args.devices, "runs": [], "versions": {},
    }
    configs = [(b, m, d) for m in args.models for b in args.backends for d in (1, args.devices)]
    runs = {c: {"backend": c[0], "model": c[1], "devices": c[2], "seconds": [], "warmup_seconds": []}
            for c in configs}
    for round_ in range(args.rounds):
        for config in configs:
            answer = measure(*config, args)
            run = runs[config]
            if "error" in answer:
                run["error"] = answer["error"]
            else:
                run["seconds"] += [round(s, 4) for s in answer["seconds"]]
                run["warmup_seconds"].append(round(answer["warmup_seconds"], 2))
                run["images"] = answer["images"]
                result["versions"][config[0]] = answer["versions"]
            print(f"round {round_}: {config} {answer}", flush=True)
        result["runs"] = list(runs.values())
        result["machine"]["load_average_at_end"] = [round(v, 2) for v in os.getloadavg()]
        result["seconds"] = round(time.time() - started, 1)
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out + ".tmp", "w") as f:
            json.dump(result, f, indent=1)
            f.write("\n")
        os.replace(args.out + ".tmp", args.out)  # after each round: a stopped run keeps what it measured
    return result


# -- the report -------------------------------------------------------------------------------------------

ENGINES = {"jax": "`keras.distribution.DataParallel`, N virtual XLA CPU devices",
           "tensorflow": "`tf.distribute.MirroredStrategy`, N logical CPU devices",
           "torch": "`torch.distributed` (gloo), N processes started by torchrun"}


def _speed(run):
    if "error" in run or not run["seconds"]:
        return None
    return statistics.median(run["images"] / s for s in run["seconds"])


def section(result):
    n = result["devices"]
    lines = [BEGIN, "## Data-parallel training on one device and on several", "",
             f"Written by `{result['command']}` on {result['date'][:10]}: the default VAE and DCGAN, "
             f"{result['images']} Fashion-MNIST images an epoch, global batch {result['batch_size']}, "
             f"`fit()` on 1 device and inside `kerasgen.training.data_parallel({n})`; each run a fresh process "
             f"(one warm-up epoch, then {result['epochs']} timed), the configurations interleaved over "
             f"{result['rounds']} rounds, medians. Machine: {result['machine']['cpus']} CPUs "
             f"({result['machine']['processor']}), no GPU; load average "
             f"{result['machine']['load_average_at_start'][0]} at the start and "
             f"{result['machine']['load_average_at_end'][0]} at the end; the run took {result['seconds']:.0f} s. "
             "Versions: " + "; ".join(f"{b}: " + ", ".join(f"{k} {v}" for k, v in vs.items())
                                      for b, vs in result["versions"].items()) + ".", "",
             f"All {n} devices share this machine's two cores, so this mostly measures what data parallelism "
             "costs here (splitting batches, reducing gradients, synchronised batch statistics); a figure above "
             "1x means the one-device run left part of the two cores idle and the devices' programs filled it "
             "(the speed section's cores column shows how much each backend keeps busy on one device). On "
             f"{n} GPUs the same command would measure the speed-up.", "",
             f"| model | backend | engine | 1 device, images/s | {n} devices, images/s | {n} devices / 1 |",
             "|---|---|---|---:|---:|---:|"]
    runs = {(r["backend"], r["model"], r["devices"]): r for r in result["runs"]}
    for model in MODELS:
        for backend in BACKENDS:
            one, many = runs.get((backend, model, 1)), runs.get((backend, model, n))
            if one is None or many is None:
                continue
            a, b = _speed(one), _speed(many)
            lines.append(f"| {model} | {backend} | {ENGINES[backend].replace('N ', f'{n} ')} | "
                         f"{'-' if a is None else f'{a:,.0f}'} | {'-' if b is None else f'{b:,.0f}'} | "
                         f"{f'{b / a:.2f}x' if a and b else '-'} |")
    errors = [f"{r['backend']} {r['model']} on {r['devices']}: {r['error']}" for r in result["runs"] if "error" in r]
    if errors:
        lines += ["", "Failed: " + "; ".join(errors)]
    lines += ["", END]
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.worker:
        return worker(args)
    if not args.report:
        drive(args)
    write_or_say(args, RESULTS, BEGIN, END, section, "distributed")


if __name__ == "__main__":
    main()
