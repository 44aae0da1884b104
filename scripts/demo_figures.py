"""The README's demo figures: recorded from a run of scripts/demo.sh, written into README.md, and re-measured.

    bash scripts/demo.sh --out /tmp/demo --overwrite      # the demo (about 5 minutes on 2 CPU cores)
    python scripts/demo_figures.py record /tmp/demo       # its metrics.json -> benchmarks/results/demo.json, README
    python scripts/demo_figures.py check /tmp/demo        # a new run's figures against the recorded ones

`record` keeps the run's metrics.json (with the date and the machine) in
benchmarks/results/demo.json and rewrites README.md's "Measured here" table
between its markers. `check` compares a new run's test figures with the
recorded ones within TOLERANCE (relative): training on a CPU is not bit-for-bit
repeatable across runs, so a new run lands near the record, not on it; the
training time is not compared (the machine is shared). scripts/verify.sh runs
the demo and `check` under TensorFlow.
"""

import argparse
import datetime
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "benchmarks", "results", "demo.json")
README = os.path.join(ROOT, "README.md")
BEGIN = "<!-- demo:begin (written by scripts/demo_figures.py record from benchmarks/results/demo.json; do not edit) -->"
END = "<!-- demo:end -->"
TOLERANCE = 0.01
# (label, path into metrics.json) of the figures `check` re-measures.
CHECKED = [("negative ELBO, nats", ("test", "negative_elbo_nats")),
           ("importance-weighted NLL, nats", ("test_nll", "nll_nats"))]


def _get(metrics, path):
    for key in path:
        metrics = metrics[key]
    return float(metrics)


def _read(folder):
    path = os.path.join(folder, "metrics.json")
    if not os.path.isfile(path):
        sys.exit(f"error: {path} does not exist; run bash scripts/demo.sh --out {folder} first")
    with open(path) as f:
        return json.load(f)


def section(run):
    t, n = run["test"], run["test_nll"]
    return "\n".join([
        BEGIN,
        f"`{run['command']}` ({run['backend']}, {run['epochs']} epochs, latent {run['latent_dim']}) on a "
        f"{run['machine']['cpus']}-core CPU machine with no GPU, {run['date']}. Training images are binarized "
        "afresh every epoch; the test images once, with NumPy seed 0. Its `metrics.json` said:",
        "",
        "| test metric | value |",
        "|---|---|",
        f"| negative ELBO, {t['num_images']:,} test images | {t['negative_elbo_nats']:.1f} nats "
        f"({t['negative_elbo_bits_per_dim']:.3f} bits/dim): reconstruction {t['reconstruction_nats']:.1f} + KL "
        f"{t['kl_nats']:.1f} |",
        f"| importance-weighted NLL (K = {n.get('num_samples', '?')}), first {n.get('num_images', '?'):,} test "
        f"images | {n['nll_nats']:.1f} ± {n.get('nll_nats_stderr', float('nan')):.1f} nats "
        f"({n['bits_per_dim']:.3f} bits/dim) |",
        f"| training time, {run['epochs']} epochs | {run['train_seconds']:.0f} s |",
        "",
        f"`python scripts/demo_figures.py check DIR` compares a new run's negative ELBO and NLL with these within "
        f"{TOLERANCE:.0%} (`bash scripts/verify.sh` runs the demo and the check).",
        END])


def record(folder):
    run = _read(folder)
    run["date"] = datetime.date.today().isoformat()
    run["machine"] = {"cpus": os.cpu_count()}
    with open(RESULTS, "w") as f:
        json.dump(run, f, indent=1)
        f.write("\n")
    with open(README) as f:
        text = f.read()
    if BEGIN.split(" (")[0] not in text or END not in text:
        sys.exit(f"error: README.md has no {BEGIN.split(' (')[0]} ... {END} markers")
    start = text.index(BEGIN.split(" (")[0])
    with open(README, "w") as f:
        f.write(text[:start] + section(run) + text[text.index(END) + len(END):])
    print(f"wrote {os.path.relpath(RESULTS, ROOT)} and README.md's demo table")


def check(folder):
    with open(RESULTS) as f:
        recorded = json.load(f)
    run = _read(folder)
    failed = 0
    for label, path in CHECKED:
        a, b = _get(recorded, path), _get(run, path)
        ok = abs(b - a) <= TOLERANCE * abs(a)
        failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {label}: recorded {a:.2f}, measured {b:.2f} "
              f"({(b - a) / a:+.2%}, tolerance {TOLERANCE:.0%})")
    return 1 if failed else 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("action", choices=("record", "check"), help="record a run's figures, or check a run against them")
    p.add_argument("folder", help="the demo's output folder (holding metrics.json)")
    args = p.parse_args(argv)
    if args.action == "record":
        record(args.folder)
        return 0
    return check(args.folder)


if __name__ == "__main__":
    sys.exit(main())
