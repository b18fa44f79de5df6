# Shared environment setup for scripts/build_book.sh and scripts/test.sh. Source it, don't run it:
#   source scripts/setup_env.sh
# It leaves the shell in the repository root with .venv activated, and makes sure that
#   - .venv exists (Python 3.11+) with requirements.txt installed and this project installed
#     editable (skipped when the hash of requirements.txt + pyproject.toml matches the stamp);
#   - node_modules/ matches package-lock.json (`npm ci`, skipped when its hash matches);
#   - _vendor/ holds the front-end files the built pages load (scripts/vendor_assets.py).
# Needs only python3 (3.11+), node/npm and, for the browser tests, apt (see scripts/test.sh).

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf '[setup] %s\n' "$*" >&2; }

# Set when the script that called this one already ran it (scripts/test.sh runs
# scripts/build_book.sh): the checks below still run, but say nothing when all is up to date.
again=""
if [ "${RAFT_BOOK_SETUP_DONE:-}" = "$ROOT" ]; then again=1; fi

hash_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  log "need Python 3.11 or newer as '$PYTHON' (set PYTHON=/path/to/python3.11)"
  return 1 2>/dev/null || exit 1
fi

if [ ! -x .venv/bin/python ]; then
  log "creating .venv with $("$PYTHON" --version)"
  if ! "$PYTHON" -m venv .venv; then
    log "python3 -m venv failed; on Debian/Ubuntu: apt-get install -y python3-venv"
    rm -rf .venv
    return 1 2>/dev/null || exit 1
  fi
fi
# shellcheck disable=SC1091
source .venv/bin/activate

py_stamp=".venv/.raft-book-requirements.sha256"
py_hash="$(hash_of requirements.txt pyproject.toml)"
if [ "$(cat "$py_stamp" 2>/dev/null)" != "$py_hash" ]; then
  log "installing Python packages from requirements.txt into .venv (first time: 1-3 min)"
  python -m pip install --quiet --disable-pip-version-check --upgrade pip
  python -m pip install --quiet --disable-pip-version-check -r requirements.txt
  python -m pip install --quiet --disable-pip-version-check --no-deps -e . 2>/dev/null ||
    python -m pip install --quiet --disable-pip-version-check --no-deps -e .
  if ! broken="$(python -m pip check)"; then
    printf '%s\n' "$broken" >&2
    return 1 2>/dev/null || exit 1
  fi
  echo "$py_hash" > "$py_stamp"
else
  [ -n "$again" ] || log "Python packages up to date (.venv)"
fi

npm_stamp="node_modules/.raft-book-lock.sha256"
npm_hash="$(hash_of package.json package-lock.json)"
if [ "$(cat "$npm_stamp" 2>/dev/null)" != "$npm_hash" ]; then
  log "installing front-end packages from package-lock.json with npm ci (first time: under a minute)"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
  echo "$npm_hash" > "$npm_stamp"
  again=""
else
  [ -n "$again" ] || log "front-end packages up to date (node_modules)"
fi

if [ -z "$again" ]; then
  python scripts/vendor_assets.py >/dev/null    # says only what goes wrong
fi
export RAFT_BOOK_SETUP_DONE="$ROOT"
