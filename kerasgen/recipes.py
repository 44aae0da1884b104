"""Training recipes: how each zoo preset is built, as data, and the `train` function that runs one.

A recipe says which model to build (class and constructor arguments), how
the data are prepared, how long to train, and which headline metric to
measure on the test set afterwards, plus a cheaper "check" measurement that
the zoo test repeats under every backend within the check's relative
tolerance (measurements are seeded with NumPy, so the tolerance covers float
differences between backends, not sampling noise). `train(recipe_or_name, out)` runs it
with a progress bar, writes a sample grid and a checkpoint each epoch, and
ends with a preset folder whose metadata holds the recipe, the versions, the
measured metrics and the command. `kerasgen train FAMILY_OR_PRESET` is the
same from the shell, and the zoo's presets were built by it (the command is
in each preset's metadata).
"""

import copy
import json
import os
import shlex
import shutil
import sys
import time

import keras
import numpy as np

from kerasgen import checks
from kerasgen import protocols
from kerasgen.data.image_format import ImageFormat

RECIPES = {
    "vae": {
        "preset": "vae_fashion_mnist",
        "description": "Convolutional VAE with a Bernoulli decoder, 16-d latent, on binarized Fashion-MNIST.",
        "model": {"class_name": "VAE", "config": {"image_shape": [28, 28, 1], "latent_dim": 16, "seed": 0}},
        "data": {"labels": False},
        "train": {"epochs": 8, "batch_size": 128, "learning_rate": 1e-3, "seed": 0},
        "check": {"metric": "nll_nats", "test_images": 100, "tolerance": 1e-3,
                  "evaluate": {"metrics": ["nll"], "nll_samples": 10}},
        "headline": {"metric": "nll_nats", "test_images": 500,
                     "evaluate": {"metrics": ["nll"], "nll_samples": 100}},
    },
    "conditional_vae": {
        "preset": "conditional_vae_fashion_mnist",
        "description": "Class-conditional convolutional VAE, 16-d latent, on binarized Fashion-MNIST.",
        "model": {"class_name": "ConditionalVAE",
                  "config": {"num_classes": 10, "image_shape": [28, 28, 1], "latent_dim": 16, "seed": 0}},
        "data": {"labels": True},
        "train": {"epochs": 8, "batch_size": 128, "learning_rate": 1e-3, "seed": 0},
        "check": {"metric": "nll_nats", "test_images": 100, "tolerance": 1e-3,
                  "evaluate": {"metrics": ["nll"], "nll_samples": 10}},
        "headline": {"metric": "nll_nats", "test_images": 500,
                     "evaluate": {"metrics": ["nll"], "nll_samples": 100}},
    },
    "dcgan": {
        "preset": "dcgan_fashion_mnist",
        "description": "DCGAN (non-saturating loss) on Fashion-MNIST scaled to [-1, 1].",
        "model": {"class_name": "DCGAN", "config": {"latent_dim": 64, "base_filters": 32, "seed": 0}},
        "data": {"labels": False},
        "train": {"epochs": 5, "batch_size": 64, "seed": 0},
        "check": {"metric": "classifier_fid", "test_images": 200, "tolerance": 1e-3,
                  "evaluate": {"metrics": ["sample_quality"], "num_samples": 200}},
        "headline": {"metric": "classifier_fid", "test_images": 1000,
                     "evaluate": {"metrics": ["sample_quality"], "num_samples": 1000}},
    },
    "conditional_gan": {
        "preset": "conditional_gan_fashion_mnist",
        "description": "Conditional DCGAN (conditional batch norm in the generator, projection "
                       "discriminator) on Fashion-MNIST scaled to [-1, 1].",
        "model": {"class_name": "ConditionalGAN",
                  "config": {"num_classes": 10, "architecture": "dcgan", "latent_dim": 64, "base_filters": 32,
                             "seed": 0}},
        "data": {"labels": True},
        "train": {"epochs": 5, "batch_size": 64, "seed": 0},
        "check": {"metric": "label_accuracy", "test_images": 200, "tolerance": 0.02,
                  "evaluate": {"metrics": ["sample_quality"], "num_samples": 200}},
        "headline": {"metric": "label_accuracy", "test_images": 1000,
                     "evaluate": {"metrics": ["sample_quality"], "num_samples": 1000}},
    },
    "gated_pixelcnn": {
        "preset": "gated_pixelcnn_fashion_mnist",
        "description": "Gated PixelCNN (Bernoulli outputs) on dynamically binarized Fashion-MNIST.",
        "model": {"class_name": "GatedPixelCNN",
                  "config": {"filters": 32, "num_layers": 5, "kernel_size": 5, "seed": 0}},
        "data": {"labels": False},
        "train": {"epochs": 1, "batch_size": 64, "learning_rate": 1e-3, "seed": 0},
        "check": {"metric": "nll_nats", "test_images": 100, "tolerance": 1e-4,
                  "evaluate": {"metrics": ["nll"]}},
        "headline": {"metric": "nll_nats", "test_images": 500,
                     "evaluate": {"metrics": ["nll"]}},
    },
    "pixelrnn": {
        "preset": "pixelrnn_row_lstm_fashion_mnist",
        "description": "PixelRNN with Row LSTM layers (Bernoulli outputs) on dynamically binarized Fashion-MNIST.",
        "model": {"class_name": "PixelRNN", "config": {"kind": "row_lstm", "units": 32, "num_layers": 2, "seed": 0}},
        "data": {"labels": False},
        "train": {"epochs": 1, "batch_size": 64, "learning_rate": 1e-3, "seed": 0},
        "check": {"metric": "nll_nats", "test_images": 100, "tolerance": 1e-4,
                  "evaluate": {"metrics": ["nll"]}},
        "headline": {"metric": "nll_nats", "test_images": 500,
                     "evaluate": {"metrics": ["nll"]}},
        "grid_images": 16,
    },
    "vqvae": {
        "preset": "vqvae_fashion_mnist",
        "description": "VQ-VAE (64 codes of 16 dims on a 7x7 grid, EMA codebook) on binarized Fashion-MNIST, "
                       "with a Gated PixelCNN prior over the code grid.",
        "model": {"class_name": "VQVAE", "config": {"num_codes": 64, "code_dim": 16, "seed": 0}},
        "data": {"labels": False},
        "train": {"epochs": 3, "batch_size": 128, "learning_rate": 1e-3, "seed": 0},
        "prior": {"epochs": 3, "batch_size": 64, "learning_rate": 1e-3, "filters": 32, "num_layers": 4},
        "check": {"metric": "reconstruction_mse", "test_images": 100, "tolerance": 1e-3,
                  "evaluate": {"metrics": ["reconstruction"]}},
        "headline": {"metric": "reconstruction_mse", "test_images": 500,
                     "evaluate": {"metrics": ["reconstruction"]}},
    },
}


