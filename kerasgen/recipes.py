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

`train(..., data=PATH_OR_NAME)` (``kerasgen train FAMILY --data ...``)
trains a family on other images: `for_data` fits the recipe's model to their
size and channels, and `train_classifier_preset` (``kerasgen train
classifier``) makes the evaluation classifier their sample-quality metrics need.
"""

import contextlib
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


# Each helper states a metric's relative tolerance once: the check (the test suite, every backend) and the
# headline (`kerasgen verify`) are re-measured against their records within it.
def _nll(tolerance, nll_samples=None):
    """Check (100 test images) and headline (500) of the test NLL; a bound's K grows 10x for the headline."""
    def stage(n, k):
        return {"metric": "nll_nats", "test_images": n, "tolerance": tolerance,
                "evaluate": {"metrics": ["nll"], **({"nll_samples": k} if k else {})}}
    return {"check": stage(100, nll_samples), "headline": stage(500, nll_samples and 10 * nll_samples)}


def _reconstruction(tolerance=1e-3, metric="reconstruction_mse"):
    """Check (100 test images) and headline (500) of the reconstruction (or a denoiser's denoising) error."""
    def stage(n):
        return {"metric": metric, "test_images": n, "tolerance": tolerance,
                "evaluate": {"metrics": ["reconstruction"]}}
    return {"check": stage(100), "headline": stage(500)}


def _sample_quality(metric, tolerance):
    """Check (200 test images and samples) and headline (1000) of a sample-quality metric."""
    def stage(n):
        return {"metric": metric, "test_images": n, "tolerance": tolerance,
                "evaluate": {"metrics": ["sample_quality"], "num_samples": n}}
    return {"check": stage(200), "headline": stage(1000)}


