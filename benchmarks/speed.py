"""Training speed of kerasgen beside Keras' own `fit` and the peers a user would write instead, side by side.

One run measures every backend: a driver starts one worker process per
backend (KERAS_BACKEND is fixed when Keras starts) and, round after round,
asks each worker in turn to train each of its contestants for one epoch, so
the contestants' epochs interleave (A B C A B C ...) and a slow spell of this
shared machine falls on all of them. Every contestant trains the same network
on the same batches: the first --images Fashion-MNIST training images,
binarized at 0.5 (scaled to [-1, 1] for the GAN), in order (no shuffling), --batch-size a step, whole batches
only. A contestant's first epoch is a warm-up (tracing, compilation) and is
not timed; the report gives the median of the timed epochs' images/s.

Contestants, by model:

- ``vae``: kerasgen's `VAE` (conv, latent 2, hidden width 16: the keras-io
  VAE's sizes) under each backend; beside it, under TensorFlow, the keras-io
  VAE's `GradientTape` step (benchmarks/peers/keras_io_vae.py) on the very same
  Keras encoder and decoder, and, in the PyTorch worker, a hand-written
  PyTorch model and loop on the same architecture (benchmarks/peers/torch_vae.py).
- ``dcgan``: kerasgen's `DCGAN` (defaults: latent 64, base width 64,
  non-saturating loss, Adam(2e-4, beta_1 0.5) for each network) on the images
  scaled to [-1, 1]; beside it, under TensorFlow, the keras-io DCGAN's step
  (benchmarks/peers/keras_io_dcgan.py) on the same Keras networks, and in the
  PyTorch worker the PyTorch DCGAN tutorial's loop on the same architecture
  (benchmarks/peers/torch_dcgan.py), which reuses one generated batch for both
  updates where kerasgen and keras-io generate twice; and kerasgen's DCGAN
  with ``upsampling="resize"`` (nearest-neighbour resizing and a 3x3
  convolution in place of each transposed convolution) under each backend.
- ``wgan_gp``: kerasgen's `WGANGP` (defaults: five critic steps a generator
  step, gradient penalty 10, Adam(1e-4, 0.5, 0.9)) on the first
  --slow-images images (its steps are slow), scaled to
  [-1, 1]; beside it, under TensorFlow, the keras-io WGAN-GP's step
  (benchmarks/peers/keras_io_wgan_gp.py) on the same networks, critic steps
  and optimizers.
- ``pixelcnn``: kerasgen's `PixelCNN` (defaults: 64 filters, 5 residual
  blocks, Bernoulli), on the first --slow-images images;
  beside it the same network trained by Keras' built-in `fit` with binary
  cross-entropy on its logits, and, in the PyTorch worker, a hand-written
  PyTorch PixelCNN and loop on the same architecture and masks
  (benchmarks/peers/torch_pixelcnn.py).
- ``pixelcnn_sampling``, ``gated_pixelcnn_sampling``, ``pixelrnn_sampling``,
  ``diagonal_bilstm_sampling``: --sample-images images drawn in one batch by
  the default PixelCNN, Gated PixelCNN, PixelRNN (Row LSTM) and PixelRNN
  (Diagonal BiLSTM) for 28x28x1 Bernoulli images, with
  ``method="cached"`` (only what a new subpixel changes is recomputed) and
  ``method="naive"`` (the whole network per subpixel), the same seed each
  time; an "epoch" here is one such call, the first a warm-up.
- ``autoencoder``: kerasgen's `Autoencoder` (defaults) under each backend,
  and the same encoder and decoder as a plain functional `keras.Model`
  trained by Keras' built-in `fit` (binary cross-entropy on logits): the
  overhead of kerasgen's own step.

The results go to --out (JSON: every epoch's time, the machine's load before
and after, versions, the command), and `--report` turns them into the speed
section of BENCHMARKS.md (between its markers; nothing else is touched).

    python benchmarks/speed.py                        # all backends, all models
    python benchmarks/speed.py --backends tensorflow torch --rounds 3
    python benchmarks/speed.py --report               # BENCHMARKS.md from the JSON

Run it on an otherwise idle machine: another busy process slows every number.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

from sections import write_section  # benchmarks/sections.py, beside this script

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "benchmarks", "results", "speed.json")
BEGIN = "<!-- speed:begin (written by benchmarks/speed.py --report from benchmarks/results/speed.json; do not edit) -->"
END = "<!-- speed:end -->"
BACKENDS = ("tensorflow", "jax", "torch")
MODELS = ("vae", "autoencoder", "dcgan", "wgan_gp", "pixelcnn", "pixelcnn_sampling", "gated_pixelcnn_sampling",
          "pixelrnn_sampling", "diagonal_bilstm_sampling")
SAMPLERS = {"pixelcnn_sampling": "PixelCNN", "gated_pixelcnn_sampling": "GatedPixelCNN",
            "pixelrnn_sampling": "PixelRNN", "diagonal_bilstm_sampling": "PixelRNN"}
SAMPLER_ARGS = {"diagonal_bilstm_sampling": {"kind": "diagonal_bilstm"}}
SHOWN = {"pixelrnn_sampling": "PixelRNN (Row LSTM)", "diagonal_bilstm_sampling": "PixelRNN (Diagonal BiLSTM)"}
PIXELRNN_SAMPLING = ("pixelrnn_sampling", "diagonal_bilstm_sampling")  # the cached/naive goal is 10x for these
# Contestants by model: (name, backends it runs under, what it is).
CONTESTANTS = {
    "vae": [("kerasgen", BACKENDS, "kerasgen VAE, model.fit"),
            ("keras_io", ("tensorflow",), "keras-io GradientTape train_step, model.fit"),
            ("torch_loop", ("torch",), "hand-written PyTorch model and loop")],
    "autoencoder": [("kerasgen", BACKENDS, "kerasgen Autoencoder, model.fit"),
                    ("keras_fit", BACKENDS, "same networks, Keras' built-in fit")],
    "dcgan": [("kerasgen", BACKENDS, "kerasgen DCGAN, model.fit"),
              ("kerasgen_resize", BACKENDS, "kerasgen DCGAN(upsampling='resize'), model.fit"),
              ("keras_io", ("tensorflow",), "keras-io DCGAN GradientTape train_step, model.fit"),
              ("torch_loop", ("torch",), "PyTorch DCGAN tutorial's loop")],
    "wgan_gp": [("kerasgen", BACKENDS, "kerasgen WGANGP, model.fit"),
                ("keras_io", ("tensorflow",), "keras-io WGAN-GP GradientTape train_step, model.fit")],
    "pixelcnn": [("kerasgen", BACKENDS, "kerasgen PixelCNN, model.fit"),
                 ("keras_fit", BACKENDS, "same network, Keras' built-in fit and cross-entropy"),
                 ("torch_loop", ("torch",), "hand-written PyTorch PixelCNN and loop")],
}
SLOW_TRAINING = ("wgan_gp", "pixelcnn")  # trained on the first --slow-images images
for _model, _cls in SAMPLERS.items():
    _cls += "".join(f"({k}={v!r})" for k, v in SAMPLER_ARGS.get(_model, {}).items())
    CONTESTANTS[_model] = [("cached", BACKENDS, f"{_cls}.sample(method='cached')"),
                           ("cached_compiled", ("torch",), f"{_cls}.sample(method='cached', jit_compile=True)"),
                           ("naive", BACKENDS, f"{_cls}.sample(method='naive')")]
MARK = "@@speed "


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=BACKENDS,
                   help="backends to measure (default: all three)")
    p.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS,
                   help="models to measure (default: all)")
    p.add_argument("--images", type=int, default=10000, help="training images an epoch (default: 10000)")
    p.add_argument("--slow-images", type=int, default=2560,
                   help="training images an epoch for the models whose steps are slow, WGAN-GP (six "
                        "network updates a step) and PixelCNN (default: 2560)")
    p.add_argument("--batch-size", type=int, default=128, help="images a step (default: 128)")
    p.add_argument("--rounds", type=int, default=5, help="timed epochs of each contestant (default: 5)")
    p.add_argument("--sample-images", type=int, default=8,
                   help="images a sampling call draws, in one batch (default: 8)")
    p.add_argument("--out", default=RESULTS, help=f"results JSON (default: {os.path.relpath(RESULTS, ROOT)})")
    p.add_argument("--report", action="store_true", help="write BENCHMARKS.md's speed section from --out")
    p.add_argument("--benchmarks-md", default=os.path.join(ROOT, "BENCHMARKS.md"), help="the file --report writes")
    p.add_argument("--worker", choices=BACKENDS, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    for key in ("images", "slow_images", "batch_size", "rounds", "sample_images"):
        if getattr(args, key) < 1:
            p.error(f"--{key.replace('_', '-')} must be a positive integer; got {getattr(args, key)}")
    for key in ("images", "slow_images"):
        if getattr(args, key) < args.batch_size:
            p.error(f"--{key.replace('_', '-')} {getattr(args, key)} is fewer than one batch "
                    f"(--batch-size {args.batch_size})")
    return args


# -- the worker: one backend, its contestants built once, one epoch per request -------------------------


def _images(count):
    from kerasgen.data import load

    x, _ = load("fashion_mnist", split="train")
    return x[:count]


def _runner(model, contestant, x, batch_size, sample_images):
    """A function that runs the contestant once (an epoch, or a sampling call) and returns the images done."""
    import keras

    from kerasgen import models

    keras.utils.set_random_seed(0)
    if model in SAMPLERS:
        sampler = getattr(models, SAMPLERS[model])(seed=0, **SAMPLER_ARGS.get(model, {}))

        compiled = contestant == "cached_compiled"

        def draw():
            sampler.sample(sample_images, seed=0, method="cached" if compiled else contestant,
                           batch_size=sample_images, jit_compile=True if compiled else "auto")
            return sample_images

        return draw
    train = _trainer(model, contestant, x, batch_size)

    def epoch():
        train()
        return len(x) // batch_size * batch_size

    return epoch


def _trainer(model, contestant, x, batch_size):
    import keras

    from kerasgen import models

    fit = dict(batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
    if model == "dcgan":
        x = (x.astype("float32") / 127.5 - 1).astype("float32")
        if contestant == "torch_loop":
            from peers.torch_dcgan import make_trainer

            return make_trainer(x, batch_size, latent_dim=64, base=64)
        gan = models.DCGAN(seed=0, upsampling="resize" if contestant == "kerasgen_resize" else "transpose")
        if contestant in ("kerasgen", "kerasgen_resize"):
            gan.compile()
            return lambda: gan.fit(x, **fit)
        from peers.keras_io_dcgan import KerasIODCGAN

        peer = KerasIODCGAN(gan.discriminator, gan.generator, latent_dim=gan.latent_dim)
        peer.compile(keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5))
        return lambda: peer.fit(x, **fit)
    if model == "wgan_gp":
        x = (x.astype("float32") / 127.5 - 1).astype("float32")
        gan = models.WGANGP(image_shape=(28, 28, 1), seed=0)
        if contestant == "kerasgen":
            gan.compile()
            return lambda: gan.fit(x, **fit)
        from peers.keras_io_wgan_gp import KerasIOWGANGP

        peer = KerasIOWGANGP(gan.discriminator, gan.generator, latent_dim=gan.latent_dim,
                             discriminator_steps=gan.discriminator_steps, gp_weight=gan.gp_weight)
        peer.compile(gan.default_optimizer(), gan.default_optimizer())
        return lambda: peer.fit(x, **fit)
    x = (x > 127).astype("float32")  # binarized at 0.5: {0, 1}, as the Bernoulli models take
    if model == "pixelcnn":
        if contestant == "torch_loop":
            from peers.torch_pixelcnn import make_trainer

            return make_trainer(x, batch_size)
        pixelcnn = models.PixelCNN(seed=0)
        if contestant == "kerasgen":
            pixelcnn.compile(keras.optimizers.Adam(1e-3))
            return lambda: pixelcnn.fit(x, **fit)
        plain = _logits_model(pixelcnn)
        plain.compile(keras.optimizers.Adam(1e-3), loss=keras.losses.BinaryCrossentropy(from_logits=True))
        return lambda: plain.fit(x, x, **fit)
    if model == "vae":
        if contestant == "torch_loop":
            from peers.torch_vae import make_trainer

            return make_trainer(x, batch_size, latent_dim=2, hidden=16)
        vae = models.VAE(latent_dim=2, hidden_dims=(16,), filters=(32, 64), seed=0)
        if contestant == "kerasgen":
            vae.compile(keras.optimizers.Adam(1e-3))
            return lambda: vae.fit(x, **fit)
        from peers.keras_io_vae import KerasIOVAE

        peer = KerasIOVAE(vae.encoder, vae.decoder, latent_dim=2)
        peer.compile(keras.optimizers.Adam(1e-3))
        return lambda: peer.fit(x, **fit)
    ae = models.Autoencoder(seed=0)
    if contestant == "kerasgen":
        ae.compile(keras.optimizers.Adam(1e-3))
        return lambda: ae.fit(x, **fit)
    inputs = keras.Input((28, 28, 1))
    plain = keras.Model(inputs, ae.decoder(ae.encoder(inputs)))
    plain.compile(keras.optimizers.Adam(1e-3), loss=keras.losses.BinaryCrossentropy(from_logits=True))
    return lambda: plain.fit(x, x, **fit)


def _logits_model(pixelcnn):
    """The PixelCNN's network as a plain `keras.Model` that returns its logits, for Keras' own fit."""
    import keras

    class PixelCNNLogits(keras.Model):
        def __init__(self):
            super().__init__()
            self.pixelcnn = pixelcnn  # tracked: fit trains its weights

        def call(self, x, training=False):
            return self.pixelcnn.params(x, training=training)[..., 0]

    return PixelCNNLogits()


def worker(args):
    os.environ["KERAS_BACKEND"] = args.worker
    sys.path[:0] = [ROOT, os.path.join(ROOT, "benchmarks")]  # kerasgen from this tree, and peers/
    x = _images(max(args.images, args.slow_images))
    whole = {count: x[: count // args.batch_size * args.batch_size] for count in (args.images, args.slow_images)}
    runners = {}
    reply({"ready": True, "versions": _versions(args.worker)})
    for line in sys.stdin:
        request = json.loads(line)
        key = (request["model"], request["contestant"])
        try:
            if key not in runners:
                start = time.perf_counter()
                images = whole[args.slow_images if key[0] in SLOW_TRAINING else args.images]
                runners[key] = _runner(*key, images, args.batch_size, args.sample_images)
                runners[key]()  # the warm-up epoch: tracing and compilation
                reply({"warmup_seconds": time.perf_counter() - start})
                continue
            start, cpu = time.perf_counter(), time.process_time()
            images = runners[key]()
            seconds = time.perf_counter() - start
            reply({"seconds": seconds, "images": images, "cpu_seconds": time.process_time() - cpu})
        except Exception as error:  # reported to the driver, which records it and goes on
            reply({"error": f"{type(error).__name__}: {error}"[:2000]})


def reply(message):
    print(MARK + json.dumps(message), flush=True)


def _versions(backend):
    import keras

    found = {"keras": keras.__version__}
    module = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}[backend]
    found[module] = __import__(module).__version__
    return found


# -- the driver ------------------------------------------------------------------------------------------


class Worker:
    def __init__(self, backend, args):
        # A fresh inductor cache: the warm-up of a torch.compile contestant is the first compilation a user
        # waits for, not a read of an earlier run's cache.
        self.inductor_cache = tempfile.TemporaryDirectory(prefix="kerasgen-speed-inductor-")
        env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3",
               "TORCHINDUCTOR_CACHE_DIR": self.inductor_cache.name}
        command = [sys.executable, os.path.abspath(__file__), "--worker", backend, "--images", str(args.images),
                   "--slow-images", str(args.slow_images),
                   "--batch-size", str(args.batch_size), "--sample-images", str(args.sample_images)]
        self.backend = backend
        self.log = tempfile.TemporaryFile("w+")  # the worker's stderr: shown if it dies
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                        stderr=self.log, env=env, cwd=ROOT)
        self.versions = self.read()["versions"]

    def read(self):
        for line in self.process.stdout:
            if line.startswith(MARK):
                return json.loads(line[len(MARK):])
        self.log.seek(0)
        raise RuntimeError(f"the {self.backend} worker ended (exit status {self.process.wait()}):\n"
                           + self.log.read()[-3000:])

    def ask(self, model, contestant):
        self.process.stdin.write(json.dumps({"model": model, "contestant": contestant}) + "\n")
        self.process.stdin.flush()
        return self.read()

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=60)
        self.inductor_cache.cleanup()


def drive(args):
    started = time.time()
    result = {
        "benchmark": "speed",
        "command": "python benchmarks/speed.py " + " ".join(sys.argv[1:]),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
                    "cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_at_start": [round(v, 2) for v in os.getloadavg()]},
        "images": args.images, "slow_images": args.slow_images, "batch_size": args.batch_size,
        "rounds": args.rounds,
        "sample_images": args.sample_images,
        "data": "the first images of Fashion-MNIST's training split, binarized at 0.5, in order",
        "contestants": {m: {c: what for c, _, what in CONTESTANTS[m]} for m in args.models},
        "runs": [],
    }
    workers = {b: Worker(b, args) for b in args.backends}
    result["versions"] = {b: w.versions for b, w in workers.items()}
    pairs = [(b, m, c) for m in args.models for b in args.backends for c, backends, _ in CONTESTANTS[m]
             if b in backends]
    runs = {pair: {"backend": pair[0], "model": pair[1], "contestant": pair[2], "seconds": []} for pair in pairs}
    try:
        for round_ in range(args.rounds + 1):  # round 0: every contestant's warm-up epoch
            for pair in pairs:
                answer = workers[pair[0]].ask(pair[1], pair[2])
                run = runs[pair]
                if "error" in answer:
                    run["error"] = answer["error"]
                elif "warmup_seconds" in answer:
                    run["warmup_seconds"] = round(answer["warmup_seconds"], 3)
                else:
                    run["images"] = answer["images"]
                    run["seconds"].append(round(answer["seconds"], 4))
                    # CPU seconds of all the worker's threads / wall seconds: how many cores the epoch kept busy
                    run.setdefault("cores", []).append(round(answer["cpu_seconds"] / answer["seconds"], 2))
                    run["images_per_second"] = [_sig(answer["images"] / s) for s in run["seconds"]]
                    run["median_images_per_second"] = _sig(statistics.median(
                        answer["images"] / s for s in run["seconds"]))
                label = f"{pair[0]:10s} {pair[1]:12s} {pair[2]:10s}"
                print(f"round {round_}: {label} {answer}", flush=True)
            result["runs"] = list(runs.values())
            result["machine"]["load_average_at_end"] = [round(v, 2) for v in os.getloadavg()]
            result["seconds"] = round(time.time() - started, 1)
            _save(args.out, result)  # after each round: an interrupted run keeps what it measured
    finally:
        for w in workers.values():
            w.close()
    return result


def _part(model):
    return "sampling" if model in SAMPLERS else "training"


def _save(path, result):
    """Writes the run's training and sampling parts into the JSON, keeping a part this run did not measure."""
    data = {"benchmark": "speed", "parts": {}}
    if os.path.isfile(path):
        with open(path) as f:
            old = json.load(f)
        if old.get("benchmark") == "speed":
            data = old if "parts" in old else {"benchmark": "speed", "parts": {"training": old}}
    for part in ("training", "sampling"):
        models = [m for m in result["contestants"] if _part(m) == part]
        if models:
            data["parts"][part] = {**result, "contestants": {m: result["contestants"][m] for m in models},
                                   "runs": [r for r in result["runs"] if r["model"] in models]}
    _write_json(path, data)


