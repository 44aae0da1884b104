"""Turn benchmarks/results/evaluation_<backend>.json into the evaluation tables of BENCHMARKS.md.

Only the part of BENCHMARKS.md between the evaluation markers is replaced,
so other sections survive.

    python benchmarks/report_evaluation.py            # update BENCHMARKS.md
    python benchmarks/report_evaluation.py --stdout   # print the section instead
"""

import argparse
import glob
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import sig  # noqa: E402

BEGIN = "<!-- evaluation:begin (written by benchmarks/report_evaluation.py from benchmarks/results/; do not edit) -->"
END = "<!-- evaluation:end -->"
NAMES = {"autoencoder": "Autoencoder (conv)", "denoising_autoencoder": "DenoisingAutoencoder (conv)",
         "vae": "VAE (conv, Bernoulli)", "conditional_vae": "ConditionalVAE", "dcgan": "DCGAN",
         "conditional_gan": "ConditionalGAN (DCGAN, cond. BN)", "gated_pixelcnn": "Gated PixelCNN",
         "pixelrnn_row_lstm": "PixelRNN, Row LSTM", "vqvae": "VQ-VAE + Gated PixelCNN prior"}
OOD_SETS = ("noise", "flipped", "inverted", "digits")
# Models whose NLL is given the true label, -log p(x | y): not to be ranked beside the others' -log p(x).
CONDITIONAL = ("conditional_vae",)


def cell(result, key, digits=3):
    value = result.get(key)
    return "-" if value is None else sig(value, digits)


def section(run, floor, floor_1000=None):
    s = run["settings"]
    lines = [
        BEGIN,
        f"Backend **{run['backend']}** (keras {run['keras']}, kerasgen {run['kerasgen']}), {run['date']}, "
        f"{run['cpu_count']} CPU cores. Command: `{run['command']}` then "
        "`python benchmarks/report_evaluation.py`.",
        "",
        f"Budget: {s['steps']} steps of {s['batch_size']} images per model (VQ-VAE: plus {s['prior_steps']} "
        f"prior steps), Adam {s['learning_rate']} (GANs: their default pair). Measured on the first "
        f"{s['test_images']} test images; reference/probe set: {s['test_images']} of the last 10,000 "
        "training images. Binary models: test images binarized once (NumPy seed 0).",
        "",
        "**FID\\*, KID\\* and IS\\* use the features of kerasgen's own Fashion-MNIST classifier "
        "(`zoo/fashion_mnist_classifier`), not Inception: they are not comparable with published FID/KID/IS.** "
        f"Floor (test vs held-out training images, two real samples): FID\\* {sig(floor['fid'])} on 10,000 each"
        + (f", {sig(floor_1000['fid'])} on 1,000 each (FID grows as samples shrink: the models' samples are "
           f"{run['models'].get('dcgan', {}).get('num_samples', 1000)})" if floor_1000 else "")
        + f"; precision {sig(floor['precision'])}, recall {sig(floor['recall'])}.",
        "",
        "| model | NLL nats (bits/dim) | recon. MSE | FID\\* | KID\\* | precision | recall | IS\\* "
        "| classes reached | samples | train s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in run["models"].items():
        nll = "-" if "nll_nats" not in r else f"{sig(r['nll_nats'], 4)} ({sig(r['bits_per_dim'])})"
        if "nll_bound" in r:
            nll += " IWAE"
        if name in CONDITIONAL and "nll_nats" in r:
            nll += ", -log p(x \\| y) †"
        classes = "-" if "class_histogram" not in r else f"{sum(1 for c in r['class_histogram'] if c)}/10"
        lines.append(
            f"| {NAMES.get(name, name)} | {nll} | {cell(r, 'reconstruction_mse')} | {cell(r, 'classifier_fid')} "
            f"| {cell(r, 'classifier_kid')} | {cell(r, 'precision')} | {cell(r, 'recall')} "
            f"| {cell(r, 'classifier_inception_score')} | {classes} "
            f"| {r['num_samples'] if 'classifier_fid' in r else '-'} | {sig(r['train_seconds'], 2)} |"
        )
    if any(name in CONDITIONAL for name in run["models"]):
        lines += ["", "†: a conditional model's NLL is -log p(x | y), given the true label: not comparable with the "
                      "unconditional models' -log p(x)."]
    lines += [
        "",
        "Outlier detection (AUROC, 1 = every outlier scored below every test image, < 0.5 = outliers "
        "found *more* likely than the data; VAE: ELBO) as raw likelihood -> typicality test, and "
        "linear-probe accuracy on encoder features:",
        "",
        "| model | " + " | ".join(OOD_SETS) + " | linear probe |",
        "|---|" + "---|" * (len(OOD_SETS) + 1),
    ]
    for name, r in run["models"].items():
        cells = []
        for set_name in OOD_SETS:
            raw = r.get(f"ood_auroc/{set_name}")
            typ = r.get(f"ood_auroc_typicality/{set_name}")
            cells.append("-" if raw is None else f"{raw:.3f} -> {typ:.3f}")
        lines.append(f"| {NAMES.get(name, name)} | " + " | ".join(cells) + f" | {cell(r, 'probe_accuracy')} |")
    lines.append(END)
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", default=os.path.join("benchmarks", "results"))
    parser.add_argument("--out", default="BENCHMARKS.md")
    parser.add_argument("--stdout", action="store_true")
    args = parser.parse_args(argv)
    paths = sorted(glob.glob(os.path.join(args.results, "evaluation_*.json")))
    if not paths:
        raise SystemExit(f"error: no evaluation_*.json in {args.results}; run benchmarks/evaluation.py first.")
    with open(os.path.join("zoo", "fashion_mnist_classifier", "metadata.json")) as f:
        classifier_metrics = json.load(f)["metrics"]
    floor, floor_1000 = classifier_metrics["floor_test_vs_held_out"], classifier_metrics.get("floor_at_1000")
    parts = []
    for path in paths:
        with open(path) as f:
            parts.append(section(json.load(f), floor, floor_1000))
    text = "\n\n".join(parts).replace(END + "\n\n" + BEGIN, "")  # one marked block for all backends
    if args.stdout:
        print(text)
        return
    old = open(args.out).read() if os.path.exists(args.out) else ""
    if BEGIN in old and END in old:
        new = old[:old.index(BEGIN)] + text + old[old.index(END) + len(END):]
    else:
        new = old.rstrip("\n") + "\n\n## Evaluation of every family on Fashion-MNIST\n\n" + text + "\n"
    with open(args.out, "w") as f:
        f.write(new)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
