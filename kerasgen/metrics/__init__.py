"""Measures of how well a generator covers the data.

- `mode_coverage(samples, centers, std)`: modes of a known mixture (the 2-D ring
  of `kerasgen.data.gaussian_mixture_ring`) reached by high-quality samples.
- `class_coverage(predicted_labels, num_classes)`: classes a classifier finds
  among generated images, with the histogram's entropy.
"""

from kerasgen.metrics.coverage import class_coverage, mode_coverage

__all__ = ["class_coverage", "mode_coverage"]
