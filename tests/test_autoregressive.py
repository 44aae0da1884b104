"""PixelCNN, Gated PixelCNN and PixelRNN: causality, exact likelihood, sampling, training."""

import math
import warnings

import numpy as np
import pytest

import keras
from keras import ops

from kerasgen.backend import input_gradient
from kerasgen.layers import MaskedConv2D, causal_mask
from kerasgen.models import GatedPixelCNN, PixelCNN, PixelRNN
from tests.helpers import run_model_contract

UNIFORM_DIGITS_NATS = 64 * math.log(2.0)  # 44.36: a fair coin for each of 64 binary pixels


def gradient(fn, x):
    g = input_gradient(fn, ops.convert_to_tensor(x))
    return np.zeros_like(x) if g is None else ops.convert_to_numpy(g)


def small_model(name, channels=1, likelihood="categorical", num_levels=4, image_size=5):
    """Small instances of every model, for the structural tests."""
    shape = (image_size, image_size, channels)
    common = dict(image_shape=shape, likelihood=likelihood,
                  num_levels=None if likelihood == "bernoulli" else num_levels, seed=0)
    if name == "pixelcnn":
        return PixelCNN(filters=12, num_blocks=2, first_kernel_size=5, **common)
    if name == "gated":
        return GatedPixelCNN(filters=12, num_layers=3, kernel_size=3, num_classes=3, **common)
    if name == "gated_unconditional":
        return GatedPixelCNN(filters=12, num_layers=3, kernel_size=3, **common)
    if name == "pixelcnn_one_hot":
        return PixelCNN(filters=12, num_blocks=2, first_kernel_size=5, input_encoding="one_hot", **common)
    return PixelRNN(kind=name, units=12, num_layers=2, first_kernel_size=3, **common)


MODELS = ["pixelcnn", "gated", "row_lstm", "diagonal_bilstm"]


def params_fn(model, index, labels=None):
    """x -> a fixed random projection of the likelihood parameters at one subpixel."""
    i, j, c = index
    weights = ops.convert_to_tensor(np.random.default_rng(7).normal(size=(model.num_params,)), "float32")
    one_hot = model._one_hot(labels) if labels is not None else None

    def fn(x):
        return ops.sum(model.params(x, one_hot)[:, i, j, c, :] * weights, axis=-1)

    return fn


def order(index, shape):
    """Position of subpixel (i, j, c) in raster-then-channel order."""
    i, j, c = index
    return (i * shape[1] + j) * shape[2] + c


# -- MaskedConv2D ---------------------------------------------------------------


def test_mask_diagrams():
    a = causal_mask((5, 5), 1, 1, "A")[..., 0, 0]
    b = causal_mask((5, 5), 1, 1, "B")[..., 0, 0]
    np.testing.assert_array_equal(a, [[1] * 5, [1] * 5, [1, 1, 0, 0, 0], [0] * 5, [0] * 5])
    np.testing.assert_array_equal(b, [[1] * 5, [1] * 5, [1, 1, 1, 0, 0], [0] * 5, [0] * 5])
    # RGB centre: feature k is in group k % 3.
    centre_a = causal_mask((3, 3), 3, 6, "A", color_channels=3)[1, 1]
    centre_b = causal_mask((3, 3), 3, 6, "B", color_channels=3)[1, 1]
    np.testing.assert_array_equal(centre_a[:, :3], [[0, 1, 1], [0, 0, 1], [0, 0, 0]])
    np.testing.assert_array_equal(centre_b[:, :3], [[1, 1, 1], [0, 1, 1], [0, 0, 1]])
    np.testing.assert_array_equal(centre_b[:, 3:], centre_b[:, :3])