def _write_json(path, data):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)


# -- the report ------------------------------------------------------------------------------------------

PEER_NAMES = {"keras_io": "keras-io TF step", "torch_loop": "PyTorch loop", "keras_fit": "Keras fit",
              "kerasgen_resize": "kerasgen, upsampling='resize'"}


def section(data):
    lines = [BEGIN]
    if "training" in data["parts"]:
        lines += _training_section(data["parts"]["training"])
    if "sampling" in data["parts"]:
        lines += _sampling_section(data["parts"]["sampling"])
    lines += _goals_section(data)
    lines.append(END)
    return "\n".join(lines)


# The goals of the speed work (issue 16), checked against the figures above: (what, threshold).
GOALS = {
    "keras_fit": ("kerasgen's step at least 0.97x Keras' built-in fit on the same network", 0.97),
    "keras_io": ("kerasgen at least 1.0x the keras-io TensorFlow step on the same network", 1.0),
    "torch_loop": ("kerasgen at least 1.0x the hand-written PyTorch loop on the same network", 1.0),
    "training_spread": ("training: the slowest backend within 1.5x of the fastest", 1.5),
    "cached": ("cached sampling at least 20x naive sampling (PixelRNN: 10x)", 20.0),
    "sampling_spread": ("cached sampling: the slowest backend within 2x of the fastest", 2.0),
    "cached_compiled": ("the same, PyTorch's cached sampling with `jit_compile=True`: at least 20x naive "
                        "(PixelRNN: 10x)", 20.0),
    "sampling_spread_compiled": ("the same, the slowest backend within 2x of the fastest", 2.0),
}


