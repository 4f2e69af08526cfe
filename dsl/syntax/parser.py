"""Text → syntax tree.

`parse(text, file)` runs the Lark LALR parser over grammar.lark and builds the
frozen AST of ast.py, with a span on every node, and the file's comments (for
the formatter), collected by that call alone: parsing in several threads at once
gives each file its own comments. This module is the boundary
for Lark: no Lark exception escapes it. A syntax error becomes one E001
diagnostic that says what was found and what was expected, in words; a literal
that cannot be read exactly (`1,2,3万`) becomes E002.
"""
from __future__ import annotations

import datetime
import functools
import re
from pathlib import Path
from typing import Iterator

import attrs
import lark
from lark import Token, Transformer, Tree, v_args

from dsl.syntax import ast
from dsl.syntax.lalr import GRAMMAR, build_parser, default_cache_dir
from dsl.core.diagnostics import BAD_LITERAL, SYNTAX, Diagnostic, diagnostic
from dsl.core.source import SourceFile, Span, without_bom
from dsl.core.numeric import AmountError, neg, parse_amount
from dsl.core.periods import PeriodError, parse_period
from dsl.core.types import Period

# How a terminal is described in "expected ..." messages.
TERMINAL_WORDS = {
    "NAME": "a name",
    "STRING": 'a quoted label like "销售额提成"',
    "NUMBER": "a number",
    "AMOUNT": "an amount like 50万 or 3000元",
    "CODE_AMOUNT": "an amount like USD 850,000",
    "PERCENT": "a percent like 2%",
    "DATE": "a date like 2024-05-11",
    "COMPARE": "a comparison (<, <=, ==, …)",
    "MUL": "'*'",
    "DIV": "'/'",
    "ROUND_MODE": "a rounding mode (half_up, half_even, down, up)",
    "INPUT_KIND": "table, record or params",
    "TIER_MODE": "marginal, whole or lookup",
    "PERIOD_LIT": "a period like 2026-07 or 2026-Q3",
    "$END": "the end of the file",
}


@functools.lru_cache(maxsize=1)
def _parser() -> lark.Lark:
    """The one parser of grammar.lark. It holds no per-parse state, so every
    thread shares it: each parse makes its own lexer and parser state."""
    return build_parser(GRAMMAR.read_text(encoding="utf-8"), default_cache_dir())


def describe_terminal(name: str) -> str:
    """A terminal of the grammar in words, for "expected ..." in a syntax error.

    >>> describe_terminal("AMOUNT"), describe_terminal("LBRACE")
    ('an amount like 50万 or 3000元', "'{'")
    """
    if name in TERMINAL_WORDS:
        return TERMINAL_WORDS[name]
    try:
        pattern = _parser().get_terminal(name).pattern
    except (KeyError, AttributeError):
        return name
    if pattern.type == "str":
        return f"'{pattern.value}'"
    return name.lower()


class _LiteralError(Exception):
    def __init__(self, message: str, token: Token):
        super().__init__(message)
        self.token = token


