"""Pools and rankings: what a team pays its members after its values are computed.

A pool is an amount of each team (a payee with members, in a period), funded by an expression of the
team (`销售额 * 1%`), rounded like a line, and never paid to the team: it is split into parts — the
manager's, a fund's, a group of members' equally or pro rata to a measure — and what no one qualifies
for goes where the plan says (a fund, or back). The split is exact: `allocate` is the one
largest-remainder allocation, so the shares add up to the pool to the cent, each share moves at most
one unit from its exact value, and ties between equal remainders follow the pool's stated order.

A ranking orders a team's members by a measure, highest first; a tie shares the best rank, or is
broken by a second measure and then by payee id; the ranks up to `top` are awarded their band's value.

Both run after every member and the manager are computed (interpreter.py), reading the evaluators of
the period: a member's where, qualify and measure as that member, the pool's amount as the manager. A
share or award is a line of its member (kind `share` or `award`, paid); the pool, its funds and the part
that goes back are rows of the manager that are not pay (kinds `pool`, `fund`, `unallocated`).
"""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Optional, Sequence

import attrs

from dsl import ir
from dsl.core.display import show_value
from dsl.core.numeric import quotient, round_money
from dsl.run.errors import EvalError
from dsl.run.results import FlagValue, Line, LineKind
from dsl.run.trace import Trace, TraceKind as K

ZERO = Decimal(0)


@attrs.frozen
class Allocated:
    """One part of an allocation: what it is paid, its exact value, and whether the remainder step added a unit."""

    amount: Decimal
    exact: Fraction
    bumped: bool


def allocate(total: Decimal, weights: Sequence[Fraction], unit: Decimal, order: Sequence) -> list[Allocated]:
    """Split `total`, a whole number of `unit`s, in proportion to `weights` (exact, adding up to 1) into
    multiples of `unit` that add up to `total` exactly: each part gets its exact value rounded toward
    zero to the unit, and the units left over go one each to the parts with the largest remainders;
    equal remainders go first to the part whose `order` key is lower.

    >>> [a.amount for a in allocate(Decimal("100.00"), [Fraction(1, 3)] * 3, Decimal("0.01"), ["甲", "丙", "乙"])]   # 丙 (U+4E19) first
    [Decimal('33.33'), Decimal('33.34'), Decimal('33.33')]
    >>> [a.amount for a in allocate(Decimal("-0.05"), [Fraction(1, 2)] * 2, Decimal("0.01"), [1, 0])]   # a negative pool, mirrored
    [Decimal('-0.02'), Decimal('-0.03')]
    """
    sign, whole = allocation_units(total, weights, unit)
    exact = [whole * w for w in weights]
    floors = [e.numerator // e.denominator for e in exact]
    left = whole - sum(floors)
    ranked = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), order[i]))
    bumped = set(ranked[:left])
    unit_fraction = Fraction(unit)
    return [Allocated(Decimal(sign * (floors[i] + (1 if i in bumped else 0))) * unit, sign * exact[i] * unit_fraction, i in bumped)
            for i in range(len(weights))]


def allocation_units(total: Decimal, weights: Sequence[Fraction], unit: Decimal) -> tuple[int, int]:
    """What an allocation splits: the sign of `total` and its size in `unit`s; a ValueError when the
    weights do not add up to 1 or `total` is not a whole number of `unit`s."""
    if sum(weights, Fraction(0)) != 1:
        raise ValueError("the weights of an allocation add up to 1")
    units = Fraction(total) / Fraction(unit)
    if units.denominator != 1:
        raise ValueError(f"{total} is not a whole number of {unit}")
    return (-1 if units < 0 else 1), abs(units.numerator)


def rank_places(keys: Sequence[tuple], shared: bool) -> list[tuple[int, int]]:
    """The order and places of a ranking of `keys` (payee, measure, tie-breaker): (index, place) pairs,
    best first — highest measure, then highest tie-breaker, then lowest payee id; with `shared`, a place is
    1 + the number of keys whose measure is higher (a tie shares the best rank), else the position.

    >>> rank_places([("甲", 5, 0), ("乙", 7, 0), ("丙", 5, 1)], True)
    [(1, 1), (2, 2), (0, 2)]
    """
    ordered = sorted(range(len(keys)), key=lambda i: (-keys[i][1], -keys[i][2], keys[i][0]))
    return [(i, 1 + sum(1 for other in keys if other[1] > keys[i][1]) if shared else position + 1) for position, i in enumerate(ordered)]


@attrs.define
class TeamOutcome:
    """What a team's pools and rankings add to one payee's period: lines it is paid, flags, rows that are not pay."""

    lines: list = attrs.field(factory=list)
    flags: list = attrs.field(factory=list)
    accruals: list = attrs.field(factory=list)