def _goals_section(data):
    """Every goal, each measured case met or missed, by how much: computed from the JSON, not typed."""
    checks = {key: [] for key in GOALS}
    training, sampling = data["parts"].get("training"), data["parts"].get("sampling")
    if training:
        runs = _by_key(training)
        for (backend, model, contestant), run in runs.items():
            if contestant in ("keras_fit", "keras_io", "torch_loop") and (backend, model, "kerasgen") in runs:
                n = _images_per_call(training, model)
                mine, theirs = _speed(runs[(backend, model, "kerasgen")], n), _speed(run, n)
                if mine and theirs:
                    ratio = mine / theirs
                    own = runs[(backend, model, "kerasgen")]
                    mark = " (unstable)" if _unstable(own, run) else ""
                    both = _both_cores_ratio(own, run, n)
                    if both != "-" and "cores" in own:
                        mark += f" (two-core epochs: {both})"
                    checks[contestant].append((model, f"{model} {backend}", ratio,
                                               ratio >= GOALS[contestant][1], mark))
        for model, name, _, _, ratio in _ratios(training, runs, "kerasgen"):
            checks["training_spread"].append((model, name, ratio, ratio <= GOALS["training_spread"][1]))
    if sampling:
        runs = _by_key(sampling)
        for (backend, model, contestant), run in runs.items():
            if contestant in ("cached", "cached_compiled") and (backend, model, "naive") in runs:
                n = _images_per_call(sampling, model)
                cached, naive = _speed(run, n), _speed(runs[(backend, model, "naive")], n)
                if cached and naive:
                    goal = 10.0 if model in PIXELRNN_SAMPLING else GOALS["cached"][1]
                    ratio = cached / naive
                    checks[contestant].append((model, f"{SHOWN.get(model, SAMPLERS[model])} {backend}", ratio,
                                               ratio >= goal))
        for model, name, _, _, ratio in _ratios(sampling, runs, "cached"):
            checks["sampling_spread"].append((model, name, ratio, ratio <= GOALS["sampling_spread"][1]))
        if any(key[2] == "cached_compiled" for key in runs):
            for model, name, _, _, ratio in _ratios(sampling, runs, "cached", compiled=True):
                checks["sampling_spread_compiled"].append((model, name, ratio, ratio <= GOALS["sampling_spread"][1]))
    lines = ["## Speed goals, met and missed", "",
             "Computed by `--report` from the figures above (a ratio of two figures of the same run). "
             "Absolute images/s hold only for the machine named above, a 2-core CPU without a GPU.", ""]
    for key, (what, _) in GOALS.items():
        if not checks[key]:
            continue
        missed = [(model, f"{name} {ratio:.4g}x{note}") for model, name, ratio, ok, *notes in checks[key]
                  if not ok for note in [notes[0] if notes else ""]]
        lines.append(f"- {what}: met in {len(checks[key]) - len(missed)} of {len(checks[key])}"
                     + (f"; missed: {', '.join(text for _, text in missed)}." if missed else "."))
        for model, text in WHY.get(key, {}).items():  # model None: a cause of every miss of the goal
            if any(model in (None, m) for m, _ in missed):
                lines.append(f"  - {text}" if model is None else f"  - {model}: {text}")
    return lines + [""]


