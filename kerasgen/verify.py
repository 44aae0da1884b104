"""Re-measuring a preset's headline exactly as its metadata states it (``kerasgen verify``).

A preset's metadata.json records its headline metric, the test images it was
measured on and how (``recipe["headline"]``: the metric's `evaluate`
arguments, such as the number of samples K of an importance-weighted bound or
the number of generated images), and the tolerance within which a
re-measurement must agree (``headline["tolerance"]``, relative; the same
number as the check the test suite repeats). `verify_preset` loads the preset,
measures again with the same images, seeds and arguments, and compares. For
the evaluation classifier it re-measures the test accuracy and the FID* floor
at the size the models' FID* headlines use.

    kerasgen verify                       # every built-in preset
    kerasgen verify dcgan_fashion_mnist --json verify.json
"""

import time

import numpy as np

# How far a classifier's re-measured test accuracy may be from its record: predictions may flip on
# float ties between backends, 10 of the 10,000 test images.
ACCURACY_TOLERANCE = 1e-3
# How far a re-measured FID* floor may be from its record (relative): float differences between backends.
FLOOR_TOLERANCE = 1e-3


def headline_tolerance(metadata):
    """The relative tolerance of a preset's headline: recorded with it, else (older presets) its check's."""
    head = metadata.get("headline") or {}
    return head.get("tolerance", (metadata.get("check") or {}).get("tolerance"))


def verify_preset(name_or_path, data_dir=None, verbose=0):
    """Re-measures the headline of a preset; returns a list of dicts, one per claim checked.

    Each dict: ``preset``, ``claim`` (metric and images), ``recorded``,
    ``measured``, ``tolerance`` (relative, or absolute where ``absolute``),
    ``difference``, ``ok`` and ``seconds``.

    Example:

    ```python
    import kerasgen
    from kerasgen.verify import verify_preset
    [row["ok"] for row in verify_preset("vqvae_fashion_mnist")]  # [True]
    ```
    """
    from kerasgen import recipes
    from kerasgen.presets import from_preset, load_metadata, preset_dir

    folder = preset_dir(name_or_path)
    meta = load_metadata(folder)
    name = meta.get("name", name_or_path)
    model = from_preset(folder, compile=False)
    start = time.time()
    if meta.get("family") == "classifier":
        return _verify_classifier(name, model, meta, data_dir, start)
    head, recipe = meta.get("headline"), meta.get("recipe")
    if not head or head.get("value") is None or not isinstance(recipe, dict) or "headline" not in recipe:
        raise ValueError(f"preset {name!r} records no measured headline to verify "
                         f"({(head or {}).get('skipped', 'its metadata has no headline and recipe')}).")
    classifier = meta.get("evaluation_classifier", "auto")
    measured = recipes.measure(model, recipe, "headline", classifier=classifier, data_dir=data_dir)
    return [_row(name, f"{head['metric']} on the first {head['test_images']} test images", head["value"],
                 measured[head["metric"]], headline_tolerance(meta), False, start)]


def _verify_classifier(name, model, meta, data_dir, start):
    from kerasgen.data import load
    from kerasgen.metrics.classifier import feature_floor

    xt, yt = load("fashion_mnist", split="test", data_dir=data_dir)
    xt = model.image_format.convert(xt)
    rows = [_row(name, f"test_accuracy on the {len(xt)} test images", meta["metrics"]["test_accuracy"],
                 model.accuracy(xt, yt), ACCURACY_TOLERANCE, True, start)]
    floors = {k: v for k, v in meta["metrics"].items() if k.startswith("floor_at_")}
    if floors:
        x, _ = load("fashion_mnist", split="train", data_dir=data_dir)
        held_out = model.image_format.convert(x[meta["recipe"]["train_images"]:])
        for key, recorded in sorted(floors.items()):
            start = time.time()
            n = recorded["images"]
            fid = feature_floor(model, xt[:n], held_out[:n])["fid"]
            rows.append(_row(name, f"classifier_fid floor, first {n} test vs first {n} held-out images",
                             recorded["fid"], fid, FLOOR_TOLERANCE, False, start))
    return rows


def _row(name, claim, recorded, measured, tolerance, absolute, start):
    recorded, measured = float(recorded), float(measured)
    difference = abs(measured - recorded) if absolute else abs(measured - recorded) / max(abs(recorded), 1e-12)
    return {"preset": name, "claim": claim, "recorded": recorded, "measured": measured,
            "tolerance": tolerance, "absolute": absolute, "difference": difference,
            "ok": bool(np.isfinite(measured) and difference <= tolerance), "seconds": round(time.time() - start, 1)}
