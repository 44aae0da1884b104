"""Every `Example:` in a public docstring runs."""

import inspect
import math
import re

import numpy as np
import pytest

import keras
import kerasgen

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
    kerasgen.callbacks.BackupAndRestore,
    kerasgen.losses.gaussian_kl,
    kerasgen.losses.bits_per_dim,
    kerasgen.losses.discriminator_loss,
    kerasgen.utils.slerp,
    kerasgen.utils.latent_arithmetic,
    kerasgen.data.ImageFormat,
    kerasgen.data.load_images,
]


def examples(obj):
    doc = inspect.getdoc(obj) or ""
    return re.findall(r"Example:\s*```python\n(.*?)```", doc, flags=re.S)


@pytest.mark.parametrize("obj", PUBLIC, ids=lambda o: o.__name__)
def test_docstring_example_runs(obj):
    blocks = examples(obj)
    assert blocks, f"{obj.__name__} has no Example: block"
    namespace = {"np": np, "keras": keras, "kerasgen": kerasgen, "math": math, obj.__name__: obj}
    for block in blocks:
        exec(compile(block, f"<{obj.__name__} example>", "exec"), namespace)
