"""Data read by DuckDB itself (dsl/sql/read.py) against the Python loader (dsl/data/readers.py).

- Every bundled plan's data: the columnar reader reads the folders it takes
  (those with no input placed in periods) to the same tables, column by column,
  value by value (scale and sign included), with the same row numbers, labels
  and roster; the runs on the DuckDB engine from those files print the same
  CSV as the interpreter on the Python loader's dataset.
- The cell grammar: a file of every form the SQL types (plain, grouped, 万/亿,
  元/块, percents, the booleans, the three date forms, defaults) gives the
  loader's values with no cell handed to Python, and a file of the forms SQL
  leaves to the loader (spaces at the ends, full-width ％, currency codes,
  more than 18 places) gives the loader's values too.
- Hostile data, one case per error class: `read_data(engine="duckdb")` gives
  exactly the loader's diagnostics (code, message, file, row, column), because
  the columnar reader declines what it does not accept and never accepts what
  the loader refuses.
"""
from __future__ import annotations

import os
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

pytest.importorskip("duckdb")
pytest.importorskip("sqlglot")

import dsl  # noqa: E402
from dsl.data.readers import load_data  # noqa: E402
from dsl.sql.read import SPACES, Declined, read_folder  # noqa: E402

from conftest import ROOT, run_plan_cli  # noqa: E402

PLANS = sorted(p.parent for p in (ROOT / "plans").glob("*/plan.plan"))
# Folders the columnar reader must read itself (the others place rows in periods, which it leaves to the loader).
COLUMNAR = {"s1_big_account", "s11_rebate", "s13_customer_volume", "s6_car_sales_tiered", "s8_service_sales"}

CELLS_PLAN = """plan "cells" {
  currency CNY
  payee rep
  rounding half_up to 0.01
}

input deals: table {
  rep: payee
  amount: money
  rate: percent
  count: int
  size: number
  ok: bool
  on: date
  kind: enum("直接", "中介")
  note: text = "无"
  bonus: money = 0
}

input reps: record {
  rep: payee
}

payout "p" = sum(deals.amount)
"""


def snapshot(dataset) -> dict:
    """Every value with its type, scale and sign (repr), row numbers, labels and the roster."""
    return {
        "payees": list(dataset.payees),
        "tables": {name: {"file": t.file, "rows": list(t.row_numbers), "labels": dict(t.labels),
                          "columns": {f: [repr(v) for v in values] for f, values in t.columns.items()}}
                   for name, t in sorted(dataset.tables.items())},
    }


def both(plan, folder: Path):
    """The loader's (dataset, diagnostics) and the columnar reader's through the public API."""
    expected = load_data(folder, plan.inputs, plan.currency)
    found = dsl.read_data(plan, folder, engine="duckdb")
    return expected, found


def cells_dir(tmp_path: Path, deals: str, reps: str = "rep\n甲\n乙\n") -> tuple[object, Path]:
    (tmp_path / "plan.plan").write_text(CELLS_PLAN, encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "deals.csv").write_text(deals, encoding="utf-8")
    (data / "reps.csv").write_text(reps, encoding="utf-8")
    return dsl.load(tmp_path / "plan.plan").plan, data


# ---------------------------------------------------------------- the bundled plans


@pytest.mark.parametrize("folder", PLANS, ids=lambda p: p.name)
def test_every_bundled_plan_reads_the_same_through_both_readers(folder):
    plan = dsl.load(folder / "plan.plan").plan
    (dataset, diagnostics), (found, found_diagnostics) = both(plan, folder / "data")
    assert list(found_diagnostics) == list(diagnostics)
    if folder.name in COLUMNAR:
        assert type(found).__name__ == "Columnar"  # read by DuckDB, not by the fallback
        found = found.to_dataset()
    assert snapshot(found) == snapshot(dataset)


