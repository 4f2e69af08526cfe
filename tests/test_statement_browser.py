"""Pay statements as a rep opens them: every payee of S1 and S3 rendered by a real
headless Chromium, every number of the line table read back from the rendered DOM
and compared with `plan run --format json`, and a screenshot in the test's folder.

Chromium is Debian's package; .ci/run installs it when it is missing. The test
installs it too when it runs as root and skips, saying why, only when it cannot.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import run_plan_cli

PLANS = ["plans/s1_big_account/plan.plan", "plans/s3_sales_commission/plan.plan"]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


def _chromium() -> str:
    found = shutil.which("chromium")
    if found is None and os.geteuid() == 0:
        subprocess.run("apt-get update -qq && apt-get install -y -qq chromium", shell=True, capture_output=True, timeout=900)
        found = shutil.which("chromium")
    if found is None:
        pytest.skip("chromium is not installed and could not be installed (apt-get install chromium needs root and the Debian mirror)")
    return found


@pytest.fixture(scope="module")
def chromium():
    return _chromium()


def browse(chromium: str, page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([chromium, *FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()],
                          capture_output=True, text=True, encoding="utf-8", timeout=180)


class StatementPage(HTMLParser):
    """What a rep reads in the rendered page: the line table's rows (label, kind, value text),
    its total, the flags' value texts and the whole text of the page."""

    def __init__(self):
        super().__init__()
        self.lines, self.flags, self.text = [], {}, []
        self.total = None
        self._table = self._row = self._cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._table = attrs.get("class")
        elif tag == "tr" and self._table in ("lines", "flags"):
            self._row = {"label": attrs.get("data-label"), "kind": attrs.get("data-kind"), "num": None}
        elif tag == "td" and self._row is not None and "num" in (attrs.get("class") or ""):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self._row["num"] = "".join(self._cell).strip()
            self._cell = None
        elif tag == "tr" and self._row is not None:
            row, self._row = self._row, None
            if self._table == "flags":
                self.flags[row["label"]] = row["num"]
            elif row["kind"] == "total":
                self.total = row["num"]
            elif row["num"] is not None:
                self.lines.append((row["label"], row["kind"], row["num"]))
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def money(text: str) -> Decimal:
    """A shown amount back to a decimal: thousands separators out; the text must have exactly two places."""
    assert text.replace(",", "").lstrip("-").count(".") == 1 and len(text.split(".")[1]) == 2, text
    return Decimal(text.replace(",", ""))


def shown_flag(text: str) -> object:
    if text in ("true", "false"):
        return text == "true"
    if text.endswith("%"):
        return Decimal(text[:-1].replace(",", "")) / 100
    return Decimal(text.replace(",", ""))


def last_periods(plan: str) -> dict:
    """Each payee's entry of `plan run --format json` for the last period the run covers."""
    run = run_plan_cli("run", plan, "--format", "json")
    assert run.returncode == 0, run.stderr
    entries = {}
    for entry in json.loads(run.stdout)["payees"]:
        entries[entry["payee"]] = entry  # in period order: the last one stays
    return entries


@pytest.mark.parametrize("plan", PLANS, ids=lambda p: Path(p).parent.name)
def test_every_payee_statement_renders_with_the_run_numbers(plan, chromium, tmp_path):
    expected = last_periods(plan)
    out = tmp_path / "statements"
    made = run_plan_cli("statement", plan, "--all", "--format", "html", "--out", str(out))
    assert made.returncode == 0, made.stderr
    assert sorted(p.stem for p in out.glob("*.html") if p.name != "index.html") == sorted(expected)  # one page per payee, none dropped
    index = browse(chromium, out / "index.html", tmp_path / "profile", "--dump-dom")
    assert index.returncode == 0, index.stderr
    for payee in expected:
        assert f'href="{payee}.html"' in index.stdout

    for number, (payee, entry) in enumerate(expected.items()):
        page = out / f"{payee}.html"
        source = page.read_text(encoding="utf-8")
        assert "http" not in source and "src=" not in source and "<link" not in source  # self-contained: nothing fetched
        dom = browse(chromium, page, tmp_path / "profile", "--dump-dom")
        assert dom.returncode == 0, dom.stderr
        parsed = StatementPage()
        parsed.feed(dom.stdout)
        text = "".join(parsed.text)
        assert payee in text and entry["period"] in text
        # every value cell of the line table, read from the rendered DOM, is the run's value of that line
        assert [(label, kind, money(value)) for label, kind, value in parsed.lines] == [
            (line["line"], line["kind"], Decimal(line["value"])) for line in entry["lines"]]
        assert money(parsed.total) == Decimal(entry["total"])
        assert sum(money(value) for _, _, value in parsed.lines) == Decimal(entry["total"])  # the lines add up to the total shown
        # the flags, percents as percents
        assert {label: shown_flag(value) for label, value in parsed.flags.items()} == {
            f["flag"]: (f["value"] if isinstance(f["value"], bool) else Decimal(f["value"])) for f in entry["flags"]}
        if number == 0:
            shot = tmp_path / "statement.png"
            taken = browse(chromium, page, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1200,1600")
            assert taken.returncode == 0, taken.stderr
            assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
            print(f"screenshot of {payee}'s statement: {shot}")


def test_s1_first_payee_figures_by_hand(chromium, tmp_path):
    """甲's page, with the figures derived by hand, not from the run."""
    page = tmp_path / "甲.html"
    made = run_plan_cli("statement", PLANS[0], "--payee", "甲", "--format", "html", "--out", str(page))
    assert made.returncode == 0, made.stderr
    dom = browse(chromium, page, tmp_path / "profile", "--dump-dom")
    parsed = StatementPage()
    parsed.feed(dom.stdout)
    assert [(label, money(value)) for label, _, value in parsed.lines] == [
        ("销售额提成", Decimal("65000.00")),  # 200万 marginal: 50万×2% + 50万×3% + 100万×4% = 10,000 + 15,000 + 40,000
        ("续签奖励", Decimal("6000.00")),     # 85% ≥ 80% and 92 ≥ 90: 0.5% × 120万 renewed (华东重工) = 6,000
    ]
    assert money(parsed.total) == Decimal("71000.00")  # 65,000 + 6,000
