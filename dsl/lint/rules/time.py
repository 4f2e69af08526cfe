"""Rules about time: money held forever, clawbacks without a window, dated versions
that leave days uncovered, history reads longer than any run of the plan.

Versions of one tier table or definition that share a day are already a checker
error (E115); what lint adds is the days no version covers. How long a run can
be is known when the plan states its periods (stages) or its validity
(`effective` with a period unit): a history read of more periods than that can
never see them all.
"""
from __future__ import annotations

import datetime

from dsl import ir
from dsl.core.periods import period_of, periods_from
from dsl.ir.walk import plan_exprs, walk
from dsl.lint.registry import ERROR, WARNING, Finding, rule

_ONE_DAY = datetime.timedelta(days=1)


@rule("L022", "hold-without-release", ERROR, "A hold has no release rule, so the money it keeps back is never paid.", needs_plan=True)
def hold_without_release(ctx):
    for hold in ctx.plan.holds:
        if not hold.releases:
            forfeit = " (only forfeited)" if hold.forfeits else ""
            yield Finding(f'hold "{hold.label}" has no release rule: what it keeps back is never paid{forfeit}', hold.span,
                          hint="add one, e.g. release at year end, release after 3 periods, or release when …")


@rule("L023", "clawback-without-window", WARNING, "A clawback recovers reversals of transactions of any age.", needs_plan=True)
def clawback_without_window(ctx):
    for clawback in ctx.plan.clawbacks:
        if clawback.window is None:
            yield Finding(f'clawback "{clawback.label}" has no window: a reversal of a sale of any age is recovered', clawback.span,
                          hint=f"state how far back it reaches, e.g. within 6 months of {clawback.table}.<date of the original sale>")


def _versions(plan: ir.Plan):
    """(name, what, [(start, end, span)] sorted by start) for every dated thing with several versions."""
    for name, versions in plan.tier_versions.items():
        yield name, "tier table", sorted(((s, e, table.span) for (s, e), table in versions), key=lambda v: v[0])
    for name, versions in plan.let_versions.items():
        yield name, "definition", sorted(((s, e, expr.span) for (s, e), expr in versions), key=lambda v: v[0])


@rule("L024", "effective-gap", WARNING, "Dated versions leave days on which no version is in force.", needs_plan=True)
def effective_gap(ctx):
    plan = ctx.plan
    for name, what, versions in _versions(plan):
        for (_, end, span), (start, _, next_span) in zip(versions, versions[1:]):
            if start > end + _ONE_DAY:
                yield Finding(f"no version of {what} '{name}' is in force from {end + _ONE_DAY} to {start - _ONE_DAY}: "
                              "a period starting then cannot be computed", next_span, notes=(("the version before the gap", span),))
        if plan.effective is not None:
            first, last = plan.effective
            if versions[0][0] > first:
                yield Finding(f"the plan is in force from {first}, but {what} '{name}' only from {versions[0][0]}", versions[0][2])
            if versions[-1][1] < last:
                yield Finding(f"the plan is in force until {last}, but {what} '{name}' only until {versions[-1][1]}", versions[-1][2])


def longest_run(plan: ir.Plan):
    """How many periods a run of the plan can have at most, or None when nothing bounds it."""
    if plan.stages:
        return len(plan.stages)
    unit = plan.period.unit
    if plan.effective is None or unit is None:
        return None
    first, last = plan.effective
    return len(periods_from(period_of(unit, first), period_of(unit, last)))


def _reach(node) -> int:
    """How many periods a history read needs to see all it reads (this one included)."""
    if node.fn in (ir.HistoryFn.SUM_LAST, ir.HistoryFn.COUNT_LAST):
        return int(node.arg.value)
    return 2  # previous: this period and the one before


@rule("L025", "history-beyond-run", WARNING, "A history read reaches back further than any run of the plan.", needs_plan=True)
def history_beyond_run(ctx):
    plan = ctx.plan
    most = longest_run(plan)
    if most is None:
        return
    seen = set()
    for root in plan_exprs(plan):
        for node in walk(root):
            key = (node.span.start, node.span.end) if hasattr(node, "span") else None
            if key in seen:
                continue
            if isinstance(node, ir.History) and node.fn in (ir.HistoryFn.SUM_LAST, ir.HistoryFn.COUNT_LAST, ir.HistoryFn.PREVIOUS):
                if _reach(node) > most:
                    seen.add(key)
                    reads = "the period before" if node.fn == ir.HistoryFn.PREVIOUS else f"{_reach(node)} periods"
                    yield Finding(f"'{node.text}' reads {reads}, but a run of this plan has at most {most} period(s): "
                                  f"it never sees what it asks for" + (" and always takes its default" if node.fn == ir.HistoryFn.PREVIOUS else ""),
                                  node.span)
            elif isinstance(node, ir.Cmp) and isinstance(node.left, ir.History) and node.left.fn == ir.HistoryFn.STREAK:
                bound = node.right.value if isinstance(node.right, ir.Const) else None
                needed = None if bound is None else bound + (1 if node.op == ">" else 0) if node.op in (">", ">=") else None
                if needed is not None and needed > most:
                    seen.add(key)
                    yield Finding(f"'{node.text}' needs {needed} consecutive periods, but a run of this plan has at most {most}: "
                                  "it is never true", node.span)
