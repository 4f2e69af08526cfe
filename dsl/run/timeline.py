"""The periods of a run, and which rows belong to each.

`run_periods` settles what a run covers: the periods asked for (`--period
2026-07`, `--periods 2026-01..2026-12`), else the stages the plan's header
lists, else every period of the plan's length from the first to the last that
the data's period columns name, else the plan's one period. A period of another
length than the plan's, or one outside the plan's effective dates, is an R003.

`place_rows` then gives every table its rows per period: a table declared `by`
a column puts each row in the run period that contains that column's date or
period — a row in none of them is a D007 naming the file, row and column, never
a dropped row — and a table without one belongs whole to every period (a
roster, a rate table, a snapshot of receivables). A per-period record
(`record by month`) has at most one row per payee and period.
"""
from __future__ import annotations

import bisect
import copy
import datetime
from typing import Optional, Sequence

from dsl import ir
from dsl.core.diagnostics import DATA_DUPLICATE, DATA_PERIOD, RUN_PERIOD, Diagnostic, diagnostic
from dsl.core.periods import contains, period_of, periods_from
from dsl.core.source import Span
from dsl.core.spreadsheet import column_number
from dsl.core.types import MISSING, InputKind, Period
from dsl.data.dataset import Dataset, Table


def _as_day(value) -> Optional[datetime.date]:
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, Period) and value.start is not None:
        return value.start
    return None


def run_periods(plan: ir.Plan, dataset: Dataset, requested: Optional[Sequence[Period]] = None) -> tuple[tuple[Period, ...], list[Diagnostic]]:
    """The periods a run covers, in order, and why not (R003) when they cannot be run."""
    unit = plan.period.unit
    diags: list[Diagnostic] = []
    if requested:
        periods = tuple(requested)
        for period in periods:
            if plan.stages and period not in plan.stages:
                listed = ", ".join(str(s) for s in plan.stages)
                diags.append(diagnostic(RUN_PERIOD, f"{period} is not one of the plan's periods ({listed})"))
            elif not plan.stages and unit is not None and period.unit != unit:
                diags.append(diagnostic(RUN_PERIOD, f"the plan is paid by {unit.value}, but {period} is a {period.unit.value if period.unit else 'date range'}",
                                        hint=f"give periods of one {unit.value}, e.g. {period_of(unit, period.start)}"))
            elif not plan.stages and unit is None:
                diags.append(diagnostic(RUN_PERIOD, f"the plan names no period in its header, so it cannot be run for {period}",
                                        hint="add e.g. period month to the plan header"))
        if len(set(periods)) != len(periods) or list(periods) != sorted(periods):
            diags.append(diagnostic(RUN_PERIOD, "the periods of a run are listed once each, in order"))
    elif plan.stages:
        periods = plan.stages
    else:
        days = [day for schema in plan.inputs if schema.period_field is not None and schema.name in dataset.tables
                for day in map(_as_day, dataset.tables[schema.name].columns[schema.period_field]) if day is not None]
        if days and unit is not None:
            periods = tuple(periods_from(period_of(unit, min(days)), period_of(unit, max(days))))
        elif any(schema.period_field is not None for schema in plan.inputs):
            periods = ()
            diags.append(diagnostic(RUN_PERIOD, "the data hold no rows to place in periods, so the run has no period: give one with --period"))
        else:
            periods = (plan.period,)
    if plan.effective is not None and not diags:
        start, end = plan.effective
        for period in periods:
            if period.start is not None and not (start <= period.start and period.end <= end):
                diags.append(diagnostic(RUN_PERIOD, f"the plan is in force from {start} to {end}; {period} is outside it",
                                        hint=f"run it for a period within {start}..{end}"))
    return periods, diags


def place_rows(plan: ir.Plan, dataset: Dataset, periods: Sequence[Period]) -> tuple[Dataset, list[Diagnostic]]:
    """`dataset` with every table's rows assigned to the run's periods (a new dataset; the old one is unchanged)."""
    diags: list[Diagnostic] = []
    tables = {}
    schemas = {schema.name: schema for schema in plan.inputs}
    starts = [p.start for p in periods] if all(p.start is not None for p in periods) else None
    for name, table in dataset.tables.items():
        placed = copy.copy(table)
        schema = schemas.get(name)
        field = schema.period_field if schema is not None else None
        everything = range(len(table))
        if field is None or starts is None:
            placed.period_rows = {period: everything for period in periods}
        else:
            placed.period_rows, problems = _placed(table, schema, field, periods, starts)
            diags += problems
        tables[name] = placed
    return Dataset(tables, list(dataset.payees), tuple(periods)), diags


def _placed(table: Table, schema, field: str, periods: Sequence[Period], starts: list) -> tuple[dict, list[Diagnostic]]:
    groups: list[list[int]] = [[] for _ in periods]
    diags: list[Diagnostic] = []
    column = table.columns[field]
    label = table.labels.get(field, field)
    seen: dict[tuple, int] = {}
    for index, value in enumerate(column):
        day = _as_day(value)
        at = bisect.bisect_right(starts, day) - 1 if day is not None else -1
        inside = at >= 0 and contains(periods[at], value if isinstance(value, datetime.date) else value)
        if not inside:
            shown = value.isoformat() if isinstance(value, datetime.date) else str(value) if value is not MISSING else "(no value)"
            run = ", ".join(str(p) for p in periods) if len(periods) <= 4 or periods[0].unit is None else f"{periods[0]} to {periods[-1]}"
            if len(diags) < 50:
                diags.append(diagnostic(DATA_PERIOD, f"{table.file} row {table.row_numbers[index]}, column '{field}': {shown} is not in the run's periods ({run})",
                                        _cell(table, index, label), hint="run the periods the data cover (leave out --period), or remove the row"))
            continue
        groups[at].append(index)
        if schema.kind != InputKind.TABLE:
            key = (table.columns[schema.payee_field][index] if schema.payee_field else None, at)
            if key in seen:
                who = f"payee '{key[0]}'" if key[0] is not None else "the plan"
                diags.append(diagnostic(DATA_DUPLICATE, f"{who} has two rows in {table.file} for {periods[at]}: rows {table.row_numbers[seen[key]]} and {table.row_numbers[index]}",
                                        _cell(table, index, label)))
            seen.setdefault(key, index)
    return {period: tuple(rows) for period, rows in zip(periods, groups)}, diags


def _cell(table: Table, index: int, label: str) -> Span:
    column = int(label) if label.isdigit() else column_number(label) if label.isascii() and label.isalpha() and label.isupper() else 1
    line = table.row_numbers[index]
    return Span(table.file, line, column, line, column)
