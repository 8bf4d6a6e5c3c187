#!/usr/bin/env bash
# make bench: every bench/bench_*.py on the local PostgreSQL, in a scratch database
# (linli_bench, created and dropped by bench/run.py). One line per figure:
#   name: value unit (ratio to floor)
# Run some only: scripts/bench.sh import
set -euo pipefail
cd "$(dirname "$0")/.."
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.test}"
exec .venv/bin/python -m bench.run "$@"
