"""The evaluation classifier: features and class probabilities for sample-quality metrics."""

import keras
import numpy as np
from keras import layers

from kerasgen.data.image_format import ImageFormat
from kerasgen.saving import PresetMixin
from kerasgen import checks
from kerasgen.utils.untracked import untracked_helper


@keras.saving.register_keras_serializable(package="kerasgen")
class Classifier(PresetMixin, keras.Model):
    """A small CNN whose penultimate layer is the feature space of FID, KID and precision/recall.

    Inception weights cannot be fetched offline, so kerasgen measures sample
    quality with a classifier trained on the dataset itself: FID, KID and the
    Inception Score computed with it are *not* Inception FID/KID/IS and must
    not be compared with published values. `train_classifier` trains one;
    the zoo's ``fashion_mnist_classifier`` preset is the one kerasgen's
    Fashion-MNIST numbers use.

    Two 3x3 conv layers (ReLU, 2x2 max-pool) per stage, a dense feature layer
    (ReLU), dropout and a linear layer to class logits. Images are floats in
    [0, 1].

    Args:
        image_shape: tuple (H, W, C) with H and W divisible by 2 ** len(filters).
        num_classes: int >= 2.
        filters: tuple of int, the channels of each conv stage.
        feature_dim: int, width of the feature layer.
        dropout: float in [0, 1), dropout rate after the feature layer.

    Example:

    ```python
    import numpy as np, kerasgen
    x = np.random.rand(64, 8, 8, 1).astype("float32")
    y = np.arange(64) % 4
    clf = kerasgen.metrics.train_classifier(x, y, epochs=1, verbose=0, filters=(8,), feature_dim=16)
    clf.features(x).shape  # (64, 16)
    ```
    """

    # It takes x / 255, in [0, 1]: what every model's ImageFormat.to_unit gives.
    image_format = ImageFormat(scale="unit")

    def __init__(self, image_shape=(28, 28, 1), num_classes=10, filters=(32, 64), feature_dim=128,
                 dropout=0.3, **kwargs):
        super().__init__(**kwargs)
        self.image_shape = checks.check_image_shape(image_shape, "Classifier")
        num_classes = checks.check_integer(num_classes, "num_classes", "Classifier", minimum=2)
        filters = checks.check_sizes(filters, "filters", "Classifier", allow_empty=False)
        factor = 2 ** len(filters)
        if self.image_shape[0] % factor or self.image_shape[1] % factor:
            raise ValueError(
                f"Classifier: {len(filters)} pooling stages need image sides divisible by {factor}; "
                f"got image_shape {self.image_shape}."
            )
        feature_dim = checks.check_integer(feature_dim, "feature_dim", "Classifier", what="a positive integer")
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f"Classifier: dropout must be in [0, 1); got {dropout!r}.")
        self.num_classes, self.filters = num_classes, filters
        self.feature_dim, self.dropout = feature_dim, float(dropout)
        self.stages = []
        for f in filters:
            self.stages += [layers.Conv2D(f, 3, padding="same", activation="relu"),
                            layers.Conv2D(f, 3, padding="same", activation="relu"),
                            layers.MaxPooling2D(2)]
        self.flatten = layers.Flatten()
        self.feature_layer = layers.Dense(feature_dim, activation="relu", name="features")
        self.drop = layers.Dropout(self.dropout)
        self.head = layers.Dense(num_classes, name="logits")
        self.build((None, *self.image_shape))

    def build(self, input_shape):
        self.call(keras.KerasTensor(input_shape))
        self.built = True

    def embed(self, x, training=False):
        for layer in self.stages:
            x = layer(x)
        return self.feature_layer(self.flatten(x))

    def call(self, x, training=False):
        return self.head(self.drop(self.embed(x), training=training))

    def _check(self, x):
        x = np.asarray(x)
        if x.ndim != 4 or tuple(x.shape[1:]) != self.image_shape:
            raise ValueError(
                f"Classifier: x must have shape (N, {', '.join(map(str, self.image_shape))}); "
                f"got {x.shape}."
            )
        x = x.astype("float32")
        if not np.all(np.isfinite(x)):
            raise ValueError("Classifier: x contains NaN or Inf.")
        if x.size and (x.min() < 0.0 or x.max() > 1.0):
            raise ValueError(
                f"Classifier: x must hold values in [0, 1]; got values in [{x.min():g}, {x.max():g}]."
            )
        return x

    def features(self, x, batch_size=256):
        """Feature-layer activations of images in [0, 1]: array (N, feature_dim)."""
        x = self._check(x)
        def build():
            inputs = keras.Input(self.image_shape)
            return keras.Model(inputs, self.embed(inputs))  # shares this model's weights

        feature_model = untracked_helper(self, "_feature_model", build)
        return np.asarray(feature_model.predict(x, batch_size=batch_size, verbose=0))

    def probabilities(self, x, batch_size=256):
        """Class probabilities of images in [0, 1]: array (N, num_classes)."""
        logits = self.predict(self._check(x), batch_size=batch_size, verbose=0)
        return np.asarray(keras.ops.convert_to_numpy(keras.ops.softmax(logits, axis=-1)))

    def accuracy(self, x, labels, batch_size=256):
        """Share of images whose most probable class is `labels`."""
        labels = np.asarray(labels).reshape(-1)
        probs = self.probabilities(x, batch_size)
        if len(labels) != len(probs):
            raise ValueError(f"Classifier: x has {len(probs)} images but labels has {len(labels)}.")
        return float(np.mean(probs.argmax(-1) == labels))

    def get_config(self):
        return {**super().get_config(), "image_shape": self.image_shape,
                "num_classes": self.num_classes, "filters": self.filters,
                "feature_dim": self.feature_dim, "dropout": self.dropout}
