"""Your own images: from a folder (or an .npy/.npz file) to a trained model, sample grids and measured numbers.

    python examples/own_images.py PATH --family vae --image-size 32 --out runs/own

PATH is a folder of PNG/JPEG images (one subfolder per class gives labels),
an .npy/.npz array file, or a dataset name (a TensorFlow Datasets name such
as cifar10 where TFDS has it). The script

1. trains an evaluation classifier on the images when they have labels and
   the family is judged by sample quality (the GANs), so that FID*, KID*,
   precision and recall are measured in a feature space that knows these
   images (`kerasgen train classifier`);
2. trains the family's recipe on the images (`kerasgen.recipes.train`): the
   model takes the images' size and channels, RGB images get a colour
   likelihood, and the test images are the seeded held-out 10%;
3. writes ``samples.png`` (and ``reconstructions.png`` for a model that
   reconstructs) and ``metrics.json``: the preset's measured headline and
   metrics, the held-out split and the run's settings.

``--smoke`` runs the whole path in seconds (one step of each stage, small
batches): the tests run it. The numbers of a smoke run are measured, and
meaningless as quality.
"""

import argparse
import json
import os
import sys


def _parser():
    from kerasgen.recipes import families

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("data", help="a folder of images, an .npy/.npz file, or a dataset name")
    p.add_argument("--family", default="vae", choices=families(), help="what to train (default vae)")
    p.add_argument("--out", default="runs/own_images", help="folder for the run, the presets and the pictures")
    p.add_argument("--image-size", type=int, help="crop to the central square and resize to N x N")
    p.add_argument("--channels", type=int, choices=(1, 3), help="1 (grey) or 3 (RGB); default: as the images are")
    p.add_argument("--epochs", type=int, help="training epochs (default the recipe's)")
    p.add_argument("--batch-size", type=int, help="examples per step (default the recipe's)")
    p.add_argument("--smoke", action="store_true", help="one step of each stage, a few test images (tests)")
    p.add_argument("--overwrite", action="store_true", help="start again in an --out that holds a run")
    p.add_argument("--verbose", type=int, default=1, help="1 for progress bars, 0 for none")
    return p


def main(argv=None):
    args = _parser().parse_args(argv)
    import numpy as np

    import kerasgen
    from kerasgen import protocols, recipes
    from kerasgen.data import load
    from kerasgen.presets import load_metadata
    from kerasgen.utils import save_image_grid

    os.makedirs(args.out, exist_ok=True)
    for name in ("samples.png", "reconstructions.png", "metrics.json"):
        if os.path.exists(os.path.join(args.out, name)) and not args.overwrite:
            sys.exit(f"{os.path.join(args.out, name)} exists; pass --overwrite to replace it")
    epochs = 1 if args.smoke else args.epochs
    batch_size = args.batch_size or (8 if args.smoke else None)
    sizing = {"image_size": args.image_size, "channels": args.channels}
    _, labels = load(args.data, split="train", **sizing)
    recipe = recipes.get_recipe(args.family)
    classifier = None
    if "sample_quality" in str(recipe["headline"]["evaluate"]["metrics"]):
        if labels is None:
            print(f"{args.data} has no labels, so no evaluation classifier: the {args.family} headline "
                  "(sample quality) is recorded as skipped")
        else:
            classifier = recipes.train_classifier_preset(
                args.data, os.path.join(args.out, "classifier"), epochs=epochs, overwrite=args.overwrite,
                verbose=args.verbose, **sizing)
    preset = recipes.train(
        recipe, os.path.join(args.out, "run"), data=args.data, classifier=classifier, epochs=epochs,
        batch_size=batch_size, steps_per_epoch=1 if args.smoke else None, test_images=8 if args.smoke else None,
        grid_images=4 if args.smoke else None, overwrite=args.overwrite, verbose=args.verbose, **sizing)

    model = kerasgen.from_preset(preset)
    meta = load_metadata(preset)
    fmt = model.image_format
    clip = meta.get("sample_grids", "").startswith("Gaussian")  # the decoder's means, clipped for display
    n = 4 if args.smoke else 64
    written = []
    if protocols.can_sample(model):
        kwargs = {"labels": np.arange(n) % model.num_classes} if protocols.is_conditional(model) else {}
        images = fmt.to_unit(model.sample(n, seed=0, **kwargs))
        written.append(save_image_grid(images, os.path.join(args.out, "samples.png"), scale=2, clip=clip,
                                       overwrite=args.overwrite))
    if protocols.can_reconstruct(model):
        x, y = load(args.data, split="test", **sizing)
        x, y = x[:n], None if y is None else y[:n]
        inputs = fmt.convert(x, seed=0)
        recon = model.reconstruct(inputs, y) if protocols.is_conditional(model) else model.reconstruct(inputs)
        pairs = np.stack([fmt.to_unit(inputs), fmt.to_unit(recon)])  # row 1 the test images, row 2 their copies
        written.append(save_image_grid(pairs, os.path.join(args.out, "reconstructions.png"), scale=2,
                                       clip=clip, overwrite=args.overwrite))
    result = {"preset": preset, "family": args.family, "headline": meta["headline"], "metrics": meta["metrics"],
              "dataset": meta["dataset"], "evaluation_classifier": classifier, "smoke": args.smoke,
              "pictures": [os.path.basename(p) for p in written]}
    with open(os.path.join(args.out, "metrics.json"), "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1, default=float)
    head = meta["headline"]
    value = "not measured" if head["value"] is None else f"{head['value']:.4g}"
    print(f"{args.family} on {args.data}: {head['metric']} = {value} on {head['test_images']} held-out images; "
          f"wrote {', '.join(result['pictures'] + ['metrics.json'])} in {args.out}")
    return result


if __name__ == "__main__":
    main()
