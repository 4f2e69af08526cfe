"""payout-cliff: total pay falls as a measure rises.

A rep who sells 999,999.99 under `whole { [0, 100万) -> 5%  [100万, ..) -> 3% }`
earns 49,999.9995; one more cent and the whole amount drops to 3%: 30,000.
Such a cliff invites holding back deals or splitting them, and it is easy to
write without noticing.

Method: every value a banded tier table is applied to (usually a `let` such as
`sales`) is a measure. For each measure the plan is evaluated at probe values:
0, every band bound b (and b ± one unit: 0.01 for money, 0.01% for percents,
1 for counts), midpoints between bounds, and twice the top bound. At each probe
the measure is forced to that value and the payout lines are computed with no
data (an evaluator over empty inputs), by the same line semantics as a run
(dsl/run/lines.py: gate, value, floor, cap, total limits); a line that needs
data is left out, and a probe where a remaining line cannot be computed (no band
contains it) is skipped. Lines are compared before rounding, so the drop is
exact. Where pay at a higher probe is below pay at the one before, the finding
names both values and the drop, at the band the higher value falls in.
"""
from __future__ import annotations

import bisect
from decimal import Decimal
from typing import Optional

from dsl import ir
from dsl.data.dataset import Dataset
from dsl.run.context import payee_context
from dsl.run.interpreter import PayeeEvaluator
from dsl.run.lines import limit_line, payout_lines, total_limits
from dsl.core import numeric
from dsl.core.numeric import NumericError
from dsl.core.types import INT, PERCENT, is_money, is_numeric
from dsl.core.display import format_number
from dsl.lint.registry import WARNING, Finding, rule
from dsl.ir.walk import children as ir_children, plan_exprs, walk as walk_ir

DATA_NODES = (ir.RecordRef, ir.ParamRef, ir.ColumnRef, ir.ComputedRef, ir.Aggregate, ir.LetRef)


class _Probe(PayeeEvaluator):
    """An evaluator over empty inputs in which one expression has a forced value.

    `payers` (table name → function) compute marginal tables by bisection (see
    `_marginal_payer`); any other node, or a payer's overflow, takes the interpreter.
    """

    def __init__(self, plan: ir.Plan, measure, value: Decimal, payers: Optional[dict] = None):
        dataset = Dataset.empty(plan.inputs, "<lint probe>")
        super().__init__(plan, dataset, payee_context(plan.inputs, dataset, "<lint probe>"), False)
        self.measure, self.value, self.payers = measure, value, payers or {}

    def eval(self, node, row=None):
        if node == self.measure:
            return self.value, None
        if type(node) is ir.TierCall and node.tiers in self.payers:
            x, _ = self.eval(node.arg, row)
            try:
                return self.payers[node.tiers](x), None
            except (NumericError, TypeError):
                pass  # the interpreter reports it (or computes it) band by band
        return super().eval(node, row)

    def line(self, payout: ir.Payout) -> Decimal:
        """A line with its floor and cap as a run computes it, but before rounding,
        so a drop is measured exactly."""
        return sum((line.value for line in payout_lines(payout, self.eval, self.plan.currency, rounded=False)), Decimal(0))


def _marginal_payer(table: ir.TierTable):
    """What a marginal table pays on x, found by bisection over the running sums of its
    full bands, or None when its bands are not in order end to end.

    The interpreter sums band by band, so probing a table of n bands at its ~4n probe
    values cost n² steps (17 s of lint at 1,000 bands). Each band's amount here is the
    interpreter's (the same product, rounded the same way) and adding is exact, so
    the value is the same to the last digit.
    """
    bands = table.bands
    if table.mode != ir.TierMode.MARGINAL or not bands or any(b.low is None for b in bands):
        return None
    if any(b.high is None or b.high > after.low for b, after in zip(bands, bands[1:])):
        return None
    lows = [b.low for b in bands]
    full = [Decimal(0)]
    for band in bands[:-1]:
        full.append(numeric.add(full[-1], numeric.mul(numeric.sub(band.high, band.low), band.value)))

    def pay(x: Decimal) -> Decimal:
        reached = bisect.bisect_left(lows, x)  # the bands that start below x
        if reached == 0:
            return Decimal(0)
        band = bands[reached - 1]
        top = x if band.high is None else min(x, band.high)
        return numeric.add(full[reached - 1], numeric.mul(numeric.sub(top, band.low), band.value))

    return pay


def _measures(plan: ir.Plan) -> list[tuple[object, list[ir.TierTable]]]:
    """Values that banded tier tables are applied to, with those tables, in order of use."""
    found: list[tuple[object, list[ir.TierTable]]] = []
    seen_lets: set[str] = set()
    lets = {let.name: let for let in plan.lets}  # plan.let is a scan: n² over a long plan

    def visit(root):  # depth first in the order of use, with its own stack (a chain of lets may be long)
        pending = [root]
        while pending:
            node = pending.pop()
            if isinstance(node, ir.LetRef):
                let = lets.get(node.name)
                if let is not None and node.name not in seen_lets:
                    seen_lets.add(node.name)
                    pending.append(let.expr)
                continue
            if isinstance(node, ir.TierCall):
                table = plan.tiers[node.tiers]
                reads_data = any(isinstance(n, DATA_NODES) for n in walk_ir(node.arg))
                if table.bands and reads_data and (is_money(node.arg.type) or is_numeric(node.arg.type)):
                    for measure, tables in found:
                        if measure == node.arg:
                            if table not in tables:
                                tables.append(table)
                            break
                    else:
                        found.append((node.arg, [table]))
            pending.extend(reversed(list(ir_children(node))))

    for payout in plan.payouts:
        for expr in (payout.expr, payout.gate, payout.cap, payout.floor):
            if expr is not None:
                visit(expr)
    return found


