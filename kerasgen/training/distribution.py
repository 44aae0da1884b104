"""Data-parallel training on the backend's own engine.

`data_parallel(num_devices)` is a context manager: build, compile and fit a
model inside it, and `fit()` splits each global batch across the devices,
keeps one copy of every variable on each, and averages the gradients, with
the engine the backend provides (`kerasgen.backend.data_parallel`):

- JAX: `keras.distribution.DataParallel` on a `DeviceMesh` of the devices
  (`keras.distribution.list_devices()`); under several hosts, call
  `keras.distribution.initialize()` first. The whole step is one SPMD
  program over the global batch.
- TensorFlow: `tf.distribute.MirroredStrategy` over the GPUs, or over the
  logical CPU devices (`tf.config.set_logical_device_configuration`, before
  TensorFlow starts). The step runs once per replica on its share of the
  batch; each loss is divided by the number of replicas before the
  optimizer sums their gradients, and batch normalization uses the global
  batch's statistics (Keras' `synchronized=True`, set during `fit`).
- PyTorch: `torch.distributed`, one process a device, started by
  `torchrun --nproc-per-node N script.py` (gloo on a CPU, NCCL on GPUs).
  Keras has no engine for PyTorch; every process reads the same global
  batch and trains on its rows; gradients are averaged with
  `torch.distributed.all_reduce`, and batch statistics are all-reduced too.

Under every backend the random draws of a step (latents, the
reparameterisation noise, corruption, the gradient penalty's mixing) are
those one device would draw for the global batch, and the EMA codebooks'
statistics are the global batch's, so training ends where one device ends,
up to float rounding (tests/test_distributed.py). A `sample_weight` that is
not uniform is the one thing that still differs under TensorFlow and
PyTorch: each replica averages over its own rows' weights.

The docstring of `data_parallel` has an example; README.md ("More than one
device") has the commands for several GPUs and several hosts.
"""

from kerasgen import backend, checks

# The engine each backend trains data-parallel with.
ENGINES = {"jax": "keras.distribution.DataParallel", "tensorflow": "tf.distribute.MirroredStrategy",
           "torch": "torch.distributed (one process a device, started by torchrun)"}


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
            the backend sees (the message lists them); under PyTorch, more
            than one outside torchrun, or not the number of processes
            torchrun started.

    On one CPU the example below runs on one device; on N devices the
    batch size must be a multiple of N.

    Example:

    ```python
    import numpy as np, keras, kerasgen
    x = (np.random.default_rng(0).random((64, 8, 8, 1)) > 0.5).astype("float32")
    with kerasgen.training.data_parallel():  # every device the backend sees
        vae = kerasgen.models.VAE(image_shape=(8, 8, 1), latent_dim=2, filters=(4, 8), hidden_dims=(8,))
        vae.compile(keras.optimizers.Adam(1e-3))
        history = vae.fit(x, batch_size=16, epochs=1, verbose=0)
    print(len(history.history["loss"]))  # 1 epoch
    ```
    """
    if num_devices is not None:
        num_devices = checks.check_integer(num_devices, "num_devices", "data_parallel", what="an integer >= 1")
    return backend.data_parallel(num_devices)

