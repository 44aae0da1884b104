"""ConditionalBatchNormalization and SpectralNormalization, under whichever
backend KERAS_BACKEND selects; one test reruns a training script under a
second backend and compares the state it ends with. Also the layers of
PixelRNN and Gated PixelCNN (RowLSTM, DiagonalBiLSTM, VerticalStackConv):
their config round trips under the names saved files use (the models' tests
check their causality)."""

import inspect
import math
import os
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

import keras
from keras import ops

import kerasgen
from kerasgen.layers import (ConditionalBatchNormalization, DiagonalBiLSTM, RowLSTM, SpectralNormalization,
                             VerticalStackConv)
from kerasgen.layers.diagonal_bilstm import skew, unskew
from kerasgen.training import GenerativeModel

BACKEND = keras.backend.backend()
REPO = pathlib.Path(__file__).resolve().parents[1]


def to_numpy(x):
    return np.asarray(ops.convert_to_numpy(x))


def l2_normalize(x):
    return x / np.linalg.norm(x)


# -- ConditionalBatchNormalization -------------------------------------------------


def _cbn_reference(x, labels, gamma, beta, mean, variance, epsilon):
    shape = (len(x),) + (1,) * (x.ndim - 2) + (-1,)
    labels = labels.reshape(-1)
    x_hat = (x - mean) / np.sqrt(variance + epsilon)
    return gamma[labels].reshape(shape) * x_hat + beta[labels].reshape(shape)


@pytest.mark.parametrize("x_shape, labels_shape", [((6, 3), (6,)), ((6, 4, 4, 3), (6, 1))])
def test_cbn_matches_numpy_in_training_and_inference(x_shape, labels_shape):
    rng = np.random.default_rng(0)
    x = rng.normal(2.0, 3.0, size=x_shape).astype("float32")
    labels = np.array([0, 1, 2, 3, 0, 2]).reshape(labels_shape)
    gamma = rng.normal(1.0, 0.5, size=(4, 3)).astype("float32")
    beta = rng.normal(0.0, 0.5, size=(4, 3)).astype("float32")
    mean0 = rng.normal(size=3).astype("float32")
    var0 = rng.uniform(0.5, 2.0, size=3).astype("float32")

    cbn = ConditionalBatchNormalization(num_classes=4, momentum=0.9, epsilon=1e-3)
    cbn.build([x_shape, labels_shape])
    cbn.gamma.assign(gamma)
    cbn.beta.assign(beta)
    cbn.moving_mean.assign(mean0)
    cbn.moving_variance.assign(var0)
    assert not cbn.moving_mean.trainable and not cbn.moving_variance.trainable
    assert tuple(cbn.gamma.shape) == tuple(cbn.beta.shape) == (4, 3)

    axes = tuple(range(x.ndim - 1))
    batch_mean, batch_var = x.mean(axis=axes), x.var(axis=axes)
    y = to_numpy(cbn([x, labels], training=True))
    np.testing.assert_allclose(y, _cbn_reference(x, labels, gamma, beta, batch_mean, batch_var, 1e-3),
                               rtol=1e-4, atol=1e-4)
    new_mean, new_var = 0.9 * mean0 + 0.1 * batch_mean, 0.9 * var0 + 0.1 * batch_var
    np.testing.assert_allclose(to_numpy(cbn.moving_mean), new_mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(to_numpy(cbn.moving_variance), new_var, rtol=1e-5, atol=1e-6)

    y = to_numpy(cbn([x, labels], training=False))
    np.testing.assert_allclose(y, _cbn_reference(x, labels, gamma, beta, new_mean, new_var, 1e-3),
                               rtol=1e-4, atol=1e-4)
    # Inference leaves the moving statistics alone.
    np.testing.assert_allclose(to_numpy(cbn.moving_mean), new_mean, rtol=1e-5, atol=1e-6)


def test_cbn_each_label_picks_its_own_gain_and_bias():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 2, 2, 3)).astype("float32")
    cbn = ConditionalBatchNormalization(num_classes=2, gamma_initializer="random_normal",
                                        beta_initializer="random_normal")
    y0 = to_numpy(cbn([x, np.zeros(4, "int32")]))
    y1 = to_numpy(cbn([x, np.ones(4, "int32")]))
    assert not np.allclose(y0, y1)
    mixed = to_numpy(cbn([x, np.array([0, 1, 0, 1])]))
    np.testing.assert_allclose(mixed[[0, 2]], y0[[0, 2]], rtol=1e-6)
    np.testing.assert_allclose(mixed[[1, 3]], y1[[1, 3]], rtol=1e-6)


