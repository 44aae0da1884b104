"""The pictures of a preset: what its model does, to look at beside its numbers.

`write_pictures(model, folder, test_images)` writes into a preset folder the
PNGs that apply to the model, each from fixed seeds (so a rebuild draws the
same latents and pixels) and returns {file name: what it shows}, which
`kerasgen.recipes.train` records in the metadata (``pictures``):

- ``samples.png``: samples (a conditional model's: one row a class, rows
  cycling through the classes);
- ``interpolation.png``: for latent-variable models, rows of decoded points on
  the path between two codes (a GAN: two random latents, spherical; a VAE:
  the codes of two test images, linear), ends included;
- ``completion.png``: for autoregressive models, test images whose lower half
  is drawn by the model given the upper half: rows of the originals, the
  given halves, then two completions;
- ``denoising.png``: for a denoiser, test images, the same corrupted as in
  training, and denoised;
- ``reconstruction.png``: for models with an encoder and a decoder, test
  images (upper rows) above their reconstructions (lower rows).

    from kerasgen.pictures import write_pictures
    write_pictures(kerasgen.from_preset("vae_fashion_mnist"), "/tmp/pictures", x_test)
"""

import os

import numpy as np

from kerasgen import protocols
from kerasgen.utils import save_image_grid


def write_pictures(model, folder, test_images, test_labels=None, num_samples=64, overwrite=False):
    """Writes the pictures that apply to `model` into `folder`; returns {file name: what it shows}.

    Args:
        model: a trained kerasgen model.
        folder: an existing folder (a preset's).
        test_images: raw test images, 0..255 (N, H, W, C); the first 8 (or
            as many as there are) are shown, converted by the model's format
            (NumPy seed 0).
        test_labels: their classes, for a conditional model.
        num_samples: images in ``samples.png`` (autoregressive models sample
            one subpixel at a time: fewer is quicker); 0 for no pictures that
            sample (samples, completions).
        overwrite: replace pictures that exist.
    """
    test_images = np.asarray(test_images)
    if test_images.ndim != 4 or len(test_images) < 1:
        raise ValueError(f"write_pictures: test_images must be images (N, H, W, C), at least one; got shape "
                         f"{test_images.shape}.")
    fmt = model.image_format
    clip = protocols.samples_may_leave_range(model)
    conditional = protocols.is_conditional(model)
    n = min(8, len(test_images))  # 8 test images where there are that many (a small data set's split may not)
    pairs = n // 2
    x = fmt.convert(test_images[:n], seed=0)
    labels = None if test_labels is None or not conditional else np.asarray(test_labels)[:n]
    written = {}

    def save(name, images, rows, what, clip_anyway=False):
        save_image_grid(fmt.to_unit(images), os.path.join(folder, name), rows=rows, scale=2, overwrite=overwrite,
                        clip=clip or clip_anyway)
        written[name] = what + (" (Gaussian decoder means, clipped to [0, 1] for display)" if clip else "")

    if num_samples and protocols.can_sample(model):
        if conditional:
            classes = model.num_classes
            per_class = max(1, num_samples // classes)
            sample_labels = np.repeat(np.arange(classes), per_class)
            images = model.sample(len(sample_labels), labels=sample_labels, seed=0)
            save("samples.png", images, classes, f"{len(images)} samples, seed 0: row k holds class k")
        else:
            images = model.sample(num_samples, seed=0)
            save("samples.png", images, None, f"{num_samples} samples, seed 0")
    kind = protocols.interpolation_kind(model)
    if kind == "latents":  # a GAN
        z = model.latents(16, seed=0)
        path = model.interpolate(z[:8], z[8:], steps=10,
                                 labels=np.arange(8) % model.num_classes if conditional else None)
        save("interpolation.png", path.reshape((-1,) + model.image_shape), 8,
             "8 rows of 10: generated along the spherical path between two random latents (seed 0)"
             + ("; row k is class k modulo the number of classes" if conditional else ""))
    elif kind == "codes" and pairs:
        path = model.interpolate(x[:pairs], x[pairs:2 * pairs], steps=10,
                                 labels=None if labels is None else labels[:pairs])
        save("interpolation.png", path.reshape((-1,) + model.image_shape), pairs,
             f"{pairs} row{'s' if pairs > 1 else ''} of 10: decoded along the line between the codes of test "
             f"images 0-{pairs - 1} and {pairs}-{2 * pairs - 1}")
    if num_samples and protocols.can_complete(model):
        h = model.image_shape[0]
        mask = np.ones(model.image_shape[:2], dtype="float32")
        mask[h // 2:] = 0.0
        given = x * mask[None, :, :, None] + (1.0 - mask[None, :, :, None]) * _grey(fmt)
        first = model.complete(x, mask, labels=labels, seed=0)
        second = model.complete(x, mask, labels=labels, seed=1)
        save("completion.png", np.concatenate([x, given, first, second]), 4,
             f"columns: test images 0-{n - 1}; rows: the originals, the upper halves given, two completions of "
             "the lower halves (seeds 0 and 1)")
    if protocols.denoises(model):
        noisy = model.corrupt(x, seed=0)
        save("denoising.png", np.concatenate([x, noisy, model.denoise(noisy)]), 3,
             f"test images 0-{n - 1} (upper row), corrupted as in training (NumPy seed 0; middle row, clipped to "
             "[0, 1] for display), and denoised (lower row)", clip_anyway=True)
    if protocols.can_reconstruct(model):
        args = (x, labels) if conditional else (x,)
        save("reconstruction.png", np.concatenate([x, model.reconstruct(*args)]), 2,
             f"test images 0-{n - 1} (upper row) above their reconstructions (lower row)")
    return written


def _grey(fmt):
    """The model-format value of mid-grey, to show the part of an image that is not given."""
    return float(fmt.convert(np.full((1, 1, 1, 1), 128, dtype="uint8"), seed=0).mean()) if not fmt.random else 0.5