def _step(measure) -> Decimal:
    if measure.type == INT:
        return Decimal(1)
    if measure.type == PERCENT:
        return Decimal("0.0001")
    return Decimal("0.01")


def _probes(plan: ir.Plan, measure, tables: list[ir.TierTable]) -> list[Decimal]:
    bounds = {v for t in tables for b in t.bands for v in (b.low, b.high) if v is not None}
    for root in plan_exprs(plan):  # thresholds the measure is compared with
        for node in walk_ir(root):
            if isinstance(node, ir.Cmp):
                for side, other in ((node.left, node.right), (node.right, node.left)):
                    if side == measure and isinstance(other, ir.Const) and isinstance(other.value, Decimal):
                        bounds.add(other.value)
    step = _step(measure)
    ordered = sorted(bounds | {Decimal(0)})
    points = set(ordered)
    for b in ordered:
        points.update((b - step, b + step))
    for a, b in zip(ordered, ordered[1:]):
        points.add(((a + b) / 2).quantize(step) if measure.type == INT else (a + b) / 2)
    points.add(ordered[-1] * 2 if ordered[-1] > 0 else ordered[-1] + 1000 * step)
    floor = min(Decimal(0), ordered[0])
    return sorted(p for p in points if p >= floor)


def _evaluate(plan: ir.Plan, measure, points: list[Decimal], payers: dict):
    """Per probe: each line's value, or None where it cannot be computed."""
    table: dict[Decimal, list[Optional[Decimal]]] = {}
    for x in points:
        probe = _Probe(plan, measure, x, payers)
        values = []
        for payout in plan.payouts:
            try:
                values.append(probe.line(payout))
            except Exception:  # needs data, or no band contains x: left out below
                values.append(None)
        table[x] = values
    return table


def _total(plan: ir.Plan, measure, x: Decimal, lines: list[Decimal], payers: dict) -> Decimal:
    total = sum(lines, Decimal(0))
    probe = _Probe(plan, measure, x, payers)
    for kind, expr, words in total_limits(plan):
        try:
            adjustment = limit_line(kind, expr, total, None, "total", words, probe.eval, plan.currency)
        except Exception:  # a limit read from the data: not applied
            continue
        if adjustment is not None:
            total += adjustment.value
    return total


def _where(plan, tables, values, a: Decimal, b: Decimal):
    for table in tables:
        for band in table.bands:
            edges = [v for v in (band.low, band.high) if v is not None and a < v <= b]
            if edges and band.contains(b):
                return band.span, table
    falls = [(values[a][i] - values[b][i], payout) for i, payout in enumerate(plan.payouts) if values[a][i] is not None and values[b][i] is not None]
    worst = max(falls, key=lambda f: f[0])[1] if falls else plan.payouts[0]
    return worst.span, None


@rule("L018", "payout-cliff", WARNING, "Total pay falls as a measure rises: crossing a band bound pays less.", needs_plan=True)
def payout_cliff(ctx):
    plan = ctx.evaluable()  # probed as `plan run` computes it (division last)
    payers = {name: pay for name, table in plan.tiers.items() if (pay := _marginal_payer(table)) is not None}
    for measure, tables in _measures(plan):
        points = _probes(plan, measure, tables)
        values = _evaluate(plan, measure, points, payers)
        kept = [i for i in range(len(plan.payouts)) if any(values[x][i] is not None for x in points)]
        usable = [x for x in points if all(values[x][i] is not None for i in kept)]
        if not kept or len(usable) < 2:
            continue
        pay = {x: _total(plan, measure, x, [values[x][i] for i in kept], payers) for x in usable}
        name = measure.name if isinstance(measure, ir.LetRef) else measure.text
        reported = set()
        for a, b in zip(usable, usable[1:]):
            if pay[b] >= pay[a]:
                continue
            span, table = _where(plan, tables, values, a, b)
            if span in reported:
                continue
            reported.add(span)
            hint = None
            if table is not None and table.mode == "whole":
                hint = "in a 'whole' table the band reached sets the rate for the whole amount; use 'marginal', or keep the pay at each bound from falling"
            yield Finding(
                f"pay falls by {format_number(pay[a] - pay[b])} when {name} rises from {format_number(a)} to {format_number(b)}",
                span,
                hint=hint,
                notes=((f"pay is {format_number(pay[a])} at {format_number(a)} and {format_number(pay[b])} at {format_number(b)}", None),),
            )