@attrs.frozen
class _Cell:
    payee: Optional[str]  # None: a fund, or back
    label: str  # the line (a payee's), or the fund's name ("" for back)
    weight: Fraction
    order: tuple
    rule: str  # how the cell's weight was set, for the explanation
    share: Optional[ir.PoolShare] = None


def split_pool(plan: ir.Plan, pool: ir.Pool, manager, members: Sequence, tracing: bool, outcomes: dict, allocator=allocate) -> None:
    """Split `pool` of `manager`'s team (its members' evaluators `members`) into `outcomes` (payee -> TeamOutcome);
    `allocator` computes `allocate` (an engine may compute it its own way, to the same result)."""
    rounding = plan.rounding
    passed, gate_trace = manager.eval(pool.gate) if pool.gate is not None else (True, None)
    raw, raw_trace = manager.eval(pool.expr) if passed else (ZERO, None)
    amount = round_money(raw, rounding.unit, rounding.mode)
    back = pool.unqualified
    cells: list[_Cell] = []

    def order(evaluator) -> tuple:
        if pool.remainder is None:
            return (0, evaluator.payee)
        value, _ = evaluator.eval(pool.remainder)
        return (0, -value, evaluator.payee)

    def unqualified(weight: Fraction, why: str) -> None:
        if weight:
            cells.append(_Cell(None, back or "", weight, (1, back or ""), why))

    for share in pool.shares:
        percent = Fraction(share.percent)
        if share.kind == "manager":
            cells.append(_Cell(manager.payee, share.label, percent, order(manager), f"{_pct(share.percent)} to the manager", share))
            continue
        if share.kind == "fund":
            cells.append(_Cell(None, share.label, percent, (1, share.label), f"{_pct(share.percent)} to fund", share))
            continue
        group = [m for m in members if share.where is None or m.eval(share.where)[0]]
        weights: list[Fraction] = []
        if share.kind == "equally":
            weights = [Fraction(1, len(group))] * len(group) if group else []
            how = f"{_pct(share.percent)} equally among {len(group)} members"
        else:
            measures = []
            for member in group:
                value, _ = member.eval(share.measure)
                if value < 0:
                    raise EvalError(f"pool \"{pool.label}\": the pro rata measure '{share.measure.text}' of '{member.payee}' is "
                                    f"{show_value(value)}, below 0", share.span)
                measures.append(Fraction(value))
            whole = sum(measures, Fraction(0))
            weights = [m / whole for m in measures] if whole else []
            how = f"{_pct(share.percent)} pro rata to {share.measure.text} (of {show_value(Decimal(whole.numerator) / whole.denominator)})"
        if not weights:
            unqualified(percent, f"{_pct(share.percent)}: nobody in the group")
            for member in group:  # a group whose measures are all 0: its members are shown the 0 they get
                cells.append(_Cell(member.payee, share.label, Fraction(0), order(member), how, share))
            continue
        for member, weight in zip(group, weights):
            if share.qualify is not None and not member.eval(share.qualify)[0]:
                cells.append(_Cell(member.payee, share.label, Fraction(0), order(member), f"{how}; does not qualify ({share.qualify.text})", share))
                unqualified(percent * weight, f"{member.payee}'s share: does not qualify")
            else:
                cells.append(_Cell(member.payee, share.label, percent * weight, order(member), how, share))
    unqualified(1 - sum((Fraction(s.percent) for s in pool.shares), Fraction(0)), "the part beyond the shares")
    if not cells:
        cells.append(_Cell(None, back or "", Fraction(1), (1, back or ""), "nothing to split"))
    try:
        parts = allocator(amount, [c.weight for c in cells], rounding.unit, [c.order for c in cells])
    except ValueError as exc:
        raise EvalError(f"pool \"{pool.label}\": {exc}", pool.span) from None
    money = f"money({plan.currency})"
    tie = f"ties by {pool.remainder.text}, higher first, then by payee id" if pool.remainder is not None else "ties by payee id"
    pool_trace = None
    if tracing:
        children = [c for c in (gate_trace, raw_trace) if c is not None]
        children.append(Trace(K.ROUNDING, f"round {rounding.mode} to {rounding.unit}", amount, money, None, (),
                              {"before": raw, "after": amount, "mode": rounding.mode, "unit": rounding.unit}))
        for cell, part in zip(cells, parts):
            who = f"{cell.payee}: {cell.label}" if cell.payee is not None else cell.label if cell.label else "back"
            see = explain_pointer(plan, cell.payee, cell.label, manager.period) if cell.payee is not None and cell.payee != manager.payee else None
            children.append(Trace(K.LET, who, part.amount, money, None, (), {"name": f"{who} ({cell.rule})", "who": who, "rule": cell.rule, "see": see}))
        pool_trace = Trace(K.PAYOUT, pool.label, amount, money, pool.span, tuple(children))
    mine = outcomes.setdefault(manager.payee, TeamOutcome())
    mine.accruals.append(Line(pool.label, LineKind.POOL, amount, pool_trace))
    funds: dict[tuple, Decimal] = {}
    sources: dict[tuple, list] = {}  # what went into each fund, for its explanation
    for cell, part in zip(cells, parts):
        if cell.payee is None:
            key = (LineKind.FUND, cell.label) if cell.label else (LineKind.UNALLOCATED, pool.label)
            funds[key] = funds.get(key, ZERO) + part.amount
            if tracing:
                sources.setdefault(key, []).append(Trace(K.LET, cell.rule, part.amount, money, None, (), {
                    "name": f"{cell.rule} of pool \"{pool.label}\"", "words": True, "see": explain_pointer(plan, manager.payee, pool.label, manager.period)}))
            continue
        trace = None
        if tracing:
            exact_value = quotient([Decimal(part.exact.numerator)], [Decimal(part.exact.denominator)], bounded=False)
            step = (f"+{rounding.unit} by largest remainder ({tie})" if part.bumped else f"rounded down to {rounding.unit} (largest remainder, {tie})")
            trace = Trace(K.PAYOUT, cell.label, part.amount, money, cell.share.span if cell.share else pool.span, (
                Trace(K.LET, pool.label, amount, money, pool.span, (), {"name": f"pool \"{pool.label}\" of {manager.payee}", "words": True,
                                                                        "see": explain_pointer(plan, manager.payee, pool.label, manager.period)}),
                Trace(K.LET, "rule", exact_value, money, None, (), {"name": f"{cell.rule}, exactly", "words": True}),
                Trace(K.LET, "remainder", part.amount, money, None, (), {"name": f"remainder step: {step}", "words": True}),
            ))
        outcomes.setdefault(cell.payee, TeamOutcome()).lines.append(Line(cell.label, LineKind.SHARE, part.amount, trace))
    for (kind, label), value in funds.items():
        trace = Trace(K.PAYOUT, label, value, money, pool.span, tuple(sources[(kind, label)])) if tracing else None
        mine.accruals.append(Line(label, kind, value, trace))


