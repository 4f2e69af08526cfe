"""The `plan` command end to end: run, explain, test, and bad input."""
from __future__ import annotations

import csv
import io
import json

from conftest import ROOT, run_plan_cli

S1 = "plans/s1_big_account/plan.plan"
S8 = "plans/s8_service_sales/plan.plan"


def test_run_csv_one_row_per_payee_and_line():
    result = run_plan_cli("run", S1)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    values = {(r["payee"], r["line"]): r["value"] for r in rows}
    assert values[("甲", "销售额提成")] == "65000.00"   # 50万×2% + 50万×3% + 100万×4%
    assert values[("乙", "销售额提成")] == "33000.00"   # 120万: 10,000 + 15,000 + 20万×4% = 33,000
    assert values[("乙", "续签奖励")] == "0.00"         # renewal rate 60% < 80%


def test_run_json_to_file(tmp_path):
    out = tmp_path / "s8.json"
    result = run_plan_cli("run", S8, "--format", "json", "--out", str(out))
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    totals = {p["payee"]: p["total"] for p in data["payees"]}
    assert totals["李强"] == "34800.00"   # 底薪 3,000 + (35万 + 18万) × 6% = 3,000 + 31,800
    assert totals["王芳"] == "3500.00"    # collected 99% → no commission, base 3,500


def test_explain_markdown_in_english():
    result = run_plan_cli("explain", S1, "--payee", "甲", "--line", "销售额提成", "--format", "md", "--lang", "en")
    assert result.returncode == 0, result.stderr
    assert "`band [50万, 100万): 500,000.00 × 3% = 15,000.00`" in result.stdout
    assert "续签奖励" not in result.stdout.split("## 销售额提成")[1]


def test_explain_unknown_line_is_usage_error():
    result = run_plan_cli("explain", S1, "--payee", "甲", "--line", "销售提成")
    assert result.returncode == 2
    assert "did you mean '销售额提成'?" in result.stderr


def test_explain_unknown_payee_is_usage_error():
    result = run_plan_cli("explain", S1, "--payee", "丁")
    assert result.returncode == 2
    assert "payee '丁' does not appear in the data" in result.stderr


def test_plan_test_reports_expected_vs_actual(tmp_path):
    plan = tmp_path / "wrong.plan"
    plan.write_text(
        'plan "t" { currency CNY period month payee rep }\n'
        "input deals: table { rep: payee, amount: money }\n"
        'payout "提成" = sum(deals.amount) * 2%\n'
        'test "错的期望" {\n'
        "  deals = [{amount: 100元}]\n"
        '  expect "提成" = 3\n'
        "}\n",
        encoding="utf-8",
    )
    result = run_plan_cli("test", str(tmp_path))
    assert result.returncode == 1
    # 100 × 2% = 2, not 3
    assert 'wrong.plan:6:3: error: test "错的期望": "提成" expected 3, got 2.00 [T001 test-failed]' in result.stderr
    assert '  expect "提成" = 3' in result.stderr
    assert result.stdout.strip().endswith("0 passed, 1 failed")


def test_plan_test_over_the_plans_folder():
    result = run_plan_cli("test", "plans")
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip().splitlines()[-1].endswith(" 0 failed")


