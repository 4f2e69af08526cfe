"""The index of diagnostic and lint codes (rules/index.md), read from the catalogue.

Every code the tool can report (dsl/lint/catalogue.py: the checker's, the data
readers', evaluation's, tests' and the lint rules') is a row linking to its page
under docs/rules/; tests/test_lint_plans.py fails when a page is missing.

>>> page = rules_page()
>>> "| [E001](E001-syntax-error.md) | syntax-error | error |" in page
True
"""
from __future__ import annotations

from dsl.lint.report import catalogue

GROUPS = {"check": "parsing and checking", "data": "reading data", "run": "evaluation", "test": "plan tests", "lint": "lint rules"}


def rules_page() -> str:
    lines = [
        "# Diagnostic and lint codes\n",
        "Every code `plan` reports, with its default severity. E codes come from parsing and "
        "checking, D from reading data, R from evaluation, T from plan tests, L from the linter "
        "(only L codes can be configured or suppressed: see [Lint](../lint.md)). "
        "This table is generated from the tool's catalogue when the site is built.\n",
        "| code | name | severity | reported by | what it means |",
        "|---|---|---|---|---|",
    ]
    for code in catalogue():
        group = GROUPS.get(code.group, code.group)
        summary = code.summary.replace("|", "\\|")
        lines.append(f"| [{code.code}]({code.code}-{code.name}.md) | {code.name} | {code.severity} | {group} | {summary} |")
    return "\n".join(lines) + "\n"
