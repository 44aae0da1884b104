"""Datasets and tf.data input pipelines for kerasgen.

- `load(name, split, data_dir)`: NumPy arrays from local IDX files (searched in
  `default_data_dirs(name)`, including ``$KERASGEN_DATA_DIR``), scikit-learn's
  ``digits``, or TensorFlow Datasets as a fallback.
- `ImageFormat(scale, binarize, dequantize, levels)`: what a model's images
  are; every model owns one (`model.image_format`), which converts 8-bit
  pixels to its inputs and its outputs back to [0, 1].
- `load_images(path, ...)`: your own images, a folder (one subfolder per
  class gives labels) or an .npy/.npz file, with a seeded held-out split.
- `pipeline(source, ...)`: shuffled, batched, scaled / binarized / dequantized
  float32 batches as a `tf.data.Dataset`, usable by Keras under every backend.
- `check_images(dataset, ...)`: fail loudly on NaN, out-of-range values, a
  wrong image shape or, with `num_classes`, bad class labels; `check_labels`
  checks the labels of (samples, labels) batches of any shape.
- `gaussian_mixture_ring(n, ...)`, `ring_centers(...)`: the 2-D ring of Gaussians
  for mode-collapse experiments.
"""

from kerasgen.data.checks import check_images, check_labels
from kerasgen.data.files import held_out_split, load_images
from kerasgen.data.image_format import ImageFormat
from kerasgen.data.pipelines import pipeline
from kerasgen.data.sources import IDX_FOLDER_ENV, default_data_dirs, load
from kerasgen.data.toy import gaussian_mixture_ring, ring_centers

__all__ = [
    "IDX_FOLDER_ENV",
    "ImageFormat",
    "check_images",
    "check_labels",
    "default_data_dirs",
    "gaussian_mixture_ring",
    "held_out_split",
    "load",
    "load_images",
    "pipeline",
    "ring_centers",
]
