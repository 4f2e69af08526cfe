"""Rendering a run's results: every payee's lines as CSV, JSON or an Excel workbook.

`result_rows` is the one flat view of a run (one row per payee × period × line
or flag, values as exact decimal text, the period on every row); CSV is that
view, JSON nests it per payee and period with what is paid, and the workbook
has a sheet of lines and a sheet of totals, its amounts written exactly (see
xlsx.py). With a ledger, the view also has, after a payee's lines and flags,
its postings that move no pay (`forfeited`, `clawed_back`) and each open
account's closing balance (kind `balance`); with pools, a team's pool, funds and
the part that goes back (kinds `pool`, `fund`, `unallocated`): rows that are not
pay, so the pay rows still add up to what is paid. Nothing here computes: values are printed as
the evaluator produced them, flags as `true`/`false` as in JSON. CSV can also have, with
`totals`, a row of kind `total` (the payee's total for the period, as computed) after each
payee's rows, and with `bom` a UTF-8 byte order mark, so that Excel reads Chinese text as UTF-8.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Iterator

from dsl import ir
from dsl.run.results import PostingKind, RunResult
from dsl.run.trace import json_value

FORMATS = ("csv", "json", "xlsx")
COLUMNS = ["payee", "period", "line", "kind", "value"]
_NOT_PAY = (PostingKind.FORFEITED, PostingKind.CLAWED_BACK)


def _flat(result: RunResult, totals: bool = False) -> Iterator[tuple]:
    """(payee, period, line or flag label, kind, value as computed) per payee × line, then × flag,
    then the ledger's postings that move no pay and its closing balances (then, with `totals`, the total)."""
    for payee in result.payees:
        period = str(payee.period)
        for line in payee.lines:
            yield payee.payee, period, line.label, line.kind, line.value
        for flag in payee.flags:
            yield payee.payee, period, flag.label, "flag", flag.value
        for accrual in payee.accruals:  # a team's pools and funds: not pay
            yield payee.payee, period, accrual.label, accrual.kind, accrual.value
        for posting in payee.postings:
            if posting.kind in _NOT_PAY:
                yield payee.payee, period, posting.account, posting.kind, posting.amount
        for balance in payee.balances:
            yield payee.payee, period, balance.account, "balance", balance.closing
        if totals:
            yield payee.payee, period, "total", "total", payee.total


def result_rows(result: RunResult, totals: bool = False) -> Iterator[dict]:
    """One dict per payee × line, then per payee × flag (values as JSON values).

    >>> from decimal import Decimal
    >>> from dsl.run.results import FlagValue, Line, PayeeResult
    >>> payee = PayeeResult("甲", (Line("提成", "payout", Decimal("10.50")),), (FlagValue("预警", True),), Decimal("10.50"))
    >>> list(result_rows(RunResult(None, (payee,))))
    [{'payee': '甲', 'period': 'run', 'line': '提成', 'kind': 'payout', 'value': '10.50'}, {'payee': '甲', 'period': 'run', 'line': '预警', 'kind': 'flag', 'value': 'true'}]
    """
    for payee, period, label, kind, value in _flat(result, totals):
        value = json_value(value)
        if isinstance(value, bool):  # as in the JSON output, not Python's True/False
            value = "true" if value else "false"
        yield {"payee": payee, "period": period, "line": label, "kind": kind, "value": value}


def results_csv(result: RunResult, totals: bool = False, bom: bool = False) -> str:
    """The rows of `result_rows` as CSV text with a header line (after a byte order mark with `bom`)."""
    buffer = io.StringIO()
    if bom:
        buffer.write("\ufeff")
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(result_rows(result, totals))
    return buffer.getvalue()


def _payee_json(plan: ir.Plan, p) -> dict:
    entry = {
        "payee": p.payee,
        "period": str(p.period),
        "total": json_value(p.total),
        "lines": [{"line": l.label, "kind": l.kind, "value": json_value(l.value)} for l in p.lines],
        "flags": [{"flag": f.label, "value": json_value(f.value)} for f in p.flags],
    }
    if p.accruals:  # a team's pools, funds and the part that goes back: reported, not paid
        entry["pools"] = [{"line": l.label, "kind": l.kind, "value": json_value(l.value)} for l in p.accruals]
    if plan.has_ledger or p.postings or p.balances:
        entry["earned"] = json_value(p.earned)
        entry["postings"] = [{"account": x.account, "kind": x.kind, "amount": json_value(x.amount), "balance": json_value(x.balance),
                              "from": [{"period": str(v.period), "line": v.label, "amount": json_value(v.amount)} for v in x.sources]}
                             for x in p.postings]
        entry["balances"] = [{"account": b.account, "kind": b.kind, "opening": json_value(b.opening), "closing": json_value(b.closing),
                              "from": [{"period": str(v.period), "line": v.label, "amount": json_value(v.amount)} for v in b.vintages]}
                             for b in p.balances]
    return entry


def results_json(plan: ir.Plan, result: RunResult) -> str:
    """The plan's name, period and currency, the run's periods, and per payee and period what is paid
    (`total`), its lines and flags, and with a ledger what it earned, its postings and balances, as JSON text."""
    periods = list(dict.fromkeys(str(p.period) for p in result.payees))
    document = {
        "plan": plan.name,
        "period": str(plan.period),
        "periods": periods,
        "currency": plan.currency,
        "payees": [_payee_json(plan, p) for p in result.payees],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def results_workbook(result: RunResult) -> dict[str, list[list]]:
    """The sheets of the workbook: `lines` (payee, period, line, kind, value) and `totals` (payee, period, total)."""
    lines = [list(COLUMNS)] + [list(row) for row in _flat(result)]  # amounts stay Decimal: the workbook writes them exactly
    totals = [["payee", "period", "total"]] + [[p.payee, str(p.period), p.total] for p in result.payees]
    return {"lines": lines, "totals": totals}


def render_results(plan: ir.Plan, result: RunResult, format: str = "csv", totals: bool = False, bom: bool = False) -> str:
    """Results as CSV or JSON text (a workbook is binary: use `write_results`); `totals` and `bom` are CSV's."""
    if format == "csv":
        return results_csv(result, totals, bom)
    if format == "json":
        return results_json(plan, result)
    raise ValueError(f"results render as {' or '.join(FORMATS[:2])} text; {format!r} is written with write_results")


def write_results(plan: ir.Plan, result: RunResult, path: str | Path, format: str = "csv", totals: bool = False, bom: bool = False) -> None:
    """Write results to a file: CSV or JSON as UTF-8 text, xlsx as a workbook."""
    if format == "xlsx":
        from dsl.render.xlsx import write_workbook

        write_workbook(path, results_workbook(result))
        return
    Path(path).write_text(render_results(plan, result, format, totals, bom), encoding="utf-8")
