"""The linter: rules that find plans which check but are probably wrong.

`lint(plan_file, plan, source, config, catalogue)` runs every enabled rule over a parsed
plan (and its typed IR, or None when the plan does not check: then only the
rules that need no IR run), applies inline suppressions and returns the
findings as `Diagnostic`s sorted by position. `lint_path(path, config)` reads,
parses and checks a file first, and returns the parser's and checker's
diagnostics followed by the lint findings, so one command shows everything.

Rules live one module per rule or small family under `dsl/lint/rules/`, each
rule a `Rule` value made by `@rule(...)` (registry.py). The catalogue
(catalogue.py) lists them all in one tuple; `lint` runs the rules of the
catalogue it is given, by default `CATALOGUE`. Importing this package
registers nothing anywhere:

    >>> from dsl.lint import lint_text
    >>> [d.name for d in lint_text('plan "x" { currency CNY }')]
    ['missing-rounding']
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from dsl.syntax import ast
from dsl import ir
from dsl.check.checker import check
from dsl.lint.config import Config, find_config
from dsl.core.diagnostics import Diagnostic
from dsl.syntax.parser import parse, parse_file
from dsl.core.source import SourceFile
from dsl.lint.catalogue import CATALOGUE, all_codes
from dsl.lint.registry import ERROR, NOTE, WARNING, Catalogue, Finding, LintContext, Rule, declare, rule
from dsl.lint.suppression import apply_suppressions, find_suppressions

__all__ = [
    "ERROR", "WARNING", "NOTE", "Finding", "LintContext", "Rule", "Catalogue", "CATALOGUE", "all_codes", "rule", "declare",
    "LintError", "lint", "lint_path", "lint_file", "lint_text", "lint_source",
]


class LintError(Exception):
    """A rule failed (a bug in the rule, not in the plan)."""


def _currency(plan_file: ast.PlanFile, plan: Optional[ir.Plan]) -> str:
    if plan is not None:
        return plan.currency
    header = plan_file.header()
    setting = header.setting("currency") if header else None
    return setting.values[0] if setting else "CNY"


def _sort_key(diag: Diagnostic):
    span = diag.span
    return (span.file if span else "", span.line if span else 0, span.column if span else 0, diag.code)


def lint(
    plan_file: ast.PlanFile,
    plan: Optional[ir.Plan],
    source: SourceFile,
    config: Optional[Config] = None,
    catalogue: Catalogue = CATALOGUE,
    evaluable: Optional[ir.Plan] = None,
    suppressed: Optional[list[tuple[Diagnostic, str]]] = None,
) -> list[Diagnostic]:
    """Run the enabled rules of `catalogue`; returns lint findings only (not checker diagnostics).
    `evaluable` is `plan` after the IR passes, when the caller has it (else the rules that need it apply them);
    `suppressed`, when given, receives the findings `# plan: ignore[...]` dropped, each with its reason."""
    config = config or Config()
    context = LintContext(plan_file, plan, source, _currency(plan_file, plan), evaluable)
    found: list[Diagnostic] = []
    enabled: set[str] = set()
    for entry in catalogue:
        level = config.severity_of(entry.code, entry.severity)
        if level is None:
            continue
        enabled.add(entry.code)
        if entry.check is None or (entry.needs_plan and plan is None):
            continue
        try:
            findings = list(entry.check(context))
        except Exception as exc:  # a bug in a rule: say which rule, on which file
            raise LintError(f"lint rule {entry.code} {entry.name} failed on {source.name}: {type(exc).__name__}: {exc}") from exc
        found.extend(Diagnostic(entry.code, f.message, f.span, level, f.hint, f.notes, name=entry.name) for f in findings)
    kept, about = apply_suppressions(found, find_suppressions(plan_file, source), enabled, catalogue, suppressed)
    for code, finding in about:
        entry = catalogue[code]
        level = config.severity_of(code, entry.severity)
        if level is not None:
            kept.append(Diagnostic(code, finding.message, finding.span, level, finding.hint, finding.notes, name=entry.name))
    return sorted(kept, key=_sort_key)


def _check_and_lint(plan_file: Optional[ast.PlanFile], diagnostics: list[Diagnostic], source: SourceFile,
                    config: Optional[Config]) -> list[Diagnostic]:
    """The parser's diagnostics, then the checker's, then the lint findings (with the IR only when it checks)."""
    if plan_file is None:
        return diagnostics
    model = check(plan_file, source)
    return diagnostics + list(model.diagnostics) + lint(plan_file, model.plan if model.ok else None, source, config)


def lint_source(text: str, name: str = "<plan>", config: Optional[Config] = None) -> list[Diagnostic]:
    """Parse, check and lint plan text: the parser's and checker's diagnostics, then lint findings."""
    plan_file, diagnostics = parse(text, name)
    return _check_and_lint(plan_file, diagnostics, SourceFile(name, text), config)


lint_text = lint_source


def lint_file(path: str | Path, config: Optional[Config] = None, display: Optional[str] = None) -> tuple[list[Diagnostic], SourceFile]:
    """Like lint_path, and also returns the source (for rendering carets)."""
    if config is None:
        config = find_config(path)
    plan_file, diagnostics, source = parse_file(path, display)
    return _check_and_lint(plan_file, diagnostics, source, config), source


def lint_path(path: str | Path, config: Optional[Config] = None, display: Optional[str] = None) -> list[Diagnostic]:
    """Read, parse, check and lint a file. Without `config`, the nearest configuration file applies."""
    return lint_file(path, config, display)[0]
