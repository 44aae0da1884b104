"""Where a PyTorch training epoch of kerasgen spends its time beside the hand-written PyTorch loop.

For the models that benchmarks/speed.py races against a hand-written PyTorch
loop (VAE, PixelCNN; the DCGAN's loop does less work a step), one epoch of
each contestant under `torch.profiler` (after a warm-up epoch), on the same
network, images and batches as speed.py, and the operators' own CPU time
summed into groups: convolutions (forward and backward), copies (`copy_`,
`clone`: what turns a permuted, channels-last tensor into a contiguous one),
element-wise and the rest. The difference between the contestants is where
kerasgen loses time.

    python benchmarks/profile_torch.py                # measure, write the JSON and BENCHMARKS.md's section
    python benchmarks/profile_torch.py --report       # the section from the JSON
"""

import argparse
import datetime
import json
import os
import platform
import sys
import time

from sections import write_report  # benchmarks/sections.py, beside this script

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "benchmarks", "results", "torch_profile.json")
BEGIN = ("<!-- torch-profile:begin (written by benchmarks/profile_torch.py --report from "
         "benchmarks/results/torch_profile.json; do not edit) -->")
END = "<!-- torch-profile:end -->"
MODELS = ("vae", "pixelcnn")
GROUPS = {
    "convolutions": ("aten::mkldnn_convolution", "aten::convolution_backward", "aten::_slow_conv2d_forward",
                     "aten::_slow_conv2d_backward", "aten::thnn_conv2d"),
    "copies": ("aten::copy_", "aten::clone", "aten::contiguous"),
}


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--images", type=int, default=1280, help="training images an epoch (default: 1280)")
    p.add_argument("--batch-size", type=int, default=128, help="images a step (default: 128)")
    p.add_argument("--out", default=RESULTS, help=f"results JSON (default: {os.path.relpath(RESULTS, ROOT)})")
    p.add_argument("--report", action="store_true", help="write BENCHMARKS.md's section from --out")
    p.add_argument("--benchmarks-md", default=os.path.join(ROOT, "BENCHMARKS.md"), help="the file --report writes")
    args = p.parse_args(argv)
    if args.images < args.batch_size or args.batch_size < 1:
        p.error(f"--images ({args.images}) must hold at least one --batch-size ({args.batch_size}) batch")
    return args


def _group(name):
    for group, names in GROUPS.items():
        if name in names:
            return group
    return "other"


def measure(args):
    os.environ["KERAS_BACKEND"] = "torch"
    sys.path[:0] = [ROOT, os.path.join(ROOT, "benchmarks")]
    import keras
    import torch
    from torch.profiler import ProfilerActivity, profile

    import speed  # its contestants: the same networks, images and batches

    x = speed._images(args.images)
    x = x[: len(x) // args.batch_size * args.batch_size]
    result = {"benchmark": "torch_profile", "command": " ".join(["python benchmarks/profile_torch.py"] + sys.argv[1:]),
              "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "machine": {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine(),
                          "load_average_at_start": round(os.getloadavg()[0], 2)},
              "versions": {"keras": keras.__version__, "torch": torch.__version__},
              "images": len(x), "batch_size": args.batch_size, "runs": []}
    for model in MODELS:
        for contestant in ("kerasgen", "torch_loop"):
            epoch = speed._runner(model, contestant, x, args.batch_size, 8)
            epoch()  # warm-up
            start = time.perf_counter()
            epoch()
            seconds = time.perf_counter() - start
            with profile(activities=[ProfilerActivity.CPU]) as prof:
                epoch()
            groups, top = {}, []
            for event in prof.key_averages():
                ms = event.self_cpu_time_total / 1000.0
                groups[_group(event.key)] = groups.get(_group(event.key), 0.0) + ms
                top.append((ms, event.key, event.count))
            top.sort(reverse=True)
            result["runs"].append({"model": model, "contestant": contestant, "epoch_seconds": round(seconds, 3),
                                   "self_cpu_ms": {k: round(v, 1) for k, v in groups.items()},
                                   "top": [{"op": k, "ms": round(ms, 1), "calls": n} for ms, k, n in top[:6]]})
            print(model, contestant, f"{seconds:.2f} s", {k: round(v) for k, v in groups.items()}, flush=True)
    result["machine"]["load_average_at_end"] = round(os.getloadavg()[0], 2)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")


def section(result):
    lines = [BEGIN, "## Where a PyTorch training epoch goes, beside the hand-written loop", "",
             f"Written by `{result['command']}` on {result['date'][:10]}: one epoch of {result['images']} "
             f"Fashion-MNIST images, batch {result['batch_size']}, of kerasgen's model (`fit`, Keras' PyTorch "
             "backend) and of the hand-written PyTorch loop on the same network (benchmarks/speed.py's "
             "contestants), under `torch.profiler` after a warm-up epoch; each operator's own CPU time, summed "
             f"by group (ms, all threads). Machine: {result['machine']['cpus']} CPUs, no GPU, load average "
             f"{result['machine']['load_average_at_start']} at the start; keras {result['versions']['keras']}, "
             f"torch {result['versions']['torch']}.", "",
             "| model | contestant | epoch, s (unprofiled) | convolutions, ms | copies, ms | other, ms |",
             "|---|---|---:|---:|---:|---:|"]
    for run in result["runs"]:
        g = run["self_cpu_ms"]
        lines.append(f"| {run['model']} | {run['contestant']} | {run['epoch_seconds']:.2f} | "
                     f"{g.get('convolutions', 0):,.0f} | {g.get('copies', 0):,.0f} | {g.get('other', 0):,.0f} |")
    by = {(r["model"], r["contestant"]): r["self_cpu_ms"] for r in result["runs"]}
    notes = []
    for model in MODELS:
        mine, theirs = by.get((model, "kerasgen")), by.get((model, "torch_loop"))
        if mine and theirs:
            diff = {g: mine.get(g, 0) - theirs.get(g, 0) for g in ("copies", "convolutions", "other")}
            total = sum(diff.values())
            notes.append(f"{model}: kerasgen's epoch spends {abs(total):,.0f} ms {'more' if total >= 0 else 'less'} "
                         "operator time than the loop's (" + ", ".join(f"{g} {v:+,.0f} ms" for g, v in diff.items())
                         + ")")
    lines += ["", "; ".join(notes) + ". Keras' PyTorch backend keeps tensors channels-last and permutes them "
              "to PyTorch's channels-first convolutions and back; the copies that make the permuted tensors "
              "contiguous are the time the hand-written loop, channels-first throughout, does not spend.", "", END]
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if not args.report:
        measure(args)
    write_report(args.out, args.benchmarks_md, BEGIN, END, section, "PyTorch profile")


if __name__ == "__main__":
    main()
