"""`kerasgen.evaluate`: every measurement that applies to a model, in one dict.

What applies to which model:

| metric           | models (the protocol of `kerasgen.protocols` they follow) |
|------------------|-------------------------------------------------|
| `nll`            | density models: autoregressive (exact), VAE (IWAE bound) |
| `reconstruction` | reconstructors: Autoencoder, DenoisingAutoencoder (also its denoising error), VAE, VQVAE |
| `sample_quality` | every model that can sample: VAE, GAN, autoregressive, VQVAE (with a prior) |
| `ood`            | density models (VAE scored by its ELBO)          |
| `probe`          | encoders: Autoencoder, DenoisingAutoencoder, VAE, VQVAE |

Sample quality is measured on the features of a classifier trained on the
dataset itself (the zoo's ``fashion_mnist_classifier`` by default): the
``classifier_fid``, ``classifier_kid`` and ``classifier_inception_score`` it
reports are *not* Inception metrics and are not comparable with published
values.
"""

import contextlib
import time

import numpy as np

from kerasgen import checks
from kerasgen import protocols
from kerasgen.data.image_format import ImageFormat
from kerasgen.metrics.coverage import class_coverage
from kerasgen.metrics.sample_quality import (
    frechet_distance, inception_score, kernel_inception_distance, precision_recall,
)
from kerasgen.metrics.uses import linear_probe, ood_auroc, typicality_scores

# What a model's NLL is the NLL of: a conditional model's is given the true label, a smaller number than
# an unconditional -log p(x) of the same images, and not to be ranked beside one.
NLL_OF = {False: "-log p(x)", True: "-log p(x | y), given the true label: not comparable with -log p(x)"}
METRICS = ("nll", "reconstruction", "sample_quality", "ood", "probe")


def available_metrics(model):
    """The metrics of `evaluate` that apply to `model`, in `METRICS` order, from its protocols."""
    density = protocols.is_density_model(model)
    rules = {"nll": density, "reconstruction": protocols.can_reconstruct(model),
             "sample_quality": protocols.can_sample(model), "ood": density,
             "probe": protocols.is_encoder(model)}
    return tuple(m for m in METRICS if rules[m])


def _collect(data, labels, max_examples, image_ndim=3):
    """NumPy images and labels from an array, an (x, y) tuple, a tf.data.Dataset or a PyDataset."""
    if isinstance(data, tuple):
        if labels is not None:
            raise ValueError("evaluate: pass labels either inside data=(x, y) or as labels=, not both.")
        data, labels = data
    if isinstance(data, np.ndarray) or hasattr(data, "__array__"):
        x = np.asarray(data)
    else:
        xs, ys = [], []
        batches = data.as_numpy_iterator() if hasattr(data, "as_numpy_iterator") else (
            data[i] for i in range(len(data)))
        for batch in batches:
            xb, yb = (batch[0], batch[1]) if isinstance(batch, (tuple, list)) else (batch, None)
            xb = np.asarray(xb)
            unbatched = xb.ndim == image_ndim  # a dataset of single examples
            xs.append(xb[None] if unbatched else xb)
            if yb is not None:
                ys.append(np.asarray(yb).reshape(-1))
            if max_examples and sum(len(b) for b in xs) >= max_examples:
                break
        if not xs:
            raise ValueError("evaluate: data yielded no batches.")
        x = np.concatenate(xs)
        if ys and labels is None:
            labels = np.concatenate(ys)
    if max_examples:
        x = x[:max_examples]
        labels = None if labels is None else np.asarray(labels)[:max_examples]
    if labels is not None:
        labels = np.asarray(labels).reshape(-1)
        if len(labels) != len(x):
            raise ValueError(f"evaluate: data has {len(x)} images but labels has {len(labels)}.")
    return x, labels


