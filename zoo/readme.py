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

from kerasgen.presets import headline_text, is_conditional_nll

HERE = os.path.dirname(os.path.abspath(__file__))
README = os.path.join(HERE, "README.md")
BEGIN = "<!-- presets:begin (written by zoo/readme.py from the presets' metadata; do not edit) -->"
END = "<!-- presets:end -->"
PICTURES = ("samples.png", "interpolation.png", "completion.png", "denoising.png", "reconstruction.png")


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
        of = ("-log p(x | y), given the true label (not comparable with -log p(x))" if is_conditional_nll(meta)
              else "-log p(x)")
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
    elif "denoising_mse" in m:
        lines += ["", f"Denoising MSE {m['denoising_mse']:.4f} (pixels in [0, 1]) on the first "
                      f"{head.get('test_images')} test images corrupted as in training (NumPy seed 0), against "
                      f"{m['corrupted_mse']:.4f} for the corrupted images themselves; reconstruction MSE of the "
                      f"clean images {m['reconstruction_mse']:.4f}."]
    elif "reconstruction_mse" in m:
        lines += ["", f"Reconstruction MSE {m['reconstruction_mse']:.4f} (pixels in [0, 1]) on the first "
                      f"{head.get('test_images')} test images."]
    trained = meta.get("trained_with", {})
    epochs = meta.get("recipe", {}).get("train", {}).get("epochs") or meta.get("recipe", {}).get("epochs")
    lines += ["", f"Trained {_epochs(epochs)} in {trained.get('seconds', 0) / 60:.0f} minutes "
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


# The orderings of test NLL the literature reports, best first: (label, family, published figure). The
# autoregressive models' order is their CIFAR-10 bits/dim (van den Oord et al. 2016, "Pixel Recurrent Neural
# Networks" and "Conditional Image Generation with PixelCNN Decoders"), the one benchmark all four share: the
# Gated PixelCNN (3.03) sits between the Diagonal BiLSTM (3.00) and the Row LSTM (3.07). PixelCNN < VAE is
# binarized MNIST's (81.30 nats against a one-layer VAE's 86.76, Burda et al. 2016); so is IWAE <= ELBO.
NLL_ORDER = [("PixelRNN, Diagonal BiLSTM", "pixelrnn_diagonal", "3.00 bits/dim on CIFAR-10"),
             ("Gated PixelCNN", "gated_pixelcnn", "3.03"), ("PixelRNN, Row LSTM", "pixelrnn", "3.07"),
             ("PixelCNN", "pixelcnn", "3.14; 81.30 nats on binarized MNIST"),
             ("VAE (IWAE bound)", "vae", "86.76 nats on binarized MNIST")]
NLL_SOURCES = ("van den Oord et al. 2016, \"Pixel Recurrent Neural Networks\" and \"Conditional Image Generation "
               "with PixelCNN Decoders\"; Burda et al. 2016 for the VAE")


def _budget(meta):
    train = meta.get("recipe", {}).get("train", {})
    return f"{_epochs(train.get('epochs'))}, {meta.get('trained_with', {}).get('seconds', 0) / 60:.0f} min"


def _epochs(n):
    return f"{n} epoch{'' if n == 1 else 's'}"


SEARCH = os.path.join(os.path.dirname(HERE), "benchmarks", "results", "recipe_search.json")


def _without_epochs(train):
    return {k: v for k, v in (train or {}).items() if k != "epochs"}


def _same_recipe(run, meta):
    """Whether a recipe-search run trained the preset's own model and training settings (epochs aside)."""
    recipe = meta.get("recipe", {})
    return (run.get("model") == recipe.get("model")
            and _without_epochs(run.get("train")) == _without_epochs(recipe.get("train")))


def longer_runs(meta):
    """The preset's own recipe trained for more epochs by benchmarks/recipe_search.py: [(epoch, value, s/epoch)].

    Only runs that record the model and training settings they used, and whose settings are the preset's
    (the epochs aside), count: a variant named for the recipe of its day may not be the preset's recipe now.
    """
    if not os.path.isfile(SEARCH):
        return []
    with open(SEARCH, encoding="utf-8") as f:
        runs = json.load(f).get("runs", [])
    runs = sorted((r for r in runs if r.get("family") == meta.get("family") and _same_recipe(r, meta)
                   and r.get("headline", {}).get("value") is not None), key=lambda r: r.get("epochs_trained", 0))
    by_epoch = {r["epoch"]: (r["headline"]["value"], r.get("median_epoch_seconds")) for r in runs}  # longest wins
    return [(epoch, value, seconds) for epoch, (value, seconds) in sorted(by_epoch.items())]


def _longer_line(label, meta, rival_label, rival_value):
    """A line saying what the preset's recipe reaches with more epochs, against the rival it falls short of."""
    runs = longer_runs(meta)
    if not runs or runs[-1][0] <= meta["recipe"]["train"]["epochs"]:
        return []
    curve = ", ".join(f"{value:.2f} at {_epochs(epoch)}" for epoch, value, _ in runs)
    seconds = runs[-1][2]
    crossed = [epoch for epoch, value, _ in runs if value < rival_value]
    verdict = (f"it passes the {rival_label} ({rival_value:.2f}) from {_epochs(crossed[0])} on"
               if crossed else f"it is still above the {rival_label} ({rival_value:.2f}) at {_epochs(runs[-1][0])}")
    per_epoch = f", {seconds / 60:.1f} min an epoch" if seconds else ""
    return [f"- The same {label} recipe trained longer (`benchmarks/recipe_search.py {meta.get('family')}`: "
            f"the same settings with more epochs{per_epoch}): {curve}; {verdict}."]


def orderings(found):
    """Lines that check the literature's orderings of test NLL among the presets, from their metadata."""
    by_family = {meta.get("family"): (name, meta) for name, meta in found}
    lines = ["### Orderings the literature reports", "",
             "Test NLL in nats on the first 500 test images (each preset's headline); the literature's order "
             "is " + " <= ".join(f"{label} ({figure})" for label, _, figure in NLL_ORDER[:-1])
             + f" < {NLL_ORDER[-1][0]} ({NLL_ORDER[-1][2]}): {NLL_SOURCES}.", ""]
    present = [(label, by_family[f]) for label, f, _ in NLL_ORDER if f in by_family]
    missing = [label for label, f, _ in NLL_ORDER if f not in by_family]
    broken = False
    for (label_a, (name_a, a)), (label_b, (name_b, b)) in zip(present, present[1:]):
        va, vb = a["headline"]["value"], b["headline"]["value"]
        holds = va <= vb if NLL_ORDER[-1][0] != label_b else va < vb
        broken |= not holds
        lines.append(f"- {label_a} ({va:.2f}; {_budget(a)}) {'<=' if holds else '>'} {label_b} ({vb:.2f}; "
                     f"{_budget(b)}): {'holds' if holds else 'does not hold at these budgets'}.")
        if not holds:
            lines += _longer_line(label_a, a, label_b, vb)
    if missing:
        lines.append(f"- Not in the zoo yet, so not compared: {', '.join(missing)}.")
    if broken:
        lines += ["", "Where an ordering does not hold, compare the budgets beside the numbers: the literature's "
                      "orderings are between models trained to convergence (many epochs on GPUs), these presets "
                      "between small networks given the epochs and minutes of a 2-core CPU shown beside each "
                      "number. Where a longer run of the same recipe is listed, it shows how far more epochs alone "
                      "move the preset.",
                  ""]
    if "vae" in by_family and "beta_vae" in by_family:
        # beta > 1 weighs the KL term more than the ELBO does: a smoother code, paid for in likelihood.
        (name_a, a), (name_b, b) = by_family["vae"], by_family["beta_vae"]
        va, vb = a["headline"]["value"], b["headline"]["value"]
        holds = va <= vb
        lines.append(f"- VAE ({va:.2f}) {'<=' if holds else '>'} beta-VAE, beta = "
                     f"{b['recipe']['model']['config'].get('beta')} ({vb:.2f}), the same networks and epochs: "
                     f"{'holds' if holds else 'does not hold'} (a beta above 1 trades likelihood for a smoother code).")
    for family in ("vae", "beta_vae", "conditional_vae"):
        if family in by_family:
            name, meta = by_family[family]
            m = meta.get("metrics", {})
            if "neg_elbo_nats" in m:
                holds = m["nll_nats"] <= m["neg_elbo_nats"]
                lines.append(f"- `{name}`: IWAE bound ({m['nll_nats']:.2f}) {'<=' if holds else '>'} negative ELBO "
                             f"({m['neg_elbo_nats']:.2f}): {'holds' if holds else 'does not hold'}.")
            else:
                lines.append(f"- `{name}`: its metadata has no negative ELBO (built before evaluate reported it).")
    return lines + [""]


def generated():
    found = presets()
    classifier_meta = dict(found).get("fashion_mnist_classifier")
    lines = [BEGIN, "| preset | family | headline (test) | size |", "|---|---|---|---|"]
    for name, meta in found:
        cell = headline_text(meta).replace("|", "\\|")  # a pipe inside a markdown cell
        lines.append(f"| `{name}` | {meta.get('family', '?')} | {cell} | {_size(name) / 1e6:.1f} MB |")
    lines.append("")
    lines += orderings(found)
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
