"""Benchmark: the S1 plan over generated data.

Generates N deals over M payees (CSV files, as a user would give them), then
times, separately and as medians of several runs:
  - load:     reading and exactly parsing the CSV files;
  - run:      evaluating every payee without traces (what `plan run` does);
  - traced:   evaluating every payee with full traces (what `plan explain` builds);
  - cli:      the whole `plan run` command as a subprocess (one run).

    python benchmarks/bench_s1.py --deals 100000 --payees 1000 --repeat 5

Prints figures; asserts nothing. Amounts are generated as decimal text, never floats.
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import dsl  # noqa: E402

PLAN = ROOT / "plans" / "s1_big_account" / "plan.plan"


def generate(folder: Path, deals: int, payees: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    names = [f"rep{i:05d}" for i in range(payees)]
    with open(folder / "reps.csv", "w", encoding="utf-8") as out:
        out.write("rep,renewal_rate,satisfaction\n")
        for name in names:
            out.write(f"{name},{rng.randint(50, 100)}%,{rng.randint(60, 100)}\n")
    with open(folder / "deals.csv", "w", encoding="utf-8") as out:
        out.write("rep,customer,amount,renewed\n")
        for i in range(deals):
            cents = rng.randint(100_00, 50_000_00)  # 100.00 to 500,000.00 yuan, as integer cents
            amount = f"{cents // 100}.{cents % 100:02d}"
            out.write(f"{names[i % payees]},C{i},{amount},{'true' if rng.random() < 0.3 else 'false'}\n")


def timed(fn, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--payees", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-cli", action="store_true", help="skip the subprocess run of `plan run`")
    args = parser.parse_args()

    compilation = dsl.load(PLAN)
    plan = compilation.plan
    assert plan is not None, compilation.diagnostics
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"plan: {PLAN.relative_to(ROOT)}; {args.deals:,} deals over {args.payees:,} payees; median of {args.repeat} runs")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        generate(folder, args.deals, args.payees)
        load_s, load_all, loaded = timed(lambda: dsl.read_data(plan, folder), args.repeat)
        dataset, data_diags = loaded
        assert dataset is not None, data_diags[:3]
        run_s, run_all, result = timed(lambda: dsl.evaluate(plan, dataset, trace=False), args.repeat)
        assert not result.diagnostics and len(result.payees) == args.payees
        traced_s, traced_all, traced = timed(lambda: dsl.evaluate(plan, dataset, trace=True), args.repeat)
        assert [p.total for p in traced.payees] == [p.total for p in result.payees]
        rows = [
            ("load (CSV → exact values)", load_s, load_all),
            ("run, no traces", run_s, run_all),
            ("run, with traces", traced_s, traced_all),
        ]
        print(f"{'stage':<28}{'median s':>10}{'deals/s':>14}{'payees/s':>12}   runs")
        for name, median, all_times in rows:
            print(f"{name:<28}{median:>10.3f}{args.deals / median:>14,.0f}{args.payees / median:>12,.0f}   "
                  + " ".join(f"{t:.2f}" for t in all_times))
        if not args.no_cli:
            start = time.perf_counter()
            completed = subprocess.run(
                [sys.executable, "-m", "dsl.cli", "run", str(PLAN), "--data", str(folder), "--out", str(folder / "out.csv")],
                cwd=ROOT, capture_output=True, text=True,
            )
            elapsed = time.perf_counter() - start
            assert completed.returncode == 0, completed.stderr
            print(f"{'plan run (CLI, one run)':<28}{elapsed:>10.3f}{args.deals / elapsed:>14,.0f}{args.payees / elapsed:>12,.0f}")


if __name__ == "__main__":
    main()