def ood_sets(model, x, seed=0):
    """Out-of-distribution image sets in `model`'s input format, as many as `x` (at most 1797 digits).

    - ``noise``: uniform over the value range (uniform levels for level models);
    - ``flipped``: `x` upside down; ``inverted``: `x` with its values reversed (lo + hi - x);
    - ``digits``: scikit-learn's 8x8 digits resized to the image size (grey images only).
    """
    from PIL import Image

    rng = np.random.default_rng(seed)
    fmt = model.image_format
    lo, hi = fmt.value_range
    x = np.asarray(x, "float32")
    sets = {"noise": fmt.from_unit(rng.random(x.shape), rng), "flipped": x[:, ::-1].copy(),
            "inverted": (lo + hi - x).astype("float32")}
    height, width, channels = x.shape[1:]
    if channels == 1:
        from kerasgen.data import load

        digits, _ = load("digits", split="all")
        digits = digits[rng.permutation(len(digits))[: len(x)]]
        resized = np.stack([
            np.asarray(Image.fromarray(d[..., 0]).resize((width, height), Image.BILINEAR))
            for d in digits
        ])[..., None]
        sets["digits"] = fmt.from_unit(ImageFormat(scale="unit").convert(resized), rng)
    return sets


def _bound_options(model, num_samples, seed):
    """`log_prob`'s Monte Carlo options for a density model whose log_prob is a bound; none when exact."""
    return {} if model.log_prob_is_exact else {"num_samples": num_samples, "seed": seed}


def _scores(model, x, labels, seed, elbo_samples):
    """Per-image log-likelihood (exact) or its ELBO/IWAE estimate, in nats."""
    return model.log_prob(x, labels, verbose=0, **_bound_options(model, elbo_samples, seed))


class _Progress:
    """Per-stage lines of `evaluate(verbose=1)`, printed where Keras prints its progress bars (stdout)."""

    def __init__(self, verbose, name, num_stages):
        self.verbose, self.name, self.num_stages, self.done = verbose, name, num_stages, 0

    def say(self, message):
        if self.verbose:
            print(message, flush=True)

    @contextlib.contextmanager
    def stage(self, what):
        self.done += 1
        self.say(f"evaluate {self.name} [{self.done}/{self.num_stages}] {what}")
        start = time.time()
        yield
        self.say(f"evaluate {self.name} [{self.done}/{self.num_stages}] done in {time.time() - start:.1f} s")


def _sample(model, n, seed, verbose, **kwargs):
    # Only the autoregressive models sample slowly enough to show a bar, and
    # only their sample() takes verbose.
    if verbose and model.sample_has_progress_bar:
        kwargs["verbose"] = verbose
    return model.sample(n, seed=seed, **kwargs)


def _features(model, x, labels):
    features = model.encode_features(x, labels) if protocols.is_conditional(model) else model.encode_features(x)
    return features.reshape(len(x), -1)


def _load_classifier(classifier):
    if classifier is None or not isinstance(classifier, str):
        return classifier
    from kerasgen.presets import load_preset

    return load_preset(classifier)


