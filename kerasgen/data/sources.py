"""Loading datasets as NumPy arrays: local IDX files first, TFDS only as a fallback.

The lookup for an IDX dataset (``fashion_mnist``, ``mnist``, ``kmnist``, ...) goes
through the folders of `default_data_dirs`, in order; the first folder holding both
files of the split (``train-*`` or ``t10k-*``, gzipped or not) wins. Only when no
folder has them is ``tensorflow_datasets`` imported and asked for the data, unless
``KERASGEN_OFFLINE=1`` is set. ``digits`` comes from scikit-learn and needs no files.
"""

import difflib
import os

import numpy as np

from kerasgen.data.files import HELD_OUT_FRACTION, HELD_OUT_SEED
from kerasgen.data.idx import read_idx

IDX_FOLDER_ENV = "KERASGEN_DATA_DIR"
"""Environment variable naming a folder searched for dataset files."""

OFFLINE_ENV = "KERASGEN_OFFLINE"
"""Environment variable; when set to 1/true/yes/on, TFDS downloads are not tried."""

SYSTEM_DATA_ROOT = "/usr/share/datasets"
"""Folder where Debian's ``dataset-*`` packages put their files (searched last)."""

# Names `load` is known to serve (IDX or TFDS), for "did you mean" in errors.
KNOWN_NAMES = ("digits", "fashion_mnist", "mnist", "kmnist", "emnist", "binarized_mnist",
               "cifar10", "cifar100", "svhn_cropped")

# Debian packages providing a dataset's IDX files, for the error message.
_DEBIAN_PACKAGES = {"fashion_mnist": "dataset-fashion-mnist"}

# IDX file stems of each split.
_IDX_STEMS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
_SPLITS = ("train", "test", "all")

_DIGITS_TRAIN = 1500
_DIGITS_SEED = 0

# In-process cache of loaded arrays; keys include resolved paths, sizes and mtimes.
_CACHE = {}


def _check_name(name):
    if not isinstance(name, str) or not name.strip():
        raise ValueError(
            f"name must be a non-empty dataset name such as 'fashion_mnist' or "
            f"'digits'; got {name!r}"
        )
    return name.strip()


def _check_split(split):
    if split not in _SPLITS:
        allowed = ", ".join(repr(s) for s in _SPLITS)
        raise ValueError(f"split must be one of {allowed}; got {split!r}")
    return split


def _folder_name(name):
    return name.replace("_", "-")


def default_data_dirs(name, data_dir=None):
    """Lists, in search order, the folders `load` looks in for a dataset's files.

    The order is: `data_dir` if given; ``$KERASGEN_DATA_DIR/<folder>`` and
    ``$KERASGEN_DATA_DIR`` if that variable is set; ``/usr/share/datasets/<folder>``
    (where Debian's ``dataset-*`` packages install). ``<folder>`` is `name` with
    underscores turned into dashes, e.g. ``fashion-mnist``.

    Args:
        name: Dataset name as in TFDS, e.g. ``"fashion_mnist"``.
        data_dir: Optional folder to search first.

    Returns:
        A list of folder paths (strings), whether or not they exist; empty for
        ``"digits"``, which needs no files.

    Example:
        >>> default_data_dirs("fashion_mnist", data_dir="/data")[0]
        '/data'
        >>> default_data_dirs("fashion_mnist")[-1]
        '/usr/share/datasets/fashion-mnist'
    """
    name = _check_name(name)
    if name == "digits":
        return []
    folder = _folder_name(name)
    dirs = []
    if data_dir is not None:
        dirs.append(os.fspath(data_dir))
    env = os.environ.get(IDX_FOLDER_ENV)
    if env:
        dirs += [os.path.join(env, folder), env]
    dirs.append(os.path.join(SYSTEM_DATA_ROOT, folder))
    return dirs


def _find_file(folder, stem):
    """Returns the path of `stem` or `stem`.gz in `folder`, or None."""
    for candidate in (stem, stem + ".gz"):
        path = os.path.join(folder, candidate)
        if os.path.isfile(path):
            return path
    return None


