"""Sample-quality metrics on feature vectors: FID, KID, precision/recall, Inception Score.

These take features (and, for the Inception Score, class probabilities)
computed by any network. kerasgen computes them with a classifier trained on
the dataset itself (Inception weights cannot be fetched offline), so the
numbers are *not* Inception FID/KID/IS and are not comparable with published
values; they compare models measured with the same classifier.
"""

import warnings

import numpy as np
from scipy import linalg

from kerasgen import checks


def _features(name, f, min_samples):
    f = np.asarray(f, dtype="float64")
    if f.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (samples, features); got shape {f.shape}.")
    if len(f) < min_samples:
        raise ValueError(f"{name} has {len(f)} samples; at least {min_samples} are needed.")
    if not np.all(np.isfinite(f)):
        raise ValueError(f"{name} contains NaN or Inf.")
    return f


def _pair(real, fake, min_samples):
    real = _features("real", real, min_samples)
    fake = _features("fake", fake, min_samples)
    if real.shape[1] != fake.shape[1]:
        raise ValueError(
            f"real and fake features must have the same width; got {real.shape[1]} and {fake.shape[1]}."
        )
    return real, fake


def frechet_distance(real, fake):
    """Fréchet distance between Gaussians fitted to two feature sets (FID on these features).

    ||mu_r - mu_f||^2 + Tr(S_r + S_f - 2 (S_r S_f)^(1/2)).

    Args:
        real, fake: arrays (N, D) and (M, D), N, M >= 2.

    Returns:
        float >= 0 (up to rounding).

    Example:

    ```python
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(500, 8)), rng.normal(size=(500, 8)) + 1.0
    kerasgen.metrics.frechet_distance(a, a)  # 0.0
    kerasgen.metrics.frechet_distance(a, b)  # about 8: the squared shift of the means
    ```
    """
    real, fake = _pair(real, fake, 2)
    mu_r, mu_f = real.mean(0), fake.mean(0)
    s_r, s_f = np.cov(real, rowvar=False), np.cov(fake, rowvar=False)
    s_r, s_f = np.atleast_2d(s_r), np.atleast_2d(s_f)
    with warnings.catch_warnings():
        # Dead ReLU features make the covariances singular; sqrtm warns but
        # its result is still usable when finite (checked next).
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        root = linalg.sqrtm(s_r @ s_f)
    if not np.all(np.isfinite(root)):
        # A singular product: regularise, as is usual for FID.
        eps = 1e-6 * np.eye(len(s_r))
        root = linalg.sqrtm((s_r + eps) @ (s_f + eps))
    root = root.real
    value = float(np.sum((mu_r - mu_f) ** 2) + np.trace(s_r) + np.trace(s_f) - 2.0 * np.trace(root))
    return max(value, 0.0)


