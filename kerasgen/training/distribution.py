"""Data-parallel training on the backend's own engine.

`data_parallel(num_devices)` is a context manager: build, compile and fit a
model inside it, and `fit()` splits each global batch across the devices,
keeps one copy of every variable on each, and averages the gradients, with
the engine the backend provides (`kerasgen.backend.data_parallel`):

- JAX: `keras.distribution.DataParallel` on a `DeviceMesh` of the devices
  (`keras.distribution.list_devices()`); under several hosts, call
  `keras.distribution.initialize()` first. The whole step is one SPMD
  program over the global batch, so batch statistics and the loss are the
  global batch's, as on one device.
- TensorFlow and PyTorch: not yet; the call says so.

Example (JAX; on a CPU, start Python with
XLA_FLAGS=--xla_force_host_platform_device_count=4 to see 4 devices):

```python
import numpy as np, keras, kerasgen
devices = len(keras.distribution.list_devices())
x = (np.random.default_rng(0).random((32 * devices, 8, 8, 1)) > 0.5).astype("float32")
with kerasgen.training.data_parallel(devices):
    vae = kerasgen.models.VAE(image_shape=(8, 8, 1), latent_dim=2, filters=(4, 8), hidden_dims=(8,))
    vae.compile(keras.optimizers.Adam(1e-3))
    vae.fit(x, batch_size=8 * devices, epochs=1, verbose=0)  # a multiple of the devices
```
"""

from kerasgen import backend, checks


def data_parallel(num_devices=None):
    """A context manager for data-parallel training on `num_devices` devices (default: all).

    Args:
        num_devices: int >= 1, or None for every device the backend sees.

    Returns:
        A context manager; inside it, models are built with their variables
        replicated on the devices and `fit()` shards every batch across
        them. A global batch size must be a multiple of `num_devices`.

    Raises:
        ValueError: `num_devices` is not a positive integer, or more than
            the backend sees (the message lists them), or the backend has no
            data-parallel engine kerasgen supports yet.
    """
    if num_devices is not None:
        num_devices = checks.check_integer(num_devices, "num_devices", "data_parallel", what="an integer >= 1")
    return backend.data_parallel(num_devices)
