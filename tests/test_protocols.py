"""kerasgen.protocols: what each family claims, what evaluate offers from it, and no probes elsewhere."""

import ast
import math
import re
from pathlib import Path

import keras
import numpy as np
import pytest

import kerasgen
from kerasgen import models, protocols

SHAPE = (8, 8, 1)
DENSE = {"image_shape": SHAPE, "latent_dim": 2, "architecture": "dense", "hidden_dims": (8,)}
GAN = {"image_shape": SHAPE, "latent_dim": 2, "hidden_dims": (8,)}


def vqvae(with_prior):
    prior = None
    if with_prior:  # what fit_prior builds, untrained: a categorical model of the 4 x 4 code grid
        prior = keras.saving.serialize_keras_object(models.PixelCNN(
            image_shape=(4, 4, 1), likelihood="categorical", num_levels=8, input_encoding="one_hot",
            filters=4, num_blocks=1))
    return models.VQVAE(image_shape=SHAPE, num_codes=8, code_dim=4, filters=(4,), prior=prior)


ALL = ("nll", "reconstruction", "sample_quality", "ood", "probe")
LATENT = ("reconstruction", "probe")
AUTOREGRESSIVE = ("nll", "sample_quality", "ood")

# name: (factory, protocols it keeps, available_metrics)
FAMILIES = {
    "autoencoder": (lambda: models.Autoencoder(**DENSE), {"encoder", "reconstructor"}, LATENT),
    "denoising_autoencoder": (lambda: models.DenoisingAutoencoder(**DENSE), {"encoder", "reconstructor"}, LATENT),
    "vae": (lambda: models.VAE(**DENSE), {"density", "sampler", "encoder", "reconstructor"}, ALL),
    "conditional_vae": (lambda: models.ConditionalVAE(num_classes=3, **DENSE),
                        {"density", "sampler", "encoder", "reconstructor", "conditional"}, ALL),
    "gan": (lambda: models.GAN(**GAN), {"sampler"}, ("sample_quality",)),
    "dcgan": (lambda: models.DCGAN(latent_dim=2, base_filters=4), {"sampler"}, ("sample_quality",)),
    "wgan_gp": (lambda: models.WGANGP(**GAN), {"sampler"}, ("sample_quality",)),
    "conditional_gan": (lambda: models.ConditionalGAN(num_classes=3, **GAN), {"sampler", "conditional"},
                        ("sample_quality",)),
    "pixelcnn": (lambda: models.PixelCNN(image_shape=SHAPE, filters=4, num_blocks=1), {"density", "sampler"},
                 AUTOREGRESSIVE),
    "gated_pixelcnn": (lambda: models.GatedPixelCNN(image_shape=SHAPE, filters=4, num_layers=1, num_classes=3),
                       {"density", "sampler", "conditional"}, AUTOREGRESSIVE),
    "pixelrnn": (lambda: models.PixelRNN(image_shape=SHAPE, units=4, num_layers=1), {"density", "sampler"},
                 AUTOREGRESSIVE),
    "vqvae": (lambda: vqvae(with_prior=False), {"encoder", "reconstructor"}, LATENT),
    "vqvae_with_prior": (lambda: vqvae(with_prior=True), {"encoder", "reconstructor", "sampler"},
                         ("reconstruction", "sample_quality", "probe")),
    "classifier": (lambda: models.Classifier(image_shape=SHAPE, num_classes=3, filters=(4,), feature_dim=4),
                   set(), ()),
}


def claims(model):
    asked = {"density": protocols.is_density_model, "sampler": protocols.can_sample,
             "encoder": protocols.is_encoder, "reconstructor": protocols.can_reconstruct,
             "conditional": protocols.is_conditional}
    return {name for name, ask in asked.items() if ask(model)}


@pytest.mark.parametrize("family", FAMILIES)
def test_each_family_claims_its_protocols_and_evaluate_offers_what_follows(family):
    factory, expected, metrics = FAMILIES[family]
    model = factory()
    assert claims(model) == expected
    assert kerasgen.available_metrics(model) == metrics
    if "density" in expected:
        # Autoregressive models have the exact log p(x); a VAE's log_prob is the IWAE bound.
        assert model.log_prob_is_exact == (family not in ("vae", "conditional_vae"))
        assert model.log_prob_bound == (None if model.log_prob_is_exact else "IWAE")


