"""Exact money: no binary float anywhere between the data and the payout line.

Every expected value is derived by hand in the comment beside it.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from dsl.run.interpreter import evaluate
from dsl import load
from dsl.data.readers import load_data
from dsl.core.numeric import round_money

HEADER = 'plan "exact" { currency CNY  period month  payee rep }\n'


def run(plan_text: str, tmp_path, **tables):
    compilation = load(HEADER + plan_text, "exact.plan")
    plan, diagnostics = compilation.plan, compilation.diagnostics
    assert plan is not None, diagnostics
    for name, rows in tables.items():
        (tmp_path / f"{name}.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    dataset, data_diags = load_data(tmp_path, plan.inputs, plan.currency)
    assert dataset is not None, data_diags
    result = evaluate(plan, dataset, trace=False)
    assert not result.diagnostics, result.diagnostics
    return {p.payee: p for p in result.payees}


def test_many_ten_cent_amounts_sum_exactly(tmp_path):
    # 10,000 rows of 0.10 are exactly 1,000.00; in binary floats the same sum is
    # 1000.0000000001588, and a 1% commission on it would drift too.
    rows = ["rep,amount"] + ["甲,0.10"] * 10_000
    plan = "input deals: table { rep: payee, amount: money }\n" \
           'payout "合计" = sum(deals.amount)\npayout "提成" = sum(deals.amount) * 1%\n'
    payees = run(plan, tmp_path, deals=rows)
    assert payees["甲"].line("合计").value == Decimal("1000.00")   # 10,000 × 0.10
    assert payees["甲"].line("提成").value == Decimal("10.00")     # 1,000.00 × 1%


def test_one_third_coefficient(tmp_path):
    # A third of 1,000.00 is 333.333…, rounded half-up to 333.33. Three thirds of
    # 100.00 computed as 100 × (1/3) × 3 is 99.999…(40 digits) and rounds to 100.00.
    plan = "input deals: table { rep: payee, amount: money }\n" \
           'let share = 1 / 3\n' \
           'payout "三分之一" = sum(deals.amount) * share\n' \
           'payout "三个三分之一" = 100元 * share * 3\n'
    payees = run(plan, tmp_path, deals=["rep,amount", "甲,1000.00"])
    assert payees["甲"].line("三分之一").value == Decimal("333.33")       # 1000 / 3 = 333.333…
    assert payees["甲"].line("三个三分之一").value == Decimal("100.00")   # 99.999… → 100.00


@pytest.mark.parametrize(
    "amount, expected",
    [
        ("0.005", "0.01"),     # a half cent rounds up
        ("0.015", "0.02"),     # so does the next one (banker's rounding would give 0.02 too, 0.025 tells them apart)
        ("0.025", "0.03"),     # half-up: 0.03; half-even would give 0.02
        ("2.675", "2.68"),     # as a binary float 2.675 is 2.67499999…, which rounds to 2.67
        ("-0.005", "-0.01"),   # half-up rounds a negative tie away from zero
        ("1.004999", "1.00"),  # below the half: down
    ],
)
def test_half_cent_ties_round_half_up(tmp_path, amount, expected):
    plan = "input deals: table { rep: payee, amount: money }\n" 'payout "金额" = sum(deals.amount)\n'
    payees = run(plan, tmp_path, deals=["rep,amount", f"甲,{amount}"])
    assert payees["甲"].line("金额").value == Decimal(expected)


def test_declared_half_even_rounding(tmp_path):
    plan_text = 'input deals: table { rep: payee, amount: money }\n' \
                'payout "偶数舍入" = sum(deals.amount) round half_even to 0.01\n' \
                'payout "整元" = sum(deals.amount) * 100 round half_up to 1\n'
    payees = run(plan_text, tmp_path, deals=["rep,amount", "甲,0.025"])
    assert payees["甲"].line("偶数舍入").value == Decimal("0.02")   # tie → the even cent
    assert payees["甲"].line("整元").value == Decimal("3")          # 0.025 × 100 = 2.5 → 3


def test_rounding_unit_helper():
    assert round_money(Decimal("3410.09"), Decimal("1")) == Decimal("3410")      # S12's whole-yuan example
    assert round_money(Decimal("125"), Decimal("10"), "half_even") == Decimal("120")  # 12.5 tens → 12 tens
    assert round_money(Decimal("125"), Decimal("10"), "half_up") == Decimal("130")    # 12.5 tens → 13 tens


def test_no_float_in_the_package_source():
    # Money must never pass through a binary float: the package never calls float()
    # and never builds a Decimal from a float literal.
    import re
    from pathlib import Path

    import dsl

    offenders = []
    for path in Path(dsl.__file__).parent.rglob("*.py"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if re.search(r"\bfloat\(|Decimal\(\s*\d+\.\d+\s*\)", code):
                offenders.append(f"{path.name}:{number}: {line.strip()}")
    assert offenders == []


def test_caps_and_floors_are_their_own_lines(tmp_path):
    plan = ("input deals: table { rep: payee, amount: money }\n"
            'payout "提成" = sum(deals.amount) * 10% cap at 3000元\n'
            'payout "扣款" = 0元 - sum(deals.amount) * 1% floor at -100元\n'
            "total cap at 2950元\n")
    payees = run(plan, tmp_path, deals=["rep,amount", "甲,50000", "乙,20000"])
    jia = {(l.label, l.kind): l.value for l in payees["甲"].lines}
    # 甲: 50,000 × 10% = 5,000 capped at 3,000 (−2,000); −500 floored at −100 (+400);
    # subtotal 3,000 − 100 = 2,900 < 2,950, so the total cap does not bind.
    assert jia == {("提成", "payout"): Decimal("5000.00"), ("提成", "cap"): Decimal("-2000.00"),
                   ("扣款", "payout"): Decimal("-500.00"), ("扣款", "floor"): Decimal("400.00")}
    assert payees["甲"].total == Decimal("2900.00")
    yi = {(l.label, l.kind): l.value for l in payees["乙"].lines}
    # 乙: 20,000 × 10% = 2,000 (under the cap); −200 floored at −100 (+100); subtotal 1,900.
    assert yi == {("提成", "payout"): Decimal("2000.00"), ("扣款", "payout"): Decimal("-200.00"),
                  ("扣款", "floor"): Decimal("100.00")}
    assert payees["乙"].total == Decimal("1900.00")


def test_total_cap_binds(tmp_path):
    plan = ("input deals: table { rep: payee, amount: money }\n"
            'payout "提成" = sum(deals.amount) * 10%\n'
            "total cap at 15万\n")
    payees = run(plan, tmp_path, deals=["rep,amount", "甲,200万"])
    lines = {(l.label, l.kind): l.value for l in payees["甲"].lines}
    # 200万 × 10% = 20万, above the 15万 total cap: an adjustment line of −5万.
    assert lines == {("提成", "payout"): Decimal("200000.00"), ("total", "total_cap"): Decimal("-50000.00")}
    assert payees["甲"].total == Decimal("150000.00")
