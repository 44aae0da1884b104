#!/usr/bin/env bash
# Rebuild the zoo's trained presets, one `kerasgen train` per family (each
# command is recorded in its preset's metadata.json). The evaluation
# classifier comes first: the GAN presets' headline metrics use it.
#   bash zoo/build.sh [FAMILY ...]      (default: every family; replaces the presets)
set -euo pipefail
cd "$(dirname "$0")/.."
py="${KERASGEN_VENV:-.venv}/bin/python"
export KERAS_BACKEND="${KERAS_BACKEND:-tensorflow}" TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-3}"
families="${*:-vae beta_vae conditional_vae autoencoder denoising_autoencoder dcgan conditional_gan wgan_gp vqvae pixelcnn gated_pixelcnn pixelrnn pixelrnn_diagonal}"
if [ $# -eq 0 ] && [ ! -d zoo/fashion_mnist_classifier ]; then
  "$py" -m kerasgen.metrics.classifier --out zoo/fashion_mnist_classifier
fi
for family in $families; do
  preset=$("$py" -c "from kerasgen.recipes import RECIPES; print(RECIPES['$family']['preset'])")
  echo "=== $family -> zoo/$preset ($(date +%H:%M:%S))"
  "$py" -m kerasgen train "$family" --out "build/$family" --preset-dir "zoo/$preset" --quiet --overwrite
done
# Every preset's metadata.json records the SHA-256 of its config.json and
# model.weights.h5, which from_preset checks. kerasgen train has written them
# for the presets rebuilt above; this fills them in for any other preset and
# fails if a file no longer matches its recorded digest. (Before the table,
# whose sizes include metadata.json. The -W hides runpy's note that the
# module was imported with the package before it ran.)
"$py" -W ignore::RuntimeWarning:runpy -m kerasgen.presets record-digests zoo/*/
# zoo/README.md's table and gallery (numbers and pictures), from the presets' metadata.
"$py" zoo/readme.py
