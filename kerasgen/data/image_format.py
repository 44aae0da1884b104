"""`ImageFormat`: what a model's images are, owned and saved by the model."""

import numbers

import numpy as np

_SCALES = ("unit", "symmetric", None)
_BINARIZE = (None, "dynamic", "static")
# Dequantization noise is drawn on a grid of 2**-16, so that x + u is exact in
# float32 for 0 <= x <= 255 and floor((x + u) / 256 * 256) gives back x.
NOISE_STEPS = 65536
# The short names of the formats recipes and presets made before ImageFormat recorded.
_NAMED = {"binary": {"binarize": "dynamic"}, "unit": {"scale": "unit"}, "symmetric": {"scale": "symmetric"}}


class ImageFormat:
    """How raw 8-bit images become what a model takes, and what its images mean.

    Every kerasgen model owns one (`model.image_format`) and saves it in its
    config, so the pipeline, `kerasgen.evaluate`, the NLL in bits per
    dimension, sample grids and the `kerasgen` command all read the same
    format instead of guessing it. The conversion from 0..255 pixels is
    written once (`_values`) and runs on NumPy arrays (`convert`) and in
    `tf.data` (`transform`).

    The formats:

    - ``scale="unit"``: x / 255, in [0, 1]; ``"symmetric"``: x / 127.5 - 1,
      in [-1, 1]; None: the 0..255 values as they are.
    - ``binarize="dynamic"`` (a Bernoulli draw with p = x / 255, fresh each
      time) or ``"static"`` (x / 255 > 0.5): values {0, 1}, 2 levels.
    - ``dequantize=True``: uniform noise u in [0, 1) added before scaling,
      (x + u) / 256 for "unit", (x + u) / 128 - 1 for "symmetric".
    - ``levels=K`` (with ``scale=None``): whole levels 0..K-1, floor(x * K / 256),
      what autoregressive models with K-way outputs take; 256 gives x itself.

    Args:
        scale: "unit", "symmetric" or None (see above); the default "auto"
            is "unit", or None when `levels` is given.
        binarize: None, "dynamic" or "static".
        dequantize: bool.
        levels: int >= 2 or None (more than 256 levels, as of a VQ-VAE
            prior over 512 codes, leaves some unused by 8-bit pixels).

    Example:

    ```python
    fmt = kerasgen.data.ImageFormat(binarize="dynamic")
    x = fmt.convert(np.array([[[[0], [255]]]], "uint8"), seed=0)  # {0, 1} float32
    fmt.value_range, fmt.num_levels, fmt.bits_scale  # ((0.0, 1.0), 2, 1.0)
    fmt.to_unit(x)  # in [0, 1], for pictures and feature extractors
    ```
    """

    def __init__(self, scale="auto", binarize=None, dequantize=False, levels=None):
        if isinstance(scale, str) and scale == "auto":
            scale = None if levels is not None and binarize is None else "unit"
        if scale not in _SCALES:
            raise ValueError(f"ImageFormat: scale must be one of 'unit', 'symmetric' or None; got {scale!r}.")
        if binarize not in _BINARIZE:
            raise ValueError(f"ImageFormat: binarize must be one of None, 'dynamic' or 'static'; got {binarize!r}.")
        if not isinstance(dequantize, (bool, np.bool_)):
            raise TypeError(f"ImageFormat: dequantize must be True or False; got {dequantize!r}.")
        if levels is not None and (isinstance(levels, (bool, np.bool_)) or not isinstance(levels, numbers.Integral)
                                   or levels < 2):
            raise ValueError(f"ImageFormat: levels must be an integer >= 2, or None; got {levels!r}.")
        if binarize is not None and scale == "symmetric":
            raise ValueError(f"ImageFormat: binarize={binarize!r} cannot be combined with scale='symmetric': "
                             "binary data is {0, 1}; pass scale='unit' (or None).")
        if dequantize and binarize is not None:
            raise ValueError(f"ImageFormat: dequantize=True cannot be combined with binarize={binarize!r}: "
                             "dequantization is for 256-level data, binarized data has 2 levels.")
        if dequantize and levels is not None:
            raise ValueError(f"ImageFormat: dequantize=True cannot be combined with levels={levels!r}: "
                             "dequantized data is continuous, not whole levels.")
        if levels is not None and binarize is not None and levels != 2:
            raise ValueError(f"ImageFormat: binarized images have 2 levels; got levels={levels!r}.")
        if levels is not None and binarize is None and scale is not None:
            raise ValueError(f"ImageFormat: levels={levels!r} gives whole levels 0..{levels - 1}; pass scale=None "
                             f"with it, not scale={scale!r}.")
        self.scale = scale if binarize is None else "unit"
        self.binarize = binarize
        self.dequantize = bool(dequantize)
        self.levels = 2 if binarize is not None else (None if levels is None else int(levels))

    @classmethod
    def get(cls, identifier):
        """An `ImageFormat` from an ImageFormat, its config dict, a name ("binary", "unit", "symmetric") or None."""
        if identifier is None or isinstance(identifier, ImageFormat):
            return identifier
        if isinstance(identifier, str):
            if identifier not in _NAMED:
                raise ValueError(f"image_format: unknown name {identifier!r}; expected one of {sorted(_NAMED)}, "
                                 "an ImageFormat or its config dict.")
            return cls(**_NAMED[identifier])
        if isinstance(identifier, dict):
            unknown = sorted(set(identifier) - {"scale", "binarize", "dequantize", "levels"})
            if unknown:
                raise ValueError(f"image_format: unknown keys {unknown} in {identifier!r}.")
            return cls(**identifier)
        raise TypeError("image_format must be an ImageFormat, its config dict, a name ('binary', 'unit', "
                        f"'symmetric') or None; got {type(identifier).__name__}.")

    # -- what the images are ----------------------------------------------

    @property
    def discrete(self):
        """Whether the values are whole levels (binary or `levels`), so a model's log_prob is a mass."""
        return self.levels is not None

    @property
    def value_range(self):
        """(low, high) floats that converted images lie in."""
        if self.levels is not None:
            return (0.0, float(self.levels - 1))
        if self.scale == "unit":
            return (0.0, 1.0)
        if self.scale == "symmetric":
            return (-1.0, 1.0)
        return (0.0, 256.0 if self.dequantize else 255.0)

    @property
    def num_levels(self):
        """How many values a pixel can take: 2, `levels`, 256 for scaled 8-bit data, None when dequantized."""
        if self.levels is not None:
            return self.levels
        return None if self.dequantize else 256

    @property
    def bits_scale(self):
        """The `data_scale` of `kerasgen.losses.bits_per_dim` for a model of these images.

        1 for whole levels (the log-probability is a mass); for a density,
        the factor between the model's values and 0..256 pixel values: 256
        for "unit", 128 for "symmetric", 1 for raw values (the convention
        behind published bits/dim, exact for dequantized data).
        """
        if self.discrete:
            return 1.0
        return {"unit": 256.0, "symmetric": 128.0, None: 1.0}[self.scale]

    @property
    def random(self):
        """Whether converting draws random numbers (dynamic binarization, dequantization)."""
        return self.binarize == "dynamic" or self.dequantize

    # -- conversions --------------------------------------------------------

    def _values(self, x, noise):
        """The conversion, once, in operators that NumPy arrays and tf tensors share.

        `x`: float32 0..255 values; `noise`: uniform [0, 1) values of x's shape
        (used only when `random`). Returns floats or booleans of x's shape.
        """
        if self.binarize == "static":
            return x / 255.0 > 0.5
        if self.binarize == "dynamic":
            return noise < x / 255.0
        if self.levels is not None:
            return (x * float(self.levels)) // 256.0
        if self.dequantize:
            x = x + noise
            return {"unit": x / 256.0, "symmetric": x / 128.0 - 1.0, None: x}[self.scale]
        if self.scale == "unit":
            return x / 255.0
        if self.scale == "symmetric":
            return x / 127.5 - 1.0
        return x

    def convert(self, images, seed=0):
        """0..255 images (NumPy, uint8 or float) to float32 model inputs.

        Random draws come from `np.random.default_rng(seed)`, or from `seed`
        itself when it is a `np.random.Generator` (which then advances).

        Raises ValueError for values outside [0, 255] or not finite.
        """
        x = np.asarray(images)
        if not (np.issubdtype(x.dtype, np.number) or x.dtype == np.bool_):
            raise TypeError(f"ImageFormat.convert: images must be a numeric array; got dtype {x.dtype}.")
        x = x.astype("float32")
        if x.size:
            lo, hi = float(x.min()), float(x.max())
            if not (np.isfinite(lo) and np.isfinite(hi)) or lo < 0 or hi > 255:
                raise ValueError(f"ImageFormat.convert: images must hold 0..255 pixel values; got values in "
                                 f"[{lo:g}, {hi:g}].")
        noise = None
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        if self.binarize == "dynamic":
            noise = rng.random(x.shape)
        elif self.dequantize:
            noise = rng.integers(0, NOISE_STEPS, x.shape).astype("float32") / NOISE_STEPS
        return np.asarray(self._values(x, noise)).astype("float32")

    def transform(self, x, seed=None):
        """The same conversion as `convert`, in TensorFlow ops for `tf.data`; `seed` is a stateless (2,) seed."""
        import tensorflow as tf

        x = tf.cast(x, tf.float32)
        noise = None
        if self.binarize == "dynamic":
            noise = tf.random.stateless_uniform(tf.shape(x), seed=seed, dtype=tf.float32)
        elif self.dequantize:
            steps = tf.random.stateless_uniform(tf.shape(x), seed=seed, minval=0, maxval=NOISE_STEPS, dtype=tf.int32)
            noise = tf.cast(steps, tf.float32) / NOISE_STEPS
        return tf.cast(self._values(x, noise), tf.float32)

    def _black_and_white(self):
        """The values shown black and white: `value_range`, but 255 is white for raw pixels, dequantized or not."""
        lo, hi = self.value_range
        return (lo, 255.0) if self.levels is None and self.scale is None else (lo, hi)

    def to_unit(self, images):
        """Model images mapped linearly from black..white to [0, 1] (NumPy float32); nothing is clipped."""
        lo, hi = self._black_and_white()
        return ((np.asarray(images, "float32") - lo) / (hi - lo)).astype("float32")

    def from_unit(self, images, rng):
        """[0, 1] images to this format: Bernoulli draws for binary, the nearest level for levels, else linear."""
        u = np.asarray(images, "float32")
        if self.levels == 2:
            return (rng.random(u.shape) < u).astype("float32")
        if self.levels is not None:
            return np.round(u * (self.levels - 1)).astype("float32")
        lo, hi = self._black_and_white()
        return (lo + u * (hi - lo)).astype("float32")

    # -- saving -----------------------------------------------------------

    def get_config(self):
        return {"scale": self.scale, "binarize": self.binarize, "dequantize": self.dequantize,
                "levels": None if self.binarize is not None else self.levels}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __eq__(self, other):
        return isinstance(other, ImageFormat) and self.get_config() == other.get_config()

    def __hash__(self):
        return hash(tuple(sorted(self.get_config().items(), key=lambda kv: kv[0])))

    def __repr__(self):
        auto_scale = None if self.levels is not None and self.binarize is None else "unit"
        defaults = {"scale": auto_scale, "binarize": None, "dequantize": False, "levels": None}
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if v != defaults[k])
        return f"ImageFormat({args})"

    def describe(self):
        """One line saying how pixels become model inputs, for metadata and help text."""
        if self.binarize == "dynamic":
            return "Bernoulli(x / 255), a fresh draw each time"
        if self.binarize == "static":
            return "x / 255 > 0.5"
        if self.levels is not None:
            return "x" if self.levels == 256 else f"floor(x * {self.levels} / 256), levels 0..{self.levels - 1}"
        base = {"unit": "x / 255", "symmetric": "x / 127.5 - 1", None: "x (0..255)"}[self.scale]
        if self.dequantize:
            base = {"unit": "(x + u) / 256", "symmetric": "(x + u) / 128 - 1", None: "x + u"}[self.scale]
            base += ", u ~ U[0, 1)"
        return base
