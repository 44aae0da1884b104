"""Trains small models of several families on one device and data-parallel, and compares every variable.

Run in a subprocess by tests/test_distributed.py, which sets the devices up
before the backend starts (JAX: XLA_FLAGS=--xla_force_host_platform_device_count).

    python tests/distributed_worker.py DEVICES MODEL [MODEL ...]

Prints one JSON line per model: the largest absolute difference between the
single-device and the data-parallel run, over trainable weights,
non-trainable state (batch-norm statistics, spectral-norm vectors, EMA
codebooks, seed-generator state) and optimizer state; on how many devices
every variable of the data-parallel run lies (the fewest), and whether it
is the same on each.
"""

import json
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import keras  # noqa: E402

import kerasgen  # noqa: E402
from kerasgen import models  # noqa: E402
from kerasgen.training import data_parallel  # noqa: E402

BATCH = 16  # the global batch: 4 images a device on 4 devices
STEPS = 3


def build(name):
    if name == "vae":
        model = models.VAE(image_shape=(8, 8, 1), latent_dim=2, filters=(4, 8), hidden_dims=(8,), seed=0)
    elif name == "dcgan":  # batch norm in G, spectral norm in D
        model = models.DCGAN(latent_dim=8, base_filters=4, spectral_norm=True, seed=0)
    elif name == "wgan_gp":
        model = models.WGANGP(image_shape=(28, 28, 1), latent_dim=8, base_filters=4, discriminator_steps=2,
                              seed=0)
    elif name == "gated_pixelcnn":
        model = models.GatedPixelCNN(image_shape=(8, 8, 1), filters=8, num_layers=2, kernel_size=3, seed=0)
    elif name == "vqvae":  # EMA codebook
        model = models.VQVAE(image_shape=(8, 8, 1), num_codes=8, code_dim=4, filters=(4, 8), ema=True, seed=0)
    else:
        raise SystemExit(f"unknown model {name!r}")
    if isinstance(model, models.GAN):
        model.compile()  # its own two optimizers
    else:
        model.compile(keras.optimizers.Adam(1e-3))
    return model


def data(name):
    rng = np.random.default_rng(0)
    side = 28 if name in ("dcgan", "wgan_gp") else 8
    x = rng.random((BATCH * STEPS, side, side, 1)).astype("float32")
    if name in ("dcgan", "wgan_gp"):
        return x * 2.0 - 1.0  # tanh range
    return (x > 0.5).astype("float32")


def state(model):
    """Every variable the step changes, in order, as (path, NumPy array); and whether each is equal on all
    devices. Paths hold Keras' automatic layer names, which differ between two builds in one process, so
    runs are compared position by position."""
    variables = list(model.variables) + list(model.optimizer.variables)
    values, replicated, placed = [], True, []
    for v in variables:
        value = v.value
        sharding = getattr(value, "sharding", None)
        placed.append(len(sharding.device_set) if sharding is not None else 1)
        shards = getattr(value, "addressable_shards", None)
        if shards and len(shards) > 1:
            first = np.asarray(shards[0].data)
            replicated &= all(np.array_equal(first, np.asarray(s.data)) for s in shards[1:])
        values.append((v.path, np.asarray(keras.ops.convert_to_numpy(value), dtype="float64")))
    return values, replicated, min(placed)


def train(name, devices):
    keras.utils.set_random_seed(0)
    x = data(name)
    if devices == 1:
        model = build(name)
        model.fit(x, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
    else:
        with data_parallel(devices):
            model = build(name)
            model.fit(x, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
    return state(model)


def main(argv):
    devices = int(argv[0])
    for name in argv[1:]:
        single, _, _ = train(name, 1)
        parallel, replicated, placed = train(name, devices)
        assert [a.shape for _, a in single] == [b.shape for _, b in parallel], (single, parallel)
        diffs = {path: float(np.max(np.abs(a - b), initial=0.0)) for (path, a), (_, b) in zip(single, parallel)}
        worst = max(diffs, key=diffs.get)
        moved = max(float(np.max(np.abs(a), initial=0.0)) for _, a in single)
        print(json.dumps({"model": name, "backend": keras.backend.backend(), "devices": devices,
                          "max_abs_diff": diffs[worst], "worst": worst, "variables": len(diffs),
                          "replicated": replicated, "devices_holding_each_variable": placed,
                          "largest_value": moved,
                          "kerasgen": kerasgen.__version__}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
