"""Deep nesting is a stated limit, never a RecursionError; long let chains simply work.

Every case runs the real `plan` command on a copy of the S1 plan with one item
added. An expression may nest at most MAX_NESTING (100) levels: each operator,
call, field, `not`, `if` and negation is one level, a literal or name is one, so
a sum of N terms is N levels. Beyond that, check, lint, fmt and run all report
one E001 at the line where the item starts. A chain of lets is not nesting: any
length evaluates, and a let the taken path never reads is never evaluated.
"""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from conftest import ROOT, run_plan_cli
from dsl.syntax.parser import MAX_NESTING

S1 = ROOT / "plans" / "s1_big_account"
BASE_LINES = len((S1 / "plan.plan").read_text(encoding="utf-8").splitlines())


def plan_with(tmp_path: Path, extra: str) -> Path:
    shutil.copytree(S1 / "data", tmp_path / "data")
    text = (S1 / "plan.plan").read_text(encoding="utf-8") + extra
    (tmp_path / "plan.plan").write_text(text, encoding="utf-8")
    return tmp_path


def cli(tmp_path: Path, *args: str):
    started = time.monotonic()
    result = run_plan_cli(*args, cwd=tmp_path)
    assert time.monotonic() - started < 30
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr, result.stderr[-2000:]
    return result


def sum_of(terms: int) -> str:
    return " + ".join(["sales"] * terms)


TOO_DEEP = {
    "nots": 'flag "z" = ' + "not " * 500 + "true\n",
    "sum": 'payout "z" = ' + sum_of(600) + "\n",
    "negations": 'payout "z" = ' + "-" * 400 + "sales\n",
    "calls": 'payout "z" = ' + "max(1元, " * 300 + "sales" + ")" * 300 + "\n",
    "ifs": 'payout "z" = ' + "if sales > 0 then 1元 else " * 300 + "1元\n",
    "products": 'payout "z" = sales' + " * 1" * 1000 + "\n",
    "just past the limit": 'payout "z" = ' + sum_of(MAX_NESTING + 1) + "\n",
}


@pytest.mark.parametrize("extra", TOO_DEEP.values(), ids=TOO_DEEP.keys())
@pytest.mark.parametrize("command", ["check", "lint", "fmt", "run"])
def test_too_deep_is_one_error_at_the_item(tmp_path, extra, command):
    plan_with(tmp_path, extra)
    args = [command, "plan.plan"] + (["--check"] if command == "fmt" else [])
    result = cli(tmp_path, *args)
    assert result.returncode == 1, result.stdout + result.stderr
    shown = result.stderr + result.stdout  # lint prints its findings on stdout
    line = BASE_LINES + 1  # the added item is the line after the plan's last
    assert f"plan.plan:{line}:1: error: expressions here nest more than {MAX_NESTING} levels deep" in shown
    assert "[E001 syntax-error]" in shown and "split the expression into several lets" in shown


def test_a_sum_at_the_limit_checks_formats_and_runs(tmp_path):
    # 甲's sales are 1,200,000 + 800,000 = 2,000,000; 100 of them make 200,000,000.00.
    plan_with(tmp_path, 'payout "z" = ' + sum_of(MAX_NESTING) + "\n")
    assert cli(tmp_path, "check", "plan.plan").returncode == 0
    assert cli(tmp_path, "fmt", "--check", "plan.plan").returncode in (0, 1)
    result = cli(tmp_path, "run", "plan.plan")
    assert result.returncode == 0, result.stderr
    assert "甲,quarter,z,payout,200000000.00" in result.stdout


def let_chain(length: int) -> str:
    # c0 = sales; each later let adds 1元 to the one before
    return "let c0 = sales\n" + "".join(f"let c{i} = c{i - 1} + 1元\n" for i in range(1, length))


def test_a_chain_of_300_lets_runs(tmp_path):
    # 甲: c299 = 2,000,000 + 299 × 1 = 2,000,299.00
    plan_with(tmp_path, let_chain(300) + 'payout "z" = c299\n')
    result = cli(tmp_path, "run", "plan.plan")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "甲,quarter,z,payout,2000299.00" in result.stdout


def test_a_long_chain_keeps_lets_lazy(tmp_path):
    # `boom` divides by zero; only a path that reads it may fail. Each link reads the
    # one before only when sales > 0, so for 甲 (2,000,000) the chain is taken and boom never is:
    # d0 = sales, d_i = d_{i-1} + 1元 → d399 = 2,000,399.00.
    chain = "let boom = sales / 0\nlet d0 = sales\n" + "".join(
        f"let d{i} = if sales > 0 then d{i - 1} + 1元 else boom\n" for i in range(1, 400))
    plan_with(tmp_path, chain + 'payout "z" = d399\n')
    result = cli(tmp_path, "run", "plan.plan")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "甲,quarter,z,payout,2000399.00" in result.stdout


def test_a_failing_let_deep_in_a_chain_is_an_evaluation_error(tmp_path):
    chain = "let e0 = sales * (sales / (sales - sales))\n" + "".join(f"let e{i} = e{i - 1} + 1元\n" for i in range(1, 300))
    plan_with(tmp_path, chain + 'payout "z" = e299\n')
    result = cli(tmp_path, "run", "plan.plan")
    assert result.returncode == 1
    assert "[R001 evaluation-error]" in result.stderr and "division by zero" in result.stderr


@pytest.mark.parametrize("command", ["check", "lint", "test", "run", "explain"])
def test_a_chain_of_1500_lets_goes_through_every_command(tmp_path, command):
    # The checker's line-circle search, the lint rules that follow definitions (L011's
    # bounds, L013's guards, L018's measures) and the evaluator all walk the chain
    # without recursion. 甲: c1499 = 2,000,000 + 1,499 × 1 = 2,001,499.00.
    plan_with(tmp_path, let_chain(1500) + 'payout "z" = c1499\n')
    extra = {"explain": ["--payee", "甲", "--line", "z"]}.get(command, [])
    result = cli(tmp_path, command, "plan.plan", *extra)
    assert result.returncode in (0, 1), result.stderr[-2000:]
    if command == "run":
        assert result.returncode == 0 and "甲,quarter,z,payout,2001499.00" in result.stdout
    if command == "explain":
        assert result.returncode == 0 and ("2001499.00" in result.stdout or "2,001,499.00" in result.stdout)


def test_a_chain_of_1500_computed_columns_runs_and_explains(tmp_path):
    # deals.k0 = amount, each later column adds 1元 per deal: k1499 = amount + 1,499.
    # 甲 has two deals (1,200,000 and 800,000): 2,000,000 + 2 × 1,499 = 2,002,998.00.
    chain = "let deals.k0 = amount\n" + "".join(f"let deals.k{i} = k{i - 1} + 1元\n" for i in range(1, 1500))
    plan_with(tmp_path, chain + 'payout "z" = sum(deals.k1499)\n')
    result = cli(tmp_path, "run", "plan.plan")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "甲,quarter,z,payout,2002998.00" in result.stdout
    explained = cli(tmp_path, "explain", "plan.plan", "--payee", "甲", "--line", "z")
    assert explained.returncode == 0, explained.stderr[-2000:]
