"""The ring of Gaussians and the mode-collapse diagnostics: mode and class coverage."""

import inspect
import math
import re

import numpy as np
import pytest

from kerasgen.data import gaussian_mixture_ring, ring_centers
from kerasgen.metrics import class_coverage, mode_coverage

STD = 0.02


# -- the toy data -------------------------------------------------------------

def test_ring_centers_lie_on_the_circle_equally_spaced_from_angle_zero():
    centers = ring_centers(8, radius=2.0)
    assert centers.dtype == np.float32 and centers.shape == (8, 2)
    np.testing.assert_allclose(np.linalg.norm(centers, axis=1), 2.0, rtol=1e-6)
    np.testing.assert_allclose(centers[0], [2.0, 0.0], atol=1e-6)
    angles = np.mod(np.arctan2(centers[:, 1], centers[:, 0]), 2 * np.pi)
    np.testing.assert_allclose(angles, np.arange(8) * 2 * np.pi / 8, atol=1e-6)


def test_gaussian_mixture_ring_matches_its_parameters():
    points, modes = gaussian_mixture_ring(20000, std=STD, seed=0)
    assert points.dtype == np.float32 and points.shape == (20000, 2)
    assert modes.dtype == np.int64 and modes.shape == (20000,)
    centers = ring_centers()
    counts = np.bincount(modes, minlength=8)
    # Uniform over 8 modes: 2500 each, binomial sd ~ 47.
    assert counts.min() > 2300 and counts.max() < 2700, counts
    for k in range(8):
        offsets = points[modes == k] - centers[k]
        np.testing.assert_allclose(offsets.mean(axis=0), 0.0, atol=3e-3)
        np.testing.assert_allclose(offsets.std(axis=0), STD, rtol=0.1)


def test_gaussian_mixture_ring_is_reproducible_with_a_seed():
    a, ma = gaussian_mixture_ring(100, seed=3)
    b, mb = gaussian_mixture_ring(100, seed=3)
    c, _ = gaussian_mixture_ring(100, seed=4)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ma, mb)
    assert not np.array_equal(a, c)


def test_true_samples_cover_every_mode():
    points, _ = gaussian_mixture_ring(1000, std=STD, seed=1)
    result = mode_coverage(points, ring_centers(), std=STD)
    assert result["modes_covered"] == 8 and result["num_modes"] == 8
    # Euclidean 3-sigma in 2-D holds 1 - exp(-4.5) = 98.9% of each Gaussian.
    assert result["high_quality_fraction"] > 0.98
    assert sum(result["counts"]) == round(result["high_quality_fraction"] * 1000)


def test_high_quality_fraction_of_true_samples_follows_the_chi_distribution():
    points, _ = gaussian_mixture_ring(40000, std=STD, seed=5)
    for threshold in (1.0, 2.0, 3.0):
        expected = 1 - math.exp(-threshold**2 / 2)  # P(chi2 with 2 dof <= threshold^2)
        fraction = mode_coverage(points, ring_centers(), STD, threshold=threshold)["high_quality_fraction"]
        assert abs(fraction - expected) < 4 * math.sqrt(expected * (1 - expected) / 40000), (threshold, fraction)


@pytest.mark.parametrize("kwargs, match", [
    ({"n": 0}, "n must be an integer >= 1; got 0"),
    ({"n": 10, "num_modes": 0}, "num_modes must be an integer >= 1; got 0"),
    ({"n": 10, "radius": -1.0}, "radius must be a finite number > 0; got -1.0"),
    ({"n": 10, "std": -0.1}, "std must be a finite number >= 0; got -0.1"),
])
def test_toy_data_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=re.escape(match)):
        gaussian_mixture_ring(**kwargs)


# -- mode_coverage -------------------------------------------------------------

def test_samples_at_every_center_cover_all_modes():
    centers = ring_centers()
    result = mode_coverage(np.repeat(centers, 5, axis=0), centers, std=STD)
    assert result == {
        "modes_covered": 8,
        "num_modes": 8,
        "high_quality_fraction": 1.0,
        "counts": [5] * 8,
        "covered": [True] * 8,
    }


def test_samples_from_three_modes_cover_three():
    points, modes = gaussian_mixture_ring(3000, std=STD, seed=2)
    keep = np.isin(modes, [0, 3, 5])
    result = mode_coverage(points[keep], ring_centers(), std=STD)
    assert result["modes_covered"] == 3
    assert result["covered"] == [k in (0, 3, 5) for k in range(8)]


def test_far_away_samples_are_not_high_quality():
    far = np.full((50, 2), 10.0, "float32")
    result = mode_coverage(far, ring_centers(), std=STD)
    assert result["high_quality_fraction"] == 0.0
    assert result["modes_covered"] == 0 and result["counts"] == [0] * 8
    # Between two modes (at radius 2) is also off every mode.
    between = np.array([[2 * math.cos(math.pi / 8), 2 * math.sin(math.pi / 8)]])
    assert mode_coverage(between, ring_centers(), std=STD)["high_quality_fraction"] == 0.0


def test_a_mode_needs_min_fraction_of_the_samples():
    centers = ring_centers()
    # 1000 samples: mode 0 gets 991, mode 1 gets 9 (< ceil(0.01 * 1000) = 10).
    samples = np.concatenate([np.repeat(centers[:1], 991, axis=0), np.repeat(centers[1:2], 9, axis=0)])
    result = mode_coverage(samples, centers, std=STD)
    assert result["counts"][:2] == [991, 9]
    assert result["covered"][:2] == [True, False] and result["modes_covered"] == 1
    # Exactly the threshold counts; min_fraction=0 counts a single sample.
    samples[990] = centers[1]
    assert mode_coverage(samples, centers, std=STD)["modes_covered"] == 2
    single = np.concatenate([np.repeat(centers[:1], 999, axis=0), centers[1:2]])
    assert mode_coverage(single, centers, std=STD, min_fraction=0.0)["modes_covered"] == 2


