"""The numeric policy, rule by rule: 18 places rounded half-even, |x| < 10^20,
overflow and division by zero as evaluation errors, over-precise data cells and
literals rejected, each chain of products and quotients divided last, and no
change to the host program's decimal context.

Every expected value is derived by hand in the comment beside it.
"""
from __future__ import annotations

import decimal
import json
import subprocess
import sys
import time
from decimal import Decimal

import pytest

from conftest import ROOT, check_text, run_plan_cli
import dsl
from dsl.core import numeric
from dsl.core.numeric import NumericError
from dsl.data.readers import load_data
from dsl.run.interpreter import evaluate, payee_evaluator

HEADER = 'plan "policy" { currency CNY  period month  payee rep }\n'
DEALS = "input deals: table { rep: payee, amount: money }\n"



def checked(text: str):
    plan, diagnostics = check_text(HEADER + text, "policy.plan")
    assert plan is not None, diagnostics
    return plan


def value_of(text: str, name: str) -> Decimal:
    """The value of `let name` in a plan with no inputs."""
    from dsl.data.dataset import Dataset

    plan = checked(text)
    evaluator = payee_evaluator(plan, Dataset({}, ["x"]), "x")
    return evaluator.eval(plan.let(name).expr)[0]


def run(text: str, tmp_path, **tables):
    plan = checked(text)
    for name, rows in tables.items():
        (tmp_path / f"{name}.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    dataset, diagnostics = load_data(tmp_path, plan.inputs, plan.currency)
    assert dataset is not None, diagnostics
    return evaluate(plan, dataset, trace=False)


def write_plan(tmp_path, text: str, **tables):
    (tmp_path / "data").mkdir(exist_ok=True)
    for name, rows in tables.items():
        (tmp_path / "data" / f"{name}.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    path = tmp_path / "policy.plan"
    path.write_text(HEADER + text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- 18 places, half-even


def test_a_quotient_is_rounded_half_even_at_the_18th_place():
    # 1 / 3 = 0.333…: the 19th digit is 3, so the 18th stays 3.
    assert value_of("let x = 1 / 3\n", "x") == Decimal("0.333333333333333333")
    # 2 / 3 = 0.666…6|6…: above the half, the 18th digit rounds up to 7.
    assert value_of("let x = 2 / 3\n", "x") == Decimal("0.666666666666666667")
    # The scale of an exact quotient is kept: 70,000 / 100,000 is 0.7, not 0.700000000000000000.
    assert str(value_of("let x = 70000 / 100000\n", "x")) == "0.7"


@pytest.mark.parametrize(
    "expr, expected",
    [
        ("0.000000000000000001 * 0.5", "0E-18"),  # 5E-19 is a tie between 0 and 1E-18: the even one, 0
        ("0.000000000000000003 * 0.5", "2E-18"),  # 1.5E-18 is a tie between 1 and 2: the even one, 2
        ("0.000000000000000005 * 0.5", "2E-18"),  # 2.5E-18 is a tie between 2 and 3: the even one, 2
        ("0.000000000000000007 * 0.51", "4E-18"),  # 3.57E-18 is above the half: 4
        ("0.333333333333333333 * 3", "0.999999999999999999"),  # exact at 18 places: kept as is
    ],
)
def test_a_product_is_rounded_half_even_at_the_18th_place(expr, expected):
    assert str(value_of(f"let x = {expr}\n", "x")) == expected


def test_sums_are_exact_and_keep_their_scale():
    # 0.1 + 0.2 is exactly 0.3 (in binary floats it is 0.30000000000000004).
    assert str(numeric.add(Decimal("0.1"), Decimal("0.2"))) == "0.3"
    # 99,999,999,999,999,999,999.999999999999999998 + 0.000000000000000001: 38 digits, exact.
    big = Decimal("99999999999999999999.999999999999999998")
    assert numeric.add(big, Decimal("1E-18")) == Decimal("99999999999999999999.999999999999999999")


def test_an_average_is_rounded_at_the_18th_place(tmp_path):
    # (1 + 2 + 2) / 3 = 5/3 = 1.666…6|67: rounded half-even at the 18th place.
    plan = DEALS + 'let m = avg(deals.amount)\npayout "a" = m * 3\n'
    result = run(plan, tmp_path, deals=["rep,amount", "甲,1", "甲,2", "甲,2"])
    # 1.666666666666666667 × 3 = 5.000000000000000001, paid as 5.00
    assert result.payees[0].line("a").value == Decimal("5.00")
    assert numeric.mean([Decimal(1), Decimal(2), Decimal(2)]) == Decimal("1.666666666666666667")


# ---------------------------------------------------------------- range and division by zero


def test_overflow_is_an_evaluation_error_naming_payee_and_expression(tmp_path):
    # 乙: 99,999,999,999,999,999,999 × 10 ≈ 10^21 ≥ 10^20: an overflow; 甲 is still paid
    # 1,000 × 10 = 10,000.00.
    plan = DEALS + 'payout "a" = sum(deals.amount) * 10\n'
    result = run(plan, tmp_path, deals=["rep,amount", "甲,1000", "乙,99999999999999999999"])
    assert [(p.payee, p.total) for p in result.payees] == [("甲", Decimal("10000.00"))]
    (error,) = result.diagnostics
    assert error.code == "R001"
    assert "payee '乙'" in error.message and "'sum(deals.amount) * 10'" in error.message
    assert "less than 10^20" in error.message
    # Line 3 (header, input, payout), column 14: the expression after `payout "a" = ` (13 characters).
    assert (error.span.line, error.span.column) == (3, 14)


def test_overflow_through_the_cli(tmp_path):
    plan = write_plan(tmp_path, DEALS + 'payout "a" = sum(deals.amount) * 10\n', deals=["rep,amount", "乙,99999999999999999999"])
    result = run_plan_cli("run", str(plan))
    assert result.returncode == 1
    assert "payee '乙': cannot compute 'sum(deals.amount) * 10'" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_the_limit_itself_is_out_of_range():
    # |x| < 10^20 strictly: 99,999,999,999,999,999,999.999999999999999999 fits, 10^20 does not.
    assert numeric.check_range(Decimal("99999999999999999999.999999999999999999"))
    with pytest.raises(NumericError):
        numeric.check_range(Decimal("100000000000000000000"))
    with pytest.raises(NumericError):  # 10^10 × 10^10 = 10^20
        numeric.mul(Decimal("10000000000"), Decimal("10000000000"))


def test_division_by_zero_is_an_evaluation_error_for_that_payee_only(tmp_path):
    # 乙's target is 0: an error naming 乙 and the divisor; 甲 is paid 50万 / 100万 × 1,000 = 500.00.
    plan = DEALS + "input reps: record { rep: payee, target: money }\n" \
        'payout "a" = sum(deals.amount) / reps.target * 1000元\n'
    result = run(plan, tmp_path, deals=["rep,amount", "甲,500000", "乙,500000"], reps=["rep,target", "甲,1000000", "乙,0"])
    assert [(p.payee, p.total) for p in result.payees] == [("甲", Decimal("500.00"))]
    (error,) = result.diagnostics
    assert error.code == "R001"
    assert error.message == "payee '乙': division by zero: 'reps.target' is 0"


def test_a_zero_divisor_inside_a_divisor_is_still_a_division_by_zero(tmp_path):
    # a / (b / c) is the chain a × c / b, but c = 0 makes b / c itself undefined.
    plan = DEALS + "input reps: record { rep: payee, b: number, c: number }\n" \
        'payout "a" = sum(deals.amount) / (reps.b / reps.c)\n'
    result = run(plan, tmp_path, deals=["rep,amount", "甲,100"], reps=["rep,b,c", "甲,2,0"])
    assert result.payees == ()
    assert result.diagnostics[0].message == "payee '甲': division by zero: 'reps.c' is 0"


# ---------------------------------------------------------------- data cells and literals


def test_a_data_cell_with_more_than_18_places_is_rejected(tmp_path):
    plan = write_plan(tmp_path, DEALS + 'payout "a" = sum(deals.amount)\n',
                      deals=["rep,amount", "甲,1.5", "乙,0.1234567890123456789"])
    result = run_plan_cli("run", str(plan))
    assert result.returncode == 1
    # Row 3 of deals.csv (the header is row 1), column 2: 19 places.
    assert "data/deals.csv:3:2: error: column 'amount': '0.1234567890123456789' has 19 decimal places; " \
           "at most 18 are kept exactly [D003 bad-value]" in result.stdout + result.stderr


@pytest.mark.parametrize(
    "cell, ok",
    [
        ("0.123456789012345678", True),  # 18 places: kept exactly
        ("0.1234567890123456780", True),  # a trailing zero is not a place of the value
        ("0.0000000000000001%", True),  # 16 places ÷ 100 = 18 places
        ("0.00000000000000001%", False),  # 17 places ÷ 100 = 19 places
        ("99999999999999999999", True),  # just below 10^20
        ("100000000000000000000", False),  # 10^20
        ("1万亿", False),  # not a number the reader knows
    ],
)
def test_cell_places_and_range_are_counted_on_the_value(cell, ok):
    from dsl.data.readers import parse_cell
    from dsl.core.types import NUMBER, PERCENT, FieldSchema

    field = FieldSchema("x", PERCENT if cell.endswith("%") else NUMBER)
    if ok:
        assert parse_cell(cell, field, "CNY") == Decimal(cell.rstrip("%")) / (100 if cell.endswith("%") else 1)
    else:
        with pytest.raises(ValueError):
            parse_cell(cell, field, "CNY")


def test_json_cells_are_held_to_the_policy_and_huge_exponents_are_quick(tmp_path):
    plan = checked(DEALS)
    data = tmp_path / "data.json"
    data.write_text(json.dumps({"deals": [{"rep": "甲", "amount": 1}]}).replace("1}", "1e999999}"), encoding="utf-8")
    start = time.perf_counter()
    dataset, diagnostics = load_data(data, plan.inputs, plan.currency)
    assert time.perf_counter() - start < 1  # the exponent is looked at, no 10^999999 is built
    assert dataset is None or diagnostics
    assert any(d.code == "D003" and "less than 10^20" in d.message for d in diagnostics)
    data.write_text('{"deals": [{"rep": "甲", "amount": 0.1234567890123456789}]}', encoding="utf-8")
    _, diagnostics = load_data(data, plan.inputs, plan.currency)
    assert any(d.code == "D003" and "19 decimal places" in d.message for d in diagnostics)


def test_a_literal_with_more_than_18_places_is_rejected(tmp_path):
    path = tmp_path / "p.plan"
    path.write_text(HEADER + 'payout "a" = 100元 * 0.0000000000000000001\n', encoding="utf-8")
    result = run_plan_cli("check", str(path))
    assert result.returncode == 1
    # Line 2, column 21: the literal after `payout "a" = 100元 * ` (20 characters).
    assert f"{path}:2:21: error: '0.0000000000000000001' has 19 decimal places; at most 18 are kept exactly [E002" in result.stderr


@pytest.mark.parametrize(
    "literal, places",
    [("0.00000000000000001%", 19), ("0.0000000000000000000001万", 18), ("0.00000000000000000000001万", 19)],
)
def test_literal_places_are_counted_after_percent_and_万(literal, places):
    # 17 places ÷ 100 = 19; 22 places × 10^4 = 18; 23 places × 10^4 = 19.
    plan, diagnostics = check_text(HEADER + f"let x = {literal}\n", "p.plan")
    if places > 18:
        assert plan is None and diagnostics[0].code == "E002" and f"{places} decimal places" in diagnostics[0].message
    else:
        assert plan is not None, diagnostics


# ---------------------------------------------------------------- division last


def test_division_last_pays_10000_not_9999(tmp_path):
    # Step by step: 100万 / 300万 = 0.333333333333333333 (18 places), × 3万 = 9,999.99999999999999,
    # rounded down to 1: 9,999. Division last: 100万 × 3万 / 300万 = 3×10^10 / 3×10^6 = 10,000 exactly.
    path = write_plan(tmp_path, DEALS + 'payout "a" = 100万 / 300万 * 3万 round down to 1\n', deals=["rep,amount", "甲,1"])
    result = run_plan_cli("run", str(path), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["payees"][0]["lines"] == [{"line": "a", "kind": "payout", "value": "10000"}]


def test_division_last_rounds_to_051_not_050(tmp_path):
    # Step by step: 1.01 / 6 = 0.168333333333333333, × 3 = 0.504999999999999999 → 0.50.
    # Division last: 1.01 × 3 / 6 = 3.03 / 6 = 0.505 exactly → half-up to 0.51.
    path = write_plan(tmp_path, DEALS + 'payout "a" = 1.01元 / 6 * 3\n', deals=["rep,amount", "甲,1"])
    result = run_plan_cli("run", str(path), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["payees"][0]["lines"][0]["value"] == "0.51"


def test_the_step_by_step_results_the_pass_avoids():
    # The hand calculations above, computed one operation at a time under the same policy.
    step = numeric.mul(numeric.div(Decimal(1000000), Decimal(3000000)), Decimal(30000))
    assert step == Decimal("9999.99999999999999000")  # 0.333333333333333333 × 30,000
    assert numeric.round_money(step, Decimal(1), "down") == Decimal("9999")
    step = numeric.mul(numeric.div(Decimal("1.01"), Decimal(6)), Decimal(3))
    assert step == Decimal("0.504999999999999999")  # 0.168333333333333333 × 3
    assert numeric.round_money(step) == Decimal("0.50")


def test_the_explanation_of_a_chain_keeps_the_tree_as_written(tmp_path):
    # The trace of `100万 / 300万 * 3万` is still (100万 / 300万) * 3万; only the value is divided last.
    path = write_plan(tmp_path, DEALS + 'payout "a" = 100万 / 300万 * 3万 round down to 1\n', deals=["rep,amount", "甲,1"])
    result = run_plan_cli("explain", str(path), "--payee", "甲", "--format", "json")
    assert result.returncode == 0, result.stderr
    chain = json.loads(result.stdout)["lines"][0]["trace"]["children"][0]
    assert (chain["text"], chain["detail"], chain["value"]) == ("100万 / 300万 * 3万", {"op": "*"}, "10000")
    inner = chain["children"][0]
    assert (inner["text"], inner["detail"], inner["value"]) == ("100万 / 300万", {"op": "/"}, "0.333333333333333333")


# ---------------------------------------------------------------- units over a whole chain


def test_money_times_money_divided_by_money_is_money(tmp_path):
    # bonus × sales / target = 5,000 × 120万 / 100万 = 6,000.00.
    plan = DEALS + "input reps: record { rep: payee, bonus: money, target: money }\n" \
        'payout "a" = reps.bonus * sum(deals.amount) / reps.target\n'
    result = run(plan, tmp_path, deals=["rep,amount", "甲,1200000"], reps=["rep,bonus,target", "甲,5000,1000000"])
    assert result.payees[0].line("a").value == Decimal("6000.00")


@pytest.mark.parametrize(
    "expr, message",
    [
        ("sales * sales", "cannot multiply money by money"),  # money²
        ("sales * sales / 2", "comes to money to the power 2 (CNY)"),  # money² ÷ number is still money²
        ("2 / sales", "cannot divide a number by money (CNY)"),  # 1 ÷ money
        ("sales * sales * sales / sales", "comes to money to the power 2 (CNY)"),  # money³ ÷ money = money²
    ],
)
def test_a_chain_that_comes_to_a_power_of_money_is_an_error(expr, message):
    plan, diagnostics = check_text(HEADER + DEALS + f"let sales = sum(deals.amount)\nlet x = {expr}\n", "p.plan")
    assert plan is None
    assert [d.code for d in diagnostics] == ["E103"]
    assert message in diagnostics[0].message


def test_a_ratio_of_money_products_is_a_percent():
    from dsl.core.types import PERCENT

    plan = checked(DEALS + "let sales = sum(deals.amount)\nlet r = sales * sales / (sales * sales)\n")
    assert plan.let("r").expr.type == PERCENT


# ---------------------------------------------------------------- no global state


def test_importing_dsl_leaves_the_decimal_context_unchanged():
    # In a fresh interpreter: the thread's context before and after importing every module.
    code = (
        "import decimal, importlib, pkgutil\n"
        "decimal.getcontext().prec = 7\n"
        "before = repr(decimal.getcontext())\n"
        "import dsl\n"
        "for m in pkgutil.walk_packages(dsl.__path__, 'dsl.'):\n"
        "    if not m.name.endswith('__main__'):\n"
        "        importlib.import_module(m.name)\n"
        "print(before == repr(decimal.getcontext()), decimal.getcontext().prec)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.stdout.split() == ["True", "7"], result.stderr


def test_results_do_not_depend_on_the_callers_decimal_context(tmp_path):
    # A host program with a 5-digit context gets the same digits: 1,234,567.89 × 3% = 37,037.0367 → 37,037.04,
    # and 1,234,567.89 / 7 = 176,366.841428571428571… → 176,366.84.
    plan = DEALS + 'payout "a" = sum(deals.amount) * 3%\npayout "b" = sum(deals.amount) / 7\n'
    with decimal.localcontext(decimal.Context(prec=5, rounding=decimal.ROUND_DOWN)):
        result = run(plan, tmp_path, deals=["rep,amount", "甲,1234567.89"])
    assert [(l.label, l.value) for l in result.payees[0].lines] == [("a", Decimal("37037.04")), ("b", Decimal("176366.84"))]


def test_reading_38_digits_does_not_depend_on_the_callers_decimal_context():
    # The largest value of the policy has 20 + 18 = 38 digits; a 5-digit caller context must not round it,
    # nor its negation, nor 12,345,678,901,234.5678901234567890% (15 places after dropping the trailing zero, ÷ 100: 17).
    with decimal.localcontext(decimal.Context(prec=5)):
        assert numeric.parse_amount("99999999999999999999.999999999999999999")[0] == Decimal("99999999999999999999.999999999999999999")
        assert numeric.parse_amount("-99999999999999999999.999999999999999999")[0] == Decimal("-99999999999999999999.999999999999999999")
        assert numeric.parse_amount("12345678901234.5678901234567890%")[0] == Decimal("123456789012.345678901234567890")
