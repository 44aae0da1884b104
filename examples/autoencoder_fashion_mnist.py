"""Train an autoencoder and a denoising autoencoder on Fashion-MNIST; compare what they learned.

Writes to --out: reconstructions.png (rows: test images, the autoencoder's
reconstructions, noisy copies, the denoising autoencoder's outputs for the
noisy copies), metrics.json (test reconstruction error of both models on
clean and noisy inputs, and the linear-probe accuracy of each model's codes,
from kerasgen.evaluate) and the two models as .keras files.

    KERAS_BACKEND=tensorflow python examples/autoencoder_fashion_mnist.py --out outputs/autoencoders

Budget: the defaults (5 epochs of 60,000 images, batch 128, conv networks,
32-d codes) take a few minutes per model on 2 CPU cores under TensorFlow.
`--train-images 2048 --epochs 1` is a smoke run of seconds.
"""

import argparse
import json
import os
import time

import numpy as np

# Settings (all overridable on the command line).
EPOCHS = 5
BATCH_SIZE = 128
LATENT_DIM = 32
NOISE_LEVEL = 0.4  # Gaussian corruption of the denoising autoencoder, std in [0, 1] pixel units
LEARNING_RATE = 1e-3
ROWS = 10  # test images shown
SEED = 0
OUTPUT_NAMES = ("reconstructions.png", "metrics.json", "autoencoder.keras", "denoising_autoencoder.keras")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="outputs/autoencoder_fashion_mnist")
    p.add_argument("--epochs", type=int, default=EPOCHS)
    p.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    p.add_argument("--latent-dim", type=int, default=LATENT_DIM)
    p.add_argument("--noise-level", type=float, default=NOISE_LEVEL)
    p.add_argument("--train-images", type=int, default=None, help="use only the first N training images")
    p.add_argument("--test-images", type=int, default=2000, help="test images measured")
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--data-dir", default=None)
    p.add_argument("--overwrite", action="store_true", help="replace files in an existing --out")
    p.add_argument("--verbose", type=int, default=2)
    args = p.parse_args(argv)
    for name in ("epochs", "batch_size", "latent_dim", "test_images"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if not 0 < args.noise_level < 1:
        p.error(f"--noise-level must be in (0, 1); got {args.noise_level}")
    return args


def main(argv=None):
    args = parse_args(argv)
    existing = [n for n in OUTPUT_NAMES if os.path.exists(os.path.join(args.out, n))]
    if existing and not args.overwrite:
        raise SystemExit(f"error: {args.out} already holds {', '.join(existing)}; pass --overwrite "
                         "or choose another --out.")
    os.makedirs(args.out, exist_ok=True)

    import keras
    import kerasgen
    from kerasgen.data import load, pipeline
    from kerasgen.utils import save_image_grid

    keras.utils.set_random_seed(args.seed)
    fmt = kerasgen.data.ImageFormat(scale="unit")  # the autoencoders' (and their default): x / 255
    train = pipeline("fashion_mnist", batch_size=args.batch_size, image_format=fmt, seed=args.seed,
                     data_dir=args.data_dir, take=args.train_images)
    x_test, y_test = load("fashion_mnist", split="test", data_dir=args.data_dir)
    x_test, y_test = fmt.convert(x_test[: args.test_images]), y_test[: args.test_images]
    # Clipped so that the noisy copies are images; the model's own corruption is not clipped.
    noisy = np.clip(x_test + np.random.default_rng(0).normal(0, args.noise_level, x_test.shape), 0, 1)
    noisy = noisy.astype("float32")

    models = {
        "autoencoder": kerasgen.models.Autoencoder(latent_dim=args.latent_dim, seed=args.seed),
        "denoising_autoencoder": kerasgen.models.DenoisingAutoencoder(
            latent_dim=args.latent_dim, corruption="gaussian", noise_level=args.noise_level, seed=args.seed),
    }
    # The error of always answering the mean test image: what a model must beat.
    metrics = {"test_images": len(x_test), "noise_level": args.noise_level,
               "mse_of_the_mean_image": float(np.mean((x_test - x_test.mean(0)) ** 2))}
    for name, model in models.items():
        model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE))
        start = time.time()
        model.fit(train, epochs=args.epochs, verbose=args.verbose)
        seconds = time.time() - start
        # The probe trains on the first half of the test images and is scored on the second.
        result = kerasgen.evaluate(model, x_test, y_test)
        metrics[name] = {
            "train_seconds": round(seconds, 1),
            "mse_clean": float(np.mean((model.reconstruct(x_test) - x_test) ** 2)),
            "mse_noisy_to_clean": float(np.mean((model.reconstruct(noisy) - x_test) ** 2)),
            "probe_accuracy": result["probe_accuracy"],
        }
        model.save(os.path.join(args.out, f"{name}.keras"))

    rows = min(ROWS, len(x_test))
    grid = np.concatenate([x_test[:rows], models["autoencoder"].reconstruct(x_test[:rows]), noisy[:rows],
                           models["denoising_autoencoder"].reconstruct(noisy[:rows])])
    save_image_grid(grid, os.path.join(args.out, "reconstructions.png"), rows=4, scale=2,
                    overwrite=args.overwrite)
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
    print(json.dumps(metrics, indent=2))
    return metrics


if __name__ == "__main__":
    main()
