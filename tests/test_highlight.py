"""The Pygments lexer and the TextMate grammar of .plan files.

Both are built from the parser's terminals (dsl/highlight/vocabulary.py); these
tests compare them with the grammar text and with Lark's own tokens, so a
keyword or literal added to grammar.lark cannot be missed by the highlighters.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.token import Comment, Error, Keyword, Literal, Name, Number, Operator, Punctuation, String, Whitespace

from dsl.docs_build.blocks import all_blocks
from dsl.highlight import textmate
from dsl.highlight.lexer import PlanLexer
from dsl.highlight.vocabulary import unclassified, vocabulary
from dsl.syntax.lalr import GRAMMAR, build_parser

ROOT = Path(__file__).resolve().parent.parent
PLANS = sorted(ROOT.glob("plans/*/*.plan"))
BLOCKS = all_blocks(ROOT)


def tokens(text: str) -> list[tuple[object, str]]:
    return [(kind, value) for kind, value in PlanLexer().get_tokens(text)]


def test_the_lexer_is_registered_under_the_name_plan():
    # the entry point in pyproject.toml, as an installed package exposes it
    assert type(get_lexer_by_name("plan")).__name__ == "PlanLexer"
    assert type(get_lexer_for_filename("plans/s1_big_account/plan.plan")).__name__ == "PlanLexer"


def test_every_quoted_word_of_the_grammar_is_a_keyword():
    # read independently of the parser: every "word" written in grammar.lark
    grammar = GRAMMAR.read_text(encoding="utf-8")
    words = set(re.findall(r'"([a-z_]+)"', grammar))
    v = vocabulary()
    assert words == set(v.keywords) | set(v.constants) | set(v.kinds)
    assert {"payout", "tiers", "when", "cap", "hold", "clawback", "test", "expect"} <= set(v.keywords)
    assert set(v.kinds) >= {"marginal", "whole", "lookup", "half_up", "table", "record", "params"}
    assert set(v.constants) == {"true", "false"}


def test_every_terminal_of_the_grammar_has_a_role():
    # a new named terminal (a new literal shape) must be given a role in vocabulary.LITERALS
    assert unclassified() == ()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("销售额提成", Name),
        ("第2季度", Name),  # a digit inside a name is part of the name
        ("payouts", Name),  # a keyword inside a longer word is not a keyword
        ("50万", Number),
        ("1.2亿", Number),
        ("50万元", Number),
        ("3000元", Number),
        ("USD 850,000", Number),
        ("1,200,000.00", Number),
        ("2%", Number),
        ("0.5%", Number),
        ("2026-07", Literal.Date),
        ("2026-Q3", Literal.Date),
        ("2026-H1", Literal.Date),
        ("2024-05-11", Literal.Date),
        ('"续签 \\"奖励\\""', String.Double),
        ("# 50万×2% + 50万×3%", Comment.Single),
        ("marginal", Keyword.Type),
        ("true", Keyword.Constant),
        ("->", Operator),
        ("≥", Operator),
        ("×", Operator),
    ],
)
def test_one_literal_is_one_token(text, expected):
    found = [t for t in tokens(text) if t[1] != "\n"]
    assert found == [(expected, text)]


def test_a_character_outside_the_language_is_an_error_token():
    # the test below would pass vacuously if the lexer never produced Error
    assert (Error, "@") in tokens("let a = @\n")


def _lark_tokens(text: str) -> list[tuple[str, str]]:
    parser = build_parser(GRAMMAR.read_text(encoding="utf-8"), None)
    return [(t.type, str(t)) for t in parser.lex(text)]


KIND_OF_TERMINAL = {"AMOUNT": Number, "CODE_AMOUNT": Number, "PERCENT": Number, "NUMBER": Number, "STRING": String.Double, "NAME": Name, "DATE": Literal.Date, "PERIOD_LIT": Literal.Date}


@pytest.mark.parametrize("path", PLANS, ids=[p.relative_to(ROOT).as_posix() for p in PLANS])
def test_a_bundled_plan_is_cut_into_the_tokens_the_parser_reads(path):
    text = path.read_text(encoding="utf-8")
    ours = [(k, v) for k, v in tokens(text) if k is not Whitespace and k not in Comment]
    assert [k for k, _ in ours if k is Error] == []
    lark = _lark_tokens(text)
    assert [v for _, v in ours] == [v for _, v in lark]
    v = vocabulary()
    for (kind, value), (terminal, _) in zip(ours, lark):
        # Lark's lexer outside a parse cannot tell a mode word (half_up) from a NAME: the word decides
        if value in v.keywords:
            assert kind is Keyword, value
        elif value in v.kinds:
            assert kind is Keyword.Type, value
        elif value in v.constants:
            assert kind is Keyword.Constant, value
        elif terminal in KIND_OF_TERMINAL:
            assert kind is KIND_OF_TERMINAL[terminal], (value, terminal)
        elif value in v.operators:
            assert kind is Operator, value
        elif value in v.punctuation:
            assert kind is Punctuation, value


@pytest.mark.parametrize("block", BLOCKS, ids=[b.where for b in BLOCKS])
def test_a_plan_block_of_the_docs_has_no_error_token(block):
    assert [v for k, v in tokens(block.text) if k is Error] == []


def test_the_docs_have_plan_blocks():
    # README's sample and the docs' examples; the test above checks each of them
    assert any(b.file == "README.md" for b in BLOCKS)
    assert len(BLOCKS) >= 10


def test_the_textmate_grammar_is_the_generated_one():
    committed = (ROOT / "editors" / "plan.tmLanguage.json").read_text(encoding="utf-8")
    assert committed == textmate.render(), "regenerate it: .venv/bin/python -m dsl.highlight.textmate editors/plan.tmLanguage.json"


def test_the_textmate_grammar_scopes_the_grammar_words():
    grammar = json.loads(textmate.render())
    by_scope = {p["name"]: re.compile(p["match"]) for p in grammar["patterns"]}
    keyword = by_scope["keyword.control.plan"]
    assert keyword.fullmatch("payout") and keyword.fullmatch("clawback")
    assert not keyword.search("payouts")  # a whole word only
    assert by_scope["storage.modifier.plan"].fullmatch("marginal")
    assert by_scope["constant.numeric.amount.plan"].fullmatch("1.2亿")
    assert by_scope["constant.numeric.percent.plan"].fullmatch("0.5%")
    assert by_scope["constant.other.period.plan"].fullmatch("2026-Q3")
    assert by_scope["comment.line.number-sign.plan"].fullmatch("# 注释")
    # TextMate takes the leftmost match: a name starting at the same place wins over nothing, and
    # keywords are listed before names so that `payout` is a keyword
    names = [p["name"] for p in grammar["patterns"]]
    assert names.index("keyword.control.plan") < names.index("variable.other.plan")


def test_the_generator_writes_the_file(tmp_path):
    out = tmp_path / "plan.tmLanguage.json"
    assert textmate.main([str(out)]) == 0
    assert out.read_text(encoding="utf-8") == textmate.render()
    assert textmate.main([]) == 2