# Known causes of a missed goal, by goal and model (None: every model), shown only while it is missed.
WHY = {
    "keras_io": {
        None: "the two contestants run the same networks under the same TensorFlow; their epochs run either on "
              "both cores or on one, at about half the speed (the cores columns), and the median over few epochs "
              "follows how many one-core epochs each drew. The bracketed ratio compares the epochs that kept both "
              "cores busy.",
    },
    "torch_loop": {
        "vae": "a gap of a few percent that the PyTorch-profile section below does not locate: there kerasgen's VAE "
               "epoch spends less operator time in all than the loop's, so the gap lies outside the "
               "operators (per-step Python, which was not profiled), or in the machine's noise.",
        "dcgan": "the PyTorch tutorial's loop generates one batch and uses it for both updates; kerasgen, as "
                 "keras-io does, draws fresh latents for the generator's update: one more generator pass a step.",
        "pixelcnn": "Keras' own fit on the same network runs at kerasgen's speed (the Keras fit row), so the time "
                    "is lost below kerasgen's step, in Keras' PyTorch backend running these layers: it keeps "
                    "tensors channels-last and permutes them to PyTorch's channels-first convolutions and back, "
                    "and the PyTorch-profile section below finds most of the extra operator time in the copies "
                    "that make those permuted tensors contiguous, which the channels-first loop never makes.",
    },
    "training_spread": {
        None: "JAX is the slowest for every model, and Keras' own fit is as slow under JAX as kerasgen's step on "
              "the same network (the Keras fit rows): the training-profile section below times each layer alone, "
              "and XLA's CPU convolutions, forward and backward, are slower than TensorFlow's on most layers, "
              "with none of the XLA settings tried there closing the gap. That is below Keras and kerasgen. The "
              "one layer kerasgen could change, the DCGAN generator's transposed convolution, runs in the faster "
              "sub-pixel form under JAX (`kerasgen.layers.SubpixelConv2DTranspose`; the profile section times both "
              "forms).",
    },
    "cached": {
        None: "under PyTorch the loop runs eagerly by default, and a cached subpixel is many small `keras.ops` "
              "calls whose Python cost (the sampling profile below) does not shrink with the work, so caching "
              "saves less than under XLA, which runs the loop as one program; `jit_compile=True` compiles each "
              "step (the next line).",
    },
    "cached_compiled": {
        None: "a compiled step is still one call from Python per subpixel (dynamo checks its guards, then "
              "runs inductor's code), while XLA runs the whole loop as one program.",
    },
    "sampling_spread_compiled": {
        None: "the same per-subpixel call from Python; XLA has no such cost per step.",
    },
    "sampling_spread": {
        None: "TensorFlow and JAX run the whole loop as one XLA program; PyTorch issues every operation "
              "eagerly through `keras.ops`, and the profile section below shows where that time goes.",
    },
}