class _Builder(Transformer):
    """Lark tree → AST nodes. Spans are computed from character offsets."""

    def __init__(self, source: SourceFile):
        super().__init__(visit_tokens=False)
        self.source = source

    # -- helpers
    def _span(self, meta) -> Span:
        if getattr(meta, "empty", True):
            return Span(self.source.name, 0, 0, 0, 0)
        return self.source.span(meta.start_pos, meta.end_pos)

    def _tspan(self, token: Token) -> Span:
        return self.source.span(token.start_pos, token.end_pos)

    @staticmethod
    def _string(token: Token) -> str:
        raw = str(token)[1:-1]
        return raw.replace('\\"', '"').replace("\\\\", "\\")

    # -- literals
    @staticmethod
    def _amount(token: Token) -> tuple:
        """parse_amount of a literal token; text it cannot read exactly is an E002 at the token."""
        try:
            return parse_amount(str(token))
        except AmountError as exc:
            raise _LiteralError(str(exc), token) from None

    @v_args(inline=True)
    def number(self, token):
        return ast.Number(self._amount(token)[0], str(token), self._tspan(token))

    @v_args(inline=True)
    def percent(self, token):
        # written `5％` (full width) it is the same literal as `5%`, and is printed so
        return ast.Percent(self._amount(token)[0], str(token).replace("％", "%"), self._tspan(token))

    @v_args(inline=True)
    def amount(self, token):
        text = str(token)
        value, currency, _ = self._amount(token)
        # "50万" names no currency: it is money in the plan's currency.
        explicit = currency if any(c.isupper() for c in text) else None
        return ast.Money(value, explicit, text, self._tspan(token))

    @v_args(inline=True)
    def string(self, token):
        return ast.String(self._string(token), self._tspan(token))

    @v_args(inline=True)
    def date(self, token):
        try:
            value = datetime.date.fromisoformat(str(token))
        except ValueError:
            raise _LiteralError(f"'{token}' is not a valid date", token) from None
        return ast.Date(value, str(token), self._tspan(token))

    @v_args(meta=True)
    def true(self, meta, children):
        return ast.Bool(True, self._span(meta))

    @v_args(meta=True)
    def false(self, meta, children):
        return ast.Bool(False, self._span(meta))

    @v_args(meta=True, inline=True)
    def negative(self, meta, literal):
        span = self._span(meta)
        if isinstance(literal, (ast.Number, ast.Percent, ast.Money)):
            return attrs.evolve(literal, value=neg(literal.value), text="-" + literal.text, span=span)
        return ast.Negate(literal, span)

    # -- expressions
    @v_args(meta=True, inline=True)
    def name(self, meta, token):
        return ast.Name(str(token), self._span(meta))

    @v_args(meta=True)
    def total_ref(self, meta, children):
        return ast.TotalRef(self._span(meta))

    @v_args(meta=True, inline=True)
    def field(self, meta, target, name):
        return ast.Field(target, str(name), self._span(meta))

    @v_args(meta=True)
    def call(self, meta, children):
        func, *args = children
        return ast.Call(func, tuple(args), self._span(meta))

    @v_args(meta=True, inline=True)
    def filtered(self, meta, expr, where):
        return ast.Filtered(expr, where, self._span(meta))

    @v_args(meta=True, inline=True)
    def negate(self, meta, operand):
        return ast.Negate(operand, self._span(meta))

    @v_args(meta=True, inline=True)
    def not_expr(self, meta, operand):
        return ast.Not(operand, self._span(meta))

    def _binary(op):
        @v_args(meta=True)
        def build(self, meta, children):
            left, right = children[0], children[-1]
            return ast.Binary(op, left, right, self._span(meta))

        return build

    add = _binary("+")
    sub = _binary("-")
    mul = _binary("*")
    div = _binary("/")

    @v_args(meta=True, inline=True)
    def compare(self, meta, left, op, right):
        op = {"≤": "<=", "≥": ">=", "≠": "!="}.get(str(op), str(op))
        return ast.Compare(op, left, right, self._span(meta))

    @v_args(meta=True, inline=True)
    def and_expr(self, meta, left, right):
        return ast.Logical("and", left, right, self._span(meta))

    @v_args(meta=True, inline=True)
    def or_expr(self, meta, left, right):
        return ast.Logical("or", left, right, self._span(meta))

    @v_args(meta=True, inline=True)
    def if_expr(self, meta, condition, then, otherwise):
        return ast.If(condition, then, otherwise, self._span(meta))

    # -- header
    @v_args(inline=True)
    def period_lit(self, token):
        try:
            value = parse_period(str(token))
        except PeriodError as exc:
            raise _LiteralError(str(exc), token) from None
        return ast.PeriodLit(value, str(token), self._tspan(token))

    @v_args(meta=True)
    def period_ref(self, meta, children):
        return ast.PeriodRef(self._span(meta))

    @v_args(meta=True)
    def plan_header(self, meta, children):
        name, *settings = children
        return ast.PlanHeader(self._string(name), tuple(settings), self._span(meta))

    @v_args(meta=True, inline=True)
    def currency_setting(self, meta, code):
        return ast.Setting("currency", (str(code),), self._span(meta))

    @v_args(meta=True, inline=True)
    def period_setting(self, meta, name):
        return ast.Setting("period", (str(name),), self._span(meta))

    @v_args(meta=True)
    def period_range_setting(self, meta, dates):
        return ast.Setting("period_range", tuple(self._date(d) for d in dates), self._span(meta))

    @v_args(meta=True, inline=True)
    def payee_setting(self, meta, name):
        return ast.Setting("payee", (str(name),), self._span(meta))

    @v_args(meta=True)
    def payees_setting(self, meta, names):
        return ast.Setting("payees", tuple(self._string(name) for name in names), self._span(meta))

    @v_args(meta=True, inline=True)
    def team_setting(self, meta, record, field):
        return ast.Setting("team", (str(record), str(field)), self._span(meta))

    @v_args(meta=True)
    def rounding_setting(self, meta, children):
        mode = str(children[0]) if len(children) == 2 else "half_up"
        unit = children[-1]
        return ast.Setting("rounding", (mode, unit.value, unit.text), self._span(meta))

    @v_args(meta=True, inline=True)
    def effective_setting(self, meta, start, end):
        return ast.Setting("effective", (self._date(start), self._date(end)), self._span(meta))

    def _date(self, token):
        try:
            return datetime.date.fromisoformat(str(token))
        except ValueError:
            raise _LiteralError(f"'{token}' is not a valid date", token) from None

    # -- inputs
    @v_args(meta=True)
    def input_decl(self, meta, children):
        name, *rest = children
        shared = bool(rest) and isinstance(rest[0], _Shared)
        kind, *fields = rest[1:] if shared else rest
        by = None
        if fields and isinstance(fields[0], _By):
            by = fields.pop(0).name
        return ast.InputDecl(str(name), str(kind), tuple(fields), by, self._span(meta), shared=shared)

    def shared_kind(self, children):
        return _Shared()

    @v_args(inline=True)
    def by_clause(self, name):
        return _By(str(name))

    @v_args(inline=True)
    def effective(self, start, end):
        return _Effective((self._date(start), self._date(end)))

    @v_args(meta=True)
    def field_decl(self, meta, children):
        name, type_ref, *default = children
        return ast.FieldDecl(str(name), type_ref, default[0] if default else None, self._span(meta))

    @v_args(meta=True)
    def type_ref(self, meta, children):
        name, *args = children
        values = tuple(self._string(a) if a.type == "STRING" else str(a) for a in args)
        return ast.TypeRef(str(name), values, self._span(meta))

    # -- definitions
    @v_args(meta=True, inline=True)
    def let_decl(self, meta, name, expr, effective=None):
        return ast.LetDecl(str(name), expr, effective.dates if effective else None, self._span(meta))

    @v_args(meta=True)
    def fn_decl(self, meta, children):
        name, *params, result, body = children
        return ast.FnDecl(str(name), tuple(params), result, body, self._span(meta), self._tspan(name))

    @v_args(meta=True, inline=True)
    def fn_param(self, meta, name, type_ref):
        return ast.Param(str(name), type_ref, self._span(meta))

    @v_args(meta=True, inline=True)
    def module_header(self, meta, name):
        return ast.ModuleHeader(self._string(name), self._span(meta))

    @v_args(meta=True)
    def import_decl(self, meta, children):
        module, *alias = children
        return ast.ImportDecl(str(module), str(alias[0]) if alias else None, self._span(meta))

    @v_args(meta=True, inline=True)
    def column_decl(self, meta, table, name, expr):
        return ast.ColumnDecl(str(table), str(name), expr, self._span(meta))

    @v_args(meta=True)
    def tiers_decl(self, meta, children):
        name = children[0]
        mode = None
        rows = children[1:]
        if rows and isinstance(rows[0], Token) and rows[0].type == "TIER_MODE":
            mode = str(rows[0])
            rows = rows[1:]
        effective = None
        if rows and isinstance(rows[0], _Effective):
            effective = rows[0].dates
            rows = rows[1:]
        return ast.TiersDecl(str(name), mode, tuple(rows), effective, self._span(meta), self._tspan(name))

    @v_args(meta=True, inline=True)
    def band_row(self, meta, band, value):
        return ast.BandRow(band, value, self._span(meta))

    @v_args(meta=True, inline=True)
    def category_row(self, meta, key, value):
        return ast.CategoryRow(self._string(key), value, self._span(meta))

    @v_args(meta=True, inline=True)
    def default_row(self, meta, value):
        return ast.DefaultRow(value, self._span(meta))

    @v_args(meta=True, inline=True)
    def stated_band(self, meta, low_open, low, high, high_close):
        return ast.Band(
            None if low is _UNBOUNDED else low,
            None if high is _UNBOUNDED else high,
            low_open == "closed",
            high_close == "closed",
            True,
            self._span(meta),
        )

    @v_args(meta=True, inline=True)
    def unstated_band(self, meta, low, high):
        # Inclusivity unwritten: read as [low, high), and lint says so.
        return ast.Band(
            None if low is _UNBOUNDED else low,
            None if high is _UNBOUNDED else high,
            True,
            False,
            False,
            self._span(meta),
        )

    def closed(self, children):
        return "closed"

    def open(self, children):
        return "open"

    def unbounded(self, children):
        return _UNBOUNDED

    @v_args(inline=True)
    def tier_value(self, value):
        return value

    @v_args(meta=True)
    def record_value(self, meta, children):
        return ast.RecordValue(tuple(children), self._span(meta))

    @v_args(inline=True)
    def tier_field(self, name, value):
        return (str(name), value)

    # -- payouts
    @v_args(meta=True)
    def payout_decl(self, meta, children):
        label, expr, *clauses = children
        return ast.PayoutDecl(self._string(label), expr, tuple(clauses), self._span(meta))

    @v_args(meta=True, inline=True)
    def when_clause(self, meta, expr):
        return ast.Clause("when", expr, span=self._span(meta))

    @v_args(meta=True, inline=True)
    def cap_clause(self, meta, expr):
        return ast.Clause("cap", expr, span=self._span(meta))

    @v_args(meta=True, inline=True)
    def floor_clause(self, meta, expr):
        return ast.Clause("floor", expr, span=self._span(meta))

    @v_args(meta=True)
    def round_clause(self, meta, children):
        mode = str(children[0]) if len(children) == 2 else None
        unit = children[-1]
        return ast.Clause("round", None, mode, unit.value, unit.text, span=self._span(meta))

    @v_args(meta=True, inline=True)
    def flag_decl(self, meta, label, expr):
        return ast.FlagDecl(self._string(label), expr, self._span(meta))

    def _total(self, kind, meta, children):
        label = self._string(children[0]) if len(children) == 2 else None
        return ast.TotalDecl(kind, children[-1], label, self._span(meta))

    @v_args(meta=True)
    def total_cap(self, meta, children):
        return self._total("cap", meta, children)

    @v_args(meta=True)
    def total_floor(self, meta, children):
        return self._total("floor", meta, children)

    # -- the ledger
    @v_args(meta=True)
    def hold_decl(self, meta, children):
        label, expr, *clauses = children
        return ast.HoldDecl(self._string(label), expr, tuple(self._ledger_clause(c) for c in clauses), self._span(meta))

    @v_args(meta=True)
    def clawback_decl(self, meta, children):
        label, expr, *clauses = children
        return ast.ClawbackDecl(self._string(label), expr, tuple(clauses), self._span(meta))

    @v_args(meta=True, inline=True)
    def recoverable_draw(self, meta, label, expr):
        return ast.DrawDecl(self._string(label), expr, True, self._span(meta))

    @v_args(meta=True, inline=True)
    def nonrecoverable_draw(self, meta, label, expr):
        return ast.DrawDecl(self._string(label), expr, False, self._span(meta))

    # -- teams: pools and rankings
    @v_args(meta=True)
    def pool_decl(self, meta, children):
        label, expr, *rest = children
        gate = rest.pop(0).children[0] if rest and isinstance(rest[0], Tree) and rest[0].data == "pool_gate" else None
        shares = tuple(c for c in rest if isinstance(c, ast.PoolShare))
        rules = tuple(c for c in rest if isinstance(c, ast.PoolRule))
        return ast.PoolDecl(self._string(label), expr, gate, shares, rules, self._span(meta))

    def _share(self, kind, meta, percent, label, measure=None, filters=()):
        where = next((f.children[0] for f in filters if f.data == "member_where"), None)
        qualify = next((f.children[0] for f in filters if f.data == "member_qualify"), None)
        return ast.PoolShare(kind, self._amount(percent)[0], str(percent), self._string(label), measure, where, qualify, self._span(meta))

    @v_args(meta=True)
    def equal_share(self, meta, children):
        percent, *filters, label = children
        return self._share("equally", meta, percent, label, None, filters)

    @v_args(meta=True)
    def pro_rata_share(self, meta, children):
        percent, measure, *filters, label = children
        return self._share("pro_rata", meta, percent, label, measure, filters)

    @v_args(meta=True, inline=True)
    def manager_share(self, meta, percent, label):
        return self._share("manager", meta, percent, label)

    @v_args(meta=True, inline=True)
    def fund_share(self, meta, percent, label):
        return self._share("fund", meta, percent, label)

    @v_args(meta=True, inline=True)
    def unqualified_fund(self, meta, fund):
        return ast.PoolRule("unqualified_fund", self._string(fund), span=self._span(meta))

    @v_args(meta=True)
    def unqualified_back(self, meta, children):
        return ast.PoolRule("unqualified_back", span=self._span(meta))

    @v_args(meta=True)
    def remainder_payee(self, meta, children):
        return ast.PoolRule("remainder_payee", span=self._span(meta))

    @v_args(meta=True, inline=True)
    def remainder_measure(self, meta, expr):
        return ast.PoolRule("remainder_measure", measure=expr, span=self._span(meta))

    @v_args(meta=True)
    def rank_decl(self, meta, children):
        label, group, measure, *rest = children
        trees = {c.data: c for c in rest if isinstance(c, Tree)}
        where = trees["member_where"].children[0] if "member_where" in trees else None
        ties = trees.get("ties_shared", trees.get("ties_by"))
        top = trees["rank_top"].children[0] if "rank_top" in trees else None
        award = trees.get("rank_award")
        tie = ties.children[0] if ties is not None and ties.data == "ties_by" else None
        shared = ties is None or ties.data == "ties_shared"
        return ast.RankDecl(self._string(label), measure, where, tie, shared, self._amount(top)[0] if top is not None else None,
                            str(top) if top is not None else None, self._string(award.children[0]) if award is not None else None,
                            tuple(award.children[1:]) if award is not None else (), self._span(meta), ties is not None, group)

    def group_members(self, children):
        return "members"

    def group_payees(self, children):
        return "payees"

    @v_args(meta=True, inline=True)
    def rank_band(self, meta, band, value):
        return ast.RankBand(band, value, self._span(meta))

    @staticmethod
    def _ledger_clause(clause):
        """A hold's `when` is the payout clause's rule; on a hold it is a ledger clause like the others."""
        if isinstance(clause, ast.Clause):
            return ast.LedgerClause("when", clause.expr, span=clause.span)
        return clause

    @v_args(meta=True)
    def release_year_end(self, meta, children):
        return ast.LedgerClause("release_year_end", span=self._span(meta))

    @v_args(meta=True, inline=True)
    def release_on(self, meta, day):
        return ast.LedgerClause("release_on", date=self._date(day), span=self._span(meta))

    @v_args(meta=True, inline=True)
    def release_after(self, meta, count, unit):
        value = self._amount(count)[0]
        return ast.LedgerClause("release_after", number=value, text=str(count), unit=str(unit), span=self._span(meta))

    @v_args(meta=True, inline=True)
    def release_when(self, meta, expr):
        return ast.LedgerClause("release_when", expr, span=self._span(meta))

    @v_args(meta=True, inline=True)
    def scaled_clause(self, meta, expr):
        return ast.LedgerClause("scaled", expr, span=self._span(meta))

    @v_args(meta=True)
    def forfeit_clause(self, meta, children):
        share = children[0] if len(children) == 2 else None
        number = self._amount(share)[0] if share is not None else None
        return ast.LedgerClause("forfeit", children[-1], number, str(share).replace("％", "%") if share is not None else None, span=self._span(meta))

    @v_args(meta=True, inline=True)
    def window_clause(self, meta, count, unit, expr):
        value = self._amount(count)[0]
        return ast.LedgerClause("window", expr, value, str(count), str(unit), span=self._span(meta))

    @v_args(meta=True, inline=True)
    def instalment_clause(self, meta, expr):
        return ast.LedgerClause("instalment", expr, span=self._span(meta))

    @v_args(meta=True, inline=True)
    def keep_clause(self, meta, expr):
        return ast.LedgerClause("keep", expr, span=self._span(meta))

    # -- tests
    @v_args(meta=True)
    def test_decl(self, meta, children):
        name, *stmts = children
        return ast.TestDecl(self._string(name), tuple(stmts), self._span(meta))

    @v_args(meta=True, inline=True)
    def test_payee(self, meta, payee):
        return ast.TestPayee(self._string(payee), self._span(meta))

    @v_args(meta=True, inline=True)
    def test_input(self, meta, name, data):
        if isinstance(data, list):
            return ast.TestInput(str(name), tuple(data), True, self._span(meta))
        return ast.TestInput(str(name), (data,), False, self._span(meta))

    def test_rows(self, children):
        return list(children)

    @v_args(meta=True)
    def test_record(self, meta, children):
        return ast.TestRecord(tuple(children), self._span(meta))

    @v_args(inline=True)
    def test_field(self, name, value):
        return (str(name), value)

    @v_args(meta=True, inline=True)
    def test_expect(self, meta, target, expected):
        return ast.TestExpect(target, expected, self._span(meta))

    @v_args(meta=True)
    def test_period(self, meta, children):
        key, *stmts = children
        if isinstance(key, Token):
            try:
                period = parse_period(str(key))
            except PeriodError as exc:
                raise _LiteralError(str(exc), key) from None
            text = str(key)
        else:
            period, text = key
        return ast.TestPeriod(period, text, tuple(stmts), self._span(meta))

    @v_args(inline=True)
    def test_range(self, start, end):
        first, last = self._date(start), self._date(end)
        if last < first:
            raise _LiteralError(f"the period ends ({last}) before it starts ({first})", end)
        return Period(None, first, last), f"{start}..{end}"

    def start(self, children):
        return list(children)


