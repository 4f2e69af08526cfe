"""The one composition of the stages: the public API that `dsl/__init__.py` exports.

    text ──parse──> AST ──check──> SemanticModel (IR, symbols, uses) ──evaluate──> RunResult
                     │                                                      └──explain / render_results──> text, JSON, CSV, xlsx
                     ├──format──> canonical text
                     └──lint (with the IR when it checks)──> findings ──lint_report──> text, JSON, SARIF, GitHub

Each stage returns its product and its diagnostics; nothing here raises on bad
input (a plan that does not parse, a file that cannot be read, data that does
not fit): it becomes a diagnostic. `run` composes load, reading and evaluation
for a program that holds its data as rows or data frames (docs/embedding.md).
The CLI, the benchmarks and an editor call only these functions; the lint
package does not (it calls the stages directly, so that the API may compose it).

Stages that `plan check` does not need (data, evaluation, explanations, lint)
are imported when first called, so checking a plan starts fast.
"""
from __future__ import annotations

import os
from pathlib import Path
from decimal import Decimal
from typing import TYPE_CHECKING, Callable, Iterable, Optional, Sequence

import attrs

from dsl import ir
from dsl.check.checker import check as _check
from dsl.check.model import SemanticModel
from dsl.ir.passes import run_passes
from dsl.core.diagnostics import Diagnostic, has_errors
from dsl.core.source import SourceFile, without_bom
from dsl.run.results import RunResult
from dsl.sql.errors import SparkOverflow, SparkUnavailable  # noqa: F401  (raised by evaluate(engine="spark"))
from dsl.sql.errors import NotLowered  # noqa: F401  (raised by evaluate(engine="duckdb"); light: no SQL library loads)
from dsl.syntax import ast
from dsl.syntax.parser import parse as _parse
from dsl.syntax.parser import parse_file as _parse_file

if TYPE_CHECKING:  # the optional `frames` extra: imported only by the methods that return its frames
    import pandas
    import polars

ENGINES = ("auto", "interpreter", "duckdb", "spark")

# `engine="auto"` runs DuckDB when the data has at least this many rows per period and the plan lowers.
# Measured by benchmarks/bench_engines.py (S1, 10,000 payees, 2 cores, median of 3 interleaved runs): the
# interpreter takes 3.1 s at 100,000 deals and 7.3 s at 1,000,000 (about 4.7 µs a deal), the DuckDB engine
# 5.0 s and 14.7 s (about 10.8 µs a deal): with the data reaching DuckDB through the Python dataset (every
# needed cell written as text and split again in SQL, dsl/sql/load.py) it is slower at every size, and its
# cost grows faster, so auto keeps the interpreter up to 10 million rows a period. Lower this when DuckDB
# reads the files itself (the hand-written query of the same plan takes 0.42 s for 1,000,000 deals).
AUTO_ROWS_PER_PERIOD = 10_000_000
EXPLAIN_FORMATS = ("text", "md", "json")
LINT_FORMATS = ("text", "json", "sarif", "github")


@attrs.frozen(eq=False)
class Compilation:
    """Everything known about one plan after parsing and checking it.

    `syntax` is the AST (None when the text does not parse); `model` the semantic
    model (None only when there is no AST); `diagnostics` the parser's and the
    checker's, in that order. `plan` is the IR when the plan checks without
    errors, else None: what a caller that evaluates wants.

    >>> c = load('plan "x" { currency CNY }\\npayout "a" = 100元 * 2%')
    >>> c.ok, [p.label for p in c.plan.payouts], c.source.name
    (True, ['a'], '<plan>')
    >>> broken = load('plan "x" { currency CNY }\\npayout "a" = 100元 + 2%')
    >>> broken.ok, broken.plan, [p.label for p in broken.model.plan.payouts]
    (False, None, ['a'])
    """

    source: SourceFile
    syntax: Optional[ast.PlanFile]
    model: Optional[SemanticModel]
    diagnostics: tuple[Diagnostic, ...]
    path: Optional[Path] = None  # the file it was read from, if any
    # the checked IR after the IR passes (division last, …): what every backend evaluates
    evaluable: Optional[ir.Plan] = attrs.field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        """No diagnostic is an error (warnings allowed)."""
        return self.model is not None and not has_errors(self.diagnostics)

    @property
    def plan(self) -> Optional[ir.Plan]:
        """The typed IR after its passes, ready to evaluate, or None when the plan has errors."""
        return self.evaluable if self.ok else None


# ---- parse, check, load ------------------------------------------------------


