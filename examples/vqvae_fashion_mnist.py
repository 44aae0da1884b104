"""Train a VQ-VAE and its autoregressive prior on binarized Fashion-MNIST, then sample from it.

Stage one learns a 7x7 grid of discrete codes per image (nearest-codebook
quantization, EMA codebook); stage two fits a Gated PixelCNN over the code
grids (VQVAE.fit_prior); samples are code grids drawn from the prior and
decoded. Writes to --out: reconstructions.png (test images over their
reconstructions), samples.png, metrics.json (codebook perplexity and usage,
test reconstruction error, the prior's NLL of the test codes in nats and
bits per code) and vqvae.keras.

    KERAS_BACKEND=tensorflow python examples/vqvae_fashion_mnist.py --out outputs/vqvae
    python examples/vqvae_fashion_mnist.py --from-preset vqvae_fashion_mnist --out outputs/vqvae_zoo

--from-preset skips both stages and uses a zoo preset (kerasgen.list_presets("vqvae")).
Budget: the defaults (3 + 3 epochs) take about 5 minutes on 2 CPU cores
under TensorFlow; `--train-images 1024 --epochs 1 --prior-epochs 1` is a smoke run.
"""

import argparse
import json
import math
import os
import time

import numpy as np

# Settings (all overridable on the command line).
EPOCHS = 3
PRIOR_EPOCHS = 3
BATCH_SIZE = 128
NUM_CODES = 64
CODE_DIM = 16
LEARNING_RATE = 1e-3
SAMPLES = 64
SEED = 0
OUTPUT_NAMES = ("reconstructions.png", "samples.png", "metrics.json", "vqvae.keras")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="outputs/vqvae_fashion_mnist")
    p.add_argument("--from-preset", default=None, help="a zoo preset (or folder) instead of training")
    p.add_argument("--epochs", type=int, default=EPOCHS)
    p.add_argument("--prior-epochs", type=int, default=PRIOR_EPOCHS)
    p.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    p.add_argument("--num-codes", type=int, default=NUM_CODES)
    p.add_argument("--train-images", type=int, default=None, help="use only the first N training images")
    p.add_argument("--test-images", type=int, default=1000)
    p.add_argument("--samples", type=int, default=SAMPLES)
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--data-dir", default=None)
    p.add_argument("--overwrite", action="store_true")
    p.add_argument("--verbose", type=int, default=2)
    args = p.parse_args(argv)
    for name in ("epochs", "prior_epochs", "batch_size", "num_codes", "test_images", "samples"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
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
    x_test, _ = load("fashion_mnist", split="test", data_dir=args.data_dir)
    metrics = {}
    start = time.time()
    if args.from_preset:
        vq = kerasgen.models.VQVAE.from_preset(args.from_preset)
        metrics["preset"] = args.from_preset
    else:
        vq = kerasgen.models.VQVAE(num_codes=args.num_codes, code_dim=CODE_DIM, seed=args.seed)
        vq.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE))
        # The VQ-VAE's format (binarized pixels, for its Bernoulli decoder), afresh each epoch.
        train = pipeline("fashion_mnist", batch_size=args.batch_size, image_format=vq, seed=args.seed,
                         data_dir=args.data_dir, take=args.train_images)
        history = vq.fit(train, epochs=args.epochs, verbose=args.verbose)
        metrics["train_perplexity"] = history.history["perplexity"][-1]
        metrics["train_codebook_usage"] = history.history["usage"][-1]
        x_train, _ = load("fashion_mnist", split="train", data_dir=args.data_dir)
        x_train = x_train[: args.train_images]
        x_train = vq.image_format.convert(x_train, seed=args.seed)
        vq.fit_prior(x_train, epochs=args.prior_epochs, batch_size=64, learning_rate=LEARNING_RATE,
                     filters=32, num_layers=4, verbose=args.verbose)
        metrics["train_seconds"] = round(time.time() - start, 1)

    x_test = vq.image_format.convert(x_test[: args.test_images], seed=0)  # drawn once, the same on every run
    metrics["test_images"] = len(x_test)
    codes = vq.encode(x_test)
    counts = np.bincount(codes.reshape(-1), minlength=vq.num_codes) / codes.size
    used = counts[counts > 0]
    prior_nll = vq.prior.evaluate_nll(codes[..., None].astype("float32"))
    metrics.update({
        "test_perplexity": float(np.exp(-np.sum(used * np.log(used)))),
        "test_codes_used": int(np.count_nonzero(counts)),
        "num_codes": vq.num_codes,
        "test_reconstruction_mse": float(np.mean((vq.reconstruct(x_test) - x_test) ** 2)),
        "prior_nll_nats_per_image": prior_nll["nll_nats"],
        "prior_bits_per_code": prior_nll["nll_nats"] / (codes[0].size * math.log(2)),
    })
    rows = min(10, len(x_test))
    save_image_grid(np.concatenate([x_test[:rows], vq.reconstruct(x_test[:rows])]),
                    os.path.join(args.out, "reconstructions.png"), rows=2, scale=2, overwrite=args.overwrite)
    save_image_grid(vq.sample(args.samples, seed=args.seed), os.path.join(args.out, "samples.png"),
                    scale=2, overwrite=args.overwrite)
    vq.save(os.path.join(args.out, "vqvae.keras"))
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
    print(json.dumps(metrics, indent=2))
    return metrics


if __name__ == "__main__":
    main()
