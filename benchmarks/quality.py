"""Sample quality and likelihood of kerasgen's recipes beside the peers a user would train instead, same budget.

Each pair trains, on the same Fashion-MNIST training images, the same batches
(`kerasgen.data.pipeline`: one seed, the same order and the same fresh
binarization every epoch for both), the same number of steps, kerasgen's
model as its zoo recipe builds it and a plain re-implementation of the peer
(benchmarks/peers/), and measures both on the same test images at each
checkpoint epoch (the budgets):

- ``pixelcnn``: the zoo's Gated PixelCNN recipe against the keras-io PixelCNN
  (benchmarks/peers/keras_io_pixelcnn.py, Keras' own `fit`, binary
  cross-entropy, Adam 5e-4): exact test NLL, nats an image and bits a
  dimension, on the first --test-images test images binarized once with
  NumPy seed 0 (as the zoo's headlines are).

A run is long (each epoch is the whole training split): it runs one pair at a
time, writes the JSON after every checkpoint, and resumes a stopped run from
the last finished epoch of each contestant (`keras.callbacks.BackupAndRestore`
in --work). `--report` writes BENCHMARKS.md's quality section from the JSON.

    python benchmarks/quality.py --pairs pixelcnn --checkpoints 1 10
    python benchmarks/quality.py --pairs pixelcnn --checkpoints 1 --train-images 2560 --out /tmp/q.json  # a smoke run
    python benchmarks/quality.py --report
"""

import argparse
import datetime
import json
import math
import os
import platform
import sys
import time

from sections import write_or_say  # benchmarks/sections.py, beside this script

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "benchmarks", "results", "quality.json")
BEGIN = ("<!-- quality:begin (written by benchmarks/quality.py --report from benchmarks/results/quality.json; "
         "do not edit) -->")
END = "<!-- quality:end -->"
PAIRS = {"pixelcnn": ("gated_pixelcnn", "keras_io_pixelcnn")}


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--pairs", nargs="+", default=list(PAIRS), choices=PAIRS, help="pairs to train (default: all)")
    p.add_argument("--checkpoints", nargs="+", type=int, default=[1, 10],
                   help="epochs after which both are measured: the budgets (default: 1 10)")
    p.add_argument("--batch-size", type=int, default=128, help="images a step, for both (default: 128)")
    p.add_argument("--train-images", type=int, default=None,
                   help="train on the first N training images only (default: all 60000)")
    p.add_argument("--test-images", type=int, default=1000, help="test images measured (default: 1000)")
    p.add_argument("--seed", type=int, default=0, help="the data's and the models' seed (default: 0)")
    p.add_argument("--work", default=os.path.join(ROOT, "build", "quality"),
                   help="folder for the resumable backups (default: build/quality)")
    p.add_argument("--out", default=RESULTS, help=f"results JSON (default: {os.path.relpath(RESULTS, ROOT)})")
    p.add_argument("--report", action="store_true", help="write BENCHMARKS.md's section from --out")
    p.add_argument("--benchmarks-md", default=os.path.join(ROOT, "BENCHMARKS.md"), help="the file --report writes")
    args = p.parse_args(argv)
    for key in ("batch_size", "test_images"):
        if getattr(args, key) < 1:
            p.error(f"--{key.replace('_', '-')} must be a positive integer; got {getattr(args, key)}")
    if any(c < 1 for c in args.checkpoints):
        p.error(f"--checkpoints must be positive epoch counts; got {args.checkpoints}")
    args.checkpoints = sorted(set(args.checkpoints))
    return args


def _contestants(pair, args):
    """(name, model, what it is) for both contestants of a pair, built and compiled from the seed."""
    import keras

    from kerasgen import recipes
    from kerasgen.presets import compile_from_recipe

    family, peer = PAIRS[pair]
    recipe = recipes.get_recipe(family)
    keras.utils.set_random_seed(args.seed)
    mine = recipes.build_model(recipe)
    compile_from_recipe(mine, recipe)
    from peers.keras_io_pixelcnn import compile_like_keras_io, keras_io_pixelcnn

    keras.utils.set_random_seed(args.seed)
    theirs = compile_like_keras_io(keras_io_pixelcnn(mine.image_shape))
    return [("kerasgen", mine, f"kerasgen {type(mine).__name__}, the zoo's {family} recipe "
                                f"({json.dumps(recipe['model']['config'], sort_keys=True)}, Adam "
                                f"{recipe['train']['learning_rate']})"),
            ("peer", theirs, "the keras-io PixelCNN (128 filters, 5 residual blocks, Adam 5e-4), Keras' fit")]


def _nll(name, model, x):
    """Test NLL in nats an image, exact for both PixelCNNs."""
    import numpy as np

    if name == "kerasgen":
        return float(np.mean(-model.log_prob(x)))
    from peers.keras_io_pixelcnn import nll_nats

    return nll_nats(model, x)