def parse(text: str, name: str = "<plan>") -> tuple[Optional[ast.PlanFile], list[Diagnostic]]:
    """Plan text → its syntax tree and the syntax diagnostics (the tree is None when it does not parse).

    >>> tree, diagnostics = parse('plan "x" { currency CNY }')
    >>> tree.header().name, diagnostics
    ('x', [])
    >>> tree, diagnostics = parse('plan "x" {', "bad.plan")
    >>> tree, diagnostics[0].code, str(diagnostics[0].span)
    (None, 'E001', 'bad.plan:1:11')
    """
    return _parse(text, name)


def check(syntax: ast.PlanFile, source: SourceFile | str) -> SemanticModel:
    """A syntax tree → its semantic model (IR, symbols, uses, diagnostics), even when it has errors.

    `source` is the text the tree was parsed from (a `SourceFile`, or the text itself).

    >>> text = 'plan "x" { currency CNY }\\nlet sales = 100元\\npayout "a" = sales * 2%'
    >>> model = check(parse(text)[0], text)
    >>> model.ok, model.symbols["sales"].kind.value, [(u.span.line, u.span.column) for u in model.uses]
    (True, 'let', [(3, 14)])
    """
    if isinstance(source, str):
        source = SourceFile(syntax.file, source)
    return _check(syntax, source)


def load(plan: str | os.PathLike, name: Optional[str] = None) -> Compilation:
    """Plan text (a `str`) or a file (a `Path` or other path-like) → a `Compilation`. Never raises.

    `name` is how diagnostics name the plan (default: the path, or `<plan>` for text).
    A file that cannot be read or is not UTF-8 gives a diagnostic, not an exception.

    >>> load('plan "x" { currency CNY }').ok
    True
    >>> load("plans/s1_big_account/plan.plan").diagnostics[0].hint  # text, not a file name
    "to read the file, pass a path: load(Path('plans/s1_big_account/plan.plan'))"
    >>> from pathlib import Path
    >>> missing = load(Path("no/such.plan"))
    >>> missing.ok, missing.syntax, missing.diagnostics[0].message.startswith("cannot read no/such.plan")
    (False, None, True)
    """
    path: Optional[Path] = None
    if isinstance(plan, str):
        plan = without_bom(plan)
        source = SourceFile(name or "<plan>", plan)
        syntax, diagnostics = _parse(plan, source.name)
    else:
        path = Path(plan)
        syntax, diagnostics, source = _parse_file(path, name)
    if syntax is None:
        if path is None and plan.strip().endswith(".plan") and "\n" not in plan.strip() and diagnostics:
            # a file name given as text: say how to read the file
            diagnostics = [attrs.evolve(diagnostics[0], hint=f"to read the file, pass a path: load(Path({plan.strip()!r}))")] + diagnostics[1:]
        return Compilation(source, None, None, tuple(diagnostics), path)
    model = _check(syntax, source)
    everything = tuple(diagnostics) + model.diagnostics
    evaluable = run_passes(model.plan) if not has_errors(everything) else None
    return Compilation(source, syntax, model, everything, path, evaluable)


# ---- data and evaluation -------------------------------------------------------


def encoding_problem(encoding: Optional[str]) -> Optional[str]:
    """Why `encoding` cannot read data files (an unknown name, a codec that is not a text
    encoding), or None when it can: what `read_data(..., encoding=…)` checks first."""
    from dsl.data.readers import encoding_problem as problem

    return problem(encoding)


def read_data(plan: ir.Plan, data: str | os.PathLike, *, engine: str = "interpreter", payees: Optional[Sequence[str]] = None,
              encoding: Optional[str] = None):
    """Bind data to a plan's inputs: a folder of CSV files, an .xlsx workbook or a .json file.

    Returns `(dataset, diagnostics)`; the dataset is None when the data cannot be used.
    With `engine="duckdb"` a CSV folder is read by DuckDB itself, its cells typed in
    SQL, and the dataset is a `Columnar` the engine reads without Python values; with
    `payees` (what `explain` computes) only those payees' rows are read into the
    dataset, filtered by DuckDB. Either way the values and the diagnostics are the
    loader's (dsl/sql/read.py; data it does not read take the loader as usual).
    Text files are read as UTF-8 or GB18030, anything else refused; `encoding` names
    the encoding of every text file instead (`"big5"`; the loader reads those).

    >>> from pathlib import Path
    >>> plan = load(Path("plans/s1_big_account/plan.plan")).plan
    >>> dataset, diagnostics = read_data(plan, "plans/s1_big_account/data")
    >>> sorted(dataset.tables), has_errors(diagnostics)
    (['deals', 'reps'], False)
    """
    import codecs

    from dsl.data.readers import encoding_problem, load_data

    problem = encoding_problem(encoding)
    if problem:
        raise ValueError(problem)
    if encoding is not None and codecs.lookup(encoding).name != "utf-8":
        return load_data(data, plan.inputs, plan.currency, encoding)  # DuckDB reads UTF-8 only
    if engine == "duckdb" or payees is not None:
        try:
            from dsl.sql.read import read_data as read_columnar
        except ImportError:  # the optional `sql` extra (DuckDB, sqlglot) is not installed: the loader reads it all
            read_columnar = None
        found = read_columnar(plan, data, payees=payees, columnar=engine == "duckdb") if read_columnar else None
        if found is not None:
            return found, []
    return load_data(data, plan.inputs, plan.currency)


