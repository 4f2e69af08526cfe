"""`plan explain` as an analyst and a rep read it: short, in their language, with the data's own columns.

Every run is a real subprocess of the CLI over the bundled plans and their data (or a
small plan written here); the expected figures are derived by hand beside each assert.
"""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import markdown
import pytest

from conftest import run_plan_cli
from test_statement import shown  # a run's JSON amount as a person reads it: thousands separators, two places

S1 = "plans/s1_big_account/plan.plan"
S2 = "plans/s2_service_center/plan.plan"
S3 = "plans/s3_sales_commission/plan.plan"


def explain(*args: str) -> str:
    result = run_plan_cli("explain", *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_s3_first_payee_is_short_and_shows_every_line_and_the_total():
    ran = run_plan_cli("run", S3, "--format", "json")
    assert ran.returncode == 0, ran.stderr
    payees = json.loads(ran.stdout)["payees"]
    first = payees[0]["payee"]
    entry = [p for p in payees if p["payee"] == first][-1]  # explain shows the run's last period
    text = explain(S3, "--payee", first)
    # 张敏's 2026-Q4 (the plan's own test): 123877.25 + 79505.80 − 104281.25 + 104281.25 − 5735.47 = 197647.58
    assert entry["total"] == "197647.58"
    assert f"= {shown(entry['total'])} CNY" in text
    for line in entry["lines"]:
        assert f"= {shown(line['value'])}" in text, line
    # Before the explanation showed each derivation once by name and merged a let with its
    # definition it ran to 156 lines, 15,801 characters; each line now says one step.
    assert len(text.splitlines()) <= 110, len(text.splitlines())
    assert len(text) <= 7000, len(text)


def test_a_derivation_read_twice_is_shown_once_then_referred_to():
    for fmt, above in (("text", "（见上）"), ("md", "（见上）")):
        out = explain(S3, "--payee", "张敏", "--format", fmt)
        # 累计销售额 = 350万 + 85万 + 35万 = 470万 (customers.csv rows 9–11), read by 可提成, 新产品销售比例 and 达成率
        assert out.count("累计销售额 = sum(customers.ytd_sales)") == 1
        assert out.count(f"累计销售额 = 4,700,000.00{above}") == 3
        assert "累计提成 = 521,406.25" + above in out  # read again by the hold and the flag
    en = explain(S3, "--payee", "张敏", "--lang", "en")
    assert "累计销售额 = 4,700,000.00  (see above)" in en


# English fixed words the renderers used to print in Chinese mode
ENGLISH = re.compile(r"\b(quarter|month|year|half_up|half_even|half_down|then|else|run|rounding|band|rows?|total|payee|"
                     r"period|when|where|true|false|above|derived|matched|of|took|branch|lookup|marginal|whole|release|after)\b")


def _plan_words(data: dict) -> list[str]:
    """What an explanation shows as written: plan text, labels, names and files (not fixed words)."""
    found = {data["plan"], data["file"]}
    stack = [t for t in [l["trace"] for l in data["lines"]] + [f["trace"] for f in data["flags"]] + list(data["derivations"].values()) if t]
    while stack:
        node = stack.pop()
        found.add(node["text"])
        detail = node.get("detail", {})
        for key in ("name", "where", "table", "label", "function"):
            if isinstance(detail.get(key), str):
                found.add(detail[key])
        stack += node.get("children", [])
    found |= {l["label"] for l in data["lines"]} | {f["label"] for f in data["flags"]}
    return sorted((w for w in found if w and not re.fullmatch(r"[\d.,%]+", w)), key=len, reverse=True)  # not a bare number


@pytest.mark.parametrize("plan, payee", [(S1, "甲"), (S1, "乙"), (S2, "林晓"), (S3, "张敏")])
def test_no_english_fixed_word_in_chinese(plan, payee):
    data = json.loads(explain(plan, "--payee", payee, "--format", "json"))
    for fmt in ("text", "md"):
        out = explain(plan, "--payee", payee, "--format", fmt, "--rows")
        out = out.replace("\\", "")  # Markdown's escapes
        out = re.sub(r"\S*\.(csv|plan)\b", " ", out)  # file names
        out = out.replace("plan explain --period", " ")  # the command a reader runs for another period
        for words in _plan_words(data):
            out = out.replace(words, " ")
        out = re.sub(r"\b(customer|amount|renewed|kind|member|refunded_on|ytd_\w+)\b|(?<=\d: )quarter\b|(?<=\| )quarter(?= \|)", " ", out)  # the data's column names
        assert ENGLISH.findall(out) == [], (fmt, ENGLISH.findall(out), out)


def test_header_names_the_period_unit_in_chinese():
    # S1 has no dated periods: its run is one `period quarter`
    assert explain(S1, "--payee", "甲").splitlines()[0] == "大客户销售提成 · 人员 甲 · 期间 季度"
    assert explain(S1, "--payee", "甲", "--lang", "en").splitlines()[0] == "大客户销售提成 · payee 甲 · period quarter"


def test_a_rounding_is_shown_only_where_it_changed_the_value():
    for plan, payee in ((S1, "甲"), (S2, "林晓"), (S3, "张敏")):
        for before, after in re.findall(r"舍入 \S+ [\d.]+: (\S+) → (\S+)", explain(plan, "--payee", payee)):
            assert before != after
    # S1 甲: 65,000.00 and 6,000.00 are whole cents already; nothing to say
    assert "舍入" not in explain(S1, "--payee", "甲")
    # S2 林晓: the service commission is 1,033.33… × 8% = 82.666…, rounded half up to 82.67
    s2 = explain(S2, "--payee", "林晓")
    assert "舍入 四舍五入 0.01: 82.6666666667… → 82.67" in s2


def test_a_gate_lists_every_conjunct_that_failed_with_its_values():
    # 乙 (reps.csv row 3): renewal_rate 60% < 80% and satisfaction 88 < 90 — both fail
    text = explain(S1, "--payee", "乙", "--line", "续签奖励")
    assert "条件 reps.renewal_rate >= 80% and reps.satisfaction >= 90: 不满足：本项为 0" in text
    assert "reps.renewal_rate >= 80%: 不成立" in text and "reps.renewal_rate = 60%  ← reps.csv 行 3" in text
    assert "reps.satisfaction >= 90: 不成立" in text and "reps.satisfaction = 88  ← reps.csv 行 3" in text
    # 甲: 85% ≥ 80% and 92 ≥ 90, both hold
    assert explain(S1, "--payee", "甲", "--line", "续签奖励").count(": 成立") == 2


def test_a_where_aggregate_says_how_many_rows_it_left_out_and_why():
    # 甲 has two deals (deals.csv rows 2, 3); only row 2 (华东重工 120万) is renewed
    text = explain(S1, "--payee", "甲", "--line", "续签奖励")
    assert "sum(deals.amount where renewed) = 1,200,000.00（符合 1/2 行，排除 1 行：条件 renewed 不满足）" in text
    assert "北方物流" not in text.split("计入的数据行")[0]  # the row left out is listed only on request
    rows = explain(S1, "--payee", "甲", "--line", "续签奖励", "--rows")
    assert "排除: 北方物流（deals.csv 行 3）" in rows
    data = json.loads(explain(S1, "--payee", "甲", "--line", "续签奖励", "--format", "json"))
    aggregate = data["lines"][0]["trace"]["children"][0]["children"][1]  # 0.5% * sum(…): the sum is the second operand
    assert aggregate["detail"]["where"] == "renewed"
    assert (aggregate["detail"]["file"], aggregate["detail"]["excluded"]) == ("plans/s1_big_account/data/deals.csv", [3])


def test_credited_rows_are_shown_with_the_datas_own_columns():
    text = explain(S1, "--payee", "甲")
    assert "deals.amount = 1,200,000.00  ← 华东重工（deals.csv 行 2）" in text
    assert "  行 2: customer 华东重工, amount 1,200,000.00, renewed 是" in text
    assert "  行 3: customer 北方物流, amount 800,000.00, renewed 否" in text
    from dsl.explain import rows
    from dsl.statement import model

    assert model.credited_rows is rows.credited_rows  # statements and explanations list rows one way


class _Lists(HTMLParser):
    """Each <li>'s own text (up to its nested list) with the number of <ul> around it; the table's cells."""

    def __init__(self):
        super().__init__()
        self.depth, self.items, self.cells = 0, [], []
        self.open: list = []  # the <li>s open, innermost last; None once its own text has ended
        self.in_cell = False

    def handle_starttag(self, tag, attrs):
        if tag == "ul":
            self.depth += 1
            if self.open:
                self.open[-1] = None
        elif tag == "li":
            self.items.append([self.depth, ""])
            self.open.append(self.items[-1])
        elif tag in ("td", "th"):
            self.cells.append("")
            self.in_cell = True
        elif tag in ("em", "strong") and self.open and self.open[-1] is not None:
            self.open[-1][1] += f"<{tag}>"

    def handle_endtag(self, tag):
        if tag == "ul":
            self.depth -= 1
        elif tag == "li":
            self.open.pop()
        elif tag in ("td", "th"):
            self.in_cell = False

    def handle_data(self, data):
        if self.in_cell:
            self.cells[-1] += data
        elif self.open and self.open[-1] is not None:
            self.open[-1][1] += data


def _html(md: str) -> _Lists:
    parser = _Lists()
    parser.feed(markdown.markdown(md, extensions=["tables"]))
    return parser


def test_markdown_nests_under_python_markdown():
    lists = _html(explain(S1, "--payee", "甲", "--format", "md"))
    depth = {text.split(" plans/")[0].strip(): d for d, text in lists.items}  # a line's first step ends with its place in the plan
    assert depth["销售额提成 = 65,000.00"] == 1
    assert depth["提成比例(sales) = 65,000.00  [超额累进：各档比例只计档内部分]"] == 2
    assert depth["sales = sum(deals.amount) = 2,000,000.00（2/2 行）"] == 3
    assert depth["deals.amount = 1,200,000.00  ← 华东重工（deals.csv 行 2）"] == 4   # a cell of the sum, under it
    assert depth["档 [100万, 200万): 1,000,000.00 × 4% = 40,000.00"] == 3               # 100万 × 4%, beside sales
    assert depth["reps.satisfaction >= 90: 成立"] == 3                                  # a conjunct of the gate
    assert depth["reps.satisfaction = 92  ← reps.csv 行 2"] == 4                        # the value it compared


def test_markdown_escapes_bar_and_star_in_labels_and_plan_text(tmp_path):
    # a label with | and *: the heading and the table cell escape them, a step is inline code
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "reps.csv").write_text("rep,base\n甲,1000\n", encoding="utf-8")
    (tmp_path / "p.plan").write_text(
        'plan "x" { currency CNY  payee rep }\n'
        "input reps: record { rep: payee, base: money }\n"
        'payout "奖金|A*B*" = reps.base * 2%\n', encoding="utf-8")
    md = explain(str(tmp_path / "p.plan"), "--payee", "甲", "--format", "md")
    lists = _html(md)
    items = [text.strip() for _, text in lists.items]
    assert "奖金|A*B* = 20.00" in " ".join(items)   # 1000 × 2% = 20; shown as written, no <em>
    assert "<h2>奖金|A*B*</h2>" in markdown.markdown(md, extensions=["tables"])
    assert "reps.base * 2% = 20.00" in items
    assert not any("<em>" in text for text in items)
    assert lists.cells[:4] == ["项目", "金额", "奖金|A*B*", "20.00"]  # the | did not split the table cell


def test_every_word_table_has_both_languages():
    from dsl.core.numeric import ROUNDING_MODES
    from dsl.core.types import PeriodUnit
    from dsl.explain.words import PERIOD_WORDS, ROUNDING_WORDS

    assert set(ROUNDING_WORDS["zh"]) == set(ROUNDING_WORDS["en"]) == set(ROUNDING_MODES)
    assert set(PERIOD_WORDS["zh"]) == set(PERIOD_WORDS["en"]) == {u.value for u in PeriodUnit} | {"run"}