def evaluate(model, data, labels=None, *, metrics="auto", classifier="fashion_mnist_classifier",
             num_samples=1000, nll_samples=100, elbo_samples=1, train_data=None, ood_data="auto",
             max_examples=None, seed=0, batch_size=256, verbose=0):
    """Runs the evaluations that apply to `model` on test `data` and returns one flat dict.

    Args:
        model: a trained kerasgen model.
        data: test images in the model's input format (what `fit` takes): a
            NumPy array, a tuple ``(x, y)``, a `tf.data.Dataset` or a
            `keras.utils.PyDataset` yielding ``x`` or ``(x, y)`` batches.
        labels: class ids of `data` (needed for conditional models and probes).
        metrics: "auto" (everything in `available_metrics(model)` that the
            arguments allow) or a list of names from `METRICS`; asking for one
            that does not apply to the model raises `ValueError`.
        classifier: a `kerasgen.models.Classifier`, a preset name or folder
            (default: the zoo's Fashion-MNIST classifier), or None to skip
            sample quality.
        num_samples: images to generate for sample quality.
        nll_samples: importance samples K of the VAE's IWAE bound.
        elbo_samples: importance samples of the VAE's outlier score (1: the ELBO).
        train_data: ``(x, y)`` or ``x`` from the training distribution, not
            `data`: the reference of the typicality test and the probe's
            training set. If None, the first half of `data` plays that part
            and outlier scores and probe accuracy use the second half.
        ood_data: "auto" (`ood_sets`), a dict name -> images in the model's
            format, or None.
        max_examples: use at most this many examples of `data`.
        seed: int; makes sampling, importance samples and OOD sets repeatable.
        batch_size: images per step where the model takes one.
        verbose: 0 (silent) or 1: a line as each metric starts and ends
            (``evaluate PixelRNN [2/3] sample_quality: ...``, ``... done in
            12.3 s``) and the model's progress bars where it has them
            (likelihoods, autoregressive sampling), on stdout like Keras'
            own bars (`kerasgen evaluate` sends them to stderr).

    Returns:
        dict of floats (plus ``class_histogram``, ``ood_more_likely_than_data``,
        ``feature_space`` and ``skipped``), e.g. ``nll_nats``, ``bits_per_dim``,
        ``classifier_fid``, ``ood_auroc/noise``, ``probe_accuracy``. For a
        model whose likelihood is a bound (a VAE), ``nll_nats`` is the
        K-sample bound (``nll_bound`` says which) and ``neg_elbo_nats`` the
        K = 1 bound, the negative ELBO, which is never below it in expectation.
        For a denoiser (`DenoisingAutoencoder`) ``reconstruction`` adds
        ``denoising_mse``, the error of its reconstructions of the test images
        corrupted as in training (seeded), and ``corrupted_mse``, the error of
        the corrupted images themselves, the figure it should beat.

    Example:

    ```python
    import numpy as np, kerasgen
    x = (np.random.rand(64, 8, 8, 1) > 0.5).astype("float32")
    model = kerasgen.models.PixelCNN(image_shape=(8, 8, 1), filters=8, num_blocks=1)
    model.compile(optimizer="adam")
    model.fit(x, epochs=1, verbose=0)
    kerasgen.evaluate(model, x, metrics=["nll", "ood"])["ood_auroc/noise"]
    ```
    """
    name = type(model).__name__
    if not checks.is_integer(verbose) or verbose not in (0, 1):
        raise ValueError(f"evaluate: verbose must be 0 or 1; got {verbose!r}.")
    applicable = available_metrics(model)
    x, labels = _collect(data, labels, max_examples)
    x = model.check_images(x, argument="data")
    if metrics == "auto":
        wanted = [m for m in applicable if m != "probe" or labels is not None]
    else:
        wanted = [metrics] if isinstance(metrics, str) else list(metrics)
        for m in wanted:
            if m not in METRICS:
                raise ValueError(f"evaluate: unknown metric {m!r}; expected some of {METRICS}.")
            if m not in applicable:
                why = {"nll": "it defines no likelihood (GANs and autoencoders have none)",
                       "ood": "outlier scores need a likelihood, which it does not define",
                       "sample_quality": "it cannot sample (a VQ-VAE needs fit_prior first)",
                       "reconstruction": "it has no encoder and decoder",
                       "probe": "it has no encoder"}[m]
                raise ValueError(
                    f"evaluate: metric {m!r} does not apply to {name}: {why}. "
                    f"Metrics for {name}: {list(applicable)}."
                )
        if "probe" in wanted and labels is None:
            raise ValueError("evaluate: metric 'probe' needs labels for data (labels= or data=(x, y)).")
    conditional = protocols.is_conditional(model)
    if conditional and labels is None:
        raise ValueError(f"evaluate: {name} is conditional; pass the labels of data (labels= or data=(x, y)).")
    model_labels = labels if conditional else None

    if train_data is None:
        half = len(x) // 2
        ref_x, ref_y, eval_x, eval_y = x[:half], (None if labels is None else labels[:half]), x[half:], (
            None if labels is None else labels[half:])
        split = f"first {half} of data as reference/probe training set, last {len(x) - half} scored"
    else:
        ref_x, ref_y = _collect(train_data, None, None)
        ref_x = model.check_images(ref_x, argument="train_data")
        eval_x, eval_y = x, labels
        split = "train_data as reference/probe training set, data scored"

    results = {"model": name, "num_examples": int(len(x)), "skipped": []}
    stages = [m for m in wanted if not ((m == "ood" and ood_data is None)
                                        or (m == "sample_quality" and classifier is None))]
    progress = _Progress(verbose, name, len(stages))
    progress.say(f"evaluate {name} on {len(x)} images: {', '.join(stages) or 'nothing to measure'}")
    if "nll" in wanted:
        kwargs = _bound_options(model, nll_samples, seed)
        how = "exact" if model.log_prob_is_exact else f"{model.log_prob_bound} bound, K={nll_samples}"
        with progress.stage(f"nll: log-likelihood ({how}) of {len(x)} images"):
            nll = model.evaluate_nll(x, model_labels, verbose=verbose, **kwargs)
        results.update({"nll_nats": nll["nll_nats"], "nll_nats_stderr": nll["nll_nats_stderr"],
                        "bits_per_dim": nll["bits_per_dim"], "nll_of": NLL_OF[conditional]})
        if not model.log_prob_is_exact:
            results["nll_bound"] = f"{model.log_prob_bound}, K={nll_samples} (an upper bound on the NLL)"
            if nll_samples > 1:
                # K = 1: the negative ELBO (one draw an image), the looser bound the K-sample one tightens.
                elbo = model.evaluate_nll(x, model_labels, verbose=0, **_bound_options(model, 1, seed))
                results["neg_elbo_nats"] = elbo["nll_nats"]
    if "reconstruction" in wanted:
        args = (x, model_labels) if conditional else (x,)
        with progress.stage(f"reconstruction: {len(x)} images"):
            to_unit = model.image_format.to_unit
            results["reconstruction_mse"] = float(np.mean((to_unit(model.reconstruct(*args)) - to_unit(x)) ** 2))
            if protocols.denoises(model):
                # What a denoiser is for: the clean images back from corrupted ones, beside what the
                # corruption alone costs (the error of returning the corrupted images unchanged).
                corrupted = model.corrupt(x, seed=seed)
                denoised = model.denoise(corrupted)
                results["denoising_mse"] = float(np.mean((to_unit(denoised) - to_unit(x)) ** 2))
                results["corrupted_mse"] = float(np.mean((to_unit(corrupted) - to_unit(x)) ** 2))
    if "sample_quality" in wanted:
        clf = _load_classifier(classifier)
        if clf is None:
            results["skipped"].append("sample_quality: no classifier")
        else:
            if tuple(clf.image_shape) != tuple(x.shape[1:]):
                raise ValueError(
                    f"evaluate: the classifier takes images of shape {tuple(clf.image_shape)}, data has "
                    f"{tuple(x.shape[1:])}; pass classifier= one trained on this data "
                    "(kerasgen.metrics.train_classifier)."
                )
            with progress.stage(f"sample_quality: sampling {num_samples} images, then their classifier "
                                "features against the data's"):
                results.update(_sample_quality(model, clf, x, num_samples, seed, conditional, verbose))
            source = f"the {classifier!r} preset" if isinstance(classifier, str) else "the classifier passed"
            results["feature_space"] = (f"features of {source}, trained on the data itself; not Inception: "
                                        "not comparable with published FID/KID/IS")
    if "ood" in wanted and ood_data is not None:
        sets = ood_sets(model, eval_x, seed) if ood_data == "auto" else dict(ood_data)
        with progress.stage(f"ood: scoring {len(eval_x)} + {len(ref_x)} images and the outlier sets "
                            f"{', '.join(sets)}"):
            results.update(_ood(model, eval_x, eval_y if conditional else None, ref_x,
                                ref_y if conditional else None, sets, seed, elbo_samples, progress.say))
        results["ood_split"] = split
    if "probe" in wanted:
        with progress.stage(f"probe: a linear classifier on the features of {len(ref_x)} images"):
            probe = linear_probe(_features(model, ref_x, ref_y), ref_y, _features(model, eval_x, eval_y), eval_y)
        results.update({"probe_accuracy": probe["accuracy"], "probe_feature_dim": probe["feature_dim"],
                        "probe_split": split})
    return results