def test_cbn_config_round_trip():
    cbn = ConditionalBatchNormalization(5, momentum=0.8, epsilon=1e-5, axis=-1,
                                        gamma_initializer="random_normal", name="cbn")
    config = cbn.get_config()
    clone = ConditionalBatchNormalization.from_config(config)
    assert clone.get_config() == config
    assert (clone.num_classes, clone.momentum, clone.epsilon) == (5, 0.8, 1e-5)


# -- SpectralNormalization --------------------------------------------------------


def _weight_matrix(layer, kernel):
    """The matrix (-1, out_features) whose spectral norm the wrapper divides by."""
    if isinstance(layer, keras.layers.Conv2DTranspose):
        kernel = np.swapaxes(kernel, -1, -2)
    return kernel.reshape(-1, kernel.shape[-1])


def _inference_sigma(w, u):
    v = l2_normalize(l2_normalize(u) @ w.T)
    return (v @ w @ l2_normalize(u).T).item()


SN_CASES = {
    "dense": (lambda: keras.layers.Dense(5), (4, 7)),
    "conv2d": (lambda: keras.layers.Conv2D(6, 3), (2, 5, 5, 3)),
    "conv2d_transpose": (lambda: keras.layers.Conv2DTranspose(4, 3), (2, 3, 3, 6)),
    "embedding": (lambda: keras.layers.Embedding(9, 4), None),
}


@pytest.mark.parametrize("case", list(SN_CASES))
def test_sn_divides_by_the_largest_singular_value(case):
    make, x_shape = SN_CASES[case]
    rng = np.random.default_rng(2)
    x = np.arange(9).reshape(3, 3) if x_shape is None else rng.normal(size=x_shape).astype("float32")
    inner = make()
    sn = SpectralNormalization(inner)
    sn.build(x.shape)
    weights = [rng.normal(size=w.shape).astype("float32") for w in inner.weights]
    inner.set_weights(weights)

    for _ in range(30):
        sn(x, training=True)
    np.testing.assert_array_equal(to_numpy(inner.weights[0]), weights[0])  # never assigned
    w = _weight_matrix(inner, weights[0])
    sigma = _inference_sigma(w, to_numpy(sn.u))
    np.testing.assert_allclose(np.linalg.svd(w / sigma, compute_uv=False)[0], 1.0, atol=1e-3)

    # Inference runs the layer with kernel / sigma and the other weights as they are.
    reference = type(inner).from_config(inner.get_config())
    reference.build(x.shape)
    reference.set_weights([weights[0] / sigma] + weights[1:])
    np.testing.assert_allclose(to_numpy(sn(x, training=False)), to_numpy(reference(x)), rtol=1e-4, atol=1e-5)


def test_sn_updates_u_only_in_training_and_never_the_kernel():
    x = np.random.default_rng(3).normal(size=(4, 3)).astype("float32")
    sn = SpectralNormalization(keras.layers.Dense(2), power_iterations=2)
    sn.build(x.shape)
    assert not sn.u.trainable and tuple(sn.u.shape) == (1, 2)
    kernel, u = to_numpy(sn.layer.kernel), to_numpy(sn.u)
    sn(x, training=True)
    u_trained = to_numpy(sn.u)
    assert not np.allclose(u_trained, u)
    np.testing.assert_allclose(np.linalg.norm(u_trained), 1.0, rtol=1e-5)
    sn(x, training=False)
    sn(x)
    np.testing.assert_array_equal(to_numpy(sn.u), u_trained)
    np.testing.assert_array_equal(to_numpy(sn.layer.kernel), kernel)


