"""The standard library: every module's own tests pass under `plan test`, the modules
are clean for check, lint and fmt, a few of their functions recomputed here by hand,
and the bundled plans that call them keep their results."""
from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import pytest

import dsl
from conftest import ROOT, run_plan_cli
from dsl.check.modules import STDLIB, stdlib_modules

MODULES = sorted(STDLIB.glob("*.plan"))
USERS = ["s4_classic_schemes", "s7_logistics_2022", "s8_service_sales", "s13_customer_volume"]


def test_the_stdlib_has_the_modules_the_docs_list():
    assert {"达成", "阶梯", "提成"} <= set(stdlib_modules())
    assert (ROOT / "stdlib").resolve() == STDLIB  # the stdlib/ folder of the docs is the bundled one


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.stem)
def test_every_module_has_tests_and_they_pass(module):
    result = run_plan_cli("test", str(module.relative_to(ROOT)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 failed" in result.stdout and not result.stdout.startswith("0 passed")
    assert "#" in module.read_text(encoding="utf-8").splitlines()[0]  # a module opens with its doc comment


def test_plan_test_stdlib_folder_runs_them_all():
    result = run_plan_cli("test", "stdlib/")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "passed, 0 failed" in result.stdout


def test_the_modules_check_lint_and_are_formatted():
    for command in (("check",), ("lint",), ("fmt", "--check")):
        result = run_plan_cli(*command, "stdlib/")
        assert result.returncode == 0, (command, result.stdout + result.stderr)


CALLS = '''plan "库" { currency CNY  payee rep  rounding half_up to 0.01 }
import 达成
import 阶梯
import 提成
test "by hand" {
  expect 达成.限定达成(45万, 60万, 80%, 120%) = 80%            # 75% floored at 80%
  expect 达成.按天折算(9000元, 2026-02-15, 2026-02) = 4500        # February 2026 has 28 days; 15..28 is 14: 9,000 × 14 ÷ 28
  expect 阶梯.超额两档(30万, 20万, 1%, 2%) = 4000                 # 20万×1% + 10万×2%
  expect 阶梯.全额三档(30万, 10万, 20万, 1%, 2%, 3%) = 9000       # 30万 reaches 20万: 30万×3%
  expect 阶梯.大客户提成(100万) = 25000                           # 50万×2% + 50万×3%
  expect 提成.退货封顶提成(20万, 1万, 3%, 10%) = 5700             # 5% returned: (20万 − 1万) × 3%
  expect 提成.服务提成(10, 80元, 90) = 960                        # 10 × 80 × 1.2
}
'''


def test_module_functions_called_from_a_plan_give_the_hand_values():
    compilation = dsl.load(CALLS, "calls.plan")
    assert compilation.ok, compilation.diagnostics
    outcomes = dsl.run_tests(compilation.plan)
    assert [(o.name, o.passed, o.checked) for o in outcomes] == [("by hand", True, 7)]


@pytest.mark.parametrize("name", USERS)
def test_the_plans_that_use_the_stdlib_keep_their_results(name):
    path = f"plans/{name}/plan.plan"
    text = (ROOT / path).read_text(encoding="utf-8")
    assert "\nimport " in text  # the plan calls the library
    # the golden results were recorded before the plan called the library
    run = run_plan_cli("run", path, "--format", "json")
    assert run.returncode == 0, run.stderr
    golden = ROOT / "tests" / "golden" / "plans" / f"{name}__plan" / "run.json"
    assert run.stdout == golden.read_text(encoding="utf-8")
    tests = run_plan_cli("test", path)
    assert tests.returncode == 0, tests.stdout + tests.stderr


def test_s8_collection_rate_through_the_library():
    text = '''plan "x" { currency CNY  rounding half_up to 0.01 }
import 达成
test "回款率" { expect 达成.达成率(49.5万, 50万) = 99%  expect 达成.达成率(1元, 0元) = 0% }
'''  # 495,000 ÷ 500,000; no sales: 0%, as the plan wrote it before
    assert [o.passed for o in dsl.run_tests(dsl.load(text, "x.plan").plan)] == [True]


def test_the_stdlib_is_package_data():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"dsl" = ["py.typed", "stdlib/*.plan"]' in text
    # an installed package finds its stdlib beside its code, wherever it runs from
    found = subprocess.run([sys.executable, "-c", "from dsl.check.modules import stdlib_modules; print(' '.join(stdlib_modules()))"],
                           capture_output=True, text=True, encoding="utf-8", cwd="/")
    assert {"达成", "阶梯", "提成"} <= set(found.stdout.split())