@pytest.mark.parametrize("name", sorted(COLUMNAR))
def test_the_duckdb_engine_from_files_prints_what_the_interpreter_prints(name):
    folder = ROOT / "plans" / name
    interpreter = run_plan_cli("run", str(folder / "plan.plan"), cwd=ROOT)
    duckdb = run_plan_cli("run", str(folder / "plan.plan"), "--engine", "duckdb", cwd=ROOT)
    assert interpreter.returncode == 0 and duckdb.returncode == 0, duckdb.stderr
    assert duckdb.stdout == interpreter.stdout


def test_s1_from_files_on_duckdb_pays_the_hand_computed_totals():
    plan = dsl.load(ROOT / "plans" / "s1_big_account" / "plan.plan").plan
    data, _ = dsl.read_data(plan, ROOT / "plans" / "s1_big_account" / "data", engine="duckdb")
    result = dsl.evaluate(plan, data, engine="duckdb")
    # 甲: 200万 marginal: 50万×2% + 50万×3% + 100万×4% = 65,000; renewed 120万 × 0.5% = 6,000 → 71,000
    assert [(p.payee, p.total) for p in result.payees][0] == ("甲", Decimal("71000.00"))


# ---------------------------------------------------------------- the cell grammar


SQL_FORMS = (
    "rep,amount,rate,count,size,ok,on,kind,note,bonus\n"
    "甲,1200000.00,85%,3,7,true,2026-03-01,直接,首单,\n"
    "甲,\"1,200,000.00\",12.50%,-0,-0.00,false,2026/3/9,中介,,5\n"
    "乙,120万,100%,007,0.5,TRUE,2026年12月31日,直接,x y,1.5万\n"
    "乙,-1.25亿,0.00%,20,\"12,345.678\",是,2024-02-29,中介,,3000元\n"
    "乙,3000块,1000%,1,-0,否,2026-1-2,直接,尾,\"-0,000\"\n"
    "甲,.5万,-0%,2,000123.4500,Yes,2026/12/1,中介,,0.000000000000000001\n"
)


def test_every_form_sql_types_gives_the_loaders_values_without_python(tmp_path):
    plan, data = cells_dir(tmp_path, SQL_FORMS.replace(".5万", "0.5万"))
    expected, diagnostics = load_data(data, plan.inputs, plan.currency)
    assert diagnostics == []
    columnar = read_folder(data, str(data), plan.inputs, plan.currency)
    assert columnar.tables["deals"].mapped == {}  # no cell of these forms was handed to the Python grammar
    assert snapshot(columnar.to_dataset()) == snapshot(expected)
    deals = columnar.to_dataset().tables["deals"].columns
    # '1,200,000.00' keeps its two places; 120万 = 120 × 10^4; -1.25亿 = -1.25 × 10^8 at the places of 1.25
    assert deals["amount"][1:4] == [Decimal("1200000.00"), Decimal("1200000"), Decimal("-125000000.00")]
    assert str(deals["amount"][3]) == "-125000000.00"
    # 12.50% = 0.125 (quotient's normalised exponent); 100% = 1; 1000% = 10 (never above the text's exponent)
    assert [str(v) for v in deals["rate"][1:5]] == ["0.125", "1", "0.00", "10"]
    # plain '-0' keeps its sign (Decimal('-0')); '-0,000' goes through parse_amount, whose minus(0) is 0
    assert [str(v) for v in (deals["count"][1], deals["bonus"][4])] == ["-0", "0"]
    assert deals["ok"] == [True, False, True, True, False, True]  # true, false, TRUE, 是, 否, Yes
    assert [d.isoformat() for d in deals["on"][2:4]] == ["2026-12-31", "2024-02-29"]
    assert deals["note"][1] == "无" and deals["bonus"][0] == Decimal(0)  # empty cells take the declared defaults


PYTHON_FORMS = (
    "rep,amount,rate,count,size,ok,on,kind,note,bonus\n"
    "甲, 1200000.00 ,85％,\"1,200\",1.000000000000000000000,\u3000true,2026-03-01 ,直接 ,\" 首单 \",CNY 5\n"
    "乙,+5,+12.5%,1.0,+1.5,N,2026-3-01,中介,\u00a0x,5 元\n"
)