RECIPES = {
    "vae": {
        "preset": "vae_fashion_mnist",
        "description": "Convolutional VAE with a Bernoulli decoder, 16-d latent, on binarized Fashion-MNIST.",
        "model": {"class_name": "VAE", "config": {"image_shape": [28, 28, 1], "latent_dim": 16, "seed": 0}},
        "data": {"labels": False},
        # 15 epochs (8 before): about 7 minutes of the 2-core CPU (its metadata has the time).
        "train": {"epochs": 15, "batch_size": 128, "learning_rate": 1e-3, "seed": 0},
        **_nll(1e-3, nll_samples=10),
    },
    "beta_vae": {
        "preset": "beta_vae_fashion_mnist",
        "description": "beta-VAE (beta = 4: the KL term weighs 4 times, for a smoother, more factorised code) with "
                       "the VAE's networks, 16-d latent, on binarized Fashion-MNIST.",
        "model": {"class_name": "VAE",
                  "config": {"image_shape": [28, 28, 1], "latent_dim": 16, "beta": 4.0, "seed": 0}},
        "data": {"labels": False},
        # The VAE's schedule, so the two presets differ in beta alone: the NLL beta costs is their difference.
        "train": {"epochs": 15, "batch_size": 128, "learning_rate": 1e-3, "seed": 0},
        **_nll(1e-3, nll_samples=10),
    },
    "conditional_vae": {
        "preset": "conditional_vae_fashion_mnist",
        "description": "Class-conditional convolutional VAE, 16-d latent, on binarized Fashion-MNIST.",
        "model": {"class_name": "ConditionalVAE",
                  "config": {"num_classes": 10, "image_shape": [28, 28, 1], "latent_dim": 16, "seed": 0}},
        "data": {"labels": True},
        # The VAE's schedule (8 epochs before), so its -log p(x | y) sits beside the VAE's -log p(x) at one budget.
        "train": {"epochs": 15, "batch_size": 128, "learning_rate": 1e-3, "seed": 0},
        **_nll(1e-3, nll_samples=10),
    },
    "dcgan": {
        "preset": "dcgan_fashion_mnist",
        "description": "DCGAN (non-saturating loss) on Fashion-MNIST scaled to [-1, 1].",
        # base_filters 64 and Adam 2e-4 for both: the "base64" variant of BENCHMARKS.md's recipe search
        # (FID* 50.4 after 5 epochs, against 63.3 at 32 filters and 67.1 with two-timescale rates).
        "model": {"class_name": "DCGAN", "config": {"latent_dim": 64, "base_filters": 64, "seed": 0}},
        "data": {"labels": False},
        "train": {"epochs": 10, "batch_size": 64, "seed": 0},
        **_sample_quality("classifier_fid", 1e-3),
    },
    "conditional_gan": {
        "preset": "conditional_gan_fashion_mnist",
        "description": "Conditional DCGAN (conditional batch norm in the generator, projection "
                       "discriminator) on Fashion-MNIST scaled to [-1, 1].",
        "model": {"class_name": "ConditionalGAN",
                  "config": {"num_classes": 10, "architecture": "dcgan", "latent_dim": 64, "base_filters": 64,
                             "seed": 0}},
        "data": {"labels": True},
        # The DCGAN's networks and rates, so the DCGAN's recipe search chose the width (not searched again).
        "train": {"epochs": 10, "batch_size": 64, "seed": 0},
        **_sample_quality("label_accuracy", 0.02),
    },
    "gated_pixelcnn": {
        "preset": "gated_pixelcnn_fashion_mnist",
        "description": "Gated PixelCNN (Bernoulli outputs) on dynamically binarized Fashion-MNIST.",
        "model": {"class_name": "GatedPixelCNN",
                  "config": {"filters": 32, "num_layers": 5, "kernel_size": 5, "seed": 0}},
        "data": {"labels": False},
        # 3 epochs (1 before), about half an hour of the 2-core CPU; the PixelCNN and the Row LSTM take the same
        # epochs, so the literature's orderings among them compare architectures at one budget.
        "train": {"epochs": 3, "batch_size": 64, "learning_rate": 1e-3, "seed": 0},
        **_nll(1e-4),
    },
    "pixelrnn": {
        "preset": "pixelrnn_row_lstm_fashion_mnist",
        "description": "PixelRNN with Row LSTM layers (Bernoulli outputs) on dynamically binarized Fashion-MNIST.",
        "model": {"class_name": "PixelRNN", "config": {"kind": "row_lstm", "units": 32, "num_layers": 2, "seed": 0}},
        "data": {"labels": False},
        "train": {"epochs": 3, "batch_size": 64, "learning_rate": 1e-3, "seed": 0},
        **_nll(1e-4),
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
        **_reconstruction(),
    },
    # The autoencoders: 20 epochs, a few minutes each; the denoiser's headline is its denoising error.
    "autoencoder": {
        "preset": "autoencoder_fashion_mnist",
        "description": "Convolutional autoencoder (Bernoulli observation model, 32-d code) on Fashion-MNIST in [0, 1].",
        "model": {"class_name": "Autoencoder", "config": {"image_shape": [28, 28, 1], "latent_dim": 32, "seed": 0}},
        "data": {"labels": False},
        "train": {"epochs": 20, "batch_size": 128, "learning_rate": 1e-3, "seed": 0},
        **_reconstruction(),
    },
    "denoising_autoencoder": {
        "preset": "denoising_autoencoder_fashion_mnist",
        "description": "Denoising convolutional autoencoder (Gaussian corruption, std 0.3) on Fashion-MNIST in [0, 1].",
        "model": {"class_name": "DenoisingAutoencoder",
                  "config": {"image_shape": [28, 28, 1], "latent_dim": 32, "noise_level": 0.3, "seed": 0}},
        "data": {"labels": False},
        "train": {"epochs": 20, "batch_size": 128, "learning_rate": 1e-3, "seed": 0},
        **_reconstruction(metric="denoising_mse"),
    },
    "wgan_gp": {
        "preset": "wgan_gp_fashion_mnist",
        "description": "WGAN-GP (DCGAN-style networks, 5 critic steps per generator step) on Fashion-MNIST in [-1, 1].",
        "model": {"class_name": "WGANGP",
                  "config": {"image_shape": [28, 28, 1], "architecture": "dcgan", "latent_dim": 64,
                             "base_filters": 32, "seed": 0}},
        "data": {"labels": False},
        "train": {"epochs": 10, "batch_size": 64, "seed": 0},
        **_sample_quality("classifier_fid", 1e-3),
    },
    # 3 epochs, as every autoregressive preset: the four compare at one budget in epochs. 12 residual blocks
    # of 32 filters (5 of 48 before), about the same cost an epoch with a wider view of the image: 243.8 nats
    # against 244.3 in the recipe search (variant deep12_f32), and below the keras-io PixelCNN's 244.2.
    "pixelcnn": {
        "preset": "pixelcnn_fashion_mnist",
        "description": "PixelCNN (Bernoulli outputs, 12 residual blocks) on dynamically binarized Fashion-MNIST.",
        "model": {"class_name": "PixelCNN", "config": {"filters": 32, "num_blocks": 12, "seed": 0}},
        "data": {"labels": False},
        "train": {"epochs": 3, "batch_size": 64, "learning_rate": 1e-3, "seed": 0},
        **_nll(1e-4),
    },
    "pixelrnn_diagonal": {
        "preset": "pixelrnn_diagonal_bilstm_fashion_mnist",
        "description": "PixelRNN with Diagonal BiLSTM layers (Bernoulli outputs) on dynamically binarized Fashion-MNIST.",
        "model": {"class_name": "PixelRNN",
                  "config": {"kind": "diagonal_bilstm", "units": 32, "num_layers": 2, "seed": 0}},
        "data": {"labels": False},
        # 3 epochs (1 before), the other autoregressive presets' epochs: about an hour of the 2-core CPU.
        "train": {"epochs": 3, "batch_size": 64, "learning_rate": 1e-3, "seed": 0},
        **_nll(1e-4),
        "grid_images": 16,
    },
}

