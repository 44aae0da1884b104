"""Exact resume: a run SIGKILLed in the middle of an epoch and started again ends with the
weights of an uninterrupted run (BackupAndRestore and `kerasgen train`); a bad first
batch leaves the model usable."""

import json
import os
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest
import tensorflow as tf

import resume_worker  # noqa: E402  (tests/ is on sys.path under pytest)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FASHION = "/usr/share/datasets/fashion-mnist"
needs_fashion = pytest.mark.skipif(not os.path.isdir(FASHION), reason="needs Debian's dataset-fashion-mnist")
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": ROOT}


def run(args, timeout=240):
    return subprocess.run([sys.executable] + args, capture_output=True, text=True, timeout=timeout, env=ENV, cwd=ROOT)


def assert_same_weights(expected, found):
    assert len(expected) == len(found)
    for i, (a, b) in enumerate(zip(expected, found)):
        # Bit-identical: the three backends are deterministic on CPU here.
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=f"weight {i}")


def test_backup_and_restore_after_a_kill_is_exact(tmp_path):
    folder = str(tmp_path)
    killed = run([os.path.join(HERE, "resume_worker.py"), folder, "--kill", "vae:1:2"])
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    assert os.path.exists(tmp_path / "vae_backup") and not os.path.exists(tmp_path / "vae.npz")
    killed = run([os.path.join(HERE, "resume_worker.py"), folder, "--kill", "dcgan:1:2"])
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    assert os.path.exists(tmp_path / "vae.npz") and not os.path.exists(tmp_path / "dcgan.npz")
    done = run([os.path.join(HERE, "resume_worker.py"), folder])
    assert done.returncode == 0, done.stderr[-3000:]
    for kind, x in resume_worker.data().items():
        uninterrupted = resume_worker.fit(resume_worker.make(kind), x)
        with np.load(tmp_path / f"{kind}.npz") as resumed:
            assert_same_weights(uninterrupted.weights, [resumed[f"arr_{i}"] for i in range(len(resumed.files))])


def test_a_keras_file_keeps_the_random_state(tmp_path):
    model = resume_worker.make("vae")
    x = resume_worker.data()["vae"]
    model.fit(x[:32], batch_size=16, epochs=1, verbose=0)
    before = [np.asarray(v) for v in model.random_state_variables()]
    assert before and not np.array_equal(before[0], [1, 0])  # the seed generator has moved
    model.save(tmp_path / "vae.keras")
    loaded = keras.saving.load_model(tmp_path / "vae.keras")
    for a, b in zip(before, loaded.random_state_variables()):
        np.testing.assert_array_equal(a, np.asarray(b))
    # The next draws are the same ones: a continued fit ends at the same weights.
    model.fit(x[:32], batch_size=16, epochs=1, verbose=0, shuffle=False)
    loaded.fit(x[:32], batch_size=16, epochs=1, verbose=0, shuffle=False)
    assert_same_weights(model.weights, loaded.weights)


