"""The ```plan code blocks of Markdown files, and what each is meant to be.

A block is a complete plan unless an HTML comment on the line before its fence
(blank lines between are allowed) says otherwise:

    <!-- plan: fragment -->      a piece of a plan (a table, a few lines): it must
                                 parse, but names it uses may be defined elsewhere
    <!-- plan: wrong E109 -->    a deliberately wrong example: checking or linting
                                 it must report the code(s) named

A block may import the bundled modules (`import 达成`): a block stands in no
folder, so `import` finds only the standard library (dsl/stdlib), as it does
for any plan given as text.

tests/test_docs_blocks.py checks every block of README.md and docs/ this way: a
complete plan passes `plan check`, `plan lint` (no error or warning), `plan fmt
--check` and `plan test`.

>>> text = "<!-- plan: wrong E102 -->\\n\\n```plan\\npayout \\"a\\" = x\\n```\\n"
>>> [(b.kind, b.codes, b.line, b.text) for b in plan_blocks(text, "x.md")]
[('wrong', ('E102',), 3, 'payout "a" = x\\n')]
"""
from __future__ import annotations

import re
from pathlib import Path

import attrs

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,})(?P<info>[^`\n]*)$")
_MARKER = re.compile(r"^\s*<!--\s*plan:\s*(?P<kind>fragment|wrong)(?P<codes>(?:\s+[A-Z]\d{3})*)\s*-->\s*$")
KINDS = ("plan", "fragment", "wrong")


@attrs.frozen
class Block:
    file: str
    line: int  # the fence's line, 1-based
    kind: str  # plan | fragment | wrong
    codes: tuple[str, ...]  # for `wrong`: the codes it must report
    text: str

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@attrs.frozen
class Fence:
    start: int  # the opening fence's line, 0-based
    end: int  # the closing fence's line (the last line when the block is not closed)
    info: str  # the info string after the backticks, stripped
    body: str


def fences(markdown: str) -> list[Fence]:
    """Every fenced code block of a Markdown text, in order, whatever its language."""
    lines = markdown.splitlines()
    found: list[Fence] = []
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        fence, start = match.group("fence"), i
        i += 1
        body = []
        while i < len(lines) and not (lines[i].strip().startswith(fence) and set(lines[i].strip()) == {"`"}):
            body.append(lines[i][len(match.group("indent")) :])
            i += 1
        found.append(Fence(start, min(i, len(lines) - 1), match.group("info").strip(), "\n".join(body) + "\n"))
        i += 1
    return found


def plan_blocks(markdown: str, file: str) -> list[Block]:
    """Every fenced block whose language is `plan`, in order, with its marker."""
    lines = markdown.splitlines()
    blocks: list[Block] = []
    for fence in fences(markdown):
        if fence.info.split(" ")[0] != "plan":
            continue
        kind, codes = "plan", ()
        previous = fence.start - 1
        while previous >= 0 and not lines[previous].strip():
            previous -= 1
        marker = _MARKER.match(lines[previous]) if previous >= 0 else None
        if marker:
            kind, codes = marker.group("kind"), tuple(marker.group("codes").split())
        blocks.append(Block(file, fence.start + 1, kind, codes, fence.body))
    return blocks


def doc_files(root: Path) -> list[Path]:
    """README.md and every Markdown page under docs/."""
    return [root / "README.md", *sorted((root / "docs").rglob("*.md"))]


def all_blocks(root: Path) -> list[Block]:
    return [b for path in doc_files(root) for b in plan_blocks(path.read_text(encoding="utf-8"), path.relative_to(root).as_posix())]
