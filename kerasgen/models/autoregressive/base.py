"""`AutoregressiveModel`: exact likelihood p(x) = prod_i p(x_i | x_<i) over pixels in raster order."""

import math

import numpy as np

import keras
from keras import ops

from kerasgen import losses
from kerasgen.data.image_format import ImageFormat
from kerasgen.layers.masked_conv import fixed_weights
from kerasgen.backend import compile_loop, compile_step, sampling_threads, write_slice
from kerasgen.models.autoregressive import distributions
from kerasgen.protocols import Conditional, DensityModel, Sampler
from kerasgen import checks
from kerasgen.training.model import GenerativeModel
from kerasgen.utils.untracked import untracked_helper


def default_width(value, grey, step):
    """`value`, or for None the smallest multiple of `step` at or above `grey` (the grey-image default)."""
    return -(-grey // step) * step if value is None else value

SAMPLING_METHODS = ("cached", "naive")
INPUT_ENCODINGS = ("scaled", "one_hot")


class AutoregressiveModel(GenerativeModel, DensityModel, Sampler, Conditional):
    """Base of PixelCNN, GatedPixelCNN and PixelRNN.

    The image's subpixels are ordered in raster order (rows top to bottom,
    pixels left to right) and, within a pixel, by channel (R, G, B). A subclass
    builds a network whose output at a subpixel depends only on the subpixels
    before it, and the model is the product of the per-subpixel distributions:
    `log_prob` is exact, a sum of H * W * C terms.

    `fit()` minimises the negative log-likelihood and logs, per image:
    `loss` and `nll` (nats) and `bits_per_dim` (nats / (H * W * C * ln 2)).
    With `sample_weight`, they are weighted means over the images,
    sum(w * nll) / sum(w).

    `predict(x)` (and `model(x)`) gives every subpixel's conditional
    distribution given the subpixels of x before it (`probabilities`):
    p(x_i = 1 | x_<i), shaped like x, for "bernoulli"; p(x_i = k | x_<i) for
    each of the K levels, (N, H, W, C, K), otherwise; float32. For the
    likelihood of x use `log_prob(x)`; for new images, `sample(n)`.
    Sampling runs in float32 under a mixed precision policy too, and returns
    float32 levels.

    Subclasses define `network_params(x, one_hot, training)`: the raw network
    output (N, H, W, C * P), parameter p of channel c at index p * C + c (so
    feature k belongs to colour group k % 3, as `MaskedConv2D` expects). For
    cached sampling they also define `_cache_init`, `_cache_row` and
    `_cache_pixel` and set `supports_cached_sampling = True`.

    Args:
        image_shape: (H, W, C), C in {1, 3}.
        likelihood: "bernoulli" (binary images, values {0, 1}),
            "categorical" (a softmax over `num_levels` levels, values
            0..num_levels-1, e.g. 0..255) or "logistic_mixture" (a discretized
            mixture of `num_mixtures` logistics over the same levels).
        num_levels: int >= 2, levels per subpixel for "categorical" and
            "logistic_mixture" (default 256); always 2 for "bernoulli".
        num_mixtures: int >= 1, logistic components for "logistic_mixture".
        num_classes: int or None; conditional models take class labels.
        input_encoding: how the network sees a subpixel: "scaled" (the level
            mapped to [-1, 1]; suits ordered levels such as intensities) or
            "one_hot" (K inputs per channel; suits unordered levels such as
            the code indices of a VQ-VAE). Default: "scaled".
        seed: int or None.
    """

    loss_names = ("loss", "nll", "bits_per_dim")
    supports_sample_weight = True
    supports_cached_sampling = False
    sample_has_progress_bar = True
    renamed_arguments = {"distribution": "likelihood"}  # as the VAE's and VQ-VAE's observation models

    def __init__(self, image_shape=(28, 28, 1), likelihood="bernoulli", num_levels=None,
                 num_mixtures=5, num_classes=None, input_encoding="scaled", seed=None, **kwargs):
        owner = type(self).__name__
        self.check_renamed_arguments(kwargs)
        if input_encoding not in INPUT_ENCODINGS:
            raise ValueError(f"{owner}: input_encoding must be one of {INPUT_ENCODINGS}; got {input_encoding!r}.")
        image_shape = checks.check_image_shape(image_shape, owner)
        if likelihood not in distributions.DISTRIBUTIONS:
            raise ValueError(
                f"{owner}: likelihood must be one of {distributions.DISTRIBUTIONS}; got {likelihood!r}."
            )
        if likelihood == "bernoulli":
            if num_levels not in (None, 2):
                raise ValueError(f"{owner}: a 'bernoulli' model has 2 levels; got num_levels={num_levels!r}.")
            num_levels = 2
        elif num_levels is None:
            num_levels = 256
        checks.check_integer(num_levels, "num_levels", owner, minimum=2)
        checks.check_integer(num_mixtures, "num_mixtures", owner)
        checks.check_integer(num_classes, "num_classes", owner, minimum=2, allow_none=True)
        super().__init__(image_shape=image_shape, seed=seed, **kwargs)
        self.likelihood = likelihood
        self.num_levels = int(num_levels)
        self.num_mixtures = int(num_mixtures)
        self.num_classes = None if num_classes is None else int(num_classes)
        self.num_params = distributions.num_params(likelihood, self.num_levels, self.num_mixtures)
        self.input_encoding = input_encoding
        channels = self.image_shape[-1]
        self.network_input_channels = channels * (self.num_levels if input_encoding == "one_hot" else 1)
        self._check_image_format()

    # -- what subclasses define ----------------------------------------------

    def network_params(self, x, one_hot=None, training=False):
        raise NotImplementedError

    def _cache_init(self, x_padded, one_hot):
        raise NotImplementedError

    def _cache_row(self, state, i, one_hot):
        return state

    def _cache_pixel(self, state, i, j, one_hot):
        raise NotImplementedError

    def _cache_input_padding(self):
        """(top, bottom, left, right) zero padding of the cached network input."""
        raise NotImplementedError

    # -- inputs ---------------------------------------------------------------

    def input_value_range(self):
        return (0.0, float(self.num_levels - 1))

    def input_integer_values(self):
        return True

    def default_image_format(self):
        # 2 levels: binarized images; K levels: floor(x * K / 256), the pixel itself for 256.
        return ImageFormat(binarize="dynamic") if self.num_levels == 2 else ImageFormat(levels=self.num_levels)

    def encode_inputs(self, x):
        """Levels 0..K-1 (N, H, W, C) to the network's input (N, H, W, network_input_channels).

        "scaled": the level mapped to [-1, 1]. "one_hot": K indicators per
        channel, feature k * C + c for level k of channel c, so that feature
        f belongs to colour group f % C, as `MaskedConv2D` expects.
        """
        x = ops.cast(x, "float32")
        if self.input_encoding == "scaled":
            return x * (2.0 / (self.num_levels - 1)) - 1.0
        hot = ops.one_hot(ops.cast(x, "int32"), self.num_levels)  # (N, H, W, C, K)
        shape = ops.shape(x)
        hot = ops.transpose(hot, (0, 1, 2, 4, 3))
        return ops.reshape(hot, (shape[0], shape[1], shape[2], self.network_input_channels))

    # -- the model ------------------------------------------------------------

    def params(self, x, one_hot=None, training=False):
        """Distribution parameters (N, H, W, C, P), float32, for images x of levels."""
        raw = self.network_params(self.encode_inputs(x), one_hot, training)
        return self._split_params(raw)

    def _split_params(self, raw):
        h, w, c = self.image_shape
        raw = ops.reshape(ops.cast(raw, "float32"), (-1, h, w, self.num_params, c))
        return ops.transpose(raw, (0, 1, 2, 4, 3))

    def log_prob_pixels(self, x, one_hot=None, training=False):
        """log p(x_i | x_<i) for every subpixel, (N, H, W, C), nats."""
        x = ops.cast(x, "float32")
        return distributions.log_prob(
            self.likelihood, x, self.params(x, one_hot, training), self.num_levels
        )

    def probabilities(self, x, one_hot=None, training=False):
        """p(x_i | x_<i) for every subpixel of images x of levels, float32.

        "bernoulli": p(x_i = 1 | x_<i), shaped like x (N, H, W, C). Otherwise
        p(x_i = k | x_<i) for every level k, (N, H, W, C, num_levels), each
        row summing to 1. Each subpixel is conditioned on the levels of x
        before it (teacher forcing), as in `log_prob`.
        """
        params = self.params(x, one_hot, training)
        if self.likelihood == "bernoulli":
            return ops.sigmoid(params[..., 0])
        return ops.exp(distributions.level_log_probs(self.likelihood, params, self.num_levels))

    def call(self, inputs, training=False):
        if self.num_classes is not None:
            x, labels = inputs
            return self.probabilities(x, self._one_hot(labels), training)
        return self.probabilities(inputs, None, training)

    def predict(self, x, *args, **kwargs):
        """The per-subpixel conditionals p(x_i | x_<i) of images x: `probabilities(x)`, batched.

        Args:
            x: images (N, H, W, C) of levels, a tf.data pipeline or `PyDataset`
                of them, or for conditional models `[images, labels]`. Checked
                as `fit` checks them (shape, levels, NaN/Inf).
            *args, **kwargs: as for `keras.Model.predict` (`batch_size`, `verbose`).

        Returns:
            float32 NumPy array: (N, H, W, C), p(x_i = 1 | x_<i), for
            "bernoulli"; (N, H, W, C, num_levels) otherwise.
        """
        return super().predict(self._check_predict_inputs(x), *args, **kwargs)

    def compute_losses(self, data, training=False):
        x, labels = self._unpack(data)
        one_hot = self._one_hot(labels)
        weight = self._sample_weight(data)
        log_prob = ops.sum(self.log_prob_pixels(x, one_hot, training), axis=(1, 2, 3))
        nll = -losses.weighted_mean(log_prob, weight)
        return self.with_batch_weight(
            {"loss": nll, "nll": nll, "bits_per_dim": nll / (self._num_dims() * math.log(2.0))}, weight)

    def _num_dims(self):
        return int(np.prod(self.image_shape))

    # -- likelihood -----------------------------------------------------------

    def _helper(self, key, factory):
        return untracked_helper(self, key, factory)

    def log_prob(self, x, labels=None, batch_size=256, verbose=0):
        """Exact log p(x) per image, in nats: the sum of H * W * C conditional terms.

        Args:
            x: images (N, H, W, C) of levels: {0, 1} for "bernoulli", 0..K-1 otherwise.
            labels: class ids (one, or N), for conditional models.
            batch_size: images per compiled step.
            verbose: 0 or 1 (a progress bar).

        Returns:
            NumPy array (N,).
        """
        x = self.check_images(x)
        labels = self._labels_for(labels, len(x))
        inputs = x if labels is None else [x, labels]
        wrapper = self._helper("_log_prob_model", lambda: _LogProb(self))
        return wrapper.predict(inputs, batch_size=batch_size, verbose=verbose).astype("float64")

    def _nll_report(self, options):
        return {"likelihood": self.likelihood}  # evaluate_nll's (kerasgen.protocols.DensityModel)

    # -- sampling -------------------------------------------------------------

    def sample(self, n, labels=None, seed=None, method=None, batch_size=None, verbose=0, jit_compile="auto"):
        """Draws n images, one subpixel at a time, in raster order.

        The whole loop runs as one compiled program per batch under TensorFlow
        and JAX (`keras.ops.fori_loop` inside `predict`, with XLA); under
        PyTorch it is a Python loop of eager steps. The random draws come from a NumPy
        generator (one uniform number per subpixel, turned into a level by the
        inverse CDF), so a seed gives the same images with either method, and
        the same on every backend up to floating-point ties.

        Args:
            n: int, images to draw.
            labels: class ids (one, or n) for conditional models.
            seed: int for a repeatable draw, or None (NumPy's global generator,
                which `keras.utils.set_random_seed` seeds).
            method: "cached" (recompute only what a new pixel changes;
                Ramachandran et al. 2017, "Fast Generation for Convolutional
                Autoregressive Models") or "naive" (run the whole network for
                every subpixel). Default: "cached" where the model has it.
            batch_size: images per compiled loop; default min(n, 64).
            verbose: 0 or 1.
            jit_compile: "auto", True or False. "auto" compiles the loop with
                XLA under TensorFlow and JAX and runs it eagerly under
                PyTorch. True under PyTorch compiles each step of the loop
                with `torch.compile`: the same images, several times faster
                per image, after a first call that compiles for minutes on
                a small CPU (BENCHMARKS.md's sampling table times both), so
                it pays off for many images, not for a few. False turns XLA
                off under TensorFlow and JAX.

        Returns:
            float32 NumPy array (n, H, W, C) of levels.

        Example:

        ```python
        import kerasgen
        model = kerasgen.models.PixelCNN(image_shape=(4, 4, 1), filters=8, num_blocks=1)
        assert model.sample(2, seed=0).shape == (2, 4, 4, 1)
        ```
        """
        n = checks.check_integer(n, "n", type(self).__name__, what="a positive integer")
        shape = (n,) + self.image_shape
        return self._fill(np.zeros(shape, "float32"), np.zeros(shape, "float32"), labels, seed,
                          method, batch_size, verbose, jit_compile)

    def complete(self, x, mask, labels=None, seed=None, method=None, batch_size=None, verbose=0,
                 jit_compile="auto"):
        """Fills in the unknown subpixels of partly given images (inpainting).

        Subpixels are drawn in raster order, each from p(x_i | x_<i): a known
        subpixel is kept as it is, an unknown one is sampled. A pixel is
        conditioned only on what precedes it, so known pixels *after* an
        unknown one (below it, or to its right) do not inform it: completing
        the lower half of an image uses the upper half fully; completing the
        upper half ignores the lower one.

        Args:
            x: images (N, H, W, C) of levels; values where `mask` is 0 are ignored.
            mask: (N, H, W) or (N, H, W, C), or one (H, W[, C]) mask for all
                images; 1 (or True) where x is known.
            labels, seed, method, batch_size, verbose, jit_compile: as in `sample`.

        Returns:
            float32 NumPy array (N, H, W, C); equal to x wherever mask is 1.
        """
        owner = type(self).__name__
        if keras.ops.is_tensor(x):
            x = keras.ops.convert_to_numpy(x)
        if keras.ops.is_tensor(mask):
            mask = keras.ops.convert_to_numpy(mask)
        mask = np.asarray(mask)
        if mask.dtype != bool and not (np.issubdtype(mask.dtype, np.number) and np.all((mask == 0) | (mask == 1))):
            raise ValueError(f"{owner}: mask must hold 0/1 or booleans (1 = known); got dtype {mask.dtype} "
                             f"with values {np.unique(mask)[:5]}.")
        x_arr = np.asarray(x)
        if x_arr.ndim != 4 or tuple(x_arr.shape[1:]) != self.image_shape:
            self.check_images(x_arr)  # raises the error that names the shape
        n = len(x_arr)
        h, w, c = self.image_shape
        expected = {(h, w), (h, w, c), (n, h, w), (n, h, w, c)}
        if tuple(mask.shape) not in expected:
            raise ValueError(
                f"{owner}: mask must have shape (N, {h}, {w}), (N, {h}, {w}, {c}), ({h}, {w}) or "
                f"({h}, {w}, {c}) for x of shape {x_arr.shape}; got {mask.shape}."
            )
        # Unknown values are not checked: they are ignored (zeroed) below.
        given = mask.astype("float32")
        if given.ndim in (2, 3) and given.shape[:2] == (h, w) and given.shape != (n, h, w):
            given = given[None]
        if given.ndim == 3 or given.shape[-1] != c:
            given = given[..., None]
        given = np.ascontiguousarray(np.broadcast_to(given, x_arr.shape), dtype="float32")
        x_known = self.check_images(np.where(given > 0, x_arr, 0))
        return self._fill(x_known, given, labels, seed, method, batch_size, verbose, jit_compile)

    def _fill(self, x, given, labels, seed, method, batch_size, verbose, jit_compile):
        owner = type(self).__name__
        if method is None:
            method = "cached" if self.supports_cached_sampling else "naive"
        if method not in SAMPLING_METHODS:
            raise ValueError(f"{owner}: method must be one of {SAMPLING_METHODS}; got {method!r}.")
        if method == "cached" and not self.supports_cached_sampling:
            raise ValueError(f"{owner} has no cached sampling; use method='naive'.")
        if not isinstance(jit_compile, (bool, str)) or jit_compile not in (True, False, "auto"):
            raise ValueError(f"{owner}: jit_compile must be \"auto\", True or False; got {jit_compile!r}.")
        n = len(x)
        labels = self._labels_for(labels, n)
        rng = np.random.default_rng(np.random.randint(2**31) if seed is None else seed)
        u = rng.random(x.shape, dtype="float64").astype("float32")
        inputs = [x, given, u] + ([] if labels is None else [labels])
        key = f"_sampler_{method}_{jit_compile}"
        sampler = self._helper(
            key, lambda: compile_loop(_Sampler(self, method == "cached", jit_compile), jit_compile))
        batch_size = batch_size or min(n, 64)
        with sampling_threads():  # one torch thread for the loop's tiny steps (kerasgen.backend)
            return sampler.predict(inputs, batch_size=batch_size, verbose=verbose).astype("float32")

    def _draw(self, params, u):
        """A level from (N, P) parameters and (N,) uniforms, by the inverse CDF."""
        probs = ops.exp(distributions.level_log_probs(self.likelihood, params, self.num_levels))
        cdf = ops.cumsum(probs, axis=-1)
        level = ops.sum(ops.cast(cdf < u[:, None], "float32"), axis=-1)
        return ops.minimum(level, float(self.num_levels - 1))

    def _sample_loop(self, x, given, u, one_hot, cached, steps):
        """Fills x (N, H, W, C) subpixel by subpixel where given is 0.

        steps: (row step, subpixel step): `_cache_row` and `_pixel_step` as
        `kerasgen.backend.compile_step` gives them (`_Sampler.steps`).
        """
        with fixed_weights(self):  # each masked kernel masked once, not once per subpixel
            return self._sample_loop_body(x, given, u, one_hot, cached, steps)

    def _sample_loop_body(self, x, given, u, one_hot, cached, steps):
        h, w, c = self.image_shape
        n = ops.shape(x)[0]
        row_step, pixel_step = steps
        # A copy: write_slice may write in place (kerasgen.backend), and x is predict()'s batch.
        flat_x = ops.copy(ops.reshape(x, (n, h * w * c)))
        flat_given = ops.reshape(given, (n, h * w * c))
        flat_u = ops.reshape(u, (n, h * w * c))
        if cached:
            top, bottom, left, right = self._cache_input_padding()
            # Unknown subpixels hold 0 here; no output reads them before they are drawn.
            padded = ops.pad(self.encode_inputs(x), ((0, 0), (top, bottom), (left, right), (0, 0)))
            state = self._cache_init(padded, one_hot)
        else:
            state = ()

        def row_body(i, carry):
            flat_x, state = carry
            if cached:
                state = row_step(state, i, one_hot)

            def pixel_body(k, carry):
                return pixel_step(i, k, carry[0], flat_u, flat_given, carry[1], one_hot, cached)

            return ops.fori_loop(0, w * c, pixel_body, (flat_x, state))

        flat_x, _ = ops.fori_loop(0, h, row_body, (flat_x, state))
        return ops.reshape(flat_x, (n, h, w, c))

    def _pixel_step(self, i, k, flat_x, flat_u, flat_given, state, one_hot, cached):
        """Draws subpixel k (pixel k // C, channel k % C) of row i; returns (flat_x, state).

        flat_x, flat_u, flat_given: (N, H * W * C) images, uniforms and known-masks.
        state: the cache (`_cache_init`) when `cached`, else ().
        """
        h, w, c = self.image_shape
        n = ops.shape(flat_x)[0]
        j, ch = k // c, k % c
        if cached:
            state, pixel_params = self._cache_pixel(state, i, j, one_hot)
        else:
            full = self.params(ops.reshape(flat_x, (n, h, w, c)), one_hot)
            pixel_params = ops.take(ops.reshape(full, (n, h * w, c, self.num_params)), i * w + j, axis=1)

        def column(flat, index):
            return ops.reshape(ops.slice(flat, (0, index), (n, 1)), (n,))

        index = (i * w + j) * c + ch
        p = ops.reshape(ops.slice(pixel_params, (0, ch, 0), (n, 1, self.num_params)), (n, self.num_params))
        drawn = self._draw(p, column(flat_u, index))
        known = column(flat_given, index)
        value = known * column(flat_x, index) + (1.0 - known) * drawn
        # One element written: O(N) per subpixel, not O(N * H * W * C).
        flat_x = write_slice(flat_x, (0, index), ops.cast(value, flat_x.dtype)[:, None])
        if cached:
            top, _, left, _ = self._cache_input_padding()
            pixel = ops.slice(flat_x, (0, (i * w + j) * c), (n, c))
            pixel = self.encode_inputs(ops.reshape(pixel, (n, 1, 1, c)))
            state = (write_slice(state[0], (0, i + top, j + left, 0), pixel),) + tuple(state[1:])
        return flat_x, state

    def get_config(self):
        return {
            **super().get_config(),
            "image_shape": self.image_shape,
            "likelihood": self.likelihood,
            "num_levels": self.num_levels,
            "num_mixtures": self.num_mixtures,
            "num_classes": self.num_classes,
            "input_encoding": self.input_encoding,
        }


class _LogProb(keras.Model):
    """Wraps the exact log-likelihood so `predict()` compiles it on any backend."""

    def __init__(self, model):
        # float32 inputs under a mixed policy, as for _Sampler.
        super().__init__(name="log_prob", dtype="float32")
        self.generative = model

    def call(self, inputs):
        if isinstance(inputs, (list, tuple)):
            x, one_hot = inputs[0], self.generative._one_hot(inputs[1])
        else:
            x, one_hot = inputs, None
        return ops.sum(self.generative.log_prob_pixels(x, one_hot), axis=(1, 2, 3))


class _Sampler(keras.Model):
    """Wraps the sampling loop so `predict()` compiles it on any backend."""

    def __init__(self, model, cached, jit_compile="auto"):
        # float32 inputs under a mixed policy: the uniforms must not be rounded to float16.
        super().__init__(name="cached_sampler" if cached else "naive_sampler", dtype="float32")
        self.generative = model
        self.cached = cached
        # The loop's steps, compiled one by one where the backend compiles steps, not loops.
        self.steps = (compile_step(model._cache_row, jit_compile), compile_step(model._pixel_step, jit_compile))

    def call(self, inputs):
        x, given, u = inputs[0], inputs[1], inputs[2]
        one_hot = self.generative._one_hot(inputs[3]) if len(inputs) > 3 else None
        return self.generative._sample_loop(
            ops.cast(x, "float32"), ops.cast(given, "float32"), ops.cast(u, "float32"), one_hot, self.cached,
            self.steps,
        )
