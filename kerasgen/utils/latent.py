"""Paths through latent space: linear and spherical interpolation."""

import numpy as np

from kerasgen import checks

METHODS = ("linear", "slerp")


def slerp(z1, z2, t):
    """Spherical interpolation between z1 and z2 (last axis) at fractions t.

    Follows the great circle between the two directions while the norm moves
    linearly; falls back to the straight line where the two are (anti)parallel.
    Reference: White 2016, "Sampling Generative Networks".

    Args:
        z1, z2: arrays (..., D).
        t: array (T,) of fractions in [0, 1].

    Returns:
        Array (T, ..., D).

    Example:

    ```python
    slerp(np.array([1.0, 0.0]), np.array([0.0, 1.0]), np.array([0.5]))
    # [[0.7071, 0.7071]]
    ```
    """
    z1, z2 = np.asarray(z1, "float64"), np.asarray(z2, "float64")
    t = np.asarray(t, "float64").reshape((-1,) + (1,) * z1.ndim)
    n1 = np.linalg.norm(z1, axis=-1, keepdims=True)
    n2 = np.linalg.norm(z2, axis=-1, keepdims=True)
    u1, u2 = z1 / np.maximum(n1, 1e-12), z2 / np.maximum(n2, 1e-12)
    omega = np.arccos(np.clip(np.sum(u1 * u2, axis=-1, keepdims=True), -1.0, 1.0))
    sin = np.sin(omega)
    safe = sin > 1e-6
    w1 = np.where(safe, np.sin((1 - t) * omega) / np.where(safe, sin, 1.0), 1 - t)
    w2 = np.where(safe, np.sin(t * omega) / np.where(safe, sin, 1.0), t)
    direction = w1 * u1 + w2 * u2
    direction /= np.maximum(np.linalg.norm(direction, axis=-1, keepdims=True), 1e-12)
    return (direction * ((1 - t) * n1 + t * n2)).astype("float32")


def interpolate_latents(z1, z2, steps, method="linear"):
    """`steps` latents from z1 to z2 inclusive, shape (steps, ..., D)."""
    checks.check_integer(steps, "steps", minimum=2)
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}; got {method!r}.")
    z1, z2 = np.asarray(z1, "float32"), np.asarray(z2, "float32")
    if z1.shape != z2.shape:
        raise ValueError(
            f"z1 and z2 must have the same shape (two latents, or two batches of the same size); "
            f"got {z1.shape} and {z2.shape}."
        )
    if not (np.all(np.isfinite(z1)) and np.all(np.isfinite(z2))):
        raise ValueError("z1 and z2 must be finite; got NaN or Inf.")
    t = np.linspace(0.0, 1.0, steps)
    if method == "slerp":
        return slerp(z1, z2, t)
    t = t.reshape((-1,) + (1,) * z1.ndim).astype("float32")
    return (1 - t) * z1 + t * z2


def latent_arithmetic(add, subtract=()):
    """Vector arithmetic on groups of latents: sum of means of `add` minus those of `subtract`.

    The classic example is mean(z of class a) - mean(z of class b) + mean(z of
    class c) (Radford et al. 2016, Section 6.3): averaging each group first
    makes the result far more stable than single vectors.

    Args:
        add: list of arrays (N_i, D) (or single vectors (D,)), added.
        subtract: list of arrays (M_j, D), subtracted.

    Returns:
        Array (D,).

    Example:

    ```python
    latent_arithmetic([np.ones((3, 2)), np.array([0.0, 2.0])], [np.zeros((5, 2))])  # [1., 3.]
    ```
    """
    groups = [(np.atleast_2d(np.asarray(g, "float32")), 1.0) for g in add]
    groups += [(np.atleast_2d(np.asarray(g, "float32")), -1.0) for g in subtract]
    if not any(sign > 0 for _, sign in groups):
        raise ValueError("latent_arithmetic needs at least one group to add; got none.")
    widths = {g.shape[-1] for g, _ in groups}
    if len(widths) != 1 or any(g.ndim != 2 or len(g) == 0 for g, _ in groups):
        raise ValueError(
            "latent_arithmetic: every group must be a non-empty (N, D) array with the same D; "
            f"got shapes {[g.shape for g, _ in groups]}."
        )
    return sum(sign * g.mean(axis=0) for g, sign in groups).astype("float32")
