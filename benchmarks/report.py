"""Merge the per-backend autoregressive benchmark JSONs into a markdown table in BENCHMARKS.md.

Reads benchmarks/results/autoregressive_*.json (written by
benchmarks/autoregressive.py) and writes one row per model and backend,
with the commands that produced the numbers above the table. Only the part
of BENCHMARKS.md between the autoregressive markers is replaced (the file is
created if it does not exist), so other sections survive.

    python benchmarks/report.py            # update BENCHMARKS.md
    python benchmarks/report.py --stdout   # print the section instead
"""

import argparse
import glob
import json
import math
import os
import sys

BEGIN = "<!-- autoregressive:begin (written by benchmarks/report.py from benchmarks/results/; do not edit) -->"
END = "<!-- autoregressive:end -->"
BACKEND_ORDER = ("tensorflow", "jax", "torch")
MODEL_ORDER = ("pixelcnn", "gated_pixelcnn", "row_lstm", "diagonal_bilstm")
MODEL_NAMES = {"pixelcnn": "PixelCNN", "gated_pixelcnn": "Gated PixelCNN",
               "row_lstm": "PixelRNN, Row LSTM", "diagonal_bilstm": "PixelRNN, Diagonal BiLSTM"}
# Settings that must agree for the rows to share one budget.
BUDGET_KEYS = ("steps", "batch_size", "learning_rate", "test_images", "sample_images", "seed")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--results", default=os.path.join("benchmarks", "results"),
                   help="folder of autoregressive_<backend>.json files")
    p.add_argument("--out", default="BENCHMARKS.md")
    p.add_argument("--stdout", action="store_true", help="print the section; write nothing")
    return p.parse_args(argv)


def load_results(folder):
    paths = sorted(glob.glob(os.path.join(folder, "autoregressive_*.json")))
    if not paths:
        raise SystemExit(f"error: no autoregressive_*.json in {folder}; run benchmarks/autoregressive.py first.")
    runs = []
    for path in paths:
        with open(path) as f:
            run = json.load(f)
        if run.get("benchmark") != "autoregressive":
            raise SystemExit(f"error: {path} is not an autoregressive benchmark result.")
        run["path"] = path
        runs.append(run)
    order = {b: i for i, b in enumerate(BACKEND_ORDER)}
    return sorted(runs, key=lambda r: (order.get(r["backend"], len(order)), r["backend"]))


def sig(value, digits=3):
    """A number to about `digits` significant figures (whole numbers are kept whole)."""
    if value is None:
        return "-"
    if value == 0:
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    return f"{round(value, decimals):,.{decimals}f}"


def sampling_cell(stats):
    """'samples/s (first call s)', or the estimate when naive timing was skipped."""
    if stats is None:
        return "n/a"
    if "skipped" in stats:
        return f"~{sig(stats['estimated_samples_per_s'], 2)} (est.)"
    return f"{sig(stats['samples_per_s'])} ({sig(stats['first_call_seconds'], 2)} s)"


def equality_cell(sampling):
    same = sampling.get("cached_equals_naive")
    if same is None:
        return "n/a"
    n = sampling["compared_images"]
    if same:
        return f"yes ({n})"
    return f"**no** ({sampling['mismatched_subpixels']} of {n * 784} subpixels differ)"


def row(run, entry):
    nll, train, sampling = entry["test_nll"], entry["train"], entry["sampling"]
    backend = run["backend"] + ("" if run.get("complete") else " (incomplete run)")
    return "| " + " | ".join([
        MODEL_NAMES.get(entry["model"], entry["model"]),
        backend,
        f"{entry['parameters']:,}",
        f"{nll['nll_nats']:.1f} ± {nll['nll_nats_stderr']:.1f}",
        f"{nll['bits_per_dim']:.4f}",
        sig(train["images_per_s"]),
        sampling_cell(sampling["cached"]),
        sampling_cell(sampling["naive"]),
        equality_cell(sampling),
    ]) + " |"


def differing(runs, getter):
    values = {r["backend"]: getter(r) for r in runs}
    return values if len({json.dumps(v, sort_keys=True) for v in values.values()}) > 1 else None


