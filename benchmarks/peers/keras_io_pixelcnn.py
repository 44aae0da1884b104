"""The keras-io PixelCNN ("PixelCNN", keras.io/examples/generative/pixelcnn/), rebuilt from its description.

The network, as the example describes it: a masked 7x7 convolution of type
"A" (128 filters, ReLU); five residual blocks, each a 1x1 convolution to half
the filters, a masked 3x3 convolution of type "B", a 1x1 convolution back to
the full width (all ReLU), added to the block's input; two masked 1x1
convolutions of type "B" (128 filters, ReLU); and a 1x1 convolution with a
sigmoid to p(x_i = 1 | x_<i). Trained with Keras' built-in `fit`, binary
cross-entropy and Adam(5e-4), batch 128. The masks are spatial only (the
images have one channel): type "A" hides the centre pixel and everything
after it in raster order, type "B" shows the centre.

Written with `keras.ops` and Keras layers only, so it runs under every
backend, as the example does in Keras 3.
"""

import keras
import numpy as np
from keras import layers, ops


class SpatialMaskedConv2D(layers.Layer):
    """A Conv2D whose kernel is multiplied by a fixed raster-order mask before every call."""

    def __init__(self, mask_type, filters, kernel_size, activation=None, **kwargs):
        super().__init__(**kwargs)
        if mask_type not in ("A", "B"):
            raise ValueError(f"mask_type must be 'A' or 'B'; got {mask_type!r}")
        self.mask_type = mask_type
        self.conv = layers.Conv2D(filters, kernel_size, padding="same", activation=activation)

    def build(self, input_shape):
        self.conv.build(input_shape)
        kh, kw, cin, cout = self.conv.kernel.shape
        mask = np.zeros((kh, kw, cin, cout), dtype="float32")
        mask[: kh // 2] = 1.0
        mask[kh // 2, : kw // 2] = 1.0
        if self.mask_type == "B":
            mask[kh // 2, kw // 2] = 1.0
        self.mask = mask

    def call(self, x):
        kernel = self.conv.kernel * ops.convert_to_tensor(self.mask)
        y = ops.conv(x, kernel, padding="same") + self.conv.bias
        return self.conv.activation(y)


def keras_io_pixelcnn(image_shape=(28, 28, 1), filters=128, residual_blocks=5, head_layers=2):
    """The keras-io PixelCNN as a functional `keras.Model`: images in {0, 1} to p(x_i = 1 | x_<i)."""
    inputs = keras.Input(shape=image_shape)
    x = SpatialMaskedConv2D("A", filters, 7, activation="relu")(inputs)
    for _ in range(residual_blocks):
        h = layers.Conv2D(filters // 2, 1, activation="relu")(x)
        h = SpatialMaskedConv2D("B", filters // 2, 3, activation="relu")(h)
        h = layers.Conv2D(filters, 1, activation="relu")(h)
        x = layers.add([x, h])
    for _ in range(head_layers):
        x = SpatialMaskedConv2D("B", filters, 1, activation="relu")(x)
    outputs = layers.Conv2D(image_shape[-1], 1, activation="sigmoid")(x)
    return keras.Model(inputs, outputs, name="keras_io_pixelcnn")


def compile_like_keras_io(model, learning_rate=5e-4):
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy")
    return model


def nll_nats(model, x, batch_size=256):
    """Exact test NLL in nats an image: the sum over pixels of -log p(x_i | x_<i) under the model's sigmoid.

    The probabilities are clipped to [1e-7, 1 - 1e-7], as Keras' binary cross-entropy clips them in
    training, so the figure is the loss the example optimises, summed over an image's pixels.
    """
    p = np.clip(model.predict(x, batch_size=batch_size, verbose=0), 1e-7, 1 - 1e-7).astype("float64")
    x = x.astype("float64")
    return float(np.mean(-np.sum(x * np.log(p) + (1 - x) * np.log1p(-p), axis=(1, 2, 3))))
