"""Rules about teams: pools that leave part of themselves unsplit, splits and rankings whose tie order
is not stated, and team aggregates that fail on a payee with no members.

A pool's shares below 100% are not an error — the rest goes where the plan says its unqualified part
goes — but it is rarely meant. The largest-remainder step and a ranking have defaults for ties (payee
id, shared ranks); a plan that states them leaves nothing to guess. `min`, `avg` and `max` over no
members are an evaluation error, and every payee of the plan computes every line: a leaf payee (no
members) fails unless the expression is gated by the team's size.
"""
from __future__ import annotations

from decimal import Decimal

from dsl import ir
from dsl.core.display import show_value
from dsl.ir.walk import walk
from dsl.lint.registry import WARNING, Finding, rule


@rule("L026", "pool-shares-not-100", WARNING, "A pool's shares add up to less than 100%, so part of it is never split.", needs_plan=True)
def pool_shares_not_100(ctx):
    for pool in ctx.plan.pools:
        total = sum((share.percent for share in pool.shares), Decimal(0))
        if total < 1:
            where = f'to fund "{pool.unqualified}"' if pool.unqualified is not None else "back"
            yield Finding(f'the shares of pool "{pool.label}" add up to {show_value(total, "percent")}: the other '
                          f'{show_value(1 - total, "percent")} always goes {where}', pool.span,
                          hint="state that part as a share of its own (e.g. 10% to fund \"部门基金\") so the split reads as 100%")


@rule("L027", "remainder-rule-not-stated", WARNING, "A pool does not state how its cent remainders are allocated.", needs_plan=True)
def remainder_rule_not_stated(ctx):
    for pool in ctx.plan.pools:
        if not pool.remainder_stated:
            yield Finding(f'pool "{pool.label}" does not state its remainder rule: the cents left after rounding go to the largest '
                          "remainders, ties by payee id", pool.span, hint="say so: remainder largest by payee   or   remainder largest by 业绩")


@rule("L028", "rank-tie-not-stated", WARNING, "A ranking does not state how ties are ranked.", needs_plan=True)
def rank_tie_not_stated(ctx):
    for rank in ctx.plan.ranks:
        if not rank.tie_stated:
            yield Finding(f'rank "{rank.label}" does not state its tie rule: equal values share the best rank', rank.span,
                          hint="say so: ties shared   or   ties by <a second measure>")


_EMPTY_FAILS = ("min", "avg", "max")


def _guards_team(expr) -> bool:
    """Does a gate read the team's size (count(members) …)?"""
    return expr is not None and any(isinstance(n, ir.TeamAggregate) and n.fn == "count" for n in walk(expr))


@rule("L029", "team-aggregate-may-be-empty", WARNING, "min, avg or max over members fails for a payee with no members.", needs_plan=True)
def team_aggregate_may_be_empty(ctx):
    plan = ctx.plan
    roots = [(p.expr, p.gate, f'line "{p.label}"') for p in plan.payouts] + [(f.expr, None, f'flag "{f.label}"') for f in plan.flags]
    roots += [(let.expr, None, f"'{let.name}'") for let in plan.lets]
    seen: set = set()
    for expr, gate, what in roots:
        if _guards_team(gate):
            continue
        for node in walk(expr):
            if isinstance(node, ir.TeamAggregate) and node.fn in _EMPTY_FAILS and id(node) not in seen:
                if isinstance(expr, ir.Cond) and _guards_team(expr.condition):
                    continue
                seen.add(id(node))
                yield Finding(f"'{node.text}' in {what} is an evaluation error for every payee with no members in a period "
                              "(every payee computes every line)", node.span,
                              hint=f"guard it: … when count(members) > 0, or if count(members) > 0 then {node.text} else 0")