def _ratios(result, runs, contestant, compiled=False):
    """(model, its name, fastest backend, slowest backend, fastest / slowest) for every model measured under
    two backends or more; `compiled`: PyTorch's "cached_compiled" figure in place of its "cached" one."""
    out = []
    for model in result["contestants"]:
        n = _images_per_call(result, model)
        speeds = {b: _speed(runs[(b, model, contestant)], n) for b in BACKENDS if (b, model, contestant) in runs}
        if compiled and ("torch", model, "cached_compiled") in runs:
            speeds["torch"] = _speed(runs[("torch", model, "cached_compiled")], n)
        speeds = {b: v for b, v in speeds.items() if isinstance(v, float)}
        if len(speeds) > 1:
            fast, slow = max(speeds, key=speeds.get), min(speeds, key=speeds.get)
            out.append((model, SHOWN.get(model, SAMPLERS.get(model, model)), fast, slow,
                        speeds[fast] / speeds[slow]))
    return out


def _by_key(result):
    return {(r["backend"], r["model"], r["contestant"]): r for r in result["runs"]}


def _images_per_call(result, model):
    """Images one timed call handles (results written before runs kept their count need it)."""
    if model in SAMPLERS:
        return result["sample_images"]
    return result["images"] // result["batch_size"] * result["batch_size"]  # whole batches only


