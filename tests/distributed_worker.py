"""Trains small models of several families on one device and data-parallel, and compares every variable.

Run in a subprocess by tests/test_distributed.py, with the devices set up
before the backend starts: JAX, XLA_FLAGS=--xla_force_host_platform_device_count
set by the test; TensorFlow, the CPU split into DEVICES logical devices here,
before TensorFlow starts; PyTorch, one process a device, started by the test
with torchrun --nproc-per-node DEVICES (each process runs both trainings; the
first process reports).

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

if os.environ.get("KERAS_BACKEND") == "tensorflow":  # before TensorFlow starts, as it requires
    import tensorflow as tf

    tf.config.set_logical_device_configuration(
        tf.config.list_physical_devices("CPU")[0], [tf.config.LogicalDeviceConfiguration()] * int(sys.argv[1]))

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
    elif name == "cgan":  # conditional batch norm in G, a projection in D
        model = models.ConditionalGAN(num_classes=10, image_shape=(28, 28, 1), latent_dim=8, base_filters=4,
                                      seed=0)
    elif name == "dae":  # random corruption of every batch
        model = models.DenoisingAutoencoder(image_shape=(8, 8, 1), corruption="masking", latent_dim=4,
                                            filters=(4, 8), seed=0)
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
    side = 28 if name in ("dcgan", "wgan_gp", "cgan") else 8
    x = rng.random((BATCH * STEPS, side, side, 1)).astype("float32")
    if name in ("dcgan", "wgan_gp", "cgan"):
        return x * 2.0 - 1.0  # tanh range
    return (x > 0.5).astype("float32")


def state(model):
    """Every variable the step changes, in order, as (path, NumPy array); and whether each is equal on all
    devices. Paths hold Keras' automatic layer names, which differ between two builds in one process, so
    runs are compared position by position."""
    variables = list(model.variables) + list(model.optimizer.variables)
    values, replicated, placed = [], True, []
    for v in variables:
        copies = _copies(v.value)
        placed.append(len(copies))
        replicated &= all(np.array_equal(copies[0], c) for c in copies[1:])
        values.append((v.path, np.asarray(keras.ops.convert_to_numpy(v.value), dtype="float64")))
    if keras.backend.backend() == "torch" and torch_world() > 1 and torch_initialized():
        # One process a device: the other processes' copies of every variable, gathered here.
        import torch.distributed as dist

        everyone = [None] * torch_world()
        dist.all_gather_object(everyone, [a for _, a in values])
        replicated &= all(np.array_equal(a, b) for other in everyone for a, (_, b) in zip(other, values))
        placed = [len(everyone)]
    return values, replicated, min(placed)


def _copies(value):
    """The copies of a variable's value on the devices that hold it (in this process)."""
    shards = getattr(value, "addressable_shards", None)  # JAX: one per device
    if shards:
        return [np.asarray(s.data) for s in shards]
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        if isinstance(value, tf.distribute.DistributedValues):  # a MirroredVariable: one per replica
            return [c.numpy() for c in value.values]
    return [np.asarray(keras.ops.convert_to_numpy(value))]


def torch_initialized():
    import torch.distributed as dist

    return dist.is_initialized()


def torch_world():
    import torch.distributed as dist

    return dist.get_world_size() if dist.is_initialized() else int(os.environ.get("WORLD_SIZE", 1))


def biases_before_normalization(model):
    """Paths of the biases that feed a batch normalization, and of their optimizer slots.

    Normalization subtracts the batch mean, so such a bias has a gradient of exactly zero, up to float
    round-off; Adam divides that round-off by its own running size, so the bias moves by about the learning
    rate in a direction set by round-off, and two runs that sum in another order part by that much. These
    variables are compared against the learning rate, the rest against float round-off.
    """
    from kerasgen.layers import ConditionalBatchNormalization

    paths = set()
    for layer in model._flatten_layers():
        if not isinstance(layer, (keras.layers.BatchNormalization, ConditionalBatchNormalization)):
            continue
        for node in layer._inbound_nodes:
            for parent in node.parent_nodes:
                bias = getattr(parent.operation, "bias", None)
                if bias is not None:
                    paths.add(bias.path)
    slots = {v.path for v in model.optimizer.variables
             if any(p.replace("/", "_") in v.path.rsplit("/", 1)[-1] for p in paths)}
    return paths | slots


def largest_learning_rate(model):
    rates = getattr(model.optimizer, "learning_rates", None)  # an OptimizerSet: one a group
    if rates:
        return max(rates.values())
    return float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))


def train(name, devices):
    keras.utils.set_random_seed(0)
    x = data(name)
    y = np.arange(len(x)) % 10 if name == "cgan" else None
    if devices == 1:
        model = build(name)
        model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
    else:
        with data_parallel(devices):
            model = build(name)
            model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
    return state(model), biases_before_normalization(model), largest_learning_rate(model)


def main(argv):
    devices = int(argv[0])
    for name in argv[1:]:
        (single, _, _), zero_gradient, learning_rate = train(name, 1)
        (parallel, replicated, placed), _, _ = train(name, devices)
        assert [a.shape for _, a in single] == [b.shape for _, b in parallel], (single, parallel)
        diffs = {path: float(np.max(np.abs(a - b), initial=0.0)) for (path, a), (_, b) in zip(single, parallel)}
        rest = {p: d for p, d in diffs.items() if p not in zero_gradient}
        worst = max(rest, key=rest.get)
        before_norm = max((d for p, d in diffs.items() if p in zero_gradient), default=0.0)
        moved = max(float(np.max(np.abs(a), initial=0.0)) for _, a in single)
        if keras.backend.backend() == "torch" and int(os.environ.get("RANK", 0)) != 0:
            continue  # the first process reports
        print(json.dumps({"model": name, "backend": keras.backend.backend(), "devices": devices,
                          "max_abs_diff": rest[worst], "worst": worst, "variables": len(diffs),
                          "biases_before_normalization": len(zero_gradient & set(diffs)),
                          "max_abs_diff_of_biases_before_normalization": before_norm,
                          "learning_rate": learning_rate,
                          "replicated": replicated, "devices_holding_each_variable": placed,
                          "largest_value": moved,
                          "kerasgen": kerasgen.__version__}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
