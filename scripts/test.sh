#!/usr/bin/env bash
# Run every test: set up the environment, install Chromium if missing, build the book (a build with
# warnings is a failure), then pytest over tests/ (the Raft core's tests and the book's tests).
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -k toc -x`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup_env.sh"

if [ ! -x /usr/bin/chromium ]; then
  echo "[test] installing Debian's chromium for the browser tests" >&2
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

bash scripts/build_book.sh

status=0
# Two workers by default (CI has 2 cores; every test is safe under pytest-xdist). A later -n in
# the arguments wins: `bash scripts/test.sh -n 0` runs in one process.
python -m pytest tests -n "${TEST_WORKERS:-2}" "$@" || status=$?
if [ "$status" = 5 ]; then
  echo "[test] pytest collected no tests" >&2
fi
exit "$status"
