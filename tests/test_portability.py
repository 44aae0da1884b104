"""Weights and .keras files saved under the other two backends load here with equal outputs."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np

from conftest import BACKEND
from kerasgen import from_preset

sys.path.insert(0, os.path.dirname(__file__))
import portability  # noqa: E402

OTHERS = [b for b in ("tensorflow", "jax", "torch") if b != BACKEND]
# scripts/test.sh runs the suite once per backend and shares this folder
# between the runs (for that run only): what one run had saved under a
# backend, from the same tree, a later run loads instead of saving it again.
SHARED = os.environ.get("KERASGEN_PORTABILITY_DIR")


def saved_under(backend, tmp_path):
    """A folder of every family saved by a fresh process under `backend` (tests/portability.py)."""
    if SHARED and os.path.isfile(os.path.join(SHARED, backend, "complete")):
        return Path(SHARED, backend)
    folder = tmp_path / f"saved_under_{backend}"
    folder.mkdir()
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("KERASGEN_TEST_SHARD", None)
    done = subprocess.run([sys.executable, portability.__file__, str(folder)], env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"under {backend}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    if SHARED:
        shutil.copytree(folder, Path(SHARED, backend), dirs_exist_ok=True)
        Path(SHARED, backend, "complete").write_text("saved by tests/portability.py\n")
    return folder


def test_every_family_saved_under_another_backend_loads_with_equal_outputs(tmp_path):
    # One test, not one per family: the two subprocesses are the cost, and
    # one test keeps them in one shard of scripts/test.sh.
    failures = []
    for backend in OTHERS:
        folder = saved_under(backend, tmp_path)
        for family in portability.families():
            expected = np.load(folder / family / "outputs.npz")
            loaded = {"preset": from_preset(folder / family / "preset"),
                      ".keras": keras.saving.load_model(folder / family / "model.keras")}
            for how, model in loaded.items():
                got = portability.outputs(family, model)
                for key in expected.files:
                    if not np.allclose(got[key], expected[key], rtol=1e-5, atol=1e-5):
                        worst = float(np.max(np.abs(got[key] - expected[key])))
                        failures.append(f"{family} {key}: saved under {backend}, loaded from its {how} "
                                        f"under {BACKEND}: max difference {worst:.3g}")
    assert not failures, "\n".join(failures)
    assert len(portability.families()) == 14  # every family, the classifier included