def s1_data(tmp_path, deals_csv: str):
    """A data folder for S1 with the given deals.csv and one roster row for 甲."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "deals.csv").write_text(deals_csv, encoding="utf-8")
    (data / "reps.csv").write_text("rep,renewal_rate,satisfaction\n甲,85%,92\n", encoding="utf-8")
    return data


def test_bad_cell_names_file_row_and_column(tmp_path):
    data = s1_data(tmp_path, "rep,customer,amount,renewed\n甲,华东,12o0,true\n")
    result = run_plan_cli("run", S1, "--data", str(data))
    assert result.returncode == 1
    assert f"{data / 'deals.csv'}:2:3: error: column 'amount'" in result.stderr
    assert "[D003 bad-value]" in result.stderr


def test_unknown_payee_in_data(tmp_path):
    data = s1_data(tmp_path, "rep,customer,amount\n甲,华东,100\n丙,华北,100\n")
    result = run_plan_cli("run", S1, "--data", str(data))
    assert result.returncode == 1
    assert f"{data / 'deals.csv'}:3:1:" in result.stderr   # row 3, the rep column
    assert "[D004 unknown-payee]" in result.stderr


def test_missing_column(tmp_path):
    data = s1_data(tmp_path, "rep,customer,amout\n甲,华东,100\n")
    result = run_plan_cli("run", S1, "--data", str(data))
    assert result.returncode == 1
    assert "[D002 missing-column]" in result.stderr
    assert "amount" in result.stderr


def test_excel_and_json_data_give_the_same_result(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    deals = book.active
    deals.title = "deals"
    deals.append(["rep", "customer", "amount", "renewed"])
    deals.append(["甲", "华东重工", "1,200,000.00", "true"])
    deals.append(["甲", "北方物流", 800000, "false"])
    reps = book.create_sheet("reps")
    reps.append(["rep", "renewal_rate", "satisfaction"])
    reps.append(["甲", "85%", 92])
    book.save(tmp_path / "s1.xlsx")
    (tmp_path / "s1.json").write_text(
        json.dumps({"deals": [{"rep": "甲", "customer": "华东重工", "amount": "120万", "renewed": True},
                              {"rep": "甲", "customer": "北方物流", "amount": 800000}],
                    "reps": [{"rep": "甲", "renewal_rate": "85%", "satisfaction": 92}]}, ensure_ascii=False),
        encoding="utf-8",
    )
    for data in ("s1.xlsx", "s1.json"):
        result = run_plan_cli("run", S1, "--data", str(tmp_path / data), "--format", "json")
        assert result.returncode == 0, result.stdout + result.stderr
        payee = json.loads(result.stdout)["payees"][0]
        assert payee["total"] == "71000.00"   # 65,000 + 6,000, as with the CSV data


def test_readme_first_command_targets_exist():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "plan explain plans/s1_big_account/plan.plan --payee 甲" in readme.splitlines()[4]
    assert "python -m pytest" in readme


def test_a_folder_without_plans_is_a_usage_error(tmp_path):
    # A CI step pointed at the wrong folder must fail, not pass by checking nothing.
    for command in ("check", "test", "lint"):
        result = run_plan_cli(command, str(tmp_path))
        assert result.returncode == 2, command
        assert f"no .plan files in {tmp_path}" in result.stderr


def test_a_plan_that_is_not_utf8_names_the_byte(tmp_path):
    path = tmp_path / "gbk.plan"
    path.write_bytes('plan "x" { currency CNY }\npayout "提成" = 1元\n'.encode("gb18030"))
    result = run_plan_cli("check", str(path))
    assert result.returncode == 1
    # line 2, after 'payout "' (8 characters): the first byte of 提 in GB18030 is 0xcc
    assert f"{path}:2:9: error: {path} is not UTF-8 text: byte 0xcc" in result.stderr


def test_run_to_excel_keeps_every_digit(tmp_path):
    import zipfile

    import openpyxl

    out = tmp_path / "s1.xlsx"
    result = run_plan_cli("run", S1, "--format", "xlsx", "--out", str(out))
    assert result.returncode == 0, result.stderr
    book = openpyxl.load_workbook(out)   # a real workbook that Excel's reader library opens
    assert book.sheetnames == ["lines", "totals"]
    rows = [[c.value for c in row] for row in book["totals"].iter_rows()]
    assert rows[0] == ["payee", "period", "total"] and [r[0] for r in rows[1:]] == ["甲", "乙"]
    # The amounts as stored in the sheet XML, exact: 65,000 + 6,000 and 33,000 + 0.
    xml = zipfile.ZipFile(out).read("xl/worksheets/sheet2.xml").decode("utf-8")
    assert '<c r="C2" s="1"><v>71000.00</v></c>' in xml
    assert '<c r="C3" s="1"><v>33000.00</v></c>' in xml


def test_excel_output_needs_a_file():
    result = run_plan_cli("run", S1, "--format", "xlsx")
    assert result.returncode == 2
    assert "--out" in result.stderr


def test_run_to_a_file_writes_what_it_would_print(tmp_path):
    printed = run_plan_cli("run", S1)
    out = tmp_path / "s1.csv"
    written = run_plan_cli("run", S1, "--out", str(out))
    assert printed.returncode == written.returncode == 0, written.stderr
    assert out.read_text(encoding="utf-8") == printed.stdout
    assert printed.stdout.splitlines()[1] == "甲,quarter,销售额提成,payout,65000.00"   # 50万×2% + 50万×3% + 100万×4%
    assert "wrote 2 payee(s)" in written.stderr
