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
