"""`GenerativeModel`: the base of every kerasgen model."""

import copy

import keras
import numpy as np

from kerasgen.backend import StepMixin, num_replicas
from kerasgen.data.image_format import ImageFormat
from kerasgen.saving import PresetMixin
from kerasgen import checks
from kerasgen.training.groups import OptimizationGroup
from kerasgen.training.guards import StopOnNonFiniteLoss
from kerasgen.training.optimizer_set import OptimizerSet


class GenerativeModel(PresetMixin, StepMixin, keras.Model):
    """Base class: a model that states its objective and lets Keras train it.

    A subclass states *what* to optimise, in `keras.ops` only:

    - `compute_losses(data, training)` returns a dict of scalar tensors with
      at least `"loss"`; its keys are the class attribute `loss_names`, which
      `fit()` and `evaluate()` log.
    - `optimization_groups()` lists the parameter groups a training step
      updates in turn. The default is one group: all trainable variables,
      `self.optimizer`, minimising `compute_losses(data, True)["loss"]`.

    The backend module (`kerasgen.backend`) supplies `train_step` and
    `test_step`: gradients, loss scaling and optimizer updates for
    TensorFlow, JAX or PyTorch. `fit()` and `evaluate()` check the inputs
    against `image_shape`, `input_value_range()` and, for conditional models,
    `num_classes`, and `fit()` stops with an error naming the term when a
    loss becomes NaN or Inf.

    Keras habits, and what they do here:

    - `compile()` takes the optimizer and Keras' run options; `loss=` and
      `metrics=` are refused, since the model defines its own objective and
      logs its terms (`loss_names`); sample quality is measured by
      `kerasgen.evaluate` or, during training, `kerasgen.callbacks.EvaluationCallback`.
    - `fit(sample_weight=...)` / `evaluate(sample_weight=...)` (and
      `validation_data=(x, y, w)`): models whose loss is a mean of
      per-example terms set `supports_sample_weight = True` and take the
      weighted mean sum(w * loss) / sum(w) (`kerasgen.losses.weighted_mean`),
      so examples of weight 0 count as absent; the others refuse weights with
      an error saying why. `class_weight` becomes per-example weights by the
      class label (as in Keras), so it needs a conditional model that
      supports weights.
    - Models with `deterministic_evaluation = True` draw the noise of
      `evaluate()` (and of `fit()`'s validation) from
      `self.evaluation_seed_generator`, restarted at every call, so two
      evaluations of the same weights agree exactly; training draws from
      `self.seed_generator` as before.

    Args:
        image_shape: tuple (H, W, C) of the images the model takes, or None.
        image_format: `kerasgen.data.ImageFormat` (its config dict or name)
            saying how 8-bit pixels become the model's inputs and what its
            images mean; saved in the config and read by `pipeline`,
            `kerasgen.evaluate`, the NLL's bits per dimension, sample grids
            and the CLI. None: the family's default (`default_image_format`).
        seed: int or None, seeds `self.seed_generator`, the source of every
            random draw in training and sampling (not of the initial weights:
            `keras.utils.set_random_seed` seeds those).
        **kwargs: passed to `keras.Model` (`name`, `dtype`).
    """

    loss_names = ("loss",)
    num_classes = None
    # Whether compute_losses honours the batch's sample weights (see _sample_weight).
    supports_sample_weight = False
    # Why a model that refuses sample weights cannot honour them, for the error.
    sample_weight_refusal = "its loss is not a mean of per-example terms that a weight could scale"
    # Whether evaluate() draws its noise from evaluation_seed_generator, restarted per call.
    deterministic_evaluation = False
    # Config keys that hold serialized sub-networks (rebuilt by from_config).
    network_keys = ()
    # Old argument names -> new (and, where the values changed too, old value -> new):
    # from_config maps them, so files saved before a rename load; the constructor
    # refuses them, naming the new spelling (check_renamed_arguments).
    renamed_arguments = {}
    renamed_values = {}

    def __init__(self, image_shape=None, seed=None, image_format=None, **kwargs):
        super().__init__(**kwargs)
        self.image_shape = None if image_shape is None else checks.check_image_shape(image_shape, type(self).__name__)
        # Checked against the family's constraints by _check_image_format, which
        # each family calls once its own arguments are set.
        self._image_format = ImageFormat.get(image_format)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="seed_generator")
        self.evaluation_seed_generator = None
        if self.deterministic_evaluation:
            # Not saved with the random state (random_state_variables): it
            # restarts from this seed at every evaluate().
            self._evaluation_seed = 0 if seed is None else int(seed)
            self.evaluation_seed_generator = keras.random.SeedGenerator(
                self._evaluation_seed, name="evaluation_seed_generator")
        self._trackers = {n: keras.metrics.Mean(name=n) for n in self.loss_names}

    # -- what subclasses state ------------------------------------------------

    def compute_losses(self, data, training=False):
        raise NotImplementedError(f"{type(self).__name__} must define compute_losses().")

    def optimization_groups(self):
        def loss_fn(data):
            logs = self.compute_losses(data, training=True)
            return logs["loss"], logs

        return [OptimizationGroup("model", self.trainable_variables, self.optimizer, loss_fn)]

    def noise_seed(self, training):
        """The seed generator of a step's random draws: training's, or evaluation's.

        Models with `deterministic_evaluation` draw evaluation noise from
        `evaluation_seed_generator`, which `evaluate()` restarts; every other
        draw comes from `seed_generator`.
        """
        if training or self.evaluation_seed_generator is None:
            return self.seed_generator
        return self.evaluation_seed_generator

    def input_value_range(self):
        """(low, high) that input images must lie in, or None for any finite value."""
        return None

    # -- the image format ---------------------------------------------------

    @property
    def image_format(self):
        """The model's `kerasgen.data.ImageFormat`, or None for a model of vectors (a toy GAN)."""
        return self._image_format if self._image_format is not None else self.default_image_format()

    def takes_images(self):
        """Whether the model's samples are images (H, W, C), not vectors (a toy GAN's (D,))."""
        return self.image_shape is not None and len(self.image_shape) == 3

    def default_image_format(self):
        """The format used when none is given: x / 255 in [0, 1] for images; families refine it."""
        return ImageFormat(scale="unit") if self.takes_images() else None

    def _check_image_format(self):
        """Refuses a given format whose values the model cannot take (its range, its levels)."""
        owner, fmt = type(self).__name__, self._image_format
        if fmt is None:
            return
        if not self.takes_images():
            raise ValueError(f"{owner}: image_format applies to models of images; this one takes vectors "
                             f"(got image_format={fmt!r}).")
        bounds = self.input_value_range()
        lo, hi = fmt.value_range
        if bounds is not None and not bounds[0] <= lo < hi <= bounds[1]:
            raise ValueError(f"{owner}: image_format={fmt!r} gives values in [{lo:g}, {hi:g}], but the model "
                             f"takes values in [{bounds[0]:g}, {bounds[1]:g}].")
        if self.input_integer_values() and (not fmt.discrete or bounds is not None and fmt.levels != bounds[1] + 1):
            levels = "whole levels" if bounds is None else f"{int(bounds[1]) + 1} levels"
            raise ValueError(f"{owner}: the model takes {levels}; image_format={fmt!r} gives "
                             f"{'continuous values' if not fmt.discrete else f'{fmt.levels} levels'}.")

    def input_integer_values(self):
        """Whether input values must be whole numbers (discrete models)."""
        return False

    # -- Keras plumbing -----------------------------------------------------

    @property
    def metrics(self):
        return list(self._trackers.values())

    # The key of a batch's total sample weight in compute_losses' logs (see with_batch_weight).
    _BATCH_WEIGHT = "_batch_weight"

    def with_batch_weight(self, logs, sample_weight):
        """`logs` plus the batch's total sample weight, when the batch has weights.

        `fit()` and `evaluate()` average each logged term over the batches
        weighted by that total, so an epoch's value is sum(w * term) / sum(w)
        over all its examples rather than a mean of the batches' means.
        """
        if sample_weight is None:
            return logs
        return {**logs, self._BATCH_WEIGHT: keras.ops.sum(keras.ops.cast(sample_weight, "float32"))}

    def _update_trackers(self, logs):
        logs = dict(logs)
        weight = logs.pop(self._BATCH_WEIGHT, None)
        unknown = set(logs) - set(self._trackers)
        if unknown:
            raise KeyError(
                f"{type(self).__name__} logged {sorted(unknown)}, which are not in its "
                f"loss_names {self.loss_names}."
            )
        for name, value in logs.items():
            self._trackers[name].update_state(keras.ops.cast(value, "float32"), sample_weight=weight)
        return {name: tracker.result() for name, tracker in self._trackers.items()}

    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, **kwargs):
        """Compiles with an optimizer; the model supplies its own loss and logged terms.

        Args:
            optimizer: `keras.optimizers.Optimizer` or name.
            loss, loss_weights, metrics, weighted_metrics: refused (ValueError):
                the objective and what `fit()` logs are the model's
                (`loss_names`).
            **kwargs: passed to `keras.Model.compile` (`run_eagerly`,
                `jit_compile`, `steps_per_execution`).
        """
        self._refuse_compile_arguments(loss=loss, loss_weights=loss_weights, metrics=metrics,
                                       weighted_metrics=weighted_metrics)
        super().compile(optimizer=optimizer, **kwargs)

    def _refuse_compile_arguments(self, **arguments):
        owner = type(self).__name__
        for name in ("loss", "loss_weights"):
            if arguments.get(name) is not None:
                raise ValueError(
                    f"{owner} defines its own objective and logs its terms {self.loss_names}; "
                    f"compile() takes no {name} (got {name}={arguments[name]!r}). Choose the "
                    f"objective with {owner}'s constructor arguments, or subclass it and "
                    "override compute_losses()."
                )
        for name in ("metrics", "weighted_metrics"):
            if arguments.get(name) is not None:
                raise ValueError(
                    f"{owner}: compile() takes no {name} (got {name}={arguments[name]!r}): Keras "
                    "metrics compare predictions with targets, and fit() and evaluate() log the "
                    f"model's own terms {self.loss_names}. Measure samples and likelihoods with "
                    "kerasgen.evaluate(model, data), or during fit() with "
                    "kerasgen.callbacks.EvaluationCallback."
                )

    def compile_optimizer_set(self, optimizers, **kwargs):
        """Compiles with one optimizer per parameter group (see `OptimizerSet`).

        For subclasses whose `compile()` takes several optimizers: `optimizers`
        maps each group name of `optimization_groups()` to its optimizer.
        `model.optimizer.learning_rate` is then the first group's rate, and
        assigning it (as learning-rate callbacks do) scales every group's.
        """
        self._refuse_compile_arguments(**kwargs)
        if "optimizer" in kwargs:
            raise ValueError(
                f"{type(self).__name__} has one optimizer per parameter group "
                f"{tuple(optimizers)}; pass them to its compile(), not optimizer="
                f"{kwargs['optimizer']!r}."
            )
        optimizers = {k: keras.optimizers.get(v) for k, v in optimizers.items()}
        if keras.config.dtype_policy().name == "mixed_float16":
            optimizers = {
                k: v if isinstance(v, keras.optimizers.LossScaleOptimizer)
                else keras.optimizers.LossScaleOptimizer(v)
                for k, v in optimizers.items()
            }
        optimizer_set = OptimizerSet(
            optimizers,
            group_variables=lambda: {g.name: g.variables for g in self.optimization_groups()},
        )
        kwargs = {k: v for k, v in kwargs.items()
                  if k not in ("loss", "loss_weights", "metrics", "weighted_metrics")}
        super().compile(optimizer=optimizer_set, **kwargs)
        # Keras wraps the optimizer for mixed_float16; the members already are.
        self.optimizer = optimizer_set

    def get_compile_config(self):
        if isinstance(getattr(self, "optimizer", None), OptimizerSet):
            return {"optimizer_set": keras.saving.serialize_keras_object(self.optimizer)}
        return super().get_compile_config()

    def compile_from_config(self, config):
        if "optimizer_set" not in config:
            # What keras.Model does, which it skips for a model whose compile() is its own.
            self.compile(**keras.saving.deserialize_keras_object(config))
            if self.built:
                self.optimizer.build(self.trainable_variables)
            return
        optimizer_set = keras.saving.deserialize_keras_object(config["optimizer_set"])
        self.compile_optimizer_set(optimizer_set.members)
        if self.built:
            self.optimizer.build(self.trainable_variables)

    # -- labels ---------------------------------------------------------------

    def _one_hot(self, labels):
        """Class ids to one-hot rows (N, num_classes); None for unconditional models or no labels."""
        if self.num_classes is None or labels is None:
            return None
        return keras.ops.one_hot(keras.ops.reshape(keras.ops.cast(labels, "int32"), (-1,)), self.num_classes)

    def _unpack(self, data):
        """(x, integer class ids (N,) or None) from a training batch; conditional models need labels.

        Networks that take one-hot rows get them from `self._one_hot(ids)`.
        """
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        if sample_weight is not None and not self.supports_sample_weight:
            raise self._sample_weight_error("sample weights in its batches")
        if self.num_classes is not None and y is None:
            raise ValueError(
                f"{type(self).__name__} is conditional and needs (images, labels) batches; "
                "got images alone."
            )
        if self.num_classes is None or y is None:
            return x, None
        return x, keras.ops.reshape(keras.ops.cast(y, "int32"), (-1,))

    def _sample_weight(self, data):
        """The batch's sample weights as float32 (N,), or None; refused unless supported."""
        _, _, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        if sample_weight is None:
            return None
        if not self.supports_sample_weight:
            raise self._sample_weight_error("sample weights in its batches")
        return keras.ops.reshape(keras.ops.cast(sample_weight, "float32"), (-1,))

    def _sample_weight_error(self, what):
        return ValueError(
            f"{type(self).__name__} cannot honour {what}: {self.sample_weight_refusal}. "
            "Leave the weights out (or resample the training set instead)."
        )

    def _check_weight_arguments(self, x, y, kwargs):
        """Refuses sample_weight / class_weight the model would ignore; returns (x, y, kwargs).

        Keras drops `sample_weight` when `y` is None; an unconditional model
        given weights for arrays gets a placeholder y (ignored by the model)
        so that they reach the step.
        """
        owner = type(self).__name__
        if kwargs.get("class_weight") is not None:
            if not self.supports_sample_weight:
                raise self._sample_weight_error("class_weight")
            if self.num_classes is None:
                raise ValueError(
                    f"{owner} is not conditional: class_weight weights each example by its class "
                    f"label, and it trains on images alone (got class_weight="
                    f"{kwargs['class_weight']!r}). Pass sample_weight= with one weight per image."
                )
        if kwargs.get("sample_weight") is not None:
            if not self.supports_sample_weight:
                raise self._sample_weight_error("sample_weight")
            if y is None and checks.is_array_like(x):
                y = _placeholder_targets(x)
        if checks.is_tf_dataset(x) and isinstance(x.element_spec, tuple) \
                and len(x.element_spec) == 3 and not self.supports_sample_weight:
            raise self._sample_weight_error("a dataset of (x, y, sample_weight) batches")
        return x, y, kwargs

    # -- input checks -------------------------------------------------------

    def _labels_for(self, labels, n, argument="labels"):
        """Labels for n generated or decoded items: None, one class id, or n of them."""
        if self.num_classes is None:
            if labels is not None:
                raise ValueError(f"{type(self).__name__} is not conditional; got {argument}={labels!r}.")
            return None
        if labels is not None and np.ndim(labels) == 0:
            labels = np.full((n,), labels)
        return checks.check_labels(labels, num_classes=self.num_classes, num_examples=n,
                                   argument=argument, owner=type(self).__name__)

    def _check_predict_inputs(self, x):
        """`predict`'s inputs for a model of images: images, or [images, labels] when conditional."""
        owner = type(self).__name__
        pair = isinstance(x, (list, tuple)) and len(x) == 2 and np.ndim(x[0]) == 4
        if self.num_classes is None:
            if pair:
                raise ValueError(
                    f"{owner} is not conditional: predict takes images (N, H, W, C) alone; got a "
                    f"{type(x).__name__} of an image batch and {checks.describe(x[1])}."
                )
            return self._checked_inputs(x, None, "x")[0]
        if not pair:
            raise ValueError(
                f"{owner} is conditional: predict takes [images, labels], images (N, H, W, C) and "
                f"class ids in [0, {self.num_classes}) (one, or N); got {checks.describe(x)}."
            )
        images = self.check_images(x[0])
        return [images, self._labels_for(x[1], len(images))]

    def check_images(self, x, argument="x"):
        """A NumPy batch of images (N, H, W, C) checked against the model's rules; returns it as float32.

        The check every method that takes images runs (`fit` on arrays,
        `encode`, `log_prob`, `predict`, `kerasgen.evaluate`, ...): the shape
        (`image_shape`), the value range (`input_value_range()`), whole levels
        where the model takes levels (`input_integer_values()`), no NaN/Inf.
        An error names `argument`, the model and the offending value. For a
        `tf.data` pipeline, `kerasgen.data.check_images` applies the same
        rules batch by batch.
        """
        return checks.check_image_batch(
            x,
            image_shape=self.image_shape,
            value_range=self.input_value_range(),
            integers=self.input_integer_values(),
            argument=argument,
            owner=type(self).__name__,
        )

    def _check_arrays(self, x, y, argument):
        x = self.check_images(x, argument)
        if self.num_classes is not None:
            y = checks.check_labels(
                y, num_classes=self.num_classes, num_examples=len(x),
                argument="y" if argument == "x" else f"{argument} labels",
                owner=type(self).__name__,
            )
        return x, y

    def _check_replica_batches(self, x, batch_size):
        """Inside `kerasgen.training.data_parallel`: every batch of an array must split evenly across the devices."""
        replicas = num_replicas(self)
        if replicas == 1 or not checks.is_array_like(x):
            return
        batch_size = 32 if batch_size is None else batch_size  # Keras' default for arrays
        last = len(x) % batch_size
        if batch_size % replicas or last % replicas:
            raise ValueError(
                f"{type(self).__name__}.fit: data-parallel training on {replicas} devices splits every batch "
                f"evenly across them; batch_size is {batch_size} and the last of the {len(x)} images' batches "
                f"holds {last or batch_size}. Use a batch_size that is a multiple of {replicas}, and as many "
                f"images as a multiple of it (or drop the last {last})."
            )

    def _checked_inputs(self, x, y, argument="x"):
        if self.num_classes is None and y is not None:
            what = "validation labels" if argument == "validation_data" else "y"
            raise ValueError(
                f"{type(self).__name__} is not conditional and does not use {what}; got "
                f"{'an array of shape ' + str(np.shape(y)) if checks.is_array_like(y) else repr(type(y).__name__)}. "
                f"Pass the images alone, or use a conditional model (e.g. ConditionalVAE) to train on labels."
            )
        if self.image_shape is None or x is None:
            return x, y
        if checks.is_array_like(x):
            return self._check_arrays(x, y, argument)
        if checks.is_tf_dataset(x):
            from kerasgen.data import check_images

            if self.num_classes is not None and not isinstance(x.element_spec, tuple):
                raise ValueError(
                    f"{type(self).__name__} is conditional and needs class labels, but the "
                    f"dataset passed as {argument} yields images alone "
                    f"(element_spec {x.element_spec}); yield (images, labels) pairs, e.g. "
                    "kerasgen.data.pipeline(..., labels=True)."
                )
            return check_images(
                x, image_shape=self.image_shape, value_range=self.input_value_range(),
                integers=self.input_integer_values(), argument=argument,
                num_classes=self.num_classes,
            ), y
        if isinstance(x, keras.utils.PyDataset):
            def check(batch, index):
                if not isinstance(batch, (tuple, list)):
                    return self._check_arrays(batch, None, f"{argument} (batch {index})")[0]
                labels = batch[1] if len(batch) > 1 else None
                images, labels = self._check_arrays(batch[0], labels, f"{argument} (batch {index})")
                return (images,) + ((labels,) if len(batch) > 1 else ()) + tuple(batch[2:])

            return checks.CheckedPyDataset(x, check), y
        return x, y

    def fit(self, x=None, y=None, *args, validation_data=None, callbacks=None, **kwargs):
        x, y = self._checked_inputs(x, y, "x")
        x, y, kwargs = self._check_weight_arguments(x, y, kwargs)
        if validation_data is not None:
            if isinstance(validation_data, tuple):
                vx, vy = self._checked_inputs(
                    validation_data[0], validation_data[1] if len(validation_data) > 1 else None,
                    "validation_data",
                )
                vw = validation_data[2] if len(validation_data) > 2 else None
                vx, vy, _ = self._check_weight_arguments(vx, vy, {"sample_weight": vw})
                validation_data = (vx,) if vy is None else (vx, vy) if vw is None else (vx, vy, vw)
            else:
                validation_data, _ = self._checked_inputs(validation_data, None, "validation_data")
                self._check_weight_arguments(validation_data, None, {})
        if checks.is_tf_dataset(x):
            # A tf.data pipeline shuffles itself; Keras would only warn.
            kwargs.setdefault("shuffle", False)
        self._check_replica_batches(x, args[0] if args else kwargs.get("batch_size"))
        callbacks = list(callbacks or [])
        if not any(isinstance(c, StopOnNonFiniteLoss) for c in callbacks):
            callbacks.append(StopOnNonFiniteLoss())
        return super().fit(x, y, *args, validation_data=validation_data, callbacks=callbacks, **kwargs)

    def evaluate(self, x=None, y=None, *args, **kwargs):
        # fit()'s validation runs on the data fit() checked (Keras reuses its
        # cached iterator and ignores x); other calls are checked here.
        if not kwargs.get("_use_cached_eval_dataset"):
            x, y = self._checked_inputs(x, y, "x")
            x, y, kwargs = self._check_weight_arguments(x, y, kwargs)
        self.reset_evaluation_noise()
        return super().evaluate(x, y, *args, **kwargs)

    def reset_evaluation_noise(self):
        """Restarts `evaluation_seed_generator`, as every `evaluate()` does (no-op without one)."""
        if self.evaluation_seed_generator is not None:
            state = self.evaluation_seed_generator.state
            state.assign(keras.ops.convert_to_tensor([self._evaluation_seed, 0], dtype=state.dtype))

    # -- random state ---------------------------------------------------------
    # Keras saves a layer's weights but not its SeedGenerator states, so a model
    # reloaded from a checkpoint would replay the noise of its first steps. The
    # states of every SeedGenerator in the model (its own and its layers') are
    # saved beside the model's own variables, under keys of their own; files
    # written before this have none and load as before.

    _RANDOM_STATE_PREFIX = "random_state_"

    def random_state_variables(self):
        """The variables that decide the model's next random draws (SeedGenerator states).

        The evaluation seed generator is left out: every evaluate() restarts it.
        """
        skip = {id(v) for v in self.weights}
        if self.evaluation_seed_generator is not None:
            skip.add(id(self.evaluation_seed_generator.state))
        return [v for v in self.variables if id(v) not in skip]

    def save_own_variables(self, store):
        super().save_own_variables(store)
        for i, v in enumerate(self.random_state_variables()):
            store[f"{self._RANDOM_STATE_PREFIX}{i}"] = v

    def load_own_variables(self, store):
        keys = list(store.keys())
        random_keys = [k for k in keys if k.startswith(self._RANDOM_STATE_PREFIX)]
        super().load_own_variables({k: store[k] for k in keys if k not in random_keys})
        if not random_keys:
            return  # saved before random states were kept: the seed's start state stays
        states = self.random_state_variables()
        if len(random_keys) != len(states):
            raise ValueError(
                f"{type(self).__name__}: the file holds {len(random_keys)} random-generator states, "
                f"but the model has {len(states)}; it was saved from a different model."
            )
        for i, v in enumerate(states):
            v.assign(store[f"{self._RANDOM_STATE_PREFIX}{i}"])

    def get_config(self):
        fmt = self.image_format
        return {"name": self.name, "seed": self.seed, "image_format": None if fmt is None else fmt.get_config()}

    @classmethod
    def check_renamed_arguments(cls, kwargs):
        """Refuses an argument spelled the old way, naming the new one (a family's __init__ calls it first)."""
        for old, new in cls.renamed_arguments.items():
            if old in kwargs:
                value = kwargs[old]
                if old in cls.renamed_values and isinstance(value, str):
                    value = cls.renamed_values[old].get(value, value)
                raise TypeError(f"{cls.__name__}: {old}= is now called {new}=; pass {new}={value!r}.")

    @classmethod
    def from_config(cls, config):
        config = copy.deepcopy(config)  # deserialization consumes nested dicts
        for old, new in cls.renamed_arguments.items():
            if old in config:  # saved before the rename
                value = config.pop(old)
                config[new] = cls.renamed_values[old].get(value, value) if isinstance(value, str) and old in cls.renamed_values \
                    else value
        for key in cls.network_keys:
            if isinstance(config.get(key), dict):
                config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)


def _placeholder_targets(x):
    """A y of zeros, one per example, that carries nothing: Keras packs sample weights only beside a y."""
    return np.zeros((len(x),), "float32")

