"""The `kerasgen` command (also `python -m kerasgen`): list, info, train, sample, evaluate, verify.

    kerasgen list
    kerasgen info vae_fashion_mnist
    kerasgen train vae --dataset fashion_mnist --epochs 2 --out runs/vae
    kerasgen sample conditional_gan_fashion_mnist --num 64 --out grid.png --label 3
    kerasgen evaluate gated_pixelcnn_fashion_mnist --dataset fashion_mnist --json eval.json
    kerasgen verify vae_fashion_mnist

Nothing that exists is replaced unless --overwrite is given. Progress goes
to stderr (--quiet for none), results to stdout.

This module imports only the standard library at its top, so that
`quiet_startup` can run before TensorFlow is loaded.
"""

import argparse
import contextlib
import json
import os
import re
import shlex
import sys
import tempfile

# Lines TensorFlow's C++ libraries write to stderr as they load, before their
# logging reads TF_CPP_MIN_LOG_LEVEL: absl's banner, then INFO / WARNING lines
# in absl's format ("I0000 00:00:1712345678.123456   4242 port.cc:153] oneDNN
# custom operations are on ...", cudart_stub.cc's "Could not find cuda
# drivers") and cpu_feature_guard.cc's second line. Errors are kept.
_STARTUP_NOISE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|[IW]\d{4} [\d:.]+ +\d+ [\w.-]+:\d+\] "
    r"|To enable the following instructions: .* rebuild TensorFlow with the appropriate compiler flags\.)"
)


def quiet_startup():
    """Loads TensorFlow without its start-up lines on stderr, unless the user chose a log level.

    Does nothing when TF_CPP_MIN_LOG_LEVEL is set (the user's choice
    stands) or TensorFlow is loaded already (its lines are out). Otherwise
    it sets TF_CPP_MIN_LOG_LEVEL=3 for the rest of the process (TensorFlow's
    C++ logs below FATAL, such as "failed call to cuInit" on a machine
    without a GPU) and imports TensorFlow with stderr captured, writing
    back everything but the lines of `_STARTUP_NOISE` (oneDNN, CUDA stubs,
    CPU features: informational, and printed before TensorFlow reads the
    level, so no environment variable quiets them; TF_ENABLE_ONEDNN_OPTS=0
    would, by changing the numerics).
    """
    if "TF_CPP_MIN_LOG_LEVEL" in os.environ or "tensorflow" in sys.modules:
        return
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow  # noqa: F401  (loaded here, with fd 2 captured)
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            lines = captured.read().decode("utf-8", errors="replace").splitlines(keepends=True)
            sys.stderr.write("".join(line for line in lines if not _STARTUP_NOISE.match(line)))
            sys.stderr.flush()


def _say(args, message):
    """A progress line on stderr, unless --quiet."""
    if not getattr(args, "quiet", False):
        print(message, file=sys.stderr, flush=True)


def _warn(args, message):
    print(f"kerasgen {args.command}: warning: {message}", file=sys.stderr, flush=True)


