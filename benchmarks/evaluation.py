"""Train one model of each family on Fashion-MNIST and measure it with kerasgen.evaluate.

    KERAS_BACKEND=tensorflow python benchmarks/evaluation.py

Every model trains for a fixed budget of --steps optimizer steps of
--batch-size images (the VQ-VAE's prior gets --prior-steps more), then is
measured on the first --test-images Fashion-MNIST test images; the reference
of the typicality test and the probes' training set are --test-images
images from the last 10,000 training images (which the evaluation
classifier did not see either). What is measured:

- NLL in nats and bits/dim where the model has a likelihood (exact for the
  autoregressive models; the IWAE bound with --iwae-samples for the VAE), on
  test images binarized once (rng.random < x / 255, NumPy seed 0);
- FID, KID, precision/recall, Inception Score and class coverage of
  --num-samples generated images (--num-samples-pixelrnn for PixelRNN,
  whose sampling has no cache), on the features of the zoo's
  fashion_mnist_classifier: NOT Inception metrics, not comparable with
  published values; the floor (test vs held-out training images) is in the
  classifier's metadata;
- OOD AUROC of the likelihood (VAE: its ELBO) against noise, upside-down
  and inverted test images and scikit-learn digits resized to 28x28, raw
  and with the typicality-test correction;
- linear-probe accuracy on encoder features (autoencoders, VAE, VQ-VAE).

Binary models (VAE, PixelCNNs, PixelRNN, VQ-VAE) train on dynamically
binarized images, the autoencoders on x / 255, the GANs on x / 127.5 - 1.
The budget is small (a CPU machine): the numbers compare the families at
that budget and are far from converged.

Writes --results-dir/evaluation_<backend>.json, rewritten after each model;
benchmarks/report.py puts the table into BENCHMARKS.md.
"""

import argparse
import datetime
import json
import os
import platform
import sys
import time

import numpy as np

STEPS, PRIOR_STEPS, BATCH_SIZE, TEST_IMAGES = 600, 400, 64, 2000
NUM_SAMPLES, NUM_SAMPLES_PIXELRNN, IWAE_SAMPLES, LEARNING_RATE = 1000, 64, 50, 1e-3
MODELS = ("autoencoder", "denoising_autoencoder", "vae", "conditional_vae", "dcgan", "conditional_gan",
          "gated_pixelcnn", "pixelrnn_row_lstm", "vqvae")


def build(name, kerasgen):
    """The model benchmarked under each name (it owns its data format); sizes small enough for a CPU."""
    m = kerasgen.models
    if name == "autoencoder":
        return m.Autoencoder(latent_dim=32, seed=0)
    if name == "denoising_autoencoder":
        return m.DenoisingAutoencoder(latent_dim=32, seed=0)
    if name == "vae":
        return m.VAE(latent_dim=16, seed=0)
    if name == "conditional_vae":
        return m.ConditionalVAE(num_classes=10, latent_dim=16, seed=0)
    if name == "dcgan":
        return m.DCGAN(latent_dim=64, base_filters=32, seed=0)
    if name == "conditional_gan":
        return m.ConditionalGAN(num_classes=10, architecture="dcgan", latent_dim=64, base_filters=32,
                                seed=0)
    if name == "gated_pixelcnn":
        return m.GatedPixelCNN(filters=32, num_layers=5, seed=0)
    if name == "pixelrnn_row_lstm":
        return m.PixelRNN(kind="row_lstm", units=32, num_layers=2, seed=0)
    if name == "vqvae":
        return m.VQVAE(num_codes=64, code_dim=16, seed=0)
    raise ValueError(name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--steps", type=int, default=STEPS)
    parser.add_argument("--prior-steps", type=int, default=PRIOR_STEPS)
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    parser.add_argument("--learning-rate", type=float, default=LEARNING_RATE, help="Adam, all but the GANs")
    parser.add_argument("--test-images", type=int, default=TEST_IMAGES)
    parser.add_argument("--num-samples", type=int, default=NUM_SAMPLES)
    parser.add_argument("--num-samples-pixelrnn", type=int, default=NUM_SAMPLES_PIXELRNN)
    parser.add_argument("--iwae-samples", type=int, default=IWAE_SAMPLES)
    parser.add_argument("--results-dir", default=os.path.join(os.path.dirname(__file__), "results"))
    args = parser.parse_args()

    import keras

    import kerasgen
    from kerasgen.data import load, pipeline
    from kerasgen.presets import load_preset

    backend = keras.backend.backend()
    classifier = load_preset("fashion_mnist_classifier")
    x_train, y_train = load("fashion_mnist", split="train")
    x_test, y_test = load("fashion_mnist", split="test")
    n = args.test_images
    test_raw, test_y = x_test[:n], y_test[:n]
    ref_raw, ref_y = x_train[-n:], y_train[-n:]
    os.makedirs(args.results_dir, exist_ok=True)
    out_path = os.path.join(args.results_dir, f"evaluation_{backend}.json")
    report = {
        "backend": backend, "keras": keras.__version__, "kerasgen": kerasgen.__version__,
        "python": platform.python_version(), "date": datetime.date.today().isoformat(),
        "cpu_count": os.cpu_count(), "command": " ".join(["python"] + sys.argv),
        "settings": {k: v for k, v in vars(args).items() if k not in ("models", "results_dir")},
        "feature_space": "features of the zoo's fashion_mnist_classifier (not Inception)",
        "models": {},
    }
    for name in args.models:
        keras.utils.set_random_seed(0)
        model = build(name, kerasgen)
        conditional = kerasgen.protocols.is_conditional(model)
        rng = np.random.default_rng(0)  # one stream: the test images' draws, then the reference images'
        test_x, ref_x = model.image_format.convert(test_raw, rng), model.image_format.convert(ref_raw, rng)
        train = pipeline("fashion_mnist", batch_size=args.batch_size, labels=conditional, seed=0,
                         image_format=model, drop_remainder=True)
        train = train.repeat().take(args.steps)
        if isinstance(model, kerasgen.models.GAN):
            model.compile()  # the GAN's own default Adam pair
        else:
            model.compile(optimizer=keras.optimizers.Adam(args.learning_rate))
        start = time.time()
        model.fit(train, epochs=1, verbose=2)
        train_seconds = time.time() - start
        if name == "vqvae":
            # One epoch over prior_steps batches of code grids.
            codes = model.encode(model.image_format.convert(x_train[:args.prior_steps * args.batch_size], rng))
            start = time.time()
            model.fit_prior(codes, epochs=1, batch_size=args.batch_size, verbose=2, filters=32, num_layers=4)
            train_seconds += time.time() - start
        num_samples = args.num_samples_pixelrnn if name.startswith("pixelrnn") else args.num_samples
        start = time.time()
        result = kerasgen.evaluate(
            model, test_x, test_y, classifier=classifier, num_samples=num_samples,
            nll_samples=args.iwae_samples, train_data=(ref_x, ref_y), seed=0)
        result.update({"image_format": model.image_format.get_config(), "train_seconds": round(train_seconds, 1),
                       "evaluate_seconds": round(time.time() - start, 1), "num_samples": num_samples,
                       "parameters": int(model.count_params())})
        report["models"][name] = result
        with open(out_path, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=1)
        print(f"{name}: " + ", ".join(f"{k}={v:.4g}" for k, v in result.items() if isinstance(v, float)),
              flush=True)
    print("wrote", out_path)


if __name__ == "__main__":
    main()
