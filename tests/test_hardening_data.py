"""Hostile data through the real `plan run`: nothing is lost silently, nothing leaks.

Every case writes real files into tmp_path beside a copy of the S1 plan and runs
the real command. Each must end with exit 1 and one located D006/D003 error
(file:row:column) within a few seconds; none may read a shortened or merged
row as if it were whole, follow a link out of the data folder, or print the
content of a file that is not a declared data file.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from conftest import ROOT, run_plan_cli

PLAN = ROOT / "plans" / "s1_big_account" / "plan.plan"
REPS = "rep,renewal_rate,satisfaction\n甲,85%,92\n乙,60%,88\n"
DEALS = "rep,customer,amount,renewed\n甲,华东重工,\"1,200,000.00\",true\n甲,北方物流,800000,false\n乙,南方电气,120万,no\n"


def plan_dir(tmp_path: Path, deals: bytes | str | None = DEALS, reps: str = REPS) -> Path:
    shutil.copy(PLAN, tmp_path / "plan.plan")
    data = tmp_path / "data"
    data.mkdir()
    (data / "reps.csv").write_text(reps, encoding="utf-8")
    if deals is not None:
        (data / "deals.csv").write_bytes(deals.encode("utf-8") if isinstance(deals, str) else deals)
    return tmp_path


# Runs `plan ARGS` as a child of a small Python process that then prints the child's
# peak resident memory and CPU time (its own RUSAGE_CHILDREN, so exactly that one
# command) on the file descriptor given as its first argument.
_MEASURED = (
    "import os, resource, subprocess, sys\n"
    "code = subprocess.call([sys.executable, '-m', 'dsl.cli', *sys.argv[2:]])\n"
    "used = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "os.write(int(sys.argv[1]), f'{used.ru_maxrss} {used.ru_utime + used.ru_stime}'.encode())\n"
    "sys.exit(code)\n"
)
MEGABYTES = 200  # the most one hostile-data run may hold resident (docs/hardening.md)
CPU_SECONDS = 2.0  # the most CPU one hostile-data run may take, interpreter start-up included


def measured_cli(*args: str, cwd: Path) -> tuple[subprocess.CompletedProcess, float, float]:
    """`plan ARGS` in `cwd`: its result, its peak resident memory in MB and its CPU seconds."""
    read_end, write_end = os.pipe()
    try:
        result = subprocess.run([sys.executable, "-c", _MEASURED, str(write_end), *args], cwd=cwd, capture_output=True,
                                text=True, encoding="utf-8", env=dict(os.environ, PYTHONIOENCODING="utf-8"), timeout=300,
                                pass_fds=(write_end,))
    finally:
        os.close(write_end)
    with os.fdopen(read_end) as peak:
        kilobytes, cpu = (peak.read() or "0 0").split()  # Linux reports ru_maxrss in kilobytes
    return result, int(kilobytes) / 1024, float(cpu)


def run(tmp_path: Path, *extra: str):
    started = time.monotonic()
    result, megabytes, cpu = measured_cli("run", "plan.plan", *extra, cwd=tmp_path)
    elapsed = time.monotonic() - started
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert 0 < megabytes < MEGABYTES, f"held {megabytes:.0f} MB"
    assert cpu < CPU_SECONDS, f"took {cpu:.2f} s of CPU"
    return result, elapsed


def refused(tmp_path: Path, *extra: str, seconds: float = 10.0) -> str:
    """Run; expect exit 1 with diagnostics and no results, within CPU_SECONDS of CPU and MEGABYTES, and
    `seconds` of wall time (generous: the machine may be shared; the point is that nothing hangs).
    Returns the diagnostics."""
    result, elapsed = run(tmp_path, *extra)
    assert result.returncode == 1, result.stdout + result.stderr
    assert elapsed < seconds, f"took {elapsed:.1f} s"
    assert result.stdout == ""  # diagnostics go to standard error; no results are written
    return result.stderr


def test_the_clean_data_runs(tmp_path):
    # 甲: 200万 of sales, marginal: 50万×2% + 50万×3% + 100万×4% = 10,000 + 15,000 + 40,000 = 65,000.00
    result, _ = run(plan_dir(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "65000.00" in result.stdout


# ---------------------------------------------------------------- nothing lost silently

def test_a_row_with_more_cells_than_the_header(tmp_path):
    # An unquoted 1,200,000.00 splits into 1 | 200 | 000.00: six cells under four columns.
    deals = "rep,customer,amount,renewed\n甲,华东重工,1,200,000.00,true\n甲,北方物流,800000,false\n"
    text = refused(plan_dir(tmp_path, deals))
    assert "data/deals.csv:2:5: error: data/deals.csv row 2 has 6 cells but the header has 4 columns" in text
    assert "'000.00,true' from column 5 on belongs to no column" in text
    assert '"1,200,000.00"' in text  # the hint says how to quote it
    assert "19000.03" not in text  # the amount is never read as 1


BROKEN_CSV = {
    "fewer cells than the header": (
        "rep,customer,amount,renewed\n甲,华东重工,1200000\n甲,北方物流,800000,false\n",
        "data/deals.csv:2:4: error: data/deals.csv row 2 has 3 cells but the header has 4 columns: no cell for 'renewed'"),
    # The quote opening 华东重工 never closes: every later line would become one cell.
    "an unterminated quote": (
        'rep,customer,amount,renewed\n甲,"华东重工,1200000,true\n甲,北方物流,800000,false\n乙,南方电气,120万,no\n',
        "data/deals.csv:2:2: error: data/deals.csv row 2, column 2 ('customer'): the quote that opens this cell is never closed"),
    "text after a closing quote": (
        'rep,customer,amount,renewed\n甲,华东重工,"1,200"000,true\n',
        "data/deals.csv:2:3: error: data/deals.csv row 2, column 3 ('amount'): text follows the closing quote"),
    "a stray NUL": (
        "rep,customer,amount,renewed\n甲,华东重工,1200000,true\n甲,北方\x00物流,800000,false\n",
        "data/deals.csv:3:2: error: data/deals.csv row 3, column 2 holds a NUL character"),
}


@pytest.mark.parametrize("deals, expected", BROKEN_CSV.values(), ids=BROKEN_CSV.keys())
def test_a_broken_csv_row_is_a_located_error(tmp_path, deals, expected):
    assert expected in refused(plan_dir(tmp_path, deals))


def test_a_merged_xlsx_cell(tmp_path):
    plan_dir(tmp_path, deals=None)
    book = openpyxl.Workbook()
    deals = book.active
    deals.title = "deals"
    deals.append(["rep", "customer", "amount", "renewed"])
    deals.append(["甲", "华东重工", "1200000", True])
    deals.append([None, "北方物流", "800000", False])
    deals.merge_cells("A2:A3")  # 甲 for both rows, as a person reads it; Excel keeps 甲 in A2 only
    reps = book.create_sheet("reps")
    reps.append(["rep", "renewal_rate", "satisfaction"])
    reps.append(["甲", "85%", 92])
    book.save(tmp_path / "book.xlsx")
    text = refused(tmp_path, "--data", "book.xlsx")
    assert "book.xlsx#deals:2:1: error: book.xlsx#deals cells A2:A3 are merged: a merged cell keeps its value only in A2" in text


REPS_JSON = '[{"rep": "甲", "renewal_rate": "85%", "satisfaction": 92}]'
DUPLICATE_KEYS = {
    # the second "amount" is the 4th field of row 1
    "a field of a row": (
        '{"deals": [{"rep": "甲", "customer": "华东重工", "amount": "1200000", "amount": "1", "renewed": true}], "reps": ' + REPS_JSON + "}",
        "data.json#deals:1:4: error: data.json#deals row 1 gives the field 'amount' twice"),
    "an input": (
        '{"deals": [],\n "reps": ' + REPS_JSON + ',\n "reps": []}',
        "data.json:3:2: error: data.json gives the key 'reps' twice"),
}


@pytest.mark.parametrize("content, expected", DUPLICATE_KEYS.values(), ids=DUPLICATE_KEYS.keys())
def test_a_duplicate_json_key(tmp_path, content, expected):
    plan_dir(tmp_path, deals=None)
    (tmp_path / "data.json").write_text(content, encoding="utf-8")
    assert expected in refused(tmp_path, "--data", "data.json")


# ---------------------------------------------------------------- data stays in the data folder

SECRET = "PASSWORD=hunter2-do-not-print"


def test_a_link_out_of_the_data_folder_is_refused_and_never_quoted(tmp_path):
    plan_dir(tmp_path, deals=None)
    (tmp_path / "secret.env").write_text(f"rep,customer,amount,renewed\n{SECRET},x,{SECRET},y\n", encoding="utf-8")
    os.symlink(tmp_path / "secret.env", tmp_path / "data" / "deals.csv")
    text = refused(tmp_path)
    assert "data/deals.csv is a link to" in text and "outside the data folder data" in text
    assert "hunter2" not in text


def test_a_link_inside_the_data_folder_is_read(tmp_path):
    plan_dir(tmp_path, deals=None)
    (tmp_path / "data" / "deals-2024.csv").write_text(DEALS, encoding="utf-8")
    os.symlink("deals-2024.csv", tmp_path / "data" / "deals.csv")
    result, _ = run(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "65000.00" in result.stdout


def test_a_link_to_the_process_environment_is_refused(tmp_path):
    plan_dir(tmp_path, deals=None)
    os.symlink("/proc/self/environ", tmp_path / "data" / "deals.csv")
    text = refused(tmp_path)
    assert "outside the data folder" in text
    assert "PATH=" not in text


def test_a_fifo_is_refused_by_type_without_blocking(tmp_path):
    plan_dir(tmp_path, deals=None)
    os.mkfifo(tmp_path / "data" / "deals.csv")
    text = refused(tmp_path, seconds=10)
    assert "data/deals.csv is a named pipe (FIFO), not a data file" in text


def test_a_directory_is_refused_by_type(tmp_path):
    plan_dir(tmp_path, deals=None)
    (tmp_path / "data" / "deals.csv").mkdir()
    text = refused(tmp_path)
    assert "data/deals.csv is a directory, not a data file" in text


def test_a_device_named_on_the_command_line_is_refused(tmp_path):
    plan_dir(tmp_path)
    os.symlink("/dev/zero", tmp_path / "zero.json")
    text = refused(tmp_path, "--data", "zero.json", seconds=10)
    assert "zero.json is a device, not a data file" in text


# ---------------------------------------------------------------- encodings

def test_big5_is_refused_not_read_as_mojibake(tmp_path):
    deals = "rep,customer,amount,renewed\n甲,華東重工,1200000,true\n甲,台灣電力公司,800000,false\n"
    text = refused(plan_dir(tmp_path, deals.encode("big5")))
    assert "data/deals.csv is neither UTF-8 nor GB18030 text (it looks like Big5 (Traditional Chinese))" in text
    # 甲 (Big5 0xA5 0xD2) is the first byte that is not UTF-8: row 2, the first cell
    assert "data/deals.csv:2:1: error:" in text and "byte 0xa5 at row 2, column 1" in text


def test_a_latin1_byte_names_its_row_and_column(tmp_path):
    # é is byte 0xE9 in Latin-1, followed by an ASCII space: no UTF-8 or GB18030 character starts so
    raw = "rep,customer,amount,renewed\nA,Caf\xe9 M\xfcller,1200000,true\n".encode("latin-1")
    text = refused(plan_dir(tmp_path, raw))
    assert "data/deals.csv:2:2: error: data/deals.csv is neither UTF-8 nor GB18030 text (it looks like Latin-1 or Windows-1252" in text
    assert "byte 0xe9 at row 2, column 2" in text


def test_gb18030_and_utf8_with_bom_are_read(tmp_path):
    result, _ = run(plan_dir(tmp_path, DEALS.encode("gb18030")))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "65000.00" in result.stdout
    (tmp_path / "data" / "deals.csv").write_bytes(DEALS.encode("utf-8-sig"))
    result, _ = run(tmp_path)
    assert result.returncode == 0 and "65000.00" in result.stdout


def test_encoding_option_reads_big5_exactly(tmp_path):
    deals = "rep,customer,amount,renewed\n甲,華東重工,\"1,200,000.00\",true\n甲,台灣電力公司,800000,false\n乙,南方電氣,120万,no\n"
    plan_dir(tmp_path, deals.encode("big5"), reps=REPS)
    (tmp_path / "data" / "reps.csv").write_bytes(REPS.encode("big5"))
    result, _ = run(tmp_path, "--encoding", "big5")
    assert result.returncode == 0, result.stderr
    # 甲: 120万 + 80万 = 200万 marginal: 50万×2% + 50万×3% + 100万×4% = 65000.00
    assert "65000.00" in result.stdout
    shown = run_plan_cli("explain", "plan.plan", "--payee", "甲", "--encoding", "big5", cwd=tmp_path)
    assert shown.returncode == 0 and "销售额提成 = 65,000.00" in shown.stdout, shown.stderr


def test_encoding_option_keeps_the_datas_own_words(tmp_path):
    # A plan that pays on a customer's name: only exact decoding of the Big5 text matches it.
    (tmp_path / "plan.plan").write_text(
        'plan "客户" { currency CNY  payee rep  rounding half_up to 0.01 }\n'
        "input deals: table { rep: payee, customer: text, amount: money }\n"
        'payout "重点客户" = sum(deals.amount where customer == "華東重工") * 1%\n', encoding="utf-8")
    (tmp_path / "data").mkdir()
    deals = "rep,customer,amount\n甲,華東重工,120万\n甲,台灣電力公司,80万\n"
    (tmp_path / "data" / "deals.csv").write_bytes(deals.encode("big5"))
    result, _ = run(tmp_path, "--encoding", "big5", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["payees"][0]["total"] == "12000.00"  # 120万 × 1% (台灣電力公司 is not 華東重工)


def test_encoding_option_locates_a_byte_it_cannot_read(tmp_path):
    # 0xFF is no Big5 lead byte: row 3, after "乙," (two cells: the byte starts column 2)
    raw = "rep,customer,amount,renewed\n甲,華東,1,true\n乙,".encode("big5") + b"\xff\xff,1,true\n"
    plan_dir(tmp_path, raw)
    (tmp_path / "data" / "reps.csv").write_bytes(REPS.encode("big5"))
    text = refused(tmp_path, "--encoding", "big5")
    assert "data/deals.csv is not big5 text: byte 0xff at row 3, column 2 cannot be read as big5" in text


def test_encoding_option_refuses_an_unknown_name(tmp_path):
    result, _ = run(plan_dir(tmp_path), "--encoding", "klingon")
    assert result.returncode == 2 and "unknown encoding 'klingon'" in result.stderr
    result, _ = run(tmp_path, "--encoding", "hex")
    assert result.returncode == 2 and "'hex' is not a text encoding" in result.stderr


# ---------------------------------------------------------------- bounded numbers

def test_a_50_digit_amount_in_csv(tmp_path):
    deals = f"rep,customer,amount,renewed\n甲,华东重工,{'9' * 50},true\n"
    text = refused(plan_dir(tmp_path, deals), seconds=5)
    assert "data/deals.csv:2:3: error: column 'amount': '" + "9" * 39 + "…' is too large" in text


def test_a_million_digit_amount_in_csv(tmp_path):
    deals = f"rep,customer,amount,renewed\n甲,华东重工,{'1' * 1_000_000},true\n"
    text = refused(plan_dir(tmp_path, deals), seconds=5)
    assert "data/deals.csv:2:3: error: data/deals.csv row 2, column 3 ('amount'): the cell is longer than 131,072 characters" in text
    assert len(text) < 2000  # the cell is never echoed whole


def json_data(tmp_path, amount_text: str) -> Path:
    plan_dir(tmp_path, deals=None)
    reps = '[{"rep": "甲", "renewal_rate": "85%", "satisfaction": 92}]'
    (tmp_path / "data.json").write_text('{"deals": [{"rep": "甲", "customer": "x", "amount": ' + amount_text + '}], "reps": ' + reps + "}", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("amount", ["1e999999999", "1E+99999999999999999999", "1e50", "1" * 1_000_000, "0." + "0" * 100_000 + "1"])
def test_huge_json_numbers(tmp_path, amount):
    text = refused(json_data(tmp_path, amount), "--data", "data.json", seconds=5)
    assert "data.json#deals:1:3: error:" in text  # row 1, the third field: amount
    assert len(text) < 2000


def test_deeply_nested_json(tmp_path):
    plan_dir(tmp_path, deals=None)
    (tmp_path / "data.json").write_text('{"deals": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    text = refused(tmp_path, "--data", "data.json", seconds=5)
    assert "data.json" in text and "D006" in text


SHEET = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def handmade_book(path: Path, amount_cell: str, date_cell: str) -> None:
    """deals with a date column styled as a date (built-in format 14 at style 1), the amount
    cell as given; the amount header is a shared string."""
    import zipfile

    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    files = {
        "xl/workbook.xml": f'<workbook {SHEET} xmlns:r="{rel}"><sheets><sheet name="deals" sheetId="1" r:id="rId1"/>'
                           '<sheet name="reps" sheetId="2" r:id="rId2"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/worksheet" Target="worksheets/sheet2.xml"/>'
            f'<Relationship Id="rId3" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId4" Type="{rel}/styles" Target="styles.xml"/></Relationships>',
        "xl/sharedStrings.xml": f'<sst {SHEET}><si><t>amount</t></si><si><t>{"9" * 45}</t></si></sst>',
        "xl/styles.xml": f'<styleSheet {SHEET}><cellXfs><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs></styleSheet>',
        "xl/worksheets/sheet1.xml": f'<worksheet {SHEET}><sheetData>'
            '<row r="1"><c r="A1" t="inlineStr"><is><t>rep</t></is></c><c r="B1" t="inlineStr"><is><t>customer</t></is></c>'
            '<c r="C1" t="s"><v>0</v></c><c r="D1" t="inlineStr"><is><t>when</t></is></c></row>'
            f'<row r="2"><c r="A2" t="inlineStr"><is><t>甲</t></is></c><c r="B2" t="inlineStr"><is><t>x</t></is></c>{amount_cell}'
            f'{date_cell}</row></sheetData></worksheet>',
        "xl/worksheets/sheet2.xml": f'<worksheet {SHEET}><sheetData>'
            '<row r="1"><c r="A1" t="inlineStr"><is><t>rep</t></is></c><c r="B1" t="inlineStr"><is><t>renewal_rate</t></is></c>'
            '<c r="C1" t="inlineStr"><is><t>satisfaction</t></is></c></row>'
            '<row r="2"><c r="A2" t="inlineStr"><is><t>甲</t></is></c><c r="B2" t="inlineStr"><is><t>85%</t></is></c>'
            '<c r="C2"><v>92</v></c></row></sheetData></worksheet>',
    }
    with zipfile.ZipFile(path, "w") as book:
        for name, text in files.items():
            book.writestr(name, text)


@pytest.mark.parametrize("amount_cell, where", [
    ('<c r="C2"><v>' + "9" * 45 + "</v></c>", "C"),                 # a stored 45-digit number
    ('<c r="C2" t="s"><v>1</v></c>', "C"),                           # a shared string of 45 nines
    ('<c r="C2"><v>' + "1" * 1_000_000 + "</v></c>", "C"),          # a million digits
    ('<c r="C2" s="1"><v>1E+99999999</v></c>', "C"),                 # date-styled, exponent bomb
    ('<c r="C2"><v>1E+99999999999</v></c>', "C"),
])
def test_huge_xlsx_numbers(tmp_path, amount_cell, where):
    plan_dir(tmp_path, deals=None)
    handmade_book(tmp_path / "book.xlsx", amount_cell, '<c r="D2" s="1"><v>1E+99999999</v></c>')
    text = refused(tmp_path, "--data", "book.xlsx", seconds=5)
    assert "book.xlsx#deals:2:3: error:" in text  # row 2, column C
    assert len(text) < 2000


# ---------------------------------------------------------------- output streams and reruns

def test_diagnostics_never_enter_redirected_results(tmp_path):
    deals = "rep,customer,amount,renewed\n甲,华东重工,12o0,true\n"
    result, _ = run(plan_dir(tmp_path, deals))
    assert result.returncode == 1
    assert result.stdout == ""  # what `plan run > out.csv` would write
    assert "data/deals.csv:2:3: error: column 'amount': '12o0' is not a number" in result.stderr


def test_check_prints_diagnostics_on_stderr(tmp_path):
    (tmp_path / "bad.plan").write_text('plan "x" { currency CNY }\nlet a = b\n', encoding="utf-8")
    result = run_plan_cli("check", "bad.plan", cwd=tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    assert "bad.plan:2:9: error: unknown name 'b'" in result.stderr


def test_xlsx_results_are_byte_identical_on_rerun(tmp_path):
    plan_dir(tmp_path)
    first, _ = run(tmp_path, "--format", "xlsx", "--out", "one.xlsx")
    time.sleep(2.1)  # zip times have a 2-second resolution: a later run must still write the same bytes
    second, _ = run(tmp_path, "--format", "xlsx", "--out", "two.xlsx")
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert (tmp_path / "one.xlsx").read_bytes() == (tmp_path / "two.xlsx").read_bytes()
    book = openpyxl.load_workbook(tmp_path / "one.xlsx")
    assert book.sheetnames  # still a workbook Excel and openpyxl read
