"""Guards of a training run: the NaN/Inf stop `fit` adds, and crash-safe backups.

The training base needs them, so they sit below `kerasgen.callbacks`, the
public module that re-exports them.
"""

import hashlib
import json
import math
import os

import keras


class NonFiniteLossError(FloatingPointError):
    """A training loss became NaN or infinite."""


class StopOnNonFiniteLoss(keras.callbacks.Callback):
    """Stops `fit` with a clear error as soon as a logged loss is NaN or Inf.

    Keras' own `TerminateOnNaN` stops quietly; this one raises, naming the
    epoch, the batch and every logged term, so a user sees which term broke.
    `GenerativeModel.fit` adds it unless the user passed one.
    """

    def __init__(self):
        super().__init__()
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        values = {k: float(v) for k, v in logs.items() if _is_scalar(v)}
        bad = [k for k, v in values.items() if not math.isfinite(v)]
        if bad:
            terms = ", ".join(f"{k}={v:.6g}" for k, v in values.items())
            raise NonFiniteLossError(
                f"{type(self.model).__name__}: {', '.join(bad)} became non-finite "
                f"at epoch {self._epoch + 1}, batch {batch + 1} ({terms}). Look for "
                "NaN or Inf in the inputs of that batch, or lower the learning rate."
            )


def _is_scalar(value):
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class BackupAndRestore(keras.callbacks.BackupAndRestore):
    """`keras.callbacks.BackupAndRestore` whose backup survives a kill at any instant.

    Keras writes the weights file in place and then the epoch number; a kill
    during the first write leaves a truncated file that cannot be restored,
    and a kill between the two pairs epoch e + 1's weights with epoch e's
    number, so the resumed run would train epoch e + 1 twice. Here both files
    are written beside their targets and moved into place (`os.replace`), and
    the epoch record names the SHA-256 of the weights it belongs to, so the
    restored pair always matches. With the model's random state in its
    weights (`GenerativeModel` saves it) and data whose epoch e depends on e
    alone (`kerasgen.data.pipeline(..., first_epoch=e)`, or arrays with
    `shuffle=False`), a resumed run ends with the weights of an uninterrupted
    one. Backups are made at the end of each epoch: Keras restarts an epoch
    from its first batch, so a mid-epoch backup (`save_freq=N`) would replay
    batches.

    Args:
        backup_dir: str, a folder for the backup alone.
        delete_checkpoint: bool, remove the backup when `fit` ends.

    Example:

    ```python
    import numpy as np, keras, kerasgen
    x = (np.random.default_rng(0).random((64, 8, 8, 1)) < 0.5).astype("float32")
    vae = kerasgen.models.VAE(image_shape=(8, 8, 1), latent_dim=2, architecture="dense", seed=0)
    vae.compile(optimizer="adam")
    backup = kerasgen.callbacks.BackupAndRestore("/tmp/kerasgen_backup_example")
    vae.fit(x, epochs=2, shuffle=False, callbacks=[backup], verbose=0)
    ```
    """

    def __init__(self, backup_dir, delete_checkpoint=True):
        super().__init__(backup_dir, save_freq="epoch", delete_checkpoint=delete_checkpoint)
        self._next_metadata_path = self._training_metadata_path + ".next"

    def _save_model(self):
        os.makedirs(self.backup_dir, exist_ok=True)
        weights = self._weights_path[: -len(".weights.h5")] + ".partial.weights.h5"
        self.model.save_weights(weights, overwrite=True)
        record = {"epoch": self._current_epoch, "batch": self._last_batch_seen, "weights_sha256": _sha256(weights)}
        partial = self._next_metadata_path + ".partial"
        with open(partial, "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.replace(partial, self._next_metadata_path)
        os.replace(weights, self._weights_path)
        os.replace(self._next_metadata_path, self._training_metadata_path)

    def _load_model(self):
        # A kill between the last two replaces: the weights are the next
        # record's; promote it.
        if os.path.exists(self._next_metadata_path) and os.path.exists(self._weights_path):
            with open(self._next_metadata_path, encoding="utf-8") as f:
                record = json.load(f)
            if record.get("weights_sha256") == _sha256(self._weights_path):
                os.replace(self._next_metadata_path, self._training_metadata_path)
        if os.path.exists(self._training_metadata_path) and os.path.exists(self._weights_path):
            with open(self._training_metadata_path, encoding="utf-8") as f:
                record = json.load(f)
            recorded = record.get("weights_sha256")
            if recorded is not None and recorded != _sha256(self._weights_path):
                raise ValueError(
                    f"Backup {self._weights_path!r} does not match its record "
                    f"{self._training_metadata_path!r} (SHA-256 differs); it was changed after it was written."
                )
        super()._load_model()
