#!/usr/bin/env bash
# Runs every benchmark in bench/ (each bench/<name>.py not starting with "_"),
# or only those named: scripts/bench.sh products_list
# Database: $DATABASE_URL, else PostgreSQL postgres://postgres@127.0.0.1:5432/pmtool_bench
# (created and migrated by the benchmark). Benchmarks print figures; they assert no times.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/pmtool_bench}"
unset REDIS_URL

if [[ $# -gt 0 ]]; then
  names=("$@")
else
  names=()
  for file in bench/*.py; do
    name="$(basename "$file" .py)"
    [[ "$name" == _* ]] && continue
    names+=("$name")
  done
fi

status=0
for name in "${names[@]}"; do
  echo "=== bench/$name.py ==="
  started=$SECONDS
  if ! "$PY" -m "bench.$name"; then
    echo "bench/$name.py FAILED" >&2
    status=1
  fi
  echo "=== bench/$name.py: $((SECONDS - started))s ==="
  echo
done
exit $status
