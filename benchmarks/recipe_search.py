"""Pilot runs that choose a zoo recipe: variants of a family's recipe trained side by side, headline at each epoch.

Each variant is the family's recipe (`kerasgen.recipes.RECIPES`) with a JSON
override merged in (nested dicts merge key by key), trained by
`kerasgen.recipes.train` (the function `kerasgen train` runs, so the same
data, batches and seed as the preset would get) into ``--work/FAMILY/NAME``
for --epochs epochs. After training, the checkpoint of each --measure epoch
is loaded and the recipe's headline measured on it (the same test images,
samples and seeds as the preset's headline). Training seconds per epoch come
from the run's log. A stopped search resumes: a finished variant is not
trained again, an unfinished one continues from its last epoch.

Results go to benchmarks/results/recipe_search.json, one entry per (family,
variant, epoch); `--report` writes BENCHMARKS.md's "recipe-search" section,
which says which variant each zoo recipe took and why.

    python benchmarks/recipe_search.py dcgan --epochs 4 --measure 2 4 \\
        --variant base32 '{}' --variant base64 '{"model": {"config": {"base_filters": 64}}}'
    python benchmarks/recipe_search.py --report
"""

import argparse
import copy
import csv
import datetime
import json
import os
import sys
import time

from sections import write_or_say  # benchmarks/sections.py, beside this script

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "benchmarks", "results", "recipe_search.json")
BEGIN = ("<!-- recipe-search:begin (written by benchmarks/recipe_search.py --report from "
         "benchmarks/results/recipe_search.json; do not edit) -->")
END = "<!-- recipe-search:end -->"


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("family", nargs="?", help="the recipe family to vary (kerasgen.recipes.families())")
    p.add_argument("--variant", nargs=2, action="append", default=[], metavar=("NAME", "JSON"),
                   help="a variant: its name and the JSON merged into the family's recipe (repeatable)")
    p.add_argument("--epochs", type=int, default=None, help="epochs each variant trains (default: the recipe's)")
    p.add_argument("--measure", nargs="+", type=int, default=None,
                   help="epochs whose checkpoints are measured (default: the last)")
    p.add_argument("--work", default=os.path.join(ROOT, "build", "search"),
                   help="folder of the variants' runs (default: build/search)")
    p.add_argument("--out", default=RESULTS, help=f"results JSON (default: {os.path.relpath(RESULTS, ROOT)})")
    p.add_argument("--report", action="store_true", help="write BENCHMARKS.md's section from --out")
    p.add_argument("--benchmarks-md", default=os.path.join(ROOT, "BENCHMARKS.md"), help="the file --report writes")
    args = p.parse_args(argv)
    if not args.report:
        if not args.family or not args.variant:
            p.error("give a family and at least one --variant NAME JSON (or --report)")
        for name, text in args.variant:
            try:
                override = json.loads(text)
            except ValueError as err:
                p.error(f"--variant {name}: JSON expected, got {text!r} ({err})")
            if not isinstance(override, dict):
                p.error(f"--variant {name}: a JSON object expected, got {text!r}")
        if args.epochs is not None and args.epochs < 1:
            p.error(f"--epochs must be a positive integer; got {args.epochs}")
    return args


def merged(base, override):
    """`base` with `override` merged in: dicts key by key, anything else replaced."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        out[key] = merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def epoch_seconds(out):
    """Seconds of each epoch of a run, from the gaps between its checkpoint files' times."""
    folder = os.path.join(out, "checkpoints")
    times = sorted(os.path.getmtime(os.path.join(folder, f)) for f in os.listdir(folder))
    return [round(b - a, 1) for a, b in zip(times, times[1:])]


def measure_epoch(recipe, out, epoch):
    from kerasgen import recipes

    model = recipes.build_model(recipe)
    model.load_weights(os.path.join(out, "checkpoints", f"epoch_{epoch:03d}.weights.h5"))
    return recipes.measure(model, recipe)


