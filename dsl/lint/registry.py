"""What a lint rule is, and the values it works with.

A rule is a `Rule` value: a code, a kebab-case name, a default severity, a
summary and a function `(LintContext) -> Iterable[Finding]`. The `@rule(...)`
decorator builds one from a function and changes nothing else: defining a rule
registers it nowhere. The catalogue (`dsl.lint.catalogue`) lists every rule in
one tuple; that list is what the engine runs and what SARIF, the configuration
and the docs pages read.

A `Catalogue` is an immutable set of rules, found by code or by name.

A rule does not build diagnostics itself: it yields `Finding`s, and the engine
(`dsl.lint.lint`) stamps them with the rule's code, name and configured
severity. Codes the engine reports on its own (suppression problems) are
`declare`d: a rule with no function.

    >>> @rule("L999", "always-quiet", WARNING, "Finds nothing.")
    ... def always_quiet(ctx):
    ...     return ()
    >>> always_quiet.code, always_quiet.name, always_quiet.doc_page
    ('L999', 'always-quiet', 'rules/L999-always-quiet.md')
"""
from __future__ import annotations

from types import MappingProxyType
from typing import Callable, Iterable, Iterator, Mapping, Optional

import attrs

from dsl.syntax import ast
from dsl import ir
from dsl.ir.passes import run_passes
from dsl.core.diagnostics import ERROR, NOTE, WARNING, Code
from dsl.core.source import SourceFile, Span

__all__ = ["ERROR", "WARNING", "NOTE", "Finding", "LintContext", "Rule", "Catalogue", "rule", "declare"]


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

    @property
    def diagnostic_code(self) -> Code:
        """The rule as an entry of the table of diagnostic codes (group "lint")."""
        return Code(self.code, self.name, self.severity, self.summary, "lint")

    def __call__(self, context: "LintContext") -> Iterable[Finding]:
        return self.check(context) if self.check is not None else ()


@attrs.frozen
class LintContext:
    """Everything a rule may read: the syntax tree, the typed IR (None when the
    plan does not check), the source text, the plan's currency, and the IR after
    its passes (what `plan run` evaluates) when the caller already has it."""

    file: ast.PlanFile
    plan: Optional[ir.Plan]
    source: SourceFile
    currency: str = "CNY"
    passed: Optional[ir.Plan] = None

    def evaluable(self) -> Optional[ir.Plan]:
        """The plan as `plan run` and `plan test` compute it (the IR passes applied, once per caller)."""
        if self.passed is not None or self.plan is None:
            return self.passed
        return run_passes(self.plan)

    def slice(self, span: Span) -> str:
        return self.source.slice(span)


def rule(code: str, name: str, severity: str, summary: str, needs_plan: bool = False):
    """Make a lint rule (a `Rule` value) of a function of a LintContext yielding Findings."""

    def decorate(func) -> Rule:
        return Rule(code, name, severity, summary, func, needs_plan, func.__module__)

    return decorate


def declare(code: str, name: str, severity: str, summary: str, module: str = "dsl.lint") -> Rule:
    """A code the lint engine reports itself (a rule with no function)."""
    return Rule(code, name, severity, summary, None, False, module)


@attrs.frozen
class Catalogue:
    """Lint rules by code and by name. Build one with `Catalogue.of(rules)`."""

    rules: tuple[Rule, ...]  # sorted by code
    by_code: Mapping[str, Rule] = attrs.field(repr=False)
    by_name: Mapping[str, Rule] = attrs.field(repr=False)

    @classmethod
    def of(cls, rules: Iterable[Rule]) -> "Catalogue":
        """A catalogue of `rules`; a code or a name used twice is an error.

        >>> Catalogue.of([declare("L900", "a-rule", "warning", ""), declare("L901", "a-rule", "warning", "")])
        Traceback (most recent call last):
        ValueError: lint rule name a-rule is used by L900 and L901
        """
        by_code: dict[str, Rule] = {}
        by_name: dict[str, Rule] = {}
        for entry in rules:
            if entry.code in by_code:
                raise ValueError(f"lint code {entry.code} is listed twice ({by_code[entry.code].name}, {entry.name})")
            if entry.name in by_name:
                raise ValueError(f"lint rule name {entry.name} is used by {by_name[entry.name].code} and {entry.code}")
            by_code[entry.code] = by_name[entry.name] = entry
        ordered = tuple(sorted(by_code.values(), key=lambda r: r.code))
        return cls(ordered, MappingProxyType(by_code), MappingProxyType(by_name))

    def find(self, key: str) -> Optional[Rule]:
        """A rule by code (`L001`, any case) or name (`tier-gap`), else None."""
        return self.by_code.get(key.strip().upper()) or self.by_name.get(key.strip().lower())

    def codes(self) -> tuple[Code, ...]:
        """The rules as entries of the table of diagnostic codes."""
        return tuple(r.diagnostic_code for r in self.rules)

    def __contains__(self, code: object) -> bool:
        return code in self.by_code

    def __getitem__(self, code: str) -> Rule:
        return self.by_code[code]

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)
