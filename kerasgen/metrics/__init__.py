"""Measures of how well a generator covers the data.

- `mode_coverage(samples, centers, std)`: modes of a known mixture (the 2-D ring
  of `kerasgen.data.gaussian_mixture_ring`) reached by high-quality samples.
- `class_coverage(predicted_labels, num_classes)`: classes a classifier finds
  among generated images, with the histogram's entropy.

Sample quality on feature vectors (from a classifier trained on the dataset
itself, so not Inception-based and not comparable with published values):
`frechet_distance` (FID), `kernel_inception_distance` (KID, unbiased),
`precision_recall` (Kynkaanniemi et al. 2019) and `inception_score`.

Uses: `ood_auroc` (outlier detection by likelihood), `typicality_scores` (the
typicality-test correction), `linear_probe` (accuracy of a linear classifier
on learned features).
"""

from kerasgen.metrics.classifier import feature_floor, train_classifier
from kerasgen.metrics.coverage import class_coverage, mode_coverage
from kerasgen.metrics.sample_quality import (
    frechet_distance, inception_score, kernel_inception_distance, precision_recall,
)
from kerasgen.metrics.uses import linear_probe, ood_auroc, typicality_scores

__all__ = [
    "class_coverage", "feature_floor", "frechet_distance", "inception_score", "kernel_inception_distance",
    "linear_probe", "mode_coverage", "ood_auroc", "precision_recall", "train_classifier", "typicality_scores",
]
