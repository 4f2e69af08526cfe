"""Syntax and name errors reported where the analyst made the mistake: an unclosed `{` at the
brace that opened it, a misspelled table inside an aggregate as an unknown name with
did-you-mean, carets under the right column with tabs and other line breaks in a line.
Real `plan check` subprocesses on files in tmp_path."""
from __future__ import annotations

from conftest import run_plan_cli

HEAD = 'plan "x" { currency CNY  payee rep }\n'


def check(tmp_path, text: str) -> str:
    (tmp_path / "p.plan").write_text(text, encoding="utf-8")
    done = run_plan_cli("check", "p.plan", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    return done.stderr


def test_an_unclosed_input_block_is_reported_at_its_brace(tmp_path):
    text = HEAD + "input deals: table { rep: payee, amount: money\npayout \"a\" = sum(deals.amount) * 1%\n"
    err = check(tmp_path, text)
    # the `{` is character 20 of line 2, `input deals: table {`; the next item, payout, starts line 3
    assert "p.plan:2:20: error: this '{' is never closed: the block runs on into line 3 [E001 syntax-error]" in err
    assert "= note: the next item starts here, still inside the block (p.plan:3:1)" in err


def test_an_unclosed_header_and_a_block_open_at_the_end_of_the_file(tmp_path):
    err = check(tmp_path, 'plan "x" { currency CNY  payee rep\ninput deals: table { rep: payee }\n')
    assert "p.plan:1:10: error: this '{' is never closed: the block runs on into line 2" in err  # `plan "x" {`: character 10
    err = check(tmp_path, HEAD + "input deals: table { rep: payee\n")
    assert "p.plan:2:20: error: this '{' is never closed: the block runs on to the end of the file" in err


def test_a_brace_in_a_string_or_comment_is_not_a_block(tmp_path):
    # the label's `{` and the comment's `{` open nothing: the error is the real one, at `=` missing its value
    err = check(tmp_path, HEAD + 'payout "a{" = # {\n')
    assert "never closed" not in err and "E001" in err


def test_a_misspelled_table_inside_sum_is_an_unknown_name(tmp_path):
    err = check(tmp_path, HEAD + "input deals: table { rep: payee, amount: money }\npayout \"a\" = sum(deal.amount) * 1%\n")
    # `deal` starts at character 18 of `payout "a" = sum(deal.amount) * 1%`
    assert "p.plan:3:18: error: unknown table 'deal' [E102 unknown-name]" in err
    assert "did you mean 'deals'?" in err


def test_carets_stand_under_their_column_with_tabs(tmp_path):
    err = check(tmp_path, HEAD + '\tpayout "a" =\t1元 + 2%\n')
    lines = err.splitlines()
    shown = next(i for i, line in enumerate(lines) if "| " in line and "payout" in line)
    text, caret = lines[shown].split("| ", 1)[1], lines[shown + 1].split("| ", 1)[1]
    assert "\t" not in text  # a tab is shown as four spaces, in the line and under it
    # `1元 + 2%` (1元 is 3 columns wide: 元 is a wide character) starts after "    payout "a" =    ", 20 columns
    assert caret == " " * 20 + "^" + "~" * 7 and text[20:].startswith("1元 + 2%")


def test_carets_with_a_line_separator_in_the_line(tmp_path):
    # U+2028 ends line 2 for the source model, so its excerpt is `let a = 1` and the caret stands
    # just after it, at column 10, the separator the grammar does not take
    err = check(tmp_path, HEAD + "let a = 1\u2028payout \"b\" = 1元 + 2%\n")
    assert "p.plan:2:10: error: unexpected character '\\u2028'" in err
    lines = err.splitlines()
    assert lines[1] == " 2 | let a = 1" and lines[2] == "   | " + " " * 9 + "^"
