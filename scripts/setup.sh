#!/usr/bin/env bash
# Creates .venv with a Python 3.10 interpreter and installs the pinned
# dependencies. Safe to run again: it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))'; then
  py=$(scripts/find_python.sh) || exit 1
  echo "creating .venv with $py"
  rm -rf .venv
  "$py" -m venv .venv
fi
echo "installing pinned dependencies into .venv (first time: several minutes)..."
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip 'setuptools<71' wheel
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -c requirements.lock
touch .venv/.installed
echo "dependencies ready"
