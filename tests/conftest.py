import os

import keras
import numpy as np
import pytest


def pytest_report_header(config):
    return f"keras {keras.__version__}, backend {keras.backend.backend()}"


@pytest.fixture(autouse=True)
def _fresh_keras_state():
    """Each test starts from the same global seed and float32 policy."""
    keras.utils.set_random_seed(1234)
    keras.config.set_dtype_policy("float32")
    yield
    keras.config.set_dtype_policy("float32")
    keras.backend.clear_session()


@pytest.fixture(scope="session")
def digits():
    """scikit-learn's 8x8 digits scaled to [0, 1], as (train, test) image arrays."""
    from kerasgen.data import load

    x_train, y_train = load("digits", split="train")
    x_test, y_test = load("digits", split="test")
    return (
        (x_train.astype("float32") / 255.0, y_train),
        (x_test.astype("float32") / 255.0, y_test),
    )


@pytest.fixture(scope="session")
def binary_digits(digits):
    """The digits binarized once with a fixed seed (a static binarization)."""
    rng = np.random.default_rng(0)
    (x_train, y_train), (x_test, y_test) = digits
    return (
        ((rng.random(x_train.shape) < x_train).astype("float32"), y_train),
        ((rng.random(x_test.shape) < x_test).astype("float32"), y_test),
    )


BACKEND = keras.backend.backend()
IS_CI = bool(os.environ.get("CI"))


@pytest.fixture(scope="session")
def digits_classifier(digits):
    """A small evaluation classifier for the 8x8 digits (test accuracy about 0.9)."""
    from kerasgen.metrics import train_classifier

    (x_train, y_train), _ = digits
    return train_classifier(x_train, y_train, epochs=10, batch_size=64, verbose=0, seed=0,
                            filters=(16,), feature_dim=32)


def pytest_collection_modifyitems(config, items):
    """KERASGEN_TEST_SHARD="i/n" keeps every n-th test from the i-th (scripts/test.sh runs n at once).

    JAX spends most of a test compiling, on one core; two shards use both.
    Round-robin over the collected order spreads each file's tests (and the
    parametrized runs of one heavy test) over the shards.
    """
    shard = os.environ.get("KERASGEN_TEST_SHARD")
    if not shard:
        return
    try:
        index, count = (int(part) for part in shard.split("/"))
        assert 0 <= index < count
    except (ValueError, AssertionError):
        raise pytest.UsageError(f"KERASGEN_TEST_SHARD must be 'i/n' with 0 <= i < n; got {shard!r}") from None
    keep = [item for k, item in enumerate(items) if k % count == index]
    config.hook.pytest_deselected(items=[item for k, item in enumerate(items) if k % count != index])
    items[:] = keep
