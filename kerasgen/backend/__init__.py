"""The one place where kerasgen depends on the Keras backend in use.

Each backend module (`tensorflow.py`, `jax.py`, `torch.py`) defines the same two
names and nothing else that the rest of the library may rely on:

- `StepMixin`: `train_step` and `test_step` for `kerasgen.training.GenerativeModel`.
  The model states *what* to optimise (`optimization_groups()` and
  `compute_losses()`, written in `keras.ops`); the mixin says *how*: gradients,
  loss scaling and optimizer updates, in that backend's idiom.
- `input_gradient(fn, x)`: the gradient of `sum(fn(x))` with respect to `x`,
  itself differentiable, for penalties on the input gradient (WGAN-GP).

The module is chosen once, at import, from `keras.backend.backend()`.
"""

import keras

_BACKEND = keras.backend.backend()

if _BACKEND == "tensorflow":
    from kerasgen.backend.tensorflow import StepMixin, input_gradient
elif _BACKEND == "jax":
    from kerasgen.backend.jax import StepMixin, input_gradient
elif _BACKEND == "torch":
    from kerasgen.backend.torch import StepMixin, input_gradient
else:
    raise ImportError(
        "kerasgen supports the Keras backends 'tensorflow', 'jax' and 'torch'; "
        f"KERAS_BACKEND is {_BACKEND!r}."
    )

__all__ = ["StepMixin", "input_gradient"]