def test_sn_of_an_all_zero_kernel_is_zero_not_nan():
    sn = SpectralNormalization(keras.layers.Dense(2, kernel_initializer="zeros", bias_initializer="ones"))
    x = np.ones((3, 4), "float32")
    y = to_numpy(sn(x, training=True))
    np.testing.assert_array_equal(y, np.ones((3, 2), "float32"))
    np.testing.assert_allclose(np.linalg.norm(to_numpy(sn.u)), 1.0, rtol=1e-5)
    # u survived, so a kernel that later moves off zero is normalized again.
    sn.layer.kernel.assign(np.full((4, 2), 3.0, "float32"))
    for _ in range(3):
        y = to_numpy(sn(x, training=True))
    np.testing.assert_allclose(y, 1.0 + 4 * 3.0 / np.sqrt(4 * 2 * 9.0), rtol=1e-5)


def test_sn_config_round_trip():
    sn = SpectralNormalization(keras.layers.Conv2D(4, 3, name="conv"), power_iterations=3, name="sn")
    config = sn.get_config()
    clone = SpectralNormalization.from_config(config)
    assert "layer" in config  # from_config did not consume the caller's dict
    assert clone.get_config() == config
    assert clone.power_iterations == 3 and isinstance(clone.layer, keras.layers.Conv2D)


