"""What generative models are used for, measured: outlier detection and learned features."""

import numpy as np


def _scores(name, s):
    s = np.asarray(s, dtype="float64").reshape(-1)
    if len(s) < 1:
        raise ValueError(f"{name} is empty.")
    if not np.all(np.isfinite(s)):
        raise ValueError(f"{name} contains NaN or Inf ({int((~np.isfinite(s)).sum())} values).")
    return s


def ood_auroc(in_scores, out_scores):
    """AUROC of telling outliers from data by a score that is *higher for the data*.

    With log-likelihoods (or ELBOs) as scores, 1.0 means every outlier scored
    below every data point, 0.5 chance, and below 0.5 that the model found
    the outliers *more* likely than the data, which likelihood models are
    known to do for some datasets (Nalisnick et al. 2019, "Do Deep Generative
    Models Know What They Don't Know?"). Ties count one half.

    Example:

    ```python
    kerasgen.metrics.ood_auroc([-80.0, -90.0], [-300.0, -85.0])  # 0.75
    ```
    """
    a, b = _scores("in_scores", in_scores), _scores("out_scores", out_scores)
    # P(a > b) + P(a = b) / 2, by ranks (the Mann-Whitney U statistic).
    both = np.concatenate([a, b])
    order = both.argsort(kind="mergesort")
    ranks = np.empty(len(both))
    sorted_values = both[order]
    i = 0
    while i < len(both):
        j = i
        while j + 1 < len(both) and sorted_values[j + 1] == sorted_values[i]:
            j += 1
        ranks[order[i:j + 1]] = 0.5 * (i + j) + 1.0
        i = j + 1
    u = ranks[: len(a)].sum() - len(a) * (len(a) + 1) / 2.0
    return float(u / (len(a) * len(b)))


def typicality_scores(log_probs, reference_log_probs):
    """Scores for a typicality test (Nalisnick et al. 2019): -|log p(x) - E[log p]|.

    A point is typical when its log-likelihood is close to the average of the
    training data's, whether above or below it; outliers that are *too*
    likely (the failure of raw likelihood) then score low too. Higher is more
    typical, so the result plugs into `ood_auroc`.

    Args:
        log_probs: log p(x) (or an ELBO) of the points to score.
        reference_log_probs: the same on held-out training data.
    """
    lp = _scores("log_probs", log_probs)
    ref = _scores("reference_log_probs", reference_log_probs)
    return -np.abs(lp - ref.mean())


def linear_probe(train_features, train_labels, test_features, test_labels, max_iter=2000, C=1.0):
    """Test accuracy of a logistic-regression classifier on frozen features.

    Features are standardised with the training set's mean and deviation; the
    classifier is scikit-learn's multinomial `LogisticRegression`.

    Returns:
        dict with `accuracy`, `num_train`, `num_test`, `feature_dim`.
    """
    from sklearn.linear_model import LogisticRegression

    xtr = np.asarray(train_features, dtype="float64").reshape(len(train_features), -1)
    xte = np.asarray(test_features, dtype="float64").reshape(len(test_features), -1)
    ytr, yte = np.asarray(train_labels).reshape(-1), np.asarray(test_labels).reshape(-1)
    if xtr.shape[1] != xte.shape[1]:
        raise ValueError(f"train and test features must have the same width; got {xtr.shape[1]} and {xte.shape[1]}.")
    if len(xtr) != len(ytr) or len(xte) != len(yte):
        raise ValueError(
            f"features and labels must have the same length; got train {len(xtr)} vs {len(ytr)}, "
            f"test {len(xte)} vs {len(yte)}."
        )
    if len(np.unique(ytr)) < 2:
        raise ValueError("train_labels must hold at least two classes.")
    mean, std = xtr.mean(0), xtr.std(0) + 1e-8
    clf = LogisticRegression(max_iter=max_iter, C=C)
    clf.fit((xtr - mean) / std, ytr)
    accuracy = float(np.mean(clf.predict((xte - mean) / std) == yte))
    return {"accuracy": accuracy, "num_train": int(len(xtr)), "num_test": int(len(xte)),
            "feature_dim": int(xtr.shape[1])}
