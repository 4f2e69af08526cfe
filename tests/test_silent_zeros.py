"""Mistakes that used to pay everyone 0 (or everyone everything) with exit 0: each now
gives a diagnostic with its code, line and column, or reads the data as meant.
Real plan files and CSV data in tmp_path, real `plan` subprocesses."""
from __future__ import annotations

import json
from pathlib import Path

from conftest import run_plan_cli

HEAD = 'plan "x" { currency CNY  payee rep  rounding half_up to 0.01 }\n'


def write(tmp_path: Path, plan: str, **files: str) -> Path:
    (tmp_path / "plan.plan").write_text(HEAD + plan, encoding="utf-8")
    (tmp_path / "data").mkdir(exist_ok=True)
    for name, text in files.items():
        (tmp_path / "data" / f"{name}.csv").write_text(text, encoding="utf-8")
    return tmp_path / "plan.plan"


def totals(tmp_path: Path) -> dict[str, str]:
    done = run_plan_cli("run", "plan.plan", "--format", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return {p["payee"]: p["total"] for p in json.loads(done.stdout)["payees"]}


def test_a_ratio_compared_with_a_bare_number_is_named(tmp_path):
    write(tmp_path, "input reps: record { rep: payee, sales: money, target: money }\n"
                    "let 完成率 = if reps.target > 0 then reps.sales / reps.target else 0%\n"
                    'payout "达标奖" = 1000元 when 完成率 >= 80\n')
    done = run_plan_cli("lint", "plan.plan", cwd=tmp_path)
    # line 4 (after the header); `80` is character 34 of `payout "达标奖" = 1000元 when 完成率 >= 80`
    assert "plan.plan:4:34: warning: 完成率 is a percent but 80 is a bare number" in done.stdout  # findings are lint's results
    assert "[L030 percent-compared-with-number]" in done.stdout and "完成率 >= 80%" in done.stdout


def test_a_number_column_compared_with_a_percent_is_named(tmp_path):
    write(tmp_path, "input reps: record { rep: payee, score: number }\n"
                    'payout "评分奖" = 500元 when reps.score >= 80%\n')
    done = run_plan_cli("lint", "plan.plan", cwd=tmp_path)
    assert "plan.plan:3:40: warning: reps.score is a plain number but 80% is a percent, i.e. 0.8" in done.stdout


def test_percent_points_reads_85_as_85_percent(tmp_path):
    write(tmp_path, "input reps: record { rep: payee, 达成: percent(points), sales: money }\n"
                    'payout "奖金" = reps.sales * 1% when reps.达成 >= 80%\n',
          reps="rep,达成,sales\n甲,85,100万\n乙,79.5,100万\n丙,90%,10万\n")
    # 甲 85 → 85% ≥ 80%: 100万 × 1% = 10000.00; 乙 79.5% < 80%: 0; 丙 90% (written with %): 10万 × 1% = 1000.00
    assert totals(tmp_path) == {"甲": "10000.00", "乙": "0.00", "丙": "1000.00"}
    engine = run_plan_cli("run", "plan.plan", "--format", "json", "--engine", "duckdb", cwd=tmp_path)
    assert engine.returncode == 0 and [p["total"] for p in json.loads(engine.stdout)["payees"]] == ["10000.00", "0.00", "1000.00"]


def test_a_plain_percent_column_still_refuses_85(tmp_path):
    write(tmp_path, "input reps: record { rep: payee, 达成: percent, sales: money }\n"
                    'payout "奖金" = reps.sales * 1% when reps.达成 >= 80%\n', reps="rep,达成,sales\n甲,85,100万\n")
    done = run_plan_cli("run", "plan.plan", cwd=tmp_path)
    assert done.returncode == 1 and "data/reps.csv:2:2: error:" in done.stderr
    assert "declare the column percent(points)" in done.stderr


def test_percent_takes_only_points(tmp_path):
    write(tmp_path, "input reps: record { rep: payee, 达成: percent(pts) }\n")
    done = run_plan_cli("check", "plan.plan", cwd=tmp_path)
    assert done.returncode == 1 and "plan.plan:2:38: error: percent takes one reading, percent(points)" in done.stderr


def test_a_table_without_a_payee_column_must_say_it_is_shared(tmp_path):
    plan = ("input reps: record { rep: payee, grade: text, sales: money }\n"
            "input grades: table { grade: text, rate: percent }\n"
            'payout "提成" = reps.sales * sum(grades.rate where grade == "A")\n')
    write(tmp_path, plan, reps="rep,grade,sales\n甲,A,100万\n乙,B,50万\n", grades="grade,rate\nA,2%\nB,1%\n")
    done = run_plan_cli("check", "plan.plan", cwd=tmp_path)
    assert done.returncode == 1
    assert "plan.plan:3:1: error: table input 'grades' has no payee column, so every payee would read all its rows" in done.stderr
    assert "input grades: shared table" in done.stderr
    (tmp_path / "plan.plan").write_text(HEAD + plan.replace("grades: table", "grades: shared table"), encoding="utf-8")
    # every payee reads both grade rows; only grade A's 2% is summed: 甲 100万 × 2% = 20000.00, 乙 50万 × 2% = 10000.00
    assert totals(tmp_path) == {"甲": "20000.00", "乙": "10000.00"}
    assert run_plan_cli("fmt", "--check", "plan.plan", cwd=tmp_path).returncode in (0, 1)  # parses; layout aside
    formatted = run_plan_cli("fmt", "--diff", "plan.plan", cwd=tmp_path)
    assert "input grades: shared table {" in formatted.stdout


def test_shared_is_only_for_tables_without_payees(tmp_path):
    write(tmp_path, "input reps: shared record { rep: payee }\ninput deals: shared table { rep: payee, amount: money }\n")
    done = run_plan_cli("check", "plan.plan", cwd=tmp_path)
    assert "plan.plan:2:1: error: only a table is shared: a record input cannot be" in done.stderr
    assert "plan.plan:3:1: error: shared table 'deals' is read whole by every payee, so it has no payee column, but 'rep' is one" in done.stderr


def test_a_run_that_pays_nobody_is_an_error(tmp_path):
    write(tmp_path, "input reps: record { rep: payee, sales: money }\npayout \"a\" = reps.sales * 1%\n", reps="rep,sales\n")
    done = run_plan_cli("run", "plan.plan", cwd=tmp_path)
    assert done.returncode == 1 and "[R004 nobody-paid]" in done.stderr and done.stdout == ""


def test_a_money_flag_is_rounded_by_the_plans_rule_and_printed_at_one_scale(tmp_path):
    write(tmp_path, "input reps: record { rep: payee, sales: money }\n"
                    'flag "预估奖金" = reps.sales * 1.2345%\nflag "比例" = 1.2345%\npayout "a" = reps.sales * 1%\n',
          reps="rep,sales\n甲,100000\n乙,33333.33\n")
    for engine in ("interpreter", "duckdb"):
        done = run_plan_cli("run", "plan.plan", "--format", "json", "--engine", engine, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        flags = {p["payee"]: {f["flag"]: f["value"] for f in p["flags"]} for p in json.loads(done.stdout)["payees"]}
        # 100000 × 1.2345% = 1234.5 → 1234.50; 33333.33 × 1.2345% = 411.49995885 → 411.50 (half_up to 0.01);
        # the percent flag is not money and keeps its value
        assert flags == {"甲": {"预估奖金": "1234.50", "比例": "0.012345"}, "乙": {"预估奖金": "411.50", "比例": "0.012345"}}
