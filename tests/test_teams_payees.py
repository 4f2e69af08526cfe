"""The payee set of a run (issue 9, first step): the roster's payees are paid even with no
rows, the header may declare payees the data does not name, and a run that pays nobody is
R004 with exit code 1. Real CSV files in a temporary folder, real `plan` subprocesses."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import dsl
from conftest import run_plan_cli

PLAN = """plan "部门提成" {
  currency CNY
  period month
  payee rep
  %s
}
input deals: table { rep: payee, amount: money }
input reps: record { rep: payee, rate: percent = 1%% }
let sales = sum(deals.amount)
payout "提成" = sales * 2%%
payout "底薪" = 1000元
"""


def write(folder, deals: str, reps: str, payees: str = ""):
    (folder / "data").mkdir()
    (folder / "data" / "deals.csv").write_text(deals, encoding="utf-8")
    (folder / "data" / "reps.csv").write_text(reps, encoding="utf-8")
    path = folder / "p.plan"
    path.write_text(PLAN % payees, encoding="utf-8")
    return path


def lines(stdout: str) -> dict[tuple[str, str], Decimal]:
    return {(row["payee"], row["line"]): Decimal(row["value"]) for row in csv.DictReader(io.StringIO(stdout))}


def test_a_payee_on_the_roster_with_no_rows_is_paid(tmp_path):
    path = write(tmp_path, "rep,amount\n甲,10万\n", "rep\n甲\n乙\n")
    done = run_plan_cli("run", str(path))
    assert done.returncode == 0, done.stderr
    assert lines(done.stdout) == {
        ("甲", "提成"): Decimal("2000.00"),  # 10万 × 2% = 2,000
        ("甲", "底薪"): Decimal("1000.00"),
        ("乙", "提成"): Decimal("0.00"),  # no deal rows: sum of nothing = 0 × 2% = 0
        ("乙", "底薪"): Decimal("1000.00"),  # still paid the fixed line
    }


def test_a_payee_declared_in_the_header_and_absent_from_data_is_paid(tmp_path):
    path = write(tmp_path, "rep,amount\n甲,10万\n", "rep\n甲\n", 'payees "总监", "甲"')
    done = run_plan_cli("run", str(path))
    assert done.returncode == 0, done.stderr
    got = lines(done.stdout)
    assert got[("总监", "提成")] == Decimal("0.00")  # no rows of his own: 0 × 2%
    assert got[("总监", "底薪")] == Decimal("1000.00")
    assert got[("甲", "提成")] == Decimal("2000.00")  # 10万 × 2%; declared and on the roster: paid once
    assert [row["payee"] for row in csv.DictReader(io.StringIO(done.stdout))] == ["甲", "甲", "总监", "总监"]  # roster first, then declared


def test_a_declared_payee_can_be_explained(tmp_path):
    path = write(tmp_path, "rep,amount\n", "rep\n", 'payees "总监"')
    done = run_plan_cli("explain", str(path), "--payee", "总监")
    assert done.returncode == 0, done.stderr
    assert "1,000.00" in done.stdout or "1000.00" in done.stdout  # the fixed 底薪 line


def test_a_run_that_pays_nobody_is_an_error(tmp_path):
    path = write(tmp_path, "rep,amount\n", "rep\n")
    done = run_plan_cli("run", str(path))
    assert done.returncode == 1
    assert done.stdout == ""
    assert "the run pays nobody: the roster (input 'reps') has no rows, and the plan declares no payees [R004 nobody-paid]" in done.stderr


def test_an_empty_roster_with_a_declared_payee_is_paid(tmp_path):
    path = write(tmp_path, "rep,amount\n", "rep\n", 'payees "销售部"')
    done = run_plan_cli("run", str(path))
    assert done.returncode == 0, done.stderr
    assert lines(done.stdout) == {("销售部", "提成"): Decimal("0.00"), ("销售部", "底薪"): Decimal("1000.00")}


def test_a_plan_with_only_tables_and_no_rows_pays_nobody():
    plan = dsl.load('plan "x" { currency CNY  payee rep }\ninput deals: table { rep: payee, amount: money }\n'
                    'payout "a" = sum(deals.amount) * 2%').plan
    result = dsl.evaluate(plan, _empty_deals())
    assert [d.code for d in result.diagnostics] == ["R004"]
    assert result.diagnostics[0].message == "the run pays nobody: no input row names a payee, and the plan declares no payees"


def _empty_deals():
    from dsl.data.readers import dataset_from_rows

    plan = dsl.load('plan "x" { currency CNY  payee rep }\ninput deals: table { rep: payee, amount: money }\npayout "a" = 0元').plan
    dataset, diags = dataset_from_rows({"deals": []}, plan.inputs, "CNY", "the test")
    assert not diags
    return dataset


def test_the_payees_setting_round_trips_through_the_formatter():
    text = 'plan "x" {\n  currency CNY\n  payee rep\n  payees "总监", "销售部"\n}\n\npayout "a" = 1元\n'
    assert dsl.format(text) == (text, [])
    assert dsl.load(text).plan.declared_payees == ("总监", "销售部")


def test_a_payee_declared_twice_is_e106():
    compilation = dsl.load('plan "x" { currency CNY  payee rep  payees "总监", "总监" }\npayout "a" = 1元\n')
    assert [(d.code, d.message) for d in compilation.diagnostics] == [("E106", "payee '总监' is declared twice")]