for _family, _recipe in RECIPES.items():
    _recipe["family"] = _family


def families():
    """Names of the trainable families (the keys of `RECIPES`)."""
    return sorted(RECIPES)


def get_recipe(name_or_preset):
    """A copy of the recipe of a family, or the recipe stored in a preset (name or folder)."""
    if name_or_preset in RECIPES:
        return copy.deepcopy(RECIPES[name_or_preset])
    from kerasgen.presets import load_metadata, preset_dir

    try:
        folder = preset_dir(name_or_preset)
    except ValueError:
        import difflib

        names = families()
        close = difflib.get_close_matches(str(name_or_preset), names, n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(
            f"{name_or_preset!r} is neither a family ({', '.join(names)}) nor a preset.{hint}"
        ) from None
    recipe = load_metadata(folder).get("recipe")
    if not isinstance(recipe, dict) or "model" not in recipe:
        raise ValueError(f"Preset {os.fspath(name_or_preset)!r} stores no training recipe.")
    return copy.deepcopy(recipe)


def build_model(recipe):
    from kerasgen import models

    spec = recipe["model"]
    cls = getattr(models, spec["class_name"], None)
    if cls is None:
        raise ValueError(f"recipe model class {spec['class_name']!r} is not in kerasgen.models.")
    config = dict(spec["config"])
    if "image_shape" in config:
        config["image_shape"] = tuple(config["image_shape"])
    old_format = recipe.get("data", {}).get("format")
    if old_format is not None and "image_format" not in config:
        # A recipe stored by a preset made before models owned their ImageFormat.
        config["image_format"] = ImageFormat.get(old_format)
    return cls(**config)


def measure(model, recipe, which="headline", classifier="fashion_mnist_classifier", data_dir=None):
    """Runs the recipe's "headline" (or "check") evaluation on the first test images; returns `evaluate`'s dict."""
    from kerasgen.data import load
    from kerasgen.evaluation import evaluate

    head = recipe[which]
    x, y = load(recipe.get("dataset", "fashion_mnist"), split="test", data_dir=data_dir)
    n = head["test_images"]
    x_test = model.image_format.convert(x[:n], seed=0)
    kwargs = dict(head["evaluate"])
    return evaluate(model, x_test, y[:n], classifier=classifier, seed=0, **kwargs)


RUN_FILE = "run.json"


def _run_state(out, recipe, preset_dir, overwrite, resume):
    """"new", "resume" or "restart" for the run folder `out`; raises when it holds something else."""
    record = os.path.join(out, RUN_FILE)
    if not os.path.exists(out) or not os.listdir(out):
        if resume:
            raise FileNotFoundError(f"resume: {out!r} holds no run to resume; drop --resume to start one.")
        return "new"
    if overwrite:
        return "restart"
    if not os.path.isfile(record):
        raise FileExistsError(
            f"out {out!r} exists and holds no kerasgen run ({RUN_FILE}); choose another folder or "
            "pass overwrite=True (only the files a run writes are replaced)."
        )
    with open(record, encoding="utf-8") as f:
        stored = json.load(f)
    if stored.get("finished"):
        raise FileExistsError(
            f"out {out!r} holds a finished run (its preset is {stored.get('preset_dir')!r}); choose another "
            "folder or pass overwrite=True to train again."
        )
    if stored.get("recipe") != recipe or stored.get("preset_dir") != preset_dir:
        changed = sorted(k for k in set(recipe) | set(stored.get("recipe", {}))
                         if recipe.get(k) != stored.get("recipe", {}).get(k))
        if stored.get("preset_dir") != preset_dir:
            changed.append("preset_dir")
        raise ValueError(
            f"out {out!r} holds an unfinished run of another recipe (differs in {', '.join(changed)}); "
            "resume it with the same arguments, or pass overwrite=True to start again."
        )
    return "resume"


def _preset_recipe(folder):
    try:
        with open(os.path.join(folder, "metadata.json"), encoding="utf-8") as f:
            return json.load(f).get("recipe")
    except (OSError, ValueError):
        return None


def _trim_log(path, first_epoch):
    """Keeps the header and the rows of epochs before `first_epoch` (the ones a resumed run will not redo)."""
    if not os.path.isfile(path):
        return
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    kept = lines[:1] + [line for line in lines[1:] if line and int(line.split(",", 1)[0]) < first_epoch]
    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(line + "\n" for line in kept))


