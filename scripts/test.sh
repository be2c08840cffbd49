#!/usr/bin/env bash
# Runs the whole suite (`make test`). First scripts/provision.sh sets up what the tests need
# (Debian's chromium, PostgreSQL and Redis started when they do not answer); with CI=true a
# step it cannot do stops the run here. PMTOOL_PROVISION=0 skips it.
# Database: $DATABASE_URL when set, else PostgreSQL on 127.0.0.1:5432 when it answers, else
# SQLite (with a warning). Redis: $REDIS_URL when set, else 127.0.0.1:6379 when it answers.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

if [[ "${PMTOOL_PROVISION:-1}" != 0 ]]; then
  bash scripts/provision.sh
fi

answers() { # host port
  "$PY" - "$1" "$2" <<'PYEOF'
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1).close()
except OSError:
    sys.exit(1)
PYEOF
}

if [[ -z "${DATABASE_URL:-}" ]]; then
  if answers 127.0.0.1 5432; then
    export DATABASE_URL="postgres://postgres@127.0.0.1:5432/pmtool"
  else
    echo "WARNING: PostgreSQL is not answering on 127.0.0.1:5432 and DATABASE_URL is unset:" >&2
    echo "         running on SQLite; PostgreSQL-only tests are skipped (they fail with CI=true)." >&2
    export DATABASE_URL="sqlite:///$(pwd)/var/test.sqlite3"
  fi
fi
if [[ -z "${TEST_REDIS_URL:-}" ]]; then
  if [[ -n "${REDIS_URL:-}" ]]; then
    export TEST_REDIS_URL="$REDIS_URL"
  elif answers 127.0.0.1 6379; then
    export TEST_REDIS_URL="redis://127.0.0.1:6379/15"
  else
    echo "WARNING: Redis is not answering on 127.0.0.1:6379: Redis and worker tests are skipped (they fail with CI=true)." >&2
  fi
fi
unset REDIS_URL   # unit tests run tasks in-process; worker tests use TEST_REDIS_URL
mkdir -p var
echo "Test database: ${DATABASE_URL%%\?*}   Redis: ${TEST_REDIS_URL:-none}   CI=${CI:-false}"
exec "$PY" -m pytest "$@"