def run_pair(pair, args, result):
    import keras

    from kerasgen.data import ImageFormat, load, pipeline
    from kerasgen.data.pipelines import steps_per_epoch as epoch_steps

    fmt = ImageFormat.get("binary")  # the zoo's: a fresh Bernoulli(x / 255) draw every epoch
    x_train, _ = load("fashion_mnist", split="train")
    if args.train_images:
        x_train = x_train[: args.train_images]
    x_test = fmt.convert(load("fashion_mnist", split="test")[0][: args.test_images], seed=0)
    dims = math.prod(x_test.shape[1:])
    for name, model, what in _contestants(pair, args):
        backup = os.path.join(args.work, pair, name)
        first_epoch = 0  # a resumed run draws epoch e's batches from the seed and e alone, as recipes.train does
        if os.path.isfile(os.path.join(backup, "training_metadata.json")):
            with open(os.path.join(backup, "training_metadata.json")) as f:
                first_epoch = int(json.load(f)["epoch"])
        data = pipeline(x_train, batch_size=args.batch_size, image_format=fmt, seed=args.seed, drop_remainder=True,
                        first_epoch=first_epoch)
        steps = epoch_steps(data)
        if name == "peer":  # Keras' fit with a loss: the images are their own targets
            data = data.map(lambda x: (x, x))
        run = next((r for r in result["runs"] if r["pair"] == pair and r["contestant"] == name), None)
        if run is None:
            run = {"pair": pair, "contestant": name, "what": what, "checkpoints": {}, "train_seconds": 0.0}
            result["runs"].append(run)
        measured = set(run["checkpoints"])

        class Measure(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                self.start = time.time()

            def on_epoch_end(self, epoch, logs=None):
                run["train_seconds"] = round(run["train_seconds"] + time.time() - self.start, 1)
                if epoch + 1 in args.checkpoints and str(epoch + 1) not in measured:
                    nll = _nll(name, model, x_test)
                    run["checkpoints"][str(epoch + 1)] = {
                        "nll_nats": round(nll, 3), "bits_per_dim": round(nll / (dims * math.log(2)), 4),
                        "train_seconds": run["train_seconds"], "train_loss": float(logs.get("loss", float("nan")))}
                    print(f"{pair} {name} epoch {epoch + 1}: {nll:.2f} nats", flush=True)
                run["epochs_done"] = epoch + 1
                _save(args.out, result)  # every epoch: a run stopped later keeps its training seconds

        model.fit(data, epochs=max(args.checkpoints), steps_per_epoch=steps, verbose=0,
                  callbacks=[keras.callbacks.BackupAndRestore(backup, delete_checkpoint=False), Measure()])


def _save(path, result):
    result["machine"]["load_average_at_end"] = round(os.getloadavg()[0], 2)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path + ".tmp", "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    os.replace(path + ".tmp", path)


def drive(args):
    sys.path[:0] = [ROOT, os.path.join(ROOT, "benchmarks")]
    import keras

    result = None
    if os.path.isfile(args.out):
        with open(args.out) as f:
            old = json.load(f)
        same = {k: v for k, v in old.get("settings", {}).items() if k != "checkpoints"}
        if same == {k: v for k, v in _settings(args).items() if k != "checkpoints"}:
            result = old  # a stopped run of the same data and sizes: go on (more checkpoints may be asked)
            result["settings"]["checkpoints"] = sorted(set(old["settings"]["checkpoints"]) | set(args.checkpoints))
    if result is None:
        result = {"benchmark": "quality", "settings": _settings(args),
                  "command": " ".join(["python benchmarks/quality.py"] + sys.argv[1:]),
                  "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                  "backend": keras.backend.backend(),
                  "versions": {"keras": keras.__version__,
                               keras.backend.backend(): __import__(keras.backend.backend()).__version__},
                  "machine": {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine(),
                              "load_average_at_start": round(os.getloadavg()[0], 2)},
                  "runs": []}
    for pair in args.pairs:
        run_pair(pair, args, result)
    _save(args.out, result)


def _settings(args):
    return {"checkpoints": args.checkpoints, "batch_size": args.batch_size, "train_images": args.train_images,
            "test_images": args.test_images, "seed": args.seed}


def section(result):
    s = result["settings"]
    split = f"first {s['train_images']} images of the" if s["train_images"] else "whole"
    lines = [BEGIN, "## kerasgen beside the peers, same data and budget", "",
             f"Written by `{result['command']}` (started {result['date'][:10]}, {result['backend']}): each pair "
             f"trained on the same {split} Fashion-MNIST training split, freshly binarized each epoch from seed {s['seed']}, batch "
             f"{s['batch_size']}, the same steps; measured after {', '.join(map(str, s['checkpoints']))} "
             f"epoch(s) on the first {s['test_images']} test images (binarized once, NumPy seed 0). Machine: "
             f"{result['machine']['cpus']} CPUs, no GPU.", "",
             "The contestants: " + "; ".join(f"{r['pair']} {r['contestant']}: {r['what']}" for r in result["runs"])
             + ".", "",
             "| pair | contestant | epochs | test NLL, nats | bits/dim | training seconds |",
             "|---|---|---:|---:|---:|---:|"]
    for run in result["runs"]:
        for epochs, m in sorted(run["checkpoints"].items(), key=lambda kv: int(kv[0])):
            lines.append(f"| {run['pair']} | {run['contestant']} | {epochs} | {m['nll_nats']:.2f} | "
                         f"{m['bits_per_dim']:.4f} | {m['train_seconds']:.0f} |")
    verdicts = []
    by = {(r["pair"], r["contestant"]): r["checkpoints"] for r in result["runs"]}
    for pair in PAIRS:
        mine, theirs = by.get((pair, "kerasgen"), {}), by.get((pair, "peer"), {})
        for epochs in sorted(set(mine) & set(theirs), key=int):
            a, b = mine[epochs]["nll_nats"], theirs[epochs]["nll_nats"]
            verdicts.append(f"{pair} after {epochs} epoch(s): kerasgen {'beats' if a < b else 'does not beat'} the "
                            f"peer ({a:.2f} vs {b:.2f} nats)")
    if verdicts:
        lines += ["", "; ".join(verdicts) + "."]
    lines += ["", END]
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if not args.report:
        drive(args)
    write_or_say(args, RESULTS, BEGIN, END, section, "quality")


if __name__ == "__main__":
    main()
