"""Train a class-conditional Gated PixelCNN on binarized Fashion-MNIST and write what it learned.

Writes to --out: samples.png (one row per class, drawn with cached sampling),
completions.png (test images whose lower halves the model fills in: a row of
originals, a row of the upper halves it is given, the unknown lower half grey,
then one row of completions per seed), metrics.json (the exact test NLL,
log p(x | class), in nats and bits/dim, with timings) and gated_pixelcnn.keras.

    KERAS_BACKEND=tensorflow python examples/gated_pixelcnn_fashion_mnist.py --out outputs/gated_pixelcnn

Budget: the defaults (3 epochs of the 60,000 training images, batches of 64,
filters 32, 5 gated layers) were sized for 2 CPU cores. Measured there under
TensorFlow a training step takes 0.5-0.7 s, so an epoch is about 8-11 minutes
and the whole run about 30 minutes (the test NLL on 10,000 images, about a
minute, and the sampling, seconds, included). JAX took about twice as long
per step; PyTorch was slower still in those probes, and slows down most when
another process competes for the cores. `--epochs 1` gives a rough model in
about 10 minutes; `--train-images`, `--test-images` and smaller `--filters` /
`--num-layers` give a smoke run in seconds.

Binarization: training images are binarized afresh every epoch (dynamic
binarization); test images once, with NumPy seed 0, so every run and every
backend is scored on the same binary test set. A Bernoulli model's NLL on
binary pixels is a true likelihood: a model that knew nothing (p = 1/2 for
every pixel) would score 784 ln 2 = 543.4 nats, 1 bit/dim.
"""

import argparse
import importlib
import json
import math
import os
import platform
import sys
import time

import numpy as np

# Settings (all overridable on the command line).
EPOCHS = 3
BATCH_SIZE = 64
FILTERS = 32
NUM_LAYERS = 5
KERNEL_SIZE = 5
LEARNING_RATE = 1e-3
NLL_IMAGES = 10000  # test images scored (exact likelihood), at most --test-images
SAMPLES_PER_CLASS = 10  # columns of samples.png
COMPLETION_SEEDS = 3  # completion rows in completions.png
SEED = 0
GRID_SCALE = 2  # each pixel of a grid becomes GRID_SCALE x GRID_SCALE
GRID_PADDING = 1
NUM_CLASSES = 10
CLASS_NAMES = ("t-shirt/top", "trouser", "pullover", "dress", "coat",
               "sandal", "shirt", "sneaker", "bag", "ankle boot")
