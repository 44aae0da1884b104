"""Training the evaluation classifier, and the command that builds the zoo's Fashion-MNIST one.

    python -m kerasgen.metrics.classifier --out zoo/fashion_mnist_classifier

trains `kerasgen.models.Classifier` on the first 50,000 Fashion-MNIST training
images, keeps the last 10,000 as a held-out set, and stores the preset with
its measured test accuracy and the *floors* of the sample-quality metrics:
FID, KID and precision/recall between the test set and the held-out training
images, two real samples of the same distribution, on all 10,000 of each and
on the first 1,000 of each (the size of the zoo's FID* headlines: FID grows
as samples shrink, so a model is compared with the floor of its own size).
No generator can be expected to beat the floor with these features. None of
these numbers is an Inception metric.

    python -m kerasgen.metrics.classifier --measure-floors --out zoo/fashion_mnist_classifier

re-measures the floors of an existing classifier preset into its metadata.
"""

import argparse
import os
import sys
import time

import keras
import numpy as np

from kerasgen.metrics.sample_quality import frechet_distance, kernel_inception_distance, precision_recall

FEATURE_NOTE = ("features of kerasgen's own Fashion-MNIST classifier, not Inception: "
                "not comparable with published FID/KID/IS")
# The floors measured: on the whole sets (10,000 each), and on 1,000 each, the size of the zoo's FID* headlines.
FLOOR_SIZES = (10000, 1000)
RECIPE = {"dataset": "fashion_mnist", "train_images": 50000, "held_out_images": 10000,
          "epochs": 5, "batch_size": 128, "learning_rate": 1e-3, "seed": 0}


def train_classifier(images, labels, *, num_classes=None, epochs=5, batch_size=128, learning_rate=1e-3,
                     seed=0, verbose=1, **classifier_kwargs):
    """Trains a `kerasgen.models.Classifier` on images in [0, 1] and integer labels.

    Args:
        images: float array (N, H, W, C) in [0, 1].
        labels: int array (N,).
        num_classes: int, or None for max(labels) + 1.
        epochs, batch_size, learning_rate: the Adam recipe.
        seed: int, seeds weights initialisation, dropout and shuffling.
        verbose: passed to `fit` (1 shows a progress bar).
        **classifier_kwargs: `filters`, `feature_dim`, `dropout`.

    Returns:
        The trained classifier.
    """
    from kerasgen.models.classifier import Classifier

    images = np.asarray(images, dtype="float32")
    labels = np.asarray(labels).reshape(-1).astype("int32")
    if images.ndim != 4:
        raise ValueError(f"images must have shape (N, H, W, C); got {images.shape}.")
    if len(images) != len(labels):
        raise ValueError(f"images and labels must have the same length; got {len(images)} and {len(labels)}.")
    keras.utils.set_random_seed(seed)
    num_classes = int(labels.max()) + 1 if num_classes is None else num_classes
    clf = Classifier(image_shape=images.shape[1:], num_classes=num_classes, **classifier_kwargs)
    clf._check(images)  # refuses values outside [0, 1] before training
    clf.compile(optimizer=keras.optimizers.Adam(learning_rate),
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    clf.fit(images, labels, epochs=epochs, batch_size=batch_size, shuffle=True, verbose=verbose)
    return clf


def feature_floor(classifier, test_images, held_out_images):
    """FID, KID and precision/recall between two real image sets in [0, 1] (the metrics' floor).

    FID's estimate is biased upwards by small samples, so a model's FID is
    compared with the floor measured on as many images as its own
    (`floors`).
    """
    a, b = classifier.features(test_images), classifier.features(held_out_images)
    return {"images": int(min(len(a), len(b))), "fid": frechet_distance(a, b), **kernel_inception_distance(a, b),
            **precision_recall(a, b)}


def floors(classifier, test_images, held_out_images, sizes=FLOOR_SIZES):
    """`feature_floor` on the first n test and held-out images for each n of `sizes`, keyed like the metadata."""
    out = {}
    for n in sizes:
        key = "floor_test_vs_held_out" if n >= min(len(test_images), len(held_out_images)) else f"floor_at_{n}"
        out[key] = feature_floor(classifier, test_images[:n], held_out_images[:n])
    return out


def main(argv=None):
    from kerasgen.data import load
    from kerasgen.presets import save_preset, trained_with

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="preset folder to write")
    parser.add_argument("--epochs", type=int, default=RECIPE["epochs"])
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --out folder")
    parser.add_argument("--measure-floors", action="store_true",
                        help="train nothing: re-measure the floors of the classifier preset at --out and record "
                             "them in its metadata.json (its config and weights are not touched)")
    args = parser.parse_args(argv)
    if args.measure_floors and not os.path.isdir(args.out):
        parser.error(f"--measure-floors: --out {args.out!r} is not a classifier preset folder")
    if os.path.exists(args.out) and not (args.overwrite or args.measure_floors):
        parser.error(f"--out {args.out!r} exists; pass --overwrite to replace it")
    recipe = {**RECIPE, "epochs": args.epochs}
    x, y = load("fashion_mnist", split="train")
    xt, yt = load("fashion_mnist", split="test")
    from kerasgen.models.classifier import Classifier

    x, xt = Classifier.image_format.convert(x), Classifier.image_format.convert(xt)
    n = recipe["train_images"]
    if args.measure_floors:
        from kerasgen.presets import from_preset, load_metadata, update_metadata

        measured = floors(from_preset(args.out, compile=False), xt, x[n:])
        metadata = load_metadata(args.out)
        update_metadata(args.out, {"metrics": {**metadata["metrics"], **measured},
                                   "floors_command": "python -m kerasgen.metrics.classifier --measure-floors --out "
                                                     + args.out})
        for key, floor in measured.items():
            print(f"{key}: {floor['images']} images each, FID {floor['fid']:.3f}, KID {floor['kid']:.4g}")
        return 0
    start = time.time()
    clf = train_classifier(x[:n], y[:n], num_classes=10, epochs=recipe["epochs"],
                           batch_size=recipe["batch_size"], learning_rate=recipe["learning_rate"],
                           seed=recipe["seed"])
    train_seconds = time.time() - start
    measured = floors(clf, xt, x[n:])
    floor = measured["floor_test_vs_held_out"]
    metadata = {
        "name": os.path.basename(os.path.normpath(args.out)),
        "description": "Evaluation classifier for Fashion-MNIST: its 128-d feature layer is the feature "
                       "space of kerasgen's FID/KID/precision/recall (" + FEATURE_NOTE + ").",
        "family": "classifier",
        "dataset": {"name": "fashion_mnist", "preprocessing": "x / 255, float32 in [0, 1]",
                    "train": "first 50000 training images", "held_out": "last 10000 training images"},
        "recipe": recipe,
        "trained_with": trained_with(train_seconds),
        "metrics": {
            "test_accuracy": clf.accuracy(xt, yt),
            "held_out_accuracy": clf.accuracy(x[n:], y[n:]),
            **measured,
            "feature_space": FEATURE_NOTE,
        },
        "command": "python -m kerasgen.metrics.classifier --out " + args.out,
    }
    save_preset(clf, args.out, metadata, overwrite=args.overwrite)
    print(f"wrote {args.out}: test accuracy {metadata['metrics']['test_accuracy']:.4f}, "
          f"FID floor {floor['fid']:.3f} ({FEATURE_NOTE})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
