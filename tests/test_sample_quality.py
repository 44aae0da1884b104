"""FID, KID, precision/recall, Inception Score, OOD AUROC and linear probes against references."""

import numpy as np
import pytest
from scipy import linalg

from kerasgen import metrics


def reference_fid(a, b):
    """FID written out directly with SciPy, for comparison."""
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = linalg.sqrtm(s1 @ s2).real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * covmean))


def reference_kid(a, b):
    """Unbiased MMD^2 with the cubic kernel, element by element, on whole sets."""
    d = a.shape[1]
    k = lambda x, y: (x @ y / d + 1.0) ** 3  # noqa: E731
    m, n = len(a), len(b)
    xx = sum(k(a[i], a[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(b[i], b[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    xy = sum(k(a[i], b[j]) for i in range(m) for j in range(n)) / (m * n)
    return xx + yy - 2 * xy


def test_fid_is_zero_on_itself_grows_with_shift_and_matches_scipy():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(400, 6))
    b = rng.normal(size=(300, 6)) @ rng.normal(size=(6, 6)) * 0.5 + 0.3
    assert metrics.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-8)
    shifts = [metrics.frechet_distance(a, a + s) for s in (0.1, 0.5, 1.0, 2.0)]
    assert shifts == sorted(shifts) and shifts[0] > 0
    assert shifts[-1] == pytest.approx(6 * 4.0, rel=1e-6)  # the squared shift of the mean
    assert metrics.frechet_distance(a, b) == pytest.approx(reference_fid(a, b), rel=1e-6)


def test_kid_matches_the_unbiased_estimator_and_is_near_zero_on_itself():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(40, 5)), rng.normal(size=(30, 5)) + 0.5
    kid = metrics.kernel_inception_distance(a, b, num_subsets=1, subset_size=30)
    # One subset of 30 from each: compare with the reference on those same draws.
    pick = np.random.default_rng(0)
    x = a[pick.choice(40, 30, replace=False)]
    y = b[pick.choice(30, 30, replace=False)]
    assert kid["kid"] == pytest.approx(reference_kid(x, y), rel=1e-9)
    # Unbiased: two samples of one distribution give about 0 (either sign), a shift does not.
    big = rng.normal(size=(2000, 5))
    same = metrics.kernel_inception_distance(big[:1000], big[1000:], num_subsets=5, subset_size=500)
    far = metrics.kernel_inception_distance(big[:1000], big[1000:] + 1.0, num_subsets=5, subset_size=500)
    assert abs(same["kid"]) < 0.02 * far["kid"], (same, far)


def test_precision_recall_separate_quality_from_coverage():
    rng = np.random.default_rng(2)
    real = rng.normal(size=(500, 2))
    collapsed = rng.normal(size=(500, 2)) * 0.1  # good samples, one mode's worth
    pr = metrics.precision_recall(real, collapsed)
    assert pr["precision"] > 0.95 and pr["recall"] < 0.5
    full = metrics.precision_recall(real, rng.normal(size=(500, 2)))
    assert full["precision"] > 0.8 and full["recall"] > 0.8
    off = metrics.precision_recall(real, rng.normal(size=(500, 2)) + 10)
    assert off["precision"] == 0.0 and off["recall"] == 0.0


def test_inception_score_bounds():
    sure = np.eye(10)[np.arange(1000) % 10]
    assert metrics.inception_score(sure, num_splits=1)["is"] == pytest.approx(10.0, rel=1e-6)
    unsure = np.full((1000, 10), 0.1)
    assert metrics.inception_score(unsure)["is"] == pytest.approx(1.0, rel=1e-6)


def test_ood_auroc_and_typicality():
    assert metrics.ood_auroc([3, 4, 5], [0, 1, 2]) == 1.0
    assert metrics.ood_auroc([0, 1, 2], [3, 4, 5]) == 0.0
    assert metrics.ood_auroc([1, 2], [1, 2]) == 0.5
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=200), rng.normal(size=300) - 1
    from sklearn.metrics import roc_auc_score

    labels = np.r_[np.ones(200), np.zeros(300)]
    assert metrics.ood_auroc(a, b) == pytest.approx(roc_auc_score(labels, np.r_[a, b]))
    # Outliers that are *more* likely than the data: AUROC < 0.5 raw, > 0.5 after the typicality test.
    data, train, too_likely = rng.normal(-100, 3, 200), rng.normal(-100, 3, 500), rng.normal(-60, 3, 200)
    assert metrics.ood_auroc(data, too_likely) < 0.05
    fixed = metrics.ood_auroc(metrics.typicality_scores(data, train), metrics.typicality_scores(too_likely, train))
    assert fixed > 0.95


def test_linear_probe_reads_labels_from_informative_features(digits):
    (x_train, y_train), (x_test, y_test) = digits
    probe = metrics.linear_probe(x_train.reshape(len(x_train), -1), y_train, x_test.reshape(len(x_test), -1), y_test)
    assert probe["accuracy"] > 0.9
    noise = np.random.default_rng(0)
    chance = metrics.linear_probe(noise.normal(size=(len(x_train), 8)), y_train, noise.normal(size=(len(x_test), 8)), y_test)
    assert chance["accuracy"] < 0.3


def test_bad_feature_sets_get_clear_errors():
    with pytest.raises(ValueError, match="same width; got 4 and 5"):
        metrics.frechet_distance(np.zeros((10, 4)), np.zeros((10, 5)))
    with pytest.raises(ValueError, match="has 1 samples; at least 2"):
        metrics.frechet_distance(np.zeros((1, 4)), np.zeros((10, 4)))
    with pytest.raises(ValueError, match="at least 4 are needed"):
        metrics.precision_recall(np.zeros((3, 2)), np.zeros((10, 2)))
    with pytest.raises(ValueError, match="NaN or Inf"):
        metrics.ood_auroc([1, np.nan], [0])
    with pytest.raises(ValueError, match="class probabilities"):
        metrics.inception_score(np.full((4, 3), 0.5))


def test_kid_subsets_are_smaller_than_the_sample_so_their_spread_means_something():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(300, 4)), rng.normal(size=(200, 4)) + 0.3
    kid = metrics.kernel_inception_distance(a, b)
    assert kid["kid_subset_size"] == 100  # half the smaller set
    assert kid["kid_std"] > 1e-6 * abs(kid["kid"])  # subsets that differ give values that differ
    with pytest.raises(ValueError, match=r"subset_size is 200.*fewer than 200"):
        metrics.kernel_inception_distance(a, b, subset_size=200)
    with pytest.raises(ValueError, match=r"subset_size is 250.*at most 200"):
        metrics.kernel_inception_distance(a, b, num_subsets=1, subset_size=250)
    whole = metrics.kernel_inception_distance(a, b, num_subsets=1, subset_size=200)
    assert np.isnan(whole["kid_std"])  # one subset has no spread to report