def _sample_quality(model, clf, x, num_samples, seed, conditional, verbose=0):
    sample_labels = np.arange(num_samples) % model.num_classes if conditional else None
    kwargs = {"labels": sample_labels} if conditional else {}
    to_unit = model.image_format.to_unit
    samples = to_unit(_sample(model, num_samples, seed, verbose, **kwargs))
    return score_samples(samples, to_unit(x), clf, labels=sample_labels, seed=seed)


def score_samples(samples, real, classifier, labels=None, seed=0):
    """Sample-quality metrics of generated images against real ones, both in [0, 1], on a classifier's features.

    What `evaluate(..., metrics=["sample_quality"])` reports for a kerasgen
    model, for images from any generator: ``classifier_fid``,
    ``classifier_kid`` (with its std over 10 subsets of half the smaller
    set), ``precision``, ``recall``, ``classifier_inception_score``, the class
    coverage and histogram, and, given the classes the samples were asked for
    (`labels`), ``label_accuracy``. Values outside [0, 1] (a Gaussian
    decoder's means) are clipped for the classifier, and the share clipped is
    reported as ``sample_values_clipped``.

    Args:
        samples: (N, H, W, C) generated images in [0, 1].
        real: (M, H, W, C) real images in [0, 1].
        classifier: a `kerasgen.models.Classifier`, or a classifier preset's name or folder.
        labels: None, or the (N,) classes the samples were generated for.
        seed: seed of KID's subsets.

    Example:

    ```python
    import numpy as np
    from kerasgen.evaluation import score_samples
    rng = np.random.default_rng(0)
    real, fake = rng.random((64, 28, 28, 1)), rng.random((64, 28, 28, 1))
    score_samples(fake, real, "fashion_mnist_classifier")["classifier_fid"]
    ```
    """
    clf = _load_classifier(classifier)
    samples, real = np.asarray(samples, dtype="float32"), np.asarray(real, dtype="float32")
    for argument, images in (("samples", samples), ("real", real)):
        if images.ndim != 4 or tuple(images.shape[1:]) != tuple(clf.image_shape):
            raise ValueError(f"score_samples: {argument} must be images of shape (N,) + {tuple(clf.image_shape)}, "
                             f"the classifier's; got shape {images.shape}.")
    if not np.all(np.isfinite(samples)):
        raise ValueError("score_samples: samples hold NaN or infinite values.")
    if labels is not None and np.shape(labels) != (len(samples),):
        raise ValueError(f"score_samples: labels must be one class per sample, shape ({len(samples)},); "
                         f"got shape {np.shape(labels)}.")
    outside = float(np.mean((samples < 0.0) | (samples > 1.0)))
    samples = samples.clip(0.0, 1.0)
    real, fake = clf.features(real), clf.features(samples)
    probs = clf.probabilities(samples)
    kid = kernel_inception_distance(real, fake, seed=seed)  # 10 subsets of half the smaller set
    pr = precision_recall(real, fake)
    coverage = class_coverage(probs, clf.num_classes)
    out = {
        "classifier_fid": frechet_distance(real, fake), "classifier_kid": kid["kid"],
        "classifier_kid_std": kid["kid_std"], "classifier_kid_subset_size": kid["kid_subset_size"],
        "precision": pr["precision"], "recall": pr["recall"],
        "classifier_inception_score": inception_score(probs, num_splits=min(10, len(samples)))["is"],
        "class_coverage": coverage["fraction_reached"], "class_entropy_bits": coverage["entropy_bits"],
        "class_histogram": coverage["histogram"], "sample_values_clipped": outside,
    }
    if labels is not None:
        out["label_accuracy"] = float(np.mean(probs.argmax(-1) == np.asarray(labels)))
    return out


