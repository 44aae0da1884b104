"""The training core on toy models: parameter groups, carried state, input
gradients and seeds, under whichever backend KERAS_BACKEND selects."""

import numpy as np
import pytest

import keras
from keras import ops

from kerasgen.backend import input_gradient
from kerasgen.training import GenerativeModel, OptimizationGroup, OptimizerSet


class TwoGroups(GenerativeModel):
    """Group "a" fits a*x to 1 (k times per step); group "b" then fits b*x to a."""

    loss_names = ("loss_a", "loss_b")

    def __init__(self, k=3, **kwargs):
        super().__init__(**kwargs)
        self.k = k
        self.a = self.add_weight(shape=(), initializer="zeros", name="a")
        self.b = self.add_weight(shape=(), initializer="zeros", name="b")
        self.built = True

    def compile(self, a_optimizer, b_optimizer, **kwargs):
        self.compile_optimizer_set({"a": a_optimizer, "b": b_optimizer}, **kwargs)

    def _loss_a(self, x):
        return ops.mean(ops.square(self.a * x - 1.0))

    def _loss_b(self, x):
        return ops.mean(ops.square(self.b * x - self.a))

    def optimization_groups(self):
        def loss_a(x):
            loss = self._loss_a(x)
            return loss, {"loss_a": loss}

        def loss_b(x):
            loss = self._loss_b(x)
            return loss, {"loss_b": loss}

        return [
            OptimizationGroup("a", [self.a], self.optimizer["a"], loss_a, repeats=self.k),
            OptimizationGroup("b", [self.b], self.optimizer["b"], loss_b),
        ]

    def compute_losses(self, x, training=False):
        return {"loss_a": self._loss_a(x), "loss_b": self._loss_b(x)}

    def get_config(self):
        return {**super().get_config(), "k": self.k}


@pytest.mark.parametrize("run_eagerly", [False, True])
def test_groups_update_in_sequence_with_their_own_optimizer_state(run_eagerly):
    x = np.linspace(0.5, 1.5, 16).astype("float32")
    model = TwoGroups(k=3)
    model.compile(
        a_optimizer=keras.optimizers.SGD(0.05, momentum=0.9),
        b_optimizer=keras.optimizers.SGD(0.1, momentum=0.5),
        run_eagerly=run_eagerly,
    )
    model.fit(x, batch_size=16, epochs=5, shuffle=False, verbose=0)

    a, b = _reference_two_momenta(x)
    np.testing.assert_allclose(float(model.a.numpy()), a, rtol=1e-5)
    np.testing.assert_allclose(float(model.b.numpy()), b, rtol=1e-5)
    assert int(model.optimizer["a"].iterations.numpy()) == 15
    assert int(model.optimizer["b"].iterations.numpy()) == 5
    # Every member's state is in the set Keras carries (and JAX threads through jit).
    carried = {id(v) for v in model.optimizer.variables}
    assert all(id(v) in carried for m in model.optimizer.members.values() for v in m.variables)


def _reference_two_momenta(x, steps=5, k=3):
    a = b = ma = mb = 0.0
    for _ in range(steps):
        for _ in range(k):
            ga = np.mean(2 * (a * x - 1.0) * x)
            ma = 0.9 * ma - 0.05 * ga
            a += ma
        gb = np.mean(2 * (b * x - a) * x)
        mb = 0.5 * mb - 0.1 * gb
        b += mb
    return a, b


