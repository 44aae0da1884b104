"""The keras-io conditional GAN ("Conditional GAN", keras.io/examples/generative/conditional_gan/), rebuilt from its description.

As the example describes it, for MNIST: the generator takes a 128-d latent
concatenated with the one-hot class, a dense layer to 7x7x138 (LeakyReLU
0.2), two 4x4 stride-2 transposed convolutions of 128 (LeakyReLU 0.2) and a
7x7 convolution with a sigmoid to the image; the discriminator takes the
image with the one-hot class broadcast as 10 more channels, two 3x3 stride-2
convolutions (64, 128, LeakyReLU 0.2), global max pooling and a dense score.
Adam(3e-4) for each, binary cross-entropy on the logits; a `train_step` with
two `tf.GradientTape`s: score generated (label 1) and real (label 0) images
with their classes as one batch, step D; fresh latents, score the generated
images against "real", step G. Images in [0, 1]. TensorFlow backend only.
"""

import keras
import tensorflow as tf
from keras import layers


def keras_io_cgan_networks(image_shape=(28, 28, 1), num_classes=10, latent_dim=128):
    """(discriminator, generator): D takes [image, one-hot], G takes [latent, one-hot]."""
    channels = image_shape[-1] + num_classes
    x = keras.Input(image_shape[:2] + (channels,))
    h = layers.LeakyReLU(0.2)(layers.Conv2D(64, 3, strides=2, padding="same")(x))
    h = layers.LeakyReLU(0.2)(layers.Conv2D(128, 3, strides=2, padding="same")(h))
    discriminator = keras.Model(x, layers.Dense(1)(layers.GlobalMaxPooling2D()(h)), name="discriminator")
    width = latent_dim + num_classes
    z = keras.Input((width,))
    side = image_shape[0] // 4
    h = layers.LeakyReLU(0.2)(layers.Dense(side * side * width)(z))
    h = layers.Reshape((side, side, width))(h)
    for _ in range(2):
        h = layers.LeakyReLU(0.2)(layers.Conv2DTranspose(128, 4, strides=2, padding="same")(h))
    images = layers.Conv2D(image_shape[-1], 7, padding="same", activation="sigmoid")(h)
    return discriminator, keras.Model(z, images, name="generator")


class KerasIOConditionalGAN(keras.Model):
    def __init__(self, discriminator, generator, latent_dim=128, num_classes=10, **kwargs):
        super().__init__(**kwargs)
        self.discriminator, self.generator = discriminator, generator
        self.latent_dim, self.num_classes = latent_dim, num_classes
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def compile(self, d_optimizer=None, g_optimizer=None, learning_rate=3e-4):
        super().compile()
        self.d_optimizer = d_optimizer or keras.optimizers.Adam(learning_rate)
        self.g_optimizer = g_optimizer or keras.optimizers.Adam(learning_rate)
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)

    def _with_class(self, images, one_hot):
        side = tf.shape(images)[1]
        planes = tf.tile(one_hot[:, None, None, :], [1, side, side, 1])
        return tf.concat([images, planes], axis=-1)

    def train_step(self, data):
        real, labels = data
        one_hot = tf.one_hot(tf.cast(tf.reshape(labels, [-1]), "int32"), self.num_classes)
        batch = tf.shape(real)[0]
        z = tf.random.normal((batch, self.latent_dim))
        fake = self.generator(tf.concat([z, one_hot], axis=1))
        combined = tf.concat([self._with_class(fake, one_hot), self._with_class(real, one_hot)], axis=0)
        targets = tf.concat([tf.ones((batch, 1)), tf.zeros((batch, 1))], axis=0)
        with tf.GradientTape() as tape:
            d_loss = self.loss_fn(targets, self.discriminator(combined))
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))
        z = tf.random.normal((batch, self.latent_dim))
        with tf.GradientTape() as tape:
            fake = self.generator(tf.concat([z, one_hot], axis=1))
            g_loss = self.loss_fn(tf.zeros((batch, 1)), self.discriminator(self._with_class(fake, one_hot)))
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}

    def sample(self, labels, seed=0):
        """Images in [0, 1] of the given classes, latents drawn by NumPy from `seed`."""
        import numpy as np

        z = np.random.default_rng(seed).standard_normal((len(labels), self.latent_dim)).astype("float32")
        one_hot = np.eye(self.num_classes, dtype="float32")[np.asarray(labels)]
        return np.asarray(self.generator.predict(np.concatenate([z, one_hot], axis=1), verbose=0, batch_size=500))
