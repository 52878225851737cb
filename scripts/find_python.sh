#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter: PATH first, then pyenv's installed
# versions. Rasa 3.6 supports Python < 3.11 only, so nothing else will do.
set -u
is310() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' 2>/dev/null; }
for cand in "${PYTHON:-}" python3.10 python3 python; do
  [ -n "$cand" ] || continue
  path=$(command -v "$cand" 2>/dev/null) || continue
  if is310 "$path"; then echo "$path"; exit 0; fi
done
roots=()
command -v pyenv >/dev/null 2>&1 && roots+=("$(pyenv root 2>/dev/null)/versions")
roots+=("${PYENV_ROOT:-$HOME/.pyenv}/versions" /usr/local/bin /usr/bin /opt/python)
for root in "${roots[@]}"; do
  for path in "$root"/3.10*/bin/python3.10 "$root"/python3.10; do
    if [ -x "$path" ] && is310 "$path"; then echo "$path"; exit 0; fi
  done
done
cat >&2 <<'MSG'
error: no Python 3.10 interpreter found (Rasa 3.6 needs Python 3.10; 3.11+ will not work).
Install one, then run the command again, for example:
  - pyenv:   pyenv install 3.10.13
  - Debian/Ubuntu: apt-get install python3.10 python3.10-venv   (deadsnakes PPA on Ubuntu)
  - macOS:   brew install python@3.10
Or point at one explicitly:  make run PYTHON=/path/to/python3.10
MSG
exit 1
