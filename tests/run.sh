#!/usr/bin/env bash
# The whole test suite from a fresh clone: installs what it needs, then runs
# ruff and pytest. Used by the README and by CI (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'

# Browser tests drive Debian's Chromium (Playwright's own browser download is
# not available on our machines). Install it when we can; otherwise those
# tests skip and say why.
if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo -n"
  { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium >/dev/null; } \
    || echo "note: could not install chromium; browser tests will be skipped" >&2
fi

.venv/bin/ruff check okrsite tests bench
exec .venv/bin/python -m pytest "$@"