def _sampling_section(result):
    runs = _by_key(result)
    lines = ["## Sampling speed, cached and naive", ""]
    lines.append(_header(result, f"{result['sample_images']} images a call in one batch, the median of "
                                 f"{_timed(result)} timed calls after one warm-up call"))
    lines.append("")
    compiled = any(r["contestant"] == "cached_compiled" for r in result["runs"])
    if compiled:
        lines.append("| model | backend | cached images/s | naive images/s | cached / naive | cached, "
                     "`jit_compile=True` images/s | its first call, s | it / naive |")
        lines.append("|---|---|---:|---:|---:|---:|---:|---:|")
    else:
        lines.append("| model | backend | cached images/s | naive images/s | cached / naive |")
        lines.append("|---|---|---:|---:|---:|")
    for model in result["contestants"]:
        for i, backend in enumerate(b for b in BACKENDS if (b, model, "cached") in runs):
            n = _images_per_call(result, model)
            cached = _speed(runs[(backend, model, "cached")], n)
            naive = _speed(runs.get((backend, model, "naive")), n)
            ratio = f"{cached / naive:.1f}x" if cached and naive else "-"
            row = (f"| {SHOWN.get(model, SAMPLERS[model]) if i == 0 else ''} | {backend} | {_fmt_sig(cached)} | "
                   f"{_fmt_sig(naive)} | {ratio} |")
            if compiled:
                run = runs.get((backend, model, "cached_compiled"))
                fast = _speed(run, n)
                first = run.get("warmup_seconds") if run and fast else None
                row += (f" {_fmt_sig(fast)} | {_fmt(first, 1)} | "
                        f"{f'{fast / naive:.1f}x' if fast and naive else '-'} |")
            lines.append(row)
    if compiled:
        lines += ["", "`jit_compile=True` under PyTorch compiles each step of the loop with `torch.compile` "
                  "(inductor); \"its first call\" is the warm-up call, which compiles, timed with an empty "
                  "inductor cache. TensorFlow and JAX compile the whole loop by default, so the option changes "
                  "nothing there and is not timed again."]
    lines.append("")
    lines += _spread(result, runs, "cached")
    if compiled:
        lines += _spread(result, runs, "cached", compiled=True)
    lines += _errors(result)
    return lines