@pytest.mark.parametrize("mask_type", ["A", "B"])
@pytest.mark.parametrize("colors", [1, 3])
def test_masked_conv_is_causal(mask_type, colors):
    """Gradient of output (i, j, group g) w.r.t. every input subpixel at or after it."""
    h = w = 6
    layer = MaskedConv2D(6, 5, mask_type, color_channels=colors)
    x = np.random.default_rng(0).normal(size=(1, h, w, colors)).astype("float32")
    layer(x)
    for i, j in [(0, 0), (2, 3), (5, 5)]:
        for g in range(colors):
            grad = gradient(lambda t: ops.sum(layer(t)[:, i, j, g::colors]), x)[0]
            for ii in range(h):
                for jj in range(w):
                    for c in range(colors):
                        before = (ii, jj) < (i, j)
                        at = (ii, jj) == (i, j)
                        allowed = before or (at and (c < g or (mask_type == "B" and c == g)))
                        near = abs(ii - i) <= 2 and abs(jj - j) <= 2
                        if not allowed:
                            assert grad[ii, jj, c] == 0.0, (mask_type, (i, j, g), (ii, jj, c))
                        elif near:
                            assert grad[ii, jj, c] != 0.0, (mask_type, (i, j, g), (ii, jj, c))


def test_masked_conv_config_round_trip():
    layer = MaskedConv2D(6, (1, 3), "A", color_channels=3, name="m")
    clone = MaskedConv2D.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


# -- models: causality ------------------------------------------------------------


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("name", MODELS)
def test_models_are_causal(name, channels):
    """The output at subpixel q has exactly zero gradient w.r.t. every input at or after q,
    and a non-zero gradient w.r.t. its nearest earlier neighbour (the previous channel,
    else the pixel to the left, else the pixel above)."""
    model = small_model(name, channels)
    shape = model.image_shape
    rng = np.random.default_rng(1)
    # Several images, so that no output is cut off from its inputs by inactive ReLUs in all of them.
    x = rng.integers(0, model.num_levels, size=(16,) + shape).astype("float32")
    labels = np.arange(16) % 3 if model.num_classes else None
    if channels == 1:
        targets = [(0, 1, 0), (2, 2, 0), (4, 0, 0), (4, 4, 0)]
    else:
        targets = [(0, 1, 0), (3, 1, 1), (3, 1, 2), (4, 4, 2)]
    # One gradient for all targets: copy t of the batch feeds target t only.
    weights = ops.convert_to_tensor(np.random.default_rng(7).normal(size=(model.num_params,)), "float32")
    one_hot = model._one_hot(np.tile(labels, len(targets))) if labels is not None else None
    b = len(x)

    def fn(batch):
        params = model.params(batch, one_hot)
        return ops.stack([ops.sum(params[t * b:(t + 1) * b, i, j, c, :] * weights)
                          for t, (i, j, c) in enumerate(targets)])

    grads = np.abs(gradient(fn, np.concatenate([x] * len(targets)))).reshape((len(targets), b) + shape)
    for target, grad in zip(targets, grads):
        grad = grad.sum(axis=0)
        q = order(target, shape)
        for index in np.ndindex(*shape):
            if order(index, shape) >= q:
                assert grad[index] == 0.0, f"{name}: output at {target} depends on input {index}"
        i, j, c = target
        previous = (i, j, c - 1) if c else (i, j - 1, channels - 1) if j else (i - 1, j, channels - 1)
        assert grad[previous] != 0.0, f"{name}: output at {target} ignores the subpixel {previous} before it"


def test_gated_pixelcnn_sees_pixelcnns_blind_spot():
    """Above and to the right, beyond the masked kernels' reach: zero for PixelCNN, not for Gated."""
    shape = (8, 8, 1)
    x = np.random.default_rng(2).integers(0, 2, size=(1,) + shape).astype("float32")
    pixelcnn = PixelCNN(image_shape=shape, filters=8, num_blocks=4, first_kernel_size=3)
    gated = GatedPixelCNN(image_shape=shape, filters=6, num_layers=4, kernel_size=3)
    target, blind = (4, 1, 0), (3, 5, 0)
    assert gradient(params_fn(pixelcnn, target), x)[0][blind] == 0.0
    assert gradient(params_fn(gated, target), x)[0][blind] != 0.0


# -- exact likelihood --------------------------------------------------------------


