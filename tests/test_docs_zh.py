"""The Chinese pages follow the English ones, and no plan code escapes the docs' checks.

- Each page of TRANSLATED has a `.zh.md` sibling with as many headings as the
  English page, the same ```plan blocks (same text, same markers), and no long
  English prose (a line of 12 or more ASCII words outside code and tables).
- No page of docs/ (English or Chinese) shows plan code in a plain ``` fence:
  a block that parses and reads like a plan must be a ```plan block, so the docs
  build checks it (dsl/docs_build/blocks.py).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import dsl
from dsl.docs_build.blocks import fences, plan_blocks

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

# English pages with a complete Chinese version, as docs/NAME.md and docs/NAME.zh.md
TRANSLATED = [
    "language",
    "statements",
    "diff",
    "stdlib",
    "embedding",
    "explain",
    "numeric",
    "api",
    "plans",
    "engines",
    "hardening",
    "architecture",
    "lint",
]

_PLAN_WORDS = ('plan "', "payout", "let ", "tiers ", "input ")
_INLINE_CODE = re.compile(r"`[^`]*`")
_ASCII_WORD = re.compile(r"^[A-Za-z][A-Za-z'’-]*[.,;:!?)]*$")


def prose_lines(markdown: str) -> list[str]:
    """The lines outside fenced and indented code blocks, tables and HTML comments."""
    in_code = {n for fence in fences(markdown) for n in range(fence.start, fence.end + 1)}
    kept = []
    for n, line in enumerate(markdown.splitlines()):
        stripped = line.strip()
        if n in in_code or line.startswith("    ") or stripped.startswith("|") or stripped.startswith("<!--"):
            continue
        kept.append(line)
    return kept


def headings(markdown: str) -> list[str]:
    return [line for line in prose_lines(markdown) if re.match(r"^#{1,6} ", line)]


def long_english_lines(markdown: str, words: int = 12) -> list[str]:
    """Prose lines with `words` or more ASCII words once inline code is taken out."""
    found = []
    for line in prose_lines(markdown):
        tokens = _INLINE_CODE.sub(" ", line).split()
        if sum(1 for t in tokens if _ASCII_WORD.match(t)) >= words:
            found.append(line)
    return found


def is_plan_code(body: str) -> bool:
    """Text that parses as plan code and reads like a plan (a header, a line, a let, a table, an input)."""
    if not any(word in body for word in _PLAN_WORDS):
        return False
    _, diagnostics = dsl.parse(body, "<block>")
    return not any(d.code in ("E001", "E002") for d in diagnostics)


def unchecked_plan_code(markdown: str) -> list[int]:
    """Lines of the plain ``` fences whose content is plan code."""
    return [fence.start + 1 for fence in fences(markdown) if not fence.info and is_plan_code(fence.body)]


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


# ---- the checks themselves catch what they should ------------------------------------

def test_a_plain_fence_of_plan_code_is_found_and_other_fences_are_not():
    page = (
        "```\nlet sales = sum(deals.amount)\n```\n\n"  # line 1: plan code, unchecked
        "```plan\nlet x = 1\n```\n\n"  # checked: not reported
        "```\nplan run plan.plan --period 2026-07\n```\n\n"  # a command: does not parse
        "```\nstaff,month,manager\n```\n"  # CSV
    )
    assert unchecked_plan_code(page) == [1]


def test_headings_and_long_english_lines_ignore_code_and_tables():
    page = (
        "# 标题\n\n"
        "```plan\n# not a heading\n```\n\n"
        "## 第二节\n\n"
        "| this table row has many English words in it, far more than twelve of them |\n"
        "This prose line has many English words in it, far more than twelve of them.\n"
        "中文说明 `with inline code that has many English words in it, more than twelve here`。\n"
    )
    assert headings(page) == ["# 标题", "## 第二节"]  # the `#` inside the code block is a comment
    assert long_english_lines(page) == ["This prose line has many English words in it, far more than twelve of them."]


# ---- the docs ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", TRANSLATED)
def test_a_translated_page_has_the_english_structure_and_blocks(name):
    english, chinese = _read(DOCS / f"{name}.md"), _read(DOCS / f"{name}.zh.md")
    assert len(headings(chinese)) == len(headings(english))
    assert [(b.kind, b.codes, b.text) for b in plan_blocks(chinese, f"{name}.zh.md")] == [
        (b.kind, b.codes, b.text) for b in plan_blocks(english, f"{name}.md")
    ]
    assert long_english_lines(chinese) == []


PAGES = sorted(DOCS.rglob("*.md"))


@pytest.mark.parametrize("path", PAGES, ids=[p.relative_to(DOCS).as_posix() for p in PAGES])
def test_no_page_shows_plan_code_in_a_plain_fence(path):
    assert unchecked_plan_code(_read(path)) == []
