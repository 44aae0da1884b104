"""Your own images: a folder of PNG/JPEG files or an .npy/.npz array file, as uint8 arrays.

Nothing in the user's folder or file is written to or changed: files are only read.
"""

import os

import numpy as np

from kerasgen import checks

HELD_OUT_FRACTION = 0.1
"""The share of a source without a test split held out as its test split (`held_out_split`)."""
HELD_OUT_SEED = 0
"""The seed of that split's permutation."""

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
ARRAY_EXTENSIONS = (".npy", ".npz")
# Keys looked for in an .npz file, in this order.
IMAGE_KEYS = ("images", "x", "x_train", "arr_0")
LABEL_KEYS = ("labels", "y", "y_train", "arr_1")


def is_file_source(source):
    """Whether `source` names a folder or an array file rather than a dataset name."""
    if not isinstance(source, (str, os.PathLike)):
        return False
    path = os.fspath(source)
    return os.path.isdir(path) or path.lower().endswith(ARRAY_EXTENSIONS) or os.sep in path


def _image_files(folder):
    """(files, labels or None, class names): class subfolders give labels, else the folder's own files."""
    entries = sorted(os.listdir(folder))
    own = [e for e in entries if e.lower().endswith(IMAGE_EXTENSIONS) and os.path.isfile(os.path.join(folder, e))]
    classes = [e for e in entries if os.path.isdir(os.path.join(folder, e)) and not e.startswith(".")]
    if own or not classes:
        return [os.path.join(folder, e) for e in own], None, []
    files, labels = [], []
    for label, name in enumerate(classes):
        sub = os.path.join(folder, name)
        found = sorted(e for e in os.listdir(sub) if e.lower().endswith(IMAGE_EXTENSIONS))
        files += [os.path.join(sub, e) for e in found]
        labels += [label] * len(found)
    return files, np.asarray(labels, "int64"), classes


def check_conform_args(image_size, channels):
    """Checks `image_size` (None or an int >= 1) and `channels` (None, 1 or 3)."""
    checks.check_integer(image_size, "image_size", allow_none=True)
    if channels not in (None, 1, 3) or isinstance(channels, bool):
        raise ValueError(f"channels must be 1, 3 or None; got {channels!r}.")


def _square(image, image_size):
    """The stated rule: the PIL image's largest central square, then a bilinear resize to N x N."""
    from PIL import Image

    w, h = image.size
    side = min(w, h)
    left, top = (w - side) // 2, (h - side) // 2
    if (w, h) != (side, side):
        image = image.crop((left, top, left + side, top + side))
    return image if side == image_size else image.resize((image_size, image_size), Image.BILINEAR)


def _as_array(pil, image_size, channels):
    """A PIL image as uint8 (H, W, channels): grey ("L") or RGB, then `_square` when `image_size` is given."""
    pil = pil.convert("RGB" if channels == 3 else "L")
    if image_size is not None:
        pil = _square(pil, image_size)
    array = np.asarray(pil, "uint8")
    return array[..., None] if array.ndim == 2 else array


def conform_image(image, image_size, channels, where):
    """One uint8 image (H, W[, C]) as (N, N, channels) by the rule of `load_images` (None keeps each as it is)."""
    from PIL import Image

    image = np.asarray(image)
    if image.ndim == 2:
        image = image[..., None]
    if image.ndim != 3 or image.shape[-1] not in (1, 3) or image.dtype != np.uint8:
        raise ValueError(f"{where}: expected uint8 images (H, W, 1) or (H, W, 3); got {image.dtype} "
                         f"{image.shape}.")
    if image_size is None and channels in (None, image.shape[-1]):
        return image
    pil = Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image)
    return _as_array(pil, image_size, channels or image.shape[-1])


def conform_images(images, image_size, channels, where):
    """uint8 images (N, H, W, C) as (N, image_size, image_size, channels); None keeps that dimension."""
    if image_size is None and channels in (None, images.shape[-1]):
        return images
    return np.stack([conform_image(i, image_size, channels, where) for i in images])


def _read_folder(folder, image_size, channels):
    from PIL import Image, UnidentifiedImageError

    files, labels, classes = _image_files(folder)
    if not files:
        raise ValueError(f"{folder!r} holds no images ({', '.join(IMAGE_EXTENSIONS)} files, directly or in one "
                         "subfolder per class).")
    sizes, colour = set(), False
    for path in files:
        try:
            with Image.open(path) as image:
                sizes.add(image.size)
                colour = colour or image.mode not in ("1", "L", "LA", "I", "I;16", "F")
        except (UnidentifiedImageError, OSError) as err:
            raise ValueError(f"{path!r} is not a readable image ({type(err).__name__}: {err}).") from None
    if image_size is None and len(sizes) > 1:
        shown = ", ".join(f"{w}x{h}" for w, h in sorted(sizes)[:4])
        raise ValueError(f"{folder!r} holds images of {len(sizes)} sizes ({shown}, ...); pass image_size=N "
                         "(--image-size N) to crop each to its central square and resize it to N x N.")
    channels = (3 if colour else 1) if channels is None else channels
    images = []
    for path in files:
        with Image.open(path) as image:
            images.append(_as_array(image, image_size, channels))
    return np.stack(images), labels, classes


