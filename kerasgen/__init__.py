"""kerasgen: classic deep generative models for Keras 3, under TensorFlow, JAX and PyTorch."""

__version__ = "0.1.0.dev0"

from kerasgen import backend  # noqa: E402  (selects the backend module once)
from kerasgen import data, losses, models, training, utils  # noqa: E402

__all__ = ["backend", "data", "losses", "models", "training", "utils"]
