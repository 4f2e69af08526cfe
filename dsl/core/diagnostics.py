"""Diagnostics: the table of codes, the value type, and the one renderer.

Every problem the tool reports — a syntax error, an unknown name, a bad cell in a
data file, a lint finding — is a `Diagnostic` value with a stable code, a
kebab-case name stating the defect, a severity, a message and a span. Stages
return lists of them; nothing is raised until the API edge. `render` is the only
place that turns them into text:

    plans/s1/plan.plan:12:20: error: unknown name 'sale' [E102 unknown-name]
       12 | payout "销售额提成" = 提成比例(sale)
          |                             ^~~~
       = hint: did you mean 'sales'?

`REGISTRY` is the static, read-only table of the codes of parsing, checking,
data binding, evaluation and plan tests. Lint codes are not in it: the lint
catalogue lists them, and `combine` joins the two into one table for the places
that show every code (SARIF, configuration, the docs pages), without changing
either.
"""
from __future__ import annotations

import difflib
from types import MappingProxyType
from typing import Iterable, Mapping

import attrs

from dsl.core import i18n
from dsl.core.source import Span, SourceFile, display_width

ERROR = "error"
WARNING = "warning"
NOTE = "note"
SEVERITIES = (ERROR, WARNING, NOTE)


@attrs.frozen
class Code:
    code: str
    name: str
    severity: str
    summary: str
    group: str = "check"  # check | data | test | lint


# Parsing and static checking.
SYNTAX = Code("E001", "syntax-error", ERROR, "The text is not a well-formed plan.")
BAD_LITERAL = Code("E002", "bad-literal", ERROR, "A number, amount, percent or date literal cannot be read exactly.")
UNKNOWN_NAME = Code("E102", "unknown-name", ERROR, "A name is used that is not defined.")
TYPE_MISMATCH = Code("E103", "type-mismatch", ERROR, "An operation is applied to values of the wrong types.")
MIXED_CURRENCY = Code("E104", "mixed-currency", ERROR, "Amounts in different currencies are combined.")
ARGUMENT_COUNT = Code("E105", "wrong-argument-count", ERROR, "A function or table is called with the wrong number of arguments.")
DUPLICATE = Code("E106", "duplicate-definition", ERROR, "A name or label is defined twice.")
CYCLE = Code("E107", "cyclic-definition", ERROR, "Definitions depend on each other in a circle.")
BAD_TIERS = Code("E108", "invalid-tier-table", ERROR, "A tier table's bands or values do not fit its mode.")
TIER_OVERLAP = Code("E109", "tier-overlap", ERROR, "Two bands of a tier table both contain some values, so the rate there is ambiguous.")
BAD_HEADER = Code("E110", "invalid-header", ERROR, "The plan header is missing or names something invalid.")
BAD_TEST = Code("E111", "invalid-test", ERROR, "A plan test names inputs or lines that do not exist.")
BAD_INPUT = Code("E112", "invalid-input", ERROR, "An input declaration names an unknown type or lacks what its kind needs.")
BAD_PERIOD = Code("E113", "invalid-period", ERROR, "A period, a period column or a date range of the plan is invalid.")
BAD_LEDGER = Code("E114", "invalid-ledger", ERROR, "A hold, clawback or draw, or one of its rules, does not fit.")
VERSION_OVERLAP = Code("E115", "overlapping-versions", ERROR, "Two versions of the same tier table or definition are in force on the same day.")
LEVEL_CYCLE = Code("E116", "level-cycle", ERROR, "A value reads a pool's share line, which is split from the team's values after they are computed.")
BAD_TEAM_RULE = Code("E117", "invalid-pool-or-rank", ERROR, "A pool's split or a ranking's bands do not fit: shares above 100%, a part with nowhere to go, overlapping rank bands.")
BAD_MODULE = Code("E118", "invalid-module", ERROR, "An imported module cannot be found, is not a module, or a module holds what belongs to a plan.")

# Data binding and evaluation.
DATA_MISSING = Code("D001", "missing-input", ERROR, "A declared input has no file, sheet or key in the data.", "data")
DATA_COLUMN = Code("D002", "missing-column", ERROR, "A declared column is missing from an input file.", "data")
DATA_VALUE = Code("D003", "bad-value", ERROR, "A cell cannot be read as its column's declared type.", "data")
DATA_PAYEE = Code("D004", "unknown-payee", ERROR, "A row names a payee who is not on the roster.", "data")
DATA_DUPLICATE = Code("D005", "duplicate-record", ERROR, "A per-payee record appears twice for the same payee.", "data")
DATA_FORMAT = Code("D006", "unreadable-data", ERROR, "A data file cannot be read.", "data")
EVAL_ERROR = Code("R001", "evaluation-error", ERROR, "A value cannot be computed (division by zero, no band for a value, …).", "data")
NO_PAYEE = Code("R002", "no-such-payee", ERROR, "The payee asked for does not appear in the data.", "data")
DATA_PERIOD = Code("D007", "row-outside-run", ERROR, "A row's period is not one of the run's periods, or a per-period record repeats.", "data")
RUN_PERIOD = Code("R003", "invalid-run-period", ERROR, "The periods asked for cannot be run: not periods of the plan's length, or outside its validity.", "data")
DATA_HIERARCHY = Code("D008", "bad-hierarchy", ERROR, "The hierarchy's data cannot be ordered: a team contains its own manager, or names a manager who is not a payee.", "data")
NOBODY_PAID = Code("R004", "nobody-paid", ERROR, "The run has no payee: the roster is empty and the plan declares none.", "data")