def test_optimizer_state_survives_a_keras_file_round_trip(tmp_path):
    x = np.linspace(0.5, 1.5, 16).astype("float32")
    model = TwoGroups(k=2)
    model.compile(keras.optimizers.Adam(0.01), keras.optimizers.Adam(0.02))
    model.fit(x, batch_size=8, epochs=2, verbose=0)
    path = tmp_path / "two_groups.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, custom_objects={"TwoGroups": TwoGroups})
    for ref, new in zip(model.optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_array_equal(np.asarray(ref.numpy()), np.asarray(new.numpy()))
    assert int(loaded.optimizer["a"].iterations.numpy()) == 8
    # Training on continues from the restored state, identically.
    model.fit(x, batch_size=8, epochs=1, shuffle=False, verbose=0)
    loaded.fit(x, batch_size=8, epochs=1, shuffle=False, verbose=0)
    np.testing.assert_allclose(float(loaded.a.numpy()), float(model.a.numpy()), rtol=1e-6)


class Statistics(GenerativeModel):
    """BatchNormalization statistics and a hand-kept counter, both non-trainable."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.norm = keras.layers.BatchNormalization(momentum=0.5)
        self.dense = keras.layers.Dense(1)
        self.norm.build((None, 2))
        self.dense.build((None, 2))
        self.batches_seen = self.add_weight(shape=(), initializer="zeros", trainable=False, name="batches_seen")
        self.built = True

    def compute_losses(self, x, training=False):
        if training:
            self.batches_seen.assign_add(1.0)
        y = self.dense(self.norm(x, training=training))
        return {"loss": ops.mean(ops.square(y))}


def test_non_trainable_state_is_carried_out_of_the_step():
    x = np.random.default_rng(0).normal(3.0, 1.0, size=(64, 2)).astype("float32")
    model = Statistics()
    model.compile(keras.optimizers.SGD(0.01))
    model.fit(x, batch_size=16, epochs=3, verbose=0)
    assert float(model.batches_seen.numpy()) == 12.0
    moving_mean = np.asarray(model.norm.moving_mean.numpy())
    # After 12 updates with momentum 0.5 the average sits at the batch means.
    np.testing.assert_allclose(moving_mean, x.mean(axis=0), atol=0.35)
    # evaluate() reads the statistics but does not move them.
    model.evaluate(x, batch_size=16, verbose=0)
    np.testing.assert_array_equal(np.asarray(model.norm.moving_mean.numpy()), moving_mean)
    assert float(model.batches_seen.numpy()) == 12.0


def test_input_gradient_matches_closed_form():
    w = np.array([0.5, -2.0, 3.0], "float32")
    x = np.random.default_rng(1).normal(size=(4, 3)).astype("float32")
    grad = input_gradient(lambda t: ops.sum(ops.convert_to_tensor(w) * t * t, axis=-1), ops.convert_to_tensor(x))
    np.testing.assert_allclose(ops.convert_to_numpy(grad), 2 * w * x, rtol=1e-6)


class PenalisedCritic(GenerativeModel):
    """A linear critic f(x) = w.x trained only by (||grad_x f|| - 1)^2."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.w = self.add_weight(shape=(3,), initializer=keras.initializers.Constant([3.0, 0.0, 4.0]), name="w")
        self.built = True

    def compute_losses(self, x, training=False):
        grads = input_gradient(lambda t: ops.sum(t * self.w, axis=-1), x)
        norms = ops.sqrt(ops.sum(ops.square(grads), axis=-1))
        return {"loss": ops.mean(ops.square(norms - 1.0))}


@pytest.mark.parametrize("run_eagerly", [False, True])
def test_gradient_penalty_trains_through_the_input_gradient(run_eagerly):
    x = np.random.default_rng(2).normal(size=(32, 3)).astype("float32")
    model = PenalisedCritic()
    model.compile(keras.optimizers.SGD(0.05), run_eagerly=run_eagerly)
    history = model.fit(x, batch_size=32, epochs=40, verbose=0)
    # d/dw (||w|| - 1)^2 = 2 (||w|| - 1) w / ||w||: each SGD step moves w along
    # itself and multiplies ||w|| - 1 by (1 - 2 * 0.05), from ||w|| = 5.
    w = np.asarray(model.w.numpy())
    np.testing.assert_allclose(np.linalg.norm(w), 1.0 + 4.0 * 0.9**40, rtol=1e-4)
    np.testing.assert_allclose(w / np.linalg.norm(w), [0.6, 0.0, 0.8], atol=1e-5)
    assert history.history["loss"][0] == pytest.approx(16.0, rel=1e-5)


class Noisy(GenerativeModel):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(4)
        self.dense.build((None, 4))
        self.built = True

    def compute_losses(self, x, training=False):
        noise = keras.random.normal(ops.shape(x), seed=self.seed_generator)
        return {"loss": ops.mean(ops.square(self.dense(x + noise) - x))}


def _noisy_run(seed):
    keras.utils.set_random_seed(seed)
    x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    model = Noisy()
    model.compile(keras.optimizers.Adam(0.01))
    history = model.fit(x, batch_size=16, epochs=3, verbose=0)
    return np.asarray(model.dense.kernel.numpy()), history.history["loss"]


def test_a_global_seed_makes_training_repeat_exactly():
    kernel_1, loss_1 = _noisy_run(7)
    kernel_2, loss_2 = _noisy_run(7)
    kernel_3, _ = _noisy_run(8)
    np.testing.assert_array_equal(kernel_1, kernel_2)
    assert loss_1 == loss_2
    assert not np.allclose(kernel_1, kernel_3)


def test_the_seed_generator_advances_inside_compiled_steps():
    # Unseeded or trace-time randomness would give every step the same noise.
    model = Noisy()
    model.compile(keras.optimizers.SGD(0.0))
    x = np.zeros((16, 4), "float32")
    losses = [model.evaluate(x, verbose=0) for _ in range(3)]
    assert len(set(np.round(losses, 6))) == 3


def test_repeats_must_be_a_positive_integer():
    with pytest.raises(ValueError, match="repeats must be an integer >= 1; got 0"):
        OptimizationGroup("d", [], None, lambda d: None, repeats=0)


def test_optimizer_set_learning_rate_is_the_first_members_and_scales_them_all():
    opts = OptimizerSet({"d": keras.optimizers.Adam(4e-4), "g": keras.optimizers.SGD(1e-4)})
    assert float(ops.convert_to_numpy(opts.learning_rate)) == pytest.approx(4e-4)
    opts.learning_rate = 2e-4  # what LearningRateScheduler and ReduceLROnPlateau do
    np.testing.assert_allclose(list(opts.learning_rates.values()), [2e-4, 5e-5], rtol=1e-6)
    opts["g"].learning_rate = 1e-4  # each member stays reachable on its own
    opts.learning_rate = 1e-4
    np.testing.assert_allclose(list(opts.learning_rates.values()), [1e-4, 5e-5], rtol=1e-6)
    # A rate of 0 has no ratio to keep: every member takes the new value.
    opts.learning_rate = 0.0
    opts.learning_rate = 1e-3
    np.testing.assert_allclose(list(opts.learning_rates.values()), [1e-3, 1e-3], rtol=1e-6)
    with pytest.raises(ValueError, match="finite number >= 0; got nan"):
        opts.learning_rate = float("nan")
    with pytest.raises(TypeError, match="give each member optimizer its own LearningRateSchedule"):
        opts.learning_rate = keras.optimizers.schedules.ExponentialDecay(1e-3, 10, 0.5)


def test_optimizer_set_refuses_a_rate_when_a_member_follows_a_schedule():
    decay = keras.optimizers.schedules.ExponentialDecay(1e-3, decay_steps=10, decay_rate=0.5)
    wrapped = keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam(decay))
    opts = OptimizerSet({"d": keras.optimizers.Adam(1e-3), "g": wrapped})
    with pytest.raises(TypeError, match=r"member\(s\) \['g'\] follow a LearningRateSchedule"):
        opts.learning_rate = 1e-4
    assert opts.learning_rates["d"] == pytest.approx(1e-3)  # nothing was changed


# Keras' debugging switch, run_eagerly=True: under JAX the batch then reaches the step as NumPy, and a
# conditional network's [images, one_hot] input once mixed NumPy with tensors, which Keras refuses.
def test_conditional_models_train_with_run_eagerly():
    from kerasgen.models import ConditionalGAN, ConditionalVAE

    rng = np.random.default_rng(0)
    x = (rng.random((8, 8, 8, 1)) > 0.5).astype("float32")
    y = np.arange(8) % 2
    for model in (ConditionalVAE(num_classes=2, image_shape=(8, 8, 1), latent_dim=2, architecture="dense",
                                 hidden_dims=(8,)),
                  ConditionalGAN(num_classes=2, image_shape=(8, 8, 1), latent_dim=2, architecture="mlp",
                                 hidden_dims=(8,))):
        model.compile(run_eagerly=True) if isinstance(model, ConditionalGAN) else \
            model.compile(keras.optimizers.Adam(1e-3), run_eagerly=True)
        data = x * 2 - 1 if isinstance(model, ConditionalGAN) else x
        history = model.fit(data, y, batch_size=8, epochs=1, verbose=0)
        assert all(np.isfinite(v[-1]) for v in history.history.values()), (type(model).__name__, history.history)
