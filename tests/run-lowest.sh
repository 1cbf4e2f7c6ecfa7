#!/usr/bin/env bash
# The core's unit tests (no site builds, no browser) against the LOWEST releases that
# pyproject.toml allows, so that its lower bounds are true. pip cannot resolve to the
# lowest versions, so tests/lowest-constraints.txt pins each lower bound (a test keeps
# it in step with pyproject.toml) and this installs into a fresh .venv-lowest.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
VENV=.venv-lowest
PINS=tests/lowest-constraints.txt
"$PY" -m venv --clear "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -c "$PINS" -e . pytest hypothesis ruff
"$VENV/bin/python" -m pip check
# A constraint on a package that is not installed is silently ignored: check each pin.
"$VENV/bin/python" - "$PINS" <<'PYEOF'
import sys
from importlib.metadata import PackageNotFoundError, version

wrong = []
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    name, want = line.split("==")
    try:
        have = version(name)
    except PackageNotFoundError:
        have = "not installed"
    if have != want:
        wrong.append(f"{name}: pinned {want}, got {have}")
if wrong:
    sys.exit("error: the lowest-versions environment is not what it claims:\n  "
             + "\n  ".join(wrong))
print("testing the lowest versions:", " ".join(l.strip() for l in open(sys.argv[1])
                                              if "==" in l and not l.startswith("#")))
PYEOF

"$VENV/bin/ruff" check okrsite tests bench
exec "$VENV/bin/python" -m pytest -q -p no:cacheprovider -m "not slow and not browser" \
  --ignore=tests/adapters/test_browser.py --ignore=tests/adapters/test_plugin_build.py "$@"
