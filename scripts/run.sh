#!/usr/bin/env bash
# run.sh — the README's run command: set up, build (release), and run attnscope on its default scene.
# Extra arguments go to attnscope, e.g. scripts/run.sh eval --list
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

bash scripts/bootstrap.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs" --target attnscope
exec build/release/app/attnscope "$@"