def test_the_forms_sql_leaves_to_the_loader_are_typed_by_it(tmp_path):
    plan, data = cells_dir(tmp_path, PYTHON_FORMS)
    expected, diagnostics = load_data(data, plan.inputs, plan.currency)
    if diagnostics:  # a form the loader refuses gives its diagnostics through both readers
        assert list(dsl.read_data(plan, data, engine="duckdb")[1]) == diagnostics
        pytest.fail(f"the loader should read every cell of this file: {diagnostics[0].message}")
    columnar = read_folder(data, str(data), plan.inputs, plan.currency)
    assert columnar.tables["deals"].mapped  # these went to the Python grammar, one distinct text at a time
    assert snapshot(columnar.to_dataset()) == snapshot(expected)
    deals = columnar.to_dataset().tables["deals"].columns
    # ' 1200000.00 ' is stripped; 85％ (full width) is 0.85; "1,200" in an int column is 1200
    assert (deals["amount"][0], deals["rate"][0], deals["count"][0]) == (Decimal("1200000.00"), Decimal("0.85"), Decimal(1200))
    assert deals["note"] == ["首单", "x"]


def test_the_space_list_is_what_str_strip_removes():
    assert SPACES == "".join(c for c in map(chr, range(0x110000)) if c.isspace())


# ---------------------------------------------------------------- hostile data: the same diagnostics

S1 = ROOT / "plans" / "s1_big_account" / "plan.plan"
REPS = "rep,renewal_rate,satisfaction\n甲,85%,92\n乙,60%,88\n"
DEALS_HEAD = "rep,customer,amount,renewed\n"

HOSTILE = {
    "a bad number": DEALS_HEAD + "甲,华东,12o0,true\n",
    "an empty required cell": DEALS_HEAD + "甲,,100,true\n",
    "a blank amount": DEALS_HEAD + "甲,华东,   ,true\n",
    "misplaced separators": DEALS_HEAD + "甲,华东,\"12,00\",true\n",
    "a percent in money": DEALS_HEAD + "甲,华东,85%,true\n",
    "another currency": DEALS_HEAD + "甲,华东,USD 100,true\n",
    "too many places": DEALS_HEAD + "甲,华东,0.0000000000000000001,true\n",
    "too large": DEALS_HEAD + "甲,华东,100000000000000000000,true\n",
    "too large with 万": DEALS_HEAD + "甲,华东,99999999999999999万,true\n",
    "a bad bool": DEALS_HEAD + "甲,华东,100,maybe\n",
    "a missing column": "rep,customer,renewed\n甲,华东,true\n",
    "a repeated column": "rep,customer,amount,amount,renewed\n甲,华东,1,2,true\n",
    "a row too wide": DEALS_HEAD + "甲,华东,1,200.00,true\n",
    "a row too short": DEALS_HEAD + "甲,华东,100\n",
    "an open quote": DEALS_HEAD + "甲,\"华东,100,true\n乙,南方,5,false\n",
    "text after a quote": DEALS_HEAD + "甲,\"华东\"x,100,true\n",
    "a NUL byte": DEALS_HEAD + "甲,华\x00东,100,true\n",
    "a payee not on the roster": DEALS_HEAD + "丙,华东,100,true\n",
    "a payee with a space not on the roster": DEALS_HEAD + " 丙,华东,100,true\n",
    "an empty file": "",
    "only blank lines": "\n\n",
    "a header only (read)": DEALS_HEAD,
    "a blank line between rows (read)": DEALS_HEAD + "甲,华东,100,true\n\n乙,南方,5,false\n",
    "a multi-line quoted cell (read)": DEALS_HEAD + "甲,\"华东\n重工\",100,true\n乙,南方,5,false\n",
    "a row of empty cells (read)": DEALS_HEAD + "甲,华东,100,true\n,,,\n乙,南方,5,false\n",
    "CRLF line ends (read)": (DEALS_HEAD + "甲,华东,100,true\n乙,南方,5,false\n").replace("\n", "\r\n"),
    "a lone carriage return (read)": DEALS_HEAD + "甲,华东,100,true\r乙,南方,5,false\n",
}
HOSTILE_BYTES = {
    "Latin-1": (DEALS_HEAD + "甲,caf\xe9,100,true\n").encode("latin-1", errors="replace").replace(b"?", "甲".encode()),
    "UTF-16": (DEALS_HEAD + "甲,华东,100,true\n").encode("utf-16"),
    "Big5": (DEALS_HEAD + "甲,臺灣,100,true\n").encode("utf-8").replace("臺灣".encode(), "臺灣".encode("big5")),
    "GB18030 (read)": (DEALS_HEAD + "甲,华东重工,100,true\n").encode("gb18030"),
    "UTF-8 with a BOM (read)": b"\xef\xbb\xbf" + (DEALS_HEAD + "甲,华东,100,true\n").encode("utf-8"),
}
REPS_HOSTILE = {
    "a duplicate payee": "rep,renewal_rate,satisfaction\n甲,85%,92\n甲,60%,88\n",
    "a percent without %": "rep,renewal_rate,satisfaction\n甲,0.85,92\n",
    "a duplicate after stripping": "rep,renewal_rate,satisfaction\n甲,85%,92\n 甲 ,60%,88\n",
}