def _locate_idx(name, split, data_dir):
    """Finds the IDX pair of `split`; returns ((images, labels) paths or None, report)."""
    image_stem, label_stem = _IDX_STEMS[split]
    report = []
    for folder in default_data_dirs(name, data_dir):
        if not os.path.isdir(folder):
            report.append(f"{folder}  (no such folder)")
            continue
        image_path = _find_file(folder, image_stem)
        label_path = _find_file(folder, label_stem)
        if image_path and label_path:
            return (image_path, label_path), report
        if image_path or label_path:
            missing = label_stem if image_path else image_stem
            report.append(f"{folder}  (has one file but not {missing}[.gz])")
        else:
            report.append(f"{folder}  (neither file)")
    return None, report


def _file_key(path):
    st = os.stat(path)
    return (os.path.realpath(path), st.st_size, st.st_mtime_ns)


def _freeze(*arrays):
    for a in arrays:
        a.setflags(write=False)
    return arrays


def _load_idx_pair(image_path, label_path):
    """Reads and checks an IDX image/label pair (cached)."""
    key = ("idx", _file_key(image_path), _file_key(label_path))
    if key in _CACHE:
        return _CACHE[key]
    images = read_idx(image_path)
    labels = read_idx(label_path)
    if images.ndim == 3:
        images = images[..., np.newaxis]
    if images.ndim != 4 or images.dtype != np.uint8:
        raise ValueError(
            f"IDX file {image_path!r} holds a {images.dtype} array of shape "
            f"{images.shape}; expected uint8 images of shape (N, H, W) or (N, H, W, C)"
        )
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"IDX file {label_path!r} holds a {labels.dtype} array of shape "
            f"{labels.shape}; expected integer labels of shape (N,)"
        )
    if len(labels) != len(images):
        raise ValueError(
            f"IDX files {image_path!r} and {label_path!r} do not match: "
            f"{len(images)} images but {len(labels)} labels"
        )
    result = _freeze(images, labels.astype(np.int64))
    _CACHE[key] = result
    return result


def _offline():
    return os.environ.get(OFFLINE_ENV, "").strip().lower() in ("1", "true", "yes", "on")


TFDS_PROBE_HOST = ("storage.googleapis.com", 443)
"""Where TFDS downloads from; `load` tries to reach it (5 s) before asking TFDS to download."""


