"""The keras-io VAE's training step ("Variational AutoEncoder", keras.io/examples/generative/vae/).

A `keras.Model` subclass whose `train_step` runs a `tf.GradientTape`: encode,
draw z = mean + exp(log_var / 2) * eps, decode, loss = per-image sum of the
pixels' binary cross-entropies + the KL term, averaged over the batch; three
`Mean` trackers. TensorFlow backend only. It takes the encoder and decoder as
given (the benchmark passes kerasgen's, so both rows train the same network);
the decoder returns logits, as kerasgen's does.
"""

import keras
import tensorflow as tf


class KerasIOVAE(keras.Model):
    def __init__(self, encoder, decoder, latent_dim, **kwargs):
        super().__init__(**kwargs)
        self.encoder, self.decoder, self.latent_dim = encoder, decoder, latent_dim
        self.total_loss_tracker = keras.metrics.Mean(name="total_loss")
        self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

    @property
    def metrics(self):
        return [self.total_loss_tracker, self.reconstruction_loss_tracker, self.kl_loss_tracker]

    def train_step(self, data):
        with tf.GradientTape() as tape:
            h = self.encoder(data)
            z_mean, z_log_var = h[:, : self.latent_dim], h[:, self.latent_dim:]
            z = z_mean + tf.exp(0.5 * z_log_var) * tf.random.normal(tf.shape(z_mean))
            logits = self.decoder(z)
            reconstruction_loss = tf.reduce_mean(tf.reduce_sum(
                tf.nn.sigmoid_cross_entropy_with_logits(labels=data, logits=logits), axis=(1, 2, 3)))
            kl_loss = tf.reduce_mean(tf.reduce_sum(
                -0.5 * (1 + z_log_var - tf.square(z_mean) - tf.exp(z_log_var)), axis=1))
            total_loss = reconstruction_loss + kl_loss
        grads = tape.gradient(total_loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        self.total_loss_tracker.update_state(total_loss)
        self.reconstruction_loss_tracker.update_state(reconstruction_loss)
        self.kl_loss_tracker.update_state(kl_loss)
        return {m.name: m.result() for m in self.metrics}


def keras_io_vae_networks(image_shape=(28, 28, 1), latent_dim=2):
    """The example's own encoder and decoder, for benchmarks/quality.py (speed.py passes kerasgen's instead).

    As the example describes them: the encoder is two 3x3 stride-2 convolutions (32 and 64 filters,
    ReLU), a dense layer of 16 (ReLU) and two dense heads, mean and log-variance, of `latent_dim` (2); the
    decoder is a dense layer to 7x7x64 (ReLU), two 3x3 stride-2 transposed convolutions (64 and 32, ReLU)
    and a 3x3 transposed convolution to one channel. The example ends it in a sigmoid and takes the binary
    cross-entropy of its output; this returns the logits and `KerasIOVAE` takes the cross-entropy on them,
    the same loss computed without the sigmoid's rounding. The encoder returns [mean, log-variance]
    concatenated, as `KerasIOVAE` splits it.
    """
    from keras import layers

    x = keras.Input(image_shape)
    h = layers.Conv2D(32, 3, strides=2, padding="same", activation="relu")(x)
    h = layers.Conv2D(64, 3, strides=2, padding="same", activation="relu")(h)
    h = layers.Dense(16, activation="relu")(layers.Flatten()(h))
    stats = layers.Concatenate()([layers.Dense(latent_dim, name="z_mean")(h), layers.Dense(latent_dim, name="z_log_var")(h)])
    encoder = keras.Model(x, stats, name="encoder")
    z = keras.Input((latent_dim,))
    side = image_shape[0] // 4
    h = layers.Reshape((side, side, 64))(layers.Dense(side * side * 64, activation="relu")(z))
    h = layers.Conv2DTranspose(64, 3, strides=2, padding="same", activation="relu")(h)
    h = layers.Conv2DTranspose(32, 3, strides=2, padding="same", activation="relu")(h)
    logits = layers.Conv2DTranspose(image_shape[-1], 3, padding="same")(h)
    return encoder, keras.Model(z, logits, name="decoder")


def iwae_nll_nats(encoder, decoder, latent_dim, x, num_samples, seed=0, batch_size=100):
    """The importance-weighted bound on -log p(x) with K = `num_samples` (Burda et al. 2016), nats an image.

    -log (1/K) sum_k p(x | z_k) p(z_k) / q(z_k | x), z_k ~ q(z | x), the same bound kerasgen's VAE reports,
    with the standard normal prior and Bernoulli decoder the example's loss implies. NumPy draws the
    z_k from `seed`.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    out = []
    for i in range(0, len(x), batch_size):
        xb = x[i:i + batch_size].astype("float32")
        stats = np.asarray(encoder.predict(xb, verbose=0), dtype="float64")
        mean, log_var = stats[:, :latent_dim], stats[:, latent_dim:]
        eps = rng.standard_normal((num_samples,) + mean.shape)
        z = mean + np.exp(0.5 * log_var) * eps  # (K, B, D)
        logits = np.asarray(decoder.predict(z.reshape(-1, latent_dim).astype("float32"), verbose=0,
                                            batch_size=1000), dtype="float64").reshape((num_samples,) + xb.shape)
        log_px = -np.sum(np.logaddexp(0.0, logits) - xb * logits, axis=(2, 3, 4))  # Bernoulli log p(x | z)
        log_pz = -0.5 * np.sum(z ** 2 + np.log(2 * np.pi), axis=-1)
        log_qz = -0.5 * np.sum(eps ** 2 + log_var + np.log(2 * np.pi), axis=-1)
        w = log_px + log_pz - log_qz
        top = w.max(axis=0)
        out.append(-(top + np.log(np.mean(np.exp(w - top), axis=0))))
    return float(np.mean(np.concatenate(out)))