_UNBOUNDED = object()


@attrs.frozen
class _By:
    """An input's `by NAME`, on its way into the InputDecl."""

    name: str


class _Shared:
    """An input's `shared` (before `table`), on its way into the InputDecl."""


@attrs.frozen
class _Effective:
    """An `effective DATE..DATE`, on its way into the declaration it dates."""

    dates: tuple


def _end_span(source: SourceFile, text: str):
    """Where an unexpected end of file is shown: just after the last thing written."""
    end = len(text.rstrip())
    return source.span(end, end + 1)


def _expected(names) -> str:
    # Described things ("a name", "an amount like 50万") first, then punctuation.
    words = sorted({describe_terminal(n) for n in names}, key=lambda w: (w.startswith("'"), w))
    if len(words) > 10:
        words = words[:10] + ["…"]
    return ", ".join(words)


# Characters a Chinese input method types in place of ASCII punctuation, and
# look-alikes that paste in from documents: what each is, and its ASCII twin.
# (× ÷ ≤ ≥ ≠ are not here: the grammar reads them as * / <= >= !=.)
CONFUSABLES = {
    "，": ("a full-width comma", ","), "、": ("an enumeration comma", ","),
    "（": ("a full-width parenthesis", "("), "）": ("a full-width parenthesis", ")"),
    "：": ("a full-width colon", ":"), "；": ("a full-width semicolon", ";"),
    "％": ("a full-width percent sign", "%"), "＋": ("a full-width plus sign", "+"),
    "－": ("a full-width minus sign", "-"), "—": ("a dash", "-"), "−": ("a minus sign (U+2212)", "-"),
    "＊": ("a full-width asterisk", "*"),
    "／": ("a full-width slash", "/"),
    "＝": ("a full-width equals sign", "="), "＜": ("a full-width less-than sign", "<"),
    "＞": ("a full-width greater-than sign", ">"),
    "“": ("a curly double quote", '"'), "”": ("a curly double quote", '"'),
    "‘": ("a curly single quote", "'"), "’": ("a curly single quote", "'"),
    "「": ("a corner bracket", '"'), "」": ("a corner bracket", '"'),
    "［": ("a full-width bracket", "["), "］": ("a full-width bracket", "]"),
    "【": ("a lenticular bracket", "["), "】": ("a lenticular bracket", "]"),
    "｛": ("a full-width brace", "{"), "｝": ("a full-width brace", "}"),
    "．": ("a full-width full stop", "."), "。": ("an ideographic full stop", "."),
    "＃": ("a full-width number sign", "#"), "！": ("a full-width exclamation mark", "!"),
    "\u3000": ("an ideographic space (U+3000)", " "), "\u00a0": ("a no-break space (U+00A0)", " "),
    "\u200b": ("a zero-width space (U+200B)", ""), "\u200c": ("a zero-width non-joiner (U+200C)", ""),
    "\u200d": ("a zero-width joiner (U+200D)", ""), "\u2060": ("a word joiner (U+2060)", ""),
    "\ufeff": ("a byte-order mark (U+FEFF) inside the text", ""),
}


