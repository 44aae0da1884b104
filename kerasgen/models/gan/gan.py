"""The generative adversarial network: alternating updates of D and G."""

import numpy as np

import keras
from keras import ops

from kerasgen import losses
from kerasgen.data.image_format import ImageFormat
from kerasgen.models.gan import networks
from kerasgen.protocols import Conditional, Sampler
from kerasgen.training import GenerativeModel, OptimizationGroup
from kerasgen import backend, checks
from kerasgen.utils.latent import interpolate_latents, latent_arithmetic


@keras.saving.register_keras_serializable(package="kerasgen")
class GAN(GenerativeModel, Sampler, Conditional):
    """Generator G(z) and discriminator D(x) trained by alternating updates.

    Each training step updates D `discriminator_steps` times on the real batch
    and fresh generated ones, then G once, each with its own optimizer (given
    to `compile`). `fit()` logs `d_loss`, `g_loss`, and `d_real` / `d_fake`:
    the mean of D(x) and D(G(z)) (probabilities for the logit losses, raw
    scores otherwise), and `loss`, equal to `g_loss`: the objective of the
    network that is kept and sampled from, lower when D is fooled more often
    under every GAN loss, so `EarlyStopping()` and
    `ModelCheckpoint(save_best_only=True)` work with their defaults
    (`val_loss`, minimised). (d_loss + g_loss would mix two players'
    objectives, which for the minimax loss reduces to D's score on real
    data alone.) No GAN loss measures sample quality: for that, use
    `kerasgen.evaluate` or `kerasgen.callbacks.EvaluationCallback`.
    `sample_weight` and `class_weight` are refused: the objective is a game
    over batches of real and generated samples, not a mean of per-example
    losses.

    `predict(z)` is `generate(z)`: it takes latents z (N, latent_dim) (for
    conditional models `[z, labels]`) and returns G(z), float32 samples
    (N, *image_shape); samples passed to it are refused. `discriminate(x)`
    gives D's verdict on samples, `sample(n)` draws new ones. Every output is
    float32, under a mixed precision policy too.

    Args:
        image_shape: tuple, the shape of one sample: (H, W, C) images with C
            in {1, 3}, or (D,) vectors for toy data. Default (28, 28, 1).
        latent_dim: int, size of z ~ N(0, I). Default 64.
        loss: str, the generator's loss (and the matching discriminator
            loss): "non_saturating" (default), "minimax" (the saturating
            original), "hinge" or "least_squares"; see `kerasgen.losses`.
        discriminator_steps: int >= 1, D updates per G update (k in
            Goodfellow et al. 2014, Algorithm 1).
        spectral_norm: bool, spectral normalization on every layer of the
            default discriminator (Miyato et al. 2018).
        hidden_dims: tuple of ints, the default MLPs' hidden layers.
        upsampling: str, how the default DCGAN generator doubles a feature
            map: "transpose" (default; a strided 4x4 `Conv2DTranspose`, as in
            Radford et al. 2016) or "resize" (nearest-neighbour
            `UpSampling2D`, then a 3x3 `Conv2D`: no checkerboard artefacts,
            Odena et al. 2016, "Deconvolution and Checkerboard Artifacts").
        image_format: `kerasgen.data.ImageFormat` of the images (it states
            their value range). Default: ``ImageFormat(scale="symmetric")``,
            in [-1, 1], as the default generators end in tanh; None for
            vectors, which may take any finite value.
        generator, discriminator: optional `keras.Model`s replacing the
            defaults: z (N, latent_dim) -> samples (N, *image_shape); samples ->
            scores (N, 1).
        seed: int or None.

    Example:

    ```python
    import keras, kerasgen
    x, _ = kerasgen.data.gaussian_mixture_ring(1024, seed=0)
    gan = kerasgen.models.GAN(image_shape=(2,), latent_dim=8)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3))
    gan.fit(x, batch_size=128, epochs=1, verbose=0)
    gan.sample(5, seed=0).shape  # (5, 2)
    ```

    Reference:
        Goodfellow et al. 2014, "Generative Adversarial Nets".
    """

    loss_names = ("loss", "d_loss", "g_loss", "d_real", "d_fake")
    sample_weight_refusal = (
        "its objective is a game between the discriminator and the generator over batches of "
        "real and generated samples, not a mean of per-example losses that a weight could scale"
    )
    default_loss = "non_saturating"
    allowed_losses = ("minimax", "non_saturating", "hinge", "least_squares")
    network_keys = ("generator", "discriminator")
    default_architecture = "mlp"
    discriminator_batch_norm = True
    # Old argument names -> new: from_config maps them (presets saved before
    # the rename load), the constructor refuses them with the new name.
    renamed_arguments = {"data_shape": "image_shape"}

    def __init__(self, image_shape=(28, 28, 1), latent_dim=64, loss=None, discriminator_steps=1,
                 spectral_norm=False, architecture=None, base_filters=64, hidden_dims=(128, 128),
                 upsampling="transpose", generator=None, discriminator=None, num_classes=None, seed=None,
                 **kwargs):
        owner = type(self).__name__
        self.check_renamed_arguments(kwargs)
        loss = loss or self.default_loss
        if loss not in self.allowed_losses:
            raise ValueError(f"{owner}: loss must be one of {self.allowed_losses}; got {loss!r}.")
        architecture = architecture or self.default_architecture
        if architecture not in ("mlp", "dcgan", "auto"):
            raise ValueError(f"{owner}: architecture must be 'mlp', 'dcgan' or 'auto'; got {architecture!r}.")
        checks.check_integer(discriminator_steps, "discriminator_steps", owner)
        checks.check_integer(latent_dim, "latent_dim", owner, what="a positive integer")
        checks.check_integer(base_filters, "base_filters", owner, what="a positive integer")
        hidden_dims = checks.check_sizes(hidden_dims, "hidden_dims", owner)
        networks.check_upsampling(upsampling, owner)
        image_shape = checks.check_image_shape(image_shape, owner, vectors=True)
        is_image = len(image_shape) == 3
        # The base checks images only: a (D,) shape is checked here, in _checked_inputs.
        super().__init__(image_shape=image_shape if is_image else None, seed=seed, **kwargs)
        if (generator is None) != (discriminator is None):
            raise ValueError(f"{owner}: pass both generator and discriminator, or neither.")
        self.image_shape = image_shape
        self.latent_dim = int(latent_dim)
        self.loss_kind = loss
        self.discriminator_steps = int(discriminator_steps)
        self.spectral_norm = bool(spectral_norm)
        self.hidden_dims = hidden_dims
        self.base_filters = int(base_filters)
        self.upsampling = upsampling
        if num_classes is not None:
            checks.check_integer(num_classes, "num_classes", owner, minimum=2)
        self.num_classes = None if num_classes is None else int(num_classes)
        if architecture == "auto":
            architecture = "dcgan" if is_image and image_shape[0] in networks.DCGAN_SIZES \
                and image_shape[0] == image_shape[1] else "mlp"
        if architecture == "dcgan" and generator is None:
            networks.check_dcgan_shape(image_shape, owner)
        self.architecture = architecture
        self._check_image_format()
        if generator is None:
            generator, discriminator = self.build_networks()
        self.generator = generator
        self.discriminator = discriminator
        self._check_networks()
        self.built = True

    # -- networks -----------------------------------------------------------

    def build_networks(self):
        """The default (generator, discriminator) for `architecture`."""
        if self.architecture == "dcgan":
            return (
                networks.dcgan_generator(self.latent_dim, self.image_shape, self.base_filters,
                                         num_classes=self.num_classes, upsampling=self.upsampling),
                networks.dcgan_discriminator(self.image_shape, self.base_filters,
                                             num_classes=self.num_classes,
                                             spectral_norm=self.spectral_norm,
                                             batch_norm=self.discriminator_batch_norm),
            )
        is_image = self.takes_images()
        generator = networks.mlp_generator(
            self.latent_dim, self.image_shape, self.hidden_dims,
            output_activation="tanh" if is_image else None, num_classes=self.num_classes)
        discriminator = networks.mlp_discriminator(
            self.image_shape, self.hidden_dims, num_classes=self.num_classes,
            spectral_norm=self.spectral_norm)
        return generator, discriminator

    def _check_networks(self):
        owner = type(self).__name__
        labels = ops.zeros((2,), "int32")
        fake = self._generate(ops.zeros((2, self.latent_dim)), labels, training=False)
        if tuple(fake.shape)[1:] != self.image_shape:
            raise ValueError(
                f"{owner}: the generator must map {self.latent_dim} latent values to samples of "
                f"shape {self.image_shape}; it returns {tuple(fake.shape)[1:]}."
            )
        score = self._discriminate(fake, labels, training=False)
        if int(np.prod(tuple(score.shape)[1:])) != 1:
            raise ValueError(
                f"{owner}: the discriminator must return one score per sample; it returns shape "
                f"{tuple(score.shape)[1:]}."
            )

    def _class_weights(self, labels):
        """Class ids (N,) to one-hot weights; weights (N, num_classes) pass through."""
        if len(labels.shape) == 2 and labels.shape[-1] == self.num_classes:
            return ops.cast(labels, "float32")
        return ops.one_hot(ops.reshape(ops.cast(labels, "int32"), (-1,)), self.num_classes)

    def _generate(self, z, labels, training):
        # Tensors both: under JAX without jit the batch arrives as NumPy, which Keras will not mix with tensors.
        inputs = z if self.num_classes is None else [ops.convert_to_tensor(z), self._class_weights(labels)]
        return self.generator(inputs, training=training)

    def _discriminate(self, x, labels, training):
        inputs = x if self.num_classes is None else [ops.convert_to_tensor(x), self._class_weights(labels)]
        return ops.reshape(ops.cast(self.discriminator(inputs, training=training), "float32"), (-1,))

    def input_value_range(self):
        fmt = self.image_format
        return None if fmt is None else fmt.value_range

    def default_image_format(self):
        return ImageFormat(scale="symmetric") if self.takes_images() else None

    # -- the objective ------------------------------------------------------

    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        """Compiles with one optimizer for D and one for G.

        `model.optimizer` is an `OptimizerSet`: `model.optimizer.learning_rate`
        reads D's rate, and learning-rate callbacks (LearningRateScheduler,
        ReduceLROnPlateau) that set it scale both rates, keeping their ratio;
        `model.optimizer["generator"]` and `["discriminator"]` are the two
        optimizers, for control of one rate.

        Args:
            d_optimizer, g_optimizer: `keras.optimizers.Optimizer`s or names.
                Default: Adam(2e-4, beta_1=0.5) each (Radford et al. 2016).
            **kwargs: passed to `keras.Model.compile` (`run_eagerly`,
                `jit_compile`, `steps_per_execution`). `loss` and `metrics`
                are refused: the GAN's loss is its `loss` argument.
        """
        if "optimizer" in kwargs:
            raise ValueError(
                f"{type(self).__name__} trains two networks, each with its own optimizer: pass "
                f"d_optimizer= and g_optimizer= (each defaults to {type(self).__name__}.default_optimizer()); "
                f"got optimizer={kwargs['optimizer']!r}."
            )
        self.compile_optimizer_set({
            "discriminator": d_optimizer or self.default_optimizer(),
            "generator": g_optimizer or self.default_optimizer(),
        }, **kwargs)

    def default_optimizer(self):
        return keras.optimizers.Adam(2e-4, beta_1=0.5)

    def _latents(self, x):
        return backend.batch_noise(lambda shape: keras.random.normal(shape, seed=self.seed_generator),
                                   (ops.shape(x)[0], self.latent_dim))

    def discriminator_losses(self, x, labels, training):
        """(loss, logs) of one discriminator update on the real batch x."""
        fake = self._generate(self._latents(x), labels, training)
        real_score = self._discriminate(x, labels, training)
        fake_score = self._discriminate(fake, labels, training)
        loss = losses.discriminator_loss(self.loss_kind, real_score, fake_score)
        logs = {
            "d_loss": loss,
            "d_real": ops.mean(losses.discriminator_probability(self.loss_kind, real_score)),
            "d_fake": ops.mean(losses.discriminator_probability(self.loss_kind, fake_score)),
        }
        return loss, logs

    def generator_losses(self, x, labels, training):
        fake_score = self._discriminate(self._generate(self._latents(x), labels, training), labels, training)
        loss = losses.generator_loss(self.loss_kind, fake_score)
        # `loss` is the generator's (see the class docstring).
        return loss, {"loss": loss, "g_loss": loss}

    def optimization_groups(self):
        def d_step(data):
            return self.discriminator_losses(*self._unpack(data), training=True)

        def g_step(data):
            return self.generator_losses(*self._unpack(data), training=True)

        groups = [
            OptimizationGroup("discriminator", self.discriminator.trainable_variables,
                              self.optimizer["discriminator"], d_step, self.discriminator_steps),
            OptimizationGroup("generator", self.generator.trainable_variables,
                              self.optimizer["generator"], g_step),
        ]
        # A frozen network (trainable=False) has no update to make.
        return [g for g in groups if g.variables]

    def compute_losses(self, data, training=False):
        x, labels = self._unpack(data)
        _, logs = self.discriminator_losses(x, labels, training)
        _, g_logs = self.generator_losses(x, labels, training)
        return {**logs, **g_logs}

    def call(self, inputs, training=False):
        """G(z) in float32, or G(z, labels) for conditional models given [z, labels]."""
        if self.num_classes is None:
            return ops.cast(self._generate(inputs, None, training), "float32")
        z, labels = inputs  # class ids (N,) or class weights (N, num_classes)
        return ops.cast(self._generate(z, labels, training), "float32")

    # -- predict ------------------------------------------------------------

    def predict(self, x, *args, **kwargs):
        """G(z) for latents: `x` is z (N, latent_dim), or [z, labels] for conditional models.

        Returns float32 samples (N, *image_shape), as `generate(z)` does. The
        latents are checked (shape, NaN/Inf) before Keras sees them; samples
        passed by mistake are refused with a pointer to `discriminate` (D's
        scores) and `sample` (new samples). Datasets of latents pass unchecked.
        """
        return super().predict(self._check_predict_inputs(x), *args, **kwargs)

    def _check_predict_inputs(self, x):
        owner = type(self).__name__
        if checks.is_tf_dataset(x) or isinstance(x, keras.utils.PyDataset):
            return x
        if self.num_classes is not None:
            if not (isinstance(x, (list, tuple)) and len(x) == 2):
                raise ValueError(
                    f"{owner} is conditional: predict takes [z, labels], latents (N, {self.latent_dim}) "
                    f"and class ids (one, or N) or class weights (N, {self.num_classes}); got "
                    f"{checks.describe(x)}."
                )
            z, labels = x
        else:
            z, labels = x, None
        shape = np.shape(z) if checks.is_array_like(z) or isinstance(z, (list, tuple)) else None
        if shape is not None and tuple(shape[1:]) == self.image_shape != (self.latent_dim,):
            raise ValueError(
                f"{owner}.predict takes latent vectors z of shape (N, {self.latent_dim}) and returns "
                f"G(z); got an array of shape {tuple(shape)}, which looks like samples of shape "
                f"{self.image_shape}. To score samples use {owner}.discriminate(x); to draw new "
                f"samples, {owner}.sample(n); for latents, {owner}.latents(n)."
            )
        z = checks.check_latents(z, self.latent_dim, owner=owner)
        if self.num_classes is None:
            return z
        return [z, self._labels_for(labels, len(z))]

    def discriminate(self, x, labels=None, batch_size=256):
        """D's verdict on samples x (N, *image_shape), a float32 NumPy array (N,).

        Probabilities of "real" for the logit losses ("minimax",
        "non_saturating"), raw scores otherwise (hinge, least squares, a
        WGAN-GP critic), as `fit()` logs them in `d_real` / `d_fake`. For
        conditional models, `labels` are class ids (one, or one per sample).
        """
        owner = type(self).__name__
        if keras.ops.is_tensor(x):
            x = keras.ops.convert_to_numpy(x)
        # The samples are checked as fit checks them; the labels below, by _labels_for.
        ids = None if self.num_classes is None else np.zeros(len(np.asarray(x)), "int32")
        x, _ = self._checked_inputs(np.asarray(x), ids, "x")
        x = np.asarray(x, "float32")
        batch_size = checks.check_integer(batch_size, "batch_size", owner)
        labels = self._labels_for(labels, len(x))
        out = []
        for start in range(0, len(x), batch_size):
            yb = None if labels is None else ops.convert_to_tensor(labels[start:start + batch_size])
            score = self._discriminate(ops.convert_to_tensor(x[start:start + batch_size]), yb, False)
            out.append(ops.convert_to_numpy(losses.discriminator_probability(self.loss_kind, score)))
        return np.concatenate(out).astype("float32")

    # -- inputs -------------------------------------------------------------

    def _checked_inputs(self, x, y, argument="x"):
        if len(self.image_shape) == 3 or self.num_classes is None and y is not None:
            return super()._checked_inputs(x, y, argument)  # images; or refuses the labels
        if x is not None and checks.is_array_like(x):
            x = np.asarray(x)
            if x.shape[1:] != self.image_shape or x.ndim != len(self.image_shape) + 1:
                raise ValueError(
                    f"{type(self).__name__}: {argument} must have shape (N, "
                    f"{', '.join(map(str, self.image_shape))}); got {x.shape}."
                )
            if not np.all(np.isfinite(x)):
                raise ValueError(f"{type(self).__name__}: {argument} contains NaN or Inf.")
            if self.num_classes is not None:
                y = checks.check_labels(y, num_classes=self.num_classes, num_examples=len(x),
                                        argument="y" if argument == "x" else f"{argument} labels",
                                        owner=type(self).__name__)
            return x.astype("float32"), y
        if self.num_classes is not None and checks.is_tf_dataset(x):
            from kerasgen.data import check_labels

            return check_labels(x, num_classes=self.num_classes, argument=argument), y
        return x, y

    def _labels_for(self, labels, n, argument="labels"):
        if self.num_classes is not None and labels is None:
            raise ValueError(
                f"{type(self).__name__} is conditional: pass labels, one class id in "
                f"[0, {self.num_classes}) or one per sample."
            )
        if self.num_classes is not None and self.num_classes > 1 and np.ndim(labels) == 2 \
                and np.shape(labels)[-1] == self.num_classes:
            weights = np.asarray(labels, "float32")
            if len(weights) != n or not np.all(np.isfinite(weights)) or weights.min() < 0 \
                    or not np.allclose(weights.sum(-1), 1.0, atol=1e-4):
                raise ValueError(
                    f"{type(self).__name__}: class weights must be {n} rows of {self.num_classes} "
                    f"non-negative values summing to 1; got shape {weights.shape}."
                )
            return weights
        return super()._labels_for(labels, n, argument)

    # -- sampling and latent tools -----------------------------------------

    def latents(self, n, seed=None):
        """n latent vectors z ~ N(0, I) as a NumPy array.

        A given seed repeats them, and gives the same latents under every
        backend (they come from NumPy); without one they come from the
        model's seed generator.
        """
        n = checks.check_integer(n, "n", type(self).__name__, what="a positive integer")
        if seed is not None:
            return np.random.default_rng(seed).standard_normal((int(n), self.latent_dim), dtype="float32")
        return ops.convert_to_numpy(keras.random.normal((n, self.latent_dim), seed=self.seed_generator))

    def generate(self, z, labels=None, batch_size=256):
        """G(z) for latents z (N, latent_dim), as a NumPy array (N, *image_shape).

        For conditional models, `labels` are class ids (one, or one per row)
        or class weights (N, num_classes) whose rows sum to 1.
        """
        z = checks.check_latents(z, self.latent_dim, owner=type(self).__name__)
        batch_size = checks.check_integer(batch_size, "batch_size", type(self).__name__)
        labels = self._labels_for(labels, len(z))
        out = []
        for start in range(0, len(z), batch_size):
            yb = None if labels is None else ops.convert_to_tensor(labels[start:start + batch_size])
            out.append(ops.convert_to_numpy(self._generate(ops.convert_to_tensor(z[start:start + batch_size]), yb, False)))
        return np.concatenate(out).astype("float32", copy=False)  # float16 under a mixed policy

    def sample(self, n, labels=None, seed=None, batch_size=256):
        """n generated samples (NumPy). A fixed seed gives the same latent batch every call."""
        return self.generate(self.latents(n, seed), labels, batch_size)

    def interpolate(self, z1, z2, steps=8, method="slerp", labels=None):
        """Generates along the path from z1 to z2 (linear or spherical).

        Args:
            z1, z2: latents (latent_dim,) or batches (N, latent_dim).
            steps: int >= 2, both ends included.
            method: "slerp" (default: stays where N(0, I) has its mass) or "linear".
            labels: class ids for conditional models (one, or one per pair).

        Returns:
            (steps, *image_shape) for single latents, (N, steps, *image_shape) for batches.
        """
        if np.shape(z1) != np.shape(z2):
            raise ValueError(
                f"{type(self).__name__}: z1 and z2 must be two latents ({self.latent_dim},) or two "
                f"batches (N, {self.latent_dim}) of the same size; got shapes {np.shape(z1)} and "
                f"{np.shape(z2)}."
            )
        single = np.ndim(z1) == 1
        z1, z2 = (checks.check_latents(np.atleast_2d(z), self.latent_dim, argument=name,
                                       owner=type(self).__name__) for z, name in ((z1, "z1"), (z2, "z2")))
        path = interpolate_latents(z1, z2, steps, method)  # (steps, N, D)
        n = len(z1)
        labels = self._labels_for(labels, n)
        flat_labels = None if labels is None else np.concatenate([labels] * steps)
        out = self.generate(path.reshape(-1, self.latent_dim), flat_labels)
        out = out.reshape((steps, n) + self.image_shape).swapaxes(0, 1)
        return out[0] if single else out

    def latent_arithmetic(self, add, subtract=(), labels=None):
        """Generates from mean(z_a) - mean(z_b) + ... for groups of latents.

        For example, with z_a the latents of samples a classifier calls
        "sneaker", z_b "sandal" and z_c "ankle boot" (Radford et al. 2016).

        Returns:
            One sample of `image_shape`.
        """
        z = latent_arithmetic(add, subtract)
        if z.shape[-1] != self.latent_dim:
            raise ValueError(
                f"{type(self).__name__}: latents must have {self.latent_dim} values; got {z.shape[-1]}."
            )
        return self.generate(z[None], None if labels is None else [labels])[0]

    # -- serialization ------------------------------------------------------

    def get_config(self):
        return {
            **super().get_config(),
            "image_shape": self.image_shape,
            "latent_dim": self.latent_dim,
            "loss": self.loss_kind,
            "discriminator_steps": self.discriminator_steps,
            "spectral_norm": self.spectral_norm,
            "architecture": self.architecture,
            "base_filters": self.base_filters,
            "upsampling": self.upsampling,
            "hidden_dims": self.hidden_dims,
            "num_classes": self.num_classes,  # GAN(num_classes=K) is conditional too
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
        }


    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "value_range" in config:
            # Saved before models owned an ImageFormat (the zoo's GAN presets).
            value_range = config.pop("value_range")
            known = {None: None, (-1.0, 1.0): ImageFormat(scale="symmetric"), (0.0, 1.0): ImageFormat(scale="unit")}
            key = None if value_range is None else tuple(float(v) for v in value_range)
            if key not in known:
                raise ValueError(f"{cls.__name__}: a saved value_range of {value_range!r} has no ImageFormat; "
                                 "give the config an image_format instead.")
            if "image_format" not in config:
                config["image_format"] = None if known[key] is None else known[key].get_config()
        return super().from_config(config)
