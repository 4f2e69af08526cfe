"""The catalogue of lint rules and the values a rule works with.

A rule is a function `(LintContext) -> Iterable[Finding]` registered with the
`@rule(code, name, severity, summary)` decorator. Registering also enters the
code into `dsl.diagnostics.REGISTRY` (group "lint"), so checker, data and lint
codes form one catalogue (the SARIF output lists it whole). A rule does not
build diagnostics itself: it yields `Finding`s, and the engine in
`dsl.lint.__init__` stamps them with the rule's code and configured severity.

Codes the engine reports on its own (suppression problems) are entered with
`declare`, which registers a code that has no rule function.

    @rule("L001", "tier-gap", WARNING, "Some values fall between two bands.")
    def tier_gap(ctx):
        yield Finding("no band contains 50万", band.span)
"""
from __future__ import annotations

from typing import Callable, Iterable, Optional

import attrs

from dsl.syntax import ast
from dsl import ir
from dsl.core.diagnostics import ERROR, NOTE, WARNING, register
from dsl.core.source import SourceFile, Span

__all__ = ["ERROR", "WARNING", "NOTE", "Finding", "LintContext", "Rule", "RULES", "rule", "declare", "find_rule"]


@attrs.frozen
class Finding:
    """What a rule reports: a message at a span, with an optional hint and notes."""

    message: str
    span: Optional[Span]
    hint: Optional[str] = None
    notes: tuple[tuple[str, Optional[Span]], ...] = ()


@attrs.frozen
class Rule:
    code: str
    name: str
    severity: str
    summary: str
    check: Optional[Callable[["LintContext"], Iterable[Finding]]] = attrs.field(default=None, eq=False)
    needs_plan: bool = False  # True: runs only when the plan checks (needs the typed IR)
    module: str = ""

    @property
    def doc_page(self) -> str:
        return f"rules/{self.code}-{self.name}.md"


@attrs.frozen
class LintContext:
    """Everything a rule may read: the syntax tree, the typed IR (None when the
    plan does not check), the source text, the plan's currency."""

    file: ast.PlanFile
    plan: Optional[ir.Plan]
    source: SourceFile
    currency: str = "CNY"

    def slice(self, span: Span) -> str:
        return self.source.slice(span)


RULES: dict[str, Rule] = {}


def _enter(entry: Rule) -> Rule:
    for existing in RULES.values():
        if existing.name == entry.name and existing.code != entry.code:
            raise ValueError(f"lint rule name {entry.name} is used by {existing.code} and {entry.code}")
    if entry.code in RULES and RULES[entry.code].module != entry.module:
        raise ValueError(f"lint code {entry.code} is registered twice ({RULES[entry.code].module}, {entry.module})")
    register(entry.code, entry.name, entry.severity, entry.summary, "lint")
    RULES[entry.code] = entry
    return entry


def rule(code: str, name: str, severity: str, summary: str, needs_plan: bool = False):
    """Register a lint rule: a function of a LintContext yielding Findings."""

    def decorate(func):
        _enter(Rule(code, name, severity, summary, func, needs_plan, func.__module__))
        return func

    return decorate


def declare(code: str, name: str, severity: str, summary: str) -> Rule:
    """Register a code the lint engine reports itself (it has no rule function)."""
    return _enter(Rule(code, name, severity, summary, None, False, "dsl.lint"))


def find_rule(key: str) -> Optional[Rule]:
    """A rule by code (`L001`, any case) or name (`tier-gap`)."""
    upper = key.strip().upper()
    if upper in RULES:
        return RULES[upper]
    for entry in RULES.values():
        if entry.name == key.strip().lower():
            return entry
    return None
