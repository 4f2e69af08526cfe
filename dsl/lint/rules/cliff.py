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

from decimal import Decimal
from typing import Optional

from dsl import ir
from dsl.data.dataset import Dataset
from dsl.run.context import payee_context
from dsl.run.interpreter import PayeeEvaluator
from dsl.run.lines import limit_line, payout_lines, total_limits
from dsl.core.types import INT, PERCENT, is_money, is_numeric
from dsl.core.display import format_number
from dsl.lint.registry import WARNING, Finding, rule
from dsl.ir.passes import run_passes
from dsl.ir.walk import children as ir_children, plan_exprs, walk as walk_ir

DATA_NODES = (ir.RecordRef, ir.ParamRef, ir.ColumnRef, ir.ComputedRef, ir.Aggregate, ir.LetRef)


class _Probe(PayeeEvaluator):
    """An evaluator over empty inputs in which one expression has a forced value."""

    def __init__(self, plan: ir.Plan, measure, value: Decimal):
        dataset = Dataset.empty(plan.inputs, "<lint probe>")
        super().__init__(plan, dataset, payee_context(plan.inputs, dataset, "<lint probe>"), False)
        self.measure, self.value = measure, value

    def eval(self, node, row=None):
        if node == self.measure:
            return self.value, None
        return super().eval(node, row)

    def line(self, payout: ir.Payout) -> Decimal:
        """A line with its floor and cap as a run computes it, but before rounding,
        so a drop is measured exactly."""
        return sum((line.value for line in payout_lines(payout, self.eval, self.plan.currency, rounded=False)), Decimal(0))


def _measures(plan: ir.Plan) -> list[tuple[object, list[ir.TierTable]]]:
    """Values that banded tier tables are applied to, with those tables, in order of use."""
    found: list[tuple[object, list[ir.TierTable]]] = []
    seen_lets: set[str] = set()

    def visit(node):
        if isinstance(node, ir.LetRef):
            let = plan.let(node.name)
            if let is not None and node.name not in seen_lets:
                seen_lets.add(node.name)
                visit(let.expr)
            return
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
        for child in ir_children(node):
            visit(child)

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


def _evaluate(plan: ir.Plan, measure, points: list[Decimal]):
    """Per probe: each line's value, or None where it cannot be computed."""
    table: dict[Decimal, list[Optional[Decimal]]] = {}
    for x in points:
        probe = _Probe(plan, measure, x)
        values = []
        for payout in plan.payouts:
            try:
                values.append(probe.line(payout))
            except Exception:  # needs data, or no band contains x: left out below
                values.append(None)
        table[x] = values
    return table


def _total(plan: ir.Plan, measure, x: Decimal, lines: list[Decimal]) -> Decimal:
    total = sum(lines, Decimal(0))
    probe = _Probe(plan, measure, x)
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
    plan = run_passes(ctx.plan)  # probed as `plan run` computes it (division last)
    for measure, tables in _measures(plan):
        points = _probes(plan, measure, tables)
        values = _evaluate(plan, measure, points)
        kept = [i for i in range(len(plan.payouts)) if any(values[x][i] is not None for x in points)]
        usable = [x for x in points if all(values[x][i] is not None for i in kept)]
        if not kept or len(usable) < 2:
            continue
        pay = {x: _total(plan, measure, x, [values[x][i] for i in kept]) for x in usable}
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
