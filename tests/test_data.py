"""Tests for dsl.data: real CSV, xlsx and JSON files written into tmp_path.

Every expected number is written as Decimal("...") text; nothing here passes
through a binary float. Spans are checked field by field against the hand-made
files: CSV lines count the header as line 1, Excel rows are sheet rows, JSON
rows are 1-based array indices.
"""
from __future__ import annotations

import datetime
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dsl.data.readers import Dataset, Table, dataset_from_rows, load_data, parse_cell
from dsl.core.source import Span
from dsl.core.types import BOOL, DATE, INT, NUMBER, PAYEE, PERCENT, TEXT, EnumType, FieldSchema, InputSchema, MoneyType
from dsl.core.display import format_number

CNY = MoneyType("CNY")
STAGE = EnumType(("won", "lost"))


def F(name, type_, *default):
    return FieldSchema(name, type_, default[0] if default else None, bool(default))


REPS = InputSchema("reps", "record", (F("rep", PAYEE), F("quota", CNY), F("rate", PERCENT), F("team_size", INT), F("active", BOOL)))
DEALS = InputSchema("deals", "table", (F("rep", PAYEE), F("amount", CNY), F("closed", DATE), F("stage", STAGE), F("region", TEXT, "华东")))
PARAMS = InputSchema("params", "params", (F("cap", CNY), F("threshold", PERCENT)))
ALL = [REPS, DEALS, PARAMS]

REPS_CSV = "rep,quota,rate,team_size,active\n张伟,120万,85%,\"1,200\",是\n李娜,\"1,200,000.00\",12.5%,3,no\n"
DEALS_CSV = "rep,amount,closed,stage,region\n张伟,3000元,2024-03-01,won,华南\n李娜,\"CNY 5,000.50\",2024/3/2,lost,\n"
PARAMS_CSV = "cap,threshold\n50万,80%\n"


def write(path, text, encoding="utf-8-sig"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def csv_dir(tmp_path, monkeypatch, **files):
    """Write data/NAME.csv for each keyword and chdir so the display path is 'data/NAME.csv'."""
    monkeypatch.chdir(tmp_path)
    defaults = {"reps": REPS_CSV, "deals": DEALS_CSV, "params": PARAMS_CSV}
    defaults.update(files)
    for name, text in defaults.items():
        if text is not None:
            write(tmp_path / "data" / f"{name}.csv", text)
    return "data"


def only(diags, code):
    found = [d for d in diags if d.code == code]
    assert len(found) == 1, [(d.code, d.message) for d in diags]
    return found[0]


def cell(file, line, column):
    return Span(file, line, column, line, column)


# ---------------------------------------------------------------- parse_cell

@pytest.mark.parametrize("text, type_, expected", [
    ("1,200,000.00", CNY, Decimal("1200000.00")),
    ("120万", CNY, Decimal("1200000")),  # 120 × 10000
    ("3000元", CNY, Decimal("3000")),
    ("CNY 850,000", CNY, Decimal("850000")),
    ("-12.5", CNY, Decimal("-12.5")),
    ("1.5万", NUMBER, Decimal("15000")),
    ("0.1", NUMBER, Decimal("0.1")),
    ("85%", PERCENT, Decimal("0.85")),
    ("12.5%", PERCENT, Decimal("0.125")),  # 12.5 / 100
    (" 85 ％ ", PERCENT, Decimal("0.85")),  # full-width percent sign from Chinese input methods
    ("1,200", INT, Decimal("1200")),
    ("3.0", INT, Decimal("3")),
    ("2024-03-01", DATE, datetime.date(2024, 3, 1)),
    ("2024/3/1", DATE, datetime.date(2024, 3, 1)),
    ("2024年3月1日", DATE, datetime.date(2024, 3, 1)),
    ("won", STAGE, "won"),
    ("  张伟 ", PAYEE, "张伟"),
    (" 华东 ", TEXT, "华东"),
])
def test_parse_cell_exact(text, type_, expected):
    value = parse_cell(text, F("x", type_), "CNY")
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize("text", ["true", "TRUE", "yes", "Y", "1", "是", "对"])
def test_parse_cell_true(text):
    assert parse_cell(text, F("x", BOOL), "CNY") is True


@pytest.mark.parametrize("text", ["false", "No", "n", "0", "否", "错"])
def test_parse_cell_false(text):
    assert parse_cell(text, F("x", BOOL), "CNY") is False


@pytest.mark.parametrize("text, type_, words", [
    ("12o0", CNY, "'12o0' is not a number"),
    ("USD 850,000", CNY, "in USD"),
    ("85%", CNY, "percent, not an amount of money"),
    ("USD 5", NUMBER, "amount of USD"),
    ("5%", NUMBER, "percent"),
    ("0.85", PERCENT, "write 85% rather than 0.85 or 85"),
    ("85", PERCENT, "no % sign"),
    ("1.5", INT, "not a whole number"),
    ("maybe", BOOL, "not true/false"),
    ("2024-02-30", DATE, "not a real date"),  # February 2024 has 29 days
    ("03/01/2024", DATE, "not a date"),
    ("pending", STAGE, "'won', 'lost'"),
    ("   ", PAYEE, "empty cell"),
    ("1,2,3", NUMBER, "thousands separators"),
])
def test_parse_cell_errors(text, type_, words):
    with pytest.raises(ValueError) as info:
        parse_cell(text, F("x", type_), "CNY")
    assert words in str(info.value)


@given(st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=2, allow_nan=False, allow_infinity=False))
def test_grouped_amounts_read_back_exactly(value):
    # format_number writes '1,234,567.89'; reading it back must give the same Decimal.
    assert parse_cell(format_number(value, 2), F("x", CNY), "CNY") == value


