#!/usr/bin/env bash
# make test: lint, type-check, layer check, migrations check, then the whole suite.
# Database: $DATABASE_URL if set; else PostgreSQL on 127.0.0.1:5432 if it answers; else SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export DJANGO_SETTINGS_MODULE=config.settings.test

if [ -z "${DATABASE_URL:-}" ]; then
  if $BIN/python - <<'PY'
import socket, sys
s = socket.socket(); s.settimeout(1)
try:
    s.connect(("127.0.0.1", 5432))
except OSError:
    sys.exit(1)
PY
  then
    export DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres"
  fi
fi
if [ -n "${DATABASE_URL:-}" ]; then
  echo "Tests use: ${DATABASE_URL%%://*} (${DATABASE_URL#*@})"
else
  echo "Tests use: SQLite (no PostgreSQL on 127.0.0.1:5432 and no DATABASE_URL)"
fi

echo "== ruff"; $BIN/ruff check . && $BIN/ruff format --check .
echo "== mypy"; $BIN/mypy .
echo "== import-linter"; $BIN/lint-imports
echo "== migrations"; $BIN/python manage.py makemigrations --check --dry-run
if [ "${1:-}" = "--lint-only" ]; then exit 0; fi
echo "== pytest"
exec $BIN/pytest "${@}"