def search(args):
    import keras

    from kerasgen import recipes

    result = {"benchmark": "recipe_search", "runs": []}
    if os.path.isfile(args.out):
        with open(args.out) as f:
            result = json.load(f)
    base = recipes.get_recipe(args.family)
    epochs = args.epochs or base["train"]["epochs"]
    measure_at = sorted(set(args.measure or [epochs]))
    for name, text in args.variant:
        recipe = merged(base, json.loads(text))
        recipe["train"]["epochs"] = epochs
        out = os.path.join(args.work, args.family, name)
        done = os.path.isfile(os.path.join(out, "run.json")) and json.load(open(os.path.join(out, "run.json")))["finished"]
        start = time.time()
        if not done:
            print(f"=== {args.family} {name}: {epochs} epochs ({time.strftime('%H:%M:%S')})", flush=True)
            recipes.train(recipe, out, verbose=0, grid_images=16, command=f"recipe_search {args.family} {name}")
        with open(os.path.join(out, "log.csv")) as f:
            log = list(csv.DictReader(f))
        for epoch in measure_at:
            metrics = measure_epoch(recipe, out, epoch)
            head = recipe["headline"]["metric"]
            entry = {"family": args.family, "variant": name, "override": json.loads(text), "epoch": epoch,
                     "epochs_trained": epochs, "headline": {"metric": head, "value": metrics.get(head)},
                     "metrics": {k: v for k, v in metrics.items() if isinstance(v, (int, float))},
                     "train_loss": {k: float(v) for k, v in log[epoch - 1].items() if k != "epoch" and v != "NA"},
                     "date": datetime.date.today().isoformat(), "backend": keras.backend.backend(),
                     # what was trained, so a reader can tell whether a run is the zoo's recipe of the day
                     "model": recipe["model"], "train": recipe["train"]}
            seconds = epoch_seconds(out)
            if seconds:
                entry["median_epoch_seconds"] = sorted(seconds)[len(seconds) // 2]
            result["runs"] = [r for r in result["runs"]
                              if (r["family"], r["variant"], r["epoch"]) != (args.family, name, epoch)] + [entry]
            print(f"{args.family} {name} epoch {epoch}: {head} = {metrics.get(head)}", flush=True)
        with open(args.out + ".tmp", "w") as f:
            json.dump(result, f, indent=1)
            f.write("\n")
        os.replace(args.out + ".tmp", args.out)
        print(f"  ({time.time() - start:.0f} s)", flush=True)


def section(result):
    lines = [BEGIN, "## Choosing the zoo's recipes", "",
             "Written by `benchmarks/recipe_search.py --report`: pilot runs of variants of a family's recipe, each "
             "trained by `kerasgen.recipes.train` on the full Fashion-MNIST training split (TensorFlow, 2 CPU cores) "
             "and measured with the preset's own headline on its checkpoints. The zoo recipe took the variant "
             "named in `kerasgen/recipes.py`'s comment beside it. Each run records the model and training settings it "
             "used; where a literature ordering does not hold at a preset's budget, zoo/README.md cites the runs of "
             "that preset's own settings trained for more epochs. Seconds an epoch: the median gap between "
             "checkpoint files (an epoch and its sample grid), a guide to cost only: these pilots were not "
             "timed alone on the machine (short tests and smoke runs shared it at times).", "",
             "| family | variant | override | epoch | headline | seconds an epoch |", "|---|---|---|---:|---:|---:|"]
    for r in sorted(result["runs"], key=lambda r: (r["family"], r["variant"], r["epoch"])):
        value = r["headline"]["value"]
        lines.append(f"| {r['family']} | {r['variant']} | `{json.dumps(r['override'])}` | {r['epoch']} | "
                     f"{r['headline']['metric']} = {value:.4g} | {r.get('median_epoch_seconds', float('nan')):.0f} |"
                     if value is not None else
                     f"| {r['family']} | {r['variant']} | `{json.dumps(r['override'])}` | {r['epoch']} | - | - |")
    lines += ["", END]
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    sys.path[:0] = [ROOT, os.path.join(ROOT, "benchmarks")]
    if not args.report:
        search(args)
    write_or_say(args, RESULTS, BEGIN, END, section, "recipe_search")


if __name__ == "__main__":
    main()