def test_money_field_in_its_own_currency():
    # A USD column in a CNY plan takes its currency from the declared type.
    assert parse_cell("USD 850,000", F("x", MoneyType("USD")), "CNY") == Decimal("850000")


# ---------------------------------------------------------------- CSV

def test_csv_directory_loads_exact_typed_rows(tmp_path, monkeypatch):
    data, diags = load_data(csv_dir(tmp_path, monkeypatch), ALL, "CNY")
    assert diags == []
    assert isinstance(data, Dataset)
    reps, deals, params = data.tables["reps"], data.tables["deals"], data.tables["params"]
    assert isinstance(reps, Table) and reps.file == "data/reps.csv"
    assert reps.rows == [
        {"rep": "张伟", "quota": Decimal("1200000"), "rate": Decimal("0.85"), "team_size": Decimal("1200"), "active": True},
        {"rep": "李娜", "quota": Decimal("1200000.00"), "rate": Decimal("0.125"), "team_size": Decimal("3"), "active": False},
    ]
    assert reps.row_numbers == [2, 3]
    assert reps.labels == {"rep": "1", "quota": "2", "rate": "3", "team_size": "4", "active": "5"}
    assert deals.rows == [
        {"rep": "张伟", "amount": Decimal("3000"), "closed": datetime.date(2024, 3, 1), "stage": "won", "region": "华南"},
        # the empty region cell takes the declared default
        {"rep": "李娜", "amount": Decimal("5000.50"), "closed": datetime.date(2024, 3, 2), "stage": "lost", "region": "华东"},
    ]
    assert params.rows == [{"cap": Decimal("500000"), "threshold": Decimal("0.80")}]
    assert params.row_numbers == [2]
    assert data.payees == ["张伟", "李娜"]


def test_csv_gb18030_export(tmp_path, monkeypatch):
    text = "rep,amount,closed,stage\n王芳,2万,2024-01-05,won\n"
    path = csv_dir(tmp_path, monkeypatch, reps=None, params=None)
    write(tmp_path / "data" / "deals.csv", text, "gb18030")
    data, diags = load_data(path, [DEALS], "CNY")
    assert diags == []
    assert data.tables["deals"].rows == [
        {"rep": "王芳", "amount": Decimal("20000"), "closed": datetime.date(2024, 1, 5), "stage": "won", "region": "华东"}]


def test_csv_row_numbers_are_physical_lines(tmp_path, monkeypatch):
    # line 1 header; line 2 starts a row whose quoted note runs onto line 3;
    # line 4 is blank; line 5 is the next row; header has extra spaces and an extra column.
    schema = InputSchema("notes", "table", (F("rep", PAYEE), F("note", TEXT)))
    text = ' rep , extra , note \nA,x,"two\nlines"\n\nB,y,one\n'
    path = csv_dir(tmp_path, monkeypatch, reps=None, deals=None, params=None, notes=text)
    data, diags = load_data(path, [schema], "CNY")
    assert diags == []
    table = data.tables["notes"]
    assert table.rows == [{"rep": "A", "note": "two\nlines"}, {"rep": "B", "note": "one"}]
    assert table.row_numbers == [2, 5]
    assert table.labels == {"rep": "1", "note": "3"}
    assert data.payees == ["A", "B"]  # no record input: tables give the roster


