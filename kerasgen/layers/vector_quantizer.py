"""`VectorQuantizer`: the discrete bottleneck of VQ-VAE."""

import numpy as np

import keras
from keras import ops

from kerasgen import backend, checks


@keras.saving.register_keras_serializable(package="kerasgen")
class VectorQuantizer(keras.layers.Layer):
    """Nearest-codebook quantization with the straight-through estimator.

    Each input vector z (the last axis, `code_dim` wide) is replaced by its
    nearest codebook entry e_k (squared Euclidean distance). The forward pass
    returns e_k; the backward pass copies the gradient from e_k to z
    (z + stop_gradient(e_k - z)), so the encoder trains through the
    non-differentiable argmin (van den Oord et al. 2017, "Neural Discrete
    Representation Learning").

    Losses, from `quantize_codes()` (not `quantize`, which Keras layers keep for weight quantization):
    - codebook: ||sg(z) - e_k||^2, moves the codes toward the encoder outputs
      (zero, and unused, with `ema=True`);
    - commitment: ||z - sg(e_k)||^2, keeps the encoder near its codes; the
      model weighs it by `commitment_weight` (beta, 0.25 in the paper).

    With `ema=True` the codebook is not trained by gradients: during
    training each code moves to the exponential moving average of the
    encoder outputs assigned to it (cluster sizes and sums with `decay`,
    Laplace-smoothed by `epsilon`). With `dead_code_threshold` set (EMA
    only), codes whose moving-average assignment count per batch falls below
    it are restarted at random encoder outputs of the current batch.

    Args:
        num_codes: int K >= 2.
        code_dim: int D >= 1.
        ema: bool, EMA codebook updates instead of the codebook loss.
        decay: float in (0, 1), the EMA decay.
        epsilon: float > 0, Laplace smoothing of the EMA cluster sizes.
        dead_code_threshold: float >= 0 or None: with `ema=True`, restart
            codes whose moving-average count per batch falls below it.
        seed: int or None, for the restarts and the initial codebook.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    ```python
    import numpy as np, kerasgen
    vq = kerasgen.layers.VectorQuantizer(num_codes=8, code_dim=4)
    out = vq.quantize_codes(np.random.randn(2, 3, 3, 4).astype("float32"))
    out["indices"].shape  # (2, 3, 3)
    ```
    """

    def __init__(self, num_codes, code_dim, ema=False, decay=0.99, epsilon=1e-5,
                 dead_code_threshold=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        owner = "VectorQuantizer"
        checks.check_integer(num_codes, "num_codes", owner, minimum=2)
        checks.check_integer(code_dim, "code_dim", owner, what="a positive integer")
        if not 0.0 < float(decay) < 1.0:
            raise ValueError(f"{owner}: decay must lie in (0, 1); got {decay!r}.")
        if dead_code_threshold is not None and float(dead_code_threshold) < 0:
            raise ValueError(f"{owner}: dead_code_threshold must be >= 0 or None; got {dead_code_threshold!r}.")
        if dead_code_threshold is not None and not ema:
            raise ValueError(
                f"{owner}: dead_code_threshold restarts codes of the EMA codebook; pass ema=True "
                f"(got ema={ema!r}, dead_code_threshold={dead_code_threshold!r})."
            )
        self.num_codes = int(num_codes)
        self.code_dim = int(code_dim)
        self.ema = bool(ema)
        self.decay = float(decay)
        self.epsilon = float(epsilon)
        self.dead_code_threshold = None if dead_code_threshold is None else float(dead_code_threshold)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="seed_generator")
        limit = float(np.sqrt(3.0 / self.code_dim))
        initial = keras.initializers.RandomUniform(-limit, limit, seed=seed)((self.num_codes, self.code_dim))
        # Distinct NumPy copies: two variables sharing one JAX buffer break donation.
        initial = np.array(ops.convert_to_numpy(initial), dtype="float32")
        self.codebook = self.add_weight(
            name="codebook", shape=(self.num_codes, self.code_dim),
            initializer=keras.initializers.Constant(initial.copy()), trainable=not self.ema,
        )
        # Moving average of each code's assignment count per batch (both variants:
        # it drives dead-code restarts), and for EMA the sums of assigned vectors.
        self.cluster_size = self.add_weight(name="cluster_size", shape=(self.num_codes,),
                                            initializer="ones", trainable=False)
        if self.ema:
            self.embed_sum = self.add_weight(name="embed_sum", shape=(self.num_codes, self.code_dim),
                                             initializer=keras.initializers.Constant(initial.copy()),
                                             trainable=False)
        self.built = True

    def build(self, input_shape):
        if input_shape[-1] is not None and int(input_shape[-1]) != self.code_dim:
            raise ValueError(
                f"VectorQuantizer {self.name}: inputs must have code_dim={self.code_dim} features on "
                f"the last axis; got input shape {tuple(input_shape)}."
            )

    def nearest(self, flat):
        """Indices (M,) of the nearest codes to vectors (M, D)."""
        codebook = ops.cast(self.codebook, flat.dtype)
        distances = (
            ops.sum(flat ** 2, axis=1, keepdims=True)
            - 2.0 * ops.matmul(flat, ops.transpose(codebook))
            + ops.sum(codebook ** 2, axis=1)[None, :]
        )
        return ops.argmin(distances, axis=1)

    def lookup(self, indices):
        """Code vectors for integer indices of any shape: (...) -> (..., D)."""
        return ops.take(self.codebook, ops.cast(indices, "int32"), axis=0)

    def quantize_codes(self, z, training=False):
        """Quantizes z (..., D).

        Returns:
            dict: `quantized` (straight-through, shaped like z), `indices`
            (int, z's shape without the last axis), `codebook_loss`,
            `commitment_loss` (scalars, mean over vectors of the squared
            distance summed over D), `perplexity` (exp of the entropy of the
            batch's code histogram) and `usage` (the share of codes used).
        """
        z = ops.cast(z, "float32")
        shape = ops.shape(z)
        if z.shape[-1] != self.code_dim:
            raise ValueError(
                f"VectorQuantizer {self.name}: inputs must have code_dim={self.code_dim} features on "
                f"the last axis; got shape {tuple(z.shape)}."
            )
        flat = ops.reshape(z, (-1, self.code_dim))
        indices = self.nearest(flat)
        one_hot = ops.one_hot(indices, self.num_codes, dtype="float32")  # (M, K)
        # The code histogram of the global batch: under a data-parallel step that runs per replica (TensorFlow),
        # summed over the replicas, so the EMA updates and the logged perplexity are those of one device.
        counts = backend.replica_sum(ops.sum(one_hot, axis=0))
        if training:
            self._update(flat, one_hot, counts)
        codes = ops.matmul(one_hot, ops.cast(self.codebook, "float32"))  # (M, D), differentiable in the codebook
        codebook_loss = ops.mean(ops.sum((ops.stop_gradient(flat) - codes) ** 2, axis=-1))
        commitment_loss = ops.mean(ops.sum((flat - ops.stop_gradient(codes)) ** 2, axis=-1))
        quantized = flat + ops.stop_gradient(codes - flat)
        probs = counts / ops.maximum(ops.sum(counts), 1.0)
        perplexity = ops.exp(-ops.sum(probs * ops.log(probs + 1e-10)))
        usage = ops.mean(ops.cast(counts > 0, "float32"))
        if self.ema:
            codebook_loss = ops.zeros_like(codebook_loss)
        return {
            "quantized": ops.reshape(quantized, shape),
            "indices": ops.reshape(indices, shape[:-1]),
            "codebook_loss": codebook_loss,
            "commitment_loss": commitment_loss,
            "perplexity": perplexity,
            "usage": usage,
        }

    def _update(self, flat, one_hot, counts):
        d = self.decay
        flat = ops.stop_gradient(flat)
        cluster_size = self.cluster_size * d + (1.0 - d) * counts
        self.cluster_size.assign(cluster_size)
        if self.ema:
            batch_sum = backend.replica_sum(ops.matmul(ops.transpose(one_hot), flat))
            embed_sum = self.embed_sum * d + (1.0 - d) * batch_sum
            n = ops.sum(cluster_size)
            smoothed = (cluster_size + self.epsilon) / (n + self.num_codes * self.epsilon) * n
            self.embed_sum.assign(embed_sum)
            self.codebook.assign(embed_sum / smoothed[:, None])
        if self.dead_code_threshold is not None:
            dead = cluster_size < self.dead_code_threshold  # (K,)
            flat = backend.replica_concat(flat)  # restarts pick from the global batch, the same on every replica
            picks = keras.random.randint((self.num_codes,), 0, ops.shape(flat)[0], seed=self.seed_generator)
            replacement = ops.take(flat, picks, axis=0)
            mask = ops.cast(dead, "float32")[:, None]
            self.codebook.assign(mask * replacement + (1.0 - mask) * self.codebook)
            self.embed_sum.assign(mask * replacement + (1.0 - mask) * self.embed_sum)
            # A restarted code starts from one full count, so it is not restarted again at once.
            self.cluster_size.assign(ops.where(dead, ops.ones_like(cluster_size), cluster_size))

    def call(self, z, training=False):
        return self.quantize_codes(z, training)["quantized"]

    def get_config(self):
        return {
            **super().get_config(),
            "num_codes": self.num_codes,
            "code_dim": self.code_dim,
            "ema": self.ema,
            "decay": self.decay,
            "epsilon": self.epsilon,
            "dead_code_threshold": self.dead_code_threshold,
            "seed": self.seed,
        }