def _timed(result):
    """The timed rounds every contestant completed ("3", or "2 to 3" for a run stopped early)."""
    counts = [len(r["seconds"]) for r in result["runs"] if "error" not in r]
    low, high = min(counts, default=0), max(counts, default=0)
    note = "" if high == result["rounds"] else f" (of {result['rounds']} asked; the run was stopped)"
    return (f"{low}" if low == high else f"{low} to {high}") + note


def _header(result, what):
    return (f"Written by `{result['command']}` on {result['date'][:10]}: {what}, the contestants interleaved. "
            f"Machine: {result['machine']['cpus']} CPUs ({result['machine']['processor']}, no GPU), "
            f"load average {result['machine']['load_average_at_start'][0]} at the start and "
            f"{result['machine']['load_average_at_end'][0]} at the end; the whole run took "
            f"{result['seconds']:.0f} s. Versions: "
            + "; ".join(f"{b}: " + ", ".join(f"{k} {v}" for k, v in vs.items())
                        for b, vs in result["versions"].items()) + ".")


def _training_section(result):
    runs = _by_key(result)
    lines = ["## Training speed beside Keras' fit and the peers", ""]
    slow = [m for m in result["contestants"] if m in SLOW_TRAINING]
    few = f" ({result['slow_images']} for {' and '.join(slow)})" if slow and "slow_images" in result else ""
    lines.append(_header(result, f"{result['images']} images an epoch{few}, batch {result['batch_size']}, the median "
                                 f"of {_timed(result)} timed epochs a contestant after one warm-up epoch"))
    lines.append("")
    lines.append("What each row runs: " + "; ".join(
        f"`{c}` ({what})" for m in result["contestants"] for c, what in result["contestants"][m].items()) + ".")
    lines.append("")
    cores = any("cores" in r for r in result["runs"])
    if cores:
        lines.append("| model | backend | kerasgen images/s | cores | beside it | its images/s | cores | "
                     "kerasgen / it | the same, two-core epochs |")
        lines.append("|---|---|---:|---:|---|---:|---:|---:|---:|")
    else:
        lines.append("| model | backend | kerasgen images/s | beside it | its images/s | kerasgen / it |")
        lines.append("|---|---|---:|---|---:|---:|")
    for model in result["contestants"]:
        for backend in BACKENDS:
            own = runs.get((backend, model, "kerasgen"))
            if own is None:
                continue
            others = [c for c in result["contestants"][model] if c != "kerasgen" and (backend, model, c) in runs]
            for i, other in enumerate(others or [None]):
                peer = runs.get((backend, model, other)) if other else None
                n = _images_per_call(result, model)
                mine = _speed(own, n)
                theirs = _speed(peer, n) if peer else None
                ratio = f"{mine / theirs:.2f}x" if isinstance(mine, float) and isinstance(theirs, float) else "-"
                if ratio != "-" and _unstable(own, peer):
                    ratio += " †"
                if cores:
                    lines.append(f"| {model if i == 0 else ''} | {backend if i == 0 else ''} | "
                                 f"{_fmt(mine) if i == 0 else ''} | {_cores(own) if i == 0 else ''} | "
                                 f"{PEER_NAMES.get(other, '-')} | {_fmt(theirs)} | {_cores(peer)} | {ratio} | "
                                 f"{_both_cores_ratio(own, peer, n) if peer else '-'} |")
                else:
                    lines.append(f"| {model if i == 0 else ''} | {backend if i == 0 else ''} | "
                                 f"{_fmt(mine) if i == 0 else ''} | {PEER_NAMES.get(other, '-')} | "
                                 f"{_fmt(theirs)} | {ratio} |")
    lines.append("")
    if cores:
        lines += ["\"cores\": the worker process's CPU seconds over the wall seconds of each timed epoch (all its "
                  "threads), the epochs' values in order. On this machine an epoch sometimes runs with one core "
                  "busy and the other idle, at about half the speed, with nothing else running (TensorFlow's "
                  "compute threads, busy alike, then take turns instead of running together); which epochs do is "
                  "not under the benchmark's control, so a median over few epochs depends on how many such "
                  "epochs a contestant drew. \"Two-core epochs\" compares the medians of the epochs that kept "
                  f"more than {BOTH_CORES} cores busy, where both contestants have any.", ""]
    if any(_unstable(r) for r in result["runs"]):
        lines += [f"†: the timed epochs of one of the two differ in speed by more than {UNSTABLE}x (the machine "
                  "is shared: an epoch ran at one speed or at about half of it), so its ratio rests on too few "
                  "steady epochs; " + ", ".join(f"{r['backend']} {r['model']} {r['contestant']} "
                                               f"{'/'.join(_fmt(v) for v in r['images_per_second'])}"
                                               for r in result["runs"] if _unstable(r)) + " images/s.", ""]
    lines += _spread(result, runs, "kerasgen")
    lines += _spread(result, runs, "kerasgen_resize")
    lines += _errors(result)
    return lines


