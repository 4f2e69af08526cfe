"""Rendering a run's results: every payee's lines as CSV, JSON or an Excel workbook.

`result_rows` is the one flat view of a run (one row per payee × line or flag,
values as exact decimal text); CSV is that view, JSON nests it per payee with the
payee's total, and the workbook has a sheet of lines and a sheet of totals, its
amounts written exactly (see xlsx.py). Nothing here computes: values are printed
as the evaluator produced them, flags as `true`/`false` as in JSON.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Iterator

from dsl import ir
from dsl.run.results import RunResult
from dsl.run.trace import json_value

FORMATS = ("csv", "json", "xlsx")
COLUMNS = ["payee", "line", "kind", "value"]


def _flat(result: RunResult) -> Iterator[tuple]:
    """(payee, line or flag label, kind, value as computed) per payee × line, then × flag."""
    for payee in result.payees:
        for line in payee.lines:
            yield payee.payee, line.label, line.kind, line.value
        for flag in payee.flags:
            yield payee.payee, flag.label, "flag", flag.value


def result_rows(result: RunResult) -> Iterator[dict]:
    """One dict per payee × line, then per payee × flag (values as JSON values).

    >>> from decimal import Decimal
    >>> from dsl.run.results import FlagValue, Line, PayeeResult
    >>> payee = PayeeResult("甲", (Line("提成", "payout", Decimal("10.50")),), (FlagValue("预警", True),), Decimal("10.50"))
    >>> list(result_rows(RunResult(None, (payee,))))
    [{'payee': '甲', 'line': '提成', 'kind': 'payout', 'value': '10.50'}, {'payee': '甲', 'line': '预警', 'kind': 'flag', 'value': 'true'}]
    """
    for payee, label, kind, value in _flat(result):
        value = json_value(value)
        if isinstance(value, bool):  # as in the JSON output, not Python's True/False
            value = "true" if value else "false"
        yield {"payee": payee, "line": label, "kind": kind, "value": value}


def results_csv(result: RunResult) -> str:
    """The rows of `result_rows` as CSV text with a header line."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(result_rows(result))
    return buffer.getvalue()


def results_json(plan: ir.Plan, result: RunResult) -> str:
    """The plan's name, period and currency, and per payee its total, lines and flags, as JSON text."""
    document = {
        "plan": plan.name,
        "period": str(plan.period),
        "currency": plan.currency,
        "payees": [
            {
                "payee": p.payee,
                "total": json_value(p.total),
                "lines": [{"line": l.label, "kind": l.kind, "value": json_value(l.value)} for l in p.lines],
                "flags": [{"flag": f.label, "value": json_value(f.value)} for f in p.flags],
            }
            for p in result.payees
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def results_workbook(result: RunResult) -> dict[str, list[list]]:
    """The sheets of the workbook: `lines` (payee, line, kind, value) and `totals` (payee, total)."""
    lines = [list(COLUMNS)] + [list(row) for row in _flat(result)]  # amounts stay Decimal: the workbook writes them exactly
    totals = [["payee", "total"]] + [[p.payee, p.total] for p in result.payees]
    return {"lines": lines, "totals": totals}


def render_results(plan: ir.Plan, result: RunResult, format: str = "csv") -> str:
    """Results as CSV or JSON text (a workbook is binary: use `write_results`)."""
    if format == "csv":
        return results_csv(result)
    if format == "json":
        return results_json(plan, result)
    raise ValueError(f"results render as {' or '.join(FORMATS[:2])} text; {format!r} is written with write_results")


def write_results(plan: ir.Plan, result: RunResult, path: str | Path, format: str = "csv") -> None:
    """Write results to a file: CSV or JSON as UTF-8 text, xlsx as a workbook."""
    if format == "xlsx":
        from dsl.render.xlsx import write_workbook

        write_workbook(path, results_workbook(result))
        return
    Path(path).write_text(render_results(plan, result, format), encoding="utf-8")
