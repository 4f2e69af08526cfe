"""Benchmark: the wall time of `plan check plans/s1_big_account/plan.plan`.

Each run is the whole command as a subprocess, the way a user or a CI job runs
it, so the figure is start-up (imports, the parser) plus the check itself.
Prints the median, min and max of --runs runs (at least 10), and the machine.

    python benchmarks/bench_check.py
    python benchmarks/bench_check.py --runs 20 --baseline /path/to/older/checkout

With --baseline, the runs of the two checkouts are interleaved (base, new, base,
new, ...) so a change in the machine's load falls on both alike, and the ratio
of the medians is printed. A checkout is run with its own `.venv/bin/python`
(else this interpreter) as `python -m dsl.cli check PLAN` from its own root.

"new, no parser cache" runs this checkout with an empty cache directory each
time (XDG_CACHE_HOME pointing at a fresh folder): what the first `plan check`
on a fresh machine, or on a read-only one, costs.

Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import cpu_model  # benchmarks/machine.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
PLAN = Path("plans") / "s1_big_account" / "plan.plan"


def interpreter(checkout: Path) -> str:
    venv = checkout / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def python_version(python: str) -> str:
    result = subprocess.run([python, "-c", "import sys; print(sys.version.split()[0])"], capture_output=True, text=True)
    return result.stdout.strip() or "?"


class Command:
    """One way of running `plan check`: a checkout, its interpreter, and its environment."""

    def __init__(self, name: str, checkout: Path, fresh_cache: bool = False):
        self.name, self.checkout, self.fresh_cache = name, checkout, fresh_cache
        self.python = interpreter(checkout)
        self.times: list[float] = []

    def run(self) -> float:
        env = dict(os.environ, PYTHONIOENCODING="utf-8")
        with tempfile.TemporaryDirectory(prefix="bench-check-cache-") as empty:
            if self.fresh_cache:
                env["XDG_CACHE_HOME"] = empty
            start = time.perf_counter()
            result = subprocess.run(
                [self.python, "-m", "dsl.cli", "check", str(PLAN)],
                cwd=self.checkout, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            )
            elapsed = time.perf_counter() - start
        if result.returncode != 0:
            sys.exit(f"{self.name}: `plan check {PLAN}` failed in {self.checkout}:\n{result.stderr.decode(errors='replace')}")
        return elapsed

    def summary(self) -> str:
        t = self.times
        return f"{self.name:<24} median {statistics.median(t):.3f} s   min {min(t):.3f} s   max {max(t):.3f} s   ({len(t)} runs)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each command (at least 10; default 15)")
    parser.add_argument("--baseline", type=Path, help="another checkout to run side by side (its .venv/bin/python runs it)")
    parser.add_argument("--no-cold", action="store_true", help="skip the runs without a parser cache")
    args = parser.parse_args()
    if args.runs < 10:
        parser.error("--runs must be at least 10: a median of fewer runs is mostly noise")

    commands = []
    if args.baseline is not None:
        baseline = args.baseline.resolve()
        if not (baseline / PLAN).exists():
            parser.error(f"{baseline} has no {PLAN}")
        commands.append(Command("base", baseline))
    new = Command("new", ROOT)
    commands.append(new)
    if not args.no_cold:
        commands.append(Command("new, no parser cache", ROOT, fresh_cache=True))

    cores = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    print(f"machine: {cpu_model()}, {cores} cores ({usable} usable), {platform.system()} {platform.release()}")
    for command in commands:
        print(f"{command.name}: {command.checkout} (Python {python_version(command.python)}, {command.python})")
    if hasattr(os, "getloadavg"):
        print("load average at start: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(f"command: python -m dsl.cli check {PLAN}\n")

    for command in commands:  # untimed: fills the file cache, and the parser cache of warm runs
        command.run()
    for _ in range(args.runs):
        for command in commands:  # interleaved: base, new, cold, base, new, cold, ...
            command.times.append(command.run())

    for command in commands:
        print(command.summary())
    if args.baseline is not None:
        base = statistics.median(commands[0].times)
        print(f"\nnew / base (medians): {statistics.median(new.times) / base:.2f}")
        if not args.no_cold:
            print(f"new without parser cache / base (medians): {statistics.median(commands[-1].times) / base:.2f}")
    if hasattr(os, "getloadavg"):
        print("load average at end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