def hostile_dir(tmp_path: Path, deals: bytes | str, reps: str = REPS) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    (data / "reps.csv").write_text(reps, encoding="utf-8")
    (data / "deals.csv").write_bytes(deals if isinstance(deals, bytes) else deals.encode("utf-8"))
    return data


def same_through_both(plan, data: Path) -> list:
    (dataset, diagnostics), (found, found_diagnostics) = both(plan, data)
    assert [(d.code, d.message, d.span) for d in found_diagnostics] == [(d.code, d.message, d.span) for d in diagnostics]
    if dataset is not None:
        found = found.to_dataset() if hasattr(found, "to_dataset") else found
        assert snapshot(found) == snapshot(dataset)
    return diagnostics


@pytest.mark.parametrize("case", sorted(HOSTILE) + sorted(HOSTILE_BYTES), ids=str)
def test_hostile_deals_give_the_loaders_diagnostics(tmp_path, case):
    plan = dsl.load(S1).plan
    diagnostics = same_through_both(plan, hostile_dir(tmp_path, HOSTILE[case] if case in HOSTILE else HOSTILE_BYTES[case]))
    # every case but those marked "(read)" is an error of the loader's, located in the file
    assert bool(diagnostics) == ("(read)" not in case)
    if "(read)" not in case and case not in ("an empty file", "only blank lines", "UTF-16"):
        assert diagnostics[0].span is not None and diagnostics[0].span.file.endswith("deals.csv")


@pytest.mark.parametrize("case", sorted(REPS_HOSTILE), ids=str)
def test_hostile_rosters_give_the_loaders_diagnostics(tmp_path, case):
    plan = dsl.load(S1).plan
    diagnostics = same_through_both(plan, hostile_dir(tmp_path, DEALS_HEAD + "甲,华东,100,true\n", REPS_HOSTILE[case]))
    assert diagnostics and diagnostics[0].code in ("D003", "D005")  # a bad value, a payee twice


def test_a_link_out_of_the_folder_is_refused_through_both_readers(tmp_path):
    plan = dsl.load(S1).plan
    outside = tmp_path / "secret.csv"
    outside.write_text(DEALS_HEAD + "甲,华东,100,true\n", encoding="utf-8")
    data = hostile_dir(tmp_path, DEALS_HEAD)
    os.remove(data / "deals.csv")
    os.symlink(outside, data / "deals.csv")
    diagnostics = same_through_both(plan, data)
    assert "outside the data folder" in diagnostics[0].message


def test_a_missing_file_is_the_loaders_d001(tmp_path):
    plan = dsl.load(S1).plan
    data = hostile_dir(tmp_path, DEALS_HEAD)
    os.remove(data / "deals.csv")
    assert same_through_both(plan, data)[0].code == "D001"


