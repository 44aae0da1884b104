"""Tests of kerasgen.data: IDX loading, the digits loader, pipelines and checks.

Real data only: Fashion-MNIST from Debian's dataset-fashion-mnist folder (tests
needing it are skipped if it is absent), scikit-learn's digits, and small IDX files
written here. Nothing touches the network: the missing-data tests set
KERASGEN_OFFLINE=1, or replace the TFDS fallback with a function that fails.
"""

import doctest
import gzip
import math
import os
import re
import struct

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasgen.data
from kerasgen.data import (
    IDX_FOLDER_ENV,
    check_images,
    default_data_dirs,
    load,
    pipeline,
)
from kerasgen.data import checks, idx, sources
from kerasgen.data import pipelines as pipeline_module


# --------------------------------------------------------------------------- helpers


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    """Runs every test without the user's data folder or offline settings."""
    monkeypatch.delenv(IDX_FOLDER_ENV, raising=False)
    monkeypatch.delenv(sources.OFFLINE_ENV, raising=False)


@pytest.fixture
def no_tfds(monkeypatch):
    """Makes any attempt to use the TFDS fallback fail the test."""

    def forbidden(name, split, *args):
        raise AssertionError(f"TFDS fallback called for {name!r} {split!r}")

    monkeypatch.setattr(sources, "_load_tfds", forbidden)


@pytest.fixture(scope="module")
def fashion_dir():
    """The Debian Fashion-MNIST folder, or skip."""
    folder = os.path.join(sources.SYSTEM_DATA_ROOT, "fashion-mnist")
    stems = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
    if not all(os.path.exists(os.path.join(folder, s + ".gz")) or
               os.path.exists(os.path.join(folder, s)) for s in stems):
        pytest.skip(f"Fashion-MNIST IDX files not in {folder} "
                    "(apt-get install -y dataset-fashion-mnist)")
    return folder


