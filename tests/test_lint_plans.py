"""The repository's own plans: lint-clean at --fail-on warning, and formatted.

Parametrized over whatever .plan files exist under plans/ and stdlib/ when the
tests run. A failure names the plan and every finding (or the formatting diff).
"""
from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from dsl.core.diagnostics import render
from dsl.syntax.printer import format_text
from dsl.lint import lint_file
from dsl.core.source import SourceFile

ROOT = Path(__file__).resolve().parent.parent
PLANS = sorted(p for folder in ("plans", "stdlib") for p in (ROOT / folder).rglob("*.plan"))
IDS = [str(p.relative_to(ROOT)) for p in PLANS]


@pytest.mark.parametrize("path", PLANS, ids=IDS)
def test_plan_lints_clean_at_warning(path):
    diagnostics, source = lint_file(path, None, str(path.relative_to(ROOT)))
    failing = [d for d in diagnostics if d.severity in ("error", "warning")]
    assert not failing, "\n" + "\n".join(render(d, {source.name: source}) for d in failing)


@pytest.mark.parametrize("path", PLANS, ids=IDS)
def test_plan_is_formatted(path):
    text = path.read_text(encoding="utf-8")
    formatted, diagnostics = format_text(text, str(path))
    assert formatted is not None, diagnostics
    diff = "".join(difflib.unified_diff(text.splitlines(True), formatted.splitlines(True), str(path), "formatted"))
    assert formatted == text, f"run `plan fmt {path.relative_to(ROOT)}`:\n{diff}"


def test_rule_pages_exist_for_every_code():
    from dsl.lint.report import catalogue, doc_page

    missing = [doc_page(c.code) for c in catalogue() if not (ROOT / doc_page(c.code)).is_file()]
    assert not missing, f"no docs page for: {missing}"


def test_mkdocs_nav_lists_every_rule_page():
    from dsl.lint.report import catalogue, doc_page

    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert "lint.md" in nav
    for code in catalogue():
        assert doc_page(code.code).removeprefix("docs/") in nav
