"""The words, operators and literal shapes of the language, read from the parser.

Highlighters must not keep their own list of keywords: a keyword added to
grammar.lark would be missing from them. `vocabulary()` reads the terminals of
the very parser that `plan check` uses (dsl/syntax/lalr.py) and sorts them into
the roles a highlighter colours:

- a quoted word in the grammar (`"payout"`, `"when"`) is a keyword; `true` and
  `false` are constants;
- a named terminal that is a choice of words (`TIER_MODE: "marginal" | …`) is a
  kind of keyword (modes, input kinds, rounding modes);
- a quoted symbol or a named choice of symbols (`"->"`, `COMPARE`) is an operator,
  brackets, commas, colons and dots are punctuation;
- the named regular terminals are literals (amounts, percents, dates, periods,
  numbers, strings), names, comments or white space: `LITERALS` says which is
  which, and `unclassified()` lists a new terminal it does not know, so a test
  fails until it is given a role.

>>> v = vocabulary()
>>> "payout" in v.keywords and "marginal" in v.kinds and "->" in v.operators
True
>>> [name for name, _ in v.literals][:3]
['DATE', 'PERIOD_LIT', 'CODE_AMOUNT']
"""
from __future__ import annotations

import functools
import re

import attrs

from dsl.syntax.lalr import GRAMMAR, build_parser, default_cache_dir

# The role of each named regular terminal. A terminal not listed here is reported
# by `unclassified()` (and highlighted as plain text until it is).
LITERALS = {
    "DATE": "date",
    "PERIOD_LIT": "period",
    "CODE_AMOUNT": "amount",
    "AMOUNT": "amount",
    "PERCENT": "percent",
    "NUMBER": "number",
    "STRING": "string",
    "NAME": "name",
    "COMMENT": "comment",
    "WS": "whitespace",
}
CONSTANTS = frozenset({"true", "false"})
PUNCTUATION = frozenset("{}()[],:.")

_WORD = re.compile(r"\w+")
_CHOICE = re.compile(r"\(\?:(.*)\)")
_FIXED = re.compile(r"(?:\\\W|[^\\.^$*+?{}\[\]()|])+")  # text with no regular-expression operator


@attrs.frozen
class Vocabulary:
    keywords: tuple[str, ...]  # reserved words, longest first
    constants: tuple[str, ...]  # true, false
    kinds: tuple[str, ...]  # words of named choices: tier modes, input kinds, rounding modes
    operators: tuple[str, ...]  # symbols, longest first
    punctuation: tuple[str, ...]
    literals: tuple[tuple[str, str], ...]  # (terminal, regular expression), in the lexer's priority order
    unknown: tuple[str, ...]  # named regular terminals with no role in LITERALS

    def pattern(self, terminal: str) -> str:
        """The regular expression of a named terminal, as the grammar states it."""
        return dict(self.literals)[terminal]

    # The patterns both highlighters use (Python's re and TextMate's Oniguruma read them alike).

    @staticmethod
    def whole_words(words) -> str:
        r"""Any of `words` as a whole word: `payout` but not the start of `payouts`.

        >>> print(Vocabulary.whole_words(["if", "in"]))
        (?<!\w)(?:if|in)(?!\w)
        """
        return r"(?<!\w)(?:%s)(?!\w)" % "|".join(re.escape(w) for w in words)

    def operator_pattern(self) -> str:
        """Any operator, the longest first (`->` before `-`)."""
        return "|".join(re.escape(o) for o in self.operators)

    def punctuation_pattern(self) -> str:
        return "[%s]" % re.escape("".join(self.punctuation))


def _choice(pattern: str) -> list[str] | None:
    r"""`(?:a|b|\*)` → ['a', 'b', '*'] when the pattern is nothing but a choice of fixed texts.

    >>> _choice("(?:marginal|whole)"), _choice(r"(?:\*|×)"), _choice(r"(?:[ \t])+"), _choice("(?:a+|b)")
    (['marginal', 'whole'], ['*', '×'], None, None)
    """
    match = _CHOICE.fullmatch(pattern)
    if not match:
        return None
    options = match.group(1).split("|")
    if not all(_FIXED.fullmatch(option) for option in options):
        return None
    return [re.sub(r"\\(\W)", r"\1", option) for option in options]


def _longest_first(words) -> tuple[str, ...]:
    return tuple(sorted(set(words), key=lambda w: (-len(w), w)))


def classify(terminals) -> Vocabulary:
    """Lark terminal definitions → a `Vocabulary`.

    >>> from lark import Lark
    >>> parser = Lark('start: "go" MODE NAME "->" NUMBER\\nMODE: "fast" | "slow"\\nNAME: /[a-z]+/\\nNUMBER.2: /[0-9]+/\\nODD: /~+/', parser="lalr")
    >>> v = classify(parser.terminals)
    >>> v.keywords, v.kinds, v.operators, [n for n, _ in v.literals], v.unknown
    (('go',), ('fast', 'slow'), ('->',), ['NUMBER', 'NAME'], ())
    """
    keywords, constants, kinds, operators, punctuation, literals, unknown = [], [], [], [], [], [], []
    for terminal in terminals:
        pattern = terminal.pattern
        if pattern.type == "str":
            text = pattern.value
            if _WORD.fullmatch(text):
                (constants if text in CONSTANTS else keywords).append(text)
            elif text in PUNCTUATION:
                punctuation.append(text)
            else:
                operators.append(text)
            continue
        choice = _choice(pattern.value)
        if choice is not None and terminal.name not in LITERALS:
            if all(_WORD.fullmatch(t) for t in choice):
                kinds.extend(choice)
            else:
                operators.extend(choice)
            continue
        if terminal.name in LITERALS:
            literals.append((terminal.priority, terminal.name, pattern.value))
        else:
            unknown.append(terminal.name)
    # higher priority first (as Lark's lexer tries them); names and the rest last
    literals.sort(key=lambda entry: -entry[0])
    return Vocabulary(
        keywords=_longest_first(keywords),
        constants=_longest_first(constants),
        kinds=_longest_first(kinds),
        operators=_longest_first(operators),
        punctuation=tuple(sorted(set(punctuation))),
        literals=tuple((name, value) for _, name, value in literals),
        unknown=tuple(sorted(unknown)),
    )


@functools.lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """The vocabulary of grammar.lark, from the parser `plan check` uses (built once, and saved as it saves it)."""
    return classify(build_parser(GRAMMAR.read_text(encoding="utf-8"), default_cache_dir()).terminals)


def unclassified() -> tuple[str, ...]:
    """Named terminals of the grammar that have no highlighting role (should be none)."""
    return vocabulary().unknown
