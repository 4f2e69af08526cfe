"""`plan statement --every-period`: one payee's statements of every period of the run in one
document (md, html, xlsx), after a table of each period's total and the total over them.

Every figure is checked against `plan run --format json` of the same periods, and the total
over the periods is added up here, independently of the tool.
"""
from __future__ import annotations

import json
from decimal import Decimal
from html.parser import HTMLParser

import openpyxl

from conftest import run_plan_cli

S3 = "plans/s3_sales_commission/plan.plan"
YEAR = ("--periods", "2026-Q1..2026-Q4")


def run_totals(payee: str) -> list[tuple[str, Decimal]]:
    result = run_plan_cli("run", S3, *YEAR, "--format", "json")
    assert result.returncode == 0, result.stderr
    return [(p["period"], Decimal(p["total"])) for p in json.loads(result.stdout)["payees"] if p["payee"] == payee]


def shown(value: Decimal) -> str:
    return f"{value:,.2f}"


def test_markdown_lists_each_periods_total_then_each_periods_statement():
    totals = run_totals("张敏")
    assert [p for p, _ in totals] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    year = sum(t for _, t in totals)  # 136,320.00 + 67,364.80 + 114,338.40 + 197,647.58 = 515,670.78 when written
    result = run_plan_cli("statement", S3, "--payee", "张敏", *YEAR, "--every-period", "--format", "md", "--lang", "zh")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "# 销售提成管理办法(营销部) · 张敏 · 2026-Q1 – 2026-Q4"
    assert f"**各期合计: {shown(year)} CNY**" in lines
    for period, total in totals:
        assert f"| {period} | {shown(total)} |" in lines
        # each period's own statement follows, its title one level down, with its own total
        assert f"## 销售提成管理办法(营销部) · 张敏 · {period}" in lines
    assert f"| **合计** | **{shown(year)}** |" in lines
    assert lines.count("### 用到的数值") == 4  # each period's sections, a level below its title


class _Sections(HTMLParser):
    """The page's period sections, and the numbers of its summary: each period row's total cell, the total over them."""

    def __init__(self):
        super().__init__()
        self.sections, self.summary, self._row, self._take = [], {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self.sections.append(attrs["data-period"])
        elif tag == "tr":
            self._row = attrs.get("data-period")
        elif tag == "td" and attrs.get("class") == "num" and self._row:
            self._take = self._row
        elif tag == "strong" and attrs.get("class") == "periods-total-value":
            self._take = "all"

    def handle_data(self, data):
        if self._take:
            self.summary[self._take] = data.strip()
            self._take = None


def test_html_has_a_section_per_period_and_the_totals_of_the_run():
    totals = run_totals("王芳")
    result = run_plan_cli("statement", S3, "--payee", "王芳", *YEAR, "--every-period", "--format", "html", "--lang", "en")
    assert result.returncode == 0, result.stderr
    page = _Sections()
    page.feed(result.stdout)
    assert page.sections == [p for p, _ in totals]
    assert page.summary == {**{p: shown(t) for p, t in totals}, "all": shown(sum(t for _, t in totals))}
    assert result.stdout.count("<h2>pay statement · 2026-Q") == 4  # each section's title, under the page's h1


def test_xlsx_sums_the_period_sheets_totals_with_formulas(tmp_path):
    totals = run_totals("李强")
    out = tmp_path / "李强.xlsx"
    again = tmp_path / "again.xlsx"
    for target in (out, again):
        result = run_plan_cli("statement", S3, "--payee", "李强", *YEAR, "--every-period", "--format", "xlsx", "--out", str(target))
        assert result.returncode == 0, result.stderr
    assert out.read_bytes() == again.read_bytes()
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[0] == "各期" and len(book.sheetnames) == 1 + 2 * len(totals)  # lines and rows of each period
    summary = [[c.value for c in row] for row in book["各期"].iter_rows()]
    assert [row[0] for row in summary[1:-1]] == [p for p, _ in totals]
    first_sheet = book.sheetnames[1]
    assert summary[1][1].startswith(f"='{first_sheet}'!B")  # the period's total, read from its own sheet
    assert summary[-1][1] == f"=SUM(B2:B{len(totals) + 1})"
    cached = openpyxl.load_workbook(out, data_only=True)
    period_sheet = cached[first_sheet]
    total_cell = summary[1][1].split("!")[1]
    assert Decimal(str(period_sheet[total_cell].value)) == totals[0][1]  # the formula points at the period's total
    assert Decimal(str(cached["各期"][f"B{len(totals) + 2}"].value)) == sum(t for _, t in totals)


def test_every_period_with_all_writes_one_file_per_payee_and_an_index(tmp_path):
    result = run_plan_cli("statement", S3, "--all", *YEAR, "--every-period", "--format", "html", "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    year = sum(t for _, t in run_totals("张敏"))
    assert f"<td>2026-Q1 – 2026-Q4</td><td class=\"num\">{shown(year)}</td>" in index
    assert (tmp_path / "out" / "张敏.html").read_text(encoding="utf-8").count('<section class="period"') == 4


def test_every_period_and_one_period_are_a_usage_error():
    result = run_plan_cli("statement", S3, "--payee", "张敏", "--period", "2026-Q1", "--every-period", "--format", "md")
    assert result.returncode == 2
    assert "--every-period writes every period of the run: give --periods" in result.stderr
