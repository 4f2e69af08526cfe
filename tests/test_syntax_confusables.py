"""Full-width and look-alike characters get a hint naming the character and its ASCII
twin (not a list of expected tokens); a byte-order mark before a plan is not part of
it; `％` is a percent sign like `%`. Through the real `plan check` and `plan fmt`."""
from __future__ import annotations

from decimal import Decimal

import pytest

import dsl
from conftest import run_plan_cli

HEADER = 'plan "x" {\n  currency CNY\n  rounding half_up to 0.01\n}\n\n'

CASES = {
    "full-width comma": ("let a = max(1元，2元)", "，", "a full-width comma", "','"),
    "full-width parenthesis": ("let a = max（1元, 2元)", "（", "a full-width parenthesis", "'('"),
    "full-width colon": ("input deals: table { rep： payee }", "：", "a full-width colon", "':'"),
    "curly quotes": ("payout “p” = 1元", "“", "a curly double quote", "'\"'"),
    "ideographic space": ("payout \"p\"\u3000= 1元", "\\u3000", "an ideographic space (U+3000)", "' ' (a space)"),
    "zero-width space": ("payout \"p\" =\u200b 1元", "\\u200b", "a zero-width space (U+200B)", "delete it"),
    "full-width asterisk": ("payout \"p\" = 1元 ＊ 2", "＊", "a full-width asterisk", "'*'"),
}


@pytest.mark.parametrize("line, char, what, twin", CASES.values(), ids=CASES.keys())
def test_a_look_alike_is_named_with_its_twin(tmp_path, line, char, what, twin):
    (tmp_path / "p.plan").write_text(HEADER + line + "\n", encoding="utf-8")
    result = run_plan_cli("check", "p.plan", cwd=tmp_path)
    assert result.returncode == 1
    assert f"p.plan:6:" in result.stderr  # the header is five lines, the item the sixth
    assert f"unexpected character '{char}', {what} [E001 syntax-error]" in result.stderr
    assert twin in result.stderr and "; expected" not in result.stderr


def test_the_caret_is_under_the_full_width_comma():
    # `let a = max(1元` is 14 characters, so the comma is column 15 (display column 16: 元 is wide)
    compilation = dsl.load(HEADER + "let a = max(1元，2元)\n")
    [problem] = compilation.diagnostics
    assert (problem.span.line, problem.span.column) == (6, 15)
    assert problem.hint.startswith("this is a full-width comma: write ','")


def test_a_byte_order_mark_before_the_plan_is_not_part_of_it(tmp_path):
    text = HEADER + 'payout "p" = 100元 * 5%\n'
    (tmp_path / "p.plan").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert run_plan_cli("check", "p.plan", cwd=tmp_path).returncode == 0
    assert dsl.load("\ufeff" + text).ok
    # the formatter writes the plan without it
    assert run_plan_cli("fmt", "p.plan", cwd=tmp_path).returncode == 0
    assert (tmp_path / "p.plan").read_bytes() == text.encode("utf-8")


def test_a_byte_order_mark_inside_the_text_is_named():
    [problem] = dsl.load(HEADER + 'payout "p" =\ufeff 1元\n').diagnostics
    assert "a byte-order mark (U+FEFF) inside the text" in problem.message


def test_a_full_width_percent_sign_is_a_percent(tmp_path):
    # 100元 × 5％ = 100 × 0.05 = 5.00, the same as 5%
    compilation = dsl.load(HEADER + 'payout "p" = 100元 * 5％\n')
    assert compilation.ok
    assert compilation.plan.payouts[0].expr.right.value == Decimal("0.05")
    (tmp_path / "p.plan").write_text(HEADER + 'payout "p" = 100元 * 5％\n', encoding="utf-8")
    assert run_plan_cli("fmt", "p.plan", cwd=tmp_path).returncode == 0
    assert (tmp_path / "p.plan").read_text(encoding="utf-8").endswith('payout "p" = 100元 * 5%\n')


def test_a_period_in_the_expected_list_is_in_words():
    [problem] = dsl.load(HEADER + 'payout "p" = \n').diagnostics
    assert "period_lit" not in problem.message
    assert "a period like 2026-07 or 2026-Q3" in problem.message


TABLE = "tiers 提成率 {mode} {{\n  [0元, 50万) -> 2%\n  [50万元, ..) -> 3%\n}}\n"


@pytest.mark.parametrize("word, mode", [("全额", "'whole'"), ("超额累进", "'marginal'"), ("查表", "'lookup'"), ("累进", "ambiguous")])
def test_a_chinese_tier_mode_word_names_the_mode(word, mode):
    [problem] = dsl.load(HEADER + TABLE.format(mode=word)).diagnostics
    assert problem.code == "E001" and f"unexpected '{word}'" in problem.message
    assert mode in problem.hint


def test_a_table_without_a_mode_used_as_an_amount_is_reported_with_the_table():
    text = HEADER + TABLE.format(mode="") + 'payout "提成" = 提成率(100万)\n'
    [problem] = dsl.load(text).diagnostics
    assert problem.code == "E103"
    assert "tier table '提成率' states no mode, so it is read as lookup" in problem.message
    assert "tiers 提成率 marginal" in problem.hint and "tiers 提成率 whole" in problem.hint
    assert problem.notes[0][1].line == 6  # the note points at the table