OUTPUT_NAMES = ("samples.png", "completions.png", "metrics.json", "gated_pixelcnn.keras")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="outputs/gated_pixelcnn_fashion_mnist",
                   help="output folder (must not hold an earlier run's files unless --overwrite)")
    p.add_argument("--epochs", type=int, default=EPOCHS)
    p.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    p.add_argument("--filters", type=int, default=FILTERS, help="features per stack")
    p.add_argument("--num-layers", type=int, default=NUM_LAYERS, help="gated layers")
    p.add_argument("--kernel-size", type=int, default=KERNEL_SIZE, help="odd, >= 3")
    p.add_argument("--learning-rate", type=float, default=LEARNING_RATE)
    p.add_argument("--train-images", type=int, default=None, help="use only the first N training images")
    p.add_argument("--test-images", type=int, default=None, help="use only the first N test images")
    p.add_argument("--nll-images", type=int, default=NLL_IMAGES, help="test images whose NLL is measured")
    p.add_argument("--samples-per-class", type=int, default=SAMPLES_PER_CLASS)
    p.add_argument("--completion-seeds", type=int, default=COMPLETION_SEEDS)
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--data-dir", default=None, help="folder of Fashion-MNIST IDX files")
    p.add_argument("--overwrite", action="store_true", help="replace files in an existing --out")
    p.add_argument("--verbose", type=int, default=2, help="Keras fit verbosity: 0, 1 or 2")
    args = p.parse_args(argv)
    for name in ("epochs", "batch_size", "nll_images", "samples_per_class", "completion_seeds"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    return args


def prepare_output(out, overwrite):
    existing = [n for n in OUTPUT_NAMES if os.path.exists(os.path.join(out, n))]
    if existing and not overwrite:
        raise SystemExit(
            f"error: {out} already holds {', '.join(existing)}; pass --overwrite to replace "
            "them or choose another --out."
        )
    os.makedirs(out, exist_ok=True)
    return {n: os.path.join(out, n) for n in OUTPUT_NAMES}


def backend_version(keras):
    """The version of the library behind KERAS_BACKEND."""
    name = keras.backend.backend()
    return importlib.import_module(name).__version__


def completion_columns(labels, count=NUM_CLASSES):
    """Indices of the first test image of each class present, in class order."""
    firsts = [np.flatnonzero(labels == c) for c in range(count)]
    return np.array([f[0] for f in firsts if len(f)], dtype="int64")


def upper_half_mask(height, width):
    """1 on the rows the model is given (the upper half), 0 below."""
    mask = np.zeros((height, width), "float32")
    mask[: height // 2] = 1.0
    return mask


def main(argv=None):
    args = parse_args(argv)
    paths = prepare_output(args.out, args.overwrite)

    import keras
    import kerasgen
    from kerasgen.data import load, pipeline
    from kerasgen.utils import save_image_grid

    keras.utils.set_random_seed(args.seed)
    model = kerasgen.models.GatedPixelCNN(
        image_shape=(28, 28, 1), likelihood="bernoulli", filters=args.filters,
        num_layers=args.num_layers, kernel_size=args.kernel_size, num_classes=NUM_CLASSES, seed=args.seed,
    )
    # The model's format, binarized pixels: Bernoulli(x / 255) afresh each epoch, the test images once (seed 0).
    train = pipeline("fashion_mnist", split="train", batch_size=args.batch_size, image_format=model,
                     labels=True, seed=args.seed, data_dir=args.data_dir, take=args.train_images)
    x_test, y_test = load("fashion_mnist", split="test", data_dir=args.data_dir)
    x_test, y_test = model.image_format.convert(x_test[: args.test_images], seed=0), y_test[: args.test_images]
    model.compile(optimizer=keras.optimizers.Adam(args.learning_rate))
    start = time.time()
    history = model.fit(train, epochs=args.epochs, verbose=args.verbose)
    train_seconds = time.time() - start

    n_nll = min(args.nll_images, len(x_test))
    start = time.time()
    nll = model.evaluate_nll(x_test[:n_nll], labels=y_test[:n_nll], verbose=int(args.verbose == 1))
    nll_seconds = time.time() - start

    # samples.png: row c holds class c.
    k = args.samples_per_class
    start = time.time()
    samples = model.sample(NUM_CLASSES * k, labels=np.repeat(np.arange(NUM_CLASSES), k),
                           seed=args.seed, method="cached")
    sample_seconds = time.time() - start
    save_image_grid(samples.reshape((NUM_CLASSES, k) + samples.shape[1:]), paths["samples.png"],
                    padding=GRID_PADDING, scale=GRID_SCALE, overwrite=args.overwrite)

    # completions.png: originals, the given upper halves (unknown pixels grey), then a row per seed.
    columns = completion_columns(y_test)
    originals, labels = x_test[columns], y_test[columns]
    mask = upper_half_mask(28, 28)
    given = np.where(mask[None, :, :, None] > 0, originals, 0.5)
    start = time.time()
    completions = [model.complete(originals, mask, labels=labels, seed=args.seed + 1 + s, method="cached")
                   for s in range(args.completion_seeds)]
    completion_seconds = time.time() - start
    if any(not np.array_equal(c[:, :14], originals[:, :14]) for c in completions):
        raise RuntimeError("complete() changed the given upper halves; this is a kerasgen bug.")
    save_image_grid(np.stack([originals, given] + completions), paths["completions.png"],
                    padding=GRID_PADDING, scale=GRID_SCALE, overwrite=args.overwrite)
    model.save(paths["gated_pixelcnn.keras"])

    metrics = {
        "model": "GatedPixelCNN (class-conditional, Bernoulli)",
        "dataset": "fashion_mnist",
        "binarization": "train: dynamic (fresh Bernoulli draw per epoch); test: once, numpy seed 0",
        "backend": keras.backend.backend(),
        "versions": {"kerasgen": kerasgen.__version__, "keras": keras.__version__,
                     keras.backend.backend(): backend_version(keras), "numpy": np.__version__,
                     "python": platform.python_version()},
        "command": "python " + " ".join([sys.argv[0]] + list(argv if argv is not None else sys.argv[1:])),
        "settings": {"epochs": args.epochs, "batch_size": args.batch_size, "filters": args.filters,
                     "num_layers": args.num_layers, "kernel_size": args.kernel_size,
                     "learning_rate": args.learning_rate, "seed": args.seed,
                     "train_images": args.train_images or 60000},
        "parameters": int(model.count_params()),
        "train_seconds": round(train_seconds, 1),
        "train_per_epoch": {name: [round(float(v), 4) for v in history.history[name]]
                            for name in ("loss", "bits_per_dim")},
        "test_nll": {**nll, "seconds": round(nll_seconds, 1),
                     "note": "exact -log p(x | class) with the true labels, per image",
                     "uniform_nats": 784 * math.log(2)},
        "sampling": {"samples": NUM_CLASSES * k, "method": "cached", "seconds": round(sample_seconds, 1),
                     "completion_images": int(len(columns)), "completion_seeds": args.completion_seeds,
                     "completion_seconds": round(completion_seconds, 1)},
        "completion_columns": [CLASS_NAMES[int(c)] for c in labels],
    }
    with open(paths["metrics.json"], "w") as f:
        json.dump(metrics, f, indent=2)
    print(json.dumps({"test_nll": metrics["test_nll"]}, indent=2))
    print(f"wrote {', '.join(OUTPUT_NAMES)} to {args.out}")
    return metrics


if __name__ == "__main__":
    main()
