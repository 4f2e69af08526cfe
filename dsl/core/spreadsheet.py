"""Spreadsheet column names (A1 notation): the one conversion between a column's
letters and its number, used by the workbook reader (cell references such as
`C7`) and the workbook writer. Written here rather than imported from a
workbook library, so that reading CSV data or checking a plan loads none.
"""
from __future__ import annotations


def column_number(letters: str) -> int:
    """The 1-based number of a spreadsheet column: A → 1, Z → 26, AA → 27.

    >>> column_number("A"), column_number("z"), column_number("AA"), column_number("XFD")
    (1, 26, 27, 16384)
    >>> column_number("A1")
    Traceback (most recent call last):
    ValueError: 'A1' is not a column name
    """
    if not (1 <= len(letters) <= 3 and letters.isascii() and letters.isalpha()):
        raise ValueError(f"'{letters}' is not a column name")
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def column_letters(number: int) -> str:
    """The letters of a 1-based spreadsheet column: 1 → A, 26 → Z, 27 → AA.

    >>> column_letters(1), column_letters(26), column_letters(27), column_letters(702), column_letters(703)
    ('A', 'Z', 'AA', 'ZZ', 'AAA')
    """
    if not 1 <= number <= 18278:  # A to ZZZ, the columns a cell reference is read with
        raise ValueError(f"{number} is not a column number")
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
