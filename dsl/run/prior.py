"""A prior run's results as the start of a run: its periods, lines and balances.

`plan run --periods 2026-07 --prior june.json` continues where an earlier run
(`plan run --format json`, or a `RunResult`) stopped: each payee opens July with
the balances the prior run closed with (every vintage keeps the period and line
it came from, so `release after N periods` still counts from the period that
held it), and history reads of lines (`previous(line("提成"), 0元)`,
`streak(line("提成") > 0元)`) see the prior periods' line values. A prior run
holds lines and balances, not the plan's definitions: a history read of
anything else in a prior period is an error that says so. The run must start
after the prior run's last period, and a payee the prior run paid is paid in
this run too, with or without rows (what it carries must still be released,
recovered or carried on).
"""
from __future__ import annotations

import json
import os
from decimal import Decimal, InvalidOperation
from typing import Optional

import attrs

from dsl import ir
from dsl.core.diagnostics import DATA_FORMAT, Diagnostic, diagnostic
from dsl.core.periods import PeriodError, parse_period, periods_from
from dsl.core.types import Period
from dsl.run.errors import EvalError
from dsl.run.ledger import LedgerState, Vintage
from dsl.run.results import EARNED_KINDS, Balance, Line, LineKind, PayeeResult, RunResult


@attrs.frozen
class Prior:
    """The periods of a prior run, in order, and each payee's results in them."""

    periods: tuple[Period, ...]
    payees: ir.FrozenDict = attrs.field(converter=ir.frozen)  # payee -> its PayeeResults, in period order

    @classmethod
    def of(cls, result: RunResult) -> "Prior":
        periods = tuple(sorted({p.period for p in result.payees}))
        payees: dict[str, list] = {}
        for payee in result.payees:
            payees.setdefault(payee.payee, []).append(payee)
        return cls(periods, {name: tuple(sorted(results, key=lambda r: r.period)) for name, results in payees.items()})

    def state(self, payee: str) -> LedgerState:
        """The balances `payee` closed the prior run with (each vintage placed in the run's timeline)."""
        results = self.payees.get(payee, ())
        if not results:
            return LedgerState()
        accounts = {}
        for balance in results[-1].balances:
            accounts[balance.account] = tuple(attrs.evolve(v, index=self.position(v.period)) for v in balance.vintages if v.amount)
        return LedgerState({a: v for a, v in accounts.items() if v})

    def position(self, period: Period) -> int:
        """Where `period` stands in the timeline that starts with the prior periods (before them: negative)."""
        if period in self.periods:
            return self.periods.index(period)
        first = self.periods[0] if self.periods else period
        if period.unit is not None and period.unit == first.unit and period < first:
            return 1 - len(periods_from(period, first))
        return 0


class PriorEvaluator:
    """A prior period of one payee, as history reads see it: its lines, and nothing else."""

    def __init__(self, period: Period, result: Optional[PayeeResult]):
        self.period = period
        self.result = result

    def eval(self, expr, row=None):
        if isinstance(expr, ir.LineRef):
            lines = self.result.lines if self.result is not None else ()
            return sum((l.value for l in lines if l.label == expr.label and l.kind in EARNED_KINDS), Decimal(0)), None
        if isinstance(expr, ir.Const):
            return expr.value, None
        raise EvalError(f"'{expr.text}' in {self.period} is not in the prior results (they hold lines and balances): "
                        "read a line there, or run from the first period", getattr(expr, "span", None))


def read_prior(path: str | os.PathLike) -> tuple[Optional[Prior], list[Diagnostic]]:
    """A prior run's results from the JSON `plan run --format json` wrote."""
    shown = os.fspath(path)
    try:
        with open(path, encoding="utf-8-sig") as handle:
            document = json.load(handle, parse_float=Decimal, parse_int=Decimal)
        results = []
        for entry in document["payees"]:
            period = parse_period(entry["period"])
            lines = tuple(Line(l["line"], LineKind(l["kind"]), Decimal(l["value"])) for l in entry["lines"])
            balances = tuple(
                Balance(b["account"], b["kind"], Decimal(b["opening"]), Decimal(b["closing"]),
                        tuple(Vintage(-1, parse_period(v["period"]), Decimal(v["amount"]), v["line"]) for v in b["from"]))
                for b in entry.get("balances", ()))
            results.append(PayeeResult(entry["payee"], lines, (), Decimal(entry["total"]), period, (), balances))
    except OSError as exc:
        return None, [diagnostic(DATA_FORMAT, f"cannot read the prior results {shown}: {exc.strerror or exc}")]
    except (ValueError, KeyError, TypeError, InvalidOperation, PeriodError, AttributeError) as exc:
        what = f"no '{exc.args[0]}'" if isinstance(exc, KeyError) else str(exc) or type(exc).__name__
        return None, [diagnostic(DATA_FORMAT, f"{shown} is not the JSON results of a run (plan run --format json): {what}")]
    return Prior.of(RunResult(None, tuple(results))), []
