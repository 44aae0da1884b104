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
MODELS = ["vae", "dcgan", "wgan_gp", "gated_pixelcnn", "vqvae"]
# float32 round-off: the data-parallel step sums the same terms in another order. After 3 steps the
# largest difference seen was 9e-7 (WGAN-GP; the others 4e-8 to 1.3e-7), with weights of order 0.1 to 1.
TOLERANCE = 1e-4


def run_worker(devices, models, timeout=600):
    env = {**os.environ, "KERAS_BACKEND": BACKEND, "TF_CPP_MIN_LOG_LEVEL": "3",
           "XLA_FLAGS": f"--xla_force_host_platform_device_count={devices}"}
    done = subprocess.run([sys.executable, os.path.join(ROOT, "tests", "distributed_worker.py"), str(devices),
                           *models], capture_output=True, text=True, env=env, cwd=ROOT, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


@pytest.mark.skipif(BACKEND != "jax", reason="data_parallel runs under JAX; the other backends refuse it "
                                             "(test_other_backends_refuse_clearly)")
def test_data_parallel_training_equals_one_device():
    results = run_worker(4, MODELS)
    assert [r["model"] for r in results] == MODELS
    for r in results:
        # Every variable (weights, batch-norm statistics, spectral-norm vectors, EMA codebook, seed
        # state, every optimizer's slots) ends as on one device, and identical on the 4 devices:
        # gradients and state updates were reduced over the global batch, not kept per device.
        assert r["devices_holding_each_variable"] == 4, r  # the run was data-parallel
        assert r["replicated"], r
        assert r["max_abs_diff"] <= TOLERANCE, r


@pytest.mark.skipif(BACKEND == "jax", reason="JAX supports data_parallel")
def test_other_backends_refuse_clearly():
    with pytest.raises(ValueError, match=r"data_parallel: kerasgen has no data-parallel training under .* yet "
                                         r"\(asked for 2 devices\); it runs under JAX"):
        data_parallel(2)


def test_bad_device_counts_are_refused():
    with pytest.raises(ValueError, match=r"data_parallel: num_devices must be an integer >= 1; got 0"):
        data_parallel(0)
    with pytest.raises(ValueError, match=r"data_parallel: num_devices must be an integer >= 1; got True \(a bool\)"):
        data_parallel(True)
    if BACKEND == "jax":
        seen = len(keras.distribution.list_devices())
        with pytest.raises(ValueError, match=rf"num_devices is {seen + 1}, but JAX sees {seen} device\(s\).*"
                                             r"xla_force_host_platform_device_count"):
            data_parallel(seen + 1)


@pytest.mark.skipif(BACKEND != "jax", reason="data_parallel runs under JAX only")
def test_a_batch_that_does_not_split_evenly_is_refused_and_the_model_stays_usable():
    code = (
        "import numpy as np, keras, kerasgen\n"
        "x = (np.random.default_rng(0).random((21, 8, 8, 1)) > 0.5).astype('float32')\n"
        "with kerasgen.training.data_parallel(2):\n"
        "    vae = kerasgen.models.VAE(image_shape=(8, 8, 1), latent_dim=2, filters=(4, 8), hidden_dims=(8,))\n"
        "    vae.compile(keras.optimizers.Adam(1e-3))\n"
        "    for batch in (5, 6):\n"
        "        try:\n"
        "            vae.fit(x, batch_size=batch, epochs=1, verbose=0)\n"
        "        except ValueError as e:\n"
        "            print('refused:', e)\n"
        "    history = vae.fit(x[:20], batch_size=4, epochs=1, verbose=0)\n"
        "    print('trained:', np.isfinite(history.history['loss'][-1]))\n"
    )
    env = {**os.environ, "KERAS_BACKEND": "jax", "XLA_FLAGS": "--xla_force_host_platform_device_count=2"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    refused = [line for line in done.stdout.splitlines() if line.startswith("refused:")]
    assert len(refused) == 2, done.stdout
    assert "on 2 devices" in refused[0] and "batch_size is 5" in refused[0] and "multiple of 2" in refused[0]
    assert "batch_size is 6 and the last of the 21 images' batches holds 3" in refused[1]
    assert "trained: True" in done.stdout