# The words analysts use for the tier modes, and the mode each means.
TIER_MODE_WORDS = {
    "全额": ("whole", "the rate of the band the amount reaches, on the whole amount (全额累进)"),
    "全额累进": ("whole", "the rate of the band the amount reaches, on the whole amount"),
    "超额累进": ("marginal", "each band's rate on the part of the amount inside it"),
    "超额": ("marginal", "each band's rate on the part of the amount inside it (超额累进)"),
    "查表": ("lookup", "the value of the band the amount falls in, itself"),
    "对照": ("lookup", "the value of the band the amount falls in, itself"),
}


def confusable_hint(char: str) -> str | None:
    """What to write instead of `char`, when it is a known look-alike of ASCII punctuation.

    >>> confusable_hint("，")
    "this is a full-width comma: write ',' (its ASCII twin); switch the input method to half-width punctuation"
    >>> confusable_hint("\u200b")
    'this is a zero-width space (U+200B): delete it (it is invisible in most editors)'
    >>> confusable_hint("a") is None
    True
    """
    if char not in CONFUSABLES:
        return None
    what, twin = CONFUSABLES[char]
    if not twin:
        return f"this is {what}: delete it (it is invisible in most editors)"
    shown = "' ' (a space)" if twin == " " else f"'{twin}'"
    advice = "; switch the input method to half-width punctuation" if ord(char) >= 0x3000 else ""
    return f"this is {what}: write {shown} (its ASCII twin){advice}"


