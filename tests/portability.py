"""One small model of every family, and outputs that depend only on its weights.

`python tests/portability.py OUT_DIR` (run under some KERAS_BACKEND) builds
each model, trains the GANs and the VQ-VAE for a few steps on the digits (so
batch-norm statistics, spectral-norm vectors and the EMA codebook move away
from their initial values; the others keep their random initial weights),
and writes for each: a preset folder, a ``.keras`` file and ``outputs.npz``.
tests/test_portability.py runs it under the other backends and checks that
the files load under its own with outputs equal to 1e-5.
"""

import os
import sys

import numpy as np


def families():
    import kerasgen.models as m

    small = {"image_shape": (8, 8, 1), "seed": 0}
    return {
        "autoencoder": lambda: m.Autoencoder(latent_dim=4, filters=(4,), hidden_dims=(8,), **small),
        "denoising_autoencoder": lambda: m.DenoisingAutoencoder(latent_dim=4, architecture="dense",
                                                                hidden_dims=(8,), **small),
        "vae": lambda: m.VAE(latent_dim=3, filters=(4,), hidden_dims=(8,), **small),
        "conditional_vae": lambda: m.ConditionalVAE(num_classes=10, latent_dim=3, architecture="dense",
                                                    hidden_dims=(8,), **small),
        "gan": lambda: m.GAN(image_shape=(8, 8, 1), latent_dim=4, hidden_dims=(8,), spectral_norm=True, seed=0),
        "dcgan": lambda: m.DCGAN(latent_dim=4, base_filters=4, seed=0),
        "conditional_gan": lambda: m.ConditionalGAN(num_classes=10, architecture="dcgan", latent_dim=4,
                                                    base_filters=4, seed=0),
        "wgan_gp": lambda: m.WGANGP(image_shape=(8, 8, 1), latent_dim=4, hidden_dims=(8,), seed=0),
        "pixelcnn": lambda: m.PixelCNN(filters=4, num_blocks=1, **small),
        "gated_pixelcnn": lambda: m.GatedPixelCNN(filters=4, num_layers=2, num_classes=10, **small),
        "pixelrnn_row_lstm": lambda: m.PixelRNN(kind="row_lstm", units=4, num_layers=1, **small),
        "pixelrnn_diagonal_bilstm": lambda: m.PixelRNN(kind="diagonal_bilstm", units=4, num_layers=1, **small),
        "vqvae": lambda: m.VQVAE(num_codes=8, code_dim=4, filters=(4,), **small),
        "classifier": lambda: m.Classifier(image_shape=(8, 8, 1), num_classes=10, filters=(4,), feature_dim=8),
    }


def data(model):
    """Training and probe images in the model's format, with labels."""
    from kerasgen.data import load

    x, y = load("digits")
    x = x[:128].astype("float32") / 255.0
    shape = model.image_shape
    if tuple(shape) == (28, 28, 1):  # the DCGANs: digits upsampled by repetition
        x = np.repeat(np.repeat(np.pad(x, ((0, 0), (3, 3), (3, 3), (0, 0))), 2, axis=1), 2, axis=2)[:, :28, :28]
    lo, hi = model.input_value_range() if hasattr(model, "input_value_range") and model.input_value_range() else (0, 1)
    if hasattr(model, "input_integer_values") and model.input_integer_values():
        x = (x > 0.5).astype("float32")
    else:
        x = (lo + (hi - lo) * x).astype("float32")
    return x, y[:128]


def outputs(name, model):
    """Arrays that depend on the weights (and on nothing random), for comparison."""
    import kerasgen.models as m
    from kerasgen import protocols

    x, y = data(model)
    x, y = x[:6], y[:6]
    labels = y if getattr(model, "num_classes", None) is not None else None
    kw = {} if labels is None else {"labels": labels}
    if isinstance(model, m.Classifier):
        return {"probabilities": model.probabilities(x), "features": model.features(x)}
    if isinstance(model, m.GAN):
        z = np.random.default_rng(0).standard_normal((6, model.latent_dim)).astype("float32")
        return {"generated": model.generate(z, **kw)}
    if isinstance(model, m.VQVAE):
        codes = model.encode(x)
        return {"codes": codes.astype("float32"), "reconstruction": model.reconstruct(x),
                "prior_log_prob": model.prior.log_prob(codes[..., None].astype("float32"))}
    if protocols.is_density_model(model) and model.log_prob_is_exact:  # a VAE's is a random bound
        return {"log_prob": model.log_prob(x, **kw)}
    codes = model.encode(x, **kw) if labels is not None else model.encode(x)
    return {"codes": codes, "decoded": model.decode(codes, **kw) if labels is not None else model.decode(codes)}


def build_and_train(name, factory):
    import keras

    import kerasgen.models as m

    model = factory()
    x, y = data(model)
    # Only models with state beyond their initial weights are trained (batch
    # norm, spectral norm, EMA codebook, the VQ-VAE's prior): compiling costs.
    if not isinstance(model, (m.GAN, m.VQVAE)):
        return model
    if isinstance(model, m.GAN):
        model.compile()
    else:
        model.compile(optimizer=keras.optimizers.Adam(1e-3))
    conditional = getattr(model, "num_classes", None) is not None
    model.fit(x, y if conditional else None, epochs=1, batch_size=32, verbose=0)
    if isinstance(model, m.VQVAE):
        model.fit_prior(x, epochs=1, batch_size=32, filters=4, num_layers=1, kernel_size=3, verbose=0)
    return model


def write(out_dir):
    import keras

    keras.utils.set_random_seed(0)
    for name, factory in families().items():
        model = build_and_train(name, factory)
        folder = os.path.join(out_dir, name)
        os.makedirs(folder)
        model.save_to_preset(os.path.join(folder, "preset"), {"family": name})
        model.save(os.path.join(folder, "model.keras"))
        np.savez(os.path.join(folder, "outputs.npz"), **outputs(name, model))


if __name__ == "__main__":
    write(sys.argv[1])
