"""Checks that every model test runs: fit lowers the loss, configs and files round-trip."""

import math

import numpy as np

import keras


def run_model_test(model, x, y=None, *, outputs, epochs=3, batch_size=64, learning_rate=3e-3,
                   tmp_path=None):
    """Fits `model` briefly and checks what every kerasgen model must do.

    - the logged loss terms are finite and `loss` falls over training;
    - `evaluate()` reports the same terms as `fit()`;
    - `get_config`/`from_config` rebuilds an equal config;
    - a `.keras` file round trip gives identical `outputs(model)`.

    Args:
        outputs: callable model -> NumPy array, deterministic given the weights.

    Returns:
        The Keras History.
    """
    model.compile(optimizer=keras.optimizers.Adam(learning_rate))
    before = model.evaluate(x, y, batch_size=batch_size, verbose=0, return_dict=True)
    history = model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0)
    after = model.evaluate(x, y, batch_size=batch_size, verbose=0, return_dict=True)
    for name in model.loss_names:
        assert all(math.isfinite(v) for v in history.history[name]), (name, history.history[name])
        assert name in after and math.isfinite(after[name])
    assert after["loss"] < before["loss"], (before, after)
    assert history.history["loss"][-1] < history.history["loss"][0], history.history["loss"]

    config = model.get_config()
    clone = type(model).from_config(config)
    assert clone.get_config() == config

    if tmp_path is not None:
        path = tmp_path / f"{type(model).__name__.lower()}.keras"
        model.save(path)
        loaded = keras.saving.load_model(path)
        assert type(loaded) is type(model)
        np.testing.assert_allclose(outputs(loaded), outputs(model), rtol=1e-6, atol=1e-6)
        # The optimizer state came back too.
        assert len(loaded.optimizer.variables) == len(model.optimizer.variables)
        for ref, new in zip(model.optimizer.variables, loaded.optimizer.variables):
            np.testing.assert_array_equal(keras.ops.convert_to_numpy(new), keras.ops.convert_to_numpy(ref))
        assert set(loaded.evaluate(x, y, batch_size=batch_size, verbose=0, return_dict=True)) == set(after)
    return history
