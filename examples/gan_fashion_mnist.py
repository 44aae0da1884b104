"""Train a DCGAN or a conditional GAN on Fashion-MNIST and measure its class coverage.

Writes to --out: samples_epoch001.png, ... (a fixed latent batch, every epoch;
for the conditional GAN, ten per class, one class per row), class_grid.png
(conditional: each row one latent, each column one class),
class_interpolation.png (conditional: one latent per row while the class
weights move from one class to another), interpolation.png (spherical
interpolation between latents), metrics.json and gan.keras.

Class coverage: a small CNN classifier is trained on Fashion-MNIST here and
labels 1,000 generated images; metrics.json holds its test accuracy, the class
histogram of the samples, how many classes they reach, and (conditional GAN)
how often the classifier agrees with the class that was asked for.

    KERAS_BACKEND=jax python examples/gan_fashion_mnist.py --model conditional --epochs 5
"""

import argparse
import json
import os
import sys
import time

import numpy as np

# Settings (all overridable on the command line).
MODEL = "dcgan"
EPOCHS = 5
BATCH_SIZE = 128
LATENT_DIM = 64
BASE_FILTERS = 32
NUM_SAMPLES = 1000
SEED = 0


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", choices=["dcgan", "conditional"], default=MODEL)
    p.add_argument("--out", default=None, help="output folder (default outputs/<model>_fashion_mnist)")
    p.add_argument("--epochs", type=int, default=EPOCHS)
    p.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    p.add_argument("--latent-dim", type=int, default=LATENT_DIM)
    p.add_argument("--base-filters", type=int, default=BASE_FILTERS)
    p.add_argument("--loss", default="non_saturating", help="minimax, non_saturating, hinge or least_squares")
    p.add_argument("--spectral-norm", action="store_true", help="spectral normalization in D")
    p.add_argument("--train-images", type=int, default=None, help="use only the first N training images")
    p.add_argument("--classifier-epochs", type=int, default=2)
    p.add_argument("--classifier-images", type=int, default=None, help="train it on the first N images")
    p.add_argument("--num-samples", type=int, default=NUM_SAMPLES, help="generated images to classify")
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--data-dir", default=None, help="folder of Fashion-MNIST IDX files")
    p.add_argument("--overwrite", action="store_true", help="replace files in an existing --out")
    p.add_argument("--verbose", type=int, default=2)
    return p.parse_args(argv)


def train_classifier(x, y, x_test, y_test, epochs, seed):
    """A small CNN on [-1, 1] images; returns (model, test accuracy)."""
    import keras

    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(32, 3, strides=2, padding="same", activation="relu"),
        keras.layers.Conv2D(64, 3, strides=2, padding="same", activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(10),
    ])
    model.compile(optimizer="adam", metrics=["accuracy"],
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, batch_size=128, epochs=epochs, verbose=0)
    return model, float(model.evaluate(x_test, y_test, batch_size=500, verbose=0)[1])


