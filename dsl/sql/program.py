"""Straight-line SQL: values built as sqlglot expressions, computed in layers of SELECTs.

Two things live here, and nothing about plans:

- `X`, one value in SQL while it is being built: either a Python constant
  (operations on constants fold while building, so a plan's literals never
  reach the SQL as arithmetic) or a sqlglot expression. Operators build new
  values; `X.sql()` gives a fresh sqlglot node each time it is called, so one
  value may appear in several expressions without sharing a node.
- `Block`, a sequence of named bindings over one relation. The numeric kernels
  and the lowering write every intermediate result that is read more than once
  as a binding (`block.bind(x)` → a column). A binding reads only columns, so
  no expression is ever copied into another: the SQL grows with the number of
  operations, not exponentially with their nesting. `Block.ctes` places the
  bindings in layers by depth (a binding sits one layer above the deepest
  binding it reads), one SELECT per layer over the layer below, each carrying
  only the columns read above it.

DuckDB evaluates a CASE branch only for the rows that take it, which the
kernels rely on to keep slow or overflowing operations off the rows that do
not need them (dsl/sql/numeric.py says where).
"""
from __future__ import annotations

import datetime
import itertools
from collections import Counter
from typing import Iterable, Optional, Sequence

from sqlglot import exp

HUGEINT = exp.DataType.build("HUGEINT", dialect="duckdb")
DOUBLE = exp.DataType.build("DOUBLE", dialect="duckdb")
VARCHAR = exp.DataType.build("VARCHAR", dialect="duckdb")
INTEGER = exp.DataType.build("INTEGER", dialect="duckdb")
BIGINT = exp.DataType.build("BIGINT", dialect="duckdb")
DATE = exp.DataType.build("DATE", dialect="duckdb")

_ATOMS = (exp.Column, exp.Literal, exp.Null, exp.Boolean, exp.Paren, exp.Func, exp.Cast, exp.Case, exp.Bracket)
_HUGE = 2**127


def _paren(node: exp.Expression) -> exp.Expression:
    """`node` as an operand: parenthesized unless it is a column, a literal, a call, a CASE or a cast."""
    if isinstance(node, exp.Paren):
        return node
    if isinstance(node, (exp.Binary, exp.Connector, exp.Unary)) or not isinstance(node, _ATOMS):
        return exp.Paren(this=node)
    return node


def _literal(value) -> exp.Expression:
    if value is None:
        return exp.null()
    if isinstance(value, bool):
        return exp.true() if value else exp.false()
    if isinstance(value, int):
        if not -_HUGE <= value < _HUGE:
            raise OverflowError(f"{value} does not fit a HUGEINT")
        node = exp.Literal.number(abs(value))
        if abs(value) >= 2**63:  # typed explicitly: DuckDB would read a wider literal as HUGEINT anyway, and so would Spark's DECIMAL(38)
            node = exp.cast(node, HUGEINT)
        return exp.Neg(this=node) if value < 0 else node
    if isinstance(value, float):
        return exp.cast(exp.Literal.number(repr(value)), DOUBLE)
    if isinstance(value, str):
        return exp.Literal.string(value)
    if isinstance(value, datetime.date):
        return exp.cast(exp.Literal.string(value.isoformat()), DATE)
    raise TypeError(f"no SQL literal for {value!r}")


def column(name: str) -> exp.Column:
    """A bare column reference (what exp.column builds, without its parsing of the name)."""
    return exp.Column(this=exp.Identifier(this=name, quoted=False))


