"""`plan diff` and `--set` end to end: real plans, real data, the real command.

The plan change under test is S1's marginal band [100万, 200万) raised from 4% to
4.5%. S1's data (plans/s1_big_account/data) has two payees:
  甲: deals 120万 (renewed) + 80万 = 200万; renewal rate 85%, satisfaction 92
  乙: one deal 120万, not renewed;        renewal rate 60%, satisfaction 88
Old pay, by hand:
  甲: 销售额提成 50万×2% + 50万×3% + 100万×4% = 10,000 + 15,000 + 40,000 = 65,000
      续签奖励 120万 × 0.5% = 6,000 (85% ≥ 80%, 92 ≥ 90)          total 71,000.00
  乙: 销售额提成 10,000 + 15,000 + 20万×4% = 33,000; 续签奖励 0 (60% < 80%)
                                                                   total 33,000.00
The new band adds 0.5% on the part of each payee's sales inside [100万, 200万):
  甲: 100万 in the band × 0.5% = 5,000.00 → 76,000.00
  乙:  20万 in the band × 0.5% = 1,000.00 → 34,000.00
  total cost change: 5,000 + 1,000 = +6,000.00 (104,000.00 → 110,000.00)

Regenerate the golden text after an intended change of the layout with
PLAN_UPDATE_GOLDEN=1 python -m pytest tests/test_diff.py and review the diff.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

import dsl
from conftest import ROOT, run_plan_cli
from dsl.run.diff import Change, diff_runs

S1 = "plans/s1_big_account/plan.plan"
S1_DATA = ROOT / "plans" / "s1_big_account" / "data"
GOLDEN = ROOT / "tests" / "golden"
OLD_BAND, NEW_BAND = "[100万, 200万) -> 4%", "[100万, 200万) -> 4.5%"


def compare(path: Path, text: str) -> None:
    if os.environ.get("PLAN_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden {path}: run with PLAN_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


def band_raised(text: str) -> str:
    # The band appears in the marginal table 提成比例 (first, the one the payout uses) and
    # in the whole-amount table kept for a plan test; only the first is changed.
    assert text.count(OLD_BAND) == 2 and text.index(OLD_BAND) < text.index("tiers 全额读法")
    return text.replace(OLD_BAND, NEW_BAND, 1)


@pytest.fixture
def new_plan(tmp_path) -> Path:
    path = tmp_path / "new.plan"
    path.write_text(band_raised((ROOT / S1).read_text(encoding="utf-8")), encoding="utf-8")
    return path


def diff_json(*args: str) -> dict:
    result = run_plan_cli("diff", *args, "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def assert_band_deltas(document: dict) -> None:
    payees = {p["payee"]: p for p in document["payees"]}
    assert list(payees) == ["甲", "乙"]  # the run's order
    jia, yi = payees["甲"], payees["乙"]
    assert (jia["old"], jia["new"], jia["delta"], jia["change"]) == ("71000.00", "76000.00", "5000.00", "gain")  # 100万 × 0.5%
    assert (yi["old"], yi["new"], yi["delta"], yi["change"]) == ("33000.00", "34000.00", "1000.00", "gain")  # 20万 × 0.5%
    # only the commission line changed: 65,000 + 5,000 and 33,000 + 1,000; 续签奖励 is the same
    assert jia["lines"] == [{"line": "销售额提成", "kind": "payout", "old": "65000.00", "new": "70000.00", "delta": "5000.00"}]
    assert yi["lines"] == [{"line": "销售额提成", "kind": "payout", "old": "33000.00", "new": "34000.00", "delta": "1000.00"}]
    # 71,000 + 33,000 = 104,000 → 76,000 + 34,000 = 110,000: +6,000
    assert document["total"] == {"old": "104000.00", "new": "110000.00", "delta": "6000.00"}
    assert document["counts"] == {"gain": 2, "lose": 0, "unchanged": 0, "new": 0, "removed": 0}


# ---- a plan change --------------------------------------------------------------


def test_text_output_matches_the_golden_in_both_languages(new_plan):
    for lang in ("zh", "en"):
        result = run_plan_cli("diff", S1, str(new_plan), "--data", str(S1_DATA), "--lang", lang)
        assert result.returncode == 0, result.stderr
        compare(GOLDEN / f"diff_s1_band.{lang}.txt", result.stdout)
        # the hand figures, whatever the layout: +5,000 for 甲, +1,000 for 乙, +6,000 in all
        assert "+5,000.00" in result.stdout and "+1,000.00" in result.stdout and "+6,000.00" in result.stdout
    assert "total cost change: +6,000.00 (old 104,000.00 → new 110,000.00)" in result.stdout
    assert "payees: 2 gain, 0 lose, 0 unchanged, 0 new, 0 removed" in result.stdout


def test_json_output_field_by_field(new_plan):
    document = diff_json(S1, str(new_plan), "--data", str(S1_DATA))
    assert_band_deltas(document)
    assert document["currency"] == "CNY" and document["old_plan"] == document["new_plan"] == "大客户销售提成"


def test_the_default_data_is_beside_the_new_plan(tmp_path, new_plan):
    # no --data and no data/ folder beside the new plan: a usage error, as plan run
    result = run_plan_cli("diff", S1, str(new_plan))
    assert result.returncode == 2
    assert "no data/ folder beside" in result.stderr
    shutil.copytree(S1_DATA, tmp_path / "data")
    assert_band_deltas(diff_json(S1, str(new_plan)))


def test_a_plan_against_itself_changes_nothing():
    document = diff_json(S1, S1)
    assert document["total"] == {"old": "104000.00", "new": "104000.00", "delta": "0.00"}  # 71,000 + 33,000 on both sides
    assert [p["lines"] for p in document["payees"]] == [[], []]
    assert document["counts"]["unchanged"] == 2


def test_xlsx_is_byte_identical_on_rerun(tmp_path, new_plan):
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    for out in (first, second):
        result = run_plan_cli("diff", S1, str(new_plan), "--data", str(S1_DATA), "--format", "xlsx", "--out", str(out))
        assert result.returncode == 0, result.stderr
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as book:
        payees = book.read("xl/worksheets/sheet1.xml").decode("utf-8")
        summary = book.read("xl/worksheets/sheet3.xml").decode("utf-8")
    assert "<v>5000.00</v>" in payees and "<v>1000.00</v>" in payees  # 甲's and 乙's deltas, exact
    assert "<v>6000.00</v>" in summary  # the total cost change


def test_xlsx_needs_out(new_plan):
    result = run_plan_cli("diff", S1, str(new_plan), "--data", str(S1_DATA), "--format", "xlsx")
    assert result.returncode == 2
    assert "--out" in result.stderr


# ---- git revisions --------------------------------------------------------------


def git(repo: Path, *args: str) -> None:
    env = dict(os.environ, GIT_AUTHOR_NAME="analyst", GIT_AUTHOR_EMAIL="analyst@example.com",
               GIT_COMMITTER_NAME="analyst", GIT_COMMITTER_EMAIL="analyst@example.com")
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=env)


@pytest.fixture
def repo(tmp_path) -> Path:
    """A git repository holding S1 (v1, committed) in plans/s1/, its working file edited to v2."""
    repo = tmp_path / "repo"
    folder = repo / "plans" / "s1"
    shutil.copytree(S1_DATA, folder / "data")
    text = (ROOT / S1).read_text(encoding="utf-8")
    (folder / "plan.plan").write_text(text, encoding="utf-8")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "v1")
    (folder / "plan.plan").write_text(band_raised(text), encoding="utf-8")
    return repo


def test_rev_compares_the_working_file_with_a_revision(repo):
    # run from the project, not from the repository: git runs in the file's own folder
    assert_band_deltas(diff_json(str(repo / "plans" / "s1" / "plan.plan"), "--rev", "HEAD"))


def test_two_revisions(repo):
    git(repo, "commit", "-q", "-am", "v2")
    # v1 → v2 is the band change, run from inside the repository with a relative path
    result = run_plan_cli("diff", "plans/s1/plan.plan", "--rev", "HEAD~1", "--rev", "HEAD", "--format", "json", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert_band_deltas(json.loads(result.stdout))
    # HEAD against the working file (the same text): no change
    assert diff_json(str(repo / "plans" / "s1" / "plan.plan"), "--rev", "HEAD")["total"]["delta"] == "0.00"


def test_an_unknown_revision_is_a_usage_error(repo):
    result = run_plan_cli("diff", str(repo / "plans" / "s1" / "plan.plan"), "--rev", "HEAD~5")
    assert result.returncode == 2
    assert "--rev HEAD~5: git cannot show" in result.stderr


def test_a_revision_that_does_not_check_is_reported_with_its_location(repo):
    plan = repo / "plans" / "s1" / "plan.plan"
    text = plan.read_text(encoding="utf-8")
    lines = text.count("\n")
    plan.write_text(text + 'payout "坏" = 1元 + 2%\n', encoding="utf-8")
    git(repo, "commit", "-q", "-am", "broken")
    result = run_plan_cli("diff", "plans/s1/plan.plan", "--rev", "HEAD", cwd=repo)
    assert result.returncode == 1
    # the appended line is line lines+1; `1元` starts after `payout "坏" = ` (13 characters): column 14
    assert f"HEAD:plans/s1/plan.plan:{lines + 1}:14: error: cannot add money and a percent" in result.stderr


# ---- what if: --set -------------------------------------------------------------


def run_totals(*args: str) -> dict:
    result = run_plan_cli("run", S1, *args, "--format", "json")
    assert result.returncode == 0, result.stderr
    return {p["payee"]: ({l["line"]: l["value"] for l in p["lines"]}, p["total"]) for p in json.loads(result.stdout)["payees"]}


def test_run_set_a_percent_field():
    # 甲's renewal rate 85% → 79%: below 80%, so no 续签奖励: 71,000 − 6,000 = 65,000
    totals = run_totals("--set", "reps.renewal_rate=79%")
    assert totals["甲"] == ({"销售额提成": "65000.00", "续签奖励": "0.00"}, "65000.00")
    assert totals["乙"][1] == "33000.00"  # 乙 was already below 80%: unchanged


def test_run_set_money_and_bool_fields_in_the_cell_grammar():
    # every deal 50万 and renewed (是):
    # 甲: two deals, 100万: 50万×2% + 50万×3% = 25,000; 续签奖励 100万 × 0.5% = 5,000 → 30,000
    # 乙: one deal, 50万: 50万×2% = 10,000; 续签奖励 0 (renewal rate 60% < 80%) → 10,000
    totals = run_totals("--set", "deals.amount=50万", "--set", "deals.renewed=是")
    assert totals["甲"] == ({"销售额提成": "25000.00", "续签奖励": "5000.00"}, "30000.00")
    assert totals["乙"] == ({"销售额提成": "10000.00", "续签奖励": "0.00"}, "10000.00")


def test_diff_set_applies_to_the_new_side_only():
    # S1 against itself with 甲's satisfaction at 89 (< 90): 甲 loses 续签奖励 120万 × 0.5% = 6,000
    document = diff_json(S1, S1, "--set", "reps.satisfaction=89")
    jia, yi = document["payees"]
    assert (jia["payee"], jia["old"], jia["new"], jia["delta"], jia["change"]) == ("甲", "71000.00", "65000.00", "-6000.00", "lose")
    assert jia["lines"] == [{"line": "续签奖励", "kind": "payout", "old": "6000.00", "new": "0.00", "delta": "-6000.00"}]
    assert (yi["delta"], yi["change"]) == ("0.00", "unchanged")  # 乙 earned no 续签奖励 before either
    assert document["total"]["delta"] == "-6000.00"
    assert document["counts"] == {"gain": 0, "lose": 1, "unchanged": 1, "new": 0, "removed": 0}


def test_a_plan_change_and_a_what_if_together(new_plan):
    # the raised band (+5,000 for 甲, +1,000 for 乙) and 甲 losing 续签奖励 (−6,000): 甲 −1,000, 乙 +1,000, total 0
    document = diff_json(S1, str(new_plan), "--data", str(S1_DATA), "--set", "reps.renewal_rate=79%")
    assert [(p["payee"], p["delta"]) for p in document["payees"]] == [("甲", "-1000.00"), ("乙", "1000.00")]
    assert document["total"]["delta"] == "0.00"
    assert document["counts"] == {"gain": 1, "lose": 1, "unchanged": 0, "new": 0, "removed": 0}


@pytest.mark.parametrize("command", ["run", "diff"])
def test_an_unknown_field_is_a_usage_error_with_did_you_mean(command):
    args = [S1] + ([S1] if command == "diff" else [])
    result = run_plan_cli(command, *args, "--set", "reps.renewal_rat=79%")
    assert result.returncode == 2
    assert "--set reps.renewal_rat=79%: input reps has no field 'renewal_rat'; did you mean 'renewal_rate'?" in result.stderr
    result = run_plan_cli(command, *args, "--set", "rep.satisfaction=89")
    assert result.returncode == 2
    assert "the plan has no input 'rep'" in result.stderr and "did you mean 'reps'?" in result.stderr


def test_a_value_of_the_wrong_type_names_the_option_and_the_value():
    result = run_plan_cli("run", S1, "--set", "reps.renewal_rate=0.79")
    assert result.returncode == 2
    assert "--set reps.renewal_rate=0.79: the value '0.79' does not read as percent" in result.stderr
    assert "has no % sign" in result.stderr  # the loader's own message for the cell
    result = run_plan_cli("run", S1, "--set", "deals.amount=十万")
    assert result.returncode == 2
    assert "--set deals.amount=十万: the value '十万' does not read as money(CNY)" in result.stderr


def test_the_payee_field_cannot_be_set():
    result = run_plan_cli("run", S1, "--set", "reps.rep=甲")
    assert result.returncode == 2
    assert "reps.rep says whose row it is" in result.stderr


def test_a_let_is_set_in_a_copy_of_the_plan():
    # sales = 100万 for everyone: 50万 × 2% + 50万 × 3% = 25,000.00 each; 续签奖励 reads the data (甲 6,000.00)
    result = run_plan_cli("run", S1, "--set", "sales=100万")
    assert result.returncode == 0, result.stderr
    rows = result.stdout.splitlines()
    assert "甲,quarter,销售额提成,payout,25000.00" in rows and "乙,quarter,销售额提成,payout,25000.00" in rows
    assert "甲,quarter,续签奖励,payout,6000.00" in rows


def test_a_let_and_an_input_field_together_on_diff():
    # new side: sales = 100万 (甲 65,000 → 25,000, 乙 33,000 → 25,000) and renewal rate 79% (甲's 续签奖励 6,000 → 0)
    # 甲 −40,000 − 6,000 = −46,000; 乙 −8,000; total −54,000
    document = diff_json(S1, S1, "--data", str(S1_DATA), "--set", "sales=100万", "--set", "reps.renewal_rate=79%")
    assert [(p["payee"], p["delta"]) for p in document["payees"]] == [("甲", "-46000.00"), ("乙", "-8000.00")]
    assert document["total"]["delta"] == "-54000.00"


def test_a_let_value_that_does_not_check_is_a_usage_error_with_the_reason():
    result = run_plan_cli("run", S1, "--set", "sales=3%")
    assert result.returncode == 2
    assert result.stderr == ("plan: error: --set sales=3%: the plan does not check with this value: "
                             "tier table '提成比例' has bands of money (CNY), but got a percent\n")
    result = run_plan_cli("run", S1, "--set", "sales=", "--lang", "zh")
    assert result.returncode == 2
    assert result.stderr == "plan：错误：--set sales=：请给 let 一个值，例如 --set sales=85%\n"


def test_every_dated_version_of_a_let_gets_the_value(tmp_path):
    plan = tmp_path / "dated.plan"
    plan.write_text('''plan "dated" { currency CNY  period month  payee rep  rounding half_up to 0.01 }
input deals: table by date { rep: payee, amount: money, date: date }
let 比例 = 2% effective 2026-01-01..2026-06-30
let 比例 = 3% effective 2026-07-01..2026-12-31
payout "提成" = sum(deals.amount) * 比例
''', encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    (data / "deals.csv").write_text("rep,amount,date\n甲,10000,2026-03-05\n甲,10000,2026-08-05\n", encoding="utf-8")
    before = run_plan_cli("run", str(plan), "--periods", "2026-03..2026-08")
    assert before.returncode == 0, before.stderr
    assert "甲,2026-03,提成,payout,200.00" in before.stdout and "甲,2026-08,提成,payout,300.00" in before.stdout  # 1万 × 2%, × 3%
    after = run_plan_cli("run", str(plan), "--periods", "2026-03..2026-08", "--set", "比例=5%")
    assert after.returncode == 0, after.stderr
    assert "甲,2026-03,提成,payout,500.00" in after.stdout and "甲,2026-08,提成,payout,500.00" in after.stdout  # 1万 × 5%, both


# ---- plans and files that cannot be used -------------------------------------


def test_a_new_plan_that_does_not_check(tmp_path):
    broken = tmp_path / "new.plan"
    text = (ROOT / S1).read_text(encoding="utf-8")
    broken.write_text(text + 'payout "坏" = 1元 + 2%\n', encoding="utf-8")
    result = run_plan_cli("diff", S1, str(broken), "--data", str(S1_DATA))
    assert result.returncode == 1
    assert result.stdout == ""
    # the appended line is the file's last; `1元` at column 14 (after `payout "坏" = `)
    assert f"{broken}:{text.count(chr(10)) + 1}:14: error: cannot add money and a percent [E103 type-mismatch]" in result.stderr


def test_a_missing_file_exits_as_plan_run_does(tmp_path):
    missing = tmp_path / "nosuch.plan"
    run = run_plan_cli("run", str(missing), "--data", str(S1_DATA))
    for args in ((S1, str(missing)), (str(missing), S1)):
        result = run_plan_cli("diff", *args, "--data", str(S1_DATA))
        assert result.returncode == run.returncode == 2  # a usage error, as in every command
        assert f"no such file: {missing}" in result.stderr


def test_bad_data_is_reported_with_its_row_and_column(tmp_path, new_plan):
    data = tmp_path / "data"
    shutil.copytree(S1_DATA, data)
    (data / "deals.csv").write_text("rep,customer,amount,renewed\n甲,华东,12o0,true\n", encoding="utf-8")
    result = run_plan_cli("diff", S1, str(new_plan), "--data", str(data))
    assert result.returncode == 1
    assert f"{data / 'deals.csv'}:2:3: error: column 'amount'" in result.stderr  # row 2, the amount column


# ---- the Python API ----------------------------------------------------------


def test_diff_runs_marks_payees_in_only_one_run(tmp_path):
    plan = dsl.load(ROOT / S1).plan
    old_data, new_data = tmp_path / "old", tmp_path / "new"
    for folder, deals, reps in (
        (old_data, "甲,华东,100万,false\n乙,华南,60万,false\n", "甲,85%,92\n乙,60%,88\n"),
        (new_data, "甲,华东,100万,false\n丙,华北,40万,false\n", "甲,85%,92\n丙,90%,95\n"),
    ):
        folder.mkdir()
        (folder / "deals.csv").write_text("rep,customer,amount,renewed\n" + deals, encoding="utf-8")
        (folder / "reps.csv").write_text("rep,renewal_rate,satisfaction\n" + reps, encoding="utf-8")
    diff = diff_runs(dsl.evaluate(plan, old_data), dsl.evaluate(plan, new_data))
    # 甲: 100万 on both sides: 50万×2% + 50万×3% = 25,000, unchanged
    # 丙 only in the new run: 40万 × 2% = 8,000 (no renewed deal: no 续签奖励)
    # 乙 only in the old run: 50万×2% + 10万×3% = 13,000
    assert [(p.payee, p.change, p.old, p.new, p.delta) for p in diff.payees] == [
        ("甲", Change.UNCHANGED, Decimal("25000.00"), Decimal("25000.00"), Decimal("0.00")),
        ("丙", Change.NEW, None, Decimal("8000.00"), Decimal("8000.00")),
        ("乙", Change.REMOVED, Decimal("13000.00"), None, Decimal("-13000.00")),
    ]
    assert diff.delta == Decimal("-5000.00")  # +8,000 − 13,000
    assert (diff.count(Change.NEW), diff.count(Change.REMOVED), diff.count(Change.UNCHANGED)) == (1, 1, 1)
    removed = diff.payees[2]
    assert [(l.label, l.old, l.new, l.delta) for l in removed.lines] == [
        ("销售额提成", Decimal("13000.00"), None, Decimal("-13000.00")),
        ("续签奖励", Decimal("0.00"), None, Decimal("0.00")),
    ]


def test_new_and_removed_payees_are_marked_in_the_text():
    from dsl.render.diff import render_text
    from dsl.run.results import Line, PayeeResult, RunResult

    plan = dsl.load(ROOT / S1).plan

    def run(**totals):
        return RunResult(plan, tuple(PayeeResult(p, (Line("销售额提成", "payout", Decimal(t)),), (), Decimal(t)) for p, t in totals.items()))

    text = render_text(diff_runs(run(甲="10.00", 乙="5.00"), run(甲="12.50", 丙="1.00")), "en")
    assert "丙 (new)" in text and "乙 (removed)" in text
    # 2.50 + 1.00 − 5.00 = −1.50
    assert "total cost change: -1.50 (old 15.00 → new 13.50)" in text
    assert "payees: 1 gain, 0 lose, 0 unchanged, 1 new, 1 removed" in text


def test_set_on_the_duckdb_engine_gives_the_same_pay():
    # every deal 50万, on the plan lowered to SQL (real DuckDB): 甲 two deals, 100万:
    # 50万×2% + 50万×3% = 25,000, 续签奖励 on its one renewed deal 50万 × 0.5% = 2,500; 乙 50万 × 2% = 10,000
    totals = run_totals("--set", "deals.amount=50万", "--engine", "duckdb")
    assert totals["甲"] == ({"销售额提成": "25000.00", "续签奖励": "2500.00"}, "27500.00")
    assert totals["乙"] == ({"销售额提成": "10000.00", "续签奖励": "0.00"}, "10000.00")


def test_several_periods_a_row_per_payee_and_period_counted_once_per_payee():
    s3 = "plans/s3_sales_commission/plan.plan"  # quarterly, four quarters of data, four reps
    result = run_plan_cli("diff", s3, s3, "--set", "rates.usd_cny=7.20", "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["periods"] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert len(document["payees"]) == 16  # 4 reps × 4 quarters
    # a dearer dollar raises the yuan pay of everyone paid in a quarter; 赵磊 is paid nothing in any
    assert document["counts"] == {"gain": 3, "lose": 0, "unchanged": 1, "new": 0, "removed": 0}
    first = document["payees"][0]
    # 张敏's Q1 commission is 170,400.00 at 7.10 (USD 24,000), 172,800.00 at 7.20; 80% is paid in the
    # quarter (20% deferred): 138,240.00 − 136,320.00 = 1,920.00
    assert (first["payee"], first["period"], first["old"], first["new"], first["delta"]) == (
        "张敏", "2026-Q1", "136320.00", "138240.00", "1920.00")
    text = run_plan_cli("diff", s3, s3, "--set", "rates.usd_cny=7.20", "--lang", "en").stdout
    assert text.splitlines()[2].split() == ["payee", "period", "old", "new", "delta"]  # several periods: a period column
    assert text.splitlines()[3].split() == ["张敏", "2026-Q1", "136,320.00", "138,240.00", "+1,920.00"]
