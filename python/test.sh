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
# The one wheel for every CPython from the abi3-py310 floor on.
ls "$WORK"/wheels/*-cp310-abi3-*.whl >/dev/null || { echo "python: the wheel is not tagged cp310-abi3"; status=1; }
echo "python: mypy --strict (stubs, pure-Python helpers, typed usage)"
(cd "$HERE" && "$VENV/bin/mypy" --strict --no-incremental -p cdn_secure_token \
    && "$VENV/bin/mypy" --strict --no-incremental tests/typing_usage.py) || status=1
echo "python: stubtest"
(cd "$WORK" && "$PY" -m mypy.stubtest cdn_secure_token._native) || status=1

echo "python: pytest"
set +e
(cd "$HERE" && "$VENV/bin/pytest" -p no:cacheprovider --junitxml="$WORK/junit.xml" "$@")
pytest_status=$?
set -e
[ "$pytest_status" -eq 0 ] || status=1

# The one abi3 wheel must also work on the oldest and newest CPython it claims: run the
# interpreter-independent suites with every other CPython 3.10+ this machine has (pyenv's or on
# PATH). Frameworks are not installed there (Django 5.2 needs 3.10+), so only those modules run.
junits=("$WORK/junit.xml")
for v in 3.10 3.13; do
  other=""
  if command -v "python$v" >/dev/null 2>&1 && "python$v" -c '' >/dev/null 2>&1; then
    other="$(command -v "python$v")"
  else
    for cand in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$v".*/bin/python; do
      [ -x "$cand" ] && other="$cand"
    done
  fi
  if [ -z "$other" ]; then
    echo "python: abi3 check: no CPython $v on this machine, not checked"
    continue
  fi
  echo "python: abi3 check with $("$other" --version 2>&1) ($other)"
  venv_other="$VENV/abi3-check/py$v"
  [ -x "$venv_other/bin/python" ] || "$other" -m venv "$venv_other"
  "$venv_other/bin/python" -m pip install -q --disable-pip-version-check -r "$HERE/requirements-abi3.txt"
  "$venv_other/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$WORK"/wheels/*.whl
  (cd "$HERE" && "$venv_other/bin/python" -m pytest -q -p no:cacheprovider \
      -o "junit_suite_name=abi3-py$v" --junitxml="$WORK/junit-py$v.xml" \
      tests/test_vectors.py tests/test_api.py tests/test_threads.py tests/test_vendor_diff.py \
      tests/test_sign_many.py tests/test_secrets_and_leaks.py) \
    || status=1
  junits+=("$WORK/junit-py$v.xml")
done

if "$PY" - "$status" "${junits[@]}" <<'PYEOF'
import sys
import xml.etree.ElementTree as ET

passed = failed = skipped = 0
for path in sys.argv[2:]:
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        failed += 1
        continue
    for suite in root.iter("testsuite"):
        total = int(suite.get("tests", 0))
        f = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        s = int(suite.get("skipped", 0))
        passed += total - f - s
        failed += f
        skipped += s
if int(sys.argv[1]) and not failed:
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
