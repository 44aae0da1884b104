"""What a model can do, declared by the protocols its class inherits.

A capability is a small mixin class with a documented contract. A model class
names the ones it keeps in its class statement, once, where it is defined
(`class VAE(LatentImageModel, DensityModel, Sampler)`), and callers ask the
functions at the bottom of this module (`is_density_model(model)`,
`can_sample(model)`, ...) instead of probing for methods with `hasattr`:

| protocol        | contract                                                  | kerasgen models |
|-----------------|-----------------------------------------------------------|-----------------|
| `DensityModel`  | `log_prob(x, labels=None, ...)`: log p(x), nats per image; `evaluate_nll` | VAE, ConditionalVAE (a bound); PixelCNN, GatedPixelCNN, PixelRNN (exact) |
| `Sampler`       | `sample(n, seed=None, ...)`: new images in the input format | VAE, ConditionalVAE, the GANs, the autoregressive models, VQVAE (once `fit_prior` ran) |
| `Encoder`       | `encode(x, ...)`: codes; `encode_features(x, ...)`: float features (N, D) | Autoencoder, DenoisingAutoencoder, VAE, ConditionalVAE, VQVAE |
| `Reconstructor` | `reconstruct(x, ...)`: decode(encode(x)), in the input format | Autoencoder, DenoisingAutoencoder, VAE, ConditionalVAE, VQVAE |
| `Conditional`   | `num_classes`, and `labels=` class ids wherever images go in or come out | the autoencoders, VAEs, GANs and autoregressive models (conditional when `num_classes` is set) |

Why nominal classes rather than `typing.Protocol`'s structural checks: a
structural check is a `hasattr` probe under another name, and a method of the
right name does not keep the contract (a Keras model's `sample` may mean
anything; `VQVAE.encode` gives code indices, not features), while some
capabilities depend on the instance's state (a VQ-VAE samples only once its
prior is fit; a PixelCNN is conditional only with `num_classes`). A class says
what it promises; `can_sample` and `is_conditional` add the state.

Why these names: one noun per capability, the one for what the model *is*
when it keeps the contract. `DensityModel` says it defines p(x) (not
"likelihood", which is p(data) as a function of the weights), and its method
is `log_prob`, the spelling of Keras', TensorFlow Probability's and PyTorch's
distributions. `Sampler`, `Encoder` and `Reconstructor` are named after the
one method each promises. `Conditional` matches `ConditionalVAE` and
`ConditionalGAN` (class labels; no other kind of conditioning exists here).

This module sits low in the import order (of kerasgen it imports only
`kerasgen.losses`), so the model classes can inherit from it, and it is the one place
that looks at a model's attributes to decide what it can do.
"""

import math

import numpy as np

from kerasgen.losses import bits_per_dim


class DensityModel:
    """A model of the density p(x) of its images: `log_prob` per image, and the test NLL.

    Contract:

    - `log_prob(x, labels=None, **options)` returns log p(x) for each image,
      in nats, a float NumPy array (N,). `labels` are class ids for
      `Conditional` models. Options all density models take: `batch_size`,
      `verbose`.
    - `log_prob_is_exact`: True when `log_prob` is log p(x) itself (up to
      float rounding). False when it is a Monte Carlo bound; then
      `log_prob_bound` names it (e.g. "IWAE", a lower bound on log p(x) in
      expectation, tightening as K grows) and `log_prob` also takes
      `num_samples` (the K of the estimate) and `seed`.
    - `image_shape`, for bits per dimension.

    `evaluate_nll` is shared by every density model: it turns `log_prob`
    into the test negative log-likelihood.
    """

    log_prob_is_exact = True
    log_prob_bound = None

    def log_prob(self, x, labels=None, **options):
        raise NotImplementedError(f"{type(self).__name__} must define log_prob(x, labels=None, ...).")

    def evaluate_nll(self, x, labels=None, *, data_scale=None, **options):
        """Test negative log-likelihood: nats per image and bits per dimension.

        Args:
            x: images (N, H, W, C) in the model's input format.
            labels: class ids (one, or N), for conditional models.
            data_scale: passed to `kerasgen.losses.bits_per_dim`; None for
                the model's own, `model.image_format.bits_scale` (1 for whole
                levels; 256 for a density on x / 255, 128 on x / 127.5 - 1).
            **options: passed to `log_prob` (`batch_size`, `verbose`; and
                `num_samples`, `seed` for a bound).

        Returns:
            dict with `nll_nats` (the mean of -log_prob over the images),
            `nll_nats_stderr`, `bits_per_dim`, `num_images`, and what the
            model adds: `num_samples` and `likelihood` for a VAE,
            `likelihood` for an autoregressive model.
        """
        self._check_nll_data(x)
        ll = np.asarray(self.log_prob(x, labels, **options), "float64")
        if data_scale is None:
            data_scale = self._nll_data_scale()
        nll = float(-ll.mean())
        return {
            "nll_nats": nll,
            "nll_nats_stderr": float(ll.std(ddof=1) / math.sqrt(len(ll))) if len(ll) > 1 else float("nan"),
            "bits_per_dim": float(bits_per_dim(nll, int(np.prod(self.image_shape)), data_scale)),
            "num_images": int(len(ll)),
            **self._nll_report(options),
        }

    # Hooks of evaluate_nll.

    def _check_nll_data(self, x):
        """Warns when x is not data whose log_prob is a likelihood; nothing by default."""

    def _nll_data_scale(self):
        # The model's format says what its values are: 1 for whole levels, 256 for a density on x / 255, ...
        return self.image_format.bits_scale

    def _nll_report(self, options):
        """Keys the model adds to evaluate_nll's dict, given log_prob's options."""
        return {}


