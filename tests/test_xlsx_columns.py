"""Spreadsheet column letters ↔ numbers, read without openpyxl, and a `plan check`
that imports no workbook library at all."""
from __future__ import annotations

import subprocess
import sys

import openpyxl.utils.cell
import pytest

from conftest import ROOT
from dsl.core.spreadsheet import column_letters, column_number


def test_every_column_agrees_with_openpyxl():
    # openpyxl's own conversion is the independent reference, over all of A..ZZZ.
    for number in range(1, 18279):
        letters = openpyxl.utils.cell.get_column_letter(number)
        assert column_letters(number) == letters
        assert column_number(letters) == number
        assert column_number(letters.lower()) == number


@pytest.mark.parametrize("letters, number", [("A", 1), ("Z", 26), ("AA", 27), ("AZ", 52), ("BA", 53), ("ZZ", 702), ("AAA", 703), ("XFD", 16384)])
def test_columns_by_hand(letters, number):
    # AZ = 1×26 + 26 = 52; ZZ = 26×26 + 26 = 702; XFD = 24×676 + 6×26 + 4 = 16384, Excel's last column
    assert column_number(letters) == number and column_letters(number) == letters


@pytest.mark.parametrize("bad", ["", "A1", "AAAA", "Ä", "1"])
def test_what_is_not_a_column_name(bad):
    with pytest.raises(ValueError):
        column_number(bad)


def test_plan_check_imports_no_workbook_library():
    plan = ROOT / "plans" / "s1_big_account" / "plan.plan"
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "dsl.cli", "check", str(plan)],
                            cwd=ROOT, capture_output=True, text=True, encoding="utf-8")
    assert result.returncode == 0, result.stderr
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    assert not {name for name in imported if name.split(".")[0] == "openpyxl"}


def test_reading_csv_data_imports_no_workbook_library():
    code = "import sys, dsl.data.readers; print(sorted(m for m in sys.modules if m.split('.')[0] == 'openpyxl'))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, encoding="utf-8")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