def evaluate(
    plan: ir.Plan,
    data,
    *,
    periods: Optional[Sequence] = None,
    engine: str = "interpreter",
    trace: bool = False,
    payees: Optional[Sequence[str]] = None,
    progress: Optional[Callable[[int], None]] = None,
    prior=None,
    encoding: Optional[str] = None,
    spark=None,
):
    """Compute every payee's lines: IR + data (a `Dataset` from `read_data`, or a data path) → `RunResult`.

    `periods` is what the run covers: text as on the command line (`"2026-07"`,
    `"2026-01..2026-12"`) or a list of `Period`s; None runs the plan's stated
    periods, else every period the data's period columns reach, else the plan's one
    period (dsl/run/timeline.py). Periods run in order, each payee carrying its
    ledger and history from one to the next; results come per payee and period.
    `engine` is "interpreter" (the traced reference, the default), "duckdb" (the
    plan lowered to SQL and run on embedded DuckDB, untraced, the same results
    value for value; it raises `NotLowered` naming what it does not compute yet,
    see docs/engines.md) or "auto" (DuckDB for large data when the plan lowers,
    else the interpreter: `choose_engine`) or "spark" (DuckDB's queries transpiled to Spark SQL and run
    by pyspark, the optional `spark` extra: on the SparkSession `spark`, else on a local one made for
    this run and stopped after it; dsl/sql/spark.py). `trace=True` keeps
    every value's trace (what `explain` renders); `payees` limits the run to those
    payees (an unknown one is diagnostic R002); `progress(n)` is called as payees
    are done. Data that cannot be read, and periods that cannot be run (R003) or
    rows outside them (D007), come back as a result with no payees and the diagnostics.

    `prior` continues an earlier run: its `RunResult`, or the path of the JSON that
    `plan run --format json` wrote. Its closing balances open this run, history reads of
    lines see its periods, and the run must start after its last period (dsl/run/prior.py).
    `encoding` is `read_data`'s, for a data path.

    >>> from pathlib import Path
    >>> plan = load(Path("plans/s1_big_account/plan.plan")).plan
    >>> result = evaluate(plan, "plans/s1_big_account/data", payees=["甲"])
    >>> [(p.payee, str(p.total)) for p in result.payees], result.diagnostics  # 65,000 marginal on 200万 + 0.5% × 120万 renewed
    ([('甲', '71000.00')], ())
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; the engines are {', '.join(ENGINES)}")
    from dsl.core.diagnostics import RUN_PERIOD, diagnostic
    from dsl.core.periods import PeriodError, parse_periods, shift
    from dsl.core.types import WHOLE_RUN, Period
    from dsl.data.dataset import Dataset
    from dsl.run.timeline import place_rows, run_periods
    from dsl.run.interpreter import evaluate as interpret
    from dsl.run.results import RunResult

    read: tuple[Diagnostic, ...] = ()
    columnar = not isinstance(data, Dataset) and hasattr(data, "to_dataset")  # read by DuckDB (dsl/sql/read.py)
    if not isinstance(data, Dataset) and not columnar:
        dataset, diagnostics = read_data(plan, data, engine=engine, payees=payees, encoding=encoding)
        read = tuple(diagnostics)
        if dataset is None or has_errors(diagnostics):
            return RunResult(plan, (), read)
        data = dataset
        columnar = hasattr(data, "to_dataset")
    if columnar and (engine != "duckdb" or trace or prior is not None or plan.stages or periods is not None):
        data, columnar = data.to_dataset(), False  # the interpreter and the timeline read Python values
    if periods is not None and not all(isinstance(p, Period) for p in ([periods] if isinstance(periods, str) else periods)):
        try:
            texts = [periods] if isinstance(periods, str) else [p if isinstance(p, str) else str(p) for p in periods]
            periods = [p for text in texts for p in parse_periods(text, plan.period.unit)]
        except PeriodError as exc:
            return RunResult(plan, (), read + (diagnostic(RUN_PERIOD, str(exc)),))
    if prior is not None:
        from dsl.run.prior import Prior, read_prior

        if isinstance(prior, RunResult):
            prior = Prior.of(prior)
        elif not isinstance(prior, Prior):
            prior, problems = read_prior(prior)
            if prior is None:
                return RunResult(plan, (), read + tuple(problems))
    if columnar:  # no input of it is placed in periods (dsl/sql/read.py declines those): the plan's one period
        chosen, problems = run_periods(plan, Dataset({}, []), None)
        read += tuple(problems)
        if has_errors(problems):
            return RunResult(plan, (), read)
        data = data.placed(chosen)
    elif periods is not None or data.periods == (WHOLE_RUN,):
        chosen, problems = run_periods(plan, data, periods)
        if not has_errors(problems):
            data, placed = place_rows(plan, data, chosen)
            problems += placed
        read += tuple(problems)
        if has_errors(problems):
            return RunResult(plan, (), read)
    if prior is not None and prior.periods and data.periods and data.periods[0] <= prior.periods[-1]:
        after = prior.periods[-1]
        hint = f"run from {shift(after, 1)}" if after.unit is not None else f"run the periods after {after}"
        problem = diagnostic(RUN_PERIOD, f"the prior results end in {after}, so this run must start after it, not in {data.periods[0]}", hint=hint)
        return RunResult(plan, (), read + (problem,))
    chosen_payees = list(payees) if payees is not None else None
    if engine == "auto":
        engine = choose_engine(plan, data, trace)
        if engine == "duckdb":
            from dsl.sql import evaluate as run_sql

            try:
                result = run_sql(plan, data, trace=trace, payees=chosen_payees, progress=progress, prior=prior)
            except NotLowered:  # a construct found only with the data (at() of a row's date): the interpreter computes it
                engine = "interpreter"
            else:
                return attrs.evolve(result, diagnostics=read + tuple(result.diagnostics)) if read else result
    if engine == "duckdb":
        from dsl.sql import evaluate as run_sql

        result = run_sql(plan, data, trace=trace, payees=chosen_payees, progress=progress, prior=prior)
    elif engine == "spark":
        result = _on_spark(plan, data, spark, trace=trace, payees=chosen_payees, progress=progress, prior=prior)
    else:
        result = interpret(plan, data, trace=trace, payees=chosen_payees, progress=progress, prior=prior)
    return attrs.evolve(result, diagnostics=read + tuple(result.diagnostics)) if read else result


def _on_spark(plan: ir.Plan, dataset, spark, **options):
    """The DuckDB engine's queries on Spark: on `spark`, else on a local session made and stopped here."""
    from dsl.sql import evaluate as run_sql
    from dsl.sql.spark import session

    if spark is not None:
        return run_sql(plan, dataset, spark=spark, **options)
    made = session()
    try:
        return run_sql(plan, dataset, spark=made, **options)
    finally:
        made.stop()


