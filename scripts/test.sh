#!/usr/bin/env bash
# Run every test: set up the environment, install Chromium if missing, build the book (a build with
# warnings is a failure), then pytest over tests/ (the Raft core's tests and the book's tests).
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -k toc -x`.
#
# The default run is what CI runs (a clean clone, 2 cores: 6 min 27 s in all, 4 min 35 s of it
# pytest, measured 2026-12-07). RAFT_SLOW=1 runs every sweep in full (4x the fuzz seeds, more
# hypothesis examples, every chapter executed again, every page over file://, the live explorer
# driven on every page, full-page screenshots): pytest about twice as long (8 min 52 s on a
# loaded machine). tests/budget.py lists what it changes; RAFT_SCREENSHOTS=1 alone gives
# whole-page screenshots in _build/screenshots/.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup_env.sh"

if [ ! -x /usr/bin/chromium ]; then
  echo "[test] installing Debian's chromium for the browser tests (apt-get, about a minute)" >&2
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

bash scripts/build_book.sh

status=0
minutes=5
case "${RAFT_SLOW:-}" in ""|0) ;; *) minutes=9 ;; esac
echo "[test] pytest on ${TEST_WORKERS:-2} workers (about $minutes min on a quiet machine)" >&2
# Two workers by default (CI has 2 cores; every test is safe under pytest-xdist); work stealing,
# so that neither idles while the other finishes a queue of long tests. A later -n in the
# arguments wins: `bash scripts/test.sh -n 0` runs in one process.
python -m pytest tests -n "${TEST_WORKERS:-2}" --dist worksteal "$@" || status=$?
if [ "$status" = 5 ]; then
  echo "[test] pytest collected no tests" >&2
fi
exit "$status"