def test_threshold_is_in_standard_deviations():
    centers = ring_centers()
    at_2_5_std = centers[:1] + np.array([[2.5 * STD, 0.0]])
    assert mode_coverage(at_2_5_std, centers, std=STD)["high_quality_fraction"] == 1.0
    assert mode_coverage(at_2_5_std, centers, std=STD, threshold=2.0)["high_quality_fraction"] == 0.0


@pytest.mark.parametrize("samples, centers, kwargs, match", [
    (np.zeros((4, 3)), ring_centers(), {}, "samples must have shape (N, 2) to match centers of shape (8, 2); got (4, 3)"),
    (np.zeros(4), ring_centers(), {}, "got (4,)"),
    (np.zeros((0, 2)), ring_centers(), {}, "samples is empty"),
    (np.zeros((4, 2)), np.zeros(8), {}, "centers must have shape (M, D) with M, D >= 1; got (8,)"),
    (np.array([[0.0, np.nan], [np.inf, 0.0], [1.0, 1.0]]), ring_centers(), {},
     "2 of 3 samples contain NaN or Inf"),
    (np.zeros((4, 2)), ring_centers(), {"std": 0.0}, "std must be a finite number > 0; got 0.0"),
    (np.zeros((4, 2)), ring_centers(), {"std": -1}, "std must be a finite number > 0; got -1"),
    (np.zeros((4, 2)), ring_centers(), {"threshold": 0}, "threshold must be a finite number > 0; got 0"),
    (np.zeros((4, 2)), ring_centers(), {"min_fraction": 1.5}, "min_fraction must be a finite number >= 0 and <= 1; got 1.5"),
])
def test_mode_coverage_rejects_bad_inputs(samples, centers, kwargs, match):
    kwargs.setdefault("std", STD)
    with pytest.raises(ValueError, match=re.escape(match)):
        mode_coverage(samples, centers, **kwargs)


# -- class_coverage ------------------------------------------------------------

def test_uniform_predictions_have_full_coverage_and_maximal_entropy():
    result = class_coverage(np.tile(np.arange(10), 7), num_classes=10)
    assert result["classes_reached"] == 10 and result["fraction_reached"] == 1.0
    assert result["histogram"] == [7] * 10
    np.testing.assert_allclose(result["histogram_fraction"], 0.1)
    assert result["entropy_bits"] == pytest.approx(math.log2(10))


def test_one_class_has_zero_entropy():
    result = class_coverage(np.full(50, 4), num_classes=10)
    assert result["classes_reached"] == 1 and result["fraction_reached"] == 0.1
    assert result["histogram"] == [0, 0, 0, 0, 50, 0, 0, 0, 0, 0]
    assert result["entropy_bits"] == 0.0


def test_class_coverage_known_histogram():
    # Fractions 1/2, 1/4, 1/4 over 4 classes: entropy 1.5 bits.
    result = class_coverage([0, 0, 1, 2], num_classes=4)
    assert result["histogram"] == [2, 1, 1, 0]
    assert result["histogram_fraction"] == [0.5, 0.25, 0.25, 0.0]
    assert result["classes_reached"] == 3 and result["fraction_reached"] == 0.75
    assert result["entropy_bits"] == pytest.approx(1.5)


def test_class_probabilities_are_argmaxed():
    labels = np.array([2, 0, 1, 1, 2])
    probabilities = np.full((5, 3), 0.1)
    probabilities[np.arange(5), labels] = 0.8
    assert class_coverage(probabilities, 3) == class_coverage(labels, 3)
    # Integral floats are class ids too.
    assert class_coverage(labels.astype("float32"), 3) == class_coverage(labels, 3)


@pytest.mark.parametrize("labels, num_classes, error, match", [
    ([0, 1, 10], 10, ValueError, "class ids in [0, 10); got 1 outside it, values from 0 to 10"),
    ([-1, 1], 10, ValueError, "values from -1 to 1"),
    (np.zeros((4, 3)), 10, ValueError, "class probabilities must have shape (N, 10) for num_classes=10; got (4, 3)"),
    (np.zeros((2, 2, 2)), 2, ValueError, "got shape (2, 2, 2)"),
    ([], 10, ValueError, "predicted_labels is empty"),
    ([0.5, 1.0], 10, TypeError, "integer class ids; got dtype float64"),
    ([0, 1], 0, ValueError, "num_classes must be an integer >= 1; got 0"),
    ([0, 1], 2.0, ValueError, "num_classes must be an integer >= 1; got 2.0"),
    (np.array([[np.nan, 1.0]]), 2, ValueError, "class probabilities contain NaN or Inf"),
])
def test_class_coverage_rejects_bad_inputs(labels, num_classes, error, match):
    with pytest.raises(error, match=re.escape(match)):
        class_coverage(labels, num_classes)


@pytest.mark.parametrize("fn", [ring_centers, gaussian_mixture_ring, mode_coverage, class_coverage],
                         ids=lambda f: f.__name__)
def test_docstring_example_runs(fn):
    blocks = re.findall(r"Example:\s*```python\n(.*?)```", inspect.getdoc(fn), flags=re.S)
    assert blocks, f"{fn.__name__} has no Example: block"
    for block in blocks:
        exec(compile(block, f"<{fn.__name__} example>", "exec"), {})