def test_a_vqvae_samples_once_it_has_a_prior_and_says_why_not_before():
    model = vqvae(with_prior=False)
    assert protocols.is_sampler(model) and not protocols.can_sample(model)
    assert protocols.why_cannot_sample(model) == "VQVAE has no prior yet"
    assert protocols.why_cannot_sample(models.Autoencoder(**DENSE)) == "Autoencoder has none"
    # SampleGrid refuses it before the first epoch, not after it.
    grid = kerasgen.callbacks.SampleGrid("unused_{epoch}.png")
    grid.set_model(model)
    with pytest.raises(TypeError, match=r"Sampler\); VQVAE has no prior yet"):
        grid.on_train_begin()


def test_value_range_is_the_image_formats():
    assert protocols.value_range(models.PixelCNN(image_shape=SHAPE, filters=4, num_blocks=1)) == (0.0, 1.0)
    assert protocols.value_range(models.GAN(**GAN)) == (-1.0, 1.0)
    gaussian = models.VAE(likelihood="gaussian", **DENSE)
    assert gaussian.input_value_range() is None and protocols.value_range(gaussian) == (0.0, 1.0)


def test_evaluate_nll_is_one_implementation_on_log_prob():
    assert models.VAE.evaluate_nll is protocols.DensityModel.evaluate_nll
    assert models.PixelCNN.evaluate_nll is protocols.DensityModel.evaluate_nll
    x = (np.random.default_rng(0).random((6,) + SHAPE) < 0.5).astype("float32")
    pixelcnn = models.PixelCNN(image_shape=SHAPE, filters=4, num_blocks=1, seed=0)
    log_p = pixelcnn.log_prob(x)
    assert log_p.shape == (6,) and log_p.dtype == np.float64
    report = pixelcnn.evaluate_nll(x)
    assert set(report) == {"nll_nats", "nll_nats_stderr", "bits_per_dim", "num_images", "likelihood"}
    assert report["nll_nats"] == pytest.approx(-log_p.mean(), rel=1e-9)
    assert report["nll_nats_stderr"] == pytest.approx(log_p.std(ddof=1) / math.sqrt(6), rel=1e-9)
    assert report["bits_per_dim"] == pytest.approx(-log_p.mean() / (64 * math.log(2)), rel=1e-9)
    vae = models.VAE(likelihood="gaussian", seed=0, **DENSE)
    bound = vae.log_prob(x, num_samples=3, seed=1)
    report = vae.evaluate_nll(x, num_samples=3, seed=1)
    assert set(report) == {"nll_nats", "nll_nats_stderr", "bits_per_dim", "num_samples", "num_images",
                           "likelihood"}
    assert report["num_samples"] == 3 and report["num_images"] == 6 and report["likelihood"] == "gaussian"
    assert report["nll_nats"] == pytest.approx(-bound.mean(), rel=1e-9)
    # A Gaussian decoder on [0, 1] data: bits/dim of 8-bit values, data_scale 256.
    assert report["bits_per_dim"] == pytest.approx((-bound.mean() + 64 * math.log(256)) / (64 * math.log(2)))


PROBE = re.compile(r"\b(?:hasattr|getattr)\(\s*(?:self\.)?model\b")