@attrs.frozen(repr=False)
class Results(RunResult):
    """A run's results (a `RunResult`: `plan`, `payees`, `diagnostics`) with views for a program: the amount rows
    as dicts or a data frame, and each payee's total. Values are Decimal, exactly as computed.

    >>> results = run('plan "x" { currency CNY }\\ninput deals: table { rep: payee, amount: money }\\npayout "a" = sum(deals.amount) * 2%',
    ...               {"deals": [{"rep": "甲", "amount": "1,200.00"}, {"rep": "乙", "amount": 50}]})
    >>> results.ok, results.totals()   # 1,200 × 2% = 24; 50 × 2% = 1
    (True, {'甲': Decimal('24.00'), '乙': Decimal('1.00')})
    >>> results.records()[0]
    {'payee': '甲', 'period': 'run', 'line': 'a', 'kind': 'payout', 'value': Decimal('24.00')}
    >>> results
    <Results of 'x': 2 payees × 1 period, paid 25.00, no diagnostics>
    """

    def __repr__(self) -> str:  # short, for a notebook: the plan's IR is in `.plan`
        name = repr(self.plan.name) if self.plan is not None else "a plan that does not parse"
        periods = len({p.period for p in self.payees})
        ran = (f"{len({p.payee for p in self.payees})} payees × {periods} period{'s' if periods != 1 else ''}, "
               f"paid {sum((p.total for p in self.payees), Decimal(0))}") if self.payees else "no payees"
        errors = [d.code for d in self.diagnostics if d.is_error]
        found = (f"{len(errors)} error{'s' if len(errors) != 1 else ''} ({', '.join(dict.fromkeys(errors))})" if errors
                 else f"{len(self.diagnostics)} diagnostics, no errors" if self.diagnostics else "no diagnostics")
        return f"<Results of {name}: {ran}, {found}>"

    @classmethod
    def of(cls, result: RunResult, diagnostics: Sequence[Diagnostic] = ()) -> Results:
        """`result` as `Results`, with `diagnostics` (those found before the run) ahead of its own."""
        return cls(result.plan, result.payees, tuple(diagnostics) + tuple(result.diagnostics))

    @property
    def ok(self) -> bool:
        """No diagnostic is an error (warnings allowed)."""
        return not has_errors(self.diagnostics)

    def records(self) -> list[dict]:
        """One dict per payee × period × line: `payee`, `period`, `line` (its label), `kind` (payout, cap,
        total_cap, held, …, and `balance` for an account's closing balance) and `value` (a Decimal); the rows
        of `plan run`'s CSV, flags left out (see `flags`)."""
        from dsl.render.results import COLUMNS, _flat as flat_rows  # the one flat view of a run (`plan run`'s CSV rows)

        return [dict(zip(COLUMNS, (payee, period, label, str(kind), value)))
                for payee, period, label, kind, value in flat_rows(self) if kind != "flag"]

    def flags(self) -> list[dict]:
        """One dict per payee × period × flag: `payee`, `period`, `flag` (its label) and `value` as computed."""
        return [{"payee": p.payee, "period": str(p.period), "flag": f.label, "value": f.value} for p in self.payees for f in p.flags]

    def totals(self) -> dict:
        """What each payee is paid, `{payee: Decimal}`; over several periods `{payee: {period: Decimal}}`."""
        if len({p.period for p in self.payees}) <= 1:
            return {p.payee: p.total for p in self.payees}
        totals: dict[str, dict[str, Decimal]] = {}
        for p in self.payees:
            totals.setdefault(p.payee, {})[str(p.period)] = p.total
        return totals

    def to_pandas(self) -> pandas.DataFrame:
        """`records()` as a pandas DataFrame; `value` holds the Decimals themselves (object dtype)."""
        library = _frames_library("pandas")
        from dsl.render.results import COLUMNS

        records = self.records()
        frame = library.DataFrame(records, columns=COLUMNS)
        frame["value"] = library.Series([r["value"] for r in records], dtype=object)
        return frame

    def to_polars(self) -> polars.DataFrame:
        """`records()` as a polars DataFrame; `value` is a Decimal column with as many places as the most precise value."""
        library = _frames_library("polars")
        from dsl.render.results import COLUMNS

        records = self.records()
        places = max((-r["value"].as_tuple().exponent for r in records if r["value"].as_tuple().exponent < 0), default=0)
        columns = {name: library.Series(name, [r[name] for r in records], dtype=library.String) for name in COLUMNS[:-1]}
        # polars rounds a Decimal to the column's scale: with the most places of any value, none is changed
        columns["value"] = library.Series("value", [r["value"] for r in records], dtype=library.Decimal(38, places))
        return library.DataFrame(columns)


