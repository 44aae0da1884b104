"""Where PyTorch's cached sampling spends its time: a profile, split into torch's kernels and Python.

Under PyTorch the sampling loop is a Python loop of eager operations (the
other backends compile it into one XLA program), so its speed is set by the
cost of issuing each small operation. This script draws --images images
from each default autoregressive model (28x28x1, Bernoulli) with
`method="cached"` under `cProfile`, once after a warm-up call, and splits the
profiled time into the time spent inside torch's own functions and methods
(the work, and torch's own dispatch) and the rest: Python, almost all of it
Keras' `keras.ops` layer (argument conversion, dtype checks, the search for
symbolic tensors) and kerasgen's loop. cProfile slows Python down more
than it slows C, so the split overstates the Python share somewhat; the
unprofiled seconds are given beside it.

    python benchmarks/profile_sampling.py            # measure, write the JSON and BENCHMARKS.md's section
    python benchmarks/profile_sampling.py --report   # BENCHMARKS.md's section from the JSON

Run it on an otherwise idle machine.
"""

import argparse
import cProfile
import datetime
import json
import os
import platform
import pstats
import sys
import time

from sections import write_report  # benchmarks/sections.py, beside this script

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "benchmarks", "results", "sampling_profile.json")
BEGIN = ("<!-- profile:begin (written by benchmarks/profile_sampling.py --report from "
         "benchmarks/results/sampling_profile.json; do not edit) -->")
END = "<!-- profile:end -->"
MODELS = ("PixelCNN", "GatedPixelCNN", "PixelRNN")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--images", type=int, default=8, help="images a sampling call draws (default: 8)")
    p.add_argument("--out", default=RESULTS, help=f"results JSON (default: {os.path.relpath(RESULTS, ROOT)})")
    p.add_argument("--report", action="store_true", help="write BENCHMARKS.md's section from --out")
    p.add_argument("--benchmarks-md", default=os.path.join(ROOT, "BENCHMARKS.md"), help="the file --report writes")
    args = p.parse_args(argv)
    if args.images < 1:
        p.error(f"--images must be a positive integer; got {args.images}")
    return args


def _in_torch(key):
    """Whether a pstats entry is one of torch's C functions or methods."""
    filename, _, name = key
    return filename == "~" and ("torch" in name or "TensorBase" in name)


def measure(args):
    os.environ["KERAS_BACKEND"] = "torch"
    sys.path.insert(0, ROOT)
    import keras
    import torch

    from kerasgen import models

    result = {"benchmark": "sampling_profile", "command": "python benchmarks/profile_sampling.py "
              + " ".join(sys.argv[1:]), "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
                  timespec="seconds"), "images": args.images,
              "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                          "load_average_at_start": [round(v, 2) for v in os.getloadavg()]},
              "versions": {"keras": keras.__version__, "torch": torch.__version__}, "models": {}}
    for name in MODELS:
        keras.utils.set_random_seed(0)
        model = getattr(models, name)()
        model.sample(args.images, seed=0, batch_size=args.images)  # warm-up
        start = time.perf_counter()
        model.sample(args.images, seed=0, batch_size=args.images)
        plain = time.perf_counter() - start
        profile = cProfile.Profile()
        profile.enable()
        model.sample(args.images, seed=0, batch_size=args.images)
        profile.disable()
        stats = pstats.Stats(profile).stats  # {key: (calls, primitive calls, tottime, cumtime, callers)}
        total = sum(v[2] for v in stats.values())
        in_torch = sum(v[2] for k, v in stats.items() if _in_torch(k))
        top = sorted(stats.items(), key=lambda kv: -kv[1][2])[:8]
        h, w, c = model.image_shape
        result["models"][name] = {
            "seconds": round(plain, 3), "profiled_seconds": round(total, 3),
            "torch_share": round(in_torch / total, 3), "subpixels": h * w * c,
            "calls_per_subpixel": round(sum(v[1] for v in stats.values()) / (h * w * c), 1),
            "top": [{"function": f"{os.path.relpath(k[0], ROOT) if k[0] != '~' else ''}:{k[1]}({k[2]})",
                     "seconds": round(v[2], 3), "calls": v[1]} for k, v in top],
        }
        print(name, result["models"][name]["seconds"], "s;", f"{in_torch / total:.0%} in torch", flush=True)
    result["machine"]["load_average_at_end"] = [round(v, 2) for v in os.getloadavg()]
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    return result


def section(result):
    lines = [BEGIN, "## Where PyTorch's cached sampling spends its time", "",
             f"Written by `{result['command'].strip()}` on {result['date'][:10]}: {result['images']} images "
             f"a call from each default model, profiled with cProfile after a warm-up call; "
             f"{result['machine']['cpus']} CPUs, load average {result['machine']['load_average_at_start'][0]} "
             f"at the start; keras {result['versions']['keras']}, torch {result['versions']['torch']}. "
             "\"In torch\": time inside torch's own C functions and methods; the rest is Python, "
             "mostly Keras' `keras.ops` layer around each operation. cProfile slows Python more than C, "
             "so the Python share is somewhat overstated.", "",
             "| model | seconds a call (unprofiled) | function calls a subpixel | share in torch | "
             "largest single cost |", "|---|---:|---:|---:|---|"]
    for name, m in result["models"].items():
        top = m["top"][0]
        lines.append(f"| {name} | {m['seconds']:.2f} | {m['calls_per_subpixel']:,.0f} | {m['torch_share']:.0%} | "
                     f"`{top['function']}` {top['seconds']:.2f} s of {m['profiled_seconds']:.2f} s |")
    return "\n".join(lines + ["", END])


def report(args):
    write_report(args.out, args.benchmarks_md, BEGIN, END, section, "profile")


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if not args.report:
        measure(args)
    report(args)


if __name__ == "__main__":
    main()
