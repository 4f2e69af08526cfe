"""The Pygments lexer of .plan files, registered under the name `plan`.

pyproject.toml names it in the `pygments.lexers` entry points, so after
installing the package `pygments.lexers.get_lexer_by_name("plan")` finds it, and
so do Python-Markdown's code highlighting and mkdocs (```plan blocks in the docs).
Every rule comes from the grammar's terminals (vocabulary.py): a keyword added to
grammar.lark is highlighted without touching this file.

>>> from pygments.token import Error
>>> tokens = list(PlanLexer().get_tokens('payout "提成" = 50万 * 2% when 期间 == 2026-Q3  # 注释'))
>>> [(str(kind), text) for kind, text in tokens if text.strip()][:6]
[('Token.Keyword', 'payout'), ('Token.Literal.String.Double', '"提成"'), ('Token.Operator', '='), ('Token.Literal.Number', '50万'), ('Token.Operator', '*'), ('Token.Literal.Number', '2%')]
>>> any(kind is Error for kind, _ in tokens)
False
"""
from __future__ import annotations

import re

from pygments.lexer import RegexLexer
from pygments.token import Comment, Error, Keyword, Literal, Name, Number, Operator, Punctuation, String, Whitespace

from dsl.highlight.vocabulary import LITERALS, Vocabulary, vocabulary

# The Pygments token of each role of vocabulary.LITERALS.
ROLE_TOKENS = {
    "date": Literal.Date,
    "period": Literal.Date,
    "amount": Number,
    "percent": Number,
    "number": Number,
    "string": String.Double,
    "name": Name,
    "comment": Comment.Single,
    "whitespace": Whitespace,
}


def token_rules(v: Vocabulary) -> list[tuple[str, object]]:
    """(regular expression, token) pairs in the order they are tried.

    Comments, white space and strings first; then the literals in the grammar's
    priority order (a date before a number); keywords and kinds before names,
    each a whole word (`payouts` is a name); operators longest first.
    """
    literals = dict(v.literals)
    rules: list[tuple[str, object]] = []
    for first in ("COMMENT", "WS", "STRING"):
        if first in literals:
            rules.append((literals[first], ROLE_TOKENS[LITERALS[first]]))
    for name, pattern in v.literals:
        if name in ("COMMENT", "WS", "STRING", "NAME"):
            continue
        rules.append((pattern, ROLE_TOKENS[LITERALS[name]]))
    rules.append((v.whole_words(v.constants), Keyword.Constant))
    rules.append((v.whole_words(v.keywords), Keyword))
    rules.append((v.whole_words(v.kinds), Keyword.Type))
    if "NAME" in literals:
        rules.append((literals["NAME"], Name))
    rules.append((v.operator_pattern(), Operator))
    rules.append((v.punctuation_pattern(), Punctuation))
    return rules


class PlanLexer(RegexLexer):
    """Compensation plans as code (.plan)."""

    name = "Plan"
    aliases = ["plan"]
    filenames = ["*.plan"]
    mimetypes = ["text/x-plan"]
    flags = re.MULTILINE | re.UNICODE
    tokens = {"root": token_rules(vocabulary()) + [(r".", Error)]}

