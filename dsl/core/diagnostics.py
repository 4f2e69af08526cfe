"""Diagnostics: the one registry of codes, the value type, and the one renderer.

Every problem the tool reports — a syntax error, an unknown name, a bad cell in a
data file, a lint finding — is a `Diagnostic` value with a stable code, a
kebab-case name stating the defect, a severity, a message and a span. Stages
return lists of them; nothing is raised until the API edge. `render` is the only
place that turns them into text:

    plans/s1/plan.plan:12:20: error: unknown name 'sale' [E102 unknown-name]
       12 | payout "销售额提成" = 提成比例(sale)
          |                             ^~~~
       = hint: did you mean 'sales'?
"""
from __future__ import annotations

import difflib
from typing import Iterable

import attrs

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


REGISTRY: dict[str, Code] = {}


def register(code: str, name: str, severity: str, summary: str, group: str = "check") -> Code:
    if code in REGISTRY and REGISTRY[code].name != name:
        raise ValueError(f"diagnostic code {code} registered twice")
    entry = Code(code, name, severity, summary, group)
    REGISTRY[code] = entry
    return entry


# Parsing and static checking.
SYNTAX = register("E001", "syntax-error", ERROR, "The text is not a well-formed plan.")
BAD_LITERAL = register("E002", "bad-literal", ERROR, "A number, amount, percent or date literal cannot be read exactly.")
UNKNOWN_NAME = register("E102", "unknown-name", ERROR, "A name is used that is not defined.")
TYPE_MISMATCH = register("E103", "type-mismatch", ERROR, "An operation is applied to values of the wrong types.")
MIXED_CURRENCY = register("E104", "mixed-currency", ERROR, "Amounts in different currencies are combined.")
ARGUMENT_COUNT = register("E105", "wrong-argument-count", ERROR, "A function or table is called with the wrong number of arguments.")
DUPLICATE = register("E106", "duplicate-definition", ERROR, "A name or label is defined twice.")
CYCLE = register("E107", "cyclic-definition", ERROR, "Definitions depend on each other in a circle.")
BAD_TIERS = register("E108", "invalid-tier-table", ERROR, "A tier table's bands or values do not fit its mode.")
TIER_OVERLAP = register("E109", "tier-overlap", ERROR, "Two bands of a tier table both contain some values, so the rate there is ambiguous.")
BAD_HEADER = register("E110", "invalid-header", ERROR, "The plan header is missing or names something invalid.")
BAD_TEST = register("E111", "invalid-test", ERROR, "A plan test names inputs or lines that do not exist.")
BAD_INPUT = register("E112", "invalid-input", ERROR, "An input declaration names an unknown type or lacks what its kind needs.")

# Data binding and evaluation.
DATA_MISSING = register("D001", "missing-input", ERROR, "A declared input has no file, sheet or key in the data.", "data")
DATA_COLUMN = register("D002", "missing-column", ERROR, "A declared column is missing from an input file.", "data")
DATA_VALUE = register("D003", "bad-value", ERROR, "A cell cannot be read as its column's declared type.", "data")
DATA_PAYEE = register("D004", "unknown-payee", ERROR, "A row names a payee who is not on the roster.", "data")
DATA_DUPLICATE = register("D005", "duplicate-record", ERROR, "A per-payee record appears twice for the same payee.", "data")
DATA_FORMAT = register("D006", "unreadable-data", ERROR, "A data file cannot be read.", "data")
EVAL_ERROR = register("R001", "evaluation-error", ERROR, "A value cannot be computed (division by zero, no band for a value, …).", "data")
NO_PAYEE = register("R002", "no-such-payee", ERROR, "The payee asked for does not appear in the data.", "data")

# Plan tests.
TEST_FAILED = register("T001", "test-failed", ERROR, "A plan test's expectation disagrees with the computed value.", "test")


@attrs.frozen
class Diagnostic:
    code: str
    message: str
    span: Span | None = None
    severity: str = ""
    hint: str | None = None
    notes: tuple[tuple[str, Span | None], ...] = ()

    def __attrs_post_init__(self):
        if not self.severity:
            object.__setattr__(self, "severity", REGISTRY[self.code].severity if self.code in REGISTRY else ERROR)

    @property
    def name(self) -> str:
        entry = REGISTRY.get(self.code)
        return entry.name if entry else ""

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
    return Diagnostic(code.code, message, span, severity=kwargs.pop("severity", code.severity), **kwargs)


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
    marked_width = max(1, display_width(marked))
    caret = " " * display_width(prefix) + "^" + "~" * (marked_width - 1)
    return [f" {gutter} | {text}", f" {pad} | {caret}"]


def render(diag: Diagnostic, sources: dict[str, SourceFile] | None = None) -> str:
    """The one text form of a diagnostic: location, message, code, source line, caret, hint."""
    sources = sources or {}
    where = f"{diag.span}: " if diag.span else ""
    tag = f"{diag.code} {diag.name}".strip()
    lines = [f"{where}{diag.severity}: {diag.message} [{tag}]"]
    if diag.span:
        lines += _excerpt(diag.span, sources)
    for message, span in diag.notes:
        lines.append(f"  = note: {message}" + (f" ({span})" if span else ""))
        if span:
            lines += ["  " + line for line in _excerpt(span, sources)]
    if diag.hint:
        lines.append(f"  = hint: {diag.hint}")
    return "\n".join(lines)
