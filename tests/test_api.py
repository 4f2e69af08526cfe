"""The public API: every entry point takes bad input without raising, and the
function names the API shares with stage packages stay functions."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import dsl

ROOT = Path(__file__).resolve().parent.parent
S1 = ROOT / "plans" / "s1_big_account" / "plan.plan"


def test_load_reads_a_path_and_names_it():
    compilation = dsl.load(S1, "s1.plan")
    assert compilation.ok and compilation.path == S1 and compilation.source.name == "s1.plan"
    assert compilation.plan.name == "大客户销售提成"


def test_load_of_a_file_that_is_not_utf8_is_a_diagnostic(tmp_path):
    path = tmp_path / "gbk.plan"
    path.write_bytes('plan "提成" { currency CNY }'.encode("gbk"))
    compilation = dsl.load(path)
    assert compilation.model is None and not compilation.ok
    assert "is not UTF-8 text" in compilation.diagnostics[0].message


def test_evaluate_with_data_that_cannot_be_read_returns_its_diagnostics(tmp_path):
    plan = dsl.load(S1).plan
    result = dsl.evaluate(plan, tmp_path / "missing")
    assert result.payees == () and [d.message for d in result.diagnostics] == [f"data path {tmp_path / 'missing'} does not exist"]


def test_evaluate_reads_a_data_path_and_reports_an_unknown_payee():
    plan = dsl.load(S1).plan
    result = dsl.evaluate(plan, S1.parent / "data", payees=["甲", "戊"])
    # 甲: 50万×2% + 50万×3% + 100万×4% = 65,000 on 200万, plus 0.5% of the 120万 renewed = 6,000
    assert [(p.payee, p.total) for p in result.payees] == [("甲", Decimal("71000.00"))]
    assert [d.code for d in result.diagnostics] == ["R002"]


def test_evaluate_accepts_only_what_exists_today():
    plan = dsl.load(S1).plan
    with pytest.raises(ValueError, match="unknown engine"):
        dsl.evaluate(plan, S1.parent / "data", engine="spreadsheet")
    wrong = dsl.evaluate(plan, S1.parent / "data", periods="2024-07")  # S1 is paid by quarter, not by month
    assert wrong.payees == () and [d.code for d in wrong.diagnostics] == ["R003"]
    quarter = dsl.evaluate(plan, S1.parent / "data", periods=["2024-Q1"], payees=["甲"])
    # S1's inputs are not placed by period, so all of 甲's rows belong to the one quarter run: 65,000 + 6,000 renewal bonus
    assert [(str(p.period), p.total) for p in quarter.payees] == [("2024-Q1", Decimal("71000.00"))]


def test_results_render_as_csv_json_and_a_workbook(tmp_path):
    plan = dsl.load(S1).plan
    result = dsl.evaluate(plan, S1.parent / "data", payees=["甲"])
    assert dsl.render_results(plan, result, "csv").splitlines()[:2] == ["payee,period,line,kind,value", "甲,quarter,销售额提成,payout,65000.00"]
    dsl.write_results(plan, result, tmp_path / "out.xlsx", "xlsx")
    assert (tmp_path / "out.xlsx").read_bytes()[:2] == b"PK"  # a zip container, as every .xlsx is
    with pytest.raises(ValueError):
        dsl.render_results(plan, result, "xlsx")  # binary: written, not rendered


def test_lint_config_errors_are_the_api_error(tmp_path):
    bad = tmp_path / "plan.toml"
    bad.write_text("[tool.plan]\nfail-on = 3\n", encoding="utf-8")
    plan_path = tmp_path / "x.plan"
    plan_path.write_text('plan "x" { currency CNY }\n', encoding="utf-8")
    with pytest.raises(dsl.LintConfigError):
        dsl.lint_config(plan_path, bad)


def test_the_api_functions_named_like_packages_stay_functions():
    import dsl.explain.renderers  # noqa: F401  (loads the package dsl.explain)
    import dsl.lint.config  # noqa: F401  (loads the package dsl.lint)

    assert callable(dsl.check) and callable(dsl.explain) and callable(dsl.lint)
    assert dsl.lint.__module__ == "dsl.api"