def _found(token: Token) -> str:
    if token.type == "$END":
        return "end of file"
    return f"'{token}'"


def _parse_tree(source: SourceFile) -> tuple[lark.Tree, tuple[ast.Comment, ...]]:
    """The Lark tree of `text` and its comments, collected by this call alone.

    The grammar ignores comments, so the lexer never hands them to the parser.
    The parse is driven token by token instead; what lies between two tokens
    (or before the first, or after the last) is only whitespace and comments,
    and every `#` there starts a comment that runs to the end of its line.
    """
    text = source.text
    steps = _parser().parse_interactive(text)
    comments: list[ast.Comment] = []
    end, token = 0, None
    for token in steps.iter_parse():
        if token.start_pos > end:
            comments += _comments(source, end, token.start_pos)
        end = token.end_pos
    comments += _comments(source, end, len(text))
    return steps.feed_eof(token), tuple(comments)


def _comments(source: SourceFile, start: int, end: int) -> Iterator[ast.Comment]:
    r"""The comments in the source text[start:end], a stretch holding only whitespace and comments.

    >>> list(_comments(SourceFile("p", "a  # one\n  # two\nb"), 1, 17))
    [Comment(text='# one', line=1, own_line=False), Comment(text='# two', line=2, own_line=True)]
    """
    text = source.text
    at = text.find("#", start, end)
    while at != -1:
        stop = text.find("\n", at, end)
        stop = end if stop == -1 else stop
        line, column = source.position(at)
        own_line = text[at - column + 1 : at].strip() == ""
        yield ast.Comment(text[at:stop], line, own_line)
        at = text.find("#", stop, end)