def test_many_bad_cells_are_capped_as_the_loader_caps_them(tmp_path):
    plan = dsl.load(S1).plan
    rows = "".join(f"甲,c{i},x{i},true\n" for i in range(60))
    diagnostics = same_through_both(plan, hostile_dir(tmp_path, DEALS_HEAD + rows))
    assert len(diagnostics) == 51 and diagnostics[-1].message.startswith("... and 10 more errors")  # 60 = 50 shown + 10


def test_bad_data_through_the_cli_on_duckdb_is_located(tmp_path):
    shutil.copy(S1, tmp_path / "plan.plan")
    hostile_dir(tmp_path, DEALS_HEAD + "甲,华东,100,true\n乙,南方,12o0,false\n")
    result = run_plan_cli("run", "plan.plan", "--engine", "duckdb", cwd=tmp_path)
    assert result.returncode == 1
    assert "data/deals.csv:3:3" in result.stderr and "'12o0' is not a number" in result.stderr  # row 3 (line 3), column 3


def test_a_declined_folder_says_why():
    plan = dsl.load(ROOT / "plans" / "s2_service_center" / "plan.plan").plan
    with pytest.raises(Declined, match="placed in periods"):
        read_folder(ROOT / "plans" / "s2_service_center" / "data", "data", plan.inputs, plan.currency)


# ---------------------------------------------------------------- explain: only the payee's rows


@pytest.mark.parametrize("name", sorted(COLUMNAR))
def test_explaining_a_payee_from_their_rows_alone_explains_the_same(name):
    from dsl.sql.read import read_data as read_rows

    folder = ROOT / "plans" / name
    plan = dsl.load(folder / "plan.plan").plan
    whole, _ = load_data(folder / "data", plan.inputs, plan.currency)
    for payee in whole.payees:
        mine = read_rows(plan, folder / "data", payees=[payee], filter_from=0)  # filtered by DuckDB whatever the size
        assert mine is not None and mine.payees == whole.payees
        if plan.input("deals") is not None and plan.input("deals").payee_field is not None:
            assert len(mine.tables["deals"]) == len(whole.tables["deals"].rows_of(payee))  # only this payee's rows
        for lang in ("zh", "en"):
            expected = dsl.explain(plan, dsl.evaluate(plan, whole, trace=True, payees=[payee]).payees[0], lang=lang)
            found = dsl.explain(plan, dsl.evaluate(plan, mine, trace=True, payees=[payee]).payees[0], lang=lang)
            assert found == expected


def test_explain_of_s1_reads_two_of_three_deals_for_jia_and_pays_the_same():
    from dsl.sql.read import read_data as read_rows

    plan = dsl.load(S1).plan
    mine = read_rows(plan, ROOT / "plans" / "s1_big_account" / "data", payees=["甲"], filter_from=0)
    # 甲 has two deals (120万 renewed, 80万), 乙 one: only 甲's are read, on lines 2 and 3 of deals.csv
    assert list(mine.tables["deals"].row_numbers) == [2, 3]
    result = dsl.evaluate(plan, mine, trace=True, payees=["甲"])
    assert result.payees[0].total == Decimal("71000.00")  # 65,000 marginal on 200万 + 0.5% × 120万 renewed


def test_an_unknown_payee_gets_the_loaders_hint_from_the_filtered_rows():
    from dsl.sql.read import read_data as read_rows

    plan = dsl.load(S1).plan
    mine = read_rows(plan, ROOT / "plans" / "s1_big_account" / "data", payees=["甲甲"], filter_from=0)
    whole, _ = load_data(ROOT / "plans" / "s1_big_account" / "data", plan.inputs, plan.currency)
    found = dsl.evaluate(plan, mine, payees=["甲甲"]).diagnostics
    expected = dsl.evaluate(plan, whole, payees=["甲甲"]).diagnostics
    assert [(d.code, d.message, d.hint) for d in found] == [(d.code, d.message, d.hint) for d in expected]
    assert found[0].code == "R002"  # the roster stays whole, so the did-you-mean is the same
