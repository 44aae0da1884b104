"""Data-parallel training (`kerasgen.training.data_parallel`) ends where one device ends.

The data-parallel runs need several devices set up before the backend
starts, so they run in a subprocess (tests/distributed_worker.py), bounded
by a timeout.
"""

import json
import os
import subprocess
import sys

import keras
import pytest

from kerasgen.training import data_parallel

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BACKEND = keras.backend.backend()
MODELS = ["vae", "dcgan", "wgan_gp", "gated_pixelcnn", "vqvae", "cgan", "dae"]
# The devices each backend trains on here: JAX 4 virtual CPU devices (XLA_FLAGS), TensorFlow 2 logical CPU
# devices, PyTorch 2 processes started by torchrun (gloo). More would only cost time on a 2-core machine.
DEVICES = {"jax": 4, "tensorflow": 2, "torch": 2}[BACKEND]
# float32 round-off: the data-parallel step sums the same terms in another order. After 3 steps the
# largest difference seen under JAX was 9e-7 (WGAN-GP; the others 4e-8 to 1.3e-7), with weights of order
# 0.1 to 1.
TOLERANCE = 1e-4
STEPS = 3  # the worker's training steps


def launch(script_args, devices, timeout):
    """Runs a Python script (path and arguments) on `devices` devices of the backend in use; returns its run."""
    env = {**os.environ, "KERAS_BACKEND": BACKEND, "TF_CPP_MIN_LOG_LEVEL": "3",
           "XLA_FLAGS": f"--xla_force_host_platform_device_count={devices}"}
    if BACKEND == "torch":  # one process a device
        env["OMP_NUM_THREADS"] = "1"
        command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node",
                   str(devices), *script_args]
    else:
        command = [sys.executable, *script_args]
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=timeout)
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-3000:])
    return done


def run_worker(devices, models, timeout=600):
    done = launch([os.path.join(ROOT, "tests", "distributed_worker.py"), str(devices), *models], devices, timeout)
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def test_data_parallel_training_equals_one_device():
    results = run_worker(DEVICES, MODELS)
    assert [r["model"] for r in results] == MODELS
    for r in results:
        # Every variable (weights, batch-norm statistics, spectral-norm vectors, EMA codebook, seed
        # state, every optimizer's slots) ends as on one device, and identical on every device: the
        # devices trained on different rows of each batch, so gradients and state updates were reduced
        # over the global batch, not kept per device.
        assert r["devices_holding_each_variable"] == DEVICES, r  # the run was data-parallel
        assert r["replicated"], r
        assert r["max_abs_diff"] <= TOLERANCE, r
        # A bias that feeds batch normalization has a zero gradient but for round-off, which Adam scales up to
        # a step of about the learning rate (tests/distributed_worker.py): it is held to a few steps' size.
        assert r["max_abs_diff_of_biases_before_normalization"] <= 3 * STEPS * r["learning_rate"], r


def test_a_backend_without_the_devices_refuses_clearly():
    if BACKEND == "jax":
        seen = len(keras.distribution.list_devices())
        with pytest.raises(ValueError, match=rf"num_devices is {seen + 1}, but JAX sees {seen} device\(s\).*"
                                             r"xla_force_host_platform_device_count"):
            data_parallel(seen + 1)
    elif BACKEND == "tensorflow":
        with pytest.raises(ValueError, match=r"num_devices is 64, but TensorFlow sees \d+ CPU device\(s\).*"
                                             r"set_logical_device_configuration"):
            data_parallel(64)
    else:
        with pytest.raises(ValueError, match=r"each of the 2 devices is a process started by torchrun.*"
                                             r"WORLD_SIZE is not set"):
            data_parallel(2)


def test_bad_device_counts_are_refused():
    with pytest.raises(ValueError, match=r"data_parallel: num_devices must be an integer >= 1; got 0"):
        data_parallel(0)
    with pytest.raises(ValueError, match=r"data_parallel: num_devices must be an integer >= 1; got True \(a bool\)"):
        data_parallel(True)


UNEVEN = """
import os, sys
import numpy as np
if os.environ["KERAS_BACKEND"] == "tensorflow":
    import tensorflow as tf
    tf.config.set_logical_device_configuration(
        tf.config.list_physical_devices("CPU")[0], [tf.config.LogicalDeviceConfiguration()] * 2)
import keras, kerasgen
say = print if int(os.environ.get("RANK", 0)) == 0 else (lambda *a: None)  # PyTorch: the first process says
x = (np.random.default_rng(0).random((21, 8, 8, 1)) > 0.5).astype("float32")
with kerasgen.training.data_parallel(2):
    vae = kerasgen.models.VAE(image_shape=(8, 8, 1), latent_dim=2, filters=(4, 8), hidden_dims=(8,), seed=0)
    vae.compile(keras.optimizers.Adam(1e-3))
    for batch in (5, 6):
        try:
            vae.fit(x, batch_size=batch, epochs=1, verbose=0)
        except ValueError as e:
            say("refused:", e)
    history = vae.fit(x[:20], batch_size=4, epochs=1, verbose=0)
    say("trained:", np.isfinite(history.history["loss"][-1]))
"""


def test_a_batch_that_does_not_split_evenly_is_refused_and_the_model_stays_usable(tmp_path):
    script = tmp_path / "uneven.py"
    script.write_text(UNEVEN)
    done = launch([str(script)], 2, timeout=300)
    refused = [line for line in done.stdout.splitlines() if line.startswith("refused:")]
    assert len(refused) == 2, done.stdout
    assert "on 2 devices" in refused[0] and "batch_size is 5" in refused[0] and "multiple of 2" in refused[0]
    assert "batch_size is 6 and the last of the 21 images' batches holds 3" in refused[1]
    assert "trained: True" in done.stdout  # after two refusals, it trains (under PyTorch, with the other process)