# How deeply one item's expressions may nest: each operator, call, field, `not`,
# `if` and negation is one level (parentheses alone are none). Every later stage
# (checker, IR passes, interpreter, lint rules, formatter, explanations) walks an
# expression by recursion, and this bound keeps all of them far inside Python's
# stack; a deeper expression is one E001 here, at the item it is in. A long sum
# `a + b + …` nests one level per term, so it may have up to this many terms.
MAX_NESTING = 100


def _nodes(tree: lark.Tree) -> tuple[list[lark.Tree], tuple | None]:
    """Every node of `tree`, parents before children, found without recursion; and, if
    an item nests too deeply, (that item, the node at which it passes MAX_NESTING)."""
    order, stack = [], [(tree, 0, None)]
    while stack:
        node, level, item = stack.pop()
        if level - 1 > MAX_NESTING:
            return order, (item, node)
        order.append(node)
        for child in node.children:
            if isinstance(child, lark.Tree):
                stack.append((child, level + 1, child if item is None else item))
    return order, None


def _build(builder: _Builder, order: list[lark.Tree]):
    """The AST of the tree whose nodes are `order` (parents first), built bottom-up
    without recursion: Lark's own Transformer recurses once per level, so a few
    hundred nested `not`s ran out of stack before any limit could be stated."""
    built: dict[int, object] = {}
    for node in reversed(order):
        children = [built.pop(id(c)) if isinstance(c, lark.Tree) else c for c in node.children]
        built[id(node)] = builder._call_userfunc(node, children)
    return built[id(order[0])]