def _unknown_tfds_name(name):
    import tensorflow_datasets as tfds

    names = sorted(set(tfds.list_builders(with_community_datasets=False)) | set(KNOWN_NAMES))
    close = difflib.get_close_matches(name.lower().replace("-", "_"), names, n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return ValueError(
        f"Unknown dataset {name!r}: it is not a folder or .npy/.npz file, not one of kerasgen's IDX "
        f"datasets, and not a TensorFlow Datasets name ({len(names)} known, e.g. mnist, cifar10, "
        f"celeb_a; tfds.list_builders() lists them).{hint}"
    )


def _network_reaches_tfds():
    import socket

    try:
        socket.create_connection(TFDS_PROBE_HOST, timeout=5).close()
        return True, ""
    except OSError as err:
        return False, f"{TFDS_PROBE_HOST[0]} is unreachable ({type(err).__name__}: {err})"


def _tfds_builder(name, data_dir):
    """The prepared TFDS builder of `name` (downloading it if the network allows), or a clear error."""
    import tensorflow_datasets as tfds

    import logging

    absl = logging.getLogger("absl")
    level = absl.level
    # TFDS logs a warning ("Variant folder ... has no dataset_info.json") for a dataset not prepared yet: the
    # error below says that, and what to do.
    absl.setLevel(logging.ERROR)
    try:
        builder = tfds.builder(name, data_dir=None if data_dir is None else os.fspath(data_dir))
        prepared = builder.is_prepared()
    except tfds.core.registered.DatasetNotFoundError:
        raise _unknown_tfds_name(name) from None
    finally:
        absl.setLevel(level)
    if prepared:
        return builder
    reason = f"{OFFLINE_ENV} is set" if _offline() else _network_reaches_tfds()[1]
    if not reason:
        try:
            builder.download_and_prepare()
            return builder
        except Exception as err:  # any download or preparation failure
            reason = f"its download failed ({type(err).__name__}: {err})"
    raise FileNotFoundError(
        f"TensorFlow Datasets has no prepared copy of {name!r} on this machine and cannot download it: "
        f"{reason}.\nTo use it offline, prepare it on a machine with network access "
        f"(`tfds build {name}`, or tensorflow_datasets.load({name!r})) and copy the folder it writes, "
        f"{os.path.join('~/tensorflow_datasets', name, str(builder.info.version))}, to "
        f"{builder.data_dir} here (or to NAME/VERSION under a folder given as data_dir= / --data-dir, or "
        "$TFDS_DATA_DIR). Or export the images to a folder or an .npz file and pass its path instead."
    )


def _tfds_arrays(builder, split, image_size, channels):
    """uint8 images (N, H, W, C) and int64 labels (or None) of a prepared builder's split."""
    from kerasgen.data.files import conform_image

    features = builder.info.features
    image_key = builder.info.supervised_keys[0] if builder.info.supervised_keys else "image"
    if image_key not in features:
        raise ValueError(f"TFDS dataset {builder.name!r} has no image feature (its features: {list(features)}).")
    label_key = builder.info.supervised_keys[1] if builder.info.supervised_keys else (
        "label" if "label" in features else None)
    images, labels = [], []
    for example in builder.as_dataset(split=split).as_numpy_iterator():
        image = np.asarray(example[image_key])
        images.append(conform_image(image, image_size, channels, f"TFDS dataset {builder.name!r}"))
        if label_key is not None:
            labels.append(int(example[label_key]))
    if not images:
        raise ValueError(f"TFDS dataset {builder.name!r} split {split!r} holds no images.")
    shapes = {i.shape for i in images}
    if len(shapes) > 1:
        raise ValueError(f"TFDS dataset {builder.name!r} has images of {len(shapes)} sizes; pass image_size=N "
                         "(--image-size N) to crop each to its central square and resize it to N x N.")
    return np.stack(images), (np.asarray(labels, "int64") if label_key is not None else None)


def _load_tfds(name, split, data_dir=None, image_size=None, channels=None):
    """Loads `split` of TFDS dataset `name`; a source with no test split gets the seeded held-out one."""
    from kerasgen.data.files import take_split

    builder = _tfds_builder(name, data_dir)
    splits = set(builder.info.splits)
    if "test" in splits or split == "train" and "train" not in splits:
        return _tfds_arrays(builder, split, image_size, channels)
    return take_split(*_tfds_arrays(builder, "train", image_size, channels), split)



def split_info(name, data_dir=None):
    """Where `load(name, "test")` takes its test images from: a dict for a run's metadata.

    ``{"test": "the dataset's own test split"}`` for IDX, ``digits`` and TFDS
    datasets that have one; for your own images (and TFDS datasets without a
    test split) the seeded held-out share, ``{"test": "held out", "fraction":
    0.1, "seed": 0, "method": ...}``.
    """
    from kerasgen.data.files import is_file_source

    held_out = {"test": "held out", "fraction": HELD_OUT_FRACTION, "seed": HELD_OUT_SEED,
                "method": "kerasgen.data.held_out_split: the last 10% of a permutation of the images seeded "
                          "with 0 (numpy.random.default_rng)"}
    if is_file_source(name):
        return held_out
    if name == "digits":
        return {"test": f"the last {1797 - _DIGITS_TRAIN} of a permutation seeded with {_DIGITS_SEED}"}
    if _locate_idx(name, "test", data_dir)[0] is not None:
        return {"test": "the dataset's own test split (IDX files)"}
    builder = _tfds_builder(name, data_dir)
    return {"test": "the dataset's own test split (TFDS)"} if "test" in builder.info.splits else held_out


def close_match(name):
    """The known dataset name closest to a misspelt `name`, or None.

    Example:
        >>> close_match("fashion_mnst"), close_match("Fashion-MNIST"), close_match("mnist")
        ('fashion_mnist', 'fashion_mnist', None)
    """
    if name in KNOWN_NAMES:
        return None
    match = difflib.get_close_matches(name.lower().replace("-", "_"), KNOWN_NAMES, n=1, cutoff=0.8)
    return match[0] if match else None


def _not_found(name, split, report, cause):
    image_stem, label_stem = _IDX_STEMS[split]
    lines = []
    suggestion = close_match(name)
    if suggestion:
        # A typo is likelier than missing files: say so before any download advice.
        lines.append(
            f"Unknown dataset name {name!r}: did you mean {suggestion!r}? (known names: "
            f"{', '.join(KNOWN_NAMES)}; other TFDS names load through tensorflow_datasets)"
        )
    lines += [
        f"Could not load split {split!r} of dataset {name!r}: its files are not on "
        "this machine and TensorFlow Datasets could not provide it.",
        f"Looked in these folders, in order, for {image_stem}[.gz] and "
        f"{label_stem}[.gz]:",
    ]
    lines += [f"  {entry}" for entry in report]
    lines.append("To get the data, do one of:")
    package = _DEBIAN_PACKAGES.get(name)
    if package:
        lines.append(
            f"  - install Debian's copy: apt-get install -y {package} "
            f"(puts the files in {os.path.join(SYSTEM_DATA_ROOT, _folder_name(name))})"
        )
    lines.append(
        f"  - put the two IDX files in a folder and set {IDX_FOLDER_ENV}=<folder> "
        "or pass data_dir=<folder>"
    )
    if _offline():
        lines.append(
            f"  - unset {OFFLINE_ENV} and allow network access, so that "
            f"tensorflow_datasets can download {name!r} (not tried: {OFFLINE_ENV} is set)"
        )
    else:
        lines.append(
            f"  - allow network access, so that tensorflow_datasets can download "
            f"{name!r} (it failed with {type(cause).__name__}: {cause})"
        )
    return FileNotFoundError("\n".join(lines))


def _load_digits(split):
    key = ("digits", split)
    if key in _CACHE:
        return _CACHE[key]
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = np.round(bunch.images * (255.0 / 16.0)).astype(np.uint8)[..., np.newaxis]
    labels = bunch.target.astype(np.int64)
    order = np.random.default_rng(_DIGITS_SEED).permutation(len(images))
    if split == "train":
        order = order[:_DIGITS_TRAIN]
    elif split == "test":
        order = order[_DIGITS_TRAIN:]
    result = _freeze(images[order], labels[order])
    _CACHE[key] = result
    return result


# Names whose IDX files kerasgen reads; their TFDS fallback failing gives the IDX advice.
IDX_NAMES = ("fashion_mnist", "mnist", "kmnist", "emnist")


def _load_split(name, split, data_dir, image_size=None, channels=None):
    from kerasgen.data.files import conform_images

    paths, report = _locate_idx(name, split, data_dir)
    if paths is not None:
        images, labels = _load_idx_pair(*paths)
        if image_size is None and channels is None:
            return images, labels
        return _freeze(conform_images(images, image_size, channels, f"dataset {name!r}"), labels)
    key = ("tfds", name, split, os.fspath(data_dir) if data_dir is not None else None, image_size, channels)
    if key in _CACHE:
        return _CACHE[key]
    if name in IDX_NAMES or close_match(name):
        if _offline():
            raise _not_found(name, split, report, None)
        try:
            result = _load_tfds(name, split, data_dir, image_size, channels)
        except Exception as e:  # any TFDS failure: missing package, no network, ...
            raise _not_found(name, split, report, e) from e
    else:
        # Any other TFDS name: its own errors (unknown name, not prepared offline) say what to do.
        result = _load_tfds(name, split, data_dir, image_size, channels)
    result = (_freeze(result[0])[0], None if result[1] is None else _freeze(result[1])[0])
    _CACHE[key] = result
    return result


def load(name, split="train", data_dir=None, *, image_size=None, channels=None):
    """Loads a dataset split as NumPy arrays of uint8 images and int64 labels.

    IDX datasets (``fashion_mnist``, ``mnist``, ...) are read from the first folder
    of `default_data_dirs` holding both files of the split; only if none does,
    ``tensorflow_datasets`` is tried (never when ``KERASGEN_OFFLINE=1``), which is
    also how other TFDS names (``cifar10``, ...) load. ``digits`` is scikit-learn's
    8x8 digits, values 0..16 mapped to 0..255, split by a fixed permutation into
    1500 training and 297 test images. Results are cached in-process and returned
    read-only: copy them before changing them in place.

    Args:
        name: Dataset name as in TFDS (``"fashion_mnist"``, ``"mnist"``,
            ``"cifar10"``, ...) or ``"digits"``; or your own images, a folder
            or an ``.npy``/``.npz`` file (see `kerasgen.data.load_images`,
            whose labels are None when the source has none).
        split: ``"train"``, ``"test"`` or ``"all"`` (train then test).
        data_dir: Optional folder searched first for the IDX files (and the
            TFDS data folder, holding NAME/VERSION, for other names).
        image_size: None (images as they are), or an int N: each image
            cropped to its largest central square and resized (bilinear)
            to N x N, the rule of `load_images`.
        channels: None (as they are), 1 (grey, ITU-R 601-2 luma) or 3 (RGB;
            grey images repeated).

    Returns:
        A tuple ``(images, labels)``: uint8 array of shape (N, H, W, C), C being 1
        for grey images, and int64 array of shape (N,) (None for your own
        images without labels, or a TFDS dataset without a label feature).

    Sources without a test split (your own images, some TFDS datasets) get
    a seeded held-out one (`held_out_split`; `split_info` says which).

    Raises:
        ValueError: For a bad `name` or `split`, or a corrupted IDX file.
        FileNotFoundError: If the files are nowhere and TFDS cannot provide them;
            the message lists the folders searched and how to get the files.

    Example:
        >>> images, labels = load("digits", split="test")
        >>> images.shape, images.dtype.name, labels.shape
        ((297, 8, 8, 1), 'uint8', (297,))
    """
    from kerasgen.data.files import is_file_source, load_images

    if is_file_source(name):
        if data_dir is not None:
            raise ValueError(f"data_dir applies to dataset names; {os.fspath(name)!r} is a folder or file.")
        return load_images(name, split=split, image_size=image_size, channels=channels)
    name = _check_name(name)
    split = _check_split(split)
    from kerasgen.data.files import check_conform_args, conform_images

    check_conform_args(image_size, channels)
    if data_dir is not None:
        if not isinstance(data_dir, (str, os.PathLike)):
            raise TypeError(f"data_dir must be a path or None; got {data_dir!r}")
        if not os.path.isdir(data_dir):
            raise FileNotFoundError(
                f"data_dir must be an existing folder; got {os.fspath(data_dir)!r}"
            )
    if name == "digits":
        images, labels = _load_digits(split)
        if image_size is None and channels is None:
            return images, labels
        return _freeze(conform_images(images, image_size, channels, "dataset 'digits'"), labels)
    if split != "all":
        return _load_split(name, split, data_dir, image_size, channels)
    parts = [_load_split(name, s, data_dir, image_size, channels) for s in ("train", "test")]
    labels = None if parts[0][1] is None else np.concatenate([p[1] for p in parts])
    images = np.concatenate([p[0] for p in parts])
    return _freeze(images)[0], (None if labels is None else _freeze(labels)[0])