def test_missing_csv_file_is_d001(tmp_path, monkeypatch):
    path = csv_dir(tmp_path, monkeypatch, deals=None, deal=DEALS_CSV)
    data, diags = load_data(path, ALL, "CNY")
    assert data is None
    d = only(diags, "D001")
    assert "data/deals.csv" in d.message
    assert d.hint == "did you mean 'deal'?"
    assert [x.code for x in diags] == ["D001"]


def test_missing_column_is_d002_with_did_you_mean(tmp_path, monkeypatch):
    deals = "rep,amout,closed,stage\n张伟,1,2024-03-01,won\n"
    data, diags = load_data(csv_dir(tmp_path, monkeypatch, deals=deals), ALL, "CNY")
    assert data is None
    d = only(diags, "D002")
    # header is line 1 with 4 columns; the span covers it
    assert d.span == Span("data/deals.csv", 1, 1, 1, 4)
    assert "data/deals.csv" in d.message and "'amount'" in d.message
    assert "'rep', 'amout', 'closed', 'stage'" in d.message
    assert d.hint == "did you mean 'amout'?"  # the present column that is probably the missing one
    assert len(diags) == 1  # the absent 'region' column has a default


def test_absent_column_with_default_fills_every_row(tmp_path, monkeypatch):
    deals = "rep,amount,closed,stage\n张伟,1,2024-03-01,won\n李娜,2,2024-03-02,lost\n"
    data, diags = load_data(csv_dir(tmp_path, monkeypatch, deals=deals), ALL, "CNY")
    assert diags == []
    table = data.tables["deals"]
    assert [r["region"] for r in table.rows] == ["华东", "华东"]
    assert "region" not in table.labels


def test_bad_and_empty_cells_are_d003_at_their_cell(tmp_path, monkeypatch):
    deals = ("rep,amount,closed,stage,region\n"
             "张伟,12o0,2024-03-01,won,\n"      # line 2: amount is column 2
             "李娜,100,,lost,\n"                # line 3: closed (column 3) empty, no default
             "李娜,100,2024-03-03,pending,\n")  # line 4: stage (column 4) not an allowed value
    data, diags = load_data(csv_dir(tmp_path, monkeypatch, deals=deals), ALL, "CNY")
    assert data is None
    assert [d.code for d in diags] == ["D003", "D003", "D003"]
    assert [d.span for d in diags] == [cell("data/deals.csv", 2, 2), cell("data/deals.csv", 3, 3), cell("data/deals.csv", 4, 4)]
    assert diags[0].message == "column 'amount': '12o0' is not a number"
    assert diags[1].message == "column 'closed': empty cell"
    assert "'won', 'lost'" in diags[2].message


def test_percent_without_sign_in_csv_is_an_error(tmp_path, monkeypatch):
    reps = "rep,quota,rate,team_size,active\n张伟,1,0.85,1,yes\n"
    data, diags = load_data(csv_dir(tmp_path, monkeypatch, reps=reps), ALL, "CNY")
    d = only(diags, "D003")
    assert d.span == cell("data/reps.csv", 2, 3)
    assert "write 85%" in d.message


def test_unknown_payee_is_d004_with_did_you_mean(tmp_path, monkeypatch):
    deals = "region,rep,amount,closed,stage\n华北,张伟,1,2024-03-01,won\n华北,张玮,1,2024-03-01,won\n"
    data, diags = load_data(csv_dir(tmp_path, monkeypatch, deals=deals), ALL, "CNY")
    assert data is None
    d = only(diags, "D004")
    assert d.span == cell("data/deals.csv", 3, 2)  # line 3, rep is the 2nd column here
    assert "data/deals.csv row 3" in d.message and "'rep'" in d.message and "'张玮'" in d.message
    assert d.hint == "did you mean '张伟'?"


