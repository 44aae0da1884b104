#!/usr/bin/env bash
# Benchmark the autoregressive models under TensorFlow, JAX and PyTorch in turn
# (benchmarks/autoregressive.py: one JSON per backend in benchmarks/results/),
# then merge them into the table in BENCHMARKS.md (benchmarks/report.py).
#
#   bash benchmarks/run_autoregressive.sh               # the default budget
#   bash benchmarks/run_autoregressive.sh --overwrite   # replace earlier results
#
# Extra arguments go to every autoregressive.py run (try --help); don't pass
# --out or --results-dir, set these instead:
#   KERASGEN_BACKENDS   backends, in order (default "tensorflow jax torch")
#   KERASGEN_BENCHMARK_RESULTS   folder of the JSONs (default benchmarks/results)
#   KERASGEN_BENCHMARK_TABLE     markdown file to update (default BENCHMARKS.md)
# If any backend fails, the table is left as it was and the exit status is 1.
# Run it on an otherwise idle machine: another busy process slows every number.
set -uo pipefail
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
cd "$(dirname "$0")/.."
py="${KERASGEN_VENV:-.venv}/bin/python"
backends="${KERASGEN_BACKENDS:-tensorflow jax torch}"
results="${KERASGEN_BENCHMARK_RESULTS:-benchmarks/results}"
table="${KERASGEN_BENCHMARK_TABLE:-BENCHMARKS.md}"
# Recorded in each JSON, so that the table shows the command that made it.
export KERASGEN_BENCHMARK_DRIVER="${KERASGEN_BACKENDS:+KERASGEN_BACKENDS=\"$KERASGEN_BACKENDS\" }bash benchmarks/run_autoregressive.sh${*:+ $*}"
failed=""
for backend in $backends; do
  echo "=== benchmarks/autoregressive.py under KERAS_BACKEND=$backend"
  start=$(date +%s)
  KERAS_BACKEND=$backend "$py" benchmarks/autoregressive.py --results-dir "$results" "$@" || failed="$failed $backend"
  echo "=== $backend: $(( $(date +%s) - start )) s"
done
if [ -n "$failed" ]; then
  echo "failed under:$failed; $table left as it was" >&2
  exit 1
fi
"$py" benchmarks/report.py --results "$results" --out "$table"
