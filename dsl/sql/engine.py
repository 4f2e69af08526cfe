"""The DuckDB engine: a run's plan and data → the same `RunResult` as the interpreter.

    for each period, in order:
    plan ──Lowering──> stages of bindings ──assemble──> one SQL query (sqlglot) ─┐
    dataset ──load (only the columns the query reads)──> DuckDB relations ──────┤
    earlier periods' values ──past_part──> the relation `hist` ─────────────────┴─> one row per payee
        ──> lines (as dsl/run/lines.py makes them) ──> dsl/run/ledger.py ──> PayeeResult, and the values later periods read

The query returns, per payee, each line's rounded value (as a multiple of its
rounding unit), its gate and its rounded floor and cap, the rounded total
limits, the flags, the payee's error value, and the value and error value of
every expression a later step reads (the ledger's expressions, what history
reads read). What is left here is what the interpreter does with such values
in dsl/run/lines.py: a limit that binds becomes an adjustment line of its own,
and the lines add up to the total — comparisons and differences of values
already exact, done with the same Decimal expressions, so the lines, totals
and their scales are the interpreter's. The ledger is dsl/run/ledger.py's,
fed those values. A payee's error value becomes the R001 the interpreter
reports for it (`_message`), with the same text and span, and ends the payee's
run at that period as in the interpreter; the other payees are computed as usual.

Pools and rankings come after every period is computed, as in the interpreter: the
query returns what they read of each member and manager, and the split and the
ranking are dsl/run/pools.py's, their allocation and ranking order computed in SQL
(dsl/sql/teams.py).

A period's lowering is reused for the next while the facts it consulted (which
inputs lack a row or a value, the params in force, the period itself when the
plan reads it) give the same answers (`Recorded`). The engine computes no traces.
"""
from __future__ import annotations

import tempfile
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Callable, Optional, Sequence

from sqlglot import exp

from dsl import ir
from dsl.core import numeric
from dsl.core.diagnostics import EVAL_ERROR, Diagnostic, diagnostic
from dsl.core.display import show_value
from dsl.core.numeric import CONTEXT, NumericError, round_money
from dsl.core.types import MISSING, InputKind
from dsl.data.dataset import Dataset
from dsl.run.errors import EvalError
from dsl.run.interpreter import _period_roster, _team_payments, population
from dsl.run.ledger import EMPTY, LedgerState, ledger_period
from dsl.run.prior import PriorEvaluator
from dsl.run.results import FlagValue, Line, LineKind, PayeeResult, RunResult, reported_flag
from dsl.sql.errors import NotLowered
from dsl.sql.lower import TEAM
from dsl.sql.numeric import to_decimal, unit_places

ZERO = Decimal(0)


class Facts:
    """What the lowering may know of one period of the run: the inputs that can lack a row or a value, and
    where the period stands in the run (`timeline`: a prior run's periods, then this run's; `position`)."""

    def __init__(self, plan: ir.Plan, dataset: Dataset, period, roster: Sequence[str], timeline: Sequence = (), position: int = 0):
        self.plan, self.dataset, self.period, self.roster = plan, dataset, period, roster
        self.timeline, self.position = tuple(timeline) or (period,), position
        self._missing: dict = {}

    def table(self, name: str):
        return self.dataset.tables[name]  # an input with no table fails as it does in the interpreter

    def payee_field(self, name: str) -> Optional[str]:
        table = self.table(name)
        return table.schema.payee_field if table.payee_rows is not None else None

    def rows(self, name: str) -> Sequence[int]:
        table = self.table(name)
        schema = table.schema
        if schema.kind == InputKind.TABLE:
            return table.period_rows.get(self.period, ())
        if schema.kind == InputKind.RECORD:
            return [r for r in (self.dataset.record_row(name, p, self.period) for p in self.roster) if r is not None]
        row = self.dataset.params_row(name, self.period)
        return [] if row is None else [row]

    def missing(self, name: str, field: str) -> bool:
        key = (name, field)
        if key not in self._missing:
            column = self.table(name).columns[field]
            self._missing[key] = any(column[i] is MISSING for i in self.rows(name))
        return self._missing[key]

    def record_complete(self, name: str) -> bool:
        return all(self.dataset.record_row(name, p, self.period) is not None for p in self.roster)

    def params(self, name: str) -> Optional[dict]:
        table = self.table(name)
        row = self.dataset.params_row(name, self.period)
        if row is None:
            return None
        return {field: column[row] for field, column in table.columns.items()}