def test_duplicate_record_is_d005_naming_both_rows(tmp_path, monkeypatch):
    reps = "rep,quota,rate,team_size,active\n张伟,1,1%,1,y\n李娜,1,1%,1,y\n张伟,2,1%,1,y\n"
    data, diags = load_data(csv_dir(tmp_path, monkeypatch, reps=reps), ALL, "CNY")
    assert data is None
    d = only(diags, "D005")
    assert d.span == cell("data/reps.csv", 4, 1)
    assert "rows 2 and 4" in d.message
    assert d.notes[0][1] == cell("data/reps.csv", 2, 1)


def test_params_with_two_rows_is_an_error(tmp_path, monkeypatch):
    params = "cap,threshold\n50万,80%\n60万,90%\n"
    data, diags = load_data(csv_dir(tmp_path, monkeypatch, params=params), ALL, "CNY")
    assert data is None
    d = only(diags, "D003")
    assert d.span == cell("data/params.csv", 3, 1)  # the first extra row
    assert "data/params.csv" in d.message and "exactly one data row" in d.message and "has 2" in d.message


def test_errors_are_all_collected_but_capped(tmp_path, monkeypatch):
    deals = "rep,amount,closed,stage\n" + "张伟,bad,2024-03-01,won\n" * 60
    data, diags = load_data(csv_dir(tmp_path, monkeypatch, deals=deals), ALL, "CNY")
    assert data is None
    assert len(diags) == 51  # 50 shown + one summary of the other 10
    assert diags[49].span == cell("data/deals.csv", 51, 2)  # the 50th bad row is line 51
    assert diags[50].message == "... and 10 more errors in data/deals.csv"


def test_empty_csv_is_d006(tmp_path, monkeypatch):
    data, diags = load_data(csv_dir(tmp_path, monkeypatch, params=""), ALL, "CNY")
    assert data is None
    assert "data/params.csv" in only(diags, "D006").message


def test_undecodable_csv_is_d006(tmp_path, monkeypatch):
    path = csv_dir(tmp_path, monkeypatch)
    (tmp_path / "data" / "params.csv").write_bytes(b"cap,threshold\n\xff\xff,1%\n")  # 0xFF starts no UTF-8 or GB18030 character
    data, diags = load_data(path, ALL, "CNY")
    assert data is None
    found = only(diags, "D006")
    assert found.message.startswith("data/params.csv is neither UTF-8 nor GB18030 text")
    assert "byte 0xff at row 2, column 1" in found.message and found.span == cell("data/params.csv", 2, 1)


def test_params_with_no_rows_is_an_error(tmp_path, monkeypatch):
    data, diags = load_data(csv_dir(tmp_path, monkeypatch, params="cap,threshold\n"), ALL, "CNY")
    assert data is None
    d = only(diags, "D003")
    assert d.span == cell("data/params.csv", 1, 1) and "has 0" in d.message


def test_unsupported_and_absent_paths_are_d006(tmp_path):
    notes = write(tmp_path / "data.txt", "hello")
    data, diags = load_data(notes, ALL, "CNY")
    assert data is None
    assert diags[0].code == "D006" and "data.txt" in diags[0].message and ".xlsx" in diags[0].message
    data, diags = load_data(tmp_path / "nowhere", ALL, "CNY")
    assert data is None and diags[0].code == "D006" and "does not exist" in diags[0].message


# ---------------------------------------------------------------- Excel

def excel_book(path):
    wb = openpyxl.Workbook()
    reps = wb.active
    reps.title = "reps"
    reps.append(["rep", "quota", "rate", "team_size", "active", "ignored"])
    reps.append([1001, Decimal("1234567.89"), Decimal("0.85"), 3, True, "x"])  # employee id as a number
    reps.append(["李娜", "120万", "12.5%", "1,200", "否", None])                  # text cells parse like CSV
    reps["A10"].number_format = "0.00"  # a styled but empty trailing row
    deals = wb.create_sheet("deals")
    deals.append(["rep", "amount", "closed", "stage"])
    deals.append(["1001", Decimal("0.1"), datetime.date(2024, 3, 1), "won"])
    deals.append(["李娜", 250, "2024/3/2", "lost"])
    params = wb.create_sheet("params")
    params.append(["cap", "threshold"])
    params.append([500000, "80%"])
    wb.save(path)
    return path