def numpy_log_probs(likelihood, x, params, num_levels):
    """Per-subpixel log p(x) from parameters, in float64 NumPy: an independent reference."""
    params = params.astype("float64")
    if likelihood == "bernoulli":
        logits = params[..., 0]
        p1 = 1.0 / (1.0 + np.exp(-logits))
        return np.where(x == 1, np.log(p1), np.log1p(-p1))
    if likelihood == "categorical":
        z = params - params.max(axis=-1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
        return np.take_along_axis(logp, x.astype(int)[..., None], axis=-1)[..., 0]
    m = params.shape[-1] // 3
    w = np.exp(params[..., :m] - params[..., :m].max(-1, keepdims=True))
    w /= w.sum(-1, keepdims=True)
    mean, scale = params[..., m:2 * m], np.exp(np.maximum(params[..., 2 * m:], -7.0))
    y = (2.0 * x / (num_levels - 1) - 1.0)[..., None]
    half = 1.0 / (num_levels - 1)
    cdf = lambda v: 1.0 / (1.0 + np.exp(-(v - mean) / scale))  # noqa: E731
    upper = np.where(x[..., None] == num_levels - 1, 1.0, cdf(y + half))
    lower = np.where(x[..., None] == 0, 0.0, cdf(y - half))
    return np.log((w * (upper - lower)).sum(-1))


@pytest.mark.parametrize("name,channels,likelihood", [
    ("pixelcnn", 1, "bernoulli"),
    ("pixelcnn", 3, "categorical"),
    ("pixelcnn", 1, "logistic_mixture"),
    ("gated", 3, "logistic_mixture"),
    ("gated", 1, "bernoulli"),
    ("pixelcnn_one_hot", 3, "categorical"),
    ("row_lstm", 1, "categorical"),
    ("diagonal_bilstm", 3, "bernoulli"),
])
def test_log_prob_equals_brute_force_one_subpixel_at_a_time(name, channels, likelihood):
    """For each subpixel q, feed only x_<q (the rest replaced by noise) and read p(x_q | x_<q)."""
    model = small_model(name, channels, likelihood, num_levels=5, image_size=4)
    shape = model.image_shape
    rng = np.random.default_rng(3)
    x = rng.integers(0, model.num_levels, size=(3,) + shape).astype("float32")
    labels = np.array([1, 0, 2]) if model.num_classes else None
    # One batch holds, for every subpixel q, the images with x_<q kept and the rest noise.
    indices = list(np.ndindex(*shape))
    partials = []
    for q in range(len(indices)):
        visible = np.array([order(k, shape) < q for k in indices]).reshape(shape)
        noise = rng.integers(0, model.num_levels, size=x.shape).astype("float32")
        partials.append(np.where(visible, x, noise))
    batch = np.concatenate(partials)  # (Q * N, H, W, C)
    one_hot = model._one_hot(np.tile(labels, len(indices))) if labels is not None else None
    params = ops.convert_to_numpy(model.params(batch, one_hot)).reshape((len(indices), len(x)) + shape + (-1,))
    total = np.zeros(len(x))
    for q, index in enumerate(indices):
        here = params[(q, slice(None)) + index]  # (N, P): read where the image was cut off
        total += numpy_log_probs(likelihood, x[(slice(None),) + index], here, model.num_levels)
    np.testing.assert_allclose(model.log_prob(x, labels), total, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("likelihood", ["bernoulli", "categorical", "logistic_mixture"])
def test_level_probabilities_sum_to_one(likelihood):
    from kerasgen.models.autoregressive import distributions

    params = np.random.default_rng(4).normal(size=(10, 3 if likelihood != "categorical" else 7))
    if likelihood == "bernoulli":
        params = params[:, :1]
    if likelihood == "logistic_mixture":
        params = np.random.default_rng(4).normal(size=(10, 12))
    logp = ops.convert_to_numpy(distributions.level_log_probs(likelihood, ops.convert_to_tensor(params, "float32"), 7 if likelihood != "bernoulli" else 2))
    np.testing.assert_allclose(np.exp(logp).sum(-1), 1.0, rtol=1e-5)


# -- sampling ------------------------------------------------------------------------


@pytest.mark.parametrize("name,channels,likelihood", [
    ("pixelcnn", 1, "bernoulli"),
    ("pixelcnn", 3, "categorical"),
    ("gated", 3, "logistic_mixture"),
    ("gated_unconditional", 1, "categorical"),
    ("pixelcnn_one_hot", 3, "categorical"),
    ("row_lstm", 1, "categorical"),
    ("row_lstm", 3, "logistic_mixture"),
    ("diagonal_bilstm", 1, "categorical"),
    ("diagonal_bilstm", 3, "logistic_mixture"),
])
def test_cached_and_naive_sampling_agree(name, channels, likelihood):
    model = small_model(name, channels, likelihood, num_levels=6)
    labels = 1 if model.num_classes else None
    naive = model.sample(6, labels=labels, seed=11, method="naive")
    cached = model.sample(6, labels=labels, seed=11, method="cached")
    np.testing.assert_array_equal(cached, naive)
    assert naive.shape == (6,) + model.image_shape
    assert set(np.unique(naive)) <= set(range(model.num_levels))
    assert len(np.unique(naive)) > 1
    different = model.sample(6, labels=labels, seed=12, method="cached")
    assert not np.array_equal(different, cached)


def test_diagonal_bilstm_cache_gives_the_networks_parameters():
    # Stricter than equal samples, which an untrained model's near-uniform
    # distributions can draw even from slightly wrong parameters (dropping the
    # right-to-left direction from the cached rows passes the grey sampling test).
    model = small_model("diagonal_bilstm", 3, "logistic_mixture", num_levels=6)
    x = np.random.default_rng(2).integers(0, 6, size=(3,) + model.image_shape).astype("float32")
    expected = ops.convert_to_numpy(model.params(x))  # (N, H, W, C, P)
    top, bottom, left, right = model._cache_input_padding()
    padded = ops.pad(model.encode_inputs(x), ((0, 0), (top, bottom), (left, right), (0, 0)))
    state = model._cache_init(padded, None)
    for i in range(model.image_shape[0]):
        state = model._cache_row(state, i, None)
        for j in range(model.image_shape[1]):
            state, pixel = model._cache_pixel(state, i, j, None)
            np.testing.assert_allclose(ops.convert_to_numpy(pixel), expected[:, i, j], rtol=1e-5, atol=1e-5)


def test_the_compiled_sampling_loop_draws_what_the_plain_one_draws():
    # kerasgen.backend.compile_loop changes how the loop runs (XLA under
    # TensorFlow, where Keras leaves it off on a CPU), not what it draws.
    model = small_model("gated", 3, "logistic_mixture", num_levels=6)
    compiled = model.sample(4, labels=1, seed=3)
    assert model.__dict__["_sampler_cached_auto"].jit_compile == (keras.backend.backend() in ("tensorflow", "jax"))
    plain = model.sample(4, labels=1, seed=3, jit_compile=False)
    assert model.__dict__["_sampler_cached_False"].jit_compile is False
    np.testing.assert_array_equal(plain, compiled)


def test_compiled_steps_draw_what_eager_steps_draw_and_follow_new_weights():
    # jit_compile=True: under PyTorch each step of the loop goes through
    # torch.compile (kerasgen.backend.compile_step); elsewhere the loop is
    # compiled whole, as for "auto". The compiled steps must read the
    # weights as they are at each call, not as they were when compiled.
    model = small_model("pixelcnn", 1, "categorical", num_levels=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no silent fall-back to eager steps
        compiled = model.sample(3, seed=5, jit_compile=True)
        np.testing.assert_array_equal(compiled, model.sample(3, seed=5, jit_compile=False))
        for v in model.trainable_variables:
            v.assign(v.numpy() * 1.7 + 0.05)
        moved = model.sample(3, seed=5, jit_compile=True)
    np.testing.assert_array_equal(moved, model.sample(3, seed=5, jit_compile=False))
    assert not np.array_equal(moved, compiled)


@pytest.mark.parametrize("name", ["pixelcnn", "gated", "diagonal_bilstm"])
def test_complete_keeps_the_given_pixels(name):
    model = small_model(name, 1, "categorical", num_levels=6)
    rng = np.random.default_rng(5)
    x = rng.integers(0, 6, size=(4,) + model.image_shape).astype("float32")
    labels = np.array([0, 1, 2, 0]) if model.num_classes else None
    mask = np.zeros(model.image_shape[:2], bool)
    mask[:2] = True  # the upper rows are given
    mask[3, 1] = True  # and one pixel lower down
    out = model.complete(x, mask, labels=labels, seed=0)
    np.testing.assert_array_equal(out[:, mask], x[:, mask])
    assert set(np.unique(out)) <= set(range(6))
    assert not np.array_equal(out[:, ~mask], x[:, ~mask])
    # All given: nothing to draw.
    np.testing.assert_array_equal(model.complete(x, np.ones_like(x), labels=labels), x)
    # The completion conditions on the given rows: it changes when they change.
    y = x.copy()
    y[:, :2] = (y[:, :2] + 1) % 6
    assert not np.array_equal(model.complete(y, mask, labels=labels, seed=0)[:, ~mask], out[:, ~mask])


# -- training on binarized digits ---------------------------------------------------

DIGITS_MODELS = {
    "pixelcnn": lambda: PixelCNN(image_shape=(8, 8, 1), filters=24, num_blocks=2, first_kernel_size=5, seed=0),
    "gated": lambda: GatedPixelCNN(image_shape=(8, 8, 1), filters=24, num_layers=3, kernel_size=3, num_classes=10, seed=0),
    "row_lstm": lambda: PixelRNN(image_shape=(8, 8, 1), kind="row_lstm", units=24, num_layers=2, first_kernel_size=5, seed=0),
    "diagonal_bilstm": lambda: PixelRNN(image_shape=(8, 8, 1), kind="diagonal_bilstm", units=16, num_layers=1, first_kernel_size=5, seed=0),
}
# Test NLL must fall this far below the uniform model's 44.4 nats in a short training.
DIGITS_NLL_BOUND = 0.75 * UNIFORM_DIGITS_NATS  # 33.3 nats
DIGITS_EPOCHS = 6


# One model trains in the default run; the other three are slow checks (scripts/verify.sh).
@pytest.mark.parametrize("name", [n if n == "gated" else pytest.param(n, marks=pytest.mark.verify)
                                  for n in DIGITS_MODELS])
def test_short_training_on_binarized_digits(name, binary_digits, tmp_path, capsys):
    (x_train, y_train), (x_test, y_test) = binary_digits
    model = DIGITS_MODELS[name]()
    conditional = model.num_classes is not None
    y_fit, y_eval = (y_train, y_test) if conditional else (None, None)
    model.compile(optimizer=keras.optimizers.Adam(5e-3))
    one_hot = model._one_hot(y_eval[:8]) if conditional else None
    # 8 samples, as below: the sampling loop compiles once.
    run_model_contract(model, x_train, y_fit, tmp_path=tmp_path, batch_size=128, num_checked=8,
                       outputs=lambda m: ops.convert_to_numpy(m.log_prob_pixels(x_test[:8], one_hot)))
    history = model.fit(x_train, y_fit, batch_size=128, epochs=DIGITS_EPOCHS, verbose=0)
    logs = history.history
    assert logs["loss"][-1] < logs["loss"][0]
    np.testing.assert_allclose(logs["bits_per_dim"], np.array(logs["nll"]) / (64 * math.log(2)), rtol=1e-5)

    result = model.evaluate_nll(x_test, y_eval)
    with capsys.disabled():
        print(f"\n[digits NLL] {name}: {result['nll_nats']:.2f} nats ({result['bits_per_dim']:.4f} bits/dim) "
              f"after {DIGITS_EPOCHS} epochs on {len(x_train)} images; uniform {UNIFORM_DIGITS_NATS:.2f}")
    assert result["nll_nats"] < DIGITS_NLL_BOUND, result
    assert result["bits_per_dim"] == pytest.approx(result["nll_nats"] / (64 * math.log(2)))
    # evaluate() reports the same numbers over one batch.
    evaluated = model.evaluate(x_test, y_eval, batch_size=len(x_test), verbose=0, return_dict=True)
    assert evaluated["nll"] == pytest.approx(result["nll_nats"], rel=1e-4)
    assert evaluated["bits_per_dim"] == pytest.approx(result["bits_per_dim"], rel=1e-4)

    labels = np.arange(8) % 10 if conditional else None
    samples = model.sample(8, labels=labels, seed=3)
    assert set(np.unique(samples)) <= {0.0, 1.0}
    # Samples look like the data at least in their ink: mean within 0.15 of the test set's.
    assert abs(samples.mean() - x_test.mean()) < 0.15, (samples.mean(), x_test.mean())
    if model.supports_cached_sampling:
        np.testing.assert_array_equal(model.sample(8, labels=labels, seed=3, method="naive"), samples)


def test_fit_takes_tf_data_and_py_dataset(binary_digits):
    import tensorflow as tf

    (x_train, _), _ = binary_digits
    model = PixelCNN(image_shape=(8, 8, 1), filters=8, num_blocks=1, first_kernel_size=3)
    model.compile(optimizer="adam")
    model.fit(tf.data.Dataset.from_tensor_slices(x_train[:128]).batch(32), epochs=1, verbose=0)

    class Batches(keras.utils.PyDataset):
        def __len__(self):
            return 4

        def __getitem__(self, index):
            return x_train[index * 32:(index + 1) * 32]

    history = model.fit(Batches(), epochs=1, verbose=0)
    assert math.isfinite(history.history["nll"][0])


# -- bad input -----------------------------------------------------------------------


def test_bad_inputs_get_clear_errors():
    binary = PixelCNN(image_shape=(4, 4, 1), filters=4, num_blocks=1, first_kernel_size=3)
    binary.compile(optimizer="adam")
    with pytest.raises(ValueError, match=r"x must hold binary values \{0, 1\}.*0\.5"):
        binary.fit(np.full((4, 4, 4, 1), 0.5, "float32"), verbose=0)
    with pytest.raises(ValueError, match=r"outside \[0, 1\]"):
        binary.log_prob(np.full((2, 4, 4, 1), 2.0, "float32"))
    with pytest.raises(ValueError, match=r"x has 3 channels; the model was built for 1"):
        binary.log_prob(np.zeros((2, 4, 4, 3), "float32"))
    with pytest.raises(ValueError, match=r"size 5x4"):
        binary.log_prob(np.zeros((2, 5, 4, 1), "float32"))
    with pytest.raises(ValueError, match="not conditional"):
        binary.sample(2, labels=1)

    categorical = PixelCNN(image_shape=(4, 4, 1), likelihood="categorical", filters=4, num_blocks=1)
    with pytest.raises(ValueError, match=r"outside \[0, 255\]: min 0, max 256\."):
        categorical.log_prob(np.arange(16.0).reshape(1, 4, 4, 1) * 256 / 15)
    with pytest.raises(ValueError, match=r"whole numbers \(discrete levels 0\.\.255\).*3\.5"):
        categorical.log_prob(np.full((1, 4, 4, 1), 3.5))
    with pytest.raises(ValueError, match="mask must have shape"):
        categorical.complete(np.zeros((2, 4, 4, 1)), np.ones((4, 5)))
    with pytest.raises(ValueError, match="x has 3 channels"):
        categorical.complete(np.zeros((2, 4, 4, 3)), np.ones((4, 4)))
    with pytest.raises(ValueError, match="mask must hold 0/1"):
        categorical.complete(np.zeros((2, 4, 4, 1)), np.full((4, 4), 0.5))
    # Unknown pixels may hold anything, NaN included: they are ignored.
    junk = np.full((2, 4, 4, 1), np.nan)
    junk[:, :2] = 7
    known = np.zeros((4, 4), bool)
    known[:2] = True
    assert np.all(categorical.complete(junk, known, seed=0)[:, :2] == 7)

    import tensorflow as tf

    halves = tf.data.Dataset.from_tensor_slices(np.full((8, 4, 4, 1), 0.5, "float32")).batch(4)
    with pytest.raises(Exception, match="whole numbers"):
        binary.fit(halves, epochs=1, verbose=0)

    conditional = GatedPixelCNN(image_shape=(4, 4, 1), filters=4, num_layers=1, num_classes=3)
    conditional.compile(optimizer="adam")
    with pytest.raises(ValueError, match="conditional and needs class labels"):
        conditional.fit(np.zeros((4, 4, 4, 1), "float32"), verbose=0)
    with pytest.raises(ValueError, match="conditional and needs class labels"):
        conditional.sample(2)
    with pytest.raises(ValueError, match=r"class ids in \[0, 3\)"):
        conditional.log_prob(np.zeros((2, 4, 4, 1)), labels=[0, 3])

    with pytest.raises(ValueError, match="kind must be one of"):
        PixelRNN(kind="row-lstm")
    with pytest.raises(ValueError, match="likelihood must be one of"):
        PixelCNN(likelihood="gaussian")
    with pytest.raises(ValueError, match="filters must be a positive multiple of 6"):
        PixelCNN(image_shape=(8, 8, 3), filters=8)
    with pytest.raises(ValueError, match="n must be a positive integer"):
        binary.sample(0)
