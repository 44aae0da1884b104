"""The variational autoencoder and its ELBO."""

import math
import warnings

import numpy as np

import keras
from keras import ops

from kerasgen import losses
from kerasgen.data.image_format import ImageFormat
from kerasgen.models.latent_model import LatentImageModel, build_networks, check_latent_dim
from kerasgen.protocols import DensityModel, Sampler
from kerasgen import backend, checks
from kerasgen.utils.untracked import untracked_helper

LIKELIHOODS = ("bernoulli", "gaussian")
# K, the importance samples of log_prob's bound, when not given.
DEFAULT_NUM_SAMPLES = 1000
_LOG_2PI = math.log(2.0 * math.pi)


@keras.saving.register_keras_serializable(package="kerasgen")
class VAE(LatentImageModel, DensityModel, Sampler):
    """Variational autoencoder with a diagonal Gaussian posterior.

    Trains by maximising the ELBO, log p(x) >= E_q[log p(x|z)] - KL(q(z|x) || p(z)),
    with the reparameterization z = mean + exp(log_var / 2) * eps, a standard
    normal prior and the KL term in closed form. `fit()` logs, per image in
    nats: `reconstruction` (-E_q log p(x|z), one sample), `kl`, and
    `loss` = reconstruction + beta * kl (the negative ELBO when beta = 1).
    With `sample_weight`, each term is the weighted mean over the images,
    sum(w * term) / sum(w). `evaluate()` draws its one sample of z per image
    from a seed generator restarted at every call, so two evaluations of the
    same weights (and `fit()`'s validation losses) agree exactly; training
    draws fresh noise at every step.

    `predict(x)` returns `reconstruct(x)`: the decoder's mean at the
    posterior mean, deterministic, float32 (N, H, W, C): pixel probabilities
    for "bernoulli", means for "gaussian". For draws of p(x|z) use
    `sample(n, mean=False)`; for likelihoods, `log_prob(x)` (the IWAE
    bound; `log_prob_is_exact` is False).

    Args:
        image_shape: tuple (H, W, C), C in {1, 3}. Default (28, 28, 1).
        latent_dim: int, size of z. Default 16.
        likelihood: str, the decoder's distribution: "bernoulli" (logits; for
            binary data, inputs must lie in [0, 1]) or "gaussian".
        gaussian_std: float > 0, the fixed standard deviation of the Gaussian
            decoder, or "learned": one trainable scale per channel, as in the
            sigma-VAE (Rybkin et al. 2021, "Simple and Effective VAE Training
            with Calibrated Decoders").
        beta: float >= 0, the weight of the KL term: 1 for the ELBO, > 1 for a
            beta-VAE (Higgins et al. 2017, "beta-VAE").
        kl_warmup_steps: int >= 0, training steps over which the KL weight
            rises linearly from 0 to beta (Bowman et al. 2016, "Generating
            Sentences from a Continuous Space"). `evaluate()` always uses beta.
        architecture: "conv" or "dense", for the default networks.
        filters: tuple of ints, one stride-2 conv stage each; default by size.
        hidden_dims: tuple of ints, dense layers after the conv stages.
        encoder: optional `keras.Model`, images to 2 * latent_dim values (the
            posterior mean, then the log-variance).
        decoder: optional `keras.Model`, latents to images of `image_shape`
            (logits for "bernoulli", means for "gaussian").
        seed: int or None, for the model's random draws.

    Example:

    ```python
    import numpy as np, keras, kerasgen
    x = (np.random.rand(256, 28, 28, 1) < 0.3).astype("float32")
    vae = kerasgen.models.VAE(image_shape=(28, 28, 1), latent_dim=8)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    vae.fit(x, batch_size=64, epochs=1, verbose=0)
    vae.evaluate_nll(x[:16], num_samples=50)["bits_per_dim"]
    ```

    Reference:
        Kingma and Welling 2014, "Auto-Encoding Variational Bayes".
    """

    loss_names = ("loss", "reconstruction", "kl")
    supports_sample_weight = True
    deterministic_evaluation = True
    log_prob_is_exact = False
    log_prob_bound = "IWAE"

    def __init__(self, image_shape=(28, 28, 1), latent_dim=16, likelihood="bernoulli",
                 gaussian_std=0.1, beta=1.0, kl_warmup_steps=0, architecture="conv",
                 filters=None, hidden_dims=(256,), encoder=None, decoder=None, num_classes=None,
                 seed=None, **kwargs):
        owner = type(self).__name__
        if likelihood not in LIKELIHOODS:
            raise ValueError(f"{owner}: likelihood must be one of {LIKELIHOODS}; got {likelihood!r}.")
        check_latent_dim(latent_dim, owner)
        if not (gaussian_std == "learned" or (_is_number(gaussian_std) and 0 < gaussian_std < math.inf)):
            raise ValueError(
                f"{owner}: gaussian_std must be a finite number > 0 or 'learned'; got {gaussian_std!r}."
            )
        if not _is_number(beta) or not 0 <= beta < math.inf:
            raise ValueError(f"{owner}: beta must be a finite number >= 0; got {beta!r}.")
        checks.check_integer(kl_warmup_steps, "kl_warmup_steps", owner, minimum=0)
        if (encoder is None) != (decoder is None):
            raise ValueError(f"{owner}: pass both encoder and decoder, or neither.")
        if encoder is None:
            image_shape = checks.check_image_shape(image_shape, owner)
            encoder, decoder = build_networks(
                image_shape, 2 * latent_dim, latent_dim, architecture, filters, hidden_dims,
                num_classes, owner,
            )
        self.likelihood = likelihood
        self.gaussian_std = gaussian_std
        self.beta = float(beta)
        self.kl_warmup_steps = int(kl_warmup_steps)
        self.architecture = architecture
        self.filters = None if filters is None else tuple(filters)
        self.hidden_dims = tuple(hidden_dims)
        super().__init__(image_shape, latent_dim, encoder, decoder, num_classes=num_classes,
                         seed=seed, **kwargs)
        channels = self.image_shape[-1]
        if gaussian_std == "learned":
            self.log_scale = self.add_weight(shape=(channels,), initializer="zeros", name="log_scale")
        self.training_steps = self.add_weight(
            shape=(), initializer="zeros", trainable=False, name="training_steps"
        )
        self._check_image_format()

    def encoder_output_dim(self):
        return 2 * self.latent_dim

    def input_value_range(self):
        return (0.0, 1.0) if self.likelihood == "bernoulli" else None

    def default_image_format(self):
        # A Bernoulli decoder's log-probability is a likelihood of binary images.
        return ImageFormat(binarize="dynamic") if self.likelihood == "bernoulli" else ImageFormat(scale="unit")

    # -- the model ----------------------------------------------------------

    def posterior(self, x, one_hot=None, training=False):
        """(mean, log_var) of q(z | x), tensors (N, latent_dim)."""
        h = ops.cast(self.encoder(self._network_inputs(x, one_hot), training=training), "float32")
        return h[:, : self.latent_dim], h[:, self.latent_dim:]

    def _encode_tensor(self, x, one_hot, training):
        return self.posterior(x, one_hot, training)[0]

    def _decoder_log_scale(self):
        if self.gaussian_std == "learned":
            return self.log_scale
        return ops.convert_to_tensor(math.log(self.gaussian_std), "float32")

    def _decode_tensor(self, z, one_hot, training):
        out = ops.cast(self.decoder(self._network_inputs(z, one_hot), training=training), "float32")
        return ops.sigmoid(out) if self.likelihood == "bernoulli" else out

    def _log_px_given_z(self, x, decoder_out):
        if self.likelihood == "bernoulli":
            return losses.bernoulli_log_prob(x, decoder_out)
        return losses.gaussian_log_prob(x, decoder_out, self._decoder_log_scale())

    def compute_losses(self, data, training=False):
        x, labels = self._unpack(data)
        one_hot = self._one_hot(labels)
        weight = self._sample_weight(data)
        mean, log_var = self.posterior(x, one_hot, training)
        seed = self.noise_seed(training)
        eps = backend.batch_noise(lambda shape: keras.random.normal(shape, seed=seed), ops.shape(mean))
        z = mean + ops.exp(0.5 * log_var) * eps
        out = self.decoder(self._network_inputs(z, one_hot), training=training)
        # The sign outside the mean: the unweighted graph is the one it has always been.
        reconstruction = -losses.weighted_mean(self._log_px_given_z(x, out), weight)
        kl = losses.weighted_mean(losses.gaussian_kl(mean, log_var), weight)
        beta = self.beta
        if training and self.kl_warmup_steps:
            self.training_steps.assign_add(1.0)
            beta = beta * ops.minimum(1.0, self.training_steps / self.kl_warmup_steps)
        return self.with_batch_weight(
            {"loss": reconstruction + beta * kl, "reconstruction": reconstruction, "kl": kl}, weight)

    # -- sampling and likelihood --------------------------------------------

    def sample(self, n, labels=None, seed=None, mean=True, batch_size=256):
        """Draws n images: z ~ N(0, I), then the decoder's mean (mean=True) or a draw of p(x|z).

        Args:
            n: int, images to draw.
            labels: class ids (one, or n) for conditional models.
            seed: int for a repeatable draw, the same under every backend (the
                draws come from NumPy), or None to use the model's seed generator.
            mean: bool; the Bernoulli decoder's mean is the pixel probabilities.

        Returns:
            NumPy array (n, H, W, C).
        """
        n = checks.check_integer(n, "n", type(self).__name__, what="a positive integer")
        if seed is not None:  # NumPy draws: the same images under every backend
            gen = np.random.default_rng(seed)
            normal = lambda shape: gen.standard_normal(shape, dtype="float32")  # noqa: E731
            uniform = lambda shape: gen.random(shape, dtype="float32")  # noqa: E731
        else:
            normal = lambda shape: ops.convert_to_numpy(keras.random.normal(shape, seed=self.seed_generator))  # noqa: E731
            uniform = lambda shape: ops.convert_to_numpy(keras.random.uniform(shape, seed=self.seed_generator))  # noqa: E731
        images = self.decode(normal((int(n), self.latent_dim)), labels, batch_size)
        if mean:
            return images
        if self.likelihood == "bernoulli":
            return (uniform(images.shape) < images).astype("float32")
        noise = normal(images.shape)
        return images + np.exp(ops.convert_to_numpy(self._decoder_log_scale())) * noise

    def log_prob(self, x, labels=None, num_samples=DEFAULT_NUM_SAMPLES, batch_size=None, seed=None,
                 verbose="auto"):
        """Importance-weighted estimate of log p(x) per image, in nats (a bound: not exact).

        log p(x) ~= log (1/K) sum_k p(x|z_k) p(z_k) / q(z_k|x), z_k ~ q(z|x).
        K = 1 is the ELBO; the bound tightens as K grows (Burda et al. 2016,
        "Importance Weighted Autoencoders"). The K draws come from a NumPy
        generator, so a given seed gives the same estimate on every backend.

        Args:
            x: images (N, H, W, C).
            labels: class ids, for conditional models.
            num_samples: int K >= 1.
            batch_size: images per compiled step; default max(1, 8192 // K).
            seed: int for a repeatable estimate, or None (drawn from NumPy's
                global generator, which `keras.utils.set_random_seed` seeds).
            verbose: 0, 1 or "auto" (a progress bar when the work is long).

        Returns:
            NumPy array (N,) of log p(x) estimates.
        """
        checks.check_integer(num_samples, "num_samples", type(self).__name__)
        if batch_size is not None:
            checks.check_integer(batch_size, "batch_size", type(self).__name__)
        x = self.check_images(x)
        labels = self._labels_for(labels, len(x))
        rng = np.random.default_rng(np.random.randint(2**31) if seed is None else seed)
        batch_size = batch_size or max(1, 8192 // num_samples)
        chunk = max(batch_size, (1 << 20) // (num_samples * self.latent_dim))
        if verbose == "auto":
            verbose = 1 if len(x) * num_samples >= 1_000_000 else 0
        bar = keras.utils.Progbar(len(x), unit_name="image") if verbose else None
        estimator = untracked_helper(self, "_importance_weights", lambda: _ImportanceWeights(self))
        result = []
        for start in range(0, len(x), chunk):
            xb = x[start:start + chunk]
            eps = rng.standard_normal((len(xb), num_samples, self.latent_dim), dtype="float32")
            inputs = [xb, eps] if labels is None else [xb, eps, labels[start:start + chunk]]
            log_w = estimator.predict(inputs, batch_size=batch_size, verbose=0).astype("float64")
            peak = log_w.max(axis=1)
            result.append(peak + np.log(np.mean(np.exp(log_w - peak[:, None]), axis=1)))
            if bar:
                bar.update(start + len(xb))
        return np.concatenate(result)

    def log_importance_weights(self, x, eps, one_hot=None):
        """log p(x|z) + log p(z) - log q(z|x) for z = mean + std * eps.

        Args:
            x: tensor (B, H, W, C).
            eps: tensor (B, K, latent_dim) of standard normal draws.
            one_hot: tensor (B, num_classes) for conditional models.

        Returns:
            tensor (B, K).
        """
        mean, log_var = self.posterior(x, one_hot)
        b, k = ops.shape(eps)[0], ops.shape(eps)[1]
        z = mean[:, None] + ops.exp(0.5 * log_var)[:, None] * ops.cast(eps, "float32")  # (B, K, D)
        flat_z = ops.reshape(z, (-1, self.latent_dim))
        x_rep = ops.reshape(ops.repeat(x[:, None], k, axis=1), (-1,) + self.image_shape)
        oh = None if one_hot is None else ops.reshape(ops.repeat(one_hot[:, None], k, axis=1), (-1, self.num_classes))
        out = self.decoder(self._network_inputs(flat_z, oh), training=False)
        log_px = ops.reshape(self._log_px_given_z(x_rep, out), (b, k))
        # (z - mean)^2 / var = eps^2, so log q needs no division.
        eps = ops.cast(eps, "float32")
        log_pz = -0.5 * ops.sum(ops.square(z) + _LOG_2PI, axis=-1)
        log_qz = -0.5 * ops.sum(ops.square(eps) + log_var[:, None] + _LOG_2PI, axis=-1)
        return log_px + log_pz - log_qz

    # -- evaluate_nll (kerasgen.protocols.DensityModel) ---------------------

    def _check_nll_data(self, x):
        if self.likelihood == "bernoulli":
            values = np.asarray(x)
            if not np.all((values == 0) | (values == 1)):
                warnings.warn(
                    "evaluate_nll: x is not binary, and a Bernoulli decoder's log-probability of "
                    "values between 0 and 1 is not a likelihood; binarize the images (e.g. "
                    "kerasgen.data.pipeline(..., binarize='static')) for an NLL that means one.",
                    stacklevel=3,
                )

    def _nll_report(self, options):
        return {"num_samples": int(options.get("num_samples", DEFAULT_NUM_SAMPLES)),
                "likelihood": self.likelihood}

    def get_config(self):
        return {
            **super().get_config(),
            "likelihood": self.likelihood,
            "gaussian_std": self.gaussian_std,
            "beta": self.beta,
            "kl_warmup_steps": self.kl_warmup_steps,
            "architecture": self.architecture,
            "filters": self.filters,
            "hidden_dims": self.hidden_dims,
            "num_classes": self.num_classes,  # VAE(num_classes=K) is conditional too
        }


def _is_number(value):
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


class _ImportanceWeights(keras.Model):
    """Wraps `VAE.log_importance_weights` so `predict()` compiles it on any backend."""

    def __init__(self, vae):
        # float32 inputs under a mixed policy: the noise eps must not be rounded to float16.
        super().__init__(name="importance_weights", dtype="float32")
        self.vae = vae

    def call(self, inputs):
        x, eps = inputs[0], inputs[1]
        one_hot = self.vae._one_hot(inputs[2]) if len(inputs) > 2 else None
        return self.vae.log_importance_weights(x, eps, one_hot)
