"""Every `Example:` in a public docstring runs."""

import inspect
import math
import re

import numpy as np
import pytest

import keras
import kerasgen
import kerasgen.verify  # not imported by the package: the kerasgen verify command loads it

PUBLIC = [
    kerasgen.models.Autoencoder,
    kerasgen.models.DenoisingAutoencoder,
    kerasgen.models.VAE,
    kerasgen.models.ConditionalVAE,
    kerasgen.models.GAN,
    kerasgen.models.DCGAN,
    kerasgen.models.ConditionalGAN,
    kerasgen.models.WGANGP,
    kerasgen.models.PixelCNN,
    kerasgen.models.GatedPixelCNN,
    kerasgen.models.PixelRNN,
    kerasgen.layers.MaskedConv2D,
    kerasgen.layers.VectorQuantizer,
    kerasgen.layers.RowLSTM,
    kerasgen.layers.DiagonalBiLSTM,
    kerasgen.layers.VerticalStackConv,
    kerasgen.models.VQVAE,
    kerasgen.models.Classifier,
    kerasgen.evaluate,
    kerasgen.list_presets,
    kerasgen.from_preset,
    kerasgen.callbacks.EvaluationCallback,
    kerasgen.metrics.frechet_distance,
    kerasgen.metrics.ood_auroc,
    kerasgen.training.OptimizerSet,
    kerasgen.training.data_parallel,
    kerasgen.callbacks.BackupAndRestore,
    kerasgen.losses.gaussian_kl,
    kerasgen.losses.bits_per_dim,
    kerasgen.losses.discriminator_loss,
    kerasgen.utils.slerp,
    kerasgen.utils.latent_arithmetic,
    kerasgen.data.ImageFormat,
    kerasgen.data.load_images,
    kerasgen.metrics.kernel_inception_distance,
    kerasgen.evaluation.score_samples,
    kerasgen.verify.verify_preset,
]


def examples(obj):
    doc = inspect.getdoc(obj) or ""
    return re.findall(r"Example:\s*```python\n(.*?)```", doc, flags=re.S)


# The examples run the same backend-neutral code that the model tests run under every backend: by default
# each example runs under one backend, in turn; under the other two it is a slow check (scripts/verify.sh).
BACKENDS = ("tensorflow", "jax", "torch")
EXAMPLE_BACKEND = {obj: BACKENDS[(i + 1) % 3] for i, obj in enumerate(PUBLIC)}  # VQVAE, the slowest, under torch


def test_every_backend_runs_its_share_of_the_examples():
    shares = [list(EXAMPLE_BACKEND.values()).count(b) for b in BACKENDS]
    assert max(shares) - min(shares) <= 1 and len(EXAMPLE_BACKEND) == len(PUBLIC)


@pytest.mark.parametrize("obj", [obj if EXAMPLE_BACKEND[obj] == keras.backend.backend()
                                 else pytest.param(obj, marks=pytest.mark.verify) for obj in PUBLIC],
                         ids=lambda o: o.__name__)
def test_docstring_example_runs(obj):
    blocks = examples(obj)
    assert blocks, f"{obj.__name__} has no Example: block"
    namespace = {"np": np, "keras": keras, "kerasgen": kerasgen, "math": math, obj.__name__: obj}
    for block in blocks:
        exec(compile(block, f"<{obj.__name__} example>", "exec"), namespace)