def _trunc_div(a: int, b: int) -> int:
    """Integer division as DuckDB's `//` does it: toward zero."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _trunc_mod(a: int, b: int) -> int:
    return a - b * _trunc_div(a, b)


class X:
    """A value being built: a folded Python constant, or a sqlglot expression.

    >>> (X(2) * X(3) + X(1)).const
    7
    >>> (X.col("c") * X(10) + X(1)).sql().sql("duckdb")
    '(c * 10) + 1'
    >>> X.case(X(True), X.col("a"), X.col("b")).sql().sql("duckdb")
    'a'
    """

    __slots__ = ("const", "node")

    def __init__(self, value=None, node: Optional[exp.Expression] = None):
        self.const = value
        self.node = node

    @staticmethod
    def col(name: str) -> "X":
        return X(node=column(name))

    @staticmethod
    def of(value) -> "X":
        return value if isinstance(value, X) else X(value)

    @property
    def is_const(self) -> bool:
        return self.node is None

    @property
    def column(self) -> Optional[str]:
        """The column's name when this value is a bare column."""
        return self.node.name if isinstance(self.node, exp.Column) else None

    def sql(self) -> exp.Expression:
        """A sqlglot node for this value that no other tree holds: the value's own node the
        first time (most values are used once), a copy once that node belongs to a tree."""
        if self.node is None:
            return _literal(self.const)
        return self.node.copy() if self.node.parent is not None else self.node

    def __repr__(self) -> str:
        return f"X({self.const!r})" if self.node is None else f"X<{self.node.sql('duckdb')}>"

    # ---- arithmetic (integers; DuckDB's // and % truncate toward zero, and so does the folding)
    def _binary(self, other, kind, fold):
        other = X.of(other)
        if self.is_const and other.is_const and fold is not None:
            return X(fold(self.const, other.const))
        return X(node=kind(this=_paren(self.sql()), expression=_paren(other.sql())))

    def __add__(self, other):
        other = X.of(other)
        if other.is_const and other.const == 0:
            return self
        if self.is_const and self.const == 0:
            return other
        return self._binary(other, exp.Add, lambda a, b: a + b)

    def __sub__(self, other):
        other = X.of(other)
        if other.is_const and other.const == 0:
            return self
        return self._binary(other, exp.Sub, lambda a, b: a - b)

    def __mul__(self, other):
        other = X.of(other)
        if other.is_const and other.const == 1:
            return self
        if self.is_const and self.const == 1:
            return other
        return self._binary(other, exp.Mul, lambda a, b: a * b)

    def __floordiv__(self, other):
        other = X.of(other)
        if other.is_const and other.const == 1:
            return self
        return self._binary(other, exp.IntDiv, _trunc_div)

    def __mod__(self, other):
        other = X.of(other)
        if other.is_const and other.const == 1:
            return X(0)
        return self._binary(other, exp.Mod, _trunc_mod)

    def __truediv__(self, other):
        """Division of DOUBLEs."""
        return self._binary(other, exp.Div, lambda a, b: a / b)

    def __neg__(self):
        if self.is_const:
            return X(-self.const)
        return X(node=exp.Neg(this=_paren(self.sql())))

    def shr(self, bits: int) -> "X":
        """Arithmetic right shift (floor division by 2^bits)."""
        return self._binary(X(bits), exp.BitwiseRightShift, lambda a, b: a >> b)

    def bits(self, mask: int) -> "X":
        """Bitwise and with a nonnegative mask (the low bits, as a nonnegative number)."""
        return self._binary(X(mask), exp.BitwiseAnd, lambda a, b: a & b)

    # ---- comparisons and logic
    def __lt__(self, other):
        return self._binary(other, exp.LT, lambda a, b: a < b)

    def __le__(self, other):
        return self._binary(other, exp.LTE, lambda a, b: a <= b)

    def __gt__(self, other):
        return self._binary(other, exp.GT, lambda a, b: a > b)

    def __ge__(self, other):
        return self._binary(other, exp.GTE, lambda a, b: a >= b)

    def eq(self, other) -> "X":
        return self._binary(other, exp.EQ, lambda a, b: a == b)

    def ne(self, other) -> "X":
        return self._binary(other, exp.NEQ, lambda a, b: a != b)

    def __and__(self, other):
        other = X.of(other)
        if (self.is_const and self.const is False) or (other.is_const and other.const is False):
            return X(False)
        if self.is_const and self.const is True:
            return other
        if other.is_const and other.const is True:
            return self
        return X(node=exp.And(this=_paren(self.sql()), expression=_paren(other.sql())))

    def __or__(self, other):
        other = X.of(other)
        if (self.is_const and self.const is True) or (other.is_const and other.const is True):
            return X(True)
        if self.is_const and self.const is False:
            return other
        if other.is_const and other.const is False:
            return self
        return X(node=exp.Or(this=_paren(self.sql()), expression=_paren(other.sql())))

    def __invert__(self):
        if self.is_const:
            return X(None) if self.const is None else X(not self.const)
        return X(node=exp.Not(this=_paren(self.sql())))

    def is_null(self) -> "X":
        if self.is_const:
            return X(self.const is None)
        return X(node=exp.Is(this=_paren(self.sql()), expression=exp.null()))

    def not_null(self) -> "X":
        return ~self.is_null()

    # ---- conversions and functions
    def cast(self, to: exp.DataType) -> "X":
        if self.is_const:
            return self
        return X(node=exp.cast(self.sql(), to))

    def double(self) -> "X":
        """The value as a DOUBLE, for magnitude estimates only (whether a HUGEINT product fits), never for a
        value: a constant is written as its exact decimal text and cast in SQL, with no Python float."""
        if self.is_const:
            return X(node=exp.cast(exp.Literal.number(str(self.const)), DOUBLE))
        return X(node=exp.cast(self.sql(), DOUBLE))

    def huge(self) -> "X":
        if self.is_const:
            return self
        return X(node=exp.cast(self.sql(), HUGEINT))

    def abs(self) -> "X":
        if self.is_const:
            return X(abs(self.const))
        return X(node=exp.Abs(this=self.sql()))

    @staticmethod
    def case(condition, then, otherwise=None) -> "X":
        """CASE WHEN condition THEN then ELSE otherwise END (otherwise None: NULL)."""
        condition, then, otherwise = X.of(condition), X.of(then), X.of(otherwise)
        if condition.is_const:
            return then if condition.const else otherwise
        if then.is_const and otherwise.is_const and then.const == otherwise.const and type(then.const) is type(otherwise.const):
            return then
        return X(node=exp.Case(ifs=[exp.If(this=condition.sql(), true=then.sql())], default=otherwise.sql()))

    @staticmethod
    def cases(branches: Sequence[tuple], otherwise=None) -> "X":
        """CASE WHEN c1 THEN v1 WHEN c2 THEN v2 … ELSE otherwise END, constant conditions folded."""
        ifs = []
        for condition, value in branches:
            condition, value = X.of(condition), X.of(value)
            if condition.is_const:
                if condition.const:
                    otherwise = value
                    break
                continue
            ifs.append((condition, value))
        otherwise = X.of(otherwise)
        if not ifs:
            return otherwise
        return X(node=exp.Case(ifs=[exp.If(this=c.sql(), true=v.sql()) for c, v in ifs], default=otherwise.sql()))

    @staticmethod
    def least(a, b) -> "X":
        """The smaller of a and b; NULL if either is (unlike SQL's LEAST, which skips a NULL)."""
        a, b = X.of(a), X.of(b)
        if a.is_const and b.is_const:
            return X(min(a.const, b.const))
        return X.cases([(a <= b, a), (a > b, b)])

    @staticmethod
    def greatest(a, b) -> "X":
        """The larger of a and b; NULL if either is."""
        a, b = X.of(a), X.of(b)
        if a.is_const and b.is_const:
            return X(max(a.const, b.const))
        return X.cases([(a >= b, a), (a < b, b)])

    @staticmethod
    def coalesce(*values) -> "X":
        """The first non-NULL of `values` (constants NULL dropped; a non-NULL constant ends the list)."""
        kept = []
        for value in values:
            value = X.of(value)
            if value.is_const:
                if value.const is None:
                    continue
                kept.append(value)
                break
            kept.append(value)
        if not kept:
            return X(None)
        if len(kept) == 1:
            return kept[0]
        return X(node=exp.Coalesce(this=kept[0].sql(), expressions=[v.sql() for v in kept[1:]]))

    @staticmethod
    def func(name: str, *args) -> "X":
        return X(node=exp.Anonymous(this=name, expressions=[X.of(a).sql() for a in args]))

    @staticmethod
    def concat(*parts) -> "X":
        """Text joined (the parts are cast to text; none may be NULL)."""
        nodes = []
        for part in parts:
            part = X.of(part)
            if part.is_const:
                nodes.append(exp.Literal.string(str(part.const)))
            else:
                nodes.append(exp.cast(part.sql(), VARCHAR))
        return X(node=exp.func("CONCAT", *nodes))


