#!/usr/bin/env bash
# The Python face's test command: builds the abi3 wheel, installs it into $ROOT/.venv (the
# INSTALLED wheel is what is tested, never the source tree), checks the stubs with mypy
# --strict and stubtest, and runs pytest. Ends with "python: N passed, N failed".
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

if [ ! -x "$PY" ]; then
  echo "python: creating $VENV"
  python3 -m venv "$VENV"
fi
"$PY" -m pip install -q --disable-pip-version-check -r "$HERE/requirements-test.txt"

# nginx (the conformance edge) and the other system packages the suites need.
bash "$ROOT/tests/setup-system.sh"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

echo "python: building the wheel"
if ! (cd "$HERE" && "$VENV/bin/maturin" build --release --quiet --out "$WORK/wheels") \
  || ! "$PY" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps \
    "$WORK"/wheels/*.whl; then
  echo "python: the wheel did not build or install"
  echo "python: 0 passed, 1 failed"
  exit 1
fi

status=0
echo "python: mypy --strict (stubs, pure-Python helpers, typed usage)"
(cd "$HERE" && "$VENV/bin/mypy" --strict --no-incremental -p secure_token \
    && "$VENV/bin/mypy" --strict --no-incremental tests/typing_usage.py) || status=1
echo "python: stubtest"
(cd "$WORK" && "$PY" -m mypy.stubtest secure_token._native \
    --allowlist "$HERE/tests/stubtest-allowlist.txt") || status=1

echo "python: pytest"
set +e
(cd "$HERE" && "$VENV/bin/pytest" -p no:cacheprovider --junitxml="$WORK/junit.xml" "$@")
pytest_status=$?
set -e
[ "$pytest_status" -eq 0 ] || status=1

if "$PY" - "$WORK/junit.xml" "$status" <<'PYEOF'
import sys
import xml.etree.ElementTree as ET

passed = failed = skipped = 0
try:
    root = ET.parse(sys.argv[1]).getroot()
    for suite in root.iter("testsuite"):
        total = int(suite.get("tests", 0))
        f = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        s = int(suite.get("skipped", 0))
        passed += total - f - s
        failed += f
        skipped += s
except (OSError, ET.ParseError):
    failed += 1
if int(sys.argv[2]) and not failed:
    failed = 1  # mypy / stubtest / build failed: count it as one failure
line = f"python: {passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
# Nothing here may be skipped silently (the nginx test must run): a skip is a failure.
sys.exit(1 if failed or skipped else 0)
PYEOF
then
  :
else
  status=1
fi
exit "$status"
