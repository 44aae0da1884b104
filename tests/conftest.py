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
