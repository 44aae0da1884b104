"""The `kerasgen` command (also `python -m kerasgen`): list, info, train, sample, evaluate.

    kerasgen list
    kerasgen info vae_fashion_mnist
    kerasgen train vae --dataset fashion_mnist --epochs 2 --out runs/vae
    kerasgen sample conditional_gan_fashion_mnist --num 64 --out grid.png --label 3
    kerasgen evaluate gated_pixelcnn_fashion_mnist --dataset fashion_mnist --json eval.json

Nothing that exists is replaced unless --overwrite is given.
"""

import argparse
import json
import os
import shlex
import sys

DATASETS = ("fashion_mnist",)


def _parser():
    parser = argparse.ArgumentParser(prog="kerasgen", description="Classic deep generative models for Keras 3.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("list", help="list the built-in presets")
    p.add_argument("--family", help="only this family's presets")
    p.add_argument("--markdown", action="store_true", help="a markdown table (zoo/README.md)")
    p = sub.add_parser("info", help="describe a preset")
    p.add_argument("preset", help="preset name or folder")
    p = sub.add_parser("train", help="train a family's recipe (or a preset's) into a new preset")
    p.add_argument("recipe", metavar="FAMILY_OR_PRESET")
    p.add_argument("--dataset", default="fashion_mnist", help="only fashion_mnist for now")
    p.add_argument("--epochs", type=int, help="default: the recipe's")
    p.add_argument("--out", help="run folder (default runs/FAMILY_OR_PRESET)")
    p.add_argument("--preset-dir", help="where the preset goes (default OUT/preset)")
    p.add_argument("--steps-per-epoch", type=int, help="cut each epoch short (a smoke run)")
    p.add_argument("--test-images", type=int, help="measure the headline on at most this many test images")
    p.add_argument("--data-dir", help="folder searched first for the dataset files")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--overwrite", action="store_true",
                   help="start again in an --out that holds a finished or another run, and replace the files of "
                        "an existing --preset-dir (only the files a run writes are replaced)")
    p.add_argument("--resume", action="store_true",
                   help="continue the unfinished run in --out, and fail if there is none (without this flag an "
                        "unfinished run of the same arguments is resumed too)")
    p = sub.add_parser("sample", help="write a grid of samples from a preset")
    p.add_argument("preset", metavar="PRESET_OR_DIR")
    p.add_argument("--num", type=int, default=64)
    p.add_argument("--out", required=True, help="PNG file to write")
    p.add_argument("--label", type=int, help="class id, for conditional models")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--overwrite", action="store_true")
    p = sub.add_parser("evaluate", help="measure a preset on the test set (table + JSON)")
    p.add_argument("preset", metavar="PRESET_OR_DIR")
    p.add_argument("--dataset", default="fashion_mnist")
    p.add_argument("--test-images", type=int, default=1000)
    p.add_argument("--metrics", nargs="+", help="default: everything that applies")
    p.add_argument("--num-samples", type=int, default=1000, help="generated images for sample quality")
    p.add_argument("--json", help="file to write (default evaluation_<preset>.json)")
    p.add_argument("--data-dir")
    p.add_argument("--overwrite", action="store_true")
    return parser


def _positive(parser, value, flag):
    if value is not None and value < 1:
        parser.error(f"{flag} must be a positive integer; got {value}")


def _check_dataset(parser, name):
    if name not in DATASETS:
        parser.error(f"--dataset must be one of {', '.join(DATASETS)}; got {name!r}")


def _size(path):
    return sum(os.path.getsize(os.path.join(path, f)) for f in os.listdir(path))


def cmd_list(args):
    from kerasgen.presets import list_presets, load_metadata, preset_dir

    rows = [("preset", "family", "headline (test)", "size")]
    for name in list_presets(args.family):
        meta = load_metadata(name)
        head = meta.get("headline")
        if head:
            value = f"{head['metric']} = {head['value']:.4g} (first {head['test_images']})"
        else:
            value = "test_accuracy = " + format(meta.get("metrics", {}).get("test_accuracy", float("nan")), ".4g")
        rows.append((name, meta.get("family", "?"), value, f"{_size(preset_dir(name)) / 1e6:.1f} MB"))
    if args.markdown:
        print("| " + " | ".join(rows[0]) + " |\n|" + "---|" * len(rows[0]))
        for row in rows[1:]:
            print("| " + " | ".join(f"`{c}`" if i == 0 else c for i, c in enumerate(row)) + " |")
        return
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())


def cmd_info(args):
    from kerasgen.presets import DIGESTED, file_status, load_metadata, preset_class_name, preset_dir

    folder = preset_dir(args.preset)
    meta = load_metadata(folder)
    print(f"{meta.get('name', args.preset)} ({preset_class_name(folder)}), folder {folder}")
    print(meta.get("description", ""))
    for key in ("dataset", "trained_with", "headline", "metrics"):
        if key in meta:
            print(f"{key}: {json.dumps(meta[key], indent=2)}")
    print(f"command: {meta.get('command', '?')}")
    for f in sorted(os.listdir(folder)):
        check = f" (sha256 in metadata.json: {file_status(folder, f, meta)})" if f in DIGESTED else ""
        print(f"  {f}: {os.path.getsize(os.path.join(folder, f)):,} bytes{check}")