def _frames_library(name: str):
    """The data frame library `name`, imported on first use: the package runs without it."""
    try:
        return __import__(name)
    except ImportError:
        raise ImportError(f"this needs {name}, which is not installed: pip install 'plan-dsl[frames]'") from None


def run(
    plan: str | os.PathLike | Compilation | ir.Plan,
    data: object,
    *,
    periods: Optional[str | Sequence] = None,
    payees: Optional[Sequence[str]] = None,
    engine: str = "interpreter",
    floats: Optional[str] = None,
) -> Results:
    """Load a plan, bind data and compute every payee's lines, in one call: what a notebook or a pipeline calls.

    `plan` is a path (a `Path`, or text naming a `.plan` file or one that exists), plan text, a `Compilation`
    or its IR. `data` is what `read_data` reads (a CSV folder, an .xlsx or .json file, a `Dataset`), or
    Python values: a dict of input name → a list of rows (dicts of column → value: text read by the files'
    cell grammar, Decimal, int, bool, date or None), a pandas or polars DataFrame or an arrow table; or one
    data frame alone when the plan has one input. Every value is typed and checked as a file's cell is, and
    a problem is a diagnostic naming the input, the row (from 1) and the column (dsl/data/frames.py).
    Binary floats are refused unless `floats` says how to read them: `"round:0.01"` (the float's exact
    binary value rounded half-even to that quantum) or `"exact"` (that value itself, within the numeric
    policy's 18 places). `periods`, `payees` and `engine` are `evaluate`'s.

    Nothing here raises on bad plans or data: `Results.diagnostics` carry them (and `Results.ok` is False).
    A value of a kind it does not read raises TypeError; a bad `floats` policy or engine, ValueError.

    >>> results = run(Path("plans/s1_big_account/plan.plan"), "plans/s1_big_account/data")
    >>> results.totals()   # 甲 50万×2% + 50万×3% + 100万×4% + 0.5% × 120万 renewed; 乙 10,000 + 15,000 + 20万×4%
    {'甲': Decimal('71000.00'), '乙': Decimal('33000.00')}
    >>> run(Path("plans/s1_big_account/plan.plan"), {"deals": [], "reps": []}, floats="round:cent")
    Traceback (most recent call last):
    ValueError: floats='round:cent' is not a policy for binary floats; give "round:QUANTUM", QUANTUM a power of ten from 1 down to 0.000000000000000001 (e.g. "round:0.01"), or "exact"
    """
    from dsl.data.dataset import Dataset
    from dsl.data.frames import dataset_from_python, float_reader

    float_reader(floats)  # a bad policy is the caller's mistake, whatever the data
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; the engines are {', '.join(ENGINES)}")
    if isinstance(plan, ir.Plan):
        checked, found = plan, ()
    else:
        if not isinstance(plan, Compilation):
            if isinstance(plan, str) and "\n" not in plan and (plan.strip().endswith(".plan") or os.path.isfile(plan)):
                plan = Path(plan.strip())
            elif not isinstance(plan, (str, os.PathLike)):
                raise TypeError(f"plan of type {type(plan).__name__}; give a path, plan text, a Compilation or its IR")
            plan = load(plan)
        checked, found = plan.plan, plan.diagnostics
        if checked is None:
            return Results(plan.model.plan if plan.model is not None else None, (), found)
    if isinstance(data, (str, os.PathLike, Dataset)) or hasattr(data, "to_dataset"):
        return Results.of(evaluate(checked, data, periods=periods, payees=payees, engine=engine), found)
    dataset, read = dataset_from_python(data, checked.inputs, checked.currency, floats)
    found = tuple(found) + tuple(read)
    if dataset is None:
        return Results(checked, (), found)
    return Results.of(evaluate(checked, dataset, periods=periods, payees=payees, engine=engine), found)