def test_excel_numbers_arrive_exactly(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    excel_book(tmp_path / "book.xlsx")
    data, diags = load_data("book.xlsx", ALL, "CNY")
    assert diags == []
    reps, deals, params = data.tables["reps"], data.tables["deals"], data.tables["params"]
    assert reps.file == "book.xlsx#reps"
    assert reps.rows == [
        {"rep": "1001", "quota": Decimal("1234567.89"), "rate": Decimal("0.85"), "team_size": Decimal("3"), "active": True},
        {"rep": "李娜", "quota": Decimal("1200000"), "rate": Decimal("0.125"), "team_size": Decimal("1200"), "active": False},
    ]
    assert reps.row_numbers == [2, 3]  # the empty row 10 is ignored
    assert reps.labels == {"rep": "A", "quota": "B", "rate": "C", "team_size": "D", "active": "E"}
    assert deals.rows[0]["amount"] == Decimal("0.1")
    assert str(deals.rows[0]["amount"]) == "0.1"
    assert deals.rows[0]["closed"] == datetime.date(2024, 3, 1)  # a date-formatted cell (openpyxl stores 45352)
    assert deals.rows[1]["closed"] == datetime.date(2024, 3, 2)  # a text cell
    assert deals.rows[1]["amount"] == Decimal("250")
    assert params.rows == [{"cap": Decimal("500000"), "threshold": Decimal("0.80")}]
    assert data.payees == ["1001", "李娜"]


def test_excel_errors_point_at_sheet_cells(tmp_path):
    path = excel_book(tmp_path / "book.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["deals"]["B3"] = "12o0"
    wb["deals"]["A3"] = "王五"
    wb["reps"]["C3"] = "0.125"   # text in a percent column must carry its % sign
    del wb["params"]
    wb.save(path)
    data, diags = load_data(path, ALL, "CNY")
    assert data is None
    shown = str(path)
    assert only(diags, "D001").message == f"input 'params' has no sheet named 'params' in {shown}"
    rate = [d for d in diags if d.code == "D003" and "rate" in d.message][0]
    assert rate.span == cell(f"{shown}#reps", 3, 3)
    amount = [d for d in diags if d.code == "D003" and "amount" in d.message][0]
    assert amount.span == cell(f"{shown}#deals", 3, 2)
    assert amount.message == "column 'amount': '12o0' is not a number"
    payee = only(diags, "D004")
    assert payee.span == cell(f"{shown}#deals", 3, 1)


SHEET_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
REL_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def handmade_xlsx(path, sheet_rows, date1904=False):
    """A minimal workbook as Excel writes it: shared strings (one rich-text), styles with the
    built-in date format 14 at style index 1, one sheet 'deals' holding `sheet_rows` XML."""
    strings = ('<si><t>rep</t></si><si><t>amount</t></si><si><t>closed</t></si><si><t>stage</t></si>'
               '<si><r><t>张</t></r><r><t>伟</t></r><rPh><t>ZHANG</t></rPh></si><si><t>won</t></si>')
    flag = ' date1904="1"' if date1904 else ""
    files = {
        "xl/workbook.xml": f'<workbook {SHEET_NS} {REL_NS}><workbookPr{flag}/>'
                           '<sheets><sheet name="deals" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels":
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
            '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
            '</Relationships>',
        "xl/sharedStrings.xml": f'<sst {SHEET_NS}>{strings}</sst>',
        "xl/styles.xml": f'<styleSheet {SHEET_NS}><cellXfs><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs></styleSheet>',
        "xl/worksheets/sheet1.xml": f'<worksheet {SHEET_NS}><sheetData>{sheet_rows}</sheetData></worksheet>',
    }
    with zipfile.ZipFile(path, "w") as book:
        for name, text in files.items():
            book.writestr(name, text)
    return path


HEADER = '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c></row>'


def deal_row(r, amount, closed, kind="n"):
    return (f'<row r="{r}"><c r="A{r}" t="s"><v>4</v></c><c r="B{r}" t="{kind}"><v>{amount}</v></c>'
            f'<c r="C{r}" s="1"><v>{closed}</v></c><c r="D{r}" t="s"><v>5</v></c></row>')


def test_excel_stored_text_is_never_a_float(tmp_path):
    # 30 significant digits survive only if the <v> text goes straight into Decimal.
    # Serial 45292 is 2024-01-01: 1899-12-30 plus 2 days is 1900-01-01, plus 124 years
    # (124 × 365 + 30 leap days = 45290) is 2024-01-01. Serials 59 and 61 straddle Excel's
    # phantom 1900-02-29, so they are 1900-02-28 and 1900-03-01.
    rows = HEADER + deal_row(3, "12345678901234567890.123456789", "45292") + deal_row(5, "1E+3", "59") + deal_row(6, "-0.01", "61")
    path = handmade_xlsx(tmp_path / "made.xlsx", rows)
    data, diags = load_data(path, [DEALS], "CNY")
    assert diags == []
    table = data.tables["deals"]
    assert [r["amount"] for r in table.rows] == [Decimal("12345678901234567890.123456789"), Decimal("1000"), Decimal("-0.01")]
    assert [r["closed"] for r in table.rows] == [datetime.date(2024, 1, 1), datetime.date(1900, 2, 28), datetime.date(1900, 3, 1)]
    assert [r["rep"] for r in table.rows] == ["张伟"] * 3  # rich-text runs joined, phonetic hint dropped
    assert table.row_numbers == [3, 5, 6]


def test_excel_1904_dates(tmp_path):
    # In the 1904 system day 0 is 1904-01-01, so day 366 is 1905-01-01 (1904 is a leap year).
    path = handmade_xlsx(tmp_path / "mac.xlsx", HEADER + deal_row(2, "1", "366"), date1904=True)
    data, diags = load_data(path, [DEALS], "CNY")
    assert diags == []
    assert data.tables["deals"].rows[0]["closed"] == datetime.date(1905, 1, 1)


def test_excel_error_cells_and_phantom_day(tmp_path):
    rows = HEADER + deal_row(2, "#N/A", "45292", kind="e") + deal_row(3, "1", "60")
    path = handmade_xlsx(tmp_path / "bad.xlsx", rows)
    data, diags = load_data(path, [DEALS], "CNY")
    assert data is None
    assert [d.span for d in diags] == [cell(f"{path}#deals", 2, 2), cell(f"{path}#deals", 3, 3)]
    assert "#N/A" in diags[0].message
    assert "not a real date" in diags[1].message  # serial 60 is 1900-02-29, which never existed


def test_corrupt_xlsx_is_d006(tmp_path):
    path = write(tmp_path / "broken.xlsx", "this is not a zip archive")
    data, diags = load_data(path, ALL, "CNY")
    assert data is None
    assert [d.code for d in diags] == ["D006"]
    assert "broken.xlsx" in diags[0].message
    with zipfile.ZipFile(tmp_path / "empty.xlsx", "w") as book:
        book.writestr("hello.txt", "no workbook here")
    data, diags = load_data(tmp_path / "empty.xlsx", ALL, "CNY")
    assert data is None and [d.code for d in diags] == ["D006"]


def test_corrupt_sheet_xml_is_d006(tmp_path):
    path = handmade_xlsx(tmp_path / "cut.xlsx", HEADER + '<row r="2"><c r="A2"><v>1</v>')
    data, diags = load_data(path, [DEALS], "CNY")
    assert data is None
    assert [d.code for d in diags] == ["D006"]
    assert "'deals'" in diags[0].message


# ---------------------------------------------------------------- JSON

def test_json_numbers_stay_exact(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "data.json", """{
      "reps": [{"rep": 1001, "quota": 1234567.89, "rate": 0.85, "team_size": 3, "active": true},
               {"active": "否", "rep": "李娜", "quota": "120万", "rate": "12.5%", "team_size": "1,200"}],
      "deals": [{"rep": "李娜", "amount": 0.1, "closed": "2024-03-01", "stage": "won"}],
      "params": {"cap": "50万", "threshold": 0.8}
    }""", "utf-8")
    data, diags = load_data("data.json", ALL, "CNY")
    assert diags == []
    reps = data.tables["reps"]
    assert reps.file == "data.json#reps"
    assert reps.rows[0] == {"rep": "1001", "quota": Decimal("1234567.89"), "rate": Decimal("0.85"),
                            "team_size": Decimal("3"), "active": True}
    assert reps.rows[1]["quota"] == Decimal("1200000") and reps.rows[1]["rate"] == Decimal("0.125")
    assert reps.row_numbers == [1, 2]
    assert reps.labels == {"rep": "rep", "quota": "quota", "rate": "rate", "team_size": "team_size", "active": "active"}
    assert data.tables["deals"].rows[0]["amount"] == Decimal("0.1")
    assert data.tables["params"].rows == [{"cap": Decimal("500000"), "threshold": Decimal("0.8")}]
    assert data.payees == ["1001", "李娜"]


def test_json_errors(tmp_path):
    path = write(tmp_path / "data.json", """{
      "reps": [{"rep": "张伟", "quota": 1, "rate": 0.1, "team_size": 2.5, "active": true}],
      "deals": [{"rep": "张伟", "amount": 1, "stage": "won"}]
    }""", "utf-8")
    data, diags = load_data(path, ALL, "CNY")
    assert data is None
    shown = str(path)
    assert only(diags, "D001").message == f"input 'params' has no key 'params' in {shown}"
    team = only(diags, "D003")
    assert team.span == cell(f"{shown}#reps", 1, 4)  # row 1, 'team_size' is the 4th key
    assert "'2.5' is not a whole number" in team.message
    closed = only(diags, "D002")
    assert closed.span == cell(f"{shown}#deals", 1, 1)
    assert "'closed'" in closed.message and f"{shown}#deals" in closed.message


@pytest.mark.parametrize("text", ['{"reps": [', '{"params": {"cap": NaN}}', '[1, 2]'])
def test_bad_json_is_d006(tmp_path, text):
    data, diags = load_data(write(tmp_path / "data.json", text, "utf-8"), ALL, "CNY")
    assert data is None
    assert [d.code for d in diags] == ["D006"]


# ---------------------------------------------------------------- plan tests

def test_dataset_from_rows(tmp_path):
    origin = 'plan.plan:40 test "甲"'
    values = {
        "reps": [{"rep": "甲", "quota": Decimal("100000"), "rate": "5%", "team_size": 2, "active": True}],
        "deals": [{"rep": "甲", "amount": "1.5万", "closed": datetime.date(2024, 3, 1), "stage": "won"}],
        "params": {"cap": Decimal("50000"), "threshold": Decimal("0.8")},
    }
    data, diags = dataset_from_rows(values, ALL, "CNY", origin)
    assert diags == []
    assert data.tables["reps"].rows == [{"rep": "甲", "quota": Decimal("100000"), "rate": Decimal("0.05"),
                                         "team_size": Decimal("2"), "active": True}]
    assert data.tables["deals"].rows[0]["amount"] == Decimal("15000")
    assert data.tables["deals"].rows[0]["region"] == "华东"
    assert data.tables["params"].rows == [{"cap": Decimal("50000"), "threshold": Decimal("0.8")}]
    assert data.payees == ["甲"]


def test_dataset_from_rows_errors():
    origin = 'plan.plan:40 test "甲"'
    values = {
        "reps": [{"rep": "甲", "quota": Decimal("1"), "rate": "5%", "team_size": 2, "active": True}],
        "deals": [{"rep": "甲", "amount": 0.1, "closed": "2024-03-01", "stage": "won"},   # a binary float
                  {"rep": "乙", "amount": "1", "closed": "2024-03-01", "stage": "won"},  # not on the roster
                  {"rep": "甲", "amount": "1", "stage": "won"}],                         # no 'closed'
        "params": {"cap": "1"},
    }
    data, diags = dataset_from_rows(values, ALL, "CNY", origin)
    assert data is None
    floats = only(diags, "D003")
    assert floats.span == cell(origin, 1, 2)
    assert "binary float" in floats.message and "input 'deals' row 1" in floats.message
    assert only(diags, "D004").span == cell(origin, 2, 1)
    missing = [d for d in diags if d.code == "D002"]
    assert [(d.span.line, "'closed'" in d.message) for d in missing if "deals" in d.message] == [(3, True)]
    assert any("'threshold'" in d.message for d in missing)


def test_dataset_from_rows_missing_input():
    data, diags = dataset_from_rows({"deals": []}, [DEALS, PARAMS], "CNY", "plan.plan:7 test")
    assert data is None
    assert [d.code for d in diags] == ["D001"]
    assert diags[0].message == "plan.plan:7 test gives no rows for input 'params'"
