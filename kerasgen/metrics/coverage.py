"""How many modes of the data a generator reaches: the mode-collapse diagnostics."""

import math
import numbers

import numpy as np

import keras

from kerasgen import checks


def _to_numpy(value):
    if keras.ops.is_tensor(value):
        return keras.ops.convert_to_numpy(value)
    return np.asarray(value)


def _check_real(value, argument, owner, *, low, low_inclusive, high=None):
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    ok = ok and (value >= low if low_inclusive else value > low) and (high is None or value <= high)
    if not ok:
        bound = f"{'>=' if low_inclusive else '>'} {low:g}" + ("" if high is None else f" and <= {high:g}")
        raise ValueError(f"{owner}: {argument} must be a finite number {bound}; got {value!r}.")
    return float(value)


def mode_coverage(samples, centers, std, threshold=3.0, min_fraction=0.01):
    """Counts the modes of a known mixture that generated samples cover.

    Each sample is assigned to its nearest center. It is "high quality" if it
    lies within `threshold * std` (Euclidean distance) of that center. A mode is
    covered if it received at least max(1, ceil(min_fraction * N)) high-quality
    samples, so a handful of stray samples near a mode does not count as
    covering it (min_fraction=0 counts a mode reached by a single one). The
    high-quality rule, with threshold = 3, is VEEGAN's for its ring and grid
    mixtures of Gaussians. Distances are Euclidean, so even samples of the true
    mixture are high quality only with probability P(chi2_D <= threshold^2):
    1 - exp(-threshold^2 / 2) = 0.989 in 2-D with threshold 3.

    Args:
        samples: array (N, D) of generated points, N >= 1, all finite.
        centers: array (M, D) of the mixture's component means, e.g.
            `kerasgen.data.ring_centers()`.
        std: float > 0, the standard deviation of each component.
        threshold: float > 0, in standard deviations.
        min_fraction: float in [0, 1], the share of the N samples a mode needs.

    Returns:
        dict with `modes_covered` (int), `num_modes` (int, M),
        `high_quality_fraction` (float, share of the N samples that are high
        quality), `counts` (list of M ints, high-quality samples per mode) and
        `covered` (list of M bools).

    Example:

    ```python
    from kerasgen.data import gaussian_mixture_ring, ring_centers
    from kerasgen.metrics import mode_coverage
    points, _ = gaussian_mixture_ring(1000, std=0.02, seed=0)
    result = mode_coverage(points, ring_centers(), std=0.02)
    result["modes_covered"], result["num_modes"]  # (8, 8)
    ```

    Reference:
        Srivastava et al. 2017, "VEEGAN: Reducing Mode Collapse in GANs using
        Implicit Variational Learning".
    """
    owner = "mode_coverage"
    samples = _to_numpy(samples)
    centers = _to_numpy(centers)
    if centers.ndim != 2 or centers.shape[0] < 1 or centers.shape[1] < 1:
        raise ValueError(f"{owner}: centers must have shape (M, D) with M, D >= 1; got {centers.shape}.")
    if not np.all(np.isfinite(centers)):
        raise ValueError(f"{owner}: centers contain NaN or Inf.")
    if samples.ndim != 2 or samples.shape[1] != centers.shape[1]:
        raise ValueError(
            f"{owner}: samples must have shape (N, {centers.shape[1]}) to match centers of shape "
            f"{centers.shape}; got {samples.shape}."
        )
    if samples.shape[0] == 0:
        raise ValueError(f"{owner}: samples is empty (shape {samples.shape}); pass at least one sample.")
    bad = int(np.sum(~np.all(np.isfinite(samples), axis=1)))
    if bad:
        raise ValueError(
            f"{owner}: {bad} of {samples.shape[0]} samples contain NaN or Inf; a generator that "
            "outputs them has diverged."
        )
    std = _check_real(std, "std", owner, low=0.0, low_inclusive=False)
    threshold = _check_real(threshold, "threshold", owner, low=0.0, low_inclusive=False)
    min_fraction = _check_real(min_fraction, "min_fraction", owner, low=0.0, low_inclusive=True, high=1.0)

    samples = samples.astype("float64")
    centers = centers.astype("float64")
    n, m = samples.shape[0], centers.shape[0]
    nearest = np.empty(n, "int64")
    distance = np.empty(n, "float64")
    chunk = max(1, (1 << 22) // (m * centers.shape[1]))  # bounds the (chunk, M, D) temporary
    for start in range(0, n, chunk):
        d = np.linalg.norm(samples[start:start + chunk, None] - centers[None], axis=-1)
        nearest[start:start + chunk] = d.argmin(axis=1)
        distance[start:start + chunk] = d.min(axis=1)
    high_quality = distance <= threshold * std
    counts = np.bincount(nearest[high_quality], minlength=m)
    needed = max(1, math.ceil(min_fraction * n))
    covered = counts >= needed
    return {
        "modes_covered": int(covered.sum()),
        "num_modes": int(m),
        "high_quality_fraction": float(high_quality.mean()),
        "counts": [int(c) for c in counts],
        "covered": [bool(c) for c in covered],
    }


def class_coverage(predicted_labels, num_classes):
    """How many classes, and how evenly, a classifier finds among generated images.

    The mode-collapse check for image generators (as on stacked MNIST): run a
    classifier trained on real data over generated samples and look at the
    histogram of its predictions. A collapsed generator reaches few classes; a
    good one matches the data's class proportions (uniform for balanced data,
    where the entropy is log2(num_classes) bits).

    Args:
        predicted_labels: integer class ids (N,) in [0, num_classes), or class
            probabilities or logits (N, num_classes), which are argmaxed.
        num_classes: int >= 1.

    Returns:
        dict with `classes_reached` (int, classes predicted at least once),
        `fraction_reached` (float, classes_reached / num_classes), `histogram`
        (list of num_classes ints), `histogram_fraction` (list of num_classes
        floats summing to 1) and `entropy_bits` (float, the entropy of
        histogram_fraction in bits).

    Example:

    ```python
    import numpy as np
    from kerasgen.metrics import class_coverage
    result = class_coverage(np.array([0, 1, 2, 3] * 25), num_classes=4)
    result["classes_reached"], result["entropy_bits"]  # (4, 2.0)
    ```
    """
    owner = "class_coverage"
    num_classes = checks.check_integer(num_classes, "num_classes", owner)
    labels = _to_numpy(predicted_labels)
    if labels.ndim == 2:
        if labels.shape[1] != num_classes:
            raise ValueError(
                f"{owner}: class probabilities must have shape (N, {num_classes}) for "
                f"num_classes={num_classes}; got {labels.shape}."
            )
        if not np.all(np.isfinite(labels)):
            raise ValueError(f"{owner}: class probabilities contain NaN or Inf.")
        labels = labels.argmax(axis=1)
    elif labels.ndim != 1:
        raise ValueError(
            f"{owner}: predicted_labels must be class ids (N,) or class probabilities "
            f"(N, {num_classes}); got shape {labels.shape}."
        )
    if labels.shape[0] == 0:
        raise ValueError(f"{owner}: predicted_labels is empty; pass at least one prediction.")
    if not np.issubdtype(labels.dtype, np.integer):
        integral = np.issubdtype(labels.dtype, np.floating) and np.all(np.isfinite(labels)) and np.all(
            labels == np.round(labels)
        )
        if not integral:
            raise TypeError(
                f"{owner}: predicted_labels must hold integer class ids; got dtype {labels.dtype}."
            )
    labels = labels.astype("int64")
    if labels.min() < 0 or labels.max() >= num_classes:
        outside = int(np.sum((labels < 0) | (labels >= num_classes)))
        raise ValueError(
            f"{owner}: predicted_labels must be class ids in [0, {num_classes}); got {outside} "
            f"outside it, values from {int(labels.min())} to {int(labels.max())}."
        )
    histogram = np.bincount(labels, minlength=num_classes)
    fraction = histogram / histogram.sum()
    nonzero = fraction[fraction > 0]
    entropy = float(-(nonzero * np.log2(nonzero)).sum()) + 0.0  # + 0.0 turns -0.0 into 0.0
    reached = int(np.count_nonzero(histogram))
    return {
        "classes_reached": reached,
        "fraction_reached": reached / num_classes,
        "histogram": [int(h) for h in histogram],
        "histogram_fraction": [float(f) for f in fraction],
        "entropy_bits": entropy,
    }