def test_a_bad_first_batch_leaves_the_model_usable():
    # Under JAX, Keras' trainer detaches the variables for the call; a check
    # failing on the first batch used to leave them detached for good.
    model = resume_worker.make("vae")
    x = resume_worker.data()["vae"]
    for bad in (tf.data.Dataset.from_tensor_slices(x * 255).batch(16),
                tf.data.Dataset.from_tensor_slices(np.where(x > 0, np.nan, x)).batch(16)):
        with pytest.raises(Exception, match="outside|NaN"):
            model.fit(bad, epochs=1, verbose=0)
        with pytest.raises(Exception, match="outside|NaN"):
            model.evaluate(bad, verbose=0)
    history = model.fit(tf.data.Dataset.from_tensor_slices(x).batch(16), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert model.sample(2, seed=0).shape == (2, 28, 28, 1)
    # A failure in validation, after a completed epoch, keeps that epoch's weights.
    trained = [np.asarray(v) for v in model.weights]
    with pytest.raises(Exception, match="outside"):
        model.fit(x, epochs=1, batch_size=16, verbose=0, validation_data=tf.data.Dataset.from_tensor_slices(x * 255).batch(16))
    assert any(not np.array_equal(a, np.asarray(b)) for a, b in zip(trained, model.weights))
    assert np.isfinite(model.evaluate(x, verbose=0)[0])


def _train_argv(family, out):
    return ["train", family, "--epochs", "3", "--steps-per-epoch", "6", "--test-images", "4", "--out", str(out),
            "--quiet"]


@needs_fashion
# A VAE only: a GAN's two optimizers resuming exactly is checked through
# Keras' BackupAndRestore above; this one checks what `kerasgen train` adds
# (run.json, the trimmed log, grids, the preset), the same for every family.
@pytest.mark.parametrize("family", ["vae"])
def test_kerasgen_train_resumes_after_a_kill(tmp_path, family):
    import kerasgen
    from kerasgen.cli import main

    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "kerasgen"] + _train_argv(family, out), env=ENV, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    backed_up = out / "backup" / "training_metadata.json"
    deadline = time.time() + 240
    try:
        # Kill as soon as the first epoch is backed up: inside the second
        # epoch, or between its end-of-epoch writes.
        while time.time() < deadline and proc.poll() is None:
            if backed_up.exists():
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.02)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()[-3000:]
    assert not (out / "preset").exists()
    # The same command again resumes; with --overwrite too (zoo/build.sh's), which starts again only a
    # finished run or another one.
    from kerasgen.recipes import _run_state

    stored = json.loads((out / "run.json").read_text())
    assert _run_state(str(out), stored["recipe"], stored["preset_dir"], False, None) == "resume"
    other = {**stored["recipe"], "train": {**stored["recipe"]["train"], "seed": 1}}
    assert _run_state(str(out), other, stored["preset_dir"], True, None) == "restart"
    assert main(_train_argv(family, out) + ["--overwrite"]) == 0
    run_record = json.loads((out / "run.json").read_text())
    assert run_record["finished"] and not (out / "backup").exists()
    resumed_meta = json.loads((out / "preset" / "metadata.json").read_text())
    assert resumed_meta["trained_with"].get("resumed_at_epoch") in (1, 2)

    reference = tmp_path / "uninterrupted"
    assert main(_train_argv(family, reference)) == 0
    assert_same_weights(kerasgen.from_preset(reference / "preset").weights,
                        kerasgen.from_preset(out / "preset").weights)
    # Nothing lost or duplicated: one grid and one checkpoint per epoch, one log row per epoch.
    for folder in (out, reference):
        assert sorted(os.listdir(folder / "samples")) == ["epoch_001.png", "epoch_002.png", "epoch_003.png"]
        assert sorted(os.listdir(folder / "checkpoints")) == [f"epoch_00{i}.weights.h5" for i in (1, 2, 3)]
        assert [line.split(",")[0] for line in (folder / "log.csv").read_text().splitlines()[1:]] == ["0", "1", "2"]
    for name in ("epoch_001.png", "epoch_003.png"):
        assert (out / "samples" / name).read_bytes() == (reference / "samples" / name).read_bytes()
    expected = json.loads((reference / "preset" / "metadata.json").read_text())
    assert resumed_meta["headline"] == expected["headline"]
    # A finished run is not trained again, nor replaced, without --overwrite.
    assert main(_train_argv(family, out)) == 2


def test_kerasgen_backup_survives_a_kill_between_its_writes(tmp_path):
    from kerasgen.callbacks import BackupAndRestore

    x = resume_worker.data()["vae"]
    backup = BackupAndRestore(str(tmp_path / "backup"))
    model = resume_worker.make("vae")
    model.fit(x, batch_size=16, epochs=2, shuffle=False, verbose=0,
              callbacks=[BackupAndRestore(str(tmp_path / "backup"), delete_checkpoint=False)])
    record = tmp_path / "backup" / "training_metadata.json"
    assert json.loads(record.read_text())["epoch"] == 2
    # A kill after the weights of epoch 3 were moved into place but before
    # their record was: the pending record is promoted.
    pending = json.loads(record.read_text())
    record.write_text(json.dumps({**pending, "epoch": 1, "weights_sha256": "0" * 64}))
    (tmp_path / "backup" / "training_metadata.json.next").write_text(json.dumps(pending))
    resumed = resume_worker.make("vae")
    history = resumed.fit(x, batch_size=16, epochs=3, shuffle=False, verbose=0, callbacks=[backup])
    assert len(history.history["loss"]) == 1  # epochs 1 and 2 were restored, not redone
    # Weights changed after their record was written are refused, naming both files.
    model.fit(x, batch_size=16, epochs=1, shuffle=False, verbose=0,
              callbacks=[BackupAndRestore(str(tmp_path / "b2"), delete_checkpoint=False)])
    with open(tmp_path / "b2" / "latest.weights.h5", "r+b") as f:
        f.seek(-100, 2)
        f.write(b"\0" * 50)
    with pytest.raises(ValueError, match=r"latest\.weights\.h5.*does not match its record"):
        resume_worker.make("vae").fit(x, epochs=2, verbose=0,
                                      callbacks=[BackupAndRestore(str(tmp_path / "b2"))])
