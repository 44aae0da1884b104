"""A user's training script for the kill-and-resume tests (tests/test_resume.py).

Trains a tiny VAE, then a tiny DCGAN, with `keras.callbacks.BackupAndRestore`
(one backup folder each) and saves each model's final weights as .npz. With
``--kill MODEL:EPOCH:BATCH`` the process SIGKILLs itself at that batch of
that model's training, the first time only (a marker file remembers it), so
the same command run again resumes where the backup left off.

    python tests/resume_worker.py FOLDER [--kill vae:1:2]
"""

import argparse
import os
import signal

import keras
import numpy as np

EPOCHS = 3


def data():
    x = (np.random.default_rng(0).random((64, 28, 28, 1)) < 0.3).astype("float32")
    return {"vae": x, "dcgan": x * 2.0 - 1.0}


def make(kind):
    from kerasgen.models import DCGAN, VAE

    keras.utils.set_random_seed(0)
    if kind == "vae":
        model = VAE(image_shape=(28, 28, 1), latent_dim=2, architecture="dense", hidden_dims=(16,), seed=1)
        model.compile(optimizer=keras.optimizers.Adam(1e-2))
    else:
        model = DCGAN(image_shape=(28, 28, 1), latent_dim=4, base_filters=4, seed=1)
        model.compile()
    return model


def fit(model, x, callbacks=()):
    model.fit(x, batch_size=16, epochs=EPOCHS, shuffle=False, verbose=0, callbacks=list(callbacks))
    return model


class KillAt(keras.callbacks.Callback):
    def __init__(self, epoch, batch, marker):
        super().__init__()
        self.at, self.marker, self.epoch = (epoch, batch), marker, None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch) == self.at and not os.path.exists(self.marker):
            open(self.marker, "w").close()
            os.kill(os.getpid(), signal.SIGKILL)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--kill", default="", help="MODEL:EPOCH:BATCH")
    args = parser.parse_args()
    for kind, x in data().items():
        final = os.path.join(args.folder, f"{kind}.npz")
        if os.path.exists(final):
            continue
        callbacks = [keras.callbacks.BackupAndRestore(os.path.join(args.folder, f"{kind}_backup"))]
        if args.kill.startswith(kind + ":"):
            _, epoch, batch = args.kill.split(":")
            callbacks.append(KillAt(int(epoch), int(batch), os.path.join(args.folder, f"{kind}_killed")))
        model = fit(make(kind), x, callbacks)
        np.savez(final, *[np.asarray(v) for v in model.weights])


if __name__ == "__main__":
    main()
