import json
import os
from pathlib import Path

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


DURATIONS_FILE = Path(__file__).with_name("durations.json")


def _recorded_durations():
    """Seconds per test id for this backend, from tests/durations.json (scripts/record_test_durations.sh)."""
    if not DURATIONS_FILE.exists():
        return {}
    return json.loads(DURATIONS_FILE.read_text()).get(BACKEND, {})


def pytest_collection_modifyitems(config, items):
    """KERASGEN_TEST_SHARD="i/n" keeps the i-th of n shards (scripts/test.sh runs n at once).

    Tests marked `verify` are left out unless KERASGEN_VERIFY is set (scripts/verify.sh).

    JAX spends most of a test compiling, on one core; two shards use both.
    Tests are dealt longest first to the shard with the least work so far,
    using the seconds recorded in tests/durations.json (a test not recorded
    counts as the median). Ties keep the collected order, so without
    recorded times this is round-robin. Each shard runs its tests in the
    collected order.
    """
    if not os.environ.get("KERASGEN_VERIFY"):
        # Slow quality checks run by scripts/verify.sh (KERASGEN_VERIFY=1), not by the default suite.
        verify = [item for item in items if item.get_closest_marker("verify")]
        if verify:
            config.hook.pytest_deselected(items=verify)
            items[:] = [item for item in items if not item.get_closest_marker("verify")]
    shard = os.environ.get("KERASGEN_TEST_SHARD")
    if not shard:
        return
    try:
        index, count = (int(part) for part in shard.split("/"))
        assert 0 <= index < count
    except (ValueError, AssertionError):
        raise pytest.UsageError(f"KERASGEN_TEST_SHARD must be 'i/n' with 0 <= i < n; got {shard!r}") from None
    recorded = _recorded_durations()
    default = float(np.median(list(recorded.values()))) if recorded else 1.0
    cost = [recorded.get(item.nodeid, default) for item in items]
    load = [0.0] * count
    owner = [0] * len(items)
    for k in sorted(range(len(items)), key=lambda k: -cost[k]):  # stable: ties in collected order
        owner[k] = min(range(count), key=load.__getitem__)
        load[owner[k]] += cost[k]
    keep = [item for k, item in enumerate(items) if owner[k] == index]
    config.hook.pytest_deselected(items=[item for k, item in enumerate(items) if owner[k] != index])
    items[:] = keep


_durations = {}


def pytest_runtest_logreport(report):
    if os.environ.get("KERASGEN_RECORD_DURATIONS"):
        _durations[report.nodeid] = _durations.get(report.nodeid, 0.0) + report.duration


def pytest_sessionfinish(session):
    """With KERASGEN_RECORD_DURATIONS=DIR, write each test's seconds (setup + call + teardown) there."""
    folder = os.environ.get("KERASGEN_RECORD_DURATIONS")
    if folder and _durations:
        name = f"{BACKEND}-{os.getpid()}.json"
        Path(folder, name).write_text(json.dumps(_durations, indent=0, sort_keys=True))
