"""Verifies that every family's recipe model trains and samples on RGB images of 32 and 64 pixels.

    KERAS_BACKEND=jax python scripts/verify_image_sizes.py [--sizes 32 64] [--families vae dcgan ...]

For each family and size it writes a folder of random RGB PNG images (two
classes) in a temp dir, builds the family's recipe for it
(`kerasgen.recipes.for_data`: the recipe's own widths, the RGB likelihood),
fits one step of 8 images, and draws one sample (a VQ-VAE after one step
of its prior; an autoencoder, which cannot sample, reconstructs one image).
It prints one line per model, with the seconds each stage
took, and exits non-zero if any failed. The tests do the same at 32 x 32 x 3
with small networks; this is the slow check at the recipes' widths and at 64
pixels, where PixelRNN's sampler (one network pass per subpixel, 12,288 at
64 x 64 x 3) takes minutes.
"""

import argparse
import os
import sys
import tempfile
import time


def main(argv=None):
    from kerasgen import protocols, recipes

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[32, 64], help="image sides to check (default 32 64)")
    p.add_argument("--families", nargs="+", default=recipes.families(), choices=recipes.families(),
                   metavar="FAMILY", help="families to check (default all)")
    args = p.parse_args(argv)
    import keras
    import numpy as np
    from PIL import Image

    failures = 0
    with tempfile.TemporaryDirectory() as root:
        rng = np.random.default_rng(0)
        for size in args.sizes:
            folder = os.path.join(root, f"rgb{size}")
            for label in ("a", "b"):
                os.makedirs(os.path.join(folder, label))
                for i in range(10):
                    Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype="uint8")).save(
                        os.path.join(folder, label, f"{i}.png"))
            for family in args.families:
                start = time.time()
                try:
                    recipe = recipes.for_data(recipes.get_recipe(family), folder)
                    keras.utils.set_random_seed(0)
                    model = recipes.build_model(recipe)
                    from kerasgen.presets import compile_from_recipe

                    compile_from_recipe(model, recipe)
                    x, y = recipes.load_data(recipe, "train")
                    inputs = model.image_format.convert(x[:8], seed=0)
                    conditional = protocols.is_conditional(model)
                    model.fit(inputs, y[:8] if conditional else None, batch_size=8, epochs=1, verbose=0)
                    fitted = time.time()
                    if "prior" in recipe:
                        model.fit_prior(model.encode(inputs), epochs=1, batch_size=8, verbose=0,
                                        filters=recipe["prior"]["filters"], num_layers=recipe["prior"]["num_layers"])
                    if protocols.can_sample(model):
                        out = model.sample(1, seed=0, **({"labels": [1]} if conditional else {}))
                    else:  # an autoencoder: its reconstruction instead
                        out = model.reconstruct(inputs[:1])
                    out = np.asarray(out)
                    assert out.shape == (1, size, size, 3) and np.all(np.isfinite(out)), out.shape
                    print(f"{family:22s} {size}x{size}x3  ok  {type(model).__name__}"
                          f"({getattr(model, 'likelihood', '')})  fit {fitted - start:6.1f} s  "
                          f"{'sample' if protocols.can_sample(model) else 'reconstruct'} {time.time() - fitted:6.1f} s",
                          flush=True)
                except Exception as err:  # report every family, then fail
                    failures += 1
                    print(f"{family:22s} {size}x{size}x3  FAILED  {type(err).__name__}: {err}", flush=True)
    print(f"{failures} failed" if failures else "all trained and sampled")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
