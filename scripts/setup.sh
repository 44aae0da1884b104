#!/usr/bin/env bash
# Idempotent set-up for a Debian machine with Python 3.10+: the Fashion-MNIST
# files from Debian, a virtual environment in .venv, kerasgen and all three
# Keras backends. Safe to run again: what is already there is kept.
set -euo pipefail
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
cd "$(dirname "$0")/.."

venv="${KERASGEN_VENV:-.venv}"
fmnist=/usr/share/datasets/fashion-mnist

if [ ! -f "$fmnist/t10k-labels-idx1-ubyte.gz" ] && [ -z "${KERASGEN_DATA_DIR:-}" ]; then
  echo "setup: installing Debian's dataset-fashion-mnist into $fmnist"
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq dataset-fashion-mnist >/dev/null
fi

if [ ! -x "$venv/bin/python" ]; then
  echo "setup: creating the virtual environment $venv"
  python3 -m venv "$venv"
fi
py="$venv/bin/python"

# torch first, pinned: this version has a CPU build on disk here, while an open
# range would pull several GB of CUDA packages.
if ! "$py" -c "import torch" 2>/dev/null; then
  echo "setup: installing torch==2.13.0"
  "$py" -m pip install -q "torch==2.13.0"
fi
if ! "$py" -c "import kerasgen, jax, keras, tensorflow, tensorboard, pytest" 2>/dev/null; then
  echo "setup: installing kerasgen with the jax, torch and test extras"
  "$py" -m pip install -q -e ".[jax,torch,test]" 2>&1 | grep -v "^WARNING: Location" || true
  "$py" -c "import kerasgen, jax, keras, tensorflow, tensorboard, pytest"
fi
echo "setup: ready ($("$py" -c 'import keras, tensorflow, jax, torch; print("keras", keras.__version__, "| tensorflow", tensorflow.__version__, "| jax", jax.__version__, "| torch", torch.__version__)'))"
