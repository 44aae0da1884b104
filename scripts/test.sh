#!/usr/bin/env bash
# Set up (if needed), then run the whole test suite once per Keras backend.
# Fails if any backend fails. Extra arguments go to pytest.
set -uo pipefail
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"  # quiet TensorFlow's C++ start-up lines
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
py="${KERASGEN_VENV:-.venv}/bin/python"
backends="${KERASGEN_BACKENDS:-tensorflow jax torch}"
passed=0; failed=0; status=0; summary=""
for backend in $backends; do
  echo "=== tests under KERAS_BACKEND=$backend"
  log=$(mktemp)
  start=$(date +%s)
  KERAS_BACKEND=$backend "$py" -m pytest -q -p no:cacheprovider --durations=10 "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  last=$(grep -E '[0-9]+ (passed|failed|error)' "$log" | tail -n 1)
  p=$(echo "$last" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || echo 0)
  f=$(echo "$last" | grep -oE '[0-9]+ (failed|errors?)' | awk '{s += $1} END {print s + 0}')
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
  [ "$rc" -eq 0 ] || status=1
  summary="$summary\n  $backend: exit $rc in $(( $(date +%s) - start ))s: ${last:-no pytest summary}"
  rm -f "$log"
done
printf "=== summary%b\n" "$summary"
echo "$passed passed, $failed failed"
exit $status
