"""Closed-loop load over the REST channel: N customers, each sending the next
message of a scripted conversation as soon as the previous reply arrived.

    .venv/bin/python bench/load/run.py --model models/harbor-*.tar.gz \
        --customers 1 20 --seconds 60 [--profile] [--baseline] [--no-vanilla]

Starts the assistant itself (bench/load/stack.py) unless --url points at a
running one (e.g. the scaled-out setup behind its load balancer). In the same
run it drives the vanilla `rasa init` bot (bench/load/vanilla.py) with the same
number of customers, and prints turns/s, p50/p95/p99 latency, errors and
Harbor's ratio to vanilla, and how many cores each part of the setup used
(bench/load/cpu.py); --baseline adds Harbor without addons/runtime
(before/after); --variant adds Harbor with other environment variables;
--replicas 1 2 adds `make run-scaled` with that many Rasa replicas behind
HAProxy, and their throughput relative to the first; --profile adds where
each Rasa process spends its CPU (py-spy). Not run in CI: see bench/README.md.
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
from typing import Dict, List

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.load import cpu, profile, vanilla  # noqa: E402
from bench.load.conversations import HARBOR, VANILLA  # noqa: E402
from bench.load.stack import ScaledStack, Stack  # noqa: E402


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


def ratios(harbor: Dict[str, float], vanilla: Dict[str, float]) -> str:
    tput = harbor["turns_per_s"] / vanilla["turns_per_s"] if vanilla["turns_per_s"] else 0.0
    text = f"  ratio to vanilla: throughput {tput:.2f} (goal >= 0.5)"
    if harbor["customers"] == 1:
        text += f", one customer's median turn {harbor['p50_ms'] / vanilla['p50_ms']:.1f}x (goal <= 2.5x)"
    return text


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="Harbor model (.tar.gz); default: newest in models/")
    parser.add_argument("--url", help="a running Harbor (Rasa or its load balancer) instead of starting one")
    parser.add_argument("--customers", type=int, nargs="+", default=[1, 20])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--warmup", type=float, default=10)
    parser.add_argument("--no-vanilla", dest="vanilla", action="store_false",
                        help="skip the vanilla `rasa init` bot (and the ratios)")
    parser.add_argument("--baseline", action="store_true",
                        help="also run Harbor without addons/runtime (HARBOR_RUNTIME_FIXES=none): before/after")
    parser.add_argument("--profile", action="store_true", help="py-spy each Rasa process during its last run")
    parser.add_argument("--variant", action="append", nargs="+", default=[], metavar="NAME KEY=VALUE",
                        help="also run Harbor with these environment variables (e.g. a setting to try)")
    parser.add_argument("--replicas", type=int, nargs="+", default=[],
                        help="also start `make run-scaled` with each of these replica counts "
                             "(PostgreSQL, Redis, HAProxy) and print throughput relative to the first")
    args = parser.parse_args()
    model = args.model or max(Path("models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    print(f"load average at start: {loadavg()}", flush=True)
    started: List = []
    targets = []  # (name, url, pid or None, scripts)
    try:
        if args.vanilla:
            bot = vanilla.Vanilla(vanilla.model()).start()
            started.append(bot)
            targets.append(("vanilla", bot.url, bot.pid(), VANILLA))
        if args.baseline and not args.url:
            before = Stack(model, HARBOR_RUNTIME_FIXES="none").start()
            started.append(before)
            targets.append(("before", before.url, before.rasa_pid(), HARBOR))
        if args.url:
            targets.append(("harbor", args.url, None, HARBOR))
        else:
            stack = Stack(model).start()
            started.append(stack)
            targets.append(("harbor", stack.url, stack.rasa_pid(), HARBOR))
        for variant in args.variant:
            name, *assignments = variant
            extra = dict(item.split("=", 1) for item in assignments)
            other = Stack(model, **extra)
            started.append(other)
            other.start()
            targets.append((name, other.url, other.rasa_pid(), HARBOR))
        for replicas in args.replicas:
            scaled = ScaledStack(model, replicas)
            started.append(scaled)  # stopped on the way out even if it fails to start
            scaled.start()
            targets.append((f"scaled-{replicas}", scaled.url, None, HARBOR))
        for _, url, _, scripts in targets:
            asyncio.run(drive(url, 2, args.warmup, scripts))  # lazy imports, caches, first sessions
        results: Dict[str, List[Dict[str, float]]] = {name: [] for name, *_ in targets}
        for index, count in enumerate(args.customers):
            for name, url, pid, scripts in targets:
                spy = None
                if args.profile and pid and index == len(args.customers) - 1:
                    out = Path(tempfile.mkdtemp()) / "rasa.collapsed"
                    spy = profile.record(pid, int(args.seconds), out)
                began, cpu_before = time.monotonic(), cpu.snapshot()
                result = asyncio.run(drive(url, count, args.seconds, scripts))
                spent = cpu.used(cpu_before, cpu.snapshot())
                results[name].append(result)
                print(line(name, result), flush=True)
                print(cpu.report(spent, time.monotonic() - began), flush=True)
                if name != "vanilla" and "vanilla" in results:
                    print(ratios(result, results["vanilla"][index]), flush=True)
                first = f"scaled-{args.replicas[0]}" if args.replicas else ""
                if name.startswith("scaled-") and name != first and results[first]:
                    grown = result["turns_per_s"] / max(results[first][index]["turns_per_s"], 1e-9)
                    print(f"  throughput relative to {first}: {grown:.2f}x", flush=True)
                if spy:
                    spy.wait()
                    print(profile.report(*profile.shares(out)), flush=True)
    finally:
        for proc in reversed(started):
            proc.stop()
    print(f"load average at end: {loadavg()}")
    Path("bench/results").mkdir(parents=True, exist_ok=True)
    Path("bench/results/load.json").write_text(json.dumps({**results, "loadavg_end": loadavg()}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
