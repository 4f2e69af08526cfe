"""Modules and imports: a module beside the plan, then the stdlib; namespaces and `as`;
the errors (unknown module, circle, duplicate name, unknown name in a namespace) with
file:line:col through real `plan check` runs; `plan test`, `plan fmt` on module files."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import dsl
from conftest import run_plan_cli

MODULE = '''module "分档"

# the company's own ladder: 1% to 10万, 2% above (marginal)
tiers 比例 marginal {
  [0, 10万)  -> 1%
  [10万, ..) -> 2%
}

let 门槛 = 5万

fn 提成(金额: money) -> money = if 金额 >= 门槛 then 比例(金额) else 0元

test "提成" {
  expect 提成(30万) = 5000   # 10万×1% + 20万×2% = 1,000 + 4,000
  expect 提成(4万) = 0       # below the 5万 threshold
  expect 门槛 = 50000
}
'''

PLAN = '''plan "导入" { currency CNY  payee rep  rounding half_up to 0.01 }

import 分档 as F
import 达成

input deals: table { rep: payee, amount: money }
input reps: record { rep: payee, quota: money }

let 销售额 = sum(deals.amount)

payout "提成" = F.提成(销售额)
payout "达标奖" = 1000元 when 达成.达标(销售额, reps.quota)
flag "门槛" = F.门槛
'''


def check_file(folder: Path, name: str, text: str):
    """Write a file into the folder and run the real `plan check` on it there: its exit code must be 1."""
    (folder / name).write_text(text, encoding="utf-8")
    result = run_plan_cli("check", name, cwd=folder)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stdout + result.stderr
    return result


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "分档.plan").write_text(MODULE, encoding="utf-8")
    (tmp_path / "plan.plan").write_text(PLAN, encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    (data / "deals.csv").write_text("rep,amount\n甲,200000\n甲,100000\n乙,40000\n", encoding="utf-8")
    (data / "reps.csv").write_text("rep,quota\n甲,250000\n乙,100000\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("engine", ["interpreter", "duckdb"])
def test_a_module_beside_the_plan_and_a_stdlib_module_compute_the_hand_values(folder, engine):
    compilation = dsl.load(folder / "plan.plan")
    assert compilation.ok, compilation.diagnostics
    result = dsl.evaluate(compilation.plan, folder / "data", engine=engine)
    got = {p.payee: {l.label: l.value for l in p.lines} for p in result.payees}
    assert got == {
        "甲": {"提成": Decimal("5000.00"),     # 30万: 10万×1% + 20万×2% = 1,000 + 4,000
               "达标奖": Decimal("1000.00")},  # 30万 ≥ 25万
        "乙": {"提成": Decimal("0.00"),        # 4万 is below the module's 5万 threshold
               "达标奖": Decimal("0.00")},     # 4万 < 10万
    }


def test_the_modules_table_and_constant_join_the_plan_under_its_name(folder):
    plan = dsl.load(folder / "plan.plan").plan
    assert "分档.比例" in plan.tiers and plan.let("分档.门槛") is not None
    assert plan.tests == ()  # the module's tests are its own, not the plan's


def test_plan_test_runs_a_modules_tests(folder):
    result = run_plan_cli("test", "分档.plan", cwd=folder)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok   分档.plan :: 提成 (3 expectations)" in result.stdout


def test_check_lint_and_fmt_read_module_files(folder):
    before = {name: dsl.parse((folder / name).read_text(encoding="utf-8"), name)[0] for name in ("分档.plan", "plan.plan")}
    for command in (("check",), ("lint",), ("fmt",), ("fmt", "--check")):
        result = run_plan_cli(*command, "分档.plan", "plan.plan", cwd=folder)
        assert result.returncode == 0, (command, result.stdout + result.stderr)
    for name, tree in before.items():  # formatted in place: the same meaning, the imports kept
        text = (folder / name).read_text(encoding="utf-8")
        assert dsl.parse(text, name)[0] == tree
    assert "\nimport 分档 as F\nimport 达成\n" in (folder / "plan.plan").read_text(encoding="utf-8")


def test_fmt_keeps_the_import_lines():
    text = 'plan "x" { currency CNY }\nimport 达成\nimport   阶梯   as J\nlet a = J.大客户提成(1元)\n'
    formatted, _ = dsl.format(text, "x.plan")
    assert "import 达成\nimport 阶梯 as J\n" in formatted
    assert dsl.format(formatted, "x.plan")[0] == formatted
    assert dsl.parse(formatted, "x.plan")[0] == dsl.parse(text, "x.plan")[0]


def test_an_unknown_module_gets_a_did_you_mean(folder):
    result = check_file(folder, "bad.plan", 'plan "b" { currency CNY }\nimport 分挡\nimport 达城\n')
    lines = result.stderr.splitlines()
    at = [i for i, l in enumerate(lines) if l.startswith("bad.plan:2:1: error: unknown module '分挡'")]
    assert at and "[E118 invalid-module]" in lines[at[0]]
    assert "did you mean '分档'?" in result.stderr   # the module beside the plan
    assert any(l.startswith("bad.plan:3:1: error: unknown module '达城'") for l in lines)
    assert "did you mean '达成'?" in result.stderr   # a module of the stdlib


def test_modules_importing_each_other_name_both_files(folder):
    (folder / "甲.plan").write_text('module "甲"\nimport 乙\nfn f(x: money) -> money = 乙.g(x)\n', encoding="utf-8")
    (folder / "乙.plan").write_text('module "乙"\n\nimport 甲\nfn g(x: money) -> money = x * 2\n', encoding="utf-8")
    result = check_file(folder, "c.plan", 'plan "c" { currency CNY }\nimport 甲\n')
    # reported at 乙's import of 甲 (line 3), naming 甲's import of 乙 (line 2) as the other end
    assert "乙.plan:3:1: error: modules import each other in a circle: 甲.plan → 乙.plan → 甲.plan [E107 cyclic-definition]" in result.stderr
    assert "= note: 甲.plan imports 乙.plan here (甲.plan:2:1)" in result.stderr


def test_a_name_taken_twice_names_both_places(folder):
    result = check_file(folder, "dup.plan", 'plan "d" { currency CNY }\nimport 分档\nimport 达成 as 分档\nlet 达成 = 1\nimport 达成\n')
    assert "dup.plan:3:1: error: '分档' is defined twice [E106 duplicate-definition]" in result.stderr
    assert "= note: first defined here (dup.plan:2:1)" in result.stderr
    # imports are claimed before definitions: the let is the second
    assert "dup.plan:4:1: error: '达成' is defined twice [E106 duplicate-definition]" in result.stderr
    assert "= note: first defined here (dup.plan:5:1)" in result.stderr


def test_an_unknown_name_in_a_namespace_gets_a_did_you_mean(folder):
    result = check_file(folder, "u.plan", 'plan "u" { currency CNY }\nimport 分档 as F\nlet a = F.提层(1元)\nlet b = F.门栏\n')
    assert "u.plan:3:11: error: module 'F' has no function or tier table '提层' [E102 unknown-name]" in result.stderr
    assert "did you mean '提成'?" in result.stderr
    assert "u.plan:4:11: error: module 'F' has no definition '门栏' [E102 unknown-name]" in result.stderr
    assert "did you mean '门槛'?" in result.stderr


def test_a_module_holds_no_plan_items(folder):
    result = check_file(folder, "m.plan", 'module "m"\ninput reps: record { rep: payee }\npayout "p" = 1元\n')
    assert "m.plan:2:1: error: a module holds functions, tier tables, definitions, imports and tests" in result.stderr
    assert "m.plan:3:1: error: a module holds functions" in result.stderr


def test_a_module_beside_the_plan_comes_before_the_stdlib(folder):
    (folder / "达成.plan").write_text('module "达成"\nfn 达成率(实际: money, 目标: money) -> percent = 50%\n', encoding="utf-8")
    (folder / "own.plan").write_text('plan "o" { currency CNY }\nimport 达成\nlet r = 达成.达成率(2元, 1元)\n'
                                     'test "t" { expect r = 50% }\n', encoding="utf-8")  # the folder's own: always 50%, not 2 ÷ 1
    result = run_plan_cli("test", "own.plan", cwd=folder)
    assert result.returncode == 0, result.stdout + result.stderr