def idx_bytes(array):
    """Encodes a uint8 array as IDX, written independently of kerasgen's writer."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim)
    header += struct.pack(">" + "I" * array.ndim, *array.shape)
    return header + array.tobytes()


def write_pair(folder, images, labels, prefix="train", gz=True):
    """Writes an IDX image/label pair into `folder`; returns the two paths."""
    os.makedirs(folder, exist_ok=True)
    paths = []
    for kind, array in (("images-idx3", images), ("labels-idx1", labels)):
        path = os.path.join(folder, f"{prefix}-{kind}-ubyte" + (".gz" if gz else ""))
        data = idx_bytes(array)
        with open(path, "wb") as f:
            f.write(gzip.compress(data) if gz else data)
        paths.append(path)
    return paths


def tiny_set(n=5, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 256, size=(n, 4, 3), dtype=np.uint8),
            rng.integers(0, 10, size=(n,), dtype=np.uint8))


def collect(ds):
    """All batches of one epoch, concatenated (images, or (images, labels))."""
    batches = list(ds.as_numpy_iterator())
    if isinstance(batches[0], tuple):
        return tuple(np.concatenate(parts) for parts in zip(*batches, strict=True))
    return np.concatenate(batches)


@pytest.fixture(scope="module")
def digits():
    return load("digits", split="all")


# --------------------------------------------------------------------------- load


def test_public_api():
    assert sorted(kerasgen.data.__all__) == sorted(
        ["IDX_FOLDER_ENV", "ImageFormat", "check_images", "check_labels", "default_data_dirs", "gaussian_mixture_ring", "held_out_split", "load", "load_images",
         "pipeline", "ring_centers"])
    assert IDX_FOLDER_ENV == "KERASGEN_DATA_DIR"


def test_load_fashion_mnist_from_debian_folder(fashion_dir, no_tfds):
    x, y = load("fashion_mnist")
    assert x.shape == (60000, 28, 28, 1) and x.dtype == np.uint8
    assert y.shape == (60000,) and y.dtype == np.int64
    assert set(np.unique(y)) == set(range(10))
    assert np.bincount(y).tolist() == [6000] * 10
    assert x.max() == 255 and x.min() == 0
    xt, yt = load("fashion_mnist", split="test")
    assert xt.shape == (10000, 28, 28, 1) and yt.shape == (10000,)
    assert set(np.unique(yt)) == set(range(10))
    # Cached: the same read-only arrays come back.
    x2, y2 = load("fashion_mnist")
    assert x2 is x and y2 is y
    assert not x.flags.writeable
    xa, ya = load("fashion_mnist", split="all")
    assert xa.shape == (70000, 28, 28, 1)
    np.testing.assert_array_equal(ya[60000:], yt)


@pytest.mark.parametrize("gz", [True, False])
def test_load_idx_from_data_dir(tmp_path, gz, no_tfds):
    images, labels = tiny_set()
    write_pair(tmp_path, images, labels, "train", gz=gz)
    write_pair(tmp_path, images[:2], labels[:2], "t10k", gz=gz)
    x, y = load("fashion_mnist", data_dir=tmp_path)
    assert x.shape == (5, 4, 3, 1) and x.dtype == np.uint8 and y.dtype == np.int64
    np.testing.assert_array_equal(x[..., 0], images)
    np.testing.assert_array_equal(y, labels)
    xt, _ = load("fashion_mnist", split="test", data_dir=str(tmp_path))
    np.testing.assert_array_equal(xt[..., 0], images[:2])


def test_load_idx_from_env_var(tmp_path, monkeypatch, no_tfds):
    images, labels = tiny_set(7, seed=1)
    # $KERASGEN_DATA_DIR/<folder> comes before the system folder.
    write_pair(tmp_path / "fashion-mnist", images, labels, "train")
    monkeypatch.setenv(IDX_FOLDER_ENV, str(tmp_path))
    dirs = default_data_dirs("fashion_mnist")
    assert dirs[:2] == [str(tmp_path / "fashion-mnist"), str(tmp_path)]
    x, y = load("fashion_mnist")
    np.testing.assert_array_equal(x[..., 0], images)
    np.testing.assert_array_equal(y, labels)
    # ... and $KERASGEN_DATA_DIR itself is searched too.
    write_pair(tmp_path, images[:3], labels[:3], "t10k", gz=False)
    x, _ = load("kmnist", split="test")
    np.testing.assert_array_equal(x[..., 0], images[:3])


def test_default_data_dirs_order(tmp_path, monkeypatch):
    monkeypatch.setenv(IDX_FOLDER_ENV, "/env")
    assert default_data_dirs("fashion_mnist", data_dir="/mine") == [
        "/mine", "/env/fashion-mnist", "/env", "/usr/share/datasets/fashion-mnist"]
    assert default_data_dirs("digits") == []


@pytest.mark.parametrize("gz", [True, False])
def test_truncated_idx_raises_value_error_naming_file(tmp_path, gz):
    images, labels = tiny_set()
    image_path, _ = write_pair(tmp_path, images, labels, gz=gz)
    with open(image_path, "rb") as f:
        data = f.read()
    with open(image_path, "wb") as f:
        f.write(data[:-7])
    with pytest.raises(ValueError, match=re.escape(image_path)) as info:
        load("tiny", data_dir=tmp_path)
    assert "truncated" in str(info.value) or "gzip" in str(info.value)


def test_corrupt_idx_files_raise_value_error(tmp_path):
    path = tmp_path / "bad-magic"
    path.write_bytes(b"\x01\x02\x08\x01" + struct.pack(">I", 2) + b"ab")
    with pytest.raises(ValueError, match="bad magic number"):
        idx.read_idx(path)
    path.write_bytes(b"\x00\x00\x07\x01" + struct.pack(">I", 2) + b"ab")
    with pytest.raises(ValueError, match="unknown type code 0x07"):
        idx.read_idx(path)
    path.write_bytes(b"\x00\x00\x08\x03" + struct.pack(">I", 2))
    with pytest.raises(ValueError, match="header declares 3 dimensions"):
        idx.read_idx(path)
    path.write_bytes(idx_bytes(np.arange(3)) + b"x")
    with pytest.raises(ValueError, match="1 trailing bytes"):
        idx.read_idx(path)
    # Images and labels of different lengths.
    folder = tmp_path / "mismatch"
    image_path, label_path = write_pair(folder, *tiny_set())
    with open(label_path, "wb") as f:
        f.write(idx_bytes(np.arange(4)))
    with pytest.raises(ValueError, match="5 images but 4 labels"):
        load("tiny", data_dir=folder)


def test_missing_dataset_offline_lists_folders(tmp_path, monkeypatch):
    empty_env = tmp_path / "env"
    empty_env.mkdir()
    mine = tmp_path / "mine"
    mine.mkdir()
    monkeypatch.setenv(IDX_FOLDER_ENV, str(empty_env))
    monkeypatch.setenv("KERASGEN_OFFLINE", "1")
    monkeypatch.setattr(sources, "SYSTEM_DATA_ROOT", str(tmp_path / "system"))

    def forbidden(name, split, *args):
        raise AssertionError("TFDS must not be tried when KERASGEN_OFFLINE=1")

    monkeypatch.setattr(sources, "_load_tfds", forbidden)
    with pytest.raises(FileNotFoundError) as info:
        load("fashion_mnist", data_dir=mine)
    message = str(info.value)
    for folder in default_data_dirs("fashion_mnist", data_dir=mine):
        assert folder in message
    assert str(tmp_path / "system" / "fashion-mnist") in message
    assert "train-images-idx3-ubyte" in message and "train-labels-idx1-ubyte" in message
    assert "apt-get install -y dataset-fashion-mnist" in message
    assert "KERASGEN_DATA_DIR" in message and "data_dir" in message
    assert "KERASGEN_OFFLINE" in message


def test_missing_dataset_tfds_failure_is_chained(tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "SYSTEM_DATA_ROOT", str(tmp_path))

    def failing(name, split, *args):
        raise ConnectionError("no network here")

    monkeypatch.setattr(sources, "_load_tfds", failing)
    with pytest.raises(FileNotFoundError, match="no network here") as info:
        load("mnist", split="test")
    assert isinstance(info.value.__cause__, ConnectionError)
    assert "t10k-images-idx3-ubyte" in str(info.value)
    assert str(tmp_path / "mnist") in str(info.value)


def test_load_argument_errors(tmp_path):
    with pytest.raises(ValueError, match=r"split must be one of 'train', 'test', 'all'; "
                                         r"got 'valid'"):
        load("fashion_mnist", split="valid")
    with pytest.raises(ValueError, match="name must be"):
        load("")
    with pytest.raises(FileNotFoundError, match="data_dir must be an existing folder"):
        load("fashion_mnist", data_dir=tmp_path / "nowhere")


def test_digits_loader(digits):
    x, y = digits
    assert x.shape == (1797, 8, 8, 1) and x.dtype == np.uint8 and y.dtype == np.int64
    assert x.min() == 0 and x.max() == 255
    assert set(np.unique(x)) <= {round(v * 255 / 16) for v in range(17)}
    xtr, ytr = load("digits")
    xte, yte = load("digits", split="test")
    assert xtr.shape == (1500, 8, 8, 1) and xte.shape == (297, 8, 8, 1)
    assert ytr.shape == (1500,) and yte.shape == (297,)
    # The two splits partition the whole set (as multisets of (image, label) rows).
    def rows(images, labels):
        return sorted(images[i].tobytes() + bytes([labels[i]]) for i in range(len(images)))

    assert rows(np.concatenate([xtr, xte]), np.concatenate([ytr, yte])) == rows(x, y)
    # Shuffled, not the sklearn order, and the same on every call.
    assert not np.array_equal(ytr[:50], np.sort(ytr[:50]))
    np.testing.assert_array_equal(load("digits")[1], ytr)


# --------------------------------------------------------------------------- pipeline


def test_scales(digits):
    x, _ = digits
    unit = collect(pipeline(x, shuffle=False, batch_size=500))
    assert unit.dtype == np.float32 and unit.shape == x.shape
    assert unit.min() == 0.0 and unit.max() == 1.0
    np.testing.assert_allclose(unit, x / 255.0, rtol=1e-6)
    sym = collect(pipeline(x, shuffle=False, batch_size=500, scale="symmetric"))
    assert sym.min() == -1.0 and sym.max() == 1.0
    np.testing.assert_allclose(sym, x / 127.5 - 1.0, atol=1e-6)
    raw = collect(pipeline(x, shuffle=False, batch_size=500, scale=None))
    np.testing.assert_array_equal(raw, x.astype(np.float32))


def test_dynamic_binarization(digits):
    x, _ = digits
    ds = pipeline(x, batch_size=600, binarize="dynamic", seed=3, shuffle=False)
    first, second = collect(ds), collect(ds)
    assert set(np.unique(first)) == {0.0, 1.0} and first.dtype == np.float32
    assert not np.array_equal(first, second)
    again = collect(pipeline(x, batch_size=600, binarize="dynamic", seed=3, shuffle=False))
    np.testing.assert_array_equal(first, again)
    assert abs(first.mean() - (x / 255.0).mean()) < 0.01
    # Pixels at 0 stay 0 and pixels at 255 stay 1.
    assert (first[x == 0] == 0).all() and (first[x == 255] == 1).all()
    # With shuffling: same seed, same epochs.
    a = pipeline(x, batch_size=600, binarize="dynamic", seed=5)
    b = pipeline(x, batch_size=600, binarize="dynamic", seed=5)
    for _ in range(2):
        np.testing.assert_array_equal(collect(a), collect(b))


def test_static_binarization(digits):
    x, _ = digits
    out = collect(pipeline(x, binarize="static", shuffle=False, batch_size=1000))
    np.testing.assert_array_equal(out, (x / 255.0 > 0.5).astype(np.float32))
    out_raw = collect(pipeline(x, binarize="static", scale=None, shuffle=False,
                               batch_size=1000))
    np.testing.assert_array_equal(out, out_raw)


def test_dequantization(digits):
    x, _ = digits
    ds = pipeline(x, dequantize=True, shuffle=False, seed=0, batch_size=1000)
    first, second = collect(ds), collect(ds)
    assert first.min() >= 0.0 and first.max() < 1.0
    np.testing.assert_array_equal(np.floor(first * 256), x)
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(np.floor(second * 256), x)
    again = collect(pipeline(x, dequantize=True, shuffle=False, seed=0, batch_size=1000))
    np.testing.assert_array_equal(first, again)
    # Worst case: 255 plus the largest noise stays below 1.
    top = collect(pipeline(np.full((64, 16, 16, 1), 255, np.uint8), dequantize=True,
                           shuffle=False, seed=1))
    assert top.max() < 1.0 and top.min() >= 255 / 256
    sym = collect(pipeline(x, dequantize=True, scale="symmetric", shuffle=False, seed=0,
                           batch_size=1000))
    assert sym.min() >= -1.0 and sym.max() < 1.0
    np.testing.assert_array_equal(np.floor((sym + 1.0) * 128), x)


def test_labels_and_shuffle():
    n = 300
    images = (np.arange(n) % 256).astype(np.uint8)[:, None, None, None] * np.ones(
        (1, 2, 2, 1), np.uint8)
    labels = np.arange(n)
    ds = pipeline((images, labels), labels=True, scale=None, batch_size=64, seed=7)
    assert ds.element_spec[1].dtype == tf.int32
    x1, y1 = collect(ds)
    x2, y2 = collect(ds)
    # Pairs stay together, every example appears once, the order changes per epoch.
    np.testing.assert_array_equal(x1[:, 0, 0, 0], y1 % 256)
    np.testing.assert_array_equal(x2[:, 0, 0, 0], y2 % 256)
    assert sorted(y1.tolist()) == list(range(n))
    assert not np.array_equal(y1, y2) and not np.array_equal(y1, labels)
    _, y3 = collect(pipeline((images, labels), labels=True, batch_size=64, seed=7))
    np.testing.assert_array_equal(y1, y3)
    # Labels are dropped unless asked for.
    assert isinstance(pipeline((images, labels)).element_spec, tf.TensorSpec)


def test_batching_and_take(digits):
    x, _ = digits
    shapes = [b.shape[0] for b in pipeline(x, batch_size=500, shuffle=False)]
    assert shapes == [500, 500, 500, 297]
    shapes = [b.shape[0] for b in pipeline(x, batch_size=500, drop_remainder=True)]
    assert shapes == [500, 500, 500]
    out = collect(pipeline(x, take=100, batch_size=32, shuffle=False))
    np.testing.assert_allclose(out, x[:100] / 255.0, rtol=1e-6)
    out = collect(pipeline(x, take=100, batch_size=32, seed=0))
    assert out.shape[0] == 100
    assert sorted(out.reshape(100, -1).sum(1).tolist()) == pytest.approx(
        sorted((x[:100] / 255.0).reshape(100, -1).sum(1).tolist()), rel=1e-5)


class _Batches(keras.utils.PyDataset):
    """A PyDataset of (x, y) batches over NumPy arrays."""

    def __init__(self, x, y, batch_size):
        super().__init__()
        self.x, self.y, self.batch_size = x, y, batch_size

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, i):
        s = slice(i * self.batch_size, (i + 1) * self.batch_size)
        return self.x[s], self.y[s]


def test_all_sources_give_the_same_first_batch(digits, fashion_dir):
    x, y = load("fashion_mnist", split="test")
    x, y = x[:300], y[:300]
    kwargs = dict(shuffle=False, batch_size=50, labels=True)
    sources_ = {
        "name": pipeline("fashion_mnist", split="test", take=300, **kwargs),
        "tuple": pipeline((x, y), **kwargs),
        "tf.data": pipeline(tf.data.Dataset.from_tensor_slices((x, y)), **kwargs),
        "PyDataset": pipeline(_Batches(x, y, 32), **kwargs),
    }
    expected_x, expected_y = x[:50] / 255.0, y[:50]
    for name, ds in sources_.items():
        bx, by = next(iter(ds))
        np.testing.assert_allclose(bx.numpy(), expected_x, rtol=1e-6, err_msg=name)
        np.testing.assert_array_equal(by.numpy(), expected_y, err_msg=name)
        assert by.dtype == tf.int32, name
    # Image-only sources.
    for source in (x, tf.data.Dataset.from_tensor_slices(x)):
        bx = next(iter(pipeline(source, shuffle=False, batch_size=50)))
        np.testing.assert_allclose(bx.numpy(), expected_x, rtol=1e-6)
    # A PyDataset is read whole, every epoch, and can be shuffled.
    ds = pipeline(_Batches(x, y, 32), labels=True, seed=0, batch_size=128)
    for _ in range(2):
        xs, ys = collect(ds)
        assert sorted(ys.tolist()) == sorted(y.tolist()) and xs.shape == (300, 28, 28, 1)


def test_float_sources(digits):
    x, _ = digits
    as_float = x.astype(np.float32)
    np.testing.assert_array_equal(
        collect(pipeline(as_float, shuffle=False, batch_size=2000)),
        collect(pipeline(x, shuffle=False, batch_size=2000)))
    scaled = as_float / 255.0
    with pytest.raises(ValueError, match="look already scaled.*scale=None"):
        pipeline(scaled)
    with pytest.raises(ValueError, match="look already scaled"):
        pipeline(scaled, scale=None, binarize="static")
    out = collect(pipeline(scaled, scale=None, shuffle=False, batch_size=2000))
    np.testing.assert_array_equal(out, scaled)
    with pytest.raises(ValueError, match=r"outside \[0, 255\]: min -1, max 255"):
        pipeline(np.concatenate([as_float, -np.ones_like(as_float[:1])]))


@pytest.mark.parametrize(
    "kwargs, error, pattern",
    [
        (dict(scale="foo"), ValueError,
         r"scale must be one of 'unit', 'symmetric' or None; got 'foo'"),
        (dict(binarize="yes"), ValueError, r"binarize must be one of .*got 'yes'"),
        (dict(binarize="dynamic", scale="symmetric"), ValueError,
         r"binary data is \{0, 1\}"),
        (dict(binarize="static", dequantize=True), ValueError,
         r"dequantize=True cannot be combined with binarize='static'"),
        (dict(labels=True), ValueError, r"labels=True but the source has no labels"),
        (dict(batch_size=0), ValueError, r"batch_size must be a positive integer; got 0"),
        (dict(take=-3), ValueError, r"take must be a positive integer or None; got -3"),
        (dict(seed=1.5), ValueError, r"seed must be an integer or None; got 1.5"),
        (dict(shuffle="no"), TypeError, r"shuffle must be True or False; got 'no'"),
        (dict(split="test"), ValueError, r"split applies only when source is a dataset"),
    ],
)
def test_pipeline_argument_errors(digits, kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        pipeline(digits[0], **kwargs)


def test_pipeline_source_errors(digits):
    x, y = digits
    with pytest.raises(ValueError, match=r"split must be one of .*got 'validation'"):
        pipeline("digits", split="validation")
    with pytest.raises(TypeError, match="source must be a dataset name"):
        pipeline([1, 2, 3])
    with pytest.raises(ValueError, match=r"shape \(N, H, W, C\).*images\[\.\.\., None\]"):
        pipeline(x[..., 0])
    with pytest.raises(ValueError, match="1797 images but 10 labels"):
        pipeline((x, y[:10]))
    with pytest.raises(ValueError, match=r"unbatched images.*\.unbatch\(\)"):
        pipeline(tf.data.Dataset.from_tensor_slices(x).batch(8))
    with pytest.raises(ValueError, match="labels=True but the source has no labels"):
        pipeline(tf.data.Dataset.from_tensor_slices(x), labels=True)


def test_pipeline_feeds_keras_fit(digits):
    x, y = digits
    ds = pipeline((x, y), labels=True, batch_size=64, take=256, seed=0,
                  drop_remainder=True)
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(10)])
    model.compile(optimizer="adam",
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(ds, epochs=2, verbose=0, shuffle=False)
    assert len(history.history["loss"]) == 2
    assert all(np.isfinite(history.history["loss"]))


# --------------------------------------------------------------------------- checks


def _batches(array, batch_size=4):
    return tf.data.Dataset.from_tensor_slices(np.asarray(array, np.float32)).batch(batch_size)


def test_check_images_passes_good_data(digits):
    ds = pipeline((digits[0], digits[1]), labels=True, take=64, batch_size=16)
    checked = check_images(ds, image_shape=(8, 8, 1), value_range=(0, 1))
    x, y = collect(checked)
    assert x.shape == (64, 8, 8, 1) and y.shape == (64,)
    assert checked.element_spec == ds.element_spec
    # None entries match any size.
    list(check_images(ds, image_shape=(None, 8, None)))


def test_check_images_catches_nan():
    data = np.zeros((8, 2, 2, 1), np.float32)
    data[5, 1, 0, 0] = np.nan
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"images \(batch 1\) contains NaN or Inf"):
        list(check_images(_batches(data), argument="images"))


def test_check_images_catches_out_of_range():
    data = np.full((8, 2, 2, 1), 0.5, np.float32)
    data[6, 0, 0, 0] = -0.5
    ds = check_images(_batches(data), value_range=(0, 1))
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"x \(batch 1\) has values outside \[0, 1\]: min -0.5, max 0.5"):
        list(ds)
    ds = check_images(_batches(data * 4), value_range=(-1, 1), argument="fake")
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"fake \(batch 0\) has values outside \[-1, 1\]: min 2, max 2"):
        list(ds)


def test_check_images_wrong_shape():
    ds = _batches(np.zeros((8, 28, 28, 1)))
    with pytest.raises(ValueError, match=r"x must have shape \(B, 32, 32, 3\).*"
                                         r"\(None, 28, 28, 1\)"):
        check_images(ds, image_shape=(32, 32, 3))
    with pytest.raises(ValueError, match=r"rank 3"):
        check_images(tf.data.Dataset.from_tensor_slices(np.zeros((8, 28, 28))).batch(2))
    with pytest.raises(ValueError, match=r"image_shape must be a tuple \(H, W, C\)"):
        check_images(ds, image_shape=(28, 28))
    with pytest.raises(ValueError, match=r"value_range must be a pair"):
        check_images(ds, value_range=(1, 0))
    with pytest.raises(TypeError, match="dataset must be a tf.data.Dataset"):
        check_images(np.zeros((2, 2, 2, 1)))
    # A size unknown statically is checked at iteration.
    gen = tf.data.Dataset.from_generator(
        lambda: iter([np.zeros((2, 28, 28, 1), np.float32)]),
        output_signature=tf.TensorSpec((None, None, None, 1), tf.float32))
    with pytest.raises(tf.errors.InvalidArgumentError, match="wrong image shape"):
        list(check_images(gen, image_shape=(32, 32, 1)))


def _pairs(labels, batch_size=4):
    images = np.zeros((len(labels), 2, 2, 1), np.float32)
    return tf.data.Dataset.from_tensor_slices((images, labels)).batch(batch_size)


@pytest.mark.parametrize("labels, pattern", [
    ([0, 1, 2, 3, 4, 5, 9, 10], r"x \(batch 1\) labels must be class ids in \[0, 10\); got values from 4 to 10"),
    ([0, 1, 2, 3, -1, 5, 6, 7], r"x \(batch 1\) labels must be class ids in \[0, 10\); got values from -1 to 7"),
    ([0.0, 1, 2, 3, 4, 5, 1.5, 7], r"x \(batch 1\) labels must hold integer class ids \(whole numbers\); got values such as \[1.5\]"),
    ([0.0, np.nan, 2, 3, 4, 5, 6, 7], r"x \(batch 0\) labels must hold integer class ids .* \[nan\]"),
    ([9.0, 1e9, 2, 3, 4, 5, 6, 7], r"x \(batch 0\) labels must be class ids in \[0, 10\); got values from 2 to 1000000000"),
])
def test_check_images_catches_bad_labels(labels, pattern):
    with pytest.raises(tf.errors.InvalidArgumentError, match=pattern):
        list(check_images(_pairs(np.array(labels)), num_classes=10))


def test_check_images_passes_good_labels():
    for labels in (np.arange(8) % 10, np.arange(8.0)[:, None], np.arange(8, dtype=np.uint8)):
        ds = _pairs(labels)
        checked = check_images(ds, num_classes=10)
        assert checked.element_spec == ds.element_spec
        np.testing.assert_array_equal(collect(checked)[1], labels)
    # A third item (sample weights) passes through untouched.
    triples = tf.data.Dataset.from_tensor_slices(
        (np.zeros((4, 2, 2, 1), np.float32), np.arange(4), np.ones(4))).batch(2)
    assert len(collect(check_images(triples, num_classes=10))) == 3


def test_check_images_label_specs_fail_at_once():
    with pytest.raises(ValueError, match=r"x labels must be one class id per image.*\(None, 2\)"):
        check_images(_pairs(np.zeros((8, 2), np.int32)), num_classes=10)
    with pytest.raises(ValueError, match=r"validation_data labels must be one class id per image.*\(None, 1, 1\)"):
        check_images(_pairs(np.zeros((8, 1, 1), np.int32)), num_classes=10, argument="validation_data")
    with pytest.raises(TypeError, match=r"x labels must hold integer class ids; .* dtype string"):
        check_images(_pairs(np.array(["3"] * 8)), num_classes=10)
    with pytest.raises(TypeError, match=r"dtype bool"):
        check_images(_pairs(np.ones(8, bool)), num_classes=10)
    with pytest.raises(ValueError, match=r"num_classes=10 needs \(images, labels\) elements"):
        check_images(_batches(np.zeros((8, 2, 2, 1))), num_classes=10)
    with pytest.raises(ValueError, match=r"num_classes must be an integer >= 2 or None; got True \(a bool\)"):
        check_images(_pairs(np.arange(8)), num_classes=True)


def test_check_images_label_shape_unknown_until_run():
    gen = tf.data.Dataset.from_generator(
        lambda: iter([(np.zeros((4, 2, 2, 1), np.float32), np.zeros((4, 2), np.int32))]),
        output_signature=(tf.TensorSpec((None, 2, 2, 1), tf.float32), tf.TensorSpec(None, tf.int32)))
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"x \(batch 0\) labels must be one class id per image, of shape \(B,\) or \(B, 1\); got shape \[4 2\] for 4 images"):
        list(check_images(gen, num_classes=10))


def test_check_labels_of_samples_of_any_shape():
    points = np.zeros((8, 2), np.float32)
    good = tf.data.Dataset.from_tensor_slices((points, np.arange(8) % 3)).batch(4)
    checked = checks.check_labels(good, num_classes=3)
    assert checked.element_spec == good.element_spec
    np.testing.assert_array_equal(collect(checked)[1], np.arange(8) % 3)
    bad = tf.data.Dataset.from_tensor_slices((points, [0, 1, 2, 0, 1, 2, 0, 3])).batch(4)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"fake \(batch 1\) labels must be class ids in \[0, 3\); got values from 0 to 3"):
        list(checks.check_labels(bad, num_classes=3, argument="fake"))
    pairs_of_two = tf.data.Dataset.from_tensor_slices((points, np.zeros((8, 2), np.int32))).batch(4)
    with pytest.raises(ValueError, match=r"x labels must be one class id per sample"):
        checks.check_labels(pairs_of_two, num_classes=3)
    with pytest.raises(ValueError, match=r"needs \(samples, labels\) elements"):
        checks.check_labels(tf.data.Dataset.from_tensor_slices(points).batch(4), num_classes=3)
    with pytest.raises(ValueError, match=r"num_classes must be an integer >= 2; got None"):
        checks.check_labels(good, num_classes=None)


# --------------------------------------------------------------------------- docs


@pytest.mark.parametrize("module", [idx, sources, pipeline_module, checks])
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
