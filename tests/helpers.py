"""The contract every kerasgen model keeps, checked by one call (keras-hub's `run_backbone_test` in spirit).

A model test builds a small model and calls `run_model_contract` on it once;
a new family gets the whole contract by that one call. What the family does
that no other does (the KL term against its closed form, the PixelCNN blind
spot, ...) stays in the family's own tests.
"""

import math
import re

import numpy as np
import pytest

import keras

import kerasgen
from kerasgen import protocols
from kerasgen.presets import compile_from_recipe

BOGUS_PRESET = "no_such_preset"


def _numpy(variable):
    return np.array(keras.ops.convert_to_numpy(variable))


def _assert_same(got, expected, what):
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6, err_msg=what)


def run_model_contract(model, x, y=None, *, outputs, tmp_path, batch_size=32, num_checked=4):
    """Checks what every kerasgen model promises, on a small built `model`; returns what it computed.

    1. `fit`: one step on `x[:batch_size]` (with `y`, the class ids of a
       conditional model) logs finite values and moves the weights. An
       uncompiled model is compiled as `kerasgen.from_preset` compiles it
       (`compile_from_recipe`); compile it yourself first to train it
       further after the contract with the same compiled step.
    2. `get_config`/`from_config` rebuilds an equal config.
    3. A `.keras` file round trip: the same class, identical
       `outputs(model)`, and the optimizer state.
    4. A preset round trip, `model.save_to_preset(dir)` then
       `type(model).from_preset(dir)` and `kerasgen.from_preset(dir)`: the
       same class and identical outputs from both.
    5. The capability protocols the model claims (`kerasgen.protocols`),
       each on `num_checked` images: `log_prob` gives finite (N,) values
       (a bound repeats with its seed); `sample(n, seed=)` has the data's
       shape and repeats with its seed (a `Sampler` that cannot sample yet
       says why); `encode` and `encode_features` give one code and one
       feature row per image; `reconstruct` keeps the images' shape; a
       conditional model refuses to go without labels and takes them.
    6. `from_preset("no_such_preset")`, on the class and on kerasgen,
       raises a ValueError that names it.

    Args:
        model: a built kerasgen model (or `kerasgen.models.Classifier`).
        x: training data in the model's input format, at least
            `max(batch_size, num_checked)` examples.
        y: class ids for a conditional model (or the classifier), else None.
        outputs: callable model -> NumPy array, deterministic given the weights.
        tmp_path: folder for the `.keras` file and the preset.
        batch_size: examples in the one `fit` step; the same as the test's
            own `fit` afterwards, so JAX compiles the step once.
        num_checked: examples (and samples) the protocol checks use.

    Returns:
        dict with `history` (of the one step) and, where the model has them,
        `samples` (`sample(num_checked, seed=0)`), `log_prob`, `codes` and
        `reconstructions` (of `x[:num_checked]`).
    """
    cls = type(model)
    assert len(x) >= max(batch_size, num_checked), (len(x), batch_size, num_checked)
    conditional = protocols.is_conditional(model)
    needs_y = conditional or isinstance(model, kerasgen.models.Classifier)
    assert (y is not None) == needs_y, f"{cls.__name__}: pass y exactly when the model takes labels"
    labels = y[:num_checked] if conditional else None
    result = {}

    # 1. One fit step.
    if not model.compiled:
        compile_from_recipe(model)
    before = [_numpy(v) for v in model.trainable_variables]
    history = model.fit(x[:batch_size], None if y is None else y[:batch_size], batch_size=batch_size,
                        epochs=1, verbose=0)
    for name, values in history.history.items():
        assert len(values) == 1 and math.isfinite(values[0]), (name, values)
    assert any(not np.array_equal(a, _numpy(b)) for a, b in zip(before, model.trainable_variables)), \
        f"{cls.__name__}: one fit step moved no weight"
    result["history"] = history
    expected = outputs(model)

    # 2. Config round trip.
    config = model.get_config()
    assert cls.from_config(config).get_config() == config

    # 3. The .keras file.
    path = tmp_path / f"{cls.__name__.lower()}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is cls
    _assert_same(outputs(loaded), expected, f"{cls.__name__} after a .keras round trip")
    assert len(loaded.optimizer.variables) == len(model.optimizer.variables)
    for ref, new in zip(model.optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_array_equal(_numpy(new), _numpy(ref), err_msg=ref.path)

    # 4. The preset folder, by the class and by kerasgen.
    folder = model.save_to_preset(tmp_path / f"{cls.__name__.lower()}_preset")
    for load in (cls.from_preset, kerasgen.from_preset):
        loaded = load(folder)
        assert type(loaded) is cls, (load, type(loaded))
        _assert_same(outputs(loaded), expected, f"{cls.__name__} after a preset round trip ({load.__qualname__})")

    # 5. The capabilities it claims.
    xs = x[:num_checked]
    shape = (num_checked,) + tuple(x.shape[1:])
    if protocols.is_density_model(model):
        options = {} if model.log_prob_is_exact else {"num_samples": 4, "seed": 0}
        log_prob = model.log_prob(xs, labels, **options)
        assert log_prob.shape == (num_checked,) and np.all(np.isfinite(log_prob)), log_prob
        if not model.log_prob_is_exact:
            np.testing.assert_array_equal(model.log_prob(xs, labels, **options), log_prob)
        result["log_prob"] = log_prob
    if protocols.can_sample(model):
        given = {} if labels is None else {"labels": labels}
        samples = model.sample(num_checked, seed=0, **given)
        assert samples.shape == shape and np.all(np.isfinite(samples)), samples.shape
        np.testing.assert_array_equal(model.sample(num_checked, seed=0, **given), samples)
        result["samples"] = samples
    elif protocols.is_sampler(model):
        with pytest.raises(ValueError, match=re.escape(protocols.why_cannot_sample(model))):
            model.sample(num_checked, seed=0)
    if protocols.is_encoder(model):
        given = () if labels is None else (labels,)
        codes = model.encode(xs, *given)
        code_shape = model.grid_shape if isinstance(model, kerasgen.models.VQVAE) else (model.latent_dim,)
        assert codes.shape == (num_checked,) + tuple(code_shape), codes.shape
        features = model.encode_features(xs, *given)
        assert features.ndim == 2 and len(features) == num_checked and np.all(np.isfinite(features))
        result["codes"] = codes
    if protocols.can_reconstruct(model):
        given = () if labels is None else (labels,)
        reconstructions = model.reconstruct(xs, *given)
        assert reconstructions.shape == shape and np.all(np.isfinite(reconstructions)), reconstructions.shape
        result["reconstructions"] = reconstructions
    if conditional:
        assert isinstance(model.num_classes, int) and model.num_classes >= 2
        without = []
        if protocols.can_sample(model):
            without.append(lambda: model.sample(num_checked, seed=0))
        if protocols.is_density_model(model):
            without.append(lambda: model.log_prob(xs, **({} if model.log_prob_is_exact else {"num_samples": 1})))
        if protocols.is_encoder(model):
            without.append(lambda: model.encode(xs))
        for call in without:
            with pytest.raises(ValueError, match="labels"):
                call()

    # 6. A preset name that is not one.
    for load in (cls.from_preset, kerasgen.from_preset):
        with pytest.raises((ValueError, FileNotFoundError), match=BOGUS_PRESET):
            load(BOGUS_PRESET)
    return result