def _read_array_file(path):
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path!r} does not exist.")
    try:
        data = np.load(path, allow_pickle=False)
    except (ValueError, OSError) as err:
        raise ValueError(f"{path!r} is not a readable NumPy file ({err}).") from None
    if isinstance(data, np.ndarray):
        return data, None
    with data:
        keys = list(data.keys())
        image_key = next((k for k in IMAGE_KEYS if k in keys), None)
        if image_key is None:
            raise ValueError(f"{path!r} has no images: expected one of the keys {IMAGE_KEYS}; it holds {keys}.")
        label_key = next((k for k in LABEL_KEYS if k in keys), None)
        return data[image_key], (None if label_key is None else data[label_key])


def _check_arrays(path, images, labels):
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., None]  # (N, H, W): grey images
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(f"{path!r}: images must have shape (N, H, W), (N, H, W, 1) or (N, H, W, 3); got "
                         f"{images.shape}.")
    if images.dtype != np.uint8:
        if not np.issubdtype(images.dtype, np.number) or images.size and (
                images.min() < 0 or images.max() > 255 or not np.all(images == np.round(images))):
            raise ValueError(f"{path!r}: images must be 0..255 pixel values (uint8, or whole numbers); got "
                             f"dtype {images.dtype}" + (f" with values in [{images.min():g}, {images.max():g}]"
                                                        if images.size and np.issubdtype(images.dtype, np.number)
                                                        else "") + ".")
        images = images.astype("uint8")
    if labels is not None:
        labels = np.asarray(labels)
        if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(f"{path!r}: labels must be integers of shape (N,); got {labels.dtype} of shape "
                             f"{labels.shape}.")
        if len(labels) != len(images):
            raise ValueError(f"{path!r}: {len(images)} images but {len(labels)} labels.")
        labels = labels.astype("int64")
    return images, labels


def held_out_split(n, test_fraction=HELD_OUT_FRACTION, seed=HELD_OUT_SEED):
    """(train indices, test indices) of `n` examples: a seeded permutation, the last `test_fraction` held out."""
    order = np.random.default_rng(seed).permutation(n)
    n_test = max(1, int(round(n * test_fraction))) if n > 1 else 0
    return np.sort(order[: n - n_test]), np.sort(order[n - n_test:])


def take_split(images, labels, split, test_fraction=HELD_OUT_FRACTION, seed=HELD_OUT_SEED):
    """The "train" or "test" part (`held_out_split`) of images and labels (or None); "all" keeps them all."""
    if split == "all":
        return images, labels
    train, test = held_out_split(len(images), test_fraction, seed)
    keep = train if split == "train" else test
    return images[keep], None if labels is None else labels[keep]


def load_images(path, split="all", *, image_size=None, channels=None, test_fraction=HELD_OUT_FRACTION,
                seed=HELD_OUT_SEED):
    """Your own images as uint8 arrays: a folder of image files, or an .npy/.npz file.

    - A folder: PNG/JPEG/BMP/GIF files, either directly in it (no labels) or
      in one subfolder per class (labels 0..K-1 in the subfolders' sorted
      order). Images of different sizes need `image_size`: each is cropped
      to its largest central square and resized (bilinear) to N x N.
      `channels` None keeps grey images grey (1) and makes every image RGB
      (3) if any is in colour.
    - An ``.npy`` file of images (N, H, W[, C]), or an ``.npz`` with images
      under ``images`` (or ``x``) and optional labels under ``labels`` (or ``y``).

    Neither has a test split, so one is held out reproducibly: `split`
    ``"test"`` is a `test_fraction` of the images chosen by a permutation
    seeded with `seed`, ``"train"`` the rest, ``"all"`` everything
    (`held_out_split`).

    Args:
        path: str or path-like, the folder or the array file.
        split: "train", "test" or "all".
        image_size: int or None, the side of the square images (of a folder,
            or an array file's images resized by the same rule).
        channels: 1, 3 or None (grey images are repeated for 3; RGB made
            grey by ITU-R 601-2 luma for 1).
        test_fraction: float in (0, 1), the held-out share.
        seed: int, seeds the held-out split.

    Returns:
        (images uint8 (N, H, W, C), labels int64 (N,) or None).

    Example:

    ```python
    import os, tempfile
    import numpy as np
    from PIL import Image
    import kerasgen
    folder = tempfile.mkdtemp()
    for label in ("cats", "dogs"):
        os.makedirs(os.path.join(folder, label))
        for i in range(5):
            Image.fromarray(np.full((12, 16), 40 * i, "uint8")).save(os.path.join(folder, label, f"{i}.png"))
    images, labels = kerasgen.data.load_images(folder, image_size=8)
    images.shape, labels.tolist()  # (10, 8, 8, 1), [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]
    ```
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a folder or an .npy/.npz file; got {type(path).__name__}.")
    path = os.fspath(path)
    from kerasgen.data.sources import _check_split

    split = _check_split(split)
    check_conform_args(image_size, channels)
    if isinstance(test_fraction, bool) or not isinstance(test_fraction, (int, float)) or not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be a number in (0, 1); got {test_fraction!r}.")
    checks.check_integer(seed, "seed", minimum=0)
    if os.path.isdir(path):
        images, labels, _ = _read_folder(path, image_size, channels)
    elif path.lower().endswith(ARRAY_EXTENSIONS):
        images, labels = _check_arrays(path, *_read_array_file(path))
        images = conform_images(images, image_size, channels, repr(path))
    elif os.path.exists(path):
        raise ValueError(f"{path!r} is neither a folder of images nor an .npy/.npz file.")
    else:
        raise FileNotFoundError(f"{path!r} does not exist.")
    if len(images) == 0:
        raise ValueError(f"{path!r} holds no images.")
    return take_split(images, labels, split, test_fraction, seed)
