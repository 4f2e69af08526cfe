"""Comparing two runs: what a plan change (or a what-if value) does to every payee's pay.

`diff_runs(old, new)` pairs the two runs' results by payee and period and keeps,
for each pair, the old and new totals and their difference, and the lines and
flags whose values changed. Nothing is recomputed: the values are the runs' own,
and every difference is exact decimal subtraction (dsl/core/numeric.py), so the
cost change of a plan edit is the sum of the payees' deltas to the last digit.

A payee in only one run is `new` (only in the new run: its delta is its whole new
total) or `removed` (only in the old: its delta is minus its old total); both
count in the total cost change, since they change what is paid. The order is the
new run's (payees as it ran them, periods in order), then the removed payees in
the old run's order; lines in plan order (the new plan's, then lines the new plan
no longer has).
"""
from __future__ import annotations

import enum
from decimal import Decimal
from typing import Optional

import attrs

from dsl.core import numeric
from dsl.run.results import PayeeResult, RunResult


class Change(enum.StrEnum):
    """How a payee (in one period) fares from the old run to the new."""

    GAIN = "gain"
    LOSE = "lose"
    UNCHANGED = "unchanged"
    NEW = "new"  # only in the new run
    REMOVED = "removed"  # only in the old run


@attrs.frozen
class LineDelta:
    """A line whose value changed; `old` or `new` is None when only one run has the line."""

    label: str
    kind: str
    old: Optional[Decimal]
    new: Optional[Decimal]
    delta: Decimal


@attrs.frozen
class FlagDelta:
    """A flag whose value changed (flags are not money: no delta)."""

    label: str
    old: object
    new: object


@attrs.frozen
class PayeeDelta:
    """One payee in one period: old and new totals (None when absent from that run) and what changed."""

    payee: str
    period: str
    change: Change
    old: Optional[Decimal]
    new: Optional[Decimal]
    delta: Decimal
    lines: tuple[LineDelta, ...]
    flags: tuple[FlagDelta, ...]


@attrs.frozen
class PlanDiff:
    """Two runs compared: per payee and period, and in total."""

    old_plan: str
    new_plan: str
    currency: str
    periods: tuple[str, ...]  # every period either run covers, in order of appearance
    payees: tuple[PayeeDelta, ...]
    old_total: Decimal
    new_total: Decimal
    delta: Decimal  # the total cost change: the sum of every payee's delta

    def count(self, change: Change) -> int:
        """How many payees fare this way. A payee run over several periods counts once:
        new or removed when it is in only one run, else by the sum of its deltas."""
        return sum(1 for fared in self.by_payee().values() if fared == change)

    def by_payee(self) -> dict[str, Change]:
        """Each payee (in order) → how it fares over the whole run."""
        entries: dict[str, list[PayeeDelta]] = {}
        for entry in self.payees:
            entries.setdefault(entry.payee, []).append(entry)
        fared = {}
        for payee, rows in entries.items():
            if all(r.change == Change.NEW for r in rows):
                fared[payee] = Change.NEW
            elif all(r.change == Change.REMOVED for r in rows):
                fared[payee] = Change.REMOVED
            else:
                fared[payee] = _direction(numeric.total(r.delta for r in rows))
        return fared


def _direction(delta: Decimal) -> Change:
    return Change.GAIN if delta > 0 else Change.LOSE if delta < 0 else Change.UNCHANGED


def _value_or_zero(value: Optional[Decimal]) -> Decimal:
    return Decimal(0) if value is None else value


def _lines(old: Optional[PayeeResult], new: Optional[PayeeResult]) -> tuple[LineDelta, ...]:
    def values(result: Optional[PayeeResult]) -> dict[tuple[str, str], Decimal]:
        found: dict[tuple[str, str], Decimal] = {}
        for line in result.lines if result is not None else ():
            key = (line.label, str(line.kind))
            found[key] = numeric.add(found[key], line.value) if key in found else line.value
        return found

    before, after = values(old), values(new)
    changed = []
    for key in list(after) + [k for k in before if k not in after]:
        a, b = before.get(key), after.get(key)
        if a is None or b is None or a != b:
            changed.append(LineDelta(key[0], key[1], a, b, numeric.sub(_value_or_zero(b), _value_or_zero(a))))
    return tuple(changed)


def _flags(old: Optional[PayeeResult], new: Optional[PayeeResult]) -> tuple[FlagDelta, ...]:
    before = {f.label: f.value for f in old.flags} if old is not None else {}
    after = {f.label: f.value for f in new.flags} if new is not None else {}
    labels = list(after) + [label for label in before if label not in after]
    return tuple(FlagDelta(label, before.get(label), after.get(label)) for label in labels if before.get(label) != after.get(label))


def _pair(old: Optional[PayeeResult], new: Optional[PayeeResult]) -> PayeeDelta:
    either = new if new is not None else old
    delta = numeric.sub(_value_or_zero(new.total if new else None), _value_or_zero(old.total if old else None))
    change = Change.NEW if old is None else Change.REMOVED if new is None else _direction(delta)
    return PayeeDelta(either.payee, str(either.period), change, old.total if old else None, new.total if new else None,
                      delta, _lines(old, new), _flags(old, new))


def _plan_name(result: RunResult) -> str:
    return result.plan.name if result.plan is not None else ""


def diff_runs(old_result: RunResult, new_result: RunResult) -> PlanDiff:
    """Compare two runs payee by payee and period by period.

    >>> from dsl.run.results import Line
    >>> def run(**totals):
    ...     return RunResult(None, tuple(PayeeResult(p, (Line("提成", "payout", Decimal(t)),), (), Decimal(t)) for p, t in totals.items()))
    >>> d = diff_runs(run(甲="100.00", 乙="50.00"), run(甲="120.50", 丙="10.00"))
    >>> [(p.payee, p.change.value, str(p.delta)) for p in d.payees], str(d.delta)
    ([('甲', 'gain', '20.50'), ('丙', 'new', '10.00'), ('乙', 'removed', '-50.00')], '-19.50')
    """
    old_by_key = {(p.payee, p.period): p for p in old_result.payees}
    new_keys = {(p.payee, p.period) for p in new_result.payees}
    pairs = [_pair(old_by_key.get((p.payee, p.period)), p) for p in new_result.payees]
    pairs += [_pair(p, None) for p in old_result.payees if (p.payee, p.period) not in new_keys]
    old_total = numeric.total(p.total for p in old_result.payees)
    new_total = numeric.total(p.total for p in new_result.payees)
    periods = tuple(dict.fromkeys(str(p.period) for p in list(new_result.payees) + list(old_result.payees)))
    currency = new_result.plan.currency if new_result.plan is not None else ""
    return PlanDiff(_plan_name(old_result), _plan_name(new_result), currency, periods, tuple(pairs), old_total, new_total,
                    numeric.total(p.delta for p in pairs))
