"""Benchmark PixelCNN, Gated PixelCNN and PixelRNN (Row LSTM, Diagonal BiLSTM) under the current backend.

Each model trains for the same fixed budget, --steps optimizer steps of
--batch-size dynamically binarized Fashion-MNIST images (the same batches for
every model), then is measured:

- test NLL: exact, on the first --test-images test images binarized once
  (rng.random < x / 255 with NumPy seed 0: a fixed stochastic binarization,
  as in the examples), in nats per image and bits/dim;
- training images/s over the steps after the first --warmup-steps (which
  include tracing, compilation and filling the shuffle buffer; they still
  count towards the budget);
- sampling --sample-images images in one batch, with method="cached"
  (PixelCNN and Gated PixelCNN) and method="naive": a warm-up call, then a
  timed second call with the same seed, so compilation is excluded; the
  first call's time is recorded too. samples/s = images / second-call time;
- whether the cached and naive samples are identical for the same seed.

Naive sampling runs the whole network once per subpixel (784 forward passes
of the whole batch), so on a CPU it costs minutes to hours. It is run only
where its estimate for one call -- 784 x the measured time of one forward
pass on the same batch -- is at most --naive-max-seconds; otherwise the JSON
records the estimate (and samples/s derived from it, marked as estimated) and
cached == naive is checked on --check-images images instead. Pass
--naive-max-seconds inf to time every model. The JSON keeps both the
estimate and, where naive sampling ran, the measured time.

Writes one JSON file per backend (--results-dir/autoregressive_<backend>.json,
by default in benchmarks/results), rewritten after each model
so that an interrupted run keeps what it measured, with the versions, the
command, the date, the CPU count and the load average (another busy process
slows every number here; torch's threads especially). benchmarks/report.py
turns the files into the table in BENCHMARKS.md; benchmarks/run_autoregressive.sh
runs all three backends, then the report.

    KERAS_BACKEND=tensorflow python benchmarks/autoregressive.py

Budget: the default is 100 steps of 64 images (6,400 images, about a tenth
of an epoch), the same for every model and backend. It is small so that all
three backends run in well under an hour on 2 CPU cores; the NLLs it gives
compare models and backends at that budget and are far from converged.
BENCHMARKS.md records how long each backend took.
"""

import argparse
import datetime
import importlib
import json
import math
import os
import platform
import sys
import time

import numpy as np

