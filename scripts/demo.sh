#!/usr/bin/env bash
# The main job: set up (if needed), train a VAE on Fashion-MNIST, write samples,
# reconstructions, a traversal, an interpolation and the test metrics.
# Extra arguments go to examples/vae_fashion_mnist.py (try --help).
set -euo pipefail
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export KERAS_BACKEND="${KERAS_BACKEND:-tensorflow}"
out="${KERASGEN_OUT:-outputs/vae_fashion_mnist}"
echo "demo: training a VAE on Fashion-MNIST with KERAS_BACKEND=$KERAS_BACKEND, writing to $out"
exec "${KERASGEN_VENV:-.venv}/bin/python" examples/vae_fashion_mnist.py --out "$out" "$@"
