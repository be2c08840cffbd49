#!/usr/bin/env bash
# Sets up on this machine what the test suite needs, so `make test` alone runs it whole:
#
#   - the browser: Debian's chromium (+ fonts-dejavu-core) when $CHROMIUM_PATH (default
#     /usr/bin/chromium) is missing; `apt-get update` first when apt has no package lists;
#   - PostgreSQL, started (pg_ctlcluster) when the test database is local and nothing answers
#     on 127.0.0.1:5432, where the machine has a cluster;
#   - Redis, started (redis-server --daemonize) when the test Redis is local and nothing
#     answers on 127.0.0.1:6379, where the machine has redis-server.
#
# When everything is there it does nothing: no apt call, no service command. A step that
# cannot be done prints ONE line saying what is missing and the command to run; with CI=true
# that is a failure (exit 1), otherwise the tests that need it are skipped (exit 0).
#
# The paths and addresses below can be overridden (the test of this script does, with fake
# commands on PATH): CHROMIUM_PATH, PROVISION_APT_CHROMIUM, PROVISION_APT_LISTS, PROVISION_PG_ETC, PROVISION_PG_ADDR,
# PROVISION_REDIS_ADDR, PROVISION_WAIT (seconds to wait for a started service).
set -uo pipefail

APT_CHROMIUM="${PROVISION_APT_CHROMIUM:-/usr/bin/chromium}" # where Debian's package puts it
CHROMIUM_PATH="${CHROMIUM_PATH:-$APT_CHROMIUM}"
APT_LISTS="${PROVISION_APT_LISTS:-/var/lib/apt/lists}"
PG_ETC="${PROVISION_PG_ETC:-/etc/postgresql}"
PG_ADDR="${PROVISION_PG_ADDR:-127.0.0.1:5432}"
REDIS_ADDR="${PROVISION_REDIS_ADDR:-127.0.0.1:6379}"
WAIT="${PROVISION_WAIT:-60}"
IN_CI=false
case "${CI:-}" in 1 | true | TRUE | True | yes) IN_CI=true ;; esac
MISSING=0

say() { echo "provision: $*"; }
cannot() { # one line: what is missing, and the command that sets it up
  MISSING=$((MISSING + 1))
  if $IN_CI; then
    echo "provision: ERROR: $*" >&2
  else
    echo "provision: WARNING: $* (the tests that need it are skipped)" >&2
  fi
}

answers() { # host:port
  timeout 2 bash -c ": </dev/tcp/${1%:*}/${1##*:}" 2>/dev/null
}

wait_for() { # host:port
  local deadline=$((SECONDS + WAIT))
  until answers "$1"; do
    ((SECONDS >= deadline)) && return 1
    sleep 0.5
  done
}

as_root() { # command...: run as root directly, or through passwordless sudo; else fail
  if [[ "$(id -u)" == 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo -n "$@"
  else
    return 126
  fi
}

is_local() { # url default-port: true when the URL is unset or names 127.0.0.1/localhost on that port
  local url="$1" port="$2"
  [[ -z "$url" ]] && return 0
  [[ "$url" =~ ^[a-z0-9+]+://([^@/]*@)?(127\.0\.0\.1|localhost)(:([0-9]+))?(/|$) ]] || return 1
  [[ -z "${BASH_REMATCH[4]}" || "${BASH_REMATCH[4]}" == "$port" ]]
}

# --- the browser -----------------------------------------------------------------
provision_browser() {
  [[ -x "$CHROMIUM_PATH" ]] && return 0
  local packages=(chromium fonts-dejavu-core)
  local command="apt-get update && apt-get install -y --no-install-recommends ${packages[*]}"
  if [[ "$CHROMIUM_PATH" != "$APT_CHROMIUM" ]]; then
    cannot "chromium is not at CHROMIUM_PATH=$CHROMIUM_PATH: install it there, or unset CHROMIUM_PATH to use Debian's $APT_CHROMIUM"
    return
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    cannot "chromium ($CHROMIUM_PATH) is missing and this machine has no apt-get: install Chromium and set CHROMIUM_PATH to it"
    return
  fi
  if [[ "$(id -u)" != 0 ]] && ! { command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; }; then
    cannot "chromium ($CHROMIUM_PATH) is missing and installing it needs root: run  sudo sh -c '$command'"
    return
  fi
  say "installing Debian's ${packages[*]} for the browser tests (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  if ! compgen -G "$APT_LISTS/*_Packages*" >/dev/null; then
    as_root apt-get update -qq </dev/null || {
      cannot "apt-get update failed, so chromium cannot be installed: run  $command"
      return
    }
  fi
  if ! as_root apt-get install -y -qq --no-install-recommends "${packages[@]}" </dev/null || [[ ! -x "$CHROMIUM_PATH" ]]; then
    cannot "apt-get could not install chromium: run  $command"
    return
  fi
  say "chromium installed: $("$CHROMIUM_PATH" --version 2>/dev/null || echo "$CHROMIUM_PATH")"
}

# --- PostgreSQL ------------------------------------------------------------------
provision_postgres() {
  is_local "${DATABASE_URL:-}" "${PG_ADDR##*:}" || return 0
  [[ "${DATABASE_URL:-postgres://}" =~ ^postgres ]] || return 0 # SQLite chosen on purpose
  answers "$PG_ADDR" && return 0
  local version
  version="$(ls "$PG_ETC" 2>/dev/null | sort -V | tail -n 1)"
  if [[ -z "$version" ]] || ! command -v pg_ctlcluster >/dev/null 2>&1; then
    cannot "PostgreSQL is not answering on $PG_ADDR and this machine has no cluster to start: run  apt-get install -y postgresql  (or set DATABASE_URL)"
    return
  fi
  local command="pg_ctlcluster --skip-systemctl-redirect $version main start"
  say "starting PostgreSQL $version ($command)"
  if ! as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start </dev/null; then
    cannot "PostgreSQL $version did not start: run  $command"
    return
  fi
  wait_for "$PG_ADDR" || cannot "PostgreSQL $version started but does not answer on $PG_ADDR after ${WAIT}s: check  $command"
}

# --- Redis -----------------------------------------------------------------------
provision_redis() {
  local url="${TEST_REDIS_URL:-${REDIS_URL:-}}"
  is_local "$url" "${REDIS_ADDR##*:}" || return 0
  answers "$REDIS_ADDR" && return 0
  local port="${REDIS_ADDR##*:}"
  local command="redis-server --daemonize yes --bind ${REDIS_ADDR%:*} --port $port --save \"\" --appendonly no"
  if ! command -v redis-server >/dev/null 2>&1; then
    cannot "Redis is not answering on $REDIS_ADDR and this machine has no redis-server: run  apt-get install -y redis-server"
    return
  fi
  say "starting Redis ($command)"
  if ! redis-server --daemonize yes --bind "${REDIS_ADDR%:*}" --port "$port" --save "" --appendonly no </dev/null >/dev/null; then
    cannot "Redis did not start: run  $command"
    return
  fi
  wait_for "$REDIS_ADDR" || cannot "Redis started but does not answer on $REDIS_ADDR after ${WAIT}s: check  $command"
}

provision_browser
provision_postgres
provision_redis
if ((MISSING)) && $IN_CI; then
  exit 1
fi
exit 0