def main(argv=None):
    args = parse_args(argv)
    out = args.out or f"outputs/{args.model}_fashion_mnist"
    final = ["class_grid.png", "class_interpolation.png", "interpolation.png", "metrics.json", "gan.keras"]
    clash = [n for n in final if os.path.exists(os.path.join(out, n))]
    if clash and not args.overwrite:
        raise SystemExit(f"error: {out} already holds {', '.join(clash)}; pass --overwrite or another --out.")
    os.makedirs(out, exist_ok=True)

    import keras
    import kerasgen
    from kerasgen.callbacks import SampleGrid
    from kerasgen.data import load, pipeline
    from kerasgen.metrics import class_coverage
    from kerasgen.utils import save_image_grid

    conditional = args.model == "conditional"
    keras.utils.set_random_seed(args.seed)
    common = dict(image_shape=(28, 28, 1), latent_dim=args.latent_dim, base_filters=args.base_filters,
                  loss=args.loss, spectral_norm=args.spectral_norm, seed=args.seed)
    if conditional:
        gan = kerasgen.models.ConditionalGAN(num_classes=10, **common)
        grid_labels = np.repeat(np.arange(10), 10)
    else:
        gan = kerasgen.models.DCGAN(**common)
        grid_labels = None
    gan.compile()
    # The GAN's own format (x / 127.5 - 1, in [-1, 1]) prepares the data and maps samples back to pictures.
    train = pipeline("fashion_mnist", batch_size=args.batch_size, image_format=gan, labels=conditional,
                     seed=args.seed, data_dir=args.data_dir, take=args.train_images)
    grids = SampleGrid(os.path.join(out, "samples_epoch{epoch:03d}.png"), num_images=100, rows=10,
                       seed=args.seed, labels=grid_labels, overwrite=args.overwrite)
    start = time.time()
    history = gan.fit(train, epochs=args.epochs, callbacks=[grids], verbose=args.verbose)
    train_seconds = time.time() - start

    to_unit = gan.image_format.to_unit
    z = gan.latents(8, seed=args.seed + 1)
    if conditional:
        rows = np.repeat(z, 10, axis=0)
        save_image_grid(to_unit(gan.generate(rows, labels=np.tile(np.arange(10), 8))),
                        os.path.join(out, "class_grid.png"), rows=8, scale=2, overwrite=args.overwrite)
        pairs = [(0, 9), (1, 3), (5, 7), (2, 4), (8, 6)]  # t-shirt->boot, trouser->dress, ...
        morphs = np.stack([gan.interpolate_classes(z[i], a, b, steps=10) for i, (a, b) in enumerate(pairs)])
        save_image_grid(to_unit(morphs), os.path.join(out, "class_interpolation.png"), scale=2,
                        overwrite=args.overwrite)
    path = gan.interpolate(z[:4], z[4:], steps=10, labels=np.array([0, 1, 7, 8]) if conditional else None)
    save_image_grid(to_unit(path), os.path.join(out, "interpolation.png"), scale=2, overwrite=args.overwrite)
    gan.save(os.path.join(out, "gan.keras"))

    x, y = load("fashion_mnist", split="train", data_dir=args.data_dir)
    x_test, y_test = load("fashion_mnist", split="test", data_dir=args.data_dir)
    scale = gan.image_format.convert
    n = args.classifier_images
    classifier, accuracy = train_classifier(scale(x[:n]), y[:n], scale(x_test), y_test, args.classifier_epochs, args.seed)
    asked = np.arange(args.num_samples) % 10 if conditional else None
    samples = gan.sample(args.num_samples, labels=asked, seed=args.seed + 2)
    predicted = np.argmax(classifier.predict(samples, batch_size=500, verbose=0), axis=-1)
    coverage = class_coverage(predicted, 10)

    metrics = {
        "model": type(gan).__name__,
        "dataset": "fashion_mnist (scaled to [-1, 1])",
        "backend": keras.backend.backend(),
        "versions": {"kerasgen": kerasgen.__version__, "keras": keras.__version__},
        "command": "python " + " ".join([sys.argv[0]] + list(argv if argv is not None else sys.argv[1:])),
        "epochs": args.epochs,
        "train_seconds": round(train_seconds, 1),
        "last_epoch": {k: float(v[-1]) for k, v in history.history.items()},
        "classifier_test_accuracy": accuracy,
        "class_coverage": {**coverage, "num_samples": args.num_samples,
                           "note": "classes of generated images by a small CNN trained here; not an FID"},
    }
    if conditional:
        metrics["class_coverage"]["agreement_with_requested_class"] = float(np.mean(predicted == asked))
    with open(os.path.join(out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
    print(json.dumps({k: metrics[k] for k in ("classifier_test_accuracy", "class_coverage")}, indent=2))
    print(f"wrote {len(grids.written)} epoch grids and {', '.join(final)} to {out}")
    return metrics


if __name__ == "__main__":
    main()