class SNDense(GenerativeModel):
    """A spectral-normalized Dense fitted to minimise mean(y . c)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.sn = SpectralNormalization(keras.layers.Dense(3))
        self.sn.build((None, 4))
        self.c = np.array([1.0, -2.0, 0.5], "float32")
        self.built = True

    def compute_losses(self, x, training=False):
        y = self.sn(x, training=training)
        return {"loss": ops.mean(ops.sum(y * ops.convert_to_tensor(self.c), axis=-1))}


@pytest.mark.parametrize("run_eagerly", [False, True])
def test_sn_gradient_matches_the_closed_form(run_eagerly):
    # With u, v held constant, sigma = v W u^T has d sigma / dW = v^T u, so
    # dL/dW = G / sigma - <G, W> / sigma^2 v^T u with G = dL/d(W / sigma).
    rng = np.random.default_rng(4)
    x = rng.normal(size=(5, 4)).astype("float32")
    model = SNDense()
    w0, b0 = rng.normal(size=(4, 3)).astype("float32"), rng.normal(size=3).astype("float32")
    u0 = rng.normal(size=(1, 3)).astype("float32")
    model.sn.layer.set_weights([w0, b0])
    model.sn.u.assign(u0)
    model.compile(keras.optimizers.SGD(1.0), run_eagerly=run_eagerly)
    model.fit(x, batch_size=5, epochs=1, shuffle=False, verbose=0)

    v = l2_normalize(l2_normalize(u0) @ w0.T)
    u = l2_normalize(v @ w0)
    sigma = (v @ w0 @ u.T).item()
    g = x.T @ np.tile(model.c / len(x), (len(x), 1))
    grad_w = g / sigma - np.sum(g * w0) / sigma**2 * (v.T @ u)
    grad_b = model.c
    np.testing.assert_allclose(w0 - to_numpy(model.sn.layer.kernel), grad_w, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(b0 - to_numpy(model.sn.layer.bias), grad_b, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(to_numpy(model.sn.u), u, rtol=1e-5, atol=1e-6)


# -- Both, in a trained model ---------------------------------------------------


class SNCBNToy(GenerativeModel):
    """Spectral-normalized Conv2D -> CBN -> ReLU -> pool -> spectral-normalized Dense."""

    num_classes = 3  # conditional: fit(x, labels) feeds the labels to the CBN

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # No bias before batch normalization: its gradient would be zero.
        conv = keras.layers.Conv2D(4, 3, padding="same", use_bias=False, name="conv")
        self.conv = SpectralNormalization(conv, name="sn_conv")
        self.cbn = ConditionalBatchNormalization(3, momentum=0.8, name="cbn")
        self.dense = SpectralNormalization(keras.layers.Dense(1, name="dense"), power_iterations=2, name="sn_dense")
        self.conv.build((None, 6, 6, 2))
        self.cbn.build([(None, 6, 6, 4), (None,)])
        self.dense.build((None, 4))
        self.built = True

    def compute_losses(self, data, training=False):
        x, labels = data
        h = self.cbn([self.conv(x, training=training), labels], training=training)
        y = self.dense(ops.mean(ops.relu(h), axis=(1, 2)), training=training)
        return {"loss": ops.mean(ops.square(y - 1.0))}


def _toy_data():
    rng = np.random.default_rng(5)
    return rng.normal(1.0, 2.0, size=(16, 6, 6, 2)).astype("float32"), np.arange(16) % 3


def _toy_model():
    """An SNCBNToy whose every variable comes from a seeded NumPy generator."""
    keras.utils.set_random_seed(0)
    model = SNCBNToy(name="toy")
    rng = np.random.default_rng(6)
    for v in sorted(model.weights, key=lambda v: v.path):
        if v.name == "moving_variance":
            value = rng.uniform(0.5, 1.5, size=v.shape)
        elif v.name == "gamma":
            value = 1.0 + 0.1 * rng.normal(size=v.shape)
        else:
            value = 0.5 * rng.normal(size=v.shape)
        v.assign(value.astype("float32"))
    return model


def _state(model):
    return {v.path.replace("/", "__"): to_numpy(v) for v in model.weights}


def _trained_toy():
    model = _toy_model()
    x, labels = _toy_data()
    model.compile(keras.optimizers.SGD(0.1))
    model.fit(x, labels, batch_size=8, epochs=2, shuffle=False, verbose=0)
    return model


def state_after_training(path=None):
    """Trains the toy model 4 SGD steps; returns (and saves to `path`) every variable by path."""
    state = _state(_trained_toy())
    if path is not None:
        np.savez(path, **state)
    return state


def test_fit_carries_u_and_moving_statistics():
    before = _state(_toy_model())
    model = _trained_toy()
    after = _state(model)
    assert set(after) == set(before)
    moved = {k for k in after if not np.array_equal(after[k], before[k])}
    # Every variable moves in training: kernels, biases, gains by the
    # optimizer; u and the moving statistics in the forward pass.
    assert moved == set(before), sorted(set(before) - moved)
    for key in after:
        if key.endswith("__u"):
            np.testing.assert_allclose(np.linalg.norm(after[key]), 1.0, rtol=1e-5)
    # evaluate() runs in inference: it reads u and the statistics but moves nothing.
    model.evaluate(*_toy_data(), batch_size=8, verbose=0)
    for key, value in _state(model).items():
        np.testing.assert_array_equal(value, after[key], err_msg=key)


def test_state_changes_as_under_another_backend(tmp_path):
    other = "tensorflow" if BACKEND != "tensorflow" else "jax"
    path = tmp_path / f"{other}.npz"
    env = dict(os.environ, KERAS_BACKEND=other,
               PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    script = f"from tests.test_layers import state_after_training; state_after_training({str(path)!r})"
    result = subprocess.run([sys.executable, "-c", script], env=env, cwd=REPO,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    theirs = dict(np.load(path))
    ours = state_after_training()
    assert set(ours) == set(theirs)
    for key in sorted(ours):
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-4, atol=1e-5,
                                   err_msg=f"{key}: {BACKEND} vs {other}")


def test_keras_file_round_trip_of_a_functional_model(tmp_path):
    images = keras.Input((6, 6, 2))
    labels = keras.Input((), dtype="int32")
    h = SpectralNormalization(keras.layers.Conv2D(4, 3, padding="same"))(images)
    h = ConditionalBatchNormalization(3)([h, labels])
    outputs = SpectralNormalization(keras.layers.Dense(2))(keras.layers.GlobalAveragePooling2D()(h))
    model = keras.Model([images, labels], outputs)
    x, y = _toy_data()
    rng = np.random.default_rng(7)
    for v in model.weights:
        v.assign((rng.uniform(0.5, 1.5, size=v.shape)).astype("float32"))
    expected = to_numpy(model([x, y], training=False))

    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    np.testing.assert_allclose(to_numpy(loaded([x, y], training=False)), expected, rtol=1e-6, atol=1e-6)
    for ref, new in zip(model.weights, loaded.weights):
        np.testing.assert_array_equal(to_numpy(new), to_numpy(ref))


@pytest.mark.parametrize("cls", [ConditionalBatchNormalization, SpectralNormalization])
def test_docstring_example_runs(cls):
    blocks = re.findall(r"Example:\s*```python\n(.*?)```", inspect.getdoc(cls), flags=re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, f"<{cls.__name__} example>", "exec"),
             {"np": np, "keras": keras, "kerasgen": kerasgen, "math": math})


# -- Bad inputs -------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, -2, 2.5, True, "3"])
def test_cbn_num_classes_must_be_a_positive_int(value):
    with pytest.raises(ValueError, match=re.escape(f"num_classes must be an integer >= 1; got {value!r}")):
        ConditionalBatchNormalization(value)


def test_cbn_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match=r"momentum must be a float in \[0, 1\); got 1\.5"):
        ConditionalBatchNormalization(3, momentum=1.5)
    with pytest.raises(ValueError, match=r"epsilon must be a float > 0; got 0"):
        ConditionalBatchNormalization(3, epsilon=0)
    with pytest.raises(ValueError, match=r"axis must be an integer other than the batch axis 0; got 0"):
        ConditionalBatchNormalization(3, axis=0)
    x = np.zeros((4, 3), "float32")
    with pytest.raises(ValueError, match=r"takes a pair \[x, labels\].*got inputs of shape \(4, 3\)"):
        ConditionalBatchNormalization(3)(x)
    with pytest.raises(ValueError, match=r"labels must be class ids of shape \(N,\) or \(N, 1\), or class weights of shape \(N, 3\); got \(4, 2\)"):
        ConditionalBatchNormalization(3)([x, np.zeros((4, 2), "int32")])
    built = ConditionalBatchNormalization(3)
    built([x, np.zeros(4, "int32")])
    with pytest.raises(ValueError, match=r"takes a pair \[x, labels\]; got a list of 3 items"):
        built([x, np.zeros(4, "int32"), x])


def test_sn_bad_arguments():
    with pytest.raises(ValueError, match=r"power_iterations must be an integer >= 1; got 0"):
        SpectralNormalization(keras.layers.Dense(2), power_iterations=0)
    with pytest.raises(ValueError, match=r"power_iterations must be an integer >= 1; got 1\.5"):
        SpectralNormalization(keras.layers.Dense(2), power_iterations=1.5)
    with pytest.raises(ValueError, match=r"wraps a keras.layers.Layer; got 'dense'"):
        SpectralNormalization("dense")
    # Built layers are checked at once, unbuilt ones when the wrapper builds them.
    norm = keras.layers.BatchNormalization()
    norm.build((None, 3))
    with pytest.raises(ValueError, match=r"`kernel`.*or `embeddings`.*got BatchNormalization"):
        SpectralNormalization(norm)
    with pytest.raises(ValueError, match=r"got ReLU 're_lu\w*' with weights \[\]"):
        SpectralNormalization(keras.layers.ReLU())(np.zeros((2, 3), "float32"))


def test_cbn_class_weights_mix_the_per_class_gains():
    layer = ConditionalBatchNormalization(3, epsilon=1e-3)
    x = np.random.default_rng(0).normal(size=(4, 2)).astype("float32")
    layer.build([(None, 2), (None, 3)])
    gamma = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], "float32")
    beta = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]], "float32")
    layer.gamma.assign(gamma)
    layer.beta.assign(beta)
    weights = np.array([[1, 0, 0], [0, 0, 1], [0.5, 0.5, 0], [0.2, 0.3, 0.5]], "float32")
    out = ops.convert_to_numpy(layer([x, weights], training=False))
    x_hat = x / np.sqrt(1.0 + 1e-3)  # moving stats are (0, 1) before any training
    np.testing.assert_allclose(out, (weights @ gamma) * x_hat + weights @ beta, rtol=1e-5, atol=1e-6)
    ids = ops.convert_to_numpy(layer([x[:2], np.array([0, 2])], training=False))
    np.testing.assert_allclose(ids, out[:2], rtol=1e-6, atol=1e-6)


# -- RowLSTM, DiagonalBiLSTM, VerticalStackConv ------------------------------------

AUTOREGRESSIVE_LAYERS = {
    "RowLSTM": lambda: RowLSTM(6, name="rows"),
    "DiagonalBiLSTM": lambda: DiagonalBiLSTM(6, name="diagonals"),
    "VerticalStackConv": lambda: VerticalStackConv(4, 3, strict=False, name="vertical"),
}


@pytest.mark.parametrize("name", list(AUTOREGRESSIVE_LAYERS))
def test_autoregressive_layer_round_trips_under_its_registered_name(name):
    layer = AUTOREGRESSIVE_LAYERS[name]()
    x = np.random.default_rng(0).uniform(size=(2, 4, 5, 3)).astype("float32")
    expected = to_numpy(layer(x))
    # The name that .keras files and the zoo's presets were saved with, before the layer moved here.
    assert keras.saving.get_registered_name(type(layer)) == f"kerasgen>{name}"
    copy = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert type(copy) is type(layer) and copy.get_config() == layer.get_config() and copy.built
    copy.set_weights(layer.get_weights())
    np.testing.assert_allclose(to_numpy(copy(x)), expected, rtol=1e-6, atol=1e-6)


def test_skew_shifts_row_i_right_by_i_and_unskew_undoes_it():
    x = np.arange(1, 2 * 3 * 4 + 1, dtype="float32").reshape(2, 3, 4, 1)
    skewed = to_numpy(skew(x))
    assert skewed.shape == (2, 3, 6, 1) and skewed.sum() == x.sum()  # zeros elsewhere
    for i in range(3):
        np.testing.assert_array_equal(skewed[:, i, i:i + 4], x[:, i])
    np.testing.assert_array_equal(to_numpy(unskew(skewed, 4)), x)


@pytest.mark.parametrize("color_channels", [1, 3])
def test_diagonal_bilstm_row_methods_reproduce_call_row_by_row(color_channels):
    # Cached sampling's contract: a row from the row above's hidden states, as `call` computes it.
    layer = DiagonalBiLSTM(6, color_channels)
    x = np.random.default_rng(0).normal(size=(2, 5, 7, 6)).astype("float32")
    expected = to_numpy(layer(x))
    h_lr = h_rl = ops.zeros((2, 7, 6))  # zeros above the first row
    for i in range(5):
        row = ops.convert_to_tensor(x[:, i:i + 1])
        h_row, c_row = layer.call_row(row, h_lr, "left_to_right")
        assert tuple(h_row.shape) == tuple(c_row.shape) == (2, 7, 6)
        np.testing.assert_allclose(to_numpy(layer.output_row(h_row, h_rl)), expected[:, i], rtol=1e-5, atol=1e-5)
        h_lr, (h_rl, _) = h_row, layer.call_row(row, h_rl, "right_to_left")
    with pytest.raises(ValueError, match=r"direction must be one of .*; got 'up'"):
        layer.call_row(row, h_lr, "up")


def test_autoregressive_layers_bad_arguments():
    with pytest.raises(ValueError, match=r"RowLSTM: units must be a positive integer; got 0\."):
        RowLSTM(0)
    with pytest.raises(ValueError, match=r"DiagonalBiLSTM: units must be a positive integer; got 2\.5"):
        DiagonalBiLSTM(2.5)
    with pytest.raises(ValueError, match=r"VerticalStackConv: filters must be a positive integer; got -1"):
        VerticalStackConv(-1, 3, strict=True)
    with pytest.raises(ValueError, match=r"VerticalStackConv: kernel_size must be an odd positive integer; got 4"):
        VerticalStackConv(4, 4, strict=True)