def _parser():
    from kerasgen.evaluation import METRICS
    from kerasgen.recipes import families

    parser = argparse.ArgumentParser(prog="kerasgen", description="Classic deep generative models for Keras 3.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                help="what to do (kerasgen COMMAND --help for its flags)")
    p = sub.add_parser("list", help="list the built-in presets")
    p.add_argument("--family", help="only this family's presets")
    p.add_argument("--markdown", action="store_true", help="a markdown table (zoo/README.md)")
    p = sub.add_parser("info", help="describe a preset")
    p.add_argument("preset", help="preset name or folder")
    names = ", ".join(families())
    p = sub.add_parser("train", help="train a family's recipe (or a preset's) into a new preset")
    p.add_argument("recipe", metavar="FAMILY_OR_PRESET",
                   help=f"a family ({names}), 'classifier' (an evaluation classifier for --data, whose preset "
                        "--classifier takes), or a preset name or folder whose stored recipe is trained again")
    p.add_argument("--data", "--dataset", dest="data", metavar="PATH_OR_NAME",
                   help="the images: a folder (one subfolder per class gives labels), an .npy/.npz file, or a "
                        "dataset name (fashion_mnist, the default; a TensorFlow Datasets name such as mnist or "
                        "cifar10); your own images' test split is a seeded held-out 10%%")
    p.add_argument("--image-size", type=int, metavar="N",
                   help="crop each image to its central square and resize it to N x N (needed for a folder of "
                        "mixed sizes; default: the images' own size)")
    p.add_argument("--channels", type=int, choices=(1, 3),
                   help="1 (grey) or 3 (RGB); default: RGB if any image is in colour, else grey")
    p.add_argument("--classifier", metavar="PRESET",
                   help="evaluation classifier for a GAN's sample-quality headline (default: the zoo's for "
                        "fashion_mnist, none for other data: the headline is then recorded as skipped)")
    p.add_argument("--batch-size", type=int, metavar="N",
                   help="examples per training step (default the recipe's; at most the number of images)")
    p.add_argument("--grid-images", type=int, metavar="N",
                   help="images in each epoch's sample grid (default the recipe's; 0 for none)")
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
    p.add_argument("--devices", type=int, metavar="N",
                   help="train data-parallel on N devices with the backend's engine (JAX: keras.distribution."
                        "DataParallel; TensorFlow: tf.distribute.MirroredStrategy); the batch size must be a "
                        "multiple of N. Under PyTorch use the Python API under torchrun (README)")
    p.add_argument("--resume", action="store_true",
                   help="continue the unfinished run in --out, and fail if there is none (without this flag an "
                        "unfinished run of the same arguments is resumed too)")
    p = sub.add_parser("sample", help="write a grid of samples from a preset")
    p.add_argument("preset", metavar="PRESET_OR_DIR", help="built-in preset name (kerasgen list) or preset folder")
    p.add_argument("--num", type=int, default=64, help="images in the grid (default 64)")
    p.add_argument("--out", required=True, help="PNG file to write")
    p.add_argument("--label", type=int,
                   help="class id, for conditional models: every image of that class (without it a conditional "
                        "model's grid cycles through the classes 0, 1, 2, ...)")
    p.add_argument("--seed", type=int, default=0, help="random seed: the same seed gives the same grid (default 0)")
    p.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    p = sub.add_parser("evaluate", help="measure a preset on the test set (table + JSON)")
    p.add_argument("preset", metavar="PRESET_OR_DIR", help="built-in preset name (kerasgen list) or preset folder")
    p.add_argument("--data", "--dataset", dest="data", default="fashion_mnist", metavar="PATH_OR_NAME",
                   help="test set: fashion_mnist (the default), a TensorFlow Datasets name, or a folder of images "
                        "or an .npy/.npz file (its seeded held-out 10%%, the split kerasgen train holds out)")
    p.add_argument("--image-size", type=int, metavar="N",
                   help="crop each test image to its central square and resize it to N x N")
    p.add_argument("--channels", type=int, choices=(1, 3), help="make the test images grey (1) or RGB (3)")
    p.add_argument("--classifier", metavar="PRESET",
                   help="evaluation classifier for sample quality (default: the zoo's for fashion_mnist; for "
                        "other data, none unless given: kerasgen train classifier --data ...)")
    p.add_argument("--test-images", type=int, default=1000, help="use the first N test images (default 1000)")
    p.add_argument("--metrics", nargs="+", choices=METRICS, metavar="METRIC",
                   help=f"some of {', '.join(METRICS)} (default: every one that applies to the model)")
    p.add_argument("--num-samples", type=int, default=1000,
                   help="generated images for sample quality (default 1000)")
    p.add_argument("--json", help="file to write the results to (default evaluation_<preset>.json)")
    p.add_argument("--data-dir", help="folder searched first for the dataset files")
    p.add_argument("--overwrite", action="store_true", help="replace the --json file if it exists")
    p.add_argument("--quiet", action="store_true", help="no progress lines or bars on stderr")
    p = sub.add_parser("verify", help="re-measure presets' headlines as their metadata states them")
    p.add_argument("presets", nargs="*", metavar="PRESET_OR_DIR",
                   help="built-in preset names or preset folders (default: every built-in preset)")
    p.add_argument("--json", help="file to write the results to (default: none)")
    p.add_argument("--data-dir", help="folder searched first for the Fashion-MNIST files")
    p.add_argument("--overwrite", action="store_true", help="replace the --json file if it exists")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    for p in sub.choices.values():
        # A command's own errors print its usage, not the top-level one.
        p.set_defaults(command_parser=p)
    return parser


def _positive(parser, value, flag):
    if value is not None and value < 1:
        parser.error(f"{flag} must be a positive integer; got {value}")


def _check_dataset(parser, name, flag="--data"):
    """A folder or file must exist; a misspelt dataset name is caught here, with the likely name."""
    from kerasgen.data.files import is_file_source
    from kerasgen.data.sources import close_match

    if is_file_source(name):
        if not os.path.exists(name):
            parser.error(f"{flag} {name!r} does not exist")
        return
    guess = close_match(name)
    if guess is not None:
        parser.error(f"{flag} {name!r} is not a dataset; did you mean {guess!r}? (or a folder / .npy / .npz "
                     "file of your images, or a TensorFlow Datasets name)")


def _size(path):
    return sum(os.path.getsize(os.path.join(path, f)) for f in os.listdir(path))


def cmd_list(args):
    from kerasgen.presets import headline_text, list_presets, load_metadata, preset_dir

    rows = [("preset", "family", "headline (test)", "size")]
    for name in list_presets(args.family):
        meta = load_metadata(name)
        value = headline_text(meta)
        rows.append((name, meta.get("family", "?"), value, f"{_size(preset_dir(name)) / 1e6:.1f} MB"))
    if args.markdown:
        print("| " + " | ".join(rows[0]) + " |\n|" + "---|" * len(rows[0]))
        for row in rows[1:]:
            print("| " + " | ".join(f"`{c}`" if i == 0 else c.replace("|", "\\|") for i, c in enumerate(row)) + " |")
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

    if args.data is not None:
        _check_dataset(parser, args.data)
    _positive(parser, args.epochs, "--epochs")
    _positive(parser, args.steps_per_epoch, "--steps-per-epoch")
    _positive(parser, args.image_size, "--image-size")
    _positive(parser, args.batch_size, "--batch-size")
    if args.grid_images is not None and args.grid_images < 0:
        parser.error(f"--grid-images must be 0 or more; got {args.grid_images}")
    if args.test_images is not None and args.test_images < 2:
        parser.error(f"--test-images must be at least 2; got {args.test_images}")
    if args.resume and args.overwrite:
        parser.error("--resume continues a run and --overwrite starts it again; pass one of them")
    _positive(parser, args.devices, "--devices")
    if args.devices is not None:
        import keras

        if keras.backend.backend() == "torch":
            parser.error("--devices: under PyTorch every device is a process of its own, which kerasgen train does "
                         "not start; train with kerasgen.training.data_parallel in a script run by torchrun "
                         "(README, \"More than one device\"), or use KERAS_BACKEND=jax or tensorflow")
        if args.recipe == "classifier":
            parser.error("--devices does not apply to kerasgen train classifier")
        from kerasgen.training import data_parallel
        from kerasgen.training.distribution import ENGINES

        try:
            data_parallel(args.devices)  # refuses now, before any file is written, if the devices are not there
        except ValueError as error:
            parser.error(f"--devices: {error}")
        print(f"kerasgen train: data-parallel on {args.devices} devices with {ENGINES[keras.backend.backend()]}",
              flush=True)
    command = " ".join(shlex.quote(a) for a in ["kerasgen"] + args.argv)
    if args.recipe == "classifier":
        if args.data is None:
            parser.error("kerasgen train classifier needs --data: the labelled images it is to classify")
        for flag in ("steps_per_epoch", "test_images", "grid_images", "classifier", "resume", "batch_size"):
            if getattr(args, flag) not in (None, False):
                parser.error(f"--{flag.replace('_', '-')} does not apply to kerasgen train classifier")
        out = args.preset_dir or args.out or os.path.join(
            "runs", "classifier_" + recipes.dataset_slug(args.data))
        path = recipes.train_classifier_preset(args.data, out, image_size=args.image_size, channels=args.channels,
                                               epochs=args.epochs, overwrite=args.overwrite,
                                               verbose=0 if args.quiet else 1, data_dir=args.data_dir,
                                               command=command)
        from kerasgen.presets import load_metadata

        accuracy = load_metadata(path)["metrics"]["test_accuracy"]
        print(f"wrote classifier preset {path}: test accuracy {accuracy:.4g}; pass --classifier {path} to "
              "kerasgen train or kerasgen evaluate for sample-quality metrics of these images")
        return
    recipe = recipes.get_recipe(args.recipe)
    out = args.out or os.path.join("runs", os.path.basename(os.path.normpath(args.recipe)))
    path = recipes.train(recipe, out, data=args.data, image_size=args.image_size, channels=args.channels,
                         classifier=args.classifier if args.classifier is not None else "auto",
                         epochs=args.epochs, preset_dir=args.preset_dir, overwrite=args.overwrite,
                         resume=True if args.resume else None,
                         verbose=0 if args.quiet else 1, steps_per_epoch=args.steps_per_epoch,
                         test_images=args.test_images, grid_images=args.grid_images,
                         batch_size=args.batch_size, devices=args.devices,
                         data_dir=args.data_dir, command=command)
    from kerasgen.presets import load_metadata

    head = load_metadata(path)["headline"]
    value = f"{head['metric']} = {head['value']:.4g}" if head["value"] is not None else \
        f"{head['metric']} not measured ({head.get('skipped')})"
    print(f"wrote preset {path}: {value} on {head['test_images']} test images; "
          f"sample grids in {os.path.join(out, 'samples')}")


def cmd_sample(args, parser):
    from kerasgen import protocols
    from kerasgen.presets import from_preset
    from kerasgen.utils import save_image_grid

    _positive(parser, args.num, "--num")
    if os.path.exists(args.out) and not args.overwrite:
        parser.error(f"--out {args.out!r} exists; choose another file or pass --overwrite")
    if not args.out.lower().endswith(".png"):
        parser.error(f"--out must be a .png file; got {args.out!r}")
    _say(args, f"kerasgen sample: loading preset {args.preset}")
    model = from_preset(args.preset, compile=False)
    if not protocols.can_sample(model):
        parser.error(f"{type(model).__name__} cannot sample")
    conditional = protocols.is_conditional(model)
    if args.label is not None and not conditional:
        parser.error(f"--label is for conditional models; {type(model).__name__} is not one")
    kwargs = {}
    if conditional:
        if args.label is not None and not 0 <= args.label < model.num_classes:
            parser.error(f"--label must be in [0, {model.num_classes}); got {args.label}")
        if args.label is None:
            _warn(args, f"{args.preset} is a class-conditional {type(model).__name__} and no --label was given, so "
                        f"the grid mixes the classes: image i (row by row) is of class i % {model.num_classes}, "
                        f"cycling 0..{model.num_classes - 1}. Pass --label K for a grid of class K alone.")
        kwargs["labels"] = args.label if args.label is not None else [i % model.num_classes for i in range(args.num)]
    from kerasgen.evaluation import _sample

    _say(args, f"kerasgen sample: drawing {args.num} images from {type(model).__name__}")
    with contextlib.redirect_stdout(sys.stderr):  # the model's progress bar, if it has one
        images = _sample(model, args.num, args.seed, 0 if args.quiet else 1, **kwargs)
    save_image_grid(images, args.out, value_range=protocols.value_range(model), scale=2,
                    overwrite=args.overwrite)
    print(f"wrote {args.out}: {args.num} samples of {type(model).__name__}")


def cmd_evaluate(args, parser):
    import numpy as np

    from kerasgen.data import load
    from kerasgen.evaluation import evaluate
    from kerasgen.models import Classifier
    from kerasgen.presets import from_preset, preset_dir

    _check_dataset(parser, args.data)
    _positive(parser, args.test_images, "--test-images")
    _positive(parser, args.image_size, "--image-size")
    folder = preset_dir(args.preset)
    name = os.path.basename(os.path.normpath(folder))
    out = args.json or f"evaluation_{name}.json"
    if os.path.exists(out) and not args.overwrite:
        parser.error(f"--json {out!r} exists; choose another file or pass --overwrite")
    classifier = None
    if args.classifier is not None:
        classifier = preset_dir(args.classifier)  # a bad name fails before any work
    _say(args, f"kerasgen evaluate: loading preset {args.preset}")
    model = from_preset(folder, compile=False)
    _say(args, f"kerasgen evaluate: loading the first {args.test_images} {args.data} test images")
    x, y = load(args.data, split="test", data_dir=args.data_dir, image_size=args.image_size, channels=args.channels)
    x, y = x[:args.test_images], None if y is None else y[:args.test_images]
    if model.image_format is None:
        parser.error(f"preset {name!r} holds a {type(model).__name__} of vectors, which has no image format")
    want = tuple(model.image_shape)
    if tuple(x.shape[1:]) != want:
        grey = {1: "grey", 3: "RGB"}
        hint = []
        if x.shape[1:3] != want[:2]:
            hint.append(f"--image-size {want[0]}" if want[0] == want[1] else "images of that size")
        if x.shape[-1] != want[-1]:
            hint.append(f"--channels {want[-1]}")
        parser.error(
            f"--data {args.data!r} holds {grey.get(x.shape[-1], '')} images of shape {tuple(x.shape[1:])}, and "
            f"preset {name!r} takes {grey.get(want[-1], '')} images of shape {want}: pass {' '.join(hint)} to "
            "convert them, or evaluate a model trained on these images")
    # The model's own format; random conversions (dynamic binarization) draw once, with NumPy seed 0.
    x = model.image_format.convert(x, seed=0)
    if isinstance(model, Classifier):
        if y is None:
            parser.error(f"--data {args.data!r} has no labels (no class subfolders), so no accuracy to measure")
        _say(args, f"kerasgen evaluate: test accuracy of the classifier on {len(x)} images")
        result = {"model": "Classifier", "num_examples": len(x), "test_accuracy": model.accuracy(x, y)}
    else:
        kwargs = {"num_samples": args.num_samples}
        if classifier is not None:
            kwargs["classifier"] = classifier
        elif args.data != "fashion_mnist" or args.image_size is not None or args.channels is not None:
            # The zoo's classifier knows Fashion-MNIST only; sample quality needs one trained on these images.
            kwargs["classifier"] = None
            _warn(args, f"{args.data}: no evaluation classifier for these images, so no sample-quality metrics "
                        "(train one with kerasgen train classifier --data ... and pass --classifier); "
                        "likelihood and reconstruction metrics still run")
        if args.metrics:
            kwargs["metrics"] = args.metrics
        # evaluate's stage lines and the models' bars go where Keras prints, stdout: sent to stderr here,
        # so that stdout holds the results alone.
        with contextlib.redirect_stdout(sys.stderr):
            result = evaluate(model, x, y, verbose=0 if args.quiet else 1, **kwargs)
    print(f"{name} on the first {len(x)} {args.data} test images")
    for key, value in result.items():
        if isinstance(value, (float, np.floating)):
            print(f"  {key:32s} {value:.5g}")
        elif key in ("feature_space", "nll_bound"):
            print(f"  {key:32s} {value}")
    with open(out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)
    print(f"wrote {out}")


def cmd_verify(args, parser):
    from kerasgen.presets import list_presets, preset_dir
    from kerasgen.verify import verify_preset

    if args.json and os.path.exists(args.json) and not args.overwrite:
        parser.error(f"--json {args.json!r} exists; choose another file or pass --overwrite")
    names = args.presets or list_presets()
    folders = [preset_dir(n) for n in names]  # a bad name fails before any measuring
    rows = []
    for name, folder in zip(names, folders):
        _say(args, f"kerasgen verify: {name}")
        with contextlib.redirect_stdout(sys.stderr):
            found = verify_preset(folder, data_dir=args.data_dir)
        for row in found:
            unit = "" if row["absolute"] else " (relative)"
            print(f"{'ok  ' if row['ok'] else 'FAIL'} {row['preset']}: {row['claim']}: recorded {row['recorded']:.6g}, "
                  f"measured {row['measured']:.6g}, difference {row['difference']:.2g}{unit}, tolerance "
                  f"{row['tolerance']:.2g} ({row['seconds']:.0f} s)")
        rows += found
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(rows, f, indent=1)
    failed = [r for r in rows if not r["ok"]]
    print(f"{len(rows) - len(failed)} of {len(rows)} claims re-measured within their tolerance")
    return 1 if failed else 0


def main(argv=None):
    quiet_startup()
    parser = _parser()
    argv = sys.argv[1:] if argv is None else [str(a) for a in argv]
    args = parser.parse_args(argv)
    args.argv = argv
    command_parser = args.command_parser
    del args.command_parser
    try:
        if args.command == "list":
            cmd_list(args)
        elif args.command == "info":
            cmd_info(args)
        elif args.command == "train":
            cmd_train(args, command_parser)
        elif args.command == "sample":
            cmd_sample(args, command_parser)
        elif args.command == "verify":
            return cmd_verify(args, command_parser)
        else:
            cmd_evaluate(args, command_parser)
    except (ValueError, FileNotFoundError, FileExistsError, TypeError) as err:
        print(f"kerasgen {args.command}: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
