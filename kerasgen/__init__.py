"""kerasgen: classic deep generative models for Keras 3, under TensorFlow, JAX and PyTorch."""

from kerasgen.version import __version__

import os as _os
import sys as _sys


def _started_as_command():
    """True while `python -m kerasgen` or the `kerasgen` command imports this package."""
    if _sys.argv[:1] == ["-m"]:  # runpy is locating kerasgen.__main__
        argv = list(getattr(_sys, "orig_argv", ()))
        return "-m" in argv and argv[argv.index("-m") + 1:][:1] == ["kerasgen"]
    return bool(_sys.argv) and _os.path.basename(_sys.argv[0]) in ("kerasgen", "kerasgen.exe", "kerasgen-script.py")


if _started_as_command():
    # Before anything loads TensorFlow: its start-up lines are noise on a
    # command's stderr (kerasgen.cli imports only the standard library).
    from kerasgen.cli import quiet_startup as _quiet_startup

    _quiet_startup()

from kerasgen import backend  # noqa: E402  (selects the backend module once)
from kerasgen import callbacks, data, losses, metrics, training, utils  # noqa: E402
from kerasgen import layers, models, presets, protocols  # noqa: E402
from kerasgen.evaluation import available_metrics, evaluate  # noqa: E402
from kerasgen.presets import from_preset, list_presets  # noqa: E402
from kerasgen.saving import load_model  # noqa: E402

__all__ = ["available_metrics", "evaluate", "from_preset", "list_presets", "backend", "callbacks", "data", "layers", "losses", "metrics", "models", "presets", "protocols", "training", "utils"]
