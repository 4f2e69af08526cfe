"""Benchmark: how check, lint and fmt grow with a plan's size.

Plans of 1k, 10k and 100k lines (lets and payout lines over one input) and a
tier table of 1k and 8k bands, generated here; each stage is timed in-process
through the public API (dsl.load, dsl.lint, dsl.format), --runs times, and the
median is printed with the min and max, the CPU time, and the CPU time per line
(or band), so near-linear growth shows as a flat per-line figure even on a
machine other work shares. The machine is printed
first (benchmarks/machine.py).

    python benchmarks/bench_scale.py                 # 3 runs each
    python benchmarks/bench_scale.py --runs 5 --sizes 1000,10000

Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import dsl  # noqa: E402
from machine import describe  # noqa: E402  (benchmarks/machine.py, beside this script)

HEADER = ('plan "规模" { currency CNY  period month  payee rep }\n'
          "input deals: table { rep: payee, amount: money }\n"
          "let sales = sum(deals.amount)\n")


def lines_plan(lines: int) -> str:
    """About `lines` lines: pairs of a let and a gated payout line reading it."""
    body = "".join(f'let v{i} = sales * {i % 9 + 1}% + 1元\npayout "p{i}" = v{i} when sales > {i}元\n' for i in range(lines // 2))
    return HEADER + body


def bands_plan(bands: int) -> str:
    rows = "".join(f"  [{i * 1000}元, {(i + 1) * 1000}元) -> {1 + i % 7}%\n" for i in range(bands))
    return HEADER + f"tiers 大表 marginal {{\n{rows}  [{bands * 1000}元, ..) -> 1%\n}}\npayout \"提成\" = 大表(sales)\n"


def timed(action, runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of each run (on a shared machine the CPU figure is the steadier one)."""
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        action()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return wall, cpu


def measure(name: str, text: str, units: int, unit: str, runs: int) -> None:
    config = dsl.lint_config(".")
    compilation = dsl.load(text, "bench.plan")
    stages = {
        "check": lambda: dsl.load(text, "bench.plan"),
        "lint": lambda: dsl.lint(compilation, config),
        "fmt": lambda: dsl.format(text, "bench.plan"),
    }
    for stage, action in stages.items():
        times, cpu = timed(action, runs)
        median, median_cpu = statistics.median(times), statistics.median(cpu)
        print(f"{name:<18} {stage:<6} median {median:8.3f} s  (min {min(times):.3f}, max {max(times):.3f})  "
              f"cpu {median_cpu:8.3f} s  {median_cpu / units * 1e6:8.1f} µs cpu per {unit}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="1000,10000,100000", help="plan sizes in lines")
    parser.add_argument("--bands", default="1000,8000", help="tier table sizes in bands")
    args = parser.parse_args()
    print(f"machine: {describe()}")
    print(f"runs per figure: {args.runs} (check includes parsing; lint excludes the check it reads)")
    for size in (int(s) for s in args.sizes.split(",") if s):
        text = lines_plan(size)
        measure(f"{size:,} lines", text, len(text.splitlines()), "line", args.runs)
    for bands in (int(b) for b in args.bands.split(",") if b):
        measure(f"{bands:,} bands", bands_plan(bands), bands, "band", args.runs)


if __name__ == "__main__":
    main()