def _ood(model, eval_x, eval_y, ref_x, ref_y, sets, seed, elbo_samples, say=lambda message: None):
    say(f"  scoring the data ({len(eval_x)} images) and the reference ({len(ref_x)})")
    in_scores = _scores(model, eval_x, eval_y, seed, elbo_samples)
    ref_scores = _scores(model, ref_x, ref_y, seed + 1, elbo_samples)
    out = {"ood_mean_log_prob/data": float(in_scores.mean()), "ood_more_likely_than_data": []}
    for i, (set_name, images) in enumerate(sets.items()):
        images = model.check_images(np.asarray(images, "float32"), argument=f"ood_data[{set_name!r}]")
        # A conditional model scores outliers under the labels of the data they replace.
        labels = None if eval_y is None else np.resize(eval_y, len(images))
        say(f"  scoring the outlier set {set_name!r} ({len(images)} images)")
        scores = _scores(model, images, labels, seed + 2 + i, elbo_samples)
        out[f"ood_mean_log_prob/{set_name}"] = float(scores.mean())
        out[f"ood_auroc/{set_name}"] = ood_auroc(in_scores, scores)
        out[f"ood_auroc_typicality/{set_name}"] = ood_auroc(
            typicality_scores(in_scores, ref_scores), typicality_scores(scores, ref_scores))
        if out[f"ood_auroc/{set_name}"] < 0.5:
            out["ood_more_likely_than_data"].append(set_name)
    return out
