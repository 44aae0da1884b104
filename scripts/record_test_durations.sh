#!/usr/bin/env bash
# Run the whole suite (scripts/test.sh) and store each test's seconds per
# backend in tests/durations.json, which tests/conftest.py uses to give the
# parallel pytest shards equal work. Re-run after adding slow tests; pytest
# arguments (e.g. one test file) re-time only the tests they select.
set -uo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
KERASGEN_RECORD_DURATIONS="$dir" bash scripts/test.sh "$@"
status=$?
"${KERASGEN_VENV:-.venv}/bin/python" - "$dir" <<'PY'
import json, pathlib, sys
merged = {}
for path in sorted(pathlib.Path(sys.argv[1]).glob("*.json")):
    backend = path.name.split("-")[0]
    merged.setdefault(backend, {}).update(json.loads(path.read_text()))
out = pathlib.Path("tests/durations.json")
old = json.loads(out.read_text()) if out.exists() else {}
for backend, times in merged.items():  # a partial run (pytest arguments) updates only its tests
    old.setdefault(backend, {}).update({k: round(v, 2) for k, v in times.items()})
    old[backend] = dict(sorted(old[backend].items()))
out.write_text(json.dumps(old, indent=1, sort_keys=True) + "\n")
print(f"tests/durations.json: {', '.join(f'{b} {len(t)} tests, {sum(t.values()):.0f} s' for b, t in sorted(merged.items()))}")
PY
rm -rf "$dir"
exit $status