# Plan tests.
TEST_FAILED = Code("T001", "test-failed", ERROR, "A plan test's expectation disagrees with the computed value.", "test")

CORE_CODES: tuple[Code, ...] = (
    SYNTAX, BAD_LITERAL, UNKNOWN_NAME, TYPE_MISMATCH, MIXED_CURRENCY, ARGUMENT_COUNT, DUPLICATE, CYCLE,
    BAD_TIERS, TIER_OVERLAP, BAD_HEADER, BAD_TEST, BAD_INPUT, BAD_PERIOD, BAD_LEDGER, VERSION_OVERLAP, LEVEL_CYCLE, BAD_TEAM_RULE, BAD_MODULE,
    DATA_MISSING, DATA_COLUMN, DATA_VALUE, DATA_PAYEE, DATA_DUPLICATE, DATA_FORMAT, DATA_PERIOD, EVAL_ERROR, NO_PAYEE, RUN_PERIOD, NOBODY_PAID, DATA_HIERARCHY,
    TEST_FAILED,
)


def combine(*groups: Iterable[Code]) -> Mapping[str, Code]:
    """One read-only table of codes from several lists; a code listed twice is an error.

    >>> table = combine(CORE_CODES, [Code("L001", "tier-gap", WARNING, "A gap.", "lint")])
    >>> table["L001"].name, table["E001"].name
    ('tier-gap', 'syntax-error')
    >>> combine([SYNTAX], [Code("E001", "other", ERROR, "")])
    Traceback (most recent call last):
    ValueError: diagnostic code E001 is listed twice (syntax-error, other)
    """
    table: dict[str, Code] = {}
    for group in groups:
        for entry in group:
            if entry.code in table:
                raise ValueError(f"diagnostic code {entry.code} is listed twice ({table[entry.code].name}, {entry.name})")
            table[entry.code] = entry
    return MappingProxyType(table)


REGISTRY: Mapping[str, Code] = combine(CORE_CODES)


@attrs.frozen
class Diagnostic:
    code: str
    message: str
    span: Span | None = None
    severity: str = ""
    hint: str | None = None
    notes: tuple[tuple[str, Span | None], ...] = ()
    name: str = attrs.field(default="", kw_only=True)  # the code's name; filled in from REGISTRY when not given

    def __attrs_post_init__(self):
        entry = REGISTRY.get(self.code)
        if not self.severity:
            object.__setattr__(self, "severity", entry.severity if entry else ERROR)
        if not self.name and entry is not None:
            object.__setattr__(self, "name", entry.name)

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def to_json(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "message": self.message,
            "location": self.span.to_json() if self.span else None,
            "hint": self.hint,
            "notes": [{"message": m, "location": s.to_json() if s else None} for m, s in self.notes],
        }


def diagnostic(code: Code, message: str, span: Span | None = None, **kwargs) -> Diagnostic:
    return Diagnostic(code.code, message, span, severity=kwargs.pop("severity", code.severity), name=code.name, **kwargs)


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.5)
    if matches:
        return f"did you mean '{matches[0]}'?"
    return None


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)


def _excerpt(span: Span, sources: dict[str, SourceFile]) -> list[str]:
    source = sources.get(span.file)
    if source is None or span.line <= 0:
        return []
    text = source.line_text(span.line)
    if not text and span.line > len(source.text.splitlines()):
        return []
    gutter = str(span.line)
    pad = " " * len(gutter)
    prefix = text[: max(0, span.column - 1)]
    if span.end_line == span.line:
        marked = text[span.column - 1 : span.end_column]
    else:
        marked = text[span.column - 1 :]
    # A tab is shown as TAB_WIDTH spaces, in the line and under it, so the caret stands under
    # its column whatever the terminal's tab stops are.
    marked_width = max(1, display_width(marked.replace("\t", TAB)))
    caret = " " * display_width(prefix.replace("\t", TAB)) + "^" + "~" * (marked_width - 1)
    return [f" {gutter} | {text.replace(chr(9), TAB)}", f" {pad} | {caret}"]


TAB = " " * 4  # how an excerpt shows a tab


def render(diag: Diagnostic, sources: dict[str, SourceFile] | None = None, lang: str = "en") -> str:
    """The one text form of a diagnostic: location, message, code, source line, caret, hint.

    `lang` is "en" or "zh": the message, notes, hint and the words of the frame are
    translated here (dsl.core.i18n); the code, its name and the location never change.
    """
    sources = sources or {}
    where = f"{diag.span}: " if diag.span else ""
    tag = f"{diag.code} {diag.name}".strip()
    severity = i18n.word(diag.severity, lang)
    lines = [f"{where}{severity}: {i18n.translate(diag.message, lang, diag.code)} [{tag}]"]
    if diag.span:
        lines += _excerpt(diag.span, sources)
    for message, span in diag.notes:
        lines.append(f"  = {i18n.word('note', lang)}: {i18n.translate(message, lang, diag.code)}" + (f" ({span})" if span else ""))
        if span:
            lines += ["  " + line for line in _excerpt(span, sources)]
    if diag.hint:
        lines.append(f"  = {i18n.word('hint', lang)}: {i18n.translate(diag.hint, lang, diag.code)}")
    return "\n".join(lines)
