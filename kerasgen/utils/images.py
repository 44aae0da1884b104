"""Image grids as NumPy arrays and PNG files."""

import os

import numpy as np


def image_grid(images, rows=None, padding=1, value_range=(0.0, 1.0), scale=1, clip=False):
    """Tiles images (N, H, W, C) into one uint8 image, row by row.

    Args:
        images: array (N, H, W, C) with C in {1, 3}, or (R, K, H, W, C) for
            R rows of K images.
        rows: int or None; None makes the grid as square as it can be.
        padding: int, pixels of white between images.
        value_range: (low, high) mapped to 0..255. Values outside it raise an
            error rather than being clipped, unless `clip`.
        scale: int, each pixel of the grid becomes a scale x scale block.
        clip: bool, show values outside `value_range` as black or white
            (for a Gaussian decoder's means, which may leave it) instead of
            raising.

    Returns:
        uint8 array (scale*(rows*(H+p)+p), scale*(cols*(W+p)+p), C).
    """
    images = np.asarray(images, "float32")
    if images.ndim == 5:
        rows = images.shape[0]
        images = images.reshape((-1,) + images.shape[2:])
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(
            f"images must have shape (N, H, W, C) with C in {{1, 3}}; got {images.shape}."
        )
    low, high = value_range
    lo, hi = float(images.min()), float(images.max())
    tolerance = 1e-4 * (high - low)
    if not clip and (lo < low - tolerance or hi > high + tolerance):
        raise ValueError(
            f"images have values in [{lo:g}, {hi:g}], outside value_range [{low:g}, {high:g}]."
        )
    n, h, w, c = images.shape
    rows = rows or int(np.floor(np.sqrt(n)))
    cols = int(np.ceil(n / rows))
    grid = np.full((rows * (h + padding) + padding, cols * (w + padding) + padding, c), 255, "uint8")
    scaled = np.rint((np.clip(images, low, high) - low) / (high - low) * 255).astype("uint8")
    for i in range(n):
        r, k = divmod(i, cols)
        top, left = padding + r * (h + padding), padding + k * (w + padding)
        grid[top:top + h, left:left + w] = scaled[i]
    if scale > 1:
        grid = np.kron(grid, np.ones((scale, scale, 1), "uint8"))
    return grid


def write_png(grid, path, overwrite=False):
    """Writes a uint8 grid (H, W, 1 or 3), as `image_grid` returns it, as a PNG; returns the path."""
    from PIL import Image

    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"{os.fspath(path)!r} exists; pass overwrite=True to replace it.")
    mode = "L" if grid.shape[-1] == 1 else "RGB"
    Image.fromarray(grid[..., 0] if mode == "L" else grid, mode=mode).save(path)
    return path


def save_image_grid(images, path, rows=None, padding=1, value_range=(0.0, 1.0), scale=1,
                    overwrite=False, clip=False):
    """Writes `image_grid(images, ...)` as a PNG at `path`; returns the path.

    Args:
        images, rows, padding, value_range, clip: as for `image_grid`.
        path: str or os.PathLike, the file to write (its extension picks the
            format; .png is lossless).
        scale: int, each pixel becomes a scale x scale block (for small images).
        overwrite: bool; an existing file is replaced only if True, else it
            raises FileExistsError.
    """
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"{os.fspath(path)!r} exists; pass overwrite=True to replace it.")
    grid = image_grid(images, rows=rows, padding=padding, value_range=value_range, scale=scale, clip=clip)
    return write_png(grid, path, overwrite=overwrite)