def choose_engine(plan: ir.Plan, dataset, trace: bool = False, threshold: Optional[int] = None) -> str:
    """What `engine="auto"` runs: "duckdb" for a plan it lowers over data of at least `threshold` rows per
    period (AUTO_ROWS_PER_PERIOD by default; untraced), else "interpreter". Both give the same results;
    this is only about time.

    >>> from pathlib import Path
    >>> plan = load(Path("plans/s1_big_account/plan.plan")).plan
    >>> dataset, _ = read_data(plan, "plans/s1_big_account/data")
    >>> choose_engine(plan, dataset)   # a few rows: the interpreter is faster
    'interpreter'
    """
    if trace:
        return "interpreter"
    rows = sum(len(table.row_numbers) for table in dataset.tables.values())
    if rows < (AUTO_ROWS_PER_PERIOD if threshold is None else threshold) * max(1, len(dataset.periods)):
        return "interpreter"
    from dsl.sql.lower import not_lowered

    return "interpreter" if not_lowered(plan) else "duckdb"


def run_tests(plan: ir.Plan) -> list:
    """Run the tests written inside a plan: one `TestOutcome` (passed, failures as diagnostics) per test.

    >>> plan = load('plan "x" { currency CNY }\\npayout "a" = 100元 * 2%\\ntest "t" { expect "a" = 2.00 }').plan
    >>> [(o.name, o.passed, o.checked) for o in run_tests(plan)]
    [('t', True, 1)]
    """
    from dsl.run.testing import run_tests as run

    return run(plan)


# ---- renderings ------------------------------------------------------------------


def explain(plan: ir.Plan, payee, *, line: Optional[str] = None, format: str = "text", lang: str = "zh",
            dataset=None, rows: bool = False) -> str:
    """One payee's lines and their traces as text (a tree), Markdown (`md`) or JSON.

    `payee` is a `PayeeResult` of a traced run; `line` keeps only that line or
    flag; `lang` (zh or en) sets the fixed words. With the run's `dataset`, text
    and Markdown name each data row by its own columns and list the rows credited;
    `rows` also lists the rows each `where` left out (JSON always has them).

    >>> plan = load('plan "x" { currency CNY }\\npayout "a" = 100元 * 2%').plan
    >>> from dsl.data.dataset import Dataset
    >>> result = evaluate(plan, Dataset({}, ["甲"]), trace=True)
    >>> print(explain(plan, result.payees[0], lang="en"), end="")
    x · payee 甲 · period run
    total = 2.00 CNY
    <BLANKLINE>
    a = 2.00
    └─ 100元 * 2% = 2.00
    """
    from dsl.explain.renderers import render_json, render_markdown, render_text

    if format == "text":
        return render_text(plan, payee, line, lang, dataset, rows)
    if format == "md":
        return render_markdown(plan, payee, line, lang, dataset, rows)
    if format == "json":
        return render_json(plan, payee, line)
    raise ValueError(f"unknown explanation format {format!r}; the formats are {', '.join(EXPLAIN_FORMATS)}")


def render_results(plan: ir.Plan, result, format: str = "csv", *, totals: bool = False, bom: bool = False) -> str:
    """A run's results as CSV (one row per payee × line) or JSON (per payee: total, lines, flags).

    CSV options: `totals` adds a row of kind `total` after each payee's rows, `bom` starts the text with a UTF-8 byte order mark.

    >>> from dsl.data.dataset import Dataset
    >>> plan = load('plan "x" { currency CNY }\\npayout "a" = 100元 * 2%').plan
    >>> print(render_results(plan, evaluate(plan, Dataset({}, ["甲"]))), end="")
    payee,period,line,kind,value
    甲,run,a,payout,2.00
    """
    from dsl.render.results import render_results as render

    return render(plan, result, format, totals, bom)