def _nesting_error(source: SourceFile, item: lark.Tree, node: lark.Tree) -> Diagnostic:
    start = item.meta.start_pos if not getattr(item.meta, "empty", True) else 0
    line_end = source.text.find("\n", start)
    span = source.span(start, line_end if line_end != -1 else len(source.text))
    notes = ()
    if not getattr(node.meta, "empty", True):
        notes = ((f"level {MAX_NESTING + 1} starts here", source.span(node.meta.start_pos, node.meta.end_pos)),)
    return diagnostic(SYNTAX, f"expressions here nest more than {MAX_NESTING} levels deep (each operator, call, "
                      "field, 'not' and 'if' is a level; a sum of N terms is N levels)", span, notes=notes,
                      hint="split the expression into several lets")


# The words that start a top-level item (the grammar's `item`): met at the start of a line
# while a `{` is still open, they mean that brace was never closed.
ITEM_WORDS = frozenset({"plan", "module", "import", "input", "let", "fn", "tiers", "payout", "flag", "total", "hold",
                        "clawback", "draw", "pool", "rank", "test"})


def _open_braces(text: str, upto: int) -> list[int]:
    """The offsets of the `{` still open at `upto` (outside strings and comments)."""
    stack, i, quoted = [], 0, False
    while i < upto:
        ch = text[i]
        if quoted:
            if ch == "\\":
                i += 1
            elif ch == '"':
                quoted = False
        elif ch == '"':
            quoted = True
        elif ch == "#":
            while i < upto and text[i] not in "\r\n":
                i += 1
            continue
        elif ch == "{":
            stack.append(i)
        elif ch == "}" and stack:
            stack.pop()
        i += 1
    return stack


def _unclosed_brace(source: SourceFile, text: str, at: int, token) -> Diagnostic | None:
    """An unclosed `{`, reported at the brace that opened it: the parser stopped (at `at`, or at the end
    of the file when `token` is None) while a brace was open, and a top-level item starts at the
    beginning of a line after it (`payout` in column 1), or the file ended."""
    opened = _open_braces(text, at)
    if not opened:
        return None
    brace = source.span(opened[-1], opened[-1] + 1)
    stop = source.span(at, at + 1).line if token is not None else len(source.line_starts)
    for number in range(brace.line + 1, stop + 1):
        line = source.line_text(number)
        word = re.match(r"[a-z]+(?![\w.])", line)
        if word and word.group() in ITEM_WORDS:
            start = source.line_starts[number - 1]
            notes = (("the next item starts here, still inside the block", source.span(start, start + len(word.group()))),)
            return diagnostic(SYNTAX, f"this '{{' is never closed: the block runs on into line {number}", brace,
                              notes=notes, hint="close the block with '}' where it ends")
    if token is None:
        return diagnostic(SYNTAX, "this '{' is never closed: the block runs on to the end of the file", brace,
                          notes=(("the file ends here", _end_span(source, text)),), hint="close the block with '}' where it ends")
    return None


