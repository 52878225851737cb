"""Run by addons/privacy/logging.yml (through `runpy.run_path`) before its
filter is built: makes the project root importable and turns redaction on.

Rasa applies `--logging-config-file` before it adds the working directory to
sys.path, and it ignores a logging config whose import fails (a debug line,
no error); without this step redaction would silently be off whenever Rasa is
started as `.venv/bin/rasa` without PYTHONPATH.
"""
import os
import sys

_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if _root not in sys.path:
    sys.path.insert(0, _root)

from addons.privacy.logging_setup import install_from_env  # noqa: E402

install_from_env()