def cmd_train(args, parser):
    from kerasgen import recipes

    _check_dataset(parser, args.dataset)
    _positive(parser, args.epochs, "--epochs")
    _positive(parser, args.steps_per_epoch, "--steps-per-epoch")
    if args.test_images is not None and args.test_images < 2:
        parser.error(f"--test-images must be at least 2; got {args.test_images}")
    recipe = recipes.get_recipe(args.recipe)
    if args.resume and args.overwrite:
        parser.error("--resume continues a run and --overwrite starts it again; pass one of them")
    out = args.out or os.path.join("runs", os.path.basename(os.path.normpath(args.recipe)))
    path = recipes.train(recipe, out, epochs=args.epochs, preset_dir=args.preset_dir, overwrite=args.overwrite,
                         resume=True if args.resume else None,
                         verbose=0 if args.quiet else 1, steps_per_epoch=args.steps_per_epoch,
                         test_images=args.test_images,
                         data_dir=args.data_dir, command=" ".join(shlex.quote(a) for a in ["kerasgen"] + args.argv))
    from kerasgen.presets import load_metadata

    head = load_metadata(path)["headline"]
    print(f"wrote preset {path}: {head['metric']} = {head['value']:.4g} on {head['test_images']} test images; "
          f"sample grids in {os.path.join(out, 'samples')}")


def cmd_sample(args, parser):
    import kerasgen
    from kerasgen.utils import save_image_grid

    _positive(parser, args.num, "--num")
    if os.path.exists(args.out) and not args.overwrite:
        parser.error(f"--out {args.out!r} exists; choose another file or pass --overwrite")
    if not args.out.lower().endswith(".png"):
        parser.error(f"--out must be a .png file; got {args.out!r}")
    model = kerasgen.from_preset(args.preset)
    if not callable(getattr(model, "sample", None)):
        parser.error(f"{type(model).__name__} cannot sample")
    conditional = getattr(model, "num_classes", None) is not None
    if args.label is not None and not conditional:
        parser.error(f"--label is for conditional models; {type(model).__name__} is not one")
    kwargs = {}
    if conditional:
        if args.label is not None and not 0 <= args.label < model.num_classes:
            parser.error(f"--label must be in [0, {model.num_classes}); got {args.label}")
        kwargs["labels"] = args.label if args.label is not None else [i % model.num_classes for i in range(args.num)]
    images = model.sample(args.num, seed=args.seed, **kwargs)
    value_range = model.input_value_range() or (0.0, 1.0)
    save_image_grid(images, args.out, value_range=tuple(float(v) for v in value_range), scale=2,
                    overwrite=args.overwrite)
    print(f"wrote {args.out}: {args.num} samples of {type(model).__name__}")


def cmd_evaluate(args, parser):
    import numpy as np

    import kerasgen
    from kerasgen.data import load
    from kerasgen.presets import load_metadata, preset_dir
    from kerasgen.recipes import prepare

    _check_dataset(parser, args.dataset)
    _positive(parser, args.test_images, "--test-images")
    folder = preset_dir(args.preset)
    name = os.path.basename(os.path.normpath(folder))
    out = args.json or f"evaluation_{name}.json"
    if os.path.exists(out) and not args.overwrite:
        parser.error(f"--json {out!r} exists; choose another file or pass --overwrite")
    meta = load_metadata(folder)
    model = kerasgen.from_preset(folder)
    x, y = load(args.dataset, split="test", data_dir=args.data_dir)
    x, y = x[:args.test_images], y[:args.test_images]
    if isinstance(model, kerasgen.models.Classifier):
        result = {"model": "Classifier", "num_examples": len(x), "test_accuracy": model.accuracy(x / 255.0, y)}
    else:
        fmt = meta.get("dataset", {}).get("format")
        if fmt is None:
            parser.error(f"preset {name!r} does not record its data format (metadata dataset.format)")
        kwargs = {"num_samples": args.num_samples}
        if args.metrics:
            kwargs["metrics"] = args.metrics
        result = kerasgen.evaluate(model, prepare(x, fmt, seed=0), y, **kwargs)
    print(f"{name} on the first {len(x)} {args.dataset} test images")
    for key, value in result.items():
        if isinstance(value, (float, np.floating)):
            print(f"  {key:32s} {value:.5g}")
        elif key in ("feature_space", "nll_bound"):
            print(f"  {key:32s} {value}")
    with open(out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)
    print(f"wrote {out}")


def main(argv=None):
    parser = _parser()
    argv = sys.argv[1:] if argv is None else [str(a) for a in argv]
    args = parser.parse_args(argv)
    args.argv = argv
    try:
        if args.command == "list":
            cmd_list(args)
        elif args.command == "info":
            cmd_info(args)
        elif args.command == "train":
            cmd_train(args, parser)
        elif args.command == "sample":
            cmd_sample(args, parser)
        else:
            cmd_evaluate(args, parser)
    except (ValueError, FileNotFoundError, FileExistsError, TypeError) as err:
        print(f"kerasgen {args.command}: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
