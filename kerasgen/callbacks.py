"""Callbacks for watching a generative model learn, and for guarding its training.

`BackupAndRestore`, `StopOnNonFiniteLoss` and its `NonFiniteLossError` are
defined in `kerasgen.training.guards` (the training base, below this module,
uses them) and public here.
"""

import numbers
import os

import numpy as np

import keras

from kerasgen import checks
from kerasgen import protocols
from kerasgen.training.guards import BackupAndRestore, NonFiniteLossError, StopOnNonFiniteLoss
from kerasgen.utils import image_grid, write_png

__all__ = ["BackupAndRestore", "EvaluationCallback", "NonFiniteLossError", "SampleGrid", "StopOnNonFiniteLoss"]


class SampleGrid(keras.callbacks.Callback):
    """Saves a grid of `model.sample(...)` every n epochs, from the same latents each time.

    At the end of every `every_n_epochs`-th epoch it calls
    `model.sample(num_images, seed=seed)` (adding `labels=labels` when labels
    are given) and writes the images with `kerasgen.utils.save_image_grid`. An
    integer seed makes the model draw the same latent batch every time, so the
    grids show one fixed set of z across epochs.

    With `tensorboard_dir` the same grid (the PNG's pixels) is also written as
    a TensorBoard image summary, tag ``"samples"``, into that folder, at step
    = the epoch as Keras counts it (0-based), the step at which
    `keras.callbacks.TensorBoard` logs that epoch's ``epoch_loss``. It works
    under every backend (it writes through `tf.summary`). Pass `path=None`
    for TensorBoard alone, without PNG files.

    A file that existed before training is never replaced unless
    `overwrite=True`: the targets are checked before the first epoch runs, and
    `FileExistsError` names the first one found. Parent folders are created.
    TensorBoard summaries go to a new event file per `fit`, so nothing there
    is replaced.

    Args:
        path: str or path-like, where to write the PNG, or None for no PNG
            (then `tensorboard_dir` is needed). May contain `{epoch}`, the
            1-based epoch, with an optional format spec (`"grid_{epoch:03d}.png"`);
            other braces must be doubled. Without `{epoch}` the same file is
            rewritten at each save, which needs `overwrite=True`.
        every_n_epochs: int >= 1.
        num_images: int >= 1, images per grid.
        seed: int, or None to use the model's own seed generator (a new batch
            of latents each time, and the model's random stream advances).
        labels: None, one class id, or `num_images` class ids, for
            conditional models.
        rows: int >= 1, or None for a grid as square as it can be.
        value_range: (low, high) of the sampled images, mapped to black and
            white, or None (default) for the model's own: the value range of
            `model.image_format`. Values outside it raise rather than being
            clipped, unless `clip`.
        scale: int >= 1, each pixel becomes a scale x scale block.
        overwrite: bool, whether existing files may be replaced.
        tensorboard_dir: str or path-like, a folder to write TensorBoard image
            summaries into (created if need be), or None for none.
        clip: bool, show values outside the range as black or white instead
            of raising: for a Gaussian decoder, whose means may leave [0, 1]
            (`kerasgen.recipes.train` sets it for those models).

    Attributes:
        written: list of the PNG paths written, in order, across `fit` calls.

    Example:

    ```python
    import os, tempfile
    import numpy as np, keras, kerasgen
    from kerasgen.callbacks import SampleGrid
    x = (np.random.rand(64, 8, 8, 1) < 0.5).astype("float32")
    vae = kerasgen.models.VAE(image_shape=(8, 8, 1), latent_dim=2, architecture="dense",
                              hidden_dims=(16,))
    vae.compile(optimizer="adam")
    folder = tempfile.mkdtemp()
    grid = SampleGrid(os.path.join(folder, "epoch_{epoch:02d}.png"), num_images=16)
    vae.fit(x, batch_size=32, epochs=2, verbose=0, callbacks=[grid])
    [os.path.basename(p) for p in grid.written]  # ['epoch_01.png', 'epoch_02.png']
    ```

    Example:

    ```python
    # The grids as TensorBoard image summaries only, beside Keras' own logs:
    # `tensorboard --logdir LOG_DIR` shows the loss curves and the samples.
    import tempfile
    import numpy as np, keras, kerasgen
    from kerasgen.callbacks import SampleGrid
    x = (np.random.rand(64, 8, 8, 1) < 0.5).astype("float32")
    vae = kerasgen.models.VAE(image_shape=(8, 8, 1), latent_dim=2, architecture="dense",
                              hidden_dims=(16,))
    vae.compile(optimizer="adam")
    log_dir = tempfile.mkdtemp()
    vae.fit(x, batch_size=32, epochs=2, verbose=0,
            callbacks=[keras.callbacks.TensorBoard(log_dir),
                       SampleGrid(None, num_images=16, tensorboard_dir=log_dir)])
    ```
    """

    def __init__(self, path, every_n_epochs=1, num_images=64, seed=0, labels=None, rows=None,
                 value_range=None, scale=2, overwrite=False, tensorboard_dir=None, clip=False):
        super().__init__()
        owner = "SampleGrid"
        if path is None and tensorboard_dir is None:
            raise ValueError(f"{owner}: path=None writes no PNG, so pass tensorboard_dir= to write the grids "
                             "to TensorBoard instead; with neither there would be nothing to write.")
        if path is not None and not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"{owner}: path must be a str, path-like or None; got {path!r}.")
        if tensorboard_dir is not None and not isinstance(tensorboard_dir, (str, os.PathLike)):
            raise TypeError(f"{owner}: tensorboard_dir must be a str, path-like or None; got {tensorboard_dir!r}.")
        path = None if path is None else os.fspath(path)
        try:
            first, second = ("", "") if path is None else (path.format(epoch=1), path.format(epoch=2))
        except (KeyError, IndexError, ValueError) as error:
            raise ValueError(
                f"{owner}: path may contain only the field {{epoch}} (write other braces as "
                f"{{{{ and }}}}); got {path!r}, which fails to format: {error!r}."
            ) from None
        self.per_epoch = first != second
        if path is not None and not self.per_epoch and not overwrite:
            raise ValueError(
                f"{owner}: path {path!r} has no {{epoch}} field, so every save would replace the "
                "last one; add {epoch} (e.g. 'grid_{epoch:03d}.png') or pass overwrite=True."
            )
        checks.check_integer(every_n_epochs, "every_n_epochs", owner)
        checks.check_integer(num_images, "num_images", owner)
        if seed is not None and not checks.is_integer(seed):
            raise ValueError(f"{owner}: seed must be an integer or None; got {seed!r}.")
        if labels is not None:
            shape = np.shape(labels)
            if len(shape) > 1 or (len(shape) == 1 and shape[0] != num_images):
                raise ValueError(
                    f"{owner}: labels must be one class id or {num_images} of them (num_images); "
                    f"got shape {shape}."
                )
        checks.check_integer(rows, "rows", owner, allow_none=True)
        if value_range is not None:  # None: the model's image format
            checks.check_value_range(value_range, owner)
        checks.check_integer(scale, "scale", owner)
        checks.check_bool(overwrite, "overwrite", owner)
        checks.check_bool(clip, "clip", owner)
        self.clip = clip
        self.path = path
        self.every_n_epochs = int(every_n_epochs)
        self.num_images = int(num_images)
        self.seed = None if seed is None else int(seed)
        self.labels = labels
        self.rows = rows
        self.value_range = None if value_range is None else (float(value_range[0]), float(value_range[1]))
        self.scale = int(scale)
        self.overwrite = overwrite
        self.tensorboard_dir = None if tensorboard_dir is None else os.fspath(tensorboard_dir)
        self.written = []
        self._checked = False
        self._writer = None

    def path_for_epoch(self, epoch):
        """The file written after `epoch` (0-based, as Keras counts) ends; None without a path."""
        return None if self.path is None else self.path.format(epoch=epoch + 1)

    def on_train_begin(self, logs=None):
        refusal = protocols.why_cannot_sample(self.model)
        if refusal is not None:
            raise TypeError(
                f"SampleGrid needs a model that can sample, with a sample(n, seed=...) method "
                f"(a kerasgen.protocols.Sampler); {refusal}."
            )
        self._checked = False
        if self.tensorboard_dir is not None and self._writer is None:
            import tensorflow as tf  # tf.summary writes the event files under every backend

            self._writer = tf.summary.create_file_writer(self.tensorboard_dir)

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def on_epoch_begin(self, epoch, logs=None):
        # Checked at the first epoch rather than in on_train_begin because only
        # here is the starting epoch known (fit(initial_epoch=...) resumes), so
        # grids of earlier epochs from the run being resumed are left alone.
        # Nothing has trained or been written yet.
        if self._checked:
            return
        self._checked = True
        if self.overwrite or self.path is None:
            return
        last = (self.params or {}).get("epochs") or epoch + 1
        for e in range(epoch, last):
            if (e + 1) % self.every_n_epochs == 0 and os.path.exists(self.path_for_epoch(e)):
                raise FileExistsError(
                    f"SampleGrid: {self.path_for_epoch(e)} exists and would be replaced at "
                    f"epoch {e + 1}; choose another path or pass overwrite=True."
                )

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs:
            return
        kwargs = {} if self.labels is None else {"labels": self.labels}
        images = self.model.sample(self.num_images, seed=self.seed, **kwargs)
        try:
            value_range = self.value_range or protocols.value_range(self.model)
            grid = image_grid(images, rows=self.rows, value_range=value_range, scale=self.scale, clip=self.clip)
        except ValueError as error:
            raise ValueError(
                f"SampleGrid at epoch {epoch + 1}: {error} " + (
                    "Pass the samples' range as value_range, or None for the model's image format."
                    if self.value_range is not None else
                    f"The samples leave the range of the model's {self.model.image_format!r}; pass clip=True "
                    "to show them clipped (a Gaussian decoder's means may leave it), or their "
                    "range as value_range.")
            ) from error
        if self._writer is not None:
            import tensorflow as tf

            with self._writer.as_default():
                tf.summary.image("samples", grid[None], step=epoch, max_outputs=1)
            self._writer.flush()
        path = self.path_for_epoch(epoch)
        if path is None:
            return
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        write_png(grid, path, overwrite=self.overwrite)
        self.written.append(path)


