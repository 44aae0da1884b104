#!/usr/bin/env bash
# The slow checks left out of the default suite (30-minute budget), under each backend in turn:
# the tests marked `verify` (short trainings that must learn), then `kerasgen verify` (every zoo preset's
# headline re-measured in full, as its metadata states it), then scripts/verify_image_sizes.py (every
# family's recipe model trains and samples on 32x32x3 and 64x64x3 images); last, once, the README's
# demo run again under TensorFlow, its figures checked against the recorded ones (scripts/demo_figures.py).
#
#   bash scripts/verify.sh                          # every backend
#   KERASGEN_BACKENDS=jax bash scripts/verify.sh    # one
#   KERASGEN_VERIFY_SIZES="32" bash scripts/verify.sh   # image sides for verify_image_sizes.py
set -uo pipefail
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
py="${KERASGEN_VENV:-.venv}/bin/python"
status=0
for backend in ${KERASGEN_BACKENDS:-tensorflow jax torch}; do
  echo "=== verify under KERAS_BACKEND=$backend"
  KERASGEN_VERIFY=1 KERAS_BACKEND=$backend "$py" -m pytest -q -p no:cacheprovider -m verify tests "$@" || status=1
  KERAS_BACKEND=$backend "$py" -m kerasgen verify || status=1
  KERAS_BACKEND=$backend "$py" scripts/verify_image_sizes.py --sizes ${KERASGEN_VERIFY_SIZES:-32 64} || status=1
done
# The README's demo figures: the demo again, under TensorFlow, checked against benchmarks/results/demo.json.
demo_out=$(mktemp -d)
KERAS_BACKEND=tensorflow KERASGEN_OUT="$demo_out/vae" bash scripts/demo.sh --verbose 0 >/dev/null || status=1
"$py" scripts/demo_figures.py check "$demo_out/vae" || status=1
rm -rf "$demo_out"
exit $status
