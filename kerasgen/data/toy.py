"""Toy 2-D data for watching a generator cover, or drop, the modes of a mixture."""

import math
import numbers

import numpy as np

from kerasgen import checks


def _check_number(value, argument, owner, allow_zero):
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{owner}: {argument} must be a finite number {bound}; got {value!r}.")
    return float(value)


def ring_centers(num_modes=8, radius=2.0):
    """The centers of `num_modes` points equally spaced on a circle, the first at angle 0.

    Args:
        num_modes: int >= 1.
        radius: float > 0, the circle's radius.

    Returns:
        float32 array (num_modes, 2); row k is radius * (cos(2 pi k / M), sin(2 pi k / M)).

    Example:

    ```python
    import numpy as np
    from kerasgen.data import ring_centers
    centers = ring_centers(num_modes=4, radius=1.0)
    np.testing.assert_allclose(centers, [[1, 0], [0, 1], [-1, 0], [0, -1]], atol=1e-6)
    ```
    """
    num_modes = checks.check_integer(num_modes, "num_modes", "ring_centers")
    radius = _check_number(radius, "radius", "ring_centers", allow_zero=False)
    angles = 2.0 * np.pi * np.arange(num_modes) / num_modes
    return (radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)).astype("float32")


def gaussian_mixture_ring(n, num_modes=8, radius=2.0, std=0.02, seed=None):
    """Draws n points from an equal-weight mixture of Gaussians centred on a ring.

    With the defaults this is the mixture of 8 Gaussians on a circle of radius 2
    used to show GAN mode collapse: a collapsed generator puts its samples on
    one or a few of the 8 modes. Score a generator on it with
    `kerasgen.metrics.mode_coverage(samples, ring_centers(...), std)`.

    Args:
        n: int >= 1, points to draw.
        num_modes: int >= 1, mixture components, centred at `ring_centers(num_modes, radius)`.
        radius: float > 0.
        std: float >= 0, the standard deviation of each component along each axis.
        seed: int, None, or a `np.random.Generator`, passed to `np.random.default_rng`;
            an int makes the draw repeatable.

    Returns:
        (points, modes): float32 array (n, 2) and int64 array (n,) of the component
        each point came from, chosen uniformly.

    Example:

    ```python
    from kerasgen.data import gaussian_mixture_ring
    points, modes = gaussian_mixture_ring(1000, seed=0)
    points.shape, modes.shape  # ((1000, 2), (1000,))
    ```

    Reference:
        Metz et al. 2017, "Unrolled Generative Adversarial Networks";
        Srivastava et al. 2017, "VEEGAN: Reducing Mode Collapse in GANs using
        Implicit Variational Learning".
    """
    n = checks.check_integer(n, "n", "gaussian_mixture_ring")
    std = _check_number(std, "std", "gaussian_mixture_ring", allow_zero=True)
    centers = ring_centers(num_modes, radius).astype("float64")
    rng = np.random.default_rng(seed)
    modes = rng.integers(0, len(centers), size=n, dtype="int64")
    points = centers[modes] + std * rng.standard_normal((n, 2))
    return points.astype("float32"), modes
