"""The passes over a checked plan's IR, run in order before evaluation.

Each pass is a plain function `Plan -> Plan` that returns an equivalent plan
(the same payouts for every input) better suited to evaluation; PASSES lists
them in the order `run_passes` applies them.

>>> import dsl
>>> checked = dsl.load('plan "p" { currency CNY }\\npayout "a" = 100万 / 300万 * 3万').model.plan
>>> type(checked.payouts[0].expr).__name__, type(run_passes(checked).payouts[0].expr).__name__
('Arith', 'Quotient')
"""
from __future__ import annotations

from typing import Optional

from dsl.ir.nodes import Plan
from dsl.ir.passes.division_last import division_last

PASSES = (division_last,)


def run_passes(plan: Optional[Plan]) -> Optional[Plan]:
    """`plan` after every pass of PASSES (None, a plan that failed to check, stays None)."""
    if plan is None:
        return None
    for apply in PASSES:
        plan = apply(plan)
    return plan