class Sampler:
    """A model that draws new images.

    Contract:

    - `sample(n, seed=None, **options)` returns n images, a float32 NumPy
      array (n, H, W, C) in the model's input format; `Conditional` models
      also take `labels` (one class id, or n). An integer seed gives the
      same images every time.
    - `sampling_requires`: None, or the name of an attribute that is None
      until the model can sample (a VQ-VAE's "prior", set by `fit_prior`);
      `can_sample(model)` reads it.
    - `sample_has_progress_bar`: whether `sample` takes `verbose` (the
      autoregressive models, whose sampling is slow enough to show a bar).
    """

    sampling_requires = None
    sample_has_progress_bar = False

    def sample(self, n, seed=None, **options):
        raise NotImplementedError(f"{type(self).__name__} must define sample(n, seed=None, ...).")


class Encoder:
    """A model that maps images to codes.

    Contract:

    - `encode(x, ...)` returns the codes of images x (N, H, W, C), in the
      model's own form: latent vectors (N, latent_dim) for the autoencoders
      and VAEs (the posterior mean), code indices (N, h, w) for a VQ-VAE.
    - `encode_features(x, labels=None, batch_size=256)` returns continuous
      features, a float NumPy array (N, D), e.g. for a linear probe. By
      default the codes of `encode`; models whose codes are not vectors
      (VQVAE: the encoder's outputs before quantization) define their own.
      `labels` is for `Conditional` models only.
    """

    def encode(self, x, **options):
        raise NotImplementedError(f"{type(self).__name__} must define encode(x, ...).")

    def encode_features(self, x, labels=None, batch_size=256):
        """Continuous features (N, D) of images x: `encode(x, labels)`'s codes."""
        return self.encode(x, labels, batch_size)


class Reconstructor:
    """A model that reconstructs images through its codes.

    Contract: `reconstruct(x, ...)` returns decode(encode(x)), shaped like
    x, in the model's input format (pixel probabilities for a Bernoulli
    decoder); `Conditional` models also take `labels`.
    """

    def reconstruct(self, x, **options):
        raise NotImplementedError(f"{type(self).__name__} must define reconstruct(x, ...).")


class Conditional:
    """A model that can be class-conditional.

    Contract: `num_classes` is an int >= 2 for a conditional instance, which
    then takes `labels` (class ids in [0, num_classes), one or one per image)
    wherever images go in or come out (`fit(x, y)`, `log_prob`, `sample`,
    `encode`, `reconstruct`, ...), or None for an unconditional one, which
    takes no labels.
    """

    num_classes = None


# -- what callers ask -----------------------------------------------------------

def is_density_model(model):
    """Whether `model` defines `log_prob` (exact or a bound: see `DensityModel.log_prob_is_exact`)."""
    return isinstance(model, DensityModel)


def is_sampler(model):
    """Whether `model`'s class promises `sample`; `can_sample` says whether it can now."""
    return isinstance(model, Sampler)


def why_cannot_sample(model):
    """None if `model` can sample now, else the reason in a few words ("VQVAE has no prior yet")."""
    name = type(model).__name__
    if not isinstance(model, Sampler):
        return f"{name} has none"
    needed = model.sampling_requires
    if needed is not None and getattr(model, needed) is None:
        return f"{name} has no {needed} yet"
    return None


def can_sample(model):
    """Whether `model` can draw images now: a `Sampler` with what it needs (a VQ-VAE after `fit_prior`)."""
    return why_cannot_sample(model) is None


def is_encoder(model):
    """Whether `model` has `encode` and `encode_features`."""
    return isinstance(model, Encoder)


def can_reconstruct(model):
    """Whether `model` has `reconstruct`."""
    return isinstance(model, Reconstructor)


def is_conditional(model):
    """Whether `model` takes class labels: a `Conditional` model with `num_classes` set."""
    return isinstance(model, Conditional) and model.num_classes is not None


def interpolation_kind(model):
    """How `model.interpolate` walks, or None when it has none.

    "latents": a GAN's, from latent to latent (`model.latents(n, seed)` draws them);
    "codes": an encoder's, between the codes of two sets of images (`latent_dim` is their size).
    A VQ-VAE's codes are indices, not vectors, so it has none.
    """
    if not callable(getattr(model, "interpolate", None)):
        return None
    if callable(getattr(model, "latents", None)):
        return "latents"
    if is_encoder(model) and getattr(model, "latent_dim", None):
        return "codes"
    return None


def can_complete(model):
    """Whether `model` fills in the masked part of images (`complete(x, mask, labels=None, seed=None)`)."""
    return callable(getattr(model, "complete", None))


def denoises(model):
    """Whether `model` is a denoiser: `corrupt(x, seed=None)` corrupts images as in its training, and
    `denoise` of those is its estimate of the clean ones (`DenoisingAutoencoder`)."""
    return all(callable(getattr(model, name, None)) for name in ("corrupt", "denoise"))


def samples_may_leave_range(model):
    """Whether `model`'s samples may leave its image format's value range: a Gaussian decoder's means may.

    A picture of them (`SampleGrid(clip=True)`) shows such values clipped, saying so.
    """
    return getattr(model, "likelihood", None) == "gaussian"


def value_range(model):
    """(low, high) floats of `model`'s images: the value range of `model.image_format`.

    A model without an image format (a GAN of vectors) gets (0.0, 1.0).
    """
    fmt = model.image_format
    return (0.0, 1.0) if fmt is None else fmt.value_range
