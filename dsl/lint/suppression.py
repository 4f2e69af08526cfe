"""Inline suppressions: `# plan: ignore[tier-gap, L009] reason…`.

A suppression names rules by code or name. Written at the end of a line it
covers the findings on that line; written on a line of its own it covers the
next line of plan text. It must give a reason (else `suppression-without-reason`),
and one that suppresses nothing is itself reported (`unused-suppression`), so
stale suppressions do not pile up. Only lint findings can be suppressed: a
checker error means the plan does not work.

Which keys name which rules is the catalogue's to say: `apply_suppressions`
takes it as an argument. The two codes of this module are `WITHOUT_REASON`
(L020) and `UNUSED` (L021), listed in the catalogue with the rules.
"""
from __future__ import annotations

import re
from typing import Optional

import attrs

from dsl.syntax import ast
from dsl.core.diagnostics import Diagnostic
from dsl.core.source import SourceFile, Span
from dsl.lint.registry import WARNING, Catalogue, Finding, declare

WITHOUT_REASON = declare("L020", "suppression-without-reason", WARNING, "A `# plan: ignore[...]` comment does not say why the finding is accepted.", __name__)
UNUSED = declare("L021", "unused-suppression", WARNING, "A `# plan: ignore[...]` comment suppresses no finding.", __name__)

_PATTERN = re.compile(r"^#\s*plan\s*:\s*ignore\b\s*(?:\[(?P<keys>[^\]]*)\])?(?P<reason>.*)$", re.IGNORECASE)


@attrs.frozen
class Suppression:
    span: Span  # the comment
    target: int  # the line whose findings it covers
    keys: tuple[str, ...]  # as written
    reason: str


def comment_span(comment: ast.Comment, source: SourceFile) -> Span:
    """Where a comment stands: it runs to the end of its line."""
    text = comment.text.rstrip("\r\n")
    line_text = source.line_text(comment.line)
    column = len(line_text) - len(text) + 1 if line_text.endswith(text) else max(1, line_text.find("#") + 1)
    lines = source.text.split("\n")
    start = sum(len(l) + 1 for l in lines[: comment.line - 1]) + column - 1
    return Span(source.name, comment.line, column, comment.line, column + max(len(text), 1) - 1, start, start + len(text))


def _next_code_line(line: int, comment_lines: set[int], source: SourceFile) -> int:
    total = source.text.count("\n") + 1
    candidate = line + 1
    while candidate <= total and (candidate in comment_lines or not source.line_text(candidate).strip()):
        candidate += 1
    return candidate


def find_suppressions(plan_file: ast.PlanFile, source: SourceFile) -> list[Suppression]:
    own_lines = {c.line for c in plan_file.comments if c.own_line}
    found = []
    for comment in plan_file.comments:
        match = _PATTERN.match(comment.text.strip())
        if not match:
            continue
        keys = tuple(k.strip() for k in (match["keys"] or "").split(",") if k.strip())
        reason = match["reason"].strip(" \t:-—–")
        target = _next_code_line(comment.line, own_lines, source) if comment.own_line else comment.line
        found.append(Suppression(comment_span(comment, source), target, keys, reason))
    return found


def apply_suppressions(
    diagnostics: list[Diagnostic], suppressions: list[Suppression], enabled: set[str], catalogue: Catalogue,
    suppressed: Optional[list[tuple[Diagnostic, str]]] = None,
) -> tuple[list[Diagnostic], list[tuple[str, Finding]]]:
    """Drop suppressed lint findings. Returns (kept, [(code, finding)] about the suppressions).

    `enabled`: the codes of the rules that ran; `catalogue`: the rules keys may name;
    `suppressed`, when given, receives each dropped finding with the suppression's reason
    (SARIF reports them as suppressed results rather than leaving them out).
    """
    used: set[tuple[int, str]] = set()
    kept = []
    for diag in diagnostics:
        line = diag.span.line if diag.span else None
        hit = None
        if diag.code in catalogue and line is not None:
            for index, sup in enumerate(suppressions):
                if sup.target != line:
                    continue
                for key in sup.keys:
                    found = catalogue.find(key)
                    if found is not None and found.code == diag.code:
                        hit = (index, key)
                        break
                if hit:
                    break
        if hit:
            used.add(hit)
            if suppressed is not None:
                suppressed.append((diag, suppressions[hit[0]].reason))
        else:
            kept.append(diag)
    findings: list[tuple[str, Finding]] = []
    for index, sup in enumerate(suppressions):
        if not sup.reason:
            findings.append((WITHOUT_REASON.code, Finding(
                "this suppression does not say why the finding is acceptable",
                sup.span,
                hint="add the reason after the brackets: # plan: ignore[tier-gap] the gap is paid by the fallback line",
            )))
        if not sup.keys:
            findings.append((UNUSED.code, Finding(
                "this suppression names no rule, so it suppresses nothing",
                sup.span,
                hint="name the rule by code or name: # plan: ignore[tier-gap] reason",
            )))
        for key in sup.keys:
            if (index, key) in used:
                continue
            found = catalogue.find(key)
            if found is None:
                findings.append((UNUSED.code, Finding(f"'{key}' is not a lint rule, so this suppresses nothing", sup.span)))
            elif found.code in enabled:
                findings.append((UNUSED.code, Finding(
                    f"no {found.code} {found.name} finding on line {sup.target} to suppress",
                    sup.span,
                    hint="remove the stale suppression",
                )))
    return kept, findings