class EvaluationCallback(keras.callbacks.Callback):
    """Runs `kerasgen.evaluate` on held-out data every n epochs during `fit`.

    The numeric results join the epoch's logs with a prefix (``eval_nll_nats``,
    ``eval_classifier_fid``, ...), so `History`, `CSVLogger`, early stopping
    and checkpoints can use them; every full result dict is kept in
    `results`.

    Args:
        data: held-out images in the model's input format (or ``(x, y)``).
        labels: their class ids, or None.
        every_n_epochs: int >= 1.
        prefix: str put before each key in the logs.
        **evaluate_kwargs: passed to `kerasgen.evaluate` (`metrics`,
            `classifier`, `num_samples`, `seed`, ...).

    Attributes:
        results: list of (epoch, dict) pairs, epoch 1-based.

    Example:

    ```python
    import numpy as np, kerasgen
    x = (np.random.rand(64, 8, 8, 1) > 0.5).astype("float32")
    model = kerasgen.models.PixelCNN(image_shape=(8, 8, 1), filters=8, num_blocks=1)
    model.compile(optimizer="adam")
    cb = kerasgen.callbacks.EvaluationCallback(x[:32], metrics=["nll"])
    history = model.fit(x, epochs=2, verbose=0, callbacks=[cb])
    len(history.history["eval_nll_nats"])  # 2
    ```
    """

    def __init__(self, data, labels=None, every_n_epochs=1, prefix="eval_", **evaluate_kwargs):
        super().__init__()
        checks.check_integer(every_n_epochs, "every_n_epochs", "EvaluationCallback")
        if not isinstance(prefix, str):
            raise TypeError(f"EvaluationCallback: prefix must be a str; got {prefix!r}.")
        self.data, self.labels = data, labels
        self.every_n_epochs, self.prefix = int(every_n_epochs), prefix
        self.evaluate_kwargs = evaluate_kwargs
        self.results = []

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs:
            return
        from kerasgen.evaluation import evaluate

        result = evaluate(self.model, self.data, self.labels, **self.evaluate_kwargs)
        self.results.append((epoch + 1, result))
        if logs is not None:
            for key, value in result.items():
                if isinstance(value, numbers.Real) and not isinstance(value, bool):
                    logs[self.prefix + key] = float(value)
