"""Closed-loop load over the REST channel: N customers, each sending the next
message of a scripted conversation as soon as the previous reply arrived.

    .venv/bin/python bench/load/run.py --model models/harbor-*.tar.gz \
        --customers 1 20 --seconds 60 [--profile] [--vanilla]

Starts the assistant itself (bench/load/stack.py) unless --url points at a
running one (e.g. the scaled-out setup behind its load balancer). Prints
turns/s, p50/p95/p99 latency and errors per run; --profile adds where the
Rasa process spends its CPU (py-spy). Not run in CI: see bench/README.md.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Dict, List, Optional

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.load import profile  # noqa: E402
from bench.load.conversations import HARBOR  # noqa: E402
from bench.load.stack import Stack  # noqa: E402


async def customer(session: aiohttp.ClientSession, url: str, scripts: Dict[str, List[str]],
                   start: int, until: float, latencies: List[float], errors: List[str]) -> None:
    names = itertools.cycle(sorted(scripts)[start % len(scripts):] + sorted(scripts)[:start % len(scripts)])
    while time.monotonic() < until:
        sender = f"load-{uuid.uuid4().hex[:12]}"
        for text in scripts[next(names)]:
            if time.monotonic() >= until:
                return
            began = time.monotonic()
            try:
                async with session.post(f"{url}/webhooks/rest/webhook",
                                        json={"sender": sender, "message": text}) as reply:
                    body = await reply.json(content_type=None)
                    if reply.status != 200 or not body:
                        errors.append(f"{reply.status} {text!r}: {str(body)[:120]}")
            except (aiohttp.ClientError, asyncio.TimeoutError, json.JSONDecodeError) as error:
                errors.append(f"{type(error).__name__} {text!r}")
            latencies.append(time.monotonic() - began)


def percentile(values: List[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else 0.0


async def drive(url: str, customers: int, seconds: float,
                scripts: Dict[str, List[str]]) -> Dict[str, float]:
    latencies: List[float] = []
    errors: List[str] = []
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        until = time.monotonic() + seconds
        began = time.monotonic()
        await asyncio.gather(*(customer(session, url, scripts, n, until, latencies, errors)
                               for n in range(customers)))
        took = time.monotonic() - began
    for error in errors[:5]:
        print("  error:", error)
    return {"customers": customers, "turns": len(latencies), "turns_per_s": len(latencies) / took,
            "p50_ms": 1000 * percentile(latencies, 50), "p95_ms": 1000 * percentile(latencies, 95),
            "p99_ms": 1000 * percentile(latencies, 99),
            "mean_ms": 1000 * statistics.mean(latencies) if latencies else 0.0, "errors": len(errors)}


def line(name: str, result: Dict[str, float]) -> str:
    return (f"{name:8} {result['customers']:3d} customers: {result['turns_per_s']:6.1f} turns/s  "
            f"p50 {result['p50_ms']:6.0f} ms  p95 {result['p95_ms']:6.0f} ms  "
            f"p99 {result['p99_ms']:6.0f} ms  errors {result['errors']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="Harbor model (.tar.gz); default: newest in models/")
    parser.add_argument("--url", help="a running Harbor (Rasa or its load balancer) instead of starting one")
    parser.add_argument("--customers", type=int, nargs="+", default=[1, 20])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--warmup", type=float, default=10)
    parser.add_argument("--profile", action="store_true", help="py-spy the Rasa process during the last run")
    args = parser.parse_args()
    model = args.model or max(Path("models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    stack: Optional[Stack] = None if args.url else Stack(model).start()
    url = args.url or stack.url
    results = []
    try:
        asyncio.run(drive(url, 2, args.warmup, HARBOR))  # warm caches, JIT-free but lazy imports
        for index, count in enumerate(args.customers):
            spy = None
            if args.profile and stack and index == len(args.customers) - 1:
                out = Path(tempfile.mkdtemp()) / "rasa.collapsed"
                spy = profile.record(stack.rasa_pid(), int(args.seconds), out)
            result = asyncio.run(drive(url, count, args.seconds, HARBOR))
            results.append(result)
            print(line("harbor", result), flush=True)
            if spy:
                spy.wait()
                print(profile.report(*profile.shares(out)))
    finally:
        if stack:
            stack.stop()
    Path("bench/results").mkdir(parents=True, exist_ok=True)
    Path("bench/results/load.json").write_text(json.dumps({"harbor": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
