"""Writes the generated part of zoo/README.md from the presets' metadata: the table, then each preset's numbers and pictures.

    python zoo/readme.py            # rewrite zoo/README.md between its markers
    python zoo/readme.py --check    # exit 1 if zoo/README.md is not what this would write

zoo/build.sh runs it after a build; tests/test_zoo.py runs the check, so the
README never says what the metadata does not.
"""

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
README = os.path.join(HERE, "README.md")
BEGIN = "<!-- presets:begin (written by zoo/readme.py from the presets' metadata; do not edit) -->"
END = "<!-- presets:end -->"
PICTURES = ("samples.png", "interpolation.png", "completion.png", "reconstruction.png")


def presets():
    names = sorted(d for d in os.listdir(HERE) if os.path.isfile(os.path.join(HERE, d, "metadata.json")))
    out = []
    for name in names:
        with open(os.path.join(HERE, name, "metadata.json"), encoding="utf-8") as f:
            out.append((name, json.load(f)))
    return out


def _size(name):
    folder = os.path.join(HERE, name)
    return sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder)
               if f in ("config.json", "metadata.json", "model.weights.h5"))


def _conditional_nll(meta):
    return (meta.get("headline") or {}).get("metric") == "nll_nats" and meta.get("recipe", {}).get("data", {}).get(
        "labels")


def headline(meta):
    head = meta.get("headline")
    if not head:
        return f"test_accuracy = {meta['metrics']['test_accuracy']:.4g}"
    if head.get("value") is None:
        return f"{head['metric']} not measured"
    given = "; -log p(x \\| y), given the label" if _conditional_nll(meta) else ""
    return f"{head['metric']} = {head['value']:.4g} (first {head['test_images']}{given})"


def floor_at(classifier_meta, n):
    return (classifier_meta or {}).get("metrics", {}).get(f"floor_at_{n}")


def details(name, meta, classifier_meta):
    """The lines under a preset's heading: what it is, its numbers in words, how it was trained, its pictures."""
    m, head = meta.get("metrics", {}), meta.get("headline") or {}
    lines = [f"### `{name}`", "", meta.get("description", "")]
    if meta.get("family") == "classifier":
        lines += ["", f"Test accuracy {m['test_accuracy']:.4f}. FID\\* floor (two real sets, test vs held-out "
                      "training images): " + ", ".join(
                          f"{m[k]['fid']:.3g} at {m[k]['images']} images each" for k in sorted(m)
                          if k.startswith("floor") and isinstance(m[k], dict) and "images" in m[k]) + "."]
    elif "nll_nats" in m:
        bound = m.get("nll_bound", "exact")
        of = "-log p(x | y), given the true label (not comparable with -log p(x))" if _conditional_nll(meta) \
            else "-log p(x)"
        lines += ["", f"Test NLL {m['nll_nats']:.2f} ± {m.get('nll_nats_stderr', float('nan')):.2f} nats "
                      f"({m.get('bits_per_dim', float('nan')):.4f} bits/dim), {of}; {bound}; on the first "
                      f"{m.get('num_examples', head.get('test_images'))} test images, binarized once with NumPy "
                      "seed 0."]
    elif "classifier_fid" in m:
        n = head.get("test_images")
        floor = floor_at(classifier_meta, n)
        floor_text = f" (floor at that size: {floor['fid']:.2f})" if floor else ""
        extra = f"; label accuracy {m['label_accuracy']:.3f}" if "label_accuracy" in m else ""
        lines += ["", f"FID\\* {m['classifier_fid']:.2f} on {n} samples against the first {n} test images"
                      f"{floor_text}; precision {m['precision']:.3f}, recall {m['recall']:.3f}; KID\\* "
                      f"{m['classifier_kid']:.3g} ± {m['classifier_kid_std']:.2g}{extra}. On the evaluation "
                      "classifier's features, not Inception's."]
    elif "reconstruction_mse" in m:
        lines += ["", f"Reconstruction MSE {m['reconstruction_mse']:.4f} (pixels in [0, 1]) on the first "
                      f"{head.get('test_images')} test images."]
    trained = meta.get("trained_with", {})
    epochs = meta.get("recipe", {}).get("train", {}).get("epochs") or meta.get("recipe", {}).get("epochs")
    lines += ["", f"Trained {epochs} epochs in {trained.get('seconds', 0) / 60:.0f} minutes "
                  f"({trained.get('backend')} on a 2-core CPU, {trained.get('date')}), by `{meta.get('command')}`."]
    if head.get("tolerance") is not None:
        lines[-1] += (f" `kerasgen verify {name}` re-measures the headline (relative tolerance "
                      f"{head['tolerance']:g}).")
    shown = meta.get("pictures", {})
    pictures = [p for p in PICTURES if p in shown and os.path.isfile(os.path.join(HERE, name, p))]
    if pictures:
        lines += [""] + [f"![{p[:-4]}]({name}/{p})" for p in pictures]
        lines += [""] + [f"- `{p}`: {shown[p]}" for p in pictures]
    return lines + [""]


def generated():
    found = presets()
    classifier_meta = dict(found).get("fashion_mnist_classifier")
    lines = [BEGIN, "| preset | family | headline (test) | size |", "|---|---|---|---|"]
    for name, meta in found:
        lines.append(f"| `{name}` | {meta.get('family', '?')} | {headline(meta)} | {_size(name) / 1e6:.1f} MB |")
    lines.append("")
    for name, meta in found:
        lines += details(name, meta, classifier_meta)
    return "\n".join(lines) + END


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 if zoo/README.md differs")
    args = p.parse_args(argv)
    with open(README, encoding="utf-8") as f:
        text = f.read()
    if BEGIN.split(" (")[0] not in text or END not in text:
        sys.exit(f"error: {README} has no {BEGIN.split(' (')[0]} ... {END} markers")
    start = text.index(BEGIN.split(" (")[0])
    new = text[:start] + generated() + text[text.index(END) + len(END):]
    if args.check:
        if new != text:
            sys.exit("zoo/README.md is not what zoo/readme.py writes from the presets' metadata: run python zoo/readme.py")
        return
    with open(README, "w", encoding="utf-8") as f:
        f.write(new)
    print(f"wrote {README}")


if __name__ == "__main__":
    main()
