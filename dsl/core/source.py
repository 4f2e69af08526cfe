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
import re
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


# Every line break, one way: exactly those that str.splitlines() breaks at (LF,
# CR, CRLF as one, VT, FF, the file/group/record separators, NEL, U+2028, U+2029),
# so line numbers, the line an excerpt shows and its caret always agree. A plan
# written with old Mac CRs or pasted with U+2028 is numbered as an editor shows it.
BOM = "\ufeff"


def without_bom(text: str) -> str:
    """Plan text without the byte-order mark some editors (Notepad) put first: it is
    not part of the plan, and positions count from the character after it."""
    return text[1:] if text.startswith(BOM) else text


LINE_BREAK = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _line_starts(text: str) -> tuple[int, ...]:
    r"""The offset at which each line begins (after each line break), for position lookups.

    >>> _line_starts("a\r\nb\rc\u2028d")
    (0, 3, 5, 7)
    """
    return (0, *(match.end() for match in LINE_BREAK.finditer(text)))


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
        """The text of a 1-based line, without its line break ("" past the end)."""
        if not 1 <= line <= len(self.line_starts):
            return ""
        start = self.line_starts[line - 1]
        end = self.line_starts[line] if line < len(self.line_starts) else len(self.text)
        return LINE_BREAK.sub("", self.text[start:end], count=1) if line < len(self.line_starts) else self.text[start:end]

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