def rank_team(plan: ir.Plan, rank: ir.Rank, members: Sequence, tracing: bool, outcomes: dict, ranker=rank_places) -> None:
    """Rank `members` (a team's, or every payee's of a period) by `rank`, into `outcomes`: each ranked
    payee's rank (a flag named after the ranking) and, with bands, its award (a line); `ranker` computes
    `rank_places` (an engine may compute it its own way, to the same result)."""
    group = [m for m in members if rank.where is None or m.eval(rank.where)[0]]
    measured = []
    for member in group:
        value, _ = member.eval(rank.measure)
        tie = member.eval(rank.tie)[0] if rank.tie is not None else ZERO
        measured.append((member, value, tie))
    money = f"money({plan.currency})"
    within = "members" if rank.group == "members" else "payees"
    for index, place in ranker([(member.payee, value, tie) for member, value, tie in measured], rank.shared):
        member, value, tie = measured[index]
        band = next((b for b in rank.bands if b.low <= place and (b.high is None or place <= b.high)), None)
        ranked = rank.top is None or place <= rank.top
        step = None
        if tracing:
            rule = "ties share the best rank" if rank.shared else f"ties by {rank.tie.text if rank.tie is not None else 'payee id'}, then payee id"
            why = (f"rank {place} of {len(group)} {within} by {rank.measure.text} = {show_value(value, str(rank.measure.type))} ({rule})"
                   + (f"; beyond the top {rank.top}" if not ranked else f"; band {band.text}" if band is not None else ""))
            step = Trace(K.LET, rank.label, place, "int", rank.span, (), {"name": why, "words": True})
        outcome = outcomes.setdefault(member.payee, TeamOutcome())
        outcome.flags.append(FlagValue(rank.label, place, Trace(K.FLAG, rank.label, place, "int", rank.span, (step,)) if tracing else None))
        if rank.award_label is None:
            continue
        value_won = member.eval(band.value)[0] if ranked and band is not None else ZERO
        award = round_money(value_won, plan.rounding.unit, plan.rounding.mode)
        trace = Trace(K.PAYOUT, rank.award_label, award, money, rank.span, (step,)) if tracing else None
        outcome.lines.append(Line(rank.award_label, LineKind.AWARD, award, trace))


def explain_pointer(plan: ir.Plan, payee: str, label: Optional[str] = None, period=None) -> str:
    """The command that explains `payee`'s value (a member's, or the manager's pool) in `period` (a dated one)."""
    when = f" --period {period}" if period is not None and getattr(period, "start", None) is not None else ""
    line = f' --line "{label}"' if label else ""
    return f"plan explain {plan.file} --payee {payee}{when}{line}"


def _pct(value: Decimal) -> str:
    return show_value(value, "percent")
