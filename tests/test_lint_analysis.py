"""The IR analyses the lint rules call, on plans the checker has typed.

Each test checks a real plan text and asks one analysis (`dsl.ir.walk`,
`dsl.ir.analysis.*`) about its IR; the expected values are worked out by hand
in the comments.
"""
from __future__ import annotations

import textwrap
from decimal import Decimal

from dsl import ir
from dsl.check.checker import check
from dsl.core.source import SourceFile
from dsl.core.types import PERCENT, MoneyType
from dsl.ir.analysis.bounds import bounds, line_top
from dsl.ir.analysis.fold import fold, fold_money
from dsl.ir.analysis.intervals import Interval, covers, gaps, shared, union
from dsl.ir.analysis.reads import Reads
from dsl.ir.walk import children, plan_exprs, walk
from dsl.lint import lint_text
from dsl.lint.config import Config
from dsl.syntax.parser import parse

HEADER = textwrap.dedent(
    """\
    plan "p" {
      currency CNY
      period quarter
      payee rep
      rounding half_up to 0.01
    }
    input deals: table { rep: payee, amount: money }
    input reps: record { rep: payee, target: money }
    let sales = sum(deals.amount)
    """
)


def checked(body: str) -> ir.Plan:
    text = HEADER + textwrap.dedent(body)
    plan_file, diagnostics = parse(text, "p.plan")
    assert plan_file is not None, diagnostics
    checked = check(plan_file, SourceFile("p.plan", text))
    if isinstance(checked, tuple):  # (the plan or None, diagnostics)
        plan, diagnostics = checked
    else:  # a semantic model
        plan, diagnostics = (checked.plan if checked.ok else None), checked.diagnostics
    assert plan is not None, diagnostics
    return plan


def test_folding_takes_the_checkers_unit_for_a_ratio_of_amounts():
    plan = checked('let ratio = 50万 / 100万\npayout "x" = sales * ratio\n')
    # 500,000 / 1,000,000 = 0.5; money ÷ money is a percent, as the checker types it
    assert fold(plan.let("ratio").expr) == (Decimal("0.5"), PERCENT)
    assert fold_money(plan.let("ratio").expr) is None  # a percent is not an amount


def test_folding_literal_arithmetic_of_a_cap():
    plan = checked('payout "x" = sales * 2% cap at 2万 * 3 - 5000元 floor at 1000元\n')
    payout = plan.payouts[0]
    # 20,000 × 3 − 5,000 = 55,000 (money: money × number is money)
    assert fold(payout.cap) == (Decimal("55000"), MoneyType("CNY"))
    assert fold_money(payout.floor) == Decimal("1000")
    assert fold(payout.expr) is None  # reads the data


def test_cap_below_floor_with_folded_limits():
    text = HEADER + 'payout "x" = sales * 2% cap at 1万 / 2 floor at 2000元 * 3\n'
    found = [d for d in lint_text(text, "p.plan", Config()) if d.code == "L010"]
    # cap 10,000 / 2 = 5,000 is below floor 2,000 × 3 = 6,000
    assert [d.message for d in found] == [
        'the cap of "x" (1万 / 2) is below its floor (2000元 * 3): the cap is applied after the floor, so the floor never holds'
    ]
    assert (found[0].span.line, found[0].span.column) == (10, 25)  # `payout "x" = sales * 2% ` is 24 characters, then "cap at"


def test_the_most_a_marginal_line_can_pay():
    plan = checked(
        """\
        tiers t marginal {
          [0, 50万) -> 2%
          [50万, 100万] -> 3%
        }
        payout "x" = t(sales)
        """
    )
    # the top bound earns 500,000 × 2% + 500,000 × 3% = 10,000 + 15,000 = 25,000
    assert line_top(plan.payouts[0], plan) == Decimal("25000")
    assert bounds(plan.let("sales").expr, plan) == (None, None)  # read from the data: unbounded


def test_bounds_through_min_and_a_constant_factor():
    plan = checked('payout "x" = min(sales * 2%, 3000元) * 2\n')
    # min(…, 3,000) is at most 3,000; times 2 at most 6,000; no lower bound (sales may be negative)
    assert bounds(plan.payouts[0].expr, plan) == (None, Decimal("6000"))


def test_reads_follow_definitions_to_the_data():
    plan = checked('let base = reps.target\nlet attainment = sales / base\npayout "x" = attainment * 1000元 when reps.target > 0\n')
    reads = Reads(plan)
    divisor = plan.let("attainment").expr.right
    target = next(n for n in walk(plan.payouts[0].gate) if isinstance(n, ir.RecordRef))
    # the divisor `base` is the let, and through it the data field reps.target, which the gate tests
    assert reads.of(divisor) == {("let", "base"), ("data", target)}
    assert reads.of(divisor) & reads.of(plan.payouts[0].gate) == {("data", target)}
    assert reads.reads_data(divisor) and not reads.reads_data(ir.Const(Decimal(0), PERCENT))


def test_walk_reaches_every_expression_node_in_field_order():
    plan = checked('payout "x" = if sales > 0 then sales * 2% else 0元\n')
    cond = plan.payouts[0].expr
    assert children(cond) == (cond.condition, cond.then, cond.otherwise)
    # if(>, (sales, 0), *(sales, 2%), 0元): 1 + 3 + 3 + 1 = 8 nodes; sales is a LetRef, not followed
    assert [type(n).__name__ for n in walk(cond)] == ["Cond", "Cmp", "LetRef", "Const", "Arith", "LetRef", "Const", "Const"]
    roots = list(plan_exprs(plan))
    assert roots[0] is cond and roots[-1] is plan.let("sales").expr


def test_intervals_union_gaps_cover_and_share():
    low = Interval(Decimal(0), True, Decimal(500000), False)  # [0, 50万)
    mid = Interval(Decimal(600000), True, Decimal(1000000), True)  # [60万, 100万]
    top = Interval(Decimal(1000000), False, None, False)  # (100万, ..)
    merged = union([top, low, mid])
    # [60万, 100万] and (100万, ..) touch at 100万 (closed on one side): one interval from 60万 up
    assert merged == [low, Interval(Decimal(600000), True, None, False)]
    assert gaps(merged) == [Interval(Decimal(500000), True, Decimal(600000), False)]  # [50万, 60万)
    assert covers(merged[1], top) and not covers(low, mid)
    assert shared(mid, top) is None  # 100万 is in mid only
    assert shared(mid, Interval(Decimal(1000000), True, None, False)) == Interval(Decimal(1000000), True, Decimal(1000000), True)


def test_the_checkers_overlap_message_comes_from_the_shared_intervals():
    text = HEADER + textwrap.dedent(
        """\
        tiers t marginal {
          [0, 60万) -> 2%
          [50万, ..) -> 3%
        }
        payout "x" = t(sales)
        """
    )
    overlaps = [d for d in lint_text(text, "p.plan", Config()) if d.code == "E109"]
    # [0, 600,000) and [500,000, ..) share [500,000, 600,000)
    assert [d.message for d in overlaps] == ["bands [0, 60万) and [50万, ..) of 't' both contain the values [500,000, 600,000)"]