CLASSIFIER_RECIPE = {"epochs": 5, "batch_size": 128, "learning_rate": 1e-3, "seed": 0}
"""How `train_classifier_preset` (``kerasgen train classifier``) trains an evaluation classifier."""


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


# What changes in a family's model for RGB images: observation models for
# 0..255 colour (a binarized colour image is no image a user wants), and
# widths the colour-group masks can split in three.
_RGB_LIKELIHOOD = {"VAE": "gaussian", "ConditionalVAE": "gaussian", "VQVAE": "gaussian",
                   "PixelCNN": "logistic_mixture", "GatedPixelCNN": "logistic_mixture",
                   "PixelRNN": "logistic_mixture"}
_RGB_WIDTH = {"PixelCNN": ("filters", 6), "GatedPixelCNN": ("filters", 3), "PixelRNN": ("units", 3)}


def dataset_slug(data):
    """A short name for a dataset in preset and folder names: a path's last part without its extension."""
    return os.path.splitext(os.path.basename(os.path.normpath(os.fspath(data))))[0]


def is_fashion_mnist(recipe):
    """Whether `recipe` trains on Fashion-MNIST as it is (the zoo's data), rather than on other images."""
    data = recipe.get("data", {})
    return recipe.get("dataset", "fashion_mnist") == "fashion_mnist" and not (
        data.get("image_size") or data.get("channels"))


def load_data(recipe, split, data_dir=None):
    """(uint8 images, labels or None) of the recipe's dataset and split, sized as the recipe says."""
    from kerasgen.data import load

    data = recipe.get("data", {})
    return load(recipe.get("dataset", "fashion_mnist"), split=split, data_dir=data_dir,
                image_size=data.get("image_size"), channels=data.get("channels"))