def section(runs, report_command="python benchmarks/report.py"):
    first = runs[0]
    settings = first["settings"]
    lines = [BEGIN, "## Autoregressive models on binarized Fashion-MNIST", ""]

    drivers = {r.get("driver") for r in runs}
    lines += ["Produced by" + (":" if len(drivers) == 1 and None not in drivers else " (one command per backend):"),
              "", "```bash"]
    if len(drivers) == 1 and None not in drivers:
        lines += [drivers.pop(), "# which ran:"]
    lines += [r["command"] for r in runs] + [report_command, "```", ""]

    lines += [
        f"Budget: every model trains for {settings['steps']} Adam steps (learning rate "
        f"{settings['learning_rate']:g}) on batches of {settings['batch_size']} dynamically binarized "
        "training images, the same batches for every model and backend. Test NLL: exact, in nats per "
        f"image (± standard error) and bits/dim, on the first {settings['test_images']} test images "
        f"binarized once with NumPy seed 0. Train images/s: over the steps after {settings['warmup_steps']} "
        f"warm-up steps (so compilation is excluded). Sampling: {settings['sample_images']} images in one "
        "batch; samples/s from a second call with the same seed, the first call's time (which compiles) "
        "in brackets; cached = naive compares the two methods' samples for the same seed. A fair coin "
        "per pixel scores 543.4 nats, 1 bit/dim.",
        "",
    ]
    if any("skipped" in (e["sampling"]["naive"] or {}) for r in runs for e in r["models"]):
        caps = {str(r["settings"]["naive_max_seconds"]) for r in runs}
        cap = f"{caps.pop()} s" if len(caps) == 1 else "its run's value"
        lines += [
            "\"est.\": naive sampling was not run, as one call was estimated (784 forward passes of the "
            f"batch, timed) to take over --naive-max-seconds ({cap}); "
            f"samples/s is that estimate, and cached = naive was checked on {settings['check_images']} "
            "images instead.",
            "",
        ]
    lines += [
        "Models: " + "; ".join(
            f"{MODEL_NAMES.get(e['model'], e['model'])} "
            + ", ".join(f"{k} {v}" for k, v in e["config"].items() if v is not None and k != "kind")
            for e in first["models"]) + ".",
        "",
    ]
    budget = differing(runs, lambda r: {k: r["settings"].get(k) for k in BUDGET_KEYS})
    configs = differing(runs, lambda r: {e["model"]: e["config"] for e in r["models"]})
    if budget or configs:
        lines += ["**The runs do not share one budget**; rows of different backends do not compare:", ""]
        for name, values in (("settings", budget), ("model sizes", configs)):
            for backend, value in (values or {}).items():
                lines.append(f"- {backend} {name}: `{json.dumps(value, sort_keys=True)}`")
        lines.append("")

    lines += ["| Model | Backend | Parameters | Test NLL (nats) | bits/dim | Train images/s "
              "| Cached samples/s (1st call) | Naive samples/s (1st call) | Cached = naive (images) |",
              "|---|---|--:|--:|--:|--:|--:|--:|---|"]
    entries = [(r, e) for r in runs for e in r["models"]]
    rank = {m: i for i, m in enumerate(MODEL_ORDER)}
    backend_rank = {id(r): i for i, r in enumerate(runs)}
    entries.sort(key=lambda re: (rank.get(re[1]["model"], len(rank)), backend_rank[id(re[0])]))
    lines += [row(r, e) for r, e in entries]
    lines += ["", "Runs:", ""]
    for r in runs:
        versions = ", ".join(f"{k} {v}" for k, v in r["versions"].items())
        load = f"load average {r['load_average_at_start'][0]} at start"
        if "load_average_at_end" in r:
            load += f", {r['load_average_at_end'][0]} at end"
        threads = f", torch threads {r['torch_threads']}" if "torch_threads" in r else ""
        total = f", {r['total_seconds'] / 60:.0f} min" if "total_seconds" in r else ""
        lines.append(f"- {r['backend']}: {r['date']}{total}; {r['cpus_available']} of {r['cpu_count']} CPUs"
                     f"{threads}, {load}; {r['platform']}; {versions}.")
    lines += ["", END]
    return "\n".join(lines) + "\n"


def update(path, text):
    if os.path.exists(path):
        with open(path) as f:
            old = f.read()
        start, end = old.find(BEGIN), old.find(END)
        if start >= 0 and end > start:
            new = old[:start] + text + old[end + len(END):].lstrip("\n")
        else:
            new = old.rstrip("\n") + "\n\n" + text
    else:
        new = "# Benchmarks\n\n" + text
    with open(path, "w") as f:
        f.write(new)


def main(argv=None):
    args = parse_args(argv)
    runs = load_results(args.results)
    text = section(runs, "python " + " ".join(["benchmarks/report.py"] + list(
        argv if argv is not None else sys.argv[1:])))
    if args.stdout:
        sys.stdout.write(text)
    else:
        update(args.out, text)
        print(f"wrote the autoregressive table ({', '.join(r['backend'] for r in runs)}) to {args.out}")
    return text


if __name__ == "__main__":
    main()
