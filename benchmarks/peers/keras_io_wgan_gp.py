"""The keras-io WGAN-GP's training step ("WGAN-GP overriding `Model.train_step`", keras.io/examples/generative/wgan_gp/).

A `keras.Model` subclass whose `train_step` first updates the critic
`discriminator_steps` times, each time on fresh latents: generate, score the
generated and the real batch (two critic calls), the Wasserstein critic loss
mean(fake) - mean(real) plus `gp_weight` times the gradient penalty at one
random point per image between real and generated (an inner
`tf.GradientTape` for the critic's input gradient, its norm over the image
axes), one `tf.GradientTape` step; then one generator step on fresh latents
with loss -mean(critic(generated)). The keras-io example takes three critic
steps; the benchmark passes kerasgen's default (five) to both contestants,
with kerasgen's networks. TensorFlow backend only.
"""

import keras
import tensorflow as tf


class KerasIOWGANGP(keras.Model):
    def __init__(self, discriminator, generator, latent_dim, discriminator_steps=5, gp_weight=10.0, **kwargs):
        super().__init__(**kwargs)
        self.discriminator, self.generator, self.latent_dim = discriminator, generator, latent_dim
        self.discriminator_steps, self.gp_weight = discriminator_steps, gp_weight

    def compile(self, d_optimizer, g_optimizer):
        super().compile()
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer

    def gradient_penalty(self, batch_size, real, fake):
        alpha = tf.random.uniform([batch_size, 1, 1, 1], 0.0, 1.0)
        between = real + alpha * (fake - real)
        with tf.GradientTape() as tape:
            tape.watch(between)
            score = self.discriminator(between, training=True)
        grads = tape.gradient(score, [between])[0]
        norm = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]))
        return tf.reduce_mean((norm - 1.0) ** 2)

    def train_step(self, real_images):
        batch_size = tf.shape(real_images)[0]
        for _ in range(self.discriminator_steps):
            z = tf.random.normal(shape=(batch_size, self.latent_dim))
            with tf.GradientTape() as tape:
                fake_images = self.generator(z, training=True)
                fake_score = self.discriminator(fake_images, training=True)
                real_score = self.discriminator(real_images, training=True)
                d_cost = tf.reduce_mean(fake_score) - tf.reduce_mean(real_score)
                gp = self.gradient_penalty(batch_size, real_images, fake_images)
                d_loss = d_cost + gp * self.gp_weight
            grads = tape.gradient(d_loss, self.discriminator.trainable_variables)
            self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_variables))

        z = tf.random.normal(shape=(batch_size, self.latent_dim))
        with tf.GradientTape() as tape:
            fake_score = self.discriminator(self.generator(z, training=True), training=True)
            g_loss = -tf.reduce_mean(fake_score)
        grads = tape.gradient(g_loss, self.generator.trainable_variables)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_variables))
        return {"d_loss": d_loss, "g_loss": g_loss}