def for_data(recipe, data, *, image_size=None, channels=None, data_dir=None):
    """A copy of `recipe` that trains on `data`: a folder, an .npy/.npz file or a dataset name.

    The model's image shape is the data's (after `image_size` and
    `channels`, the rule of `kerasgen.data.load`); a conditional model's
    classes are the data's labels (class subfolders, or an .npz's labels).
    For RGB images the VAEs and the VQ-VAE model 8-bit colour with a
    Gaussian decoder, and the autoregressive models with a discretized
    mixture of logistics over the 256 levels of each subpixel (bits/dim
    comparable with published CIFAR-10 figures); their widths are rounded
    up to what the colour masks need.

    Args:
        recipe: a recipe dict (`get_recipe`).
        data: str or path-like: a folder of images, an .npy/.npz file, or a
            dataset name for `kerasgen.data.load` (``fashion_mnist``, a TFDS name).
        image_size: None or int, images cropped to their central square and resized to N x N.
        channels: None (as the data are), 1 or 3.
        data_dir: folder searched first for a named dataset's files.

    Returns:
        The new recipe (with ``dataset`` and ``data.image_size``/``data.channels`` set).
    """
    from kerasgen.data.files import is_file_source

    recipe = copy.deepcopy(recipe)
    if not isinstance(data, (str, os.PathLike)):
        raise TypeError(f"data must be a folder, an .npy/.npz file or a dataset name; got {type(data).__name__}.")
    recipe["dataset"] = os.path.abspath(os.fspath(data)) if is_file_source(data) else os.fspath(data)
    for key, value in (("image_size", image_size), ("channels", channels)):
        if value is None:
            recipe["data"].pop(key, None)
        else:
            recipe["data"][key] = value
    x, y = load_data(recipe, "train", data_dir)
    spec = recipe["model"]
    config = spec["config"]
    config["image_shape"] = [int(d) for d in x.shape[1:]]
    if "num_classes" in config:
        if y is None:
            raise ValueError(
                f"{spec['class_name']} is class-conditional and needs labels, and {recipe['dataset']!r} has none: "
                "put the images in one subfolder per class, or store labels in the .npz (key 'labels')."
            )
        config["num_classes"] = int(y.max()) + 1
        if config["num_classes"] < 2:
            raise ValueError(f"{spec['class_name']} needs at least 2 classes; {recipe['dataset']!r} has 1.")
    if x.shape[-1] == 3:
        cls = spec["class_name"]
        if cls in _RGB_LIKELIHOOD:
            config["likelihood"] = _RGB_LIKELIHOOD[cls]
        if cls in _RGB_WIDTH:
            from kerasgen.models.autoregressive.base import default_width

            key, step = _RGB_WIDTH[cls]
            if key in config:
                config[key] = default_width(None, config[key], step)
    if not is_fashion_mnist(recipe):
        recipe["preset"] = f"{recipe.get('family', 'model')}_{dataset_slug(recipe['dataset'])}"
        recipe["description"] = f"{recipe.get('description', '').split(' on ')[0]} on {recipe['dataset']}."
    return recipe


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


def default_classifier(recipe):
    """The evaluation classifier for the recipe's data: the zoo's for Fashion-MNIST, else None (none known)."""
    return "fashion_mnist_classifier" if is_fashion_mnist(recipe) else None


def measure(model, recipe, which="headline", classifier="auto", data_dir=None):
    """Runs the recipe's "headline" (or "check") evaluation on the first test images; returns `evaluate`'s dict.

    `classifier` "auto" is `default_classifier(recipe)`; a preset name or
    folder (``kerasgen train classifier --data ...``), or None for none.
    """
    from kerasgen.evaluation import evaluate

    head = recipe[which]
    if classifier == "auto":
        classifier = default_classifier(recipe)
    x, y = load_data(recipe, "test", data_dir)
    n = head["test_images"]
    x_test = model.image_format.convert(x[:n], seed=0)
    kwargs = dict(head["evaluate"])
    return evaluate(model, x_test, None if y is None else y[:n], classifier=classifier, seed=0, **kwargs)


def _headline(spec, metrics, classifier):
    """A headline (or check) entry; a metric that could not be measured is recorded with the reason."""
    entry = {"metric": spec["metric"], "value": metrics.get(spec["metric"]), "test_images": spec["test_images"]}
    if entry["value"] is None:
        entry["skipped"] = (
            f"{spec['metric']} needs an evaluation classifier for these images and none was given "
            "(kerasgen train classifier --data ..., then --classifier PRESET)" if classifier is None
            else f"{spec['metric']} was not measured")
    return entry