class Recorded:
    """The facts one lowering consulted, and their answers: a later period whose facts give the same
    answers to the same questions has the same lowering, so its query is reused rather than built again."""

    def __init__(self, facts: Facts):
        self.facts = facts
        self.asked: list = []

    def __getattr__(self, name):
        found = getattr(self.facts, name)
        if name in ("plan", "dataset", "roster"):
            return found
        if not callable(found):
            self.asked.append((name, None, _strict(found)))
            return found

        def ask(*args):
            answer = found(*args)
            self.asked.append((name, args, _strict(answer)))
            return answer
        return ask

    def same_for(self, facts: Facts) -> bool:
        for name, args, answer in self.asked:
            found = getattr(facts, name)
            if _strict(found(*args) if args is not None else found) != answer:
                return False
        return True


def _strict(value):
    """A fact's answer compared with its scale and type (1.0 and 1.00 are different SQL constants)."""
    if isinstance(value, dict):
        return tuple((k, _strict(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return tuple(_strict(v) for v in value)
    return (type(value).__name__, str(value))


class Computed:
    """One payee's values in one computed period, as history reads and the ledger read them: `eval(node)` is
    the value the query computed for `node`, or the EvalError the interpreter raises there (the error value
    is rendered only when read, as the interpreter meets it only when it evaluates the node)."""

    def __init__(self, period, values: dict, message: Callable[[str], tuple], payee: str = ""):
        self.period, self.values, self.message, self.payee = period, values, message, payee

    def eval(self, node, row=None):
        value, error = self.values[id(node)]
        if error is not None:
            raise EvalError(*self.message(error))
        return value, None

    def clawed(self, clawback):
        """What `clawback` recovers this period, as the query computed it (the lowering's `clawed`)."""
        return self.eval(clawback)


def evaluate(plan: ir.Plan, dataset: Dataset, *, payees: Optional[Sequence[str]] = None,
             progress: Optional[Callable[[int], None]] = None, prior=None, trace: bool = False,
             spark=None) -> RunResult:
    """Every payee's lines, computed in DuckDB one period at a time: the interpreter's `RunResult`, value for value.

    Each period is one query over all its payees. What later periods read of it (the values history reads
    read, the ledger's expressions) comes back as values per payee; the ledger's fold is dsl/run/ledger.py's,
    fed those values, and the next period's query is fed its history reads' earlier part (`past_part`).
    Raises `NotLowered` for a plan this engine does not compute yet, and ValueError for a traced run
    (traces are the interpreter's).

    With `spark` (a SparkSession, dsl/sql/spark.py's `session()`) the same queries run on Spark instead of
    an in-memory DuckDB: the statements are transpiled to Spark SQL, the relations are Spark views. The
    data must then be a `Dataset` (values read by dsl/data/readers.py), not files read by DuckDB.
    """
    if trace:
        raise ValueError("the duckdb engine computes no traces: explain and test run on the interpreter")
    if spark is not None and not isinstance(dataset, Dataset):
        raise ValueError("the spark engine reads a Dataset (dsl.read_data), not files read by DuckDB")
    from dsl.sql.lower import not_lowered

    refused = not_lowered(plan)
    if refused:
        raise NotLowered("; ".join(refused))
    import duckdb

    found, diagnostics = population(plan, dataset, payees, prior)  # the interpreter's: the same payees and R002/R004/D008
    if found is None:
        return RunResult(plan, (), tuple(diagnostics))
    roster, teams = found.roster, found.teams
    everyone = list(teams.order)  # members before their managers; with a hierarchy every payee runs (a manager reads its members)
    whole = plan.hierarchy is not None or bool(plan.ranks)  # a ranking of every payee ranks them all, even in a run asked for some
    unique = everyone if whole else list(dict.fromkeys(roster))
    periods = tuple(dataset.periods)
    prior_periods = tuple(prior.periods) if prior is not None else ()
    timeline = prior_periods + periods
    before, several = len(prior_periods), len(periods) > 1
    past: dict[str, list] = {}
    states: dict[str, LedgerState] = {}
    for payee in unique:
        if prior is not None:
            results_of = {r.period: r for r in prior.payees.get(payee, ())}
            past[payee] = [PriorEvaluator(p, results_of.get(p)) for p in prior_periods]
            states[payee] = prior.state(payee)
        else:
            past[payee], states[payee] = [], EMPTY
    failed: dict[str, Diagnostic] = {}
    by_period: list[dict] = [{} for _ in periods]
    placed = _period_roster(plan)
    extra = _read_later(plan)
    built: dict = {}  # wide_digits -> (Recorded facts, lowering, outputs, query): reused while the facts agree
    done: dict[str, dict[int, Computed]] = {}  # what pools and rankings read: each payee's computed values, by period index
    with tempfile.TemporaryDirectory(prefix="plan-duckdb-") as directory, _connection(duckdb, spark) as con:
        for index, period in enumerate(periods):
            active = []
            for payee in unique:
                if payee in failed:
                    continue
                if placed is not None and payee not in plan.declared_payees and dataset.record_row(placed, payee, period) is None:
                    past[payee].append(None)  # not on this period's roster: nothing computed, balances carried unchanged
                    continue
                active.append(payee)
            if not active:
                continue
            position = before + index
            members = _members(plan, teams, period, active)
            lowering, outputs, rows = _run_period(con, built, Path(directory), plan, dataset, period, active, timeline, position, past, extra, members)
            names = outputs.columns()
            at = {name: i for i, name in enumerate(names)}
            for pid, payee in enumerate(active):  # in the order of teams.order: members before their managers
                row = rows[pid]
                error = row[at[outputs.error]] if outputs.error is not None else None
                try:
                    for member in (teams.of(payee, period) if plan.hierarchy is not None else ()):
                        if member not in by_period[index]:
                            raise EvalError(f"'{member}', in the team of '{payee}', has no computed values in {period} (see its error)", None)
                    if error is not None:
                        raise EvalError(*_message(lowering, dataset, period, payee, error))
                    result = _payee_result(plan, lowering, outputs, at, row, payee, period)
                    computed = _computed(lowering, outputs, at, row, dataset, period, payee)
                    if plan.has_ledger or states[payee].accounts:
                        book = ledger_period(plan, states[payee], period, position, result.total, computed.eval, computed.clawed, False)
                        result = PayeeResult(payee, result.lines + book.lines, result.flags, book.paid, period, book.postings, book.balances)
                        states[payee] = book.state
                except EvalError as exc:
                    where = f" in {period}" if several else ""
                    later = f"; its periods after {period} are not computed" if several and index + 1 < len(periods) else ""
                    failed[payee] = diagnostic(EVAL_ERROR, f"payee '{payee}'{where}: {exc}{later}", exc.span)
                    continue
                past[payee].append(computed)
                done.setdefault(payee, {})[index] = computed
                by_period[index][payee] = result
        for payee in (everyone if whole else roster):  # the interpreter's order of computing them
            if payee in failed:
                diagnostics.append(failed[payee])
        if plan.pools or plan.ranks:
            _teams_paid(con, plan, dataset, teams if plan.hierarchy is not None else None, done, by_period, diagnostics)
    if progress is not None:
        progress(len(roster))
    results = [found[payee] for found in by_period for payee in roster if payee in found]
    return RunResult(plan, tuple(results), tuple(diagnostics))


def _teams_paid(con, plan: ir.Plan, dataset: Dataset, teams, done: dict, by_period: list, diagnostics: list) -> None:
    """Pools and rankings (the interpreter's `_team_payments`, dsl/run/pools.py) on the values each period's
    query computed for every member and manager, their allocations and ranking orders computed in SQL
    (dsl/sql/teams.py): the shares, awards, ranks and the pools' rows that are not pay join the payees'
    results as they do in the interpreter."""
    from dsl.sql.teams import TeamSteps

    steps = TeamSteps(con)
    results = {}
    for index, found in enumerate(by_period):
        for payee, result in found.items():
            results.setdefault(payee, []).append((index, result))
    _team_payments(plan, dataset, teams, done, results, False, diagnostics, steps.allocate, steps.rank)
    for payee, entries in results.items():
        for index, result in entries:
            by_period[index][payee] = result


def _read_later(plan: ir.Plan) -> list:
    """The expressions a period's query computes for later use: what the ledger evaluates (each
    clawback's sum over its rows, `Lowering.clawed`), what history reads read of earlier periods,
    and what pools and rankings read of each member and manager (each once)."""
    from dsl.ir.walk import ledger_exprs, plan_exprs, team_exprs, walk

    found: dict[int, object] = {}
    rows = {id(e) for c in plan.clawbacks for e in (c.expr, c.window.origin if c.window else None)}  # read within the clawback's sum
    for node in list(plan.clawbacks) + [e for e in ledger_exprs(plan) if id(e) not in rows] + list(team_exprs(plan)):
        found.setdefault(id(node), node)
    for root in plan_exprs(plan):
        for node in walk(root):
            if isinstance(node, ir.History):
                found.setdefault(id(node.expr), node.expr)
    return list(found.values())


def _members(plan: ir.Plan, teams, period, active: list) -> list:
    """The period's teams as rows (manager pid, member pid, the member's place in the team) over `active`'s pids."""
    if plan.hierarchy is None:
        return []
    pid = {payee: i for i, payee in enumerate(active)}
    return [(pid[manager], pid[member], place) for manager in active
            for place, member in enumerate(teams.of(manager, period)) if member in pid]


def _run_period(con, built: dict, directory: Path, plan: ir.Plan, dataset: Dataset, period, active: list, timeline, position: int,
                past: dict, extra: list, members: list):
    """One period's query over its payees (`active`, in order): the lowering, its outputs and one row per payee."""
    from dsl.sql.lower import Lowering
    from dsl.sql.load import load_inputs
    from dsl.sql.query import HISTORY, TEAMS, assemble, powers_table

    # data read by DuckDB itself (dsl/sql/read.py) answers the facts from its files
    facts = Facts(plan, dataset, period, active, timeline, position) if isinstance(dataset, Dataset) else dataset.facts(plan, period, active)
    for wide_digits in (False, True):
        known = built.get(wide_digits)
        if known is not None and known[0].same_for(facts):
            recorded, lowering, outputs, query = known
            recorded.facts = facts
        else:
            recorded = Recorded(facts)
            lowering = Lowering(plan, recorded, wide_digits=wide_digits)
            outputs = lowering.outputs(extra)
            query = assemble(lowering, outputs)
            query.text = query.select.sql("duckdb", copy=False)
            built[wide_digits] = (recorded, lowering, outputs, query)
        relations = ["payees", HISTORY, TEAMS, "p10"] + list(query.tables.values())
        for relation in dict.fromkeys(relations):
            con.execute(exp.Drop(tables=[exp.to_table(relation)], kind="TABLE", exists=True).sql("duckdb", copy=False))
        con.execute(powers_table().sql("duckdb", copy=False))
        load_inputs(con, directory, lowering, dataset, period, active, query)
        if query.teams:
            path = directory / "team.csv"
            path.write_text("pid,mid,_row\n" + "".join(f"{a},{b},{c}\n" for a, b, c in members), encoding="utf-8")
            _read_csv(con, TEAMS, path, {"pid": "BIGINT", "mid": "BIGINT", "_row": "BIGINT"})
        if query.history_columns:
            _load_history(con, directory, lowering, active, past, position, query.history_columns)
        rows = con.execute(query.text).fetchall()
        if wide_digits or not _needs_wide(rows, outputs, lowering):
            break
    return lowering, outputs, rows


class _connection:
    """One in-memory DuckDB for a run's periods (or, with `spark`, its views on that SparkSession), closed at the end."""

    def __init__(self, duckdb, spark=None):
        if spark is None:
            self.con = _connect(duckdb)
        else:
            from dsl.sql.spark import SparkConnection

            self.con = SparkConnection(spark)

    def __enter__(self):
        return self.con

    def __exit__(self, *exc):
        self.con.close()


def _computed(lowering, outputs, at: dict, row, dataset: Dataset, period, payee: str) -> Computed:
    values = {}
    for node, kind, columns, err in outputs.extra:
        error = row[at[err]] if err is not None else None
        if error is not None and lowering.sites[int(error.split("|", 1)[0])].kind == "past":
            error = _message(lowering, dataset, period, payee, error)  # now: the next period refills past_errors
        parts = [row[at[c]] for c in columns]
        values[id(node)] = (None if error is not None else _flag_value(kind, parts, lowering), error)
    return Computed(period, values, lambda error: error if isinstance(error, tuple) else _message(lowering, dataset, period, payee, error), payee)


# ---- history reads: the part of earlier periods, fed to the query as the relation `hist`


def past_part(node: ir.History, feed: tuple, earlier: list, here: int, timeline, payee: str):
    """What the periods before `here` contribute to a history read, read from `earlier` (per period of the
    timeline before this one: a `Computed`, a prior run's `PriorEvaluator`, or None where the payee was not
    on the roster), in the interpreter's order of reading: (use the past?, value or count, EvalError or None)."""
    fn, read_at = feed

    def value_at(i):
        return earlier[i].eval(node.expr)[0]

    try:
        if fn == "previous":
            if here == 0 or earlier[here - 1] is None:
                return False, None, None
            return True, value_at(here - 1), None
        if fn == "at":
            if earlier[read_at] is None:
                raise EvalError(f"payee '{payee}' is not on the roster in {timeline[read_at]}, so nothing was computed there", node.expr.span)
            return True, value_at(read_at), None
        if fn == "streak":  # back from the period before this one while the condition holds (read only when it holds here)
            count, i = 0, here - 1
            while i >= 0 and earlier[i] is not None:
                if not value_at(i):
                    break
                count, i = count + 1, i - 1
            return True, count, None
        if fn in ("sum_last", "count_last"):
            read = [i for i in range(max(0, here - int(node.arg.value) + 1), here) if earlier[i] is not None]
        else:  # ytd
            start = timeline[here].start
            read = [i for i in range(here) if start is not None and timeline[i].start is not None
                    and timeline[i].start.year == start.year and earlier[i] is not None]
        values = [value_at(i) for i in read]
        if fn == "count_last":
            return True, sum(1 for v in values if v), None
        with localcontext(CONTEXT):
            return True, sum(values, ZERO), None
    except EvalError as exc:
        return True, None, exc


def _load_history(con, directory: Path, lowering, active: list, past: dict, here: int, columns: set) -> None:
    """The relation `hist(pid, hist<i>_…)`: each history read's earlier part, per payee of the period."""
    from dsl.sql.lower import kind_of

    site = lowering.past_site()
    lowering.past_errors.clear()
    header, types = ["pid"], {"pid": "BIGINT"}
    value_types = {"bool": "BOOLEAN", "text": "VARCHAR", "date": "DATE"}
    plans = []
    for node, base, feed in lowering.history:
        fn = feed[0]
        if fn in ("previous", "at"):
            kind = kind_of(node.type)
            if kind not in ("num", "bool", "text", "date"):
                raise NotLowered(f"a history read of a {kind} value")
            parts = {"_c": "HUGEINT", "_e": "INTEGER", "_s": "BOOLEAN"} if kind == "num" else {"": value_types[kind]}
            if fn == "previous":
                parts["_u"] = "BOOLEAN"
        elif fn in ("sum_last", "ytd"):
            kind, parts = "sum", {"_k": "HUGEINT", "_e": "INTEGER", "_s": "BOOLEAN"}
        else:
            kind, parts = "count", {"_k": "HUGEINT"}
        parts["_r"] = "VARCHAR"
        for suffix, sql_type in parts.items():
            header.append(base + suffix)
            types[base + suffix] = sql_type
        plans.append((node, feed, kind, list(parts)))
    lines = [",".join(header)]
    for pid, payee in enumerate(active):
        cells = [str(pid)]
        for node, feed, kind, names in plans:
            use, value, error = past_part(node, feed, past[payee], here, lowering.facts.timeline, payee)
            out = {"_u": "true" if use else "false", "_r": ""}
            if error is not None:
                lowering.past_errors.append((str(error), error.span))
                out["_r"] = _quoted(f"{site}|{len(lowering.past_errors) - 1}")
            known = use and error is None
            if kind in ("num", "sum"):
                c, e, s = _parts(value if known else ZERO)
                out["_c" if kind == "num" else "_k"], out["_e"], out["_s"] = str(c), str(e), "true" if s else "false"
            elif kind == "count":
                out["_k"] = str(value if known else 0)
            elif known:
                out[""] = ("true" if value else "false") if kind == "bool" else value.isoformat() if kind == "date" else _quoted(str(value))
            cells.extend(out.get(suffix, "") for suffix in names)
        lines.append(",".join(cells))
    path = directory / "hist.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _read_csv(con, "hist", path, types)


def _read_csv(con, relation: str, path: Path, types: dict) -> None:
    """CREATE TABLE relation AS the CSV file at `path`, its columns typed as `types` says (in order)."""
    source = exp.Anonymous(this="read_csv", expressions=[
        exp.Literal.string(str(path)),
        exp.PropertyEQ(this=exp.to_identifier("header"), expression=exp.true()),
        exp.PropertyEQ(this=exp.to_identifier("quote"), expression=exp.Literal.string('"')),
        exp.PropertyEQ(this=exp.to_identifier("escape"), expression=exp.Literal.string('"')),
        exp.PropertyEQ(this=exp.to_identifier("columns"), expression=exp.Struct(expressions=[
            exp.PropertyEQ(this=exp.Literal.string(name), expression=exp.Literal.string(sql_type)) for name, sql_type in types.items()]))])
    create = exp.Create(this=exp.to_table(relation), kind="TABLE", expression=exp.select("*").from_(exp.Table(this=source)))
    con.execute(create.sql("duckdb", copy=False))


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _parts(value: Decimal) -> tuple[int, int, bool]:
    sign, digits, exponent = value.as_tuple()
    coefficient = int("".join(map(str, digits)) or "0")
    if coefficient >= 2**127:
        raise NotLowered("an earlier periods' sum beyond the numbers a query holds")
    return (-coefficient if sign else coefficient), exponent, bool(sign)


# Optimizers that take exponential time over the long chains of projections a lowered plan is
# (seen with DuckDB 2.0: pushing a partial aggregate down through some forty layers does not finish).
_DISABLED_OPTIMIZERS = ("partial_aggregate_pushdown",)


def _connect(duckdb):
    """An in-memory DuckDB with the optimizers the lowering's queries defeat turned off (those this version has)."""
    con = duckdb.connect()
    try:
        known = {row[0] for row in con.execute("SELECT name FROM duckdb_optimizers()").fetchall()}
    except duckdb.Error:
        known = set()
    disabled = [name for name in _DISABLED_OPTIMIZERS if name in known]
    if disabled:
        con.execute(exp.Set(expressions=[exp.SetItem(this=exp.EQ(this=exp.column("disabled_optimizers"),
                                                               expression=exp.Literal.string(",".join(disabled))))]).sql("duckdb", copy=False))
    return con


def _needs_wide(rows, outputs, lowering) -> bool:
    names = outputs.columns()
    errors = [c for c in [outputs.error] + [err for *_, err in outputs.extra] if c is not None]
    for position in (names.index(c) for c in errors):
        for row in rows:
            error = row[position]
            if error is not None and lowering.sites[int(error.split("|", 1)[0])].kind == "wide":
                return True
    return False


# ---- results


def _money(multiple: int, rounding: ir.Rounding) -> Decimal:
    """round_money's result from its multiple: multiple × unit at the unit's places (numeric.round_money)."""
    unit = rounding.unit
    exponent = unit_places(unit)
    places = Decimal(1).scaleb(exponent, CONTEXT) if exponent < 0 else Decimal(1)
    return numeric.check_range(CONTEXT.multiply(Decimal(multiple), unit).quantize(places, context=CONTEXT))


def _limited(kind: LineKind, before: Decimal, limit: Decimal) -> Decimal:
    return max(before, limit) if kind in (LineKind.FLOOR, LineKind.TOTAL_FLOOR) else min(before, limit)


def _payee_result(plan: ir.Plan, lowering, outputs, index, row, payee: str, period) -> PayeeResult:
    """A payee's lines from its row, as dsl/run/lines.py makes them from the same values."""
    lines: list[Line] = []
    for payout, line in zip(plan.payouts, outputs.lines):
        rounding = payout.rounding
        if "gate" in line and not row[index[line["gate"]]]:
            lines.append(Line(payout.label, LineKind.PAYOUT, round_money(ZERO, rounding.unit, rounding.mode)))
            continue
        value = _money(row[index[line["value"]]], rounding)
        lines.append(Line(payout.label, LineKind.PAYOUT, value))
        so_far = value
        for kind, key in ((LineKind.FLOOR, "floor"), (LineKind.CAP, "cap")):
            if key in line:
                limit = _money(row[index[line[key]]], rounding)
                after = _limited(kind, so_far, limit)
                if after != so_far:
                    adjustment = after - so_far
                    lines.append(Line(payout.label, kind, adjustment))
                    so_far += adjustment
    subtotal = sum((line.value for line in lines), ZERO)
    totals: list[Line] = []
    running = subtotal
    for kind, column in outputs.totals:
        line_kind = LineKind.TOTAL_FLOOR if kind == "total_floor" else LineKind.TOTAL_CAP
        limit = _money(row[index[column]], plan.rounding)
        after = _limited(line_kind, running, limit)
        if after != running:
            adjustment = after - running
            totals.append(Line(plan.total_label("floor" if kind == "total_floor" else "cap"), line_kind, adjustment))
            running += adjustment
    total = subtotal + sum((line.value for line in totals), ZERO)
    flags = []
    declared = {flag.label: flag for flag in plan.flags}
    for label, kind, columns in outputs.flags:
        values = [row[index[c]] for c in columns]
        flags.append(FlagValue(label, reported_flag(declared[label], _flag_value(kind, values, lowering), plan.rounding)))
    return PayeeResult(payee, tuple(lines + totals), tuple(flags), total, period)


def _flag_value(kind: str, values: list, lowering):
    if kind == "num":
        return to_decimal(*values)
    if kind == "rec":
        return lowering.records[values[0]]
    return values[0]


# ---- errors


def _number(text: str) -> Decimal:
    c, e, s = text.split(":")
    return to_decimal(int(c), int(e), s == "1")


def _message(lowering, dataset: Dataset, period, payee: str, error: str) -> tuple[str, object]:
    """The interpreter's EvalError message and span for an error value."""
    head, _, payload = error.partition("|")
    site = lowering.sites[int(head)]
    node, kind, detail = site.node, site.kind, site.detail
    span = getattr(node, "span", None)
    show = show_value
    if kind == "message":
        return detail
    if kind == "past":
        return lowering.past_errors[int(payload)]
    if kind == "div0":
        return f"division by zero: '{node.text}' is 0", span
    if kind == "overflow":
        return f"cannot compute '{node.text}': {_overflow(detail, payload)}", span
    if kind == "no_rows" and detail[1] == TEAM:
        fn = detail[0]
        return (f"{fn} over no members: the team of '{payee}' has no "
                f"{'matching ' if node.where is not None else ''}members in {period}"), span
    if kind == "no_rows":
        fn, table = detail
        return f"{fn} over no rows: payee '{payee}' has no matching rows in '{table}'", span
    if kind == "no_record":
        (name,) = detail
        return f"payee '{payee}' has no row in '{name}' ({dataset.tables[name].file})", span
    if kind == "missing_record":
        name, field = detail
        return f"{dataset.tables[name].file} gives no value for {name}.{field}", span
    if kind == "params_no_row":
        (name,) = detail
        return f"{dataset.tables[name].file} has no row of '{name}' for {period}", span
    if kind == "missing_cell":
        name, field = detail
        table = dataset.tables[name]
        return f"{table.file} row {table.row_numbers[int(payload)]} gives no value for {name}.{field}", span
    if kind == "round_unit":
        return f"round's unit must be positive, got {show(_number(payload))}", span
    if kind == "clamp":
        low, high = (_number(p) for p in payload.split(","))
        return f"clamp's lower limit {show(low)} is above its upper limit {show(high)}", span
    if kind == "no_band":
        (name,) = detail
        return f"no band of '{name}' contains {show(_number(payload), str(node.arg.type))}", span
    if kind == "no_category":
        (name,) = detail
        return f"tier table '{name}' has no row for '{payload}'", span
    if kind == "fatal":  # the interpreter does not catch this one either: its run stops here
        mode, unit = detail
        round_money(_number(payload), Decimal(unit), mode)
        raise AssertionError(f"round_money({payload}) was expected to fail for payee '{payee}'")
    raise AssertionError(f"an error value of kind {kind} reached the results")


def _overflow(detail: tuple, payload: str) -> str:
    """The NumericError message the interpreter's operation gives for these operands."""
    op = detail[0]
    try:
        if op == "total":
            top, bottom = (int(p) for p in payload.split(":"))
            numeric.check_range(Decimal(top * 2**64 + bottom).scaleb(-numeric.SCALE, CONTEXT))
        else:
            operands = [_number(p) for p in payload.split(",")]
            if op == "quotient":
                count = detail[1]
                numeric.quotient(operands[:count], operands[count:])
            elif op == "round":
                round_money(operands[0], operands[1], "half_up")
            else:
                {"add": numeric.add, "sub": numeric.sub, "mul": numeric.mul}[op](*operands)
    except NumericError as exc:
        return str(exc)
    raise AssertionError(f"{op}({payload}) was expected to overflow")
