"""CPU seconds by process kind over a stretch of load, from /proc: which
part of the setup (Rasa, action servers, PostgreSQL, HAProxy, the load
client...) the cores went to. Used to see where scaling out stops."""
from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Dict

TICK = os.sysconf("SC_CLK_TCK")
KINDS = [("scripts.rasa_server", "rasa"), ("rasa run", "vanilla rasa"), ("actions.server", "action servers"),
         ("services.crm", "crm/billing"), ("services.inbox", "inbox"), ("postgres", "postgresql"),
         ("redis", "redis"), ("haproxy", "haproxy"), ("bench/load/run.py", "load client")]


def _kind(cmdline: str) -> str:
    return next((kind for needle, kind in KINDS if needle in cmdline), "other")


def snapshot() -> Dict[int, tuple]:
    """pid -> (kind, CPU seconds so far)."""
    found = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        found[int(proc.name)] = (_kind(cmd), (int(fields[11]) + int(fields[12])) / TICK)
    return found


def used(before: Dict[int, tuple], after: Dict[int, tuple]) -> Counter:
    """CPU seconds by kind between two snapshots (processes alive at the end)."""
    spent: Counter = Counter()
    for pid, (kind, seconds) in after.items():
        spent[kind] += seconds - before.get(pid, (kind, 0.0))[1]
    return spent


def report(spent: Counter, wall: float) -> str:
    total = sum(spent.values()) or 1.0
    parts = [f"{kind} {seconds / wall:.2f}" for kind, seconds in spent.most_common() if seconds / wall >= 0.01]
    return f"  cores busy {total / wall:.2f} of {os.cpu_count()}: " + ", ".join(parts)
