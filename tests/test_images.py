"""save_image_grid: writes a PNG, and never replaces a file unless told to."""

import numpy as np
import pytest
from PIL import Image

from kerasgen.utils import save_image_grid

IMAGES = np.linspace(0.0, 1.0, 4 * 5 * 6).reshape((4, 5, 6, 1)).astype("float32")


def test_an_existing_file_is_refused_by_default(tmp_path):
    path = tmp_path / "grid.png"
    path.write_bytes(b"the user's picture")
    with pytest.raises(FileExistsError, match=r"grid\.png' exists; pass overwrite=True"):
        save_image_grid(IMAGES, path)
    assert path.read_bytes() == b"the user's picture"


def test_overwrite_true_replaces_the_file(tmp_path):
    path = tmp_path / "grid.png"
    path.write_bytes(b"the user's picture")
    assert save_image_grid(IMAGES, path, rows=2, overwrite=True) == path
    with Image.open(path) as image:
        # 2 x 2 images of 5 x 6 with a pixel of padding around each.
        assert image.format == "PNG" and image.size == (2 * 7 + 1, 2 * 6 + 1)


def test_a_new_file_is_written_with_the_default(tmp_path):
    path = save_image_grid(IMAGES, tmp_path / "new.png", rows=1, padding=0)
    with Image.open(path) as image:
        pixels = np.asarray(image)
    np.testing.assert_array_equal(pixels[:, :6], np.rint(IMAGES[0, ..., 0] * 255).astype("uint8"))
