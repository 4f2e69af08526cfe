"""Benchmark: the S1 plan over generated data.

Generates N deals over M payees (CSV files, as a user would give them), then
times, separately and as medians of several runs:
  - load:     reading and exactly parsing the CSV files;
  - run:      evaluating every payee without traces (what `plan run` does);
  - traced:   evaluating every payee with full traces (what `plan explain` builds);
  - cli:      the whole `plan run` command as a subprocess (one run).

    python benchmarks/bench_s1.py --deals 100000 --payees 1000 --repeat 5

With `--baseline PATH` (a checkout of another version, with its own .venv) the
load and the untraced and traced runs are measured in fresh subprocesses, one
of this version and one of the baseline in turn, over the same generated files;
it prints each median and the ratio this/baseline (below 1: this is faster).

    python benchmarks/bench_s1.py --deals 1000000 --payees 1000 --repeat 3 --baseline /work/wt/base

Prints figures and the machine; asserts nothing beyond the runs agreeing. Amounts
are generated as decimal text, never floats.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from machine import describe  # noqa: E402  (benchmarks/machine.py, beside this script)

PLAN = ROOT / "plans" / "s1_big_account" / "plan.plan"


def stages():
    """plan loading, data loading and evaluation of the version on sys.path.

    The public API (`dsl.load`, `dsl.read_data`, `dsl.evaluate`); a baseline from
    before that API (`--baseline`) is reached through its own flat modules.
    """
    import importlib

    import dsl

    if hasattr(dsl, "read_data"):
        def load_plan(path):
            compilation = dsl.load(Path(path))
            return compilation.plan, list(compilation.diagnostics)

        def load_data(folder, plan):
            return dsl.read_data(plan, folder)

        def evaluate(plan, dataset, trace):
            return dsl.evaluate(plan, dataset, trace=trace)

        return load_plan, load_data, evaluate
    pipeline, data, evaluator = (importlib.import_module(f"dsl.{name}") for name in ("pipeline", "data", "evaluator"))
    return (lambda path: pipeline.load_plan(path)[:2]), (lambda folder, plan: data.load_data(folder, plan.inputs, plan.currency)), \
        (lambda plan, dataset, trace: evaluator.evaluate(plan, dataset, trace=trace))


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


def worker(root: Path, folder: Path, traced_too: bool) -> None:
    """One measurement in this process (the version at `root`): load once, run untraced once (and traced once)."""
    sys.path.insert(0, str(root))
    load_plan, load_data, evaluate = stages()
    import dsl

    assert Path(dsl.__file__).resolve().is_relative_to(root.resolve()), f"measuring {dsl.__file__}, not {root}"
    plan, diagnostics = load_plan(root / "plans" / "s1_big_account" / "plan.plan")
    assert plan is not None, diagnostics
    start = time.perf_counter()
    dataset, data_diags = load_data(folder, plan)
    load_s = time.perf_counter() - start
    assert dataset is not None, data_diags[:3]
    start = time.perf_counter()
    result = evaluate(plan, dataset, trace=False)
    run_s = time.perf_counter() - start
    assert not result.diagnostics
    figures = {"load": load_s, "run": run_s, "total": str(sum(p.total for p in result.payees))}
    if traced_too:
        start = time.perf_counter()
        traced = evaluate(plan, dataset, trace=True)
        figures["traced"] = time.perf_counter() - start
        assert [p.total for p in traced.payees] == [p.total for p in result.payees]
    print(json.dumps(figures))


def side_by_side(args, folder: Path) -> None:
    """This version and the baseline, each measured in fresh subprocesses, in turn."""
    baseline = Path(args.baseline).resolve()
    python = args.baseline_python or str(baseline / ".venv" / "bin" / "python")
    script = str(Path(__file__).resolve())
    runs: dict[str, list[dict]] = {"this": [], "baseline": []}
    for _ in range(args.repeat):
        for name, exe, root in (("this", sys.executable, ROOT), ("baseline", python, baseline)):
            command = [exe, script, "--worker", str(root), str(folder), "traced" if args.traced else "untraced"]
            done = subprocess.run(command, cwd=root, capture_output=True, text=True)
            assert done.returncode == 0, done.stderr
            runs[name].append(json.loads(done.stdout.strip().splitlines()[-1]))
    totals = {run["total"] for name in runs for run in runs[name]}
    assert len(totals) == 1, f"the versions disagree on the total pay: {totals}"
    print(f"baseline: {baseline}; total pay of all payees {totals.pop()} in both")
    print(f"{'stage':<28}{'this s':>10}{'baseline s':>12}{'ratio':>8}   this runs | baseline runs")
    for stage, title in (("load", "load (CSV → exact values)"), ("run", "run, no traces"), ("traced", "run, with traces")):
        if stage not in runs["this"][0]:
            continue
        mine = [r[stage] for r in runs["this"]]
        theirs = [r[stage] for r in runs["baseline"]]
        a, b = statistics.median(mine), statistics.median(theirs)
        print(f"{title:<28}{a:>10.3f}{b:>12.3f}{a / b:>8.2f}   " + " ".join(f"{t:.2f}" for t in mine)
              + " | " + " ".join(f"{t:.2f}" for t in theirs))


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--worker":
        worker(Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4] == "traced")
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--payees", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-cli", action="store_true", help="skip the subprocess run of `plan run`")
    parser.add_argument("--baseline", metavar="PATH", help="also measure the version checked out at PATH, side by side")
    parser.add_argument("--baseline-python", metavar="EXE", help="the baseline's python (default: PATH/.venv/bin/python)")
    parser.add_argument("--no-traced", dest="traced", action="store_false", help="with --baseline: skip the traced runs")
    args = parser.parse_args()

    load_plan, load_data, evaluate = stages()
    plan, diagnostics = load_plan(PLAN)
    assert plan is not None, diagnostics
    print(f"machine: {describe()}")
    print(f"plan: {PLAN.relative_to(ROOT)}; {args.deals:,} deals over {args.payees:,} payees; median of {args.repeat} runs")
    with tempfile.TemporaryDirectory() as tmp:
        if args.baseline:
            generate(Path(tmp), args.deals, args.payees)
            side_by_side(args, Path(tmp))
            return
        folder = Path(tmp)
        generate(folder, args.deals, args.payees)
        load_s, load_all, loaded = timed(lambda: load_data(folder, plan), args.repeat)
        dataset, data_diags = loaded
        assert dataset is not None, data_diags[:3]
        run_s, run_all, result = timed(lambda: evaluate(plan, dataset, trace=False), args.repeat)
        assert not result.diagnostics and len(result.payees) == args.payees
        traced_s, traced_all, traced = timed(lambda: evaluate(plan, dataset, trace=True), args.repeat)
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
