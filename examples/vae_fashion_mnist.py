"""Train a convolutional VAE on Fashion-MNIST and write what it learned.

Writes to --out: samples.png, reconstructions.png (test images above their
reconstructions), traversal.png (each row moves one latent dimension),
interpolation.png, metrics.json (test ELBO terms and the importance-weighted
NLL in nats and bits/dim) and vae.keras.

    KERAS_BACKEND=jax python examples/vae_fashion_mnist.py --epochs 5 --out outputs/vae

Binarization: training images are binarized afresh every epoch (dynamic
binarization); test images once, with NumPy seed 0, so every run and every
backend is scored on the same binary test set.
"""

import argparse
import json
import os
import platform
import sys
import time

import numpy as np

# Settings (all overridable on the command line).
EPOCHS = 5
BATCH_SIZE = 128
LATENT_DIM = 16
LEARNING_RATE = 1e-3
NLL_IMAGES = 1000  # test images scored by importance sampling
NLL_SAMPLES = 100  # importance samples per image
SEED = 0


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="outputs/vae_fashion_mnist", help="output folder (must be new or empty)")
    p.add_argument("--epochs", type=int, default=EPOCHS)
    p.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    p.add_argument("--latent-dim", type=int, default=LATENT_DIM)
    p.add_argument("--learning-rate", type=float, default=LEARNING_RATE)
    p.add_argument("--train-images", type=int, default=None, help="use only the first N training images")
    p.add_argument("--test-images", type=int, default=None, help="use only the first N test images")
    p.add_argument("--nll-images", type=int, default=NLL_IMAGES)
    p.add_argument("--nll-samples", type=int, default=NLL_SAMPLES)
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--data-dir", default=None, help="folder of Fashion-MNIST IDX files")
    p.add_argument("--overwrite", action="store_true", help="replace files in an existing --out")
    p.add_argument("--verbose", type=int, default=2, help="Keras fit verbosity: 0, 1 or 2")
    return p.parse_args(argv)


def prepare_output(out, overwrite):
    names = ["samples.png", "reconstructions.png", "traversal.png", "interpolation.png",
             "metrics.json", "vae.keras"]
    existing = [n for n in names if os.path.exists(os.path.join(out, n))]
    if existing and not overwrite:
        raise SystemExit(
            f"error: {out} already holds {', '.join(existing)}; pass --overwrite to replace "
            "them or choose another --out."
        )
    os.makedirs(out, exist_ok=True)
    return {n: os.path.join(out, n) for n in names}


def main(argv=None):
    args = parse_args(argv)
    paths = prepare_output(args.out, args.overwrite)

    import keras
    import kerasgen
    from kerasgen.data import load, pipeline
    from kerasgen.utils import save_image_grid

    keras.utils.set_random_seed(args.seed)
    vae = kerasgen.models.VAE(image_shape=(28, 28, 1), latent_dim=args.latent_dim, seed=args.seed)
    # The VAE's format (a Bernoulli decoder's: binarized pixels), afresh each epoch; the test images once, seed 0.
    train = pipeline("fashion_mnist", split="train", batch_size=args.batch_size, image_format=vae,
                     seed=args.seed, data_dir=args.data_dir, take=args.train_images)
    x_test, y_test = load("fashion_mnist", split="test", data_dir=args.data_dir)
    x_test = vae.image_format.convert(x_test[: args.test_images], seed=0)
    vae.compile(optimizer=keras.optimizers.Adam(args.learning_rate))
    start = time.time()
    history = vae.fit(train, epochs=args.epochs, verbose=args.verbose)
    train_seconds = time.time() - start

    test = vae.evaluate(x_test, batch_size=500, verbose=0, return_dict=True)
    start = time.time()
    nll = vae.evaluate_nll(x_test[: args.nll_images], num_samples=args.nll_samples, seed=args.seed, verbose=1)
    nll_seconds = time.time() - start

    save_image_grid(vae.sample(64, seed=args.seed), paths["samples.png"], rows=8, scale=3,
                    overwrite=args.overwrite)
    pairs = np.stack([x_test[:16], vae.reconstruct(x_test[:16])])
    save_image_grid(pairs, paths["reconstructions.png"], scale=3, overwrite=args.overwrite)
    dims = np.argsort(-np.var(vae.encode(x_test[:1000]), axis=0))[:8]  # the most used dimensions
    traversal = np.stack([vae.traverse(x_test[0], int(d), np.linspace(-2.5, 2.5, 9)) for d in dims])
    save_image_grid(traversal, paths["traversal.png"], scale=3, overwrite=args.overwrite)
    ends = [np.flatnonzero(y_test[: len(x_test)] == c)[0] for c in (0, 7, 1, 8, 5, 9)]
    path = vae.interpolate(x_test[ends[:3]], x_test[ends[3:]], steps=10)
    save_image_grid(path, paths["interpolation.png"], scale=3, overwrite=args.overwrite)
    vae.save(paths["vae.keras"])

    metrics = {
        "model": "VAE (conv, Bernoulli decoder)",
        "dataset": "fashion_mnist",
        "binarization": "train: dynamic (fresh Bernoulli draw per epoch); test: once, numpy seed 0",
        "backend": keras.backend.backend(),
        "versions": {"kerasgen": kerasgen.__version__, "keras": keras.__version__,
                     "python": platform.python_version()},
        "command": "python " + " ".join([sys.argv[0]] + list(argv if argv is not None else sys.argv[1:])),
        "epochs": args.epochs,
        "latent_dim": args.latent_dim,
        "train_seconds": round(train_seconds, 1),
        "train_loss_per_epoch": [round(v, 4) for v in history.history["loss"]],
        "test": {
            "num_images": int(len(x_test)),
            "reconstruction_nats": test["reconstruction"],
            "kl_nats": test["kl"],
            "negative_elbo_nats": test["loss"],
            "negative_elbo_bits_per_dim": float(kerasgen.losses.bits_per_dim(test["loss"], 784)),
        },
        "test_nll": {**nll, "num_samples": args.nll_samples, "seconds": round(nll_seconds, 1),
                     "note": "importance-weighted bound (IWAE), an upper bound on the true NLL"},
    }
    with open(paths["metrics.json"], "w") as f:
        json.dump(metrics, f, indent=2)
    print(json.dumps({"test": metrics["test"], "test_nll": metrics["test_nll"]}, indent=2))
    print(f"wrote {', '.join(sorted(paths))} to {args.out}")
    return metrics


if __name__ == "__main__":
    main()
