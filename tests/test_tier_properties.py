"""Tier tables against an independent computation, for random tables and amounts.

The reference below walks a table the way an analyst does by hand: for a marginal
table, the part of the amount inside each band times that band's rate; for a
whole-amount table, the rate of the one band that contains the amount.
"""
from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from dsl.data.readers import Dataset
from dsl.run.interpreter import payee_evaluator
from dsl import load

bounds = st.lists(st.integers(min_value=1, max_value=5_000_000), min_size=1, max_size=6, unique=True).map(sorted)
rates = st.integers(min_value=0, max_value=2000).map(lambda n: Decimal(n) / 100)  # 0.00% … 20.00%
amounts = st.integers(min_value=0, max_value=800_000_000).map(lambda cents: Decimal(cents) / 100)


def table_text(name: str, mode: str, cuts: list[int], band_rates: list[Decimal]) -> str:
    edges = [0, *cuts]
    rows = [f"[{edges[i]}元, {edges[i + 1]}元) -> {band_rates[i]}%" for i in range(len(cuts))]
    rows.append(f"[{edges[-1]}元, ..) -> {band_rates[len(cuts)]}%")
    return f"tiers {name} {mode} {{\n  " + "\n  ".join(rows) + "\n}\n"


def reference(mode: str, cuts: list[int], band_rates: list[Decimal], x: Decimal) -> Decimal:
    edges = [Decimal(0), *map(Decimal, cuts), None]
    total = Decimal(0)
    for i, rate in enumerate(band_rates):
        low, high = edges[i], edges[i + 1]
        if mode == "whole":
            if x >= low and (high is None or x < high):
                return x * rate / 100
            continue
        if x > low:
            top = x if high is None else min(x, high)
            total += (top - low) * rate / 100
    return total


@settings(max_examples=300, deadline=None)
@given(cuts=bounds, data=st.data(), x=amounts)
def test_marginal_and_whole_match_the_hand_method(cuts, data, x):
    band_rates = data.draw(st.lists(rates, min_size=len(cuts) + 1, max_size=len(cuts) + 1))
    text = 'plan "p" { currency CNY }\n' + table_text("m", "marginal", cuts, band_rates) + table_text("w", "whole", cuts, band_rates)
    compilation = load(text, "p.plan")
    plan, diagnostics = compilation.plan, compilation.diagnostics
    assert plan is not None, diagnostics
    evaluator = payee_evaluator(plan, Dataset({}, ["x"]), "x")
    from dsl import ir
    from dsl.core.types import MoneyType

    amount = ir.Const(x, MoneyType("CNY"))
    for mode, name in (("marginal", "m"), ("whole", "w")):
        value, _ = evaluator.eval(ir.TierCall(name, amount, MoneyType("CNY")))
        assert value == reference(mode, cuts, band_rates, x)


@settings(max_examples=200, deadline=None)
@given(cuts=bounds, data=st.data(), x=amounts, y=amounts)
def test_marginal_pay_never_falls_as_sales_rise(cuts, data, x, y):
    # With non-negative rates a marginal table has no cliff: more sales, no less pay.
    band_rates = data.draw(st.lists(rates, min_size=len(cuts) + 1, max_size=len(cuts) + 1))
    compilation = load('plan "p" { currency CNY }\n' + table_text("m", "marginal", cuts, band_rates), "p.plan")
    plan, _ = compilation.plan, compilation.diagnostics
    evaluator = payee_evaluator(plan, Dataset({}, ["x"]), "x")
    from dsl import ir
    from dsl.core.types import MoneyType

    low, high = sorted((x, y))
    pay_low, _ = evaluator.eval(ir.TierCall("m", ir.Const(low, MoneyType("CNY")), MoneyType("CNY")))
    pay_high, _ = evaluator.eval(ir.TierCall("m", ir.Const(high, MoneyType("CNY")), MoneyType("CNY")))
    assert pay_high >= pay_low
