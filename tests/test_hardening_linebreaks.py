"""Every line break one way: line numbers, excerpts and carets agree, and the
formatter writes LF only, so fmt(fmt(x)) == fmt(x) and parse(fmt(x)) == parse(x)
whatever breaks the plan was written with."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run_plan_cli
from dsl import format as format_plan
from dsl import parse
from dsl.core.source import LINE_BREAK, SourceFile

BREAKS = ["\n", "\r", "\r\n", "\x0b", "\x0c", "\x85", "\u2028", "\u2029"]


def test_every_break_starts_a_line():
    # a, then one line per break kind (the VT, FF, NEL, U+2028 and U+2029 ones too)
    text = "a" + "".join(f"{b}{i}" for i, b in enumerate(BREAKS))
    source = SourceFile("p", text)
    assert [source.line_text(n) for n in range(1, len(BREAKS) + 2)] == ["a"] + [str(i) for i in range(len(BREAKS))]
    assert source.position(text.index("7")) == (9, 1)  # "7" opens the 9th line


def test_an_excerpt_below_a_u2028_shows_the_right_line(tmp_path):
    # The comment holds a U+2028, so `let a = 未知` is on line 3 (line 2 is the rest of the comment).
    (tmp_path / "p.plan").write_text('plan "x" { currency CNY }  # 注\u2028续\nlet a = 未知\n', encoding="utf-8")
    result = run_plan_cli("check", "p.plan", cwd=tmp_path)
    assert result.returncode == 1
    assert "p.plan:3:9: error: unknown name '未知'" in result.stderr
    assert " 3 | let a = 未知" in result.stderr
    assert "   |         ^~~~" in result.stderr  # 未知 is two characters, four columns wide


LINES = [
    'plan "方案" {', "currency CNY", "period month", "payee rep", "}",
    "input deals: table {", "rep: payee", "amount: money", "}",
    "let sales = sum(deals.amount)", "let 奖金 = sales * 2%", "tiers t marginal {", "[0, 50万) -> 2%", "[50万, ..) -> 3%", "}",
    'payout "提成" = t(sales)', "when sales > 0", "cap at 15万", 'payout "奖" = 奖金', "round half_up to 0.01",
    'flag "低" = sales < 1万', "total cap at 20万", 'test "t" {', "deals = [{amount: 1元}]", 'expect "提成" = 0.02', "}",
    "# 注释", "# note with a\rbreak", "", "  ",
]


@st.composite
def plan_with_breaks(draw):
    lines = draw(st.lists(st.sampled_from(LINES), min_size=1, max_size=30))
    tails = draw(st.lists(st.sampled_from(["", "  # 尾注", " # tail\u2028more"]), min_size=len(lines), max_size=len(lines)))
    breaks = draw(st.lists(st.sampled_from(BREAKS), min_size=len(lines), max_size=len(lines)))
    return "".join(line + tail + br for line, tail, br in zip(lines, tails, breaks))


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(plan_with_breaks())
def test_fmt_is_idempotent_and_keeps_meaning_with_any_line_break(text):
    formatted, _ = format_plan(text, "p.plan")
    if formatted is None:
        return  # does not parse: nothing to format
    assert LINE_BREAK.findall(formatted) == ["\n"] * formatted.count("\n")  # LF only
    again, _ = format_plan(formatted, "p.plan")
    assert again == formatted
    assert parse(formatted, "p.plan")[0] == parse(text, "p.plan")[0]
