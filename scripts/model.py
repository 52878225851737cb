"""Finds the trained model for the current data and config, training it if missing.

The model's file name carries a hash of everything training reads
(config.yml, domain/, data/), so `make run` and `make test` retrain exactly
when a conversation designer changed something, and reuse the model otherwise.
"""
from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INPUTS = ("config.yml", "domain", "data")
RASA = str(Path(sys.executable).with_name("rasa"))


def training_fingerprint(root: Path = ROOT) -> str:
    digest = hashlib.sha256()
    for name in INPUTS:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if file.suffix in {".yml", ".yaml", ".md", ".json"} or file == path:
                digest.update(str(file.relative_to(root)).encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()[:12]


def model_path(root: Path = ROOT) -> Path:
    return root / "models" / f"harbor-{training_fingerprint(root)}.tar.gz"


def ensure_model(root: Path = ROOT, quiet: bool = False) -> Path:
    """Returns the model for the current inputs, training it first if needed."""
    target = model_path(root)
    if target.exists():
        if not quiet:
            print(f"model up to date: {target.relative_to(root)}", flush=True)
        return target
    print(f"training {target.name} (config, domain or data changed)...", flush=True)
    started = time.monotonic()
    cmd = [RASA, "train", "--config", "config.yml", "--domain", "domain", "--data", "data",
           "--out", "models", "--fixed-model-name", target.name.removesuffix(".tar.gz")]
    result = subprocess.run(cmd, cwd=root)
    if result.returncode != 0 or not target.exists():
        sys.exit(f"error: `rasa train` failed (exit {result.returncode}); see the output above.")
    print(f"trained in {time.monotonic() - started:.0f}s: {target.relative_to(root)}", flush=True)
    # models/ is a cache, not an archive: keep the three newest.
    models = sorted((root / "models").glob("harbor-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    for old in models[:-3]:
        old.unlink()
    return target


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--print-path", action="store_true", help="only print the model path")
    args = parser.parse_args()
    if args.print_path:
        print(model_path())
    else:
        ensure_model()