def kernel_inception_distance(real, fake, num_subsets=10, subset_size=None, seed=0):
    """Unbiased squared MMD with the cubic polynomial kernel k(x, y) = (x.y / D + 1)^3 (KID).

    Averaged over `num_subsets` random subsets of `subset_size` samples drawn
    without replacement from each set (Binkowski et al. 2018, "Demystifying
    MMD GANs"); `kid_std` is the spread of the subsets' values. Subsets are
    smaller than the sets, so that they differ: subsets of the whole sample
    would all hold the same points and their spread would say nothing.

    Args:
        real, fake: (N, D) and (M, D) feature arrays.
        num_subsets: int >= 1.
        subset_size: None (half the smaller set, at most 1000), or an int
            from 2 up to the smaller set's size; with more than one subset it
            must be smaller than both sets.
        seed: seed of the subsets' draws.

    Returns:
        dict with `kid` (the mean over subsets), `kid_std` (their standard
        deviation; NaN for one subset) and `kid_subset_size`.

    Example:

    ```python
    import numpy as np
    from kerasgen.metrics import kernel_inception_distance
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(400, 8)), rng.normal(size=(400, 8)) + 1.0
    out = kernel_inception_distance(a, b)  # 10 subsets of 200: half the smaller set
    out["kid_subset_size"], out["kid"] > 10 * out["kid_std"]  # (200, True)
    ```
    """
    real, fake = _pair(real, fake, 2)
    num_subsets = checks.check_integer(num_subsets, "num_subsets", "kernel_inception_distance",
                                       what="a positive integer")
    smaller = min(len(real), len(fake))
    if subset_size is None:
        subset_size = min(1000, smaller // 2)
        if subset_size < 2:
            raise ValueError(f"kernel_inception_distance: subsets of half the smaller set need at least 4 "
                             f"samples in each set; got {len(real)} real and {len(fake)} generated.")
    else:
        subset_size = checks.check_integer(subset_size, "subset_size", "kernel_inception_distance", minimum=2,
                                           what="an integer of at least 2")
        if subset_size > smaller or (num_subsets > 1 and subset_size >= smaller):
            raise ValueError(
                f"kernel_inception_distance: subset_size is {subset_size}, and the sets hold {len(real)} real and "
                f"{len(fake)} generated samples; expected "
                + (f"fewer than {smaller}, so that the {num_subsets} subsets differ"
                   if num_subsets > 1 else f"at most {smaller}") + " (or None: half the smaller set).")
    m = subset_size
    rng = np.random.default_rng(seed)
    d = real.shape[1]
    values = []
    for _ in range(num_subsets):
        x = real[rng.choice(len(real), m, replace=False)]
        y = fake[rng.choice(len(fake), m, replace=False)]
        kxx = (x @ x.T / d + 1.0) ** 3
        kyy = (y @ y.T / d + 1.0) ** 3
        kxy = (x @ y.T / d + 1.0) ** 3
        mmd = ((kxx.sum() - np.trace(kxx)) + (kyy.sum() - np.trace(kyy))) / (m * (m - 1)) - 2.0 * kxy.mean()
        values.append(mmd)
    return {"kid": float(np.mean(values)), "kid_std": float(np.std(values)) if num_subsets > 1 else float("nan"),
            "kid_subset_size": m}


def _knn_radii(f, k):
    d = np.sqrt(np.maximum(_sq_dists(f, f), 0.0))
    # The k-th nearest neighbour other than the point itself.
    return np.sort(d, axis=1)[:, k]


def _sq_dists(a, b):
    return (a ** 2).sum(1)[:, None] - 2.0 * a @ b.T + (b ** 2).sum(1)[None, :]


def precision_recall(real, fake, k=3):
    """Improved precision and recall (Kynkäänniemi et al. 2019).

    Each set's manifold is the union of balls around its samples with radius
    the distance to the k-th nearest neighbour in the same set. Precision: the
    share of fake samples inside the real manifold (quality); recall: the share
    of real samples inside the fake manifold (coverage).

    Returns:
        dict with `precision` and `recall` in [0, 1].
    """
    real, fake = _pair(real, fake, k + 1)
    r_real, r_fake = _knn_radii(real, k), _knn_radii(fake, k)
    d = np.sqrt(np.maximum(_sq_dists(fake, real), 0.0))  # (M, N)
    precision = float(np.mean(np.any(d <= r_real[None, :], axis=1)))
    recall = float(np.mean(np.any(d.T <= r_fake[None, :], axis=1)))
    return {"precision": precision, "recall": recall}


def inception_score(probs, num_splits=10):
    """exp(E_x KL(p(y|x) || p(y))) from class probabilities (N, K), over splits.

    Returns:
        dict with `is` (mean over splits) and `is_std`.
    """
    p = _features("probs", probs, 2)
    if np.any(p < 0) or not np.allclose(p.sum(1), 1.0, atol=1e-3):
        raise ValueError("probs must be class probabilities: non-negative rows that sum to 1.")
    scores = []
    for part in np.array_split(p, min(num_splits, len(p))):
        marginal = part.mean(0, keepdims=True)
        kl = np.sum(part * (np.log(part + 1e-12) - np.log(marginal + 1e-12)), axis=1)
        scores.append(np.exp(kl.mean()))
    return {"is": float(np.mean(scores)), "is_std": float(np.std(scores))}