def _cores(run):
    values = (run or {}).get("cores")
    return "/".join(f"{c:.1f}" for c in values) if values else "-"


def _spread(result, runs, contestant, compiled=False):
    spread = [f"{name}: {fast} fastest, {slow} slowest, {ratio:.2f}x apart"
              for _, name, fast, slow, ratio in _ratios(result, runs, contestant, compiled)]
    if not spread:
        return []
    what = f"`{contestant}`" + (", with PyTorch's `jit_compile=True` figure," if compiled else "")
    return [f"{what} across backends (fastest / slowest): " + "; ".join(spread) + ".", ""]


def _errors(result):
    errors = [f"{r['backend']} {r['model']} {r['contestant']}: {r['error']}" for r in result["runs"] if "error" in r]
    return ["Failed: " + "; ".join(errors), ""] if errors else []


def _sig(value, digits=4):
    """`value` to `digits` significant figures."""
    return float(f"{value:.{digits}g}")


UNSTABLE = 1.3  # a run whose timed epochs' speeds differ by more than this factor is marked


def _unstable(*runs):
    """Whether any of the runs' timed rounds differ in speed by more than UNSTABLE (a busy spell of the
    shared machine: with two cores, a round ran at one speed or at about half of it)."""
    for run in runs:
        times = (run or {}).get("seconds") or []
        if len(times) > 1 and max(times) / min(times) > UNSTABLE:
            return True
    return False


BOTH_CORES = 1.5  # an epoch that kept more than this many cores busy ran on both of the machine's two


def _speed(run, images=None, both_cores=False):
    """The median images/s of a run's timed rounds, from its times (the stored figures are rounded);
    `both_cores`: of the rounds that kept both cores busy only (None if it has none, or no record of cores)."""
    if run is None or "error" in run or not run.get("seconds"):
        return None
    images = run.get("images", images)
    seconds = run["seconds"]
    if both_cores:
        seconds = [s for s, c in zip(seconds, run.get("cores", [])) if c > BOTH_CORES]
        if not seconds:
            return None
    elif images is None:
        return float(run["median_images_per_second"])
    return statistics.median(images / s for s in seconds)


def _both_cores_ratio(own, peer, images):
    """kerasgen / peer from the epochs of each that ran on both cores, as text ("-" when either has none)."""
    mine, theirs = _speed(own, images, both_cores=True), _speed(peer, images, both_cores=True)
    return f"{mine / theirs:.2f}x" if mine and theirs else "-"


def _fmt(value, digits=0):
    return "-" if value is None else f"{value:,.{digits}f}"


def _fmt_sig(value):
    return "-" if value is None else f"{value:,.3g}"


def report(args):
    if not os.path.isfile(args.out):
        raise SystemExit(f"error: {args.out} does not exist; run python benchmarks/speed.py first.")
    with open(args.out) as f:
        result = json.load(f)
    if result.get("benchmark") != "speed":
        raise SystemExit(f"error: {args.out} is not a speed benchmark result.")
    if "parts" not in result:  # written before sampling was measured: one training part
        result = {"benchmark": "speed", "parts": {"training": result}}
    write_section(args.benchmarks_md, BEGIN, END, section(result))
    print(f"wrote the speed section of {args.benchmarks_md}")


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.worker:
        return worker(args)
    if args.report:
        return report(args)
    drive(args)
    if os.path.abspath(args.out) == RESULTS or args.benchmarks_md != os.path.join(ROOT, "BENCHMARKS.md"):
        report(args)
    else:  # a trial run to another file leaves the repository's BENCHMARKS.md alone
        print(f"results in {args.out}; BENCHMARKS.md not written (--report --out {args.out} writes it)")


if __name__ == "__main__":
    main()