_names = itertools.count()


def fresh(hint: str) -> str:
    """A column or relation name no other one in this process has."""
    return f"{hint}_{next(_names)}"


class Block:
    """Named bindings over one relation (`source`, a name), rendered as layers of SELECTs.

    `columns` are the source's columns that bindings may read. Bindings read
    source columns and earlier bindings only.
    """

    def __init__(self, name: str, source: str, columns: Iterable[str] = ()):
        self.name = name
        self.source = source
        self.columns = set(columns)
        self.bindings: dict[str, tuple[exp.Expression, int, frozenset]] = {}  # name -> (expression, depth, columns read)
        self.counts: dict[str, Counter] = {}  # name -> how many times its expression reads each column

    def bind(self, value, hint: str = "t", force: bool = False) -> X:
        """`value` computed once as a column of this block; constants and bare columns are returned
        as they are, unless `force` (an output that must be a column of its own)."""
        value = X.of(value)
        if (value.is_const or value.column is not None) and not force:
            return value
        node = value.sql()
        counts = Counter(c.name for c in node.find_all(exp.Column))
        reads = frozenset(counts)
        depth = 1 + max((self.bindings[r][1] for r in reads if r in self.bindings), default=0)
        name = fresh(hint)
        self.bindings[name] = (node, depth, reads)
        self.counts[name] = counts
        return X.col(name)

    def defines(self, name: str) -> bool:
        return name in self.bindings or name in self.columns

    def reads(self, names: Iterable[str]) -> set[str]:
        """The source columns that computing `names` (bindings or source columns of this block) reads."""
        needed, stack, seen = set(), list(names), set()
        while stack:
            name = stack.pop()
            if name in seen:
                continue
            seen.add(name)
            if name in self.bindings:
                stack.extend(self.bindings[name][2])
            elif name in self.columns:
                needed.add(name)
        return needed

    def _resolved(self, outputs: list[str]) -> dict[str, tuple[exp.Expression, frozenset]]:
        """The bindings `outputs` need, each read only once folded into its reader.

        A binding read in one place only needs no column of its own: its
        expression moves into the reader's (inside the reader's CASE, if that is
        where it is read, so it is evaluated on no more rows than before). Folding
        stops at a small height, so no expression grows deep.
        """
        used: set[str] = set()
        stack = list(outputs)
        while stack:
            name = stack.pop()
            if name in used:
                continue
            used.add(name)
            if name in self.bindings:
                stack.extend(self.bindings[name][2])
        occurrences: Counter = Counter({name: 2 for name in outputs})  # an output is always a column
        for name in used:
            if name in self.bindings:
                occurrences.update(self.counts[name])
        resolved: dict[str, tuple[exp.Expression, frozenset]] = {}
        height: dict[str, int] = {}
        folded: set[str] = set()
        for name, (node, _, reads) in self.bindings.items():  # in the order bound: readers after what they read
            if name not in used:
                continue
            inline = {r for r in reads if r in resolved and occurrences.get(r) == 1 and height[r] < 6}
            if inline:
                def substitute(n, inline=inline):
                    if isinstance(n, exp.Column) and n.name in inline:
                        return _paren(resolved[n.name][0])  # read once: the node itself moves here
                    return n
                node = node.transform(substitute, copy=False)
                reads = (reads - inline).union(*(resolved[r][1] for r in inline))
                folded |= inline
            resolved[name] = (node, frozenset(reads))
            height[name] = 1 + max((height[r] for r in inline), default=0)
        return {name: value for name, value in resolved.items() if name not in folded}

    def ctes(self, outputs: Iterable[str]) -> list[tuple[str, exp.Select]]:
        """The layers computing `outputs` (binding or source column names), the last one named `self.name`.

        The bindings' nodes move into the layers: a block is rendered once."""
        outputs = [o for o in dict.fromkeys(outputs)]
        bindings = self._resolved(outputs)
        depth: dict[str, int] = {}
        for name, (_, reads) in bindings.items():
            depth[name] = 1 + max((depth[r] for r in reads if r in depth), default=0)
        by_depth: dict[int, list[str]] = {}
        for name in bindings:
            by_depth.setdefault(depth[name], []).append(name)
        depths = sorted(by_depth)
        # last_read[name]: the deepest layer that reads it (outputs are read after the last layer)
        final = (depths[-1] if depths else 0) + 1
        last_read: dict[str, int] = {name: final for name in outputs}
        for name, (_, reads) in bindings.items():
            for read in reads:
                last_read[read] = max(last_read.get(read, 0), depth[name])
        layers = []
        below, available = self.source, [c for c in sorted(self.columns) if c in last_read]
        for index, level in enumerate(depths):
            name = self.name if index == len(depths) - 1 else fresh(f"{self.name}_l")
            carried = [c for c in available if last_read.get(c, 0) > level]
            new = by_depth[level]
            select = exp.select(*[column(c) for c in carried],
                                *[exp.alias_(bindings[n][0], n, copy=False) for n in new], copy=False).from_(exp.to_table(below), copy=False)
            layers.append((name, select))
            below = name
            available = carried + [n for n in new if last_read.get(n, 0) > level]
        if not layers:
            select = exp.select(*[exp.column(c) for c in available if c in last_read] or [exp.Literal.number(1)]).from_(exp.to_table(self.source), copy=False)
            layers.append((self.name, select))
        return layers
