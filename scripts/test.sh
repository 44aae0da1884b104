#!/usr/bin/env bash
# Set up (if needed), then run the whole test suite once per Keras backend.
# Fails if any backend fails. Extra arguments go to pytest.
#
# Each backend's tests run as KERASGEN_TEST_SHARDS pytest processes at once
# (default: 2, or 1 on a one-core machine), each taking every n-th test
# (tests/conftest.py): JAX spends most of a test compiling on one core.
set -uo pipefail
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"  # quiet TensorFlow's C++ start-up lines
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
py="${KERASGEN_VENV:-.venv}/bin/python"
backends="${KERASGEN_BACKENDS:-tensorflow jax torch}"
cores=$(nproc 2>/dev/null || echo 1)
shards="${KERASGEN_TEST_SHARDS:-$(( cores >= 2 ? 2 : 1 ))}"
passed=0; failed=0; status=0; summary=""
# JAX compiles the same small programs again and again (every model's train
# step, every eager op); its persistent cache, shared by the shards for this
# run only, saved 15% of the JAX time on test_vae.py + test_gan.py.
jax_cache=""
if [ -z "${JAX_COMPILATION_CACHE_DIR:-}" ]; then
  jax_cache=$(mktemp -d); trap 'rm -rf "$jax_cache"' EXIT
fi
# tests/test_portability.py loads models saved under the other backends by a
# fresh process; what one backend's run saved, a later run reuses (this run only).
portability_dir=$(mktemp -d)
trap 'rm -rf "$jax_cache" "$portability_dir"' EXIT
export KERASGEN_PORTABILITY_DIR="$portability_dir"
for backend in $backends; do
  echo "=== tests under KERAS_BACKEND=$backend ($shards shards)"
  start=$(date +%s)
  logs=(); pids=()
  for ((i = 0; i < shards; i++)); do
    log=$(mktemp); logs+=("$log")
    vars=()  # one word each: a value may hold spaces
    # torch's thread pool thrashes when two processes share two cores.
    [ "$backend" = torch ] && [ "$shards" -gt 1 ] && vars+=(OMP_NUM_THREADS=1)
    [ "$backend" = jax ] && [ -n "$jax_cache" ] && vars+=(JAX_COMPILATION_CACHE_DIR="$jax_cache" \
      JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS=0 JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES=0)
    # The JAX tests spend most of their time in XLA's CPU compiler, on
    # programs run for a step or two: without LLVM's optimisation passes
    # tests/test_vae.py + tests/test_gan.py took 104 s instead of 143 s (the
    # same 37 tests passing); the whole JAX run took 754 s with them (1040 s
    # at 3c0170a, before a few tests moved to verify). Set for every
    # backend's run, so that the JAX processes the others start
    # (tests/test_portability.py, the CLI tests) get it too; Keras runs
    # TensorFlow without XLA on a CPU-only machine and PyTorch never uses it.
    # KERASGEN_TEST_XLA_FLAGS= (empty) tests with XLA's defaults.
    fast="--xla_backend_optimization_level=0 --xla_llvm_disable_expensive_passes=true"
    xla="${XLA_FLAGS:-} ${KERASGEN_TEST_XLA_FLAGS-$fast}"
    [ -n "${xla// /}" ] && vars+=(XLA_FLAGS="${xla# }")
    env "${vars[@]}" KERAS_BACKEND=$backend KERASGEN_TEST_SHARD="$i/$shards" \
      "$py" -m pytest -q -p no:cacheprovider --durations=5 "$@" >"$log" 2>&1 &
    pids+=($!)
  done
  rc=0; p_sum=0; f_sum=0; lines=""
  for ((i = 0; i < shards; i++)); do
    wait "${pids[$i]}" || rc=1
    echo "--- shard $i/$shards"
    cat "${logs[$i]}"
    last=$(grep -E '[0-9]+ (passed|failed|error)' "${logs[$i]}" | tail -n 1)
    p=$(echo "$last" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || echo 0)
    f=$(echo "$last" | grep -oE '[0-9]+ (failed|errors?)' | awk '{s += $1} END {print s + 0}')
    [ -n "$last" ] || f=$((f + 1))  # a shard that crashed before its summary
    p_sum=$((p_sum + ${p:-0})); f_sum=$((f_sum + ${f:-0}))
    lines="$lines\n    shard $i: ${last:-no pytest summary}"
    rm -f "${logs[$i]}"
  done
  passed=$((passed + p_sum)); failed=$((failed + f_sum))
  [ "$rc" -eq 0 ] || status=1
  summary="$summary\n  $backend: exit $rc in $(( $(date +%s) - start ))s: $p_sum passed, $f_sum failed$lines"
done
printf "=== summary%b\n" "$summary"
echo "$passed passed, $failed failed"
exit $status