def test_no_capability_probes_outside_protocols():
    root = Path(kerasgen.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if relative == "protocols.py" or relative.startswith("backend/"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if PROBE.search(line):
                found.append(f"kerasgen/{relative}:{number}: {line.strip()}")
    assert not found, "ask kerasgen.protocols instead of probing a model:\n" + "\n".join(found)
    assert PROBE.search('if hasattr(model, "log_prob"):') and PROBE.search("getattr(self.model, 'sample', None)")


def test_protocols_sit_below_the_models():
    source = (Path(kerasgen.__file__).parent / "protocols.py").read_text(encoding="utf-8")
    imported = re.findall(r"^\s*(?:from|import)\s+(kerasgen[\w.]*)", source, flags=re.M)
    assert imported and all(name == "kerasgen.losses" for name in imported)


def test_num_classes_on_the_base_classes_survives_get_config():
    # VAE(num_classes=K) and GAN(num_classes=K) are conditional models too; their
    # config must say so, or from_config builds networks that lack the label input.
    vae = models.VAE(image_shape=(8, 8, 1), latent_dim=2, architecture="dense", hidden_dims=(8,), num_classes=3)
    gan = models.GAN(image_shape=(2,), latent_dim=2, hidden_dims=(8,), num_classes=3)
    for model in (vae, gan):
        again = type(model).from_config(model.get_config())
        assert protocols.is_conditional(again) and again.num_classes == 3
    with pytest.raises(ValueError, match=r"Autoencoder is not conditional: num_classes=3 is not supported"):
        models.Autoencoder(image_shape=(8, 8, 1), latent_dim=2, architecture="dense", hidden_dims=(8,),
                           num_classes=3)


# Each public model class of kerasgen.models and the tests that run tests.helpers.run_model_contract on it
# (or the file's small wrapper of it, as test_gan.py's `contract`).
CONTRACT_TESTS = {
    "Autoencoder": ["test_autoencoder.py::test_autoencoder_keeps_the_contract_and_learns"],
    "DenoisingAutoencoder": ["test_autoencoder.py::test_denoising_autoencoder_beats_the_identity_on_corrupted_inputs"],
    "VAE": ["test_vae.py::test_bernoulli_vae_keeps_the_contract", "test_vae.py::test_gaussian_vae_learns_its_scale"],
    "ConditionalVAE": ["test_vae.py::test_conditional_vae_keeps_the_contract_and_decodes_by_class"],
    "GAN": ["test_gan.py::test_gan_on_vectors"],
    "DCGAN": ["test_gan.py::test_dcgan_with_batch_norm_and_spectral_norm"],
    "WGANGP": ["test_gan.py::test_wgan_gp_trains_and_logs_the_penalty"],
    "ConditionalGAN": ["test_gan.py::test_conditional_gan_produces_the_class_asked_for"],
    # One test, parametrized over the four models of DIGITS_MODELS (PixelRNN: both kinds).
    "PixelCNN": ["test_autoregressive.py::test_short_training_on_binarized_digits"],
    "GatedPixelCNN": ["test_autoregressive.py::test_short_training_on_binarized_digits"],
    "PixelRNN": ["test_autoregressive.py::test_short_training_on_binarized_digits"],
    # Parametrized: without a prior (ema=False) and with one (ema=True).
    "VQVAE": ["test_vqvae.py::test_vqvae_trains_with_codebook_perplexity_above_one"],
    "Classifier": ["test_evaluation.py::test_classifier_keeps_the_model_contract"],
}
# Bases that are never built themselves; their subclasses keep the contract.
ABSTRACT_MODELS = {"AutoregressiveModel", "LatentImageModel"}


def test_every_public_model_class_has_a_contract_test():
    public = {name for name in models.__all__
              if isinstance(getattr(models, name), type) and issubclass(getattr(models, name), keras.Model)}
    assert set(CONTRACT_TESTS) == public - ABSTRACT_MODELS, "add the new class to CONTRACT_TESTS"
    for name, tests in CONTRACT_TESTS.items():
        for test in tests:
            filename, function = test.split("::")
            source = (Path(__file__).parent / filename).read_text(encoding="utf-8")
            found = [node for node in ast.walk(ast.parse(source))
                     if isinstance(node, ast.FunctionDef) and node.name == function]
            assert found, f"{test} does not exist"
            body = ast.get_source_segment(source, found[0])
            assert re.search(r"\bcontract\(", body) or "run_model_contract(" in body, f"{test} runs no contract"
            assert f"{name}(" in source, f"{filename} never builds a {name}"


def test_the_observation_model_is_called_likelihood_in_every_family():
    # Autoencoder(loss="bce"|"mse") and the autoregressive distribution= were the
    # same concept as the VAE's likelihood=; configs saved with them still load.
    ae = models.Autoencoder.from_config({k: v for k, v in models.Autoencoder(**DENSE).get_config().items()
                                         if k != "likelihood"} | {"loss": "mse"})
    assert ae.likelihood == "gaussian"
    old = {k: v for k, v in models.PixelCNN(image_shape=SHAPE, filters=4, num_blocks=1).get_config().items()
           if k != "likelihood"} | {"distribution": "bernoulli"}
    assert models.PixelCNN.from_config(old).likelihood == "bernoulli"
    with pytest.raises(TypeError, match=r"Autoencoder: loss= is now called likelihood=; pass likelihood='gaussian'"):
        models.Autoencoder(loss="mse", **DENSE)
    with pytest.raises(TypeError, match=r"PixelCNN: distribution= is now called likelihood="):
        models.PixelCNN(image_shape=SHAPE, distribution="categorical")
