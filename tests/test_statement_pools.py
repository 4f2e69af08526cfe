"""A pool's steps read in Chinese, a share's statement line says where it came from, and the
payee who splits a pool sees the split on his statement.

S4's regional pool in 2024-02 (plans/s4_classic_schemes): 华东区 sells 500,000 through its
members (王磊 250,000, 李娜 250,000, 张伟 0), so the pool is 500,000 × 2% = 10,000.00; half of
it equally among 3 = 1,666.666… each (1,666.67, 1,666.67, 1,666.66: the two cents go to the
higher sales), half pro rata to sales = 2,500.00, 2,500.00, 0.00.
"""
from __future__ import annotations

import re
from decimal import Decimal

from dsl.core import i18n
from dsl.core.display import format_number

from conftest import ROOT, run_plan_cli

S4 = str(ROOT / "plans" / "s4_classic_schemes" / "plan.plan")
S10 = str(ROOT / "plans" / "s10_hotel_sales" / "plan.plan")


def test_a_shares_explanation_reads_in_chinese():
    result = run_plan_cli("explain", S4, "--payee", "张伟", "--period", "2024-02", "--line", "区域提成(均分50%)", "--lang", "zh")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[2] == "区域提成(均分50%) = 1,666.66"
    assert lines[3].startswith('├─ 华东区 的奖池 "区域提成池(区域销售额2%)" = 10,000.00  → plan explain')
    assert lines[4] == "├─ 50% 由 3 名成员均分，精确值 = 1,666.6666666667…"  # 10,000 × 50% ÷ 3
    assert lines[5] == "└─ 余数处理：向下取整到 0.01（最大余数法，相同时按 销售额 从高到低，再按收款人编号） = 1,666.66"


def test_a_pools_split_reads_in_chinese_and_keeps_who_and_which_line():
    result = run_plan_cli("explain", S4, "--payee", "华东区", "--period", "2024-02", "--line", "区域提成池(区域销售额2%)", "--lang", "zh")
    assert result.returncode == 0, result.stderr
    assert "├─ 张伟: 区域提成(均分50%)（50% 由 3 名成员均分） = 1,666.66" in result.stdout
    assert "└─ 张伟: 区域提成(按销售额50%)（50% 按 销售额 比例分配（合计 500,000）） = 0.00" in result.stdout
    steps = [line for line in result.stdout.splitlines() if "由 3 名成员均分" in line or "比例分配" in line]
    assert len(steps) == 6
    for line in steps:  # no English word of the tool's left in a step (the pointer's command aside)
        assert not re.search(r"\b(?:equally|among|members|pro rata|exactly|pool|of)\b", line.split("→")[0]), line


def test_a_shares_statement_line_names_the_pool_the_rule_and_the_remainder_step():
    result = run_plan_cli("statement", S4, "--payee", "张伟", "--period", "2024-02", "--format", "md", "--lang", "zh")
    assert result.returncode == 0, result.stderr
    (row,) = [line for line in result.stdout.splitlines() if line.startswith("| 区域提成(均分50%)")]
    assert row.split(" | ")[1] == "1,666.66"
    assert '华东区 的奖池 "区域提成池(区域销售额2%)" = 10,000.00；50% 由 3 名成员均分，精确值 = 1,666.6666666667…；余数处理：' in row
    # the pro rata share of 0 sales: 0 × 5,000 / 500,000 is exactly 0.00, so no remainder step is shown
    (row,) = [line for line in result.stdout.splitlines() if line.startswith("| 区域提成(按销售额50%)")]
    assert "精确值 = 0.00 |" in row and "余数处理" not in row


def test_the_payee_who_splits_a_pool_sees_the_split_on_his_statement():
    result = run_plan_cli("statement", S4, "--payee", "华东区", "--period", "2024-02", "--format", "md", "--lang", "en")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "## pools split and funds kept" in text
    (pool,) = [line for line in text.splitlines() if line.startswith("- 区域提成池(区域销售额2%)")]
    assert pool.startswith("- 区域提成池(区域销售额2%) (pool, not paid) 10,000.00: ")
    parts = re.findall(r"\) ([\d,]+\.\d\d)(?:;|$)", pool)
    # 1,666.67 + 1,666.67 + 1,666.66 + 2,500.00 + 2,500.00 + 0.00 = 10,000.00
    assert [Decimal(p.replace(",", "")) for p in parts] == [Decimal(v) for v in ("1666.67", "1666.67", "1666.66", "2500.00", "2500.00", "0.00")]
    assert sum(Decimal(p.replace(",", "")) for p in parts) == Decimal("10000.00")


def test_a_fund_on_a_statement_lists_what_went_into_it():
    # S10, 2026-04: 陈静 and 周婷 miss their own target, so their 4,750.00 each (28,500 × 50% ÷ 3) go to the fund
    result = run_plan_cli("statement", S10, "--payee", "赵刚", "--period", "2026-04", "--format", "md", "--lang", "zh")
    assert result.returncode == 0, result.stderr
    (fund,) = [line for line in result.stdout.splitlines() if line.startswith("- 部门绩效奖金结余")]
    assert fund.startswith("- 部门绩效奖金结余（基金，不发放）9,500.00：")
    assert fund.count("的份额：不符合条件 4,750.00") == 2


def test_a_ranking_step_reads_in_chinese():
    english = "rank 3 of 25 payees by 业绩 = 1,000.00 (ties by 业绩, then payee id); band [1, 3]"
    assert i18n.translate(english, "zh") == "按 业绩 在 25 名收款人中排第 3 名，业绩 = 1,000.00（相同时按 业绩，再按收款人编号）；档位 [1, 3]"


def test_a_zero_is_shown_without_a_sign():
    # −(3,180.00) × (100% − 100%) is −0 in exact arithmetic: a person reads 0.00
    assert format_number(Decimal("-0.00"), 2) == "0.00"
    assert format_number(Decimal("-0"), None) == "0"
    assert format_number(Decimal("-0.004"), 2) == "0.00"