def train(recipe_or_name, out, *, epochs=None, preset_dir=None, overwrite=False, resume=None, verbose=1,
          steps_per_epoch=None, test_images=None, data_dir=None, command=None):
    """Trains a recipe; writes grids, checkpoints and a preset; returns the preset folder.

    A run can be killed at any point and started again with the same
    arguments: it continues from the last completed epoch
    (``out/backup``, `keras.callbacks.BackupAndRestore`) and ends with the
    weights an uninterrupted run would have. The data of epoch e are drawn
    from the recipe's seed and e alone (`pipeline(..., first_epoch=e)`) and
    the model's random state is saved with its weights, so nothing is
    replayed. Files of epochs being redone (a grid, a log row) are replaced
    by the same content; nothing else in `out` is touched.

    Args:
        recipe_or_name: a recipe dict, a family name (`families()`) or a preset.
        out: folder for ``samples/epoch_NNN.png``, ``checkpoints/``,
            ``log.csv``, ``run.json``, ``backup/`` and (unless `preset_dir`)
            ``preset/``. A new (or empty) folder, or one holding an
            unfinished run of the same arguments, which is resumed.
        epochs: int, overrides the recipe's.
        preset_dir: where the preset folder goes (default ``out/preset``).
        overwrite: bool, start again in an `out` that holds another or a
            finished run (replacing only the files a run writes) and replace
            an existing preset's files.
        resume: None (resume an unfinished run of the same arguments, else
            start one), or True (there must be one to resume).
        verbose: 1 for progress bars, 0 for silence.
        steps_per_epoch: int, epochs of this many batches, from the first
            ``steps_per_epoch * batch_size`` training images (smoke runs; recorded).
        test_images: int, measure the headline and the check on at most this
            many test images (quick runs; recorded in the stored recipe).
        data_dir: folder searched first for the Fashion-MNIST files.
        command: the command line to record (default: this process's).
    """
    from kerasgen.callbacks import BackupAndRestore, SampleGrid
    from kerasgen.data.pipelines import pipeline, steps_per_epoch as epoch_steps
    from kerasgen.presets import save_preset, trained_with

    recipe = recipe_or_name if isinstance(recipe_or_name, dict) else get_recipe(recipe_or_name)
    recipe = copy.deepcopy(recipe)
    if epochs is not None:
        recipe["train"]["epochs"] = checks.check_integer(epochs, "epochs", what="a positive integer")
    if steps_per_epoch is not None:
        recipe["train"]["steps_per_epoch"] = checks.check_integer(steps_per_epoch, "steps_per_epoch",
                                                                  what="a positive integer")
    if test_images is not None:
        test_images = checks.check_integer(test_images, "test_images", minimum=2, what="an integer of at least 2")
        for which in ("headline", "check"):
            recipe[which]["test_images"] = min(recipe[which]["test_images"], test_images)
    if resume not in (None, True):
        raise ValueError(f"resume must be None or True; got {resume!r}.")
    if resume and overwrite:
        raise ValueError("resume=True continues a run and overwrite=True starts it again; pass one of them.")
    out = os.fspath(out)
    preset_dir = os.path.join(out, "preset") if preset_dir is None else os.fspath(preset_dir)
    state = _run_state(out, recipe, preset_dir, overwrite, resume)
    # A preset this very run wrote before it was killed is its own to replace.
    own_preset = state == "resume" and _preset_recipe(preset_dir) == recipe
    if os.path.exists(preset_dir) and not (overwrite or own_preset):
        raise FileExistsError(f"preset_dir {preset_dir!r} exists; choose another folder or pass overwrite=True.")
    backup_dir = os.path.join(out, "backup")
    if state == "restart":
        # An old backup would be restored and an old log appended to; grids and
        # checkpoints are rewritten in place. Nothing else in `out` is touched.
        shutil.rmtree(backup_dir, ignore_errors=True)
        for name in (RUN_FILE, "log.csv"):
            if os.path.isfile(os.path.join(out, name)):
                os.remove(os.path.join(out, name))
    first_epoch = 0
    if state == "resume" and os.path.isfile(os.path.join(backup_dir, "training_metadata.json")):
        with open(os.path.join(backup_dir, "training_metadata.json"), encoding="utf-8") as f:
            first_epoch = int(json.load(f)["epoch"])
    os.makedirs(out, exist_ok=True)
    if state != "resume":
        with open(os.path.join(out, RUN_FILE), "w", encoding="utf-8") as f:
            json.dump({"recipe": recipe, "preset_dir": preset_dir, "finished": False}, f, indent=2)

    settings = recipe["train"]
    seed = settings.get("seed", 0)
    keras.utils.set_random_seed(seed)
    model = build_model(recipe)
    fmt, labels = model.image_format, recipe["data"]["labels"]
    steps = settings.get("steps_per_epoch")
    data = pipeline(recipe.get("dataset", "fashion_mnist"), batch_size=settings["batch_size"], labels=labels,
                    image_format=fmt, seed=seed,
                    data_dir=data_dir, drop_remainder=True, first_epoch=first_epoch,
                    take=steps * settings["batch_size"] if steps else None)
    from kerasgen.presets import compile_from_recipe

    compile_from_recipe(model, recipe)  # the choice from_preset(compile=True) makes again
    _trim_log(os.path.join(out, "log.csv"), first_epoch)
    grid_labels = np.arange(recipe.get("grid_images", 64)) % model.num_classes if model.num_classes else None
    # Per-epoch files first, the backup last: a kill between them redoes the
    # epoch, rewriting its files with the same content.
    callbacks = [
        SampleGrid(os.path.join(out, "samples", "epoch_{epoch:03d}.png"), num_images=recipe.get("grid_images", 64),
                   seed=0, labels=grid_labels,
                   overwrite=overwrite or state == "resume"),
        keras.callbacks.ModelCheckpoint(os.path.join(out, "checkpoints", "epoch_{epoch:03d}.weights.h5"),
                                        save_weights_only=True),
        keras.callbacks.CSVLogger(os.path.join(out, "log.csv"), append=True),
        BackupAndRestore(backup_dir, delete_checkpoint=False),
    ]
    if not protocols.can_sample(model):
        callbacks = callbacks[1:]  # a VQ-VAE: no samples before its prior exists
    start = time.time()
    model.fit(data, epochs=settings["epochs"], steps_per_epoch=epoch_steps(data), callbacks=callbacks,
              verbose=verbose)
    if "prior" in recipe:
        # The prior stage starts from the seed again, so a run resumed after
        # (or during) it builds and shuffles exactly as an uninterrupted one.
        keras.utils.set_random_seed(seed + 1)
        prior = dict(recipe["prior"])
        from kerasgen.data import load

        x_train, _ = load(recipe.get("dataset", "fashion_mnist"), split="train", data_dir=data_dir)
        if steps:
            x_train = x_train[: steps * prior["batch_size"]]
        codes = model.encode(fmt.convert(x_train, seed=seed))
        model.fit_prior(codes, epochs=prior.pop("epochs"), batch_size=prior.pop("batch_size"),
                        learning_rate=prior.pop("learning_rate"), verbose=verbose, **prior)
        from kerasgen.utils import save_image_grid

        os.makedirs(os.path.join(out, "samples"), exist_ok=True)
        save_image_grid(fmt.to_unit(model.sample(64, seed=0)), os.path.join(out, "samples", "final.png"),
                        scale=2, overwrite=True)
    seconds = time.time() - start
    metrics = measure(model, recipe, data_dir=data_dir)
    head, check = recipe["headline"], recipe["check"]
    check_value = measure(model, recipe, "check", data_dir=data_dir)[check["metric"]]
    name = os.path.basename(os.path.normpath(preset_dir))
    metadata = {
        "name": recipe.get("preset", name) if name == "preset" else name,
        "family": recipe.get("family"),
        "description": recipe.get("description", ""),
        "dataset": {"name": recipe.get("dataset", "fashion_mnist"), "image_format": fmt.get_config(),
                    "preprocessing": fmt.describe() + ("; test images converted once with NumPy seed 0"
                                                       if fmt.random else "")},
        "recipe": recipe,
        "trained_with": trained_with(seconds),
        "headline": {"metric": head["metric"], "value": metrics[head["metric"]],
                     "test_images": head["test_images"]},
        "check": {"metric": check["metric"], "value": check_value, "test_images": check["test_images"],
                  "tolerance": check["tolerance"]},
        "metrics": {k: v for k, v in metrics.items() if k not in ("skipped",)},
        "command": command or " ".join(shlex.quote(a) for a in ["kerasgen"] + sys.argv[1:]),
    }
    if first_epoch:
        metadata["trained_with"]["resumed_at_epoch"] = first_epoch
    save_preset(model, preset_dir, metadata, overwrite=overwrite or own_preset)
    with open(os.path.join(out, RUN_FILE), "w", encoding="utf-8") as f:
        json.dump({"recipe": recipe, "preset_dir": preset_dir, "finished": True}, f, indent=2)
    shutil.rmtree(backup_dir, ignore_errors=True)
    return preset_dir
