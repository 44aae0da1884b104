"""The keras-io DCGAN's training step ("DCGAN to generate face images", keras.io/examples/generative/dcgan_overriding_train_step/).

A `keras.Model` subclass whose `train_step` runs two `tf.GradientTape`s:
generate a batch, score the generated and the real images as one
concatenated batch (labels 1 for generated, 0 for real, plus 0.05 of uniform
noise, as the example has it), step D; draw fresh latents, score the
generated images against "all real" labels, step G; two `Mean` trackers.
Binary cross-entropy on logits (the example's D ends in a sigmoid; the
benchmark passes kerasgen's networks, whose D returns a raw score).
TensorFlow backend only.
"""

import keras
import tensorflow as tf


class KerasIODCGAN(keras.Model):
    def __init__(self, discriminator, generator, latent_dim, **kwargs):
        super().__init__(**kwargs)
        self.discriminator, self.generator, self.latent_dim = discriminator, generator, latent_dim
        self.d_loss_metric = keras.metrics.Mean(name="d_loss")
        self.g_loss_metric = keras.metrics.Mean(name="g_loss")

    def compile(self, d_optimizer, g_optimizer):
        super().compile()
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)

    @property
    def metrics(self):
        return [self.d_loss_metric, self.g_loss_metric]

    def train_step(self, real_images):
        batch_size = tf.shape(real_images)[0]
        z = tf.random.normal(shape=(batch_size, self.latent_dim))
        generated = self.generator(z, training=True)
        combined = tf.concat([generated, real_images], axis=0)
        labels = tf.concat([tf.ones((batch_size, 1)), tf.zeros((batch_size, 1))], axis=0)
        labels += 0.05 * tf.random.uniform(tf.shape(labels))
        with tf.GradientTape() as tape:
            predictions = self.discriminator(combined, training=True)
            d_loss = self.loss_fn(labels, predictions)
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))

        z = tf.random.normal(shape=(batch_size, self.latent_dim))
        misleading = tf.zeros((batch_size, 1))
        with tf.GradientTape() as tape:
            predictions = self.discriminator(self.generator(z, training=True), training=True)
            g_loss = self.loss_fn(misleading, predictions)
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))
        self.d_loss_metric.update_state(d_loss)
        self.g_loss_metric.update_state(g_loss)
        return {"d_loss": self.d_loss_metric.result(), "g_loss": self.g_loss_metric.result()}


def keras_io_dcgan_networks(image_shape=(28, 28, 1), latent_dim=128):
    """The example's own generator and discriminator, for benchmarks/quality.py (speed.py passes kerasgen's).

    As the example describes them, for 64x64 faces: the discriminator is three 4x4 stride-2 convolutions
    (64, 128, 128 filters, LeakyReLU 0.2), dropout 0.2 and a dense output; the generator is a dense layer to
    8x8x128, three 4x4 stride-2 transposed convolutions (128, 256, 512, LeakyReLU 0.2) and a 5x5
    convolution with a sigmoid, latent size 128. For 28x28 images the generator starts at 7x7 and needs two
    doublings, so it keeps the first two transposed convolutions (128, 256) and drops the third (512).
    The discriminator returns logits (the example's sigmoid is in `KerasIODCGAN`'s cross-entropy); the
    generator's sigmoid gives images in [0, 1], the example's scale.
    """
    from keras import layers

    x = keras.Input(image_shape)
    h = x
    for filters in (64, 128, 128):
        h = layers.LeakyReLU(0.2)(layers.Conv2D(filters, 4, strides=2, padding="same")(h))
    score = layers.Dense(1)(layers.Dropout(0.2)(layers.Flatten()(h)))
    discriminator = keras.Model(x, score, name="discriminator")
    z = keras.Input((latent_dim,))
    side = image_shape[0] // 4
    h = layers.Reshape((side, side, 128))(layers.Dense(side * side * 128)(z))
    for filters in (128, 256):
        h = layers.LeakyReLU(0.2)(layers.Conv2DTranspose(filters, 4, strides=2, padding="same")(h))
    images = layers.Conv2D(image_shape[-1], 5, padding="same", activation="sigmoid")(h)
    return discriminator, keras.Model(z, images, name="generator")


def compile_like_keras_io(gan, learning_rate=1e-4):
    """Adam(1e-4) for each network, as the example."""
    gan.compile(d_optimizer=keras.optimizers.Adam(learning_rate), g_optimizer=keras.optimizers.Adam(learning_rate))
    return gan