def parse(text: str, file: str = "<plan>") -> tuple[ast.PlanFile | None, list[Diagnostic]]:
    """Parse plan text. Returns (PlanFile, []) or (None, [diagnostic]).

    >>> plan, diags = parse('plan "x" { currency CNY }')
    >>> plan.header().name, diags
    ('x', [])
    """
    text = without_bom(text)
    source = SourceFile(file, text)
    try:
        tree, comments = _parse_tree(source)
    except lark.exceptions.UnexpectedToken as exc:
        token = exc.token
        start = token.start_pos if token.start_pos is not None else len(text)
        end = token.end_pos if token.end_pos is not None else start + 1
        span = source.span(start, max(end, start + 1))
        if token.type == "$END":
            span = _end_span(source, text)
        message = f"unexpected {_found(token)}; expected {_expected(exc.expected)}"
        unclosed = _unclosed_brace(source, text, start, None if token.type == "$END" else token)
        if unclosed is not None:
            return None, [unclosed]
        hint = None
        if "TIER_MODE" in exc.expected and str(token) in TIER_MODE_WORDS:
            mode, meaning = TIER_MODE_WORDS[str(token)]
            hint = f"'{token}' is written '{mode}' here: {meaning}"
        elif "TIER_MODE" in exc.expected and str(token) == "累进":
            hint = ("'累进' alone is ambiguous: 超额累进 is 'marginal' (each band's rate on the part inside it), "
                    "全额累进 is 'whole' (the reached band's rate on the whole amount)")
        return None, [diagnostic(SYNTAX, message, span, hint=hint)]
    except lark.exceptions.UnexpectedCharacters as exc:
        span = source.span(exc.pos_in_stream, exc.pos_in_stream + 1)
        char = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else ""
        shown = repr(char) if not char.isprintable() else f"'{char}'"
        allowed = getattr(exc, "allowed", None) or ()
        hint = confusable_hint(char)
        if hint is not None:  # the look-alike is the news; the list of expected tokens is noise
            return None, [diagnostic(SYNTAX, f"unexpected character {shown}, {CONFUSABLES[char][0]}", span, hint=hint)]
        message = f"unexpected character {shown}"
        if allowed:
            message += f"; expected {_expected(allowed)}"
        return None, [diagnostic(SYNTAX, message, span)]
    except lark.exceptions.UnexpectedEOF as exc:
        span = _end_span(source, text)
        unclosed = _unclosed_brace(source, text, len(text), None)
        if unclosed is not None:
            return None, [unclosed]
        return None, [diagnostic(SYNTAX, f"unexpected end of file; expected {_expected(exc.expected)}", span)]
    except lark.exceptions.LarkError as exc:  # pragma: no cover - any other parser failure
        return None, [diagnostic(SYNTAX, f"cannot parse: {exc}", source.span(0, 1))]

    order, too_deep = _nodes(tree)
    if too_deep is not None:
        return None, [_nesting_error(source, *too_deep)]
    try:
        items = _build(_Builder(source), order)
    except lark.exceptions.VisitError as exc:
        original = exc.orig_exc
        if isinstance(original, _LiteralError):
            token = original.token
            return None, [diagnostic(BAD_LITERAL, str(original), source.span(token.start_pos, token.end_pos))]
        raise
    return ast.PlanFile(tuple(items), comments, file), []


def parse_file(path: str | Path, display: str | None = None) -> tuple[ast.PlanFile | None, list[Diagnostic], SourceFile]:
    """Read and parse a file; an unreadable file is a diagnostic, not an exception.

    >>> plan, diagnostics, source = parse_file("/no/such/plan.plan")
    >>> plan, diagnostics[0].message
    (None, 'cannot read /no/such/plan.plan: No such file or directory')
    """
    name = display or str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return None, [diagnostic(SYNTAX, f"cannot read {name}: {exc.strerror or exc}", None)], SourceFile(name, "")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # Point at the first byte that is not UTF-8; plans are UTF-8 text.
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", errors="replace")) + 1
        span = Span(name, line, column, line, column)
        message = f"{name} is not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be read (save the plan as UTF-8)"
        return None, [diagnostic(SYNTAX, message, span)], SourceFile(name, "")
    text = without_bom(text)
    plan, diags = parse(text, name)
    return plan, diags, SourceFile(name, text)
