"""kerasgen: classic deep generative models for Keras 3, under TensorFlow, JAX and PyTorch."""

__version__ = "0.1.0.dev0"

from kerasgen import backend  # noqa: E402  (selects the backend module once)
from kerasgen import callbacks, data, losses, metrics, training, utils  # noqa: E402
from kerasgen import layers, models, presets  # noqa: E402
from kerasgen.evaluation import available_metrics, evaluate  # noqa: E402
from kerasgen.presets import from_preset, list_presets  # noqa: E402
from kerasgen.saving import load_model  # noqa: E402

__all__ = ["available_metrics", "evaluate", "from_preset", "list_presets", "backend", "callbacks", "data", "layers", "losses", "metrics", "models", "presets", "training", "utils"]