RUN_FILE = "run.json"


def _run_state(out, recipe, preset_dir, overwrite, resume):
    """"new", "resume" or "restart" for the run folder `out`; raises when it holds something else."""
    record = os.path.join(out, RUN_FILE)
    if not os.path.exists(out) or not os.listdir(out):
        if resume:
            raise FileNotFoundError(f"resume: {out!r} holds no run to resume; drop --resume to start one.")
        return "new"
    if overwrite:
        # Only a finished run or another one starts again: an unfinished run of these very arguments is
        # continued, so that a command with overwrite, killed and given again, resumes as any other does.
        try:
            with open(record, encoding="utf-8") as f:
                stored = json.load(f)
        except (OSError, ValueError):
            return "restart"
        same = stored.get("recipe") == recipe and stored.get("preset_dir") == preset_dir
        return "resume" if same and not stored.get("finished") else "restart"
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


def _devices_scope(devices):
    if devices is None:
        return contextlib.nullcontext()
    from kerasgen.training import data_parallel

    return data_parallel(devices)


def train(recipe_or_name, out, *, data=None, image_size=None, channels=None, classifier="auto", epochs=None,
          preset_dir=None, overwrite=False, resume=None, verbose=1, steps_per_epoch=None, test_images=None,
          grid_images=None, batch_size=None, data_dir=None, command=None, devices=None):
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
        data: None (the recipe's data, Fashion-MNIST for the families), or
            your images: a folder (one subfolder per class gives labels),
            an .npy/.npz file, or a dataset name (a TFDS one included); the
            model is fitted to their size and channels (`for_data`). Your
            images' test split is the seeded held-out 10%, recorded in the
            preset's metadata (``dataset.split``).
        image_size: None, or int N: images cropped to their central square
            and resized to N x N (needed for a folder of mixed sizes).
        channels: None (as the data are), 1 (grey) or 3 (RGB).
        classifier: the evaluation classifier of the sample-quality
            headlines (GANs): "auto" (the zoo's for Fashion-MNIST, none for
            other data), a classifier preset name or folder
            (``kerasgen train classifier --data ...``), or None. Without one
            a GAN's headline is recorded as skipped, with the reason.
        out: folder for ``samples/epoch_NNN.png``, ``checkpoints/``,
            ``log.csv``, ``run.json``, ``backup/`` and (unless `preset_dir`)
            ``preset/``. A new (or empty) folder, or one holding an
            unfinished run of the same arguments, which is resumed.
        epochs: int, overrides the recipe's.
        preset_dir: where the preset folder goes (default ``out/preset``).
        overwrite: bool, start again in an `out` that holds another or a
            finished run (replacing only the files a run writes) and replace
            an existing preset's files. An unfinished run of the same
            arguments is still resumed, so a killed command with
            ``overwrite`` continues when given again.
        resume: None (resume an unfinished run of the same arguments, else
            start one), or True (there must be one to resume).
        verbose: 1 for progress bars, 0 for silence.
        steps_per_epoch: int, epochs of this many batches, from the first
            ``steps_per_epoch * batch_size`` training images (smoke runs; recorded).
        test_images: int, measure the headline and the check on at most this
            many test images (quick runs; recorded in the stored recipe).
        batch_size: int, overrides the recipe's (recorded; at most the
            number of training images).
        grid_images: int, images in each epoch's sample grid (default the
            recipe's, 64 for most); 0 for no grids (autoregressive models
            sample one subpixel at a time, slowly at 64 x 64 x 3).
        data_dir: folder searched first for the Fashion-MNIST files.
        command: the command line to record (default: this process's).
        devices: None (one device), or int N: train data-parallel on N
            devices (`kerasgen.training.data_parallel`); the batch size must
            be a multiple of N.
    """
    from kerasgen.callbacks import BackupAndRestore, SampleGrid
    from kerasgen.data.pipelines import pipeline, steps_per_epoch as epoch_steps
    from kerasgen.presets import save_preset, trained_with

    recipe = recipe_or_name if isinstance(recipe_or_name, dict) else get_recipe(recipe_or_name)
    recipe = copy.deepcopy(recipe)
    if data is not None or image_size is not None or channels is not None:
        recipe = for_data(recipe, recipe.get("dataset", "fashion_mnist") if data is None else data,
                          image_size=image_size, channels=channels, data_dir=data_dir)
    if grid_images is not None:
        recipe["grid_images"] = checks.check_integer(grid_images, "grid_images", minimum=0,
                                                     what="an integer >= 0")
    if classifier not in ("auto", None):
        from kerasgen.presets import preset_dir as find_preset

        classifier = find_preset(classifier)  # a clear error now, not after training
    if epochs is not None:
        recipe["train"]["epochs"] = checks.check_integer(epochs, "epochs", what="a positive integer")
    if batch_size is not None:
        recipe["train"]["batch_size"] = checks.check_integer(batch_size, "batch_size", what="a positive integer")
        if "prior" in recipe:
            recipe["prior"]["batch_size"] = min(recipe["prior"]["batch_size"], recipe["train"]["batch_size"])
    if steps_per_epoch is not None:
        recipe["train"]["steps_per_epoch"] = checks.check_integer(steps_per_epoch, "steps_per_epoch",
                                                                  what="a positive integer")
    if test_images is not None:
        test_images = checks.check_integer(test_images, "test_images", minimum=2, what="an integer of at least 2")
        for which in ("headline", "check"):
            recipe[which]["test_images"] = min(recipe[which]["test_images"], test_images)
    if devices is not None:
        devices = checks.check_integer(devices, "devices", what="an integer >= 1")
        for stage in ("train", "prior"):
            batch = recipe.get(stage, {}).get("batch_size", 0)
            if batch % devices:
                raise ValueError(
                    f"devices is {devices}, and data-parallel training splits every batch evenly across them; "
                    f"the {'prior' if stage == 'prior' else 'model'}'s batch size is {batch}. Pass a batch_size "
                    f"that is a multiple of {devices}.")
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
    # Data-parallel (devices): the model is built, compiled and fitted on the engine's devices; the
    # measurements below run after, as on one device.
    with _devices_scope(devices):
        model = build_model(recipe)
        fmt, labels = model.image_format, recipe["data"]["labels"]
        steps = settings.get("steps_per_epoch")
        x_train, y_train = load_data(recipe, "train", data_dir)
        if labels and y_train is None:
            raise ValueError(f"{type(model).__name__} is class-conditional and {recipe.get('dataset')!r} has no labels.")
        data = pipeline(x_train if y_train is None else (x_train, y_train), batch_size=settings["batch_size"],
                        labels=labels, image_format=fmt, seed=seed, drop_remainder=True, first_epoch=first_epoch,
                        take=steps * settings["batch_size"] if steps else None)
        from kerasgen.presets import compile_from_recipe

        compile_from_recipe(model, recipe)  # the choice from_preset(compile=True) makes again
        _trim_log(os.path.join(out, "log.csv"), first_epoch)
        grid_labels = np.arange(recipe.get("grid_images", 64) or 1) % model.num_classes if model.num_classes else None
        # Per-epoch files first, the backup last: a kill between them redoes the
        # epoch, rewriting its files with the same content.
        # A Gaussian decoder's means may leave [0, 1]: its pictures show them clipped (and say so in the metadata).
        clip = protocols.samples_may_leave_range(model)
        callbacks = [
            SampleGrid(os.path.join(out, "samples", "epoch_{epoch:03d}.png"), num_images=recipe.get("grid_images", 64) or 1,
                       seed=0, labels=grid_labels, clip=clip,
                       overwrite=overwrite or state == "resume"),
            keras.callbacks.ModelCheckpoint(os.path.join(out, "checkpoints", "epoch_{epoch:03d}.weights.h5"),
                                            save_weights_only=True),
            keras.callbacks.CSVLogger(os.path.join(out, "log.csv"), append=True),
            BackupAndRestore(backup_dir, delete_checkpoint=False),
        ]
        if not protocols.can_sample(model) or not recipe.get("grid_images", 64):
            callbacks = callbacks[1:]  # a VQ-VAE (no samples before its prior exists), or grids turned off
        start = time.time()
        model.fit(data, epochs=settings["epochs"], steps_per_epoch=epoch_steps(data), callbacks=callbacks,
                  verbose=verbose)
        if "prior" in recipe:
            # The prior stage starts from the seed again, so a run resumed after
            # (or during) it builds and shuffles exactly as an uninterrupted one.
            keras.utils.set_random_seed(seed + 1)
            prior = dict(recipe["prior"])
            x_prior = x_train[: steps * prior["batch_size"]] if steps else x_train
            codes = model.encode(fmt.convert(x_prior, seed=seed))
            model.fit_prior(codes, epochs=prior.pop("epochs"), batch_size=prior.pop("batch_size"),
                            learning_rate=prior.pop("learning_rate"), verbose=verbose, **prior)
            from kerasgen.utils import save_image_grid

            os.makedirs(os.path.join(out, "samples"), exist_ok=True)
            if recipe.get("grid_images", 64):
                save_image_grid(fmt.to_unit(model.sample(recipe.get("grid_images", 64), seed=0)),
                                os.path.join(out, "samples", "final.png"), scale=2, overwrite=True, clip=clip)
    seconds = time.time() - start
    metrics = measure(model, recipe, classifier=classifier, data_dir=data_dir)
    head, check = recipe["headline"], recipe["check"]
    check_value = measure(model, recipe, "check", classifier=classifier, data_dir=data_dir).get(check["metric"])
    name = os.path.basename(os.path.normpath(preset_dir))
    from kerasgen.data.sources import split_info

    used_classifier = default_classifier(recipe) if classifier == "auto" else classifier
    metadata = {
        "name": (recipe.get("preset") or f"{recipe.get('family')}_model") if name == "preset" else name,
        "family": recipe.get("family"),
        "description": recipe.get("description", ""),
        "dataset": {"name": recipe.get("dataset", "fashion_mnist"), "image_format": fmt.get_config(),
                    "image_shape": list(model.image_shape), "train_images": int(len(x_train)),
                    "labels": y_train is not None, "split": split_info(recipe.get("dataset", "fashion_mnist"),
                                                                        data_dir),
                    "preprocessing": fmt.describe() + ("; test images converted once with NumPy seed 0"
                                                       if fmt.random else "")},
        "recipe": recipe,
        "trained_with": trained_with(seconds),
        "headline": dict(_headline(head, metrics, used_classifier),
                         tolerance=head.get("tolerance", check["tolerance"])),
        "check": dict(_headline(check, {check["metric"]: check_value}, used_classifier),
                      tolerance=check["tolerance"]),
        "evaluation_classifier": used_classifier,
        "sample_grids": ("none (grid_images=0)" if not recipe.get("grid_images", 64) else
                         "Gaussian decoder means, clipped to [0, 1] for display" if clip else "samples as drawn"),
        "metrics": {k: v for k, v in metrics.items() if k not in ("skipped",)},
        "command": command or " ".join(shlex.quote(a) for a in ["kerasgen"] + sys.argv[1:]),
    }
    if first_epoch:
        metadata["trained_with"]["resumed_at_epoch"] = first_epoch
    save_preset(model, preset_dir, metadata, overwrite=overwrite or own_preset)
    # The pictures go beside the preset's files (not digested: they are not loaded), then into its metadata.
    from kerasgen.pictures import write_pictures
    from kerasgen.presets import update_metadata

    x_test, y_test = load_data(recipe, "test", data_dir)
    update_metadata(preset_dir, {"pictures": write_pictures(
        model, preset_dir, x_test, y_test, num_samples=recipe.get("grid_images", 64), overwrite=True)})
    with open(os.path.join(out, RUN_FILE), "w", encoding="utf-8") as f:
        json.dump({"recipe": recipe, "preset_dir": preset_dir, "finished": True}, f, indent=2)
    shutil.rmtree(backup_dir, ignore_errors=True)
    return preset_dir


def train_classifier_preset(data, preset_dir, *, image_size=None, channels=None, epochs=None, overwrite=False,
                            verbose=1, data_dir=None, command=None):
    """Trains an evaluation classifier on labelled images and saves it as a preset; returns its folder.

    The classifier's features are the feature space of the sample-quality
    metrics (`kerasgen.evaluate(..., classifier=folder)`, ``kerasgen
    evaluate --classifier``, ``kerasgen train dcgan --classifier``) for
    models of these images, as the zoo's ``fashion_mnist_classifier`` is
    for Fashion-MNIST. It trains on the data's training split
    (`CLASSIFIER_RECIPE`) and its accuracy on the test split (your own
    images: the seeded held-out 10%) is in the metadata.

    Args:
        data: a folder with one subfolder per class, an .npz with labels, or a labelled dataset name.
        preset_dir: the folder to write (must not exist unless `overwrite`).
        image_size, channels: as in `train`.
        epochs: int, overrides `CLASSIFIER_RECIPE`'s.
        overwrite: bool, replace an existing preset's files.
        verbose: 1 for a progress bar, 0 for silence.
        data_dir: folder searched first for a named dataset's files.
        command: the command line to record.
    """
    from kerasgen.data.sources import split_info
    from kerasgen.metrics import train_classifier
    from kerasgen.models import Classifier
    from kerasgen.presets import save_preset, trained_with

    recipe = dict(CLASSIFIER_RECIPE, data={"labels": True})
    if epochs is not None:
        recipe["epochs"] = checks.check_integer(epochs, "epochs", what="a positive integer")
    recipe = for_data(dict(recipe, model={"class_name": "Classifier", "config": {}}), data,
                      image_size=image_size, channels=channels, data_dir=data_dir)
    preset_dir = os.fspath(preset_dir)
    if os.path.exists(preset_dir) and not overwrite:
        raise FileExistsError(f"preset_dir {preset_dir!r} exists; choose another folder or pass overwrite=True.")
    x, y = load_data(recipe, "train", data_dir)
    x_test, y_test = load_data(recipe, "test", data_dir)
    if y is None:
        raise ValueError(f"a classifier needs labels, and {recipe['dataset']!r} has none: put the images in one "
                         "subfolder per class, or store labels in the .npz (key 'labels').")
    fmt = Classifier.image_format
    start = time.time()
    clf = train_classifier(fmt.convert(x), y, num_classes=int(y.max()) + 1, epochs=recipe["epochs"],
                           batch_size=recipe["batch_size"], learning_rate=recipe["learning_rate"],
                           seed=recipe["seed"], verbose=verbose)
    seconds = time.time() - start
    del recipe["model"]
    metadata = {
        "name": os.path.basename(os.path.normpath(preset_dir)),
        "family": "classifier",
        "description": f"Evaluation classifier for {recipe['dataset']}: its feature layer is the feature space of "
                       "kerasgen's FID/KID/precision/recall for models of these images (not Inception: not "
                       "comparable with published FID/KID/IS).",
        "dataset": {"name": recipe["dataset"], "slug": dataset_slug(recipe["dataset"]),
                    "image_shape": list(clf.image_shape),
                    "train_images": int(len(x)), "split": split_info(recipe["dataset"], data_dir),
                    "preprocessing": fmt.describe()},
        "recipe": recipe,
        "trained_with": trained_with(seconds),
        "metrics": {"test_accuracy": clf.accuracy(fmt.convert(x_test), y_test) if y_test is not None and len(x_test)
                    else None, "test_images": int(len(x_test))},
        "command": command or " ".join(shlex.quote(a) for a in ["kerasgen"] + sys.argv[1:]),
    }
    save_preset(clf, preset_dir, metadata, overwrite=overwrite)
    return preset_dir