# Settings (all overridable on the command line).
STEPS = 100
BATCH_SIZE = 64
WARMUP_STEPS = 10
LEARNING_RATE = 1e-3
TEST_IMAGES = 2000
NLL_BATCH_SIZE = 250
SAMPLE_IMAGES = 64
NAIVE_MAX_SECONDS = 120.0
CHECK_IMAGES = 4
PIXELCNN_FILTERS = 64
PIXELCNN_BLOCKS = 5
GATED_FILTERS = 32
GATED_LAYERS = 5
RNN_UNITS = 32
RNN_LAYERS = 2
SEED = 0
MODELS = ("pixelcnn", "gated_pixelcnn", "row_lstm", "diagonal_bilstm")
CACHED_MODELS = ("pixelcnn", "gated_pixelcnn")
IMAGE_SHAPE = (28, 28, 1)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--results-dir", default=os.path.join("benchmarks", "results"),
                   help="folder of the JSON file autoregressive_<backend>.json")
    p.add_argument("--out", default=None, help="JSON file (overrides --results-dir)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    p.add_argument("--models", default=",".join(MODELS), help=f"comma-separated subset of {','.join(MODELS)}")
    p.add_argument("--steps", type=int, default=STEPS, help="optimizer steps per model")
    p.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    p.add_argument("--warmup-steps", type=int, default=WARMUP_STEPS,
                   help="first steps left out of the images/s timing (still trained)")
    p.add_argument("--learning-rate", type=float, default=LEARNING_RATE)
    p.add_argument("--test-images", type=int, default=TEST_IMAGES, help="first N test images scored")
    p.add_argument("--nll-batch-size", type=int, default=NLL_BATCH_SIZE)
    p.add_argument("--sample-images", type=int, default=SAMPLE_IMAGES, help="images per sampling call")
    p.add_argument("--naive-max-seconds", type=float, default=NAIVE_MAX_SECONDS,
                   help="time naive sampling only where one call is estimated to take at most this "
                        "(inf: always)")
    p.add_argument("--check-images", type=int, default=CHECK_IMAGES,
                   help="images for the cached == naive check when naive timing is skipped")
    p.add_argument("--pixelcnn-filters", type=int, default=PIXELCNN_FILTERS)
    p.add_argument("--pixelcnn-blocks", type=int, default=PIXELCNN_BLOCKS)
    p.add_argument("--gated-filters", type=int, default=GATED_FILTERS)
    p.add_argument("--gated-layers", type=int, default=GATED_LAYERS)
    p.add_argument("--rnn-units", type=int, default=RNN_UNITS)
    p.add_argument("--rnn-layers", type=int, default=RNN_LAYERS)
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--data-dir", default=None, help="folder of Fashion-MNIST IDX files")
    p.add_argument("--verbose", type=int, default=1, help="0: quiet; 1: a line per measurement")
    args = p.parse_args(argv)
    args.models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = sorted(set(args.models) - set(MODELS))
    if unknown or not args.models:
        p.error(f"--models must name some of {', '.join(MODELS)}; got {', '.join(unknown) or 'none'}")
    for name in ("steps", "batch_size", "test_images", "nll_batch_size", "sample_images", "check_images"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if not 0 <= args.warmup_steps < args.steps:
        p.error("--warmup-steps must be at least 0 and less than --steps (some steps must be timed)")
    if not args.naive_max_seconds >= 0:
        p.error("--naive-max-seconds must be >= 0 (inf to always time naive sampling)")
    return args


def build_model(name, args):
    import kerasgen

    common = dict(image_shape=IMAGE_SHAPE, likelihood="bernoulli", seed=args.seed)
    if name == "pixelcnn":
        return kerasgen.models.PixelCNN(filters=args.pixelcnn_filters, num_blocks=args.pixelcnn_blocks, **common)
    if name == "gated_pixelcnn":
        # Unconditional, like the others, so that the NLLs compare.
        return kerasgen.models.GatedPixelCNN(filters=args.gated_filters, num_layers=args.gated_layers, **common)
    return kerasgen.models.PixelRNN(kind=name, units=args.rnn_units, num_layers=args.rnn_layers, **common)


def model_config(name, args):
    if name == "pixelcnn":
        return {"filters": args.pixelcnn_filters, "num_blocks": args.pixelcnn_blocks}
    if name == "gated_pixelcnn":
        return {"filters": args.gated_filters, "num_layers": args.gated_layers, "num_classes": None}
    return {"kind": name, "units": args.rnn_units, "num_layers": args.rnn_layers}


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def log(args, text):
    if args.verbose:
        print(text, flush=True)


def train(model, args):
    """Trains for args.steps steps; returns the training measurements."""
    import keras
    from kerasgen.data import pipeline

    class StepTimes(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.ends = []

        def on_train_batch_end(self, batch, logs=None):
            # Keras hands a custom callback its logs as Python numbers, so the
            # step has finished (no asynchronous dispatch left) when this runs.
            self.ends.append(time.perf_counter())

    # The same seed gives every model the same batches.
    data = pipeline("fashion_mnist", split="train", batch_size=args.batch_size, binarize="dynamic",
                    seed=args.seed, data_dir=args.data_dir, drop_remainder=True).repeat()
    model.compile(optimizer=keras.optimizers.Adam(args.learning_rate))
    times = StepTimes()
    start = time.perf_counter()
    history = model.fit(data, steps_per_epoch=args.steps, epochs=1, verbose=0, callbacks=[times])
    total = time.perf_counter() - start
    ends = times.ends
    if len(ends) != args.steps:
        raise RuntimeError(f"expected {args.steps} training steps, timed {len(ends)}")
    timed_steps = args.steps - args.warmup_steps
    window = ends[-1] - (ends[args.warmup_steps - 1] if args.warmup_steps else start)
    return {
        "steps": args.steps,
        "batch_size": args.batch_size,
        "images": args.steps * args.batch_size,
        "warmup_steps": args.warmup_steps,
        "seconds": round(total, 2),
        "first_step_seconds": round(ends[0] - start, 2),
        "timed_steps": timed_steps,
        "images_per_s": round(timed_steps * args.batch_size / window, 2),
        "mean_train_loss_nats": round(float(history.history["loss"][-1]), 3),
        "note": "images/s over the steps after the warm-up; first_step_seconds includes compilation; "
                "mean_train_loss_nats is the mean over all steps",
    }


def forward_seconds(model, x):
    """Seconds of one forward pass (log_prob) on a batch of len(x), predict overhead excluded.

    Times 1 and 3 batches of the same shape and takes the difference, so
    the cost that `predict` adds per call drops out.
    """
    n = len(x)
    model.log_prob(x, batch_size=n)  # compile
    _, one = timed(lambda: model.log_prob(x, batch_size=n))
    _, three = timed(lambda: model.log_prob(np.concatenate([x, x, x]), batch_size=n))
    return max((three - one) / 2.0, 1e-6), one


def sample_twice(model, n, method, seed):
    """A warm-up call and a timed call; returns (second samples, first seconds, second seconds)."""
    _, first = timed(lambda: model.sample(n, seed=seed, method=method, batch_size=n))
    samples, second = timed(lambda: model.sample(n, seed=seed, method=method, batch_size=n))
    return samples, first, second


def measure_sampling(name, model, x_test, args):
    n = args.sample_images
    seed = args.seed + 1
    subpixels = int(np.prod(IMAGE_SHAPE))
    probe = x_test[:n] if len(x_test) >= n else np.resize(x_test, (n,) + x_test.shape[1:])
    fwd, fwd_call = forward_seconds(model, probe)
    estimate = subpixels * fwd
    result = {
        "images": n,
        "forward_seconds": round(fwd, 4),
        "forward_call_seconds": round(fwd_call, 4),
        "cached": None,
        "naive": None,
    }
    log(args, f"  forward pass on {n} images: {fwd:.4f} s; naive sampling estimate {estimate:.0f} s per call")
    cached_samples = None
    if name in CACHED_MODELS:
        cached_samples, first, second = sample_twice(model, n, "cached", seed)
        result["cached"] = {"first_call_seconds": round(first, 2), "second_call_seconds": round(second, 2),
                            "samples_per_s": round(n / second, 3)}
        log(args, f"  cached: first call {first:.1f} s, second {second:.1f} s, {n / second:.2f} samples/s")
    if estimate <= args.naive_max_seconds:
        naive_samples, first, second = sample_twice(model, n, "naive", seed)
        result["naive"] = {"first_call_seconds": round(first, 2), "second_call_seconds": round(second, 2),
                           "samples_per_s": round(n / second, 4), "estimated_call_seconds": round(estimate, 1)}
        log(args, f"  naive: first call {first:.1f} s, second {second:.1f} s, {n / second:.3f} samples/s")
        compare = None if cached_samples is None else (cached_samples, naive_samples)
    else:
        result["naive"] = {"skipped": f"estimated {estimate:.3g} s per call > --naive-max-seconds "
                                      f"{args.naive_max_seconds:g}",
                           "estimated_call_seconds": round(estimate, 1),
                           "estimated_samples_per_s": round(n / estimate, 4)}
        log(args, f"  naive: skipped ({result['naive']['skipped']})")
        compare = None
        if name in CACHED_MODELS:
            k = min(args.check_images, n)
            compare = (model.sample(k, seed=seed, method="cached", batch_size=k),
                       model.sample(k, seed=seed, method="naive", batch_size=k))
    if compare is not None:
        cached, naive = compare
        result["cached_equals_naive"] = bool(np.array_equal(cached, naive))
        result["compared_images"] = int(len(cached))
        result["mismatched_subpixels"] = int(np.sum(cached != naive))
        log(args, f"  cached == naive on {len(cached)} images: {result['cached_equals_naive']}")
    else:
        result["cached_equals_naive"] = None
    return result


def environment(argv):
    import keras
    import kerasgen

    backend = keras.backend.backend()
    env = {
        "benchmark": "autoregressive",
        "backend": backend,
        "versions": {"kerasgen": kerasgen.__version__, "keras": keras.__version__,
                     backend: importlib.import_module(backend).__version__, "numpy": np.__version__,
                     "python": platform.python_version()},
        "command": f"KERAS_BACKEND={backend} python " + " ".join(
            ["benchmarks/autoregressive.py"] + list(argv if argv is not None else sys.argv[1:])),
        "driver": os.environ.get("KERASGEN_BENCHMARK_DRIVER"),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "cpus_available": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "load_average_at_start": [round(v, 2) for v in os.getloadavg()],
    }
    if backend == "torch":
        import torch

        env["torch_threads"] = torch.get_num_threads()
    return env


def write_json(path, result):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(result, f, indent=2)
    os.replace(tmp, path)


def main(argv=None):
    args = parse_args(argv)
    import keras

    backend = keras.backend.backend()
    out = args.out or os.path.join(args.results_dir, f"autoregressive_{backend}.json")
    if os.path.exists(out) and not args.overwrite:
        raise SystemExit(f"error: {out} already exists; pass --overwrite to replace it or choose another --out.")
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)

    import kerasgen
    from kerasgen.data import load

    x_test, _ = load("fashion_mnist", split="test", data_dir=args.data_dir)
    x_test = x_test[: args.test_images]
    # Every model here has Bernoulli outputs, so this is each one's image_format; binarized once, seed 0.
    x_test = kerasgen.data.ImageFormat(binarize="dynamic").convert(x_test, seed=0)

    result = {
        **environment(argv),
        "settings": {k: getattr(args, k) for k in (
            "steps", "batch_size", "warmup_steps", "learning_rate", "test_images", "nll_batch_size",
            "sample_images", "naive_max_seconds", "check_images", "seed")},
        "data": "fashion_mnist; train: dynamic binarization (fresh per batch), the same batches for every "
                "model; test: the first test_images, binarized once with numpy seed 0",
        "complete": False,
        "models": [],
    }
    if math.isinf(args.naive_max_seconds):
        result["settings"]["naive_max_seconds"] = "inf"  # JSON has no infinity
    write_json(out, result)
    run_start = time.perf_counter()
    for name in args.models:
        keras.backend.clear_session()
        keras.utils.set_random_seed(args.seed)
        model = build_model(name, args)
        log(args, f"{backend}: {name} ({model.count_params()} parameters), {args.steps} steps of {args.batch_size}")
        start = time.perf_counter()
        entry = {"model": name, "class": type(model).__name__, "config": model_config(name, args),
                 "parameters": int(model.count_params())}
        entry["train"] = train(model, args)
        log(args, f"  trained in {entry['train']['seconds']:.0f} s, {entry['train']['images_per_s']:.1f} images/s")
        nll, seconds = timed(lambda: model.evaluate_nll(x_test, batch_size=args.nll_batch_size))
        entry["test_nll"] = {**nll, "seconds": round(seconds, 2)}
        log(args, f"  test NLL {nll['nll_nats']:.2f} nats, {nll['bits_per_dim']:.4f} bits/dim "
                  f"({nll['num_images']} images, {seconds:.0f} s)")
        entry["sampling"] = measure_sampling(name, model, x_test, args)
        entry["seconds"] = round(time.perf_counter() - start, 1)
        result["models"].append(entry)
        result["load_average_at_end"] = [round(v, 2) for v in os.getloadavg()]
        result["total_seconds"] = round(time.perf_counter() - run_start, 1)
        write_json(out, result)
    result["complete"] = True
    write_json(out, result)
    log(args, f"wrote {out} ({result['total_seconds']:.0f} s)")
    return result


if __name__ == "__main__":
    main()