def write_results(plan: ir.Plan, result, path: str | os.PathLike, format: str = "csv", *, totals: bool = False, bom: bool = False) -> None:
    """Write a run's results to a file as CSV, JSON or an Excel workbook (`xlsx`, amounts exact); `totals` and `bom` as in `render_results`."""
    from dsl.render.results import write_results as write

    write(plan, result, path, format, totals, bom)


def format(text: str, name: str = "<plan>") -> tuple[Optional[str], list[Diagnostic]]:
    """Plan text → its canonical layout, comments kept; (None, syntax diagnostics) when it does not parse.

    >>> format('plan "x" {currency CNY}\\npayout "a"=100元*2%  # a comment')
    ('plan "x" {\\n  currency CNY\\n}\\n\\npayout "a" = 100元 * 2%  # a comment\\n', [])
    """
    from dsl.syntax.printer import format_text

    return format_text(text, name)


# ---- lint ------------------------------------------------------------------------


class LintConfigError(Exception):
    """A lint configuration file that cannot be used; the message names the file and the key."""


def lint_config(plan_path: str | os.PathLike, config_path: Optional[str | os.PathLike] = None, cache: Optional[dict] = None):
    """The lint configuration for a plan: `config_path` if given, else the nearest
    plan.toml / pyproject.toml with a [tool.plan] table above the plan (the defaults
    when there is none). `cache` (a dict kept by the caller) saves re-reading the
    same folders for many plans. A bad configuration raises `LintConfigError`.

    >>> lint_config("plans/s1_big_account/plan.plan").severity_of("L301", "warning")
    'warning'
    """
    from dsl.lint.config import ConfigError, find_config, read_config

    try:
        if config_path is not None:
            config = read_config(config_path)
            if config is None:
                raise LintConfigError(f"{os.fspath(config_path)} has no [tool.plan] table")
            return config
        return find_config(plan_path, cache)
    except ConfigError as exc:
        raise LintConfigError(str(exc)) from None


def lint(compilation: Compilation, config=None, suppressed: Optional[list] = None) -> list[Diagnostic]:
    """Lint findings for a loaded plan (not its parser or checker diagnostics: those are in `compilation.diagnostics`).

    `suppressed`, a list when given, receives `(finding, reason)` for each finding a `# plan: ignore[...]` comment drops.

    Without `config`, a plan read from a file uses the nearest configuration file
    (see `lint_config`) and plan text the defaults. A plan that does not parse has
    no findings; one with errors gets only the rules that need no IR.

    >>> [d.name for d in lint(load('plan "x" { currency CNY }'))]
    ['missing-rounding']
    >>> lint(load('plan "x" {'))
    []
    """
    from dsl.lint import lint as run_rules
    from dsl.lint.config import Config

    if compilation.syntax is None:
        return []
    if config is None:
        config = lint_config(compilation.path) if compilation.path is not None else Config()
    # The rules read the plan as written (a division is an Arith node, not part of a
    # Quotient); those that evaluate apply the IR passes themselves.
    checked = compilation.model.plan if compilation.ok else None
    return run_rules(compilation.syntax, checked, compilation.source, config, evaluable=compilation.evaluable if checked is not None else None,
                     suppressed=suppressed)


def lint_report(
    diagnostics: Iterable[Diagnostic],
    format: str = "text",
    *,
    sources: Optional[dict[str, SourceFile]] = None,
    files: Iterable[str] = (),
    version: str = "",
    docs_url: str = "",
    suppressed: Iterable[tuple[Diagnostic, str]] = (),
) -> str:
    """Findings as `text` (location, message, source line, caret), `json`, `sarif` (2.1.0) or `github` (workflow commands).

    `sources` (name → SourceFile) gives text its carets; `files`, `version`, `docs_url` (where the
    rule pages are published) and `suppressed` ((finding, reason) pairs) go into SARIF.

    >>> broken = load('plan "x" {', "x.plan")
    >>> print(lint_report(broken.diagnostics, "github"))
    ::error file=x.plan,line=1,col=11,endLine=1,endColumn=11,title=E001 syntax-error::unexpected end of file; expected 'currency', 'effective', 'payee', 'payees', 'period', 'rounding', 'team', '}'
    >>> print(lint_report(broken.diagnostics, sources={broken.source.name: broken.source}))
    x.plan:1:11: error: unexpected end of file; expected 'currency', 'effective', 'payee', 'payees', 'period', 'rounding', 'team', '}' [E001 syntax-error]
     1 | plan "x" {
       |           ^
    """
    from dsl.lint.report import as_github, as_json, as_sarif, as_text

    diagnostics = list(diagnostics)
    if format == "text":
        return as_text(diagnostics, sources or {})
    if format == "json":
        return as_json(diagnostics)
    if format == "sarif":
        return as_sarif(diagnostics, version, list(files), docs_url, list(suppressed))
    if format == "github":
        return as_github(diagnostics)
    raise ValueError(f"unknown lint report format {format!r}; the formats are {', '.join(LINT_FORMATS)}")


