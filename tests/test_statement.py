"""`plan statement`: a rep's pay statement, through the real CLI.

Figures are derived by hand from the plans and their data (the calculation beside
each number); the golden Markdown of S3's first payee guards the layout and is
regenerated after an intended change with
PLAN_UPDATE_GOLDEN=1 python -m pytest tests/test_statement.py
"""
from __future__ import annotations

import json
import os
import re
from decimal import Decimal
from pathlib import Path

import openpyxl

from conftest import ROOT, run_plan_cli

S1 = "plans/s1_big_account/plan.plan"
S3 = "plans/s3_sales_commission/plan.plan"
GOLDEN = ROOT / "tests" / "golden"
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+")


def statement(*args: str) -> str:
    result = run_plan_cli("statement", *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def shown(value: str) -> str:
    """A run's JSON amount as a person reads it (independently of the tool): thousands separators, two places."""
    return f"{Decimal(value):,.2f}"


# ---- S1, 甲, by hand ----------------------------------------------------------
# plans/s1_big_account/plan.plan: 提成比例 marginal [0,50万) 2%, [50万,100万) 3%, [100万,200万) 4%,
# [200万,300万) 5%, [300万,..) 6%; 续签奖励 = 0.5% × renewed deals when renewal_rate ≥ 80% and satisfaction ≥ 90.
# data: 甲 has 华东重工 1,200,000.00 (renewed) and 北方物流 800,000 (not renewed); reps: 甲 85%, 92.
# sales = 120万 + 80万 = 200万
# 销售额提成 = 50万×2% + 50万×3% + 100万×4% = 10,000 + 15,000 + 40,000 = 65,000.00
#   (200万 opens [200万, 300万): 0 in it; the next band, [300万, ..) at 6%, is 300万 − 200万 = 100万 away)
# 续签奖励 = 120万 × 0.5% = 6,000.00 (85% ≥ 80% and 92 ≥ 90)
# total = 65,000 + 6,000 = 71,000.00

def test_s1_jia_statement_numbers_by_hand():
    md = statement(S1, "--payee", "甲", "--format", "md")
    assert "| 销售额提成 | 65,000.00 | 按超额累进计算，2,000,000.00 中 500,000.00×2% + 500,000.00×3% + 1,000,000.00×4% = 65,000.00 |" in md
    assert "| 续签奖励 | 6,000.00 | 0.5% * sum(deals.amount where renewed)：0.5% × 1,200,000.00 = 6,000.00 |" in md
    assert "| **合计** | **71,000.00** | |" in md
    assert "**实发合计: 71,000.00 CNY**" in md
    assert "提成比例：2,000,000.00 在 [200万, 300万) 档（5%），距下一档（[300万, ..) 6%）还差 1,000,000.00" in md
    # the gate, with the values it compared and the amount at stake
    assert "条件 reps.renewal_rate >= 80% and reps.satisfaction >= 90 (reps.renewal_rate = 85%, reps.satisfaction = 92) 满足：本项 6,000.00 发放" in md
    # the credited rows with the input's own columns (no payee column, no file or row numbers), only 甲's
    assert "| customer | amount | renewed |" in md
    assert "| 华东重工 | 1,200,000.00 | true |" in md and "| 北方物流 | 800,000.00 | false |" in md
    assert "南方电气" not in md and "deals.csv" not in md and "| rep |" not in md
    # sales = 200万 is derived once, as a figure the tier line refers to
    assert md.count("| sales | 2,000,000.00 | `sum(deals.amount)` |") == 1
    # rounding 65,000.0000 → 65,000.00 changes nothing: not shown
    assert "：舍入" not in md


def test_s1_yi_closed_gate_says_what_is_not_paid():
    # 乙: one deal 南方电气 120万, not renewed; renewal_rate 60% < 80%: the bonus's gate is closed.
    # 销售额提成 = 50万×2% + 50万×3% + 20万×4% = 10,000 + 15,000 + 8,000 = 33,000; next band 200万 − 120万 = 80万 away
    md = statement(S1, "--payee", "乙", "--format", "md", "--lang", "en")
    assert "| 销售额提成 | 33,000.00 | marginal rates: of 1,200,000.00, 500,000.00×2% + 500,000.00×3% + 200,000.00×4% = 33,000.00 |" in md
    assert "condition reps.renewal_rate >= 80% and reps.satisfaction >= 90 (reps.renewal_rate = 60%) is not met, so 0.00 is not paid" in md
    assert "800,000.00 short of the next band ([200万, 300万), 5%)" in md


def test_cap_and_rounding_sentences_carry_the_amount_at_stake():
    # S10, 陈静 in 2026-01: 高级销售代表, 交通补贴 capped at 200元; 报销.csv row 2: 交通费 260.00 → 60.00 not paid
    md = statement("plans/s10_hotel_sales/plan.plan", "--payee", "陈静", "--period", "2026-01", "--format", "md")
    assert "| 交通补贴(实报实销) (封顶) | -60.00 | 封顶 200.00：超出部分 60.00 未发放 |" in md
    # S11, 中原食品: 999,999.99 collected × 8% = 79,999.9992 → half up to the cent 80,000.00: the rounding changed it
    md = statement("plans/s11_rebate/plan.plan", "--payee", "中原食品", "--format", "md")
    assert "返点：舍入 79,999.9992 → 80,000.00" in md
    assert "| 返点 | 80,000.00 | 返点比例(销售额) * 总收款：8% × 999,999.99 = 79,999.9992 |" in md  # the line's arithmetic, before rounding


def test_s3_hold_release_and_scaling_sentences():
    # 张敏 in 2026-Q4 (customers.csv rows 9-11): 华美 350万 大 1% = 35,000; 远东 85万 小 2% = 17,000; 海岸 新 35万 3% = 10,500;
    # 62,500 × 新产品系数 1 (94万 ÷ 470万 = 20% ÷ 20%) × 达成系数 1.175 (470万 ÷ 400万) = 73,437.50 USD × 7.10 = 521,406.25
    md = statement(S3, "--payee", "张敏", "--format", "md")
    assert "本期暂扣：累计提成 * 20% = 521,406.25 × 20% = 104,281.25" in md    # 521,406.25 × 20%
    assert "发放此前暂扣的款项（2026-Q3 79,505.80）" in md                  # Q3's 20%: 397,529 × 20%
    assert "发放时按系数 0.945 调整：-5,735.47" in md                        # 1.05 × 0.9; 104,281.25 × 0.945 = 98,545.78 − 104,281.25
    assert "| 累计提成 | 521,406.25 |" in md and md.count("| 累计提成 |") == 1  # read by two lines, shown once


def test_s3_first_payee_markdown_matches_golden_and_is_short():
    ran = run_plan_cli("run", S3, "--format", "json")
    assert ran.returncode == 0, ran.stderr
    run = json.loads(ran.stdout)
    first = run["payees"][0]["payee"]
    entry = [p for p in run["payees"] if p["payee"] == first][-1]  # the statement is of the run's last period
    md = statement(S3, "--payee", first, "--format", "md")
    golden = GOLDEN / f"statement_s3_{first}.md"
    if os.environ.get("PLAN_UPDATE_GOLDEN"):
        golden.write_text(md, encoding="utf-8")
    assert md == golden.read_text(encoding="utf-8")
    explain = run_plan_cli("explain", S3, "--payee", first)
    assert explain.returncode == 0, explain.stderr
    # at most a quarter of the explanation a rep was handed before statements existed: 12,505 characters
    # for this payee (`plan explain` then repeated every sub-derivation); and a third of today's, which
    # shows each derivation once
    assert len(md) * 4 <= 12505 and len(md) * 3 <= len(explain.stdout), (len(md), len(explain.stdout))
    for line in entry["lines"]:
        assert f"| {shown(line['value'])} |" in md, line
    assert f"**{shown(entry['total'])}**" in md


def test_xlsx_total_is_a_formula_and_reruns_are_byte_identical(tmp_path):
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    statement(S1, "--payee", "甲", "--format", "xlsx", "--out", str(first))
    statement(S1, "--payee", "甲", "--format", "xlsx", "--out", str(second))
    assert first.read_bytes() == second.read_bytes()
    book = openpyxl.load_workbook(first)
    lines, credited = book.worksheets
    rows = [[c.value for c in row] for row in lines.iter_rows()]
    assert rows[1][:2] == ["销售额提成", 65000] and rows[2][:2] == ["续签奖励", 6000]  # 50万×2% + 50万×3% + 100万×4%; 120万 × 0.5%
    assert rows[3][0] == "合计 (CNY)" and rows[3][1] == "=SUM(B2:B3)"  # Excel adds the two line cells: 65,000 + 6,000
    values = openpyxl.load_workbook(first, data_only=True).worksheets[0]
    assert Decimal(str(values["B4"].value)) == Decimal("71000")  # the cached result beside the formula: 65,000 + 6,000
    table = [[c.value for c in row] for row in credited.iter_rows()]
    assert table[0] == ["数据", "customer", "amount", "renewed"]
    assert table[1:] == [["deals", "华东重工", 1200000, True], ["deals", "北方物流", 800000, False]]


def _fixed_words(md: str, plan: str) -> list[str]:
    """The Chinese runs of a statement that are neither the plan's text nor its data (labels, names, cells)."""
    known = Path(plan).read_text(encoding="utf-8") + "".join(p.read_text(encoding="utf-8") for p in (Path(plan).parent / "data").glob("*.csv"))
    return [run for run in CJK.findall(md) if run not in known]


ZH_WORDS = re.compile("实发合计|合计|项目|金额|说明|按超额累进|距下一档|还差|封顶|保底|条件|满足|发放|暂扣|舍入|用到的数值|计入的数据行|标记|结转余额|期初|期末")
EN_WORDS = re.compile(r"total paid|explanation|marginal rates|short of the next band|figures used|rows credited|is met|held back|released from|opening")


def test_en_statement_has_no_chinese_fixed_words_and_zh_has_no_english_ones():
    for plan, payee in ((S1, "甲"), (S3, "张敏")):
        en = statement(plan, "--payee", payee, "--format", "md", "--lang", "en")
        zh = statement(plan, "--payee", payee, "--format", "md", "--lang", "zh")
        assert _fixed_words(en, plan) == []  # every Chinese run of the en statement is a label, a name or a data value
        assert not [w for w in ZH_WORDS.findall(en) if w not in Path(plan).read_text(encoding="utf-8")]
        assert EN_WORDS.search(en) and ZH_WORDS.search(zh)
        assert not EN_WORDS.search(zh)
        html = statement(plan, "--payee", payee, "--format", "html", "--lang", "en")
        assert '<html lang="en">' in html and _fixed_words(html, plan) == []


def test_unknown_payee_is_the_same_usage_error_as_in_explain_with_did_you_mean():
    result = run_plan_cli("statement", S1, "--payee", "甲x", "--format", "md")
    explained = run_plan_cli("explain", S1, "--payee", "甲x")
    assert result.returncode == explained.returncode == 2
    assert result.stderr == explained.stderr == "plan: error: payee '甲x' does not appear in the data (did you mean '甲'?)\n"
    assert result.stdout == ""


def test_all_without_a_folder_is_a_usage_error():
    result = run_plan_cli("statement", S1, "--all", "--format", "md")
    assert result.returncode == 2 and "--out DIR" in result.stderr
