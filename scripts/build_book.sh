#!/usr/bin/env bash
# Build the HTML book into _build/html: sets up .venv and node_modules first (scripts/setup_env.sh),
# then runs Jupyter Book with warnings as errors.
#
# Notebook execution: cached locally (_build/.jupyter_cache; a chapter re-runs when its code
# changes, and every chapter re-runs when raft/*.py or requirements.txt change); forced (every
# notebook re-executed) when CI=true or BOOK_EXECUTE=force.
# Extra arguments go to `jupyter-book build`, e.g. `bash scripts/build_book.sh --all`. The log
# shows one line per step and the build's warnings and errors; BOOK_LOG=full shows Sphinx's too.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup_env.sh"

mode="${BOOK_EXECUTE:-}"
if [ -z "$mode" ] && [ "${CI:-}" = "true" ]; then
  mode=force
fi

config_args=()
if [ -n "$mode" ]; then
  # Jupyter Book 1 has no command-line switch for the execution mode: build with a copy of
  # _config.yml that differs only in execute.execute_notebooks.
  mkdir -p _build
  python - "$mode" <<'PY'
import sys
from pathlib import Path

import yaml

mode = sys.argv[1]
root = Path.cwd()
config = yaml.safe_load((root / "_config.yml").read_text())
config.setdefault("execute", {})["execute_notebooks"] = mode
# Local extension folders are resolved relative to the config file: make them absolute.
local = (config.get("sphinx") or {}).get("local_extensions") or {}
for name, path in local.items():
    local[name] = str((root / path).resolve())
(root / "_build" / f"_config.{mode}.yml").write_text(yaml.safe_dump(config, sort_keys=False))
PY
  config_args=(--config "_build/_config.$mode.yml" --all)
  echo "[build] executing notebooks: $mode" >&2
fi

# The execution cache is keyed on each notebook's code only, not on the raft package the
# notebooks import. When raft/ (or the pinned requirements) change, drop the cache and re-read
# every page, so no chapter shows output from older code.
code_stamp="_build/.raft-code.sha256"
code_hash="$(find raft -name '*.py' -print0 | LC_ALL=C sort -z | xargs -0 cat requirements.txt | sha256sum | cut -d' ' -f1)"
if [ -z "$mode" ] && [ "$(cat "$code_stamp" 2>/dev/null)" != "$code_hash" ]; then
  if [ -d _build/.jupyter_cache ]; then
    echo "[build] raft/ or requirements changed: re-executing every notebook" >&2
    rm -rf _build/.jupyter_cache
  fi
  config_args+=(--all)
fi

start=$(date +%s)
if [ "$mode" = force ] || [ ! -d _build/.jupyter_cache ]; then
  echo "[build] building the book, executing every chapter (2-4 min; warnings and errors only)" >&2
else
  echo "[build] building the book, chapters from the cache unless changed (under 1 min; warnings and errors only)" >&2
fi
# Sphinx's own progress lines only with BOOK_LOG=full; warnings and errors always.
quiet=(-q)
if [ "${BOOK_LOG:-}" = full ]; then quiet=(); fi
# Each notebook's kernel warns that it talks to myst-nb over TCP without encryption: it is
# loopback, on this machine, for the build's own code; one such line per chapter hides what matters.
jupyter-book build . -W -n --keep-going "${quiet[@]}" "${config_args[@]}" "$@" \
  2> >(grep -v --line-buffered "Kernel is running over TCP without encryption" >&2)
mkdir -p _build && echo "$code_hash" > "$code_stamp"
echo "[build] book built in $(( $(date +%s) - start )) s: _build/html/index.html" >&2