# ---- what-if and plan diff -------------------------------------------------------

DIFF_FORMATS = ("text", "json", "xlsx")


def set_lets(compilation: Compilation, settings: Sequence[str]) -> tuple[Compilation, tuple[str, ...]]:
    r"""`--set LET=VALUE`: the plan with each named let of its own defined as VALUE instead (written as
    in the plan: `85%`, `120万`, `true`), checked again as if the analyst had edited a copy; every
    dated version of the let gets the value. Returns the changed compilation and the settings left
    for the data (`input.field=value`). Raises `OverrideError` (a ValueError) when a value does not
    check where the let is used, naming the setting and what the checker said.

    >>> plan = load('plan "x" { currency CNY }\nlet 比例 = 2%\npayout "提成" = 100元 * 比例')
    >>> changed, rest = set_lets(plan, ["比例=3%", "reps.quota=1"])
    >>> changed.plan.lets[0].expr.value, rest
    (Decimal('0.03'), ('reps.quota=1',))
    >>> set_lets(plan, ["比例=3元"])
    Traceback (most recent call last):
    ...
    dsl.data.overrides.OverrideError: --set 比例=3元: the plan does not check with this value: cannot multiply money by money
    """
    from dsl.data.overrides import OverrideError

    if compilation.plan is None or compilation.syntax is None:
        return compilation, tuple(settings)
    chosen, rest = [], []
    for setting in settings:
        name, equals, value = setting.partition("=")
        name = name.strip()
        # the plan's own let declarations of that name (every dated version); none: an input field
        decls = [item for item in compilation.syntax.items if isinstance(item, ast.LetDecl) and item.name == name
                 and item.span.file == compilation.source.name] if equals else []
        if not decls:
            rest.append(setting)
            continue
        if not value.strip() or "\n" in value or "\r" in value:
            raise OverrideError(f"--set {setting}: give the let one value, e.g. --set {name}=85%")
        chosen.append((setting, value.strip(), decls))
    changed = compilation
    for setting, value, decls in chosen:
        text = changed.source.text
        for decl in sorted(decls, key=lambda d: d.expr.span.start, reverse=True):
            text = text[:decl.expr.span.start] + f"({value})" + text[decl.expr.span.end:]
        edited = load(text, compilation.source.name)
        problems = [d for d in edited.diagnostics if d.is_error]
        if problems or edited.plan is None:
            said = problems[0].message if problems else "it does not check"
            raise OverrideError(f"--set {setting}: the plan does not check with this value: {said}")
        changed = attrs.evolve(edited, path=compilation.path)
    return changed, tuple(rest)


def what_if(plan: ir.Plan, dataset, settings: Sequence[str]):
    """`dataset` with `--set INPUT.FIELD=VALUE` overrides applied (each value written as a data cell:
    120万, 85%, 是) in every row of that input. Raises `dsl.data.overrides.OverrideError` (a
    ValueError) naming an unknown input or field (with did-you-mean) or a value that does not read."""
    from dsl.data.overrides import apply_overrides, parse_overrides

    return apply_overrides(dataset, parse_overrides(settings, plan.inputs, plan.currency, [let.name for let in plan.lets]))


def diff(old, new):
    """Two runs' results compared payee by payee, period by period and line by line, exactly: a `PlanDiff`
    (dsl/run/diff.py) with each payee's old and new totals and deltas, the total cost change and
    how many payees gain, lose or are unchanged."""
    from dsl.run.diff import diff_runs

    return diff_runs(old, new)


def render_diff(compared, format: str = "text", lang: str = "zh") -> str:
    """A `PlanDiff` as text (zh or en) or JSON."""
    from dsl.render.diff import render_json, render_text

    return render_text(compared, lang) if format == "text" else render_json(compared)


def write_diff(compared, path: str | os.PathLike, format: str = "text", lang: str = "zh") -> None:
    """A `PlanDiff` written to a file: text, JSON or an xlsx workbook (the same bytes on every rerun)."""
    from dsl.render.diff import write_diff as write

    write(compared, path, format, lang)


def junit_report(suites) -> str:
    """Plan tests as JUnit XML: `suites` is [(plan file, [(test name, line, failures)])], one testsuite per
    plan file and one testcase per test (dsl/lint/report.py)."""
    from dsl.lint.report import as_junit

    return as_junit(suites)
