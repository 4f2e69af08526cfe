"""Source text and positions.

A `Span` is where a construct stands in a plan file: 1-based line and column of
its first and last character, plus character offsets. Spans are carried by every
AST and IR node but never take part in node equality, so two plans that differ
only in layout compare equal.

`display_width` measures text the way a terminal draws it (CJK characters take
two cells), so carets line up under Chinese identifiers.
"""
from __future__ import annotations

import bisect
import unicodedata

import attrs


@attrs.frozen
class Span:
    file: str
    line: int
    column: int
    end_line: int
    end_column: int
    start: int = 0
    end: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def to_json(self) -> dict:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
        }


NO_SPAN = Span("<builtin>", 0, 0, 0, 0)


def span_field():
    """An attrs field for spans: optional, and excluded from eq/hash."""
    return attrs.field(default=NO_SPAN, eq=False, repr=False)


def display_width(text: str) -> int:
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def _line_starts(text: str) -> tuple[int, ...]:
    """The offset at which each line begins (after each LF), for position lookups."""
    starts = [0]
    at = text.find("\n")
    while at != -1:
        starts.append(at + 1)
        at = text.find("\n", at + 1)
    return tuple(starts)


@attrs.frozen
class SourceFile:
    r"""A plan's text with its name; answers line lookups for rendering.

    Offsets become lines and columns through an index of line starts built once,
    so placing every node and comment of a long plan costs no rescan of its text.

    >>> SourceFile("p.plan", "ab\ncd").position(4)
    (2, 2)
    """

    name: str
    text: str
    line_starts: tuple[int, ...] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "line_starts", _line_starts(self.text))

    def line_text(self, line: int) -> str:
        lines = self.text.splitlines()
        if 1 <= line <= len(lines):
            return lines[line - 1]
        return ""

    def slice(self, span: Span) -> str:
        return self.text[span.start : span.end]

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1] + 1

    def span(self, start: int, end: int) -> Span:
        line, column = self.position(start)
        end_line, end_column = self.position(max(start, end - 1))
        return Span(self.name, line, column, end_line, end_column, start, end)
