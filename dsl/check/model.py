"""The semantic model: what checking a plan knows, returned even when it has errors.

`SemanticModel` holds
- `plan`: the typed IR. It is always built. An expression that did not check
  stands in its place as `ir.Const(None, ERROR)` (so a broken payout line keeps
  its label, clauses and span), a declaration that could not be declared (a
  duplicate name, a computed column on an unknown table) is left out, and a plan
  test with an error is left out. Evaluate it only when `ok`;
- `symbols`: every declared name, keyed by how the plan writes it (see `Symbol.key`);
- `uses`: each resolved reference to a symbol, with its span, in source order;
- `diagnostics` and `ok` (no errors).

This is what an editor needs: hover (`symbol_at` → kind and type), go to
definition (`Symbol.span`), find references and rename (`uses_of`).
"""
from __future__ import annotations

import enum
from typing import Optional

import attrs

from dsl import ir
from dsl.core.diagnostics import Diagnostic, has_errors
from dsl.core.source import Span
from dsl.core.types import Type


class SymbolKind(enum.Enum):
    """What a declared name is."""

    INPUT = "input"
    FIELD = "field"
    LET = "let"
    COLUMN = "column"
    TIERS = "tiers"
    PAYOUT = "payout"
    FLAG = "flag"
    ACCOUNT = "account"  # a hold, clawback or draw: an account of the ledger
    POOL = "pool"  # a pool split among a team (its shares are payout lines of the members)
    TEST = "test"
    FUNCTION = "function"  # `fn name(…) -> type = …`
    MODULE = "module"  # an imported module's namespace: `import 阶梯` (or its `as` name)


@attrs.frozen
class Symbol:
    """One declared name: its kind, its name as written, its type and where it is defined.

    `span` is the span of the name in its declaration (for a line or a test, of its
    quoted label). `type` is the static type (None for an input, a tier table, a
    test; `ERROR` when its definition did not check).
    """

    kind: SymbolKind
    name: str
    type: Optional[Type]
    span: Span = attrs.field(eq=False)

    @property
    def key(self) -> str:
        """The symbol's key in `SemanticModel.symbols`: unique within a plan.

        Inputs, tier tables and `let` definitions share one namespace and are keyed
        by name; a field or computed column by `table.name`; a payout line or flag by
        its quoted label (they may repeat a definition's name); a test by `test "name"`.

        >>> from dsl.core.source import NO_SPAN
        >>> Symbol(SymbolKind.FIELD, "deals.amount", None, NO_SPAN).key
        'deals.amount'
        >>> Symbol(SymbolKind.PAYOUT, "销售额提成", None, NO_SPAN).key
        '"销售额提成"'
        >>> Symbol(SymbolKind.TEST, "甲的季度", None, NO_SPAN).key
        'test "甲的季度"'
        """
        if self.kind in (SymbolKind.PAYOUT, SymbolKind.FLAG, SymbolKind.ACCOUNT, SymbolKind.POOL):
            return f'"{self.name}"'
        if self.kind == SymbolKind.TEST:
            return f'test "{self.name}"'
        return self.name


@attrs.frozen
class Use:
    """A reference to `symbol` at `span` (a name, `table.field`, a tier call, a test's line label)."""

    symbol: Symbol
    span: Span


def _contains(span: Span, line: int, column: int) -> bool:
    if span.line <= 0:
        return False
    if (line, column) < (span.line, span.column):
        return False
    return (line, column) <= (span.end_line, span.end_column)


@attrs.frozen(eq=False)
class SemanticModel:
    """The result of checking one plan (see the module docstring).

    >>> from dsl import load
    >>> model = load('plan "x" { currency CNY }\\nlet sales = 100元\\npayout "a" = sales * 2%').model
    >>> model.ok, model.symbols["sales"].kind.value, str(model.symbols["sales"].type)
    (True, 'let', 'money(CNY)')
    """

    plan: ir.Plan
    symbols: dict[str, Symbol]
    uses: tuple[Use, ...]
    diagnostics: tuple[Diagnostic, ...]

    @property
    def ok(self) -> bool:
        """True when no diagnostic is an error: the plan may be evaluated."""
        return not has_errors(self.diagnostics)

    def symbol_at(self, line: int, column: int) -> Optional[Symbol]:
        """The symbol used or defined at a 1-based line and column, or None.

        The innermost span wins, so in `deals.amount` the column under `deals`
        names the input and the column under `amount` names the field.

        >>> from dsl import load
        >>> model = load('plan "x" { currency CNY }\\nlet sales = 100元\\npayout "a" = sales * 2%').model
        >>> model.symbol_at(3, 14).name, model.symbol_at(2, 5).kind.value, model.symbol_at(3, 20)
        ('sales', 'let', None)
        """
        best: Optional[tuple[int, Symbol]] = None
        spans = [(u.span, u.symbol) for u in self.uses] + [(s.span, s) for s in self.symbols.values()]
        for span, symbol in spans:
            if _contains(span, line, column):
                size = span.end - span.start
                if best is None or size < best[0]:
                    best = (size, symbol)
        return best[1] if best else None

    def uses_of(self, symbol: Symbol) -> tuple[Span, ...]:
        """Where a symbol is referred to, in source order (its definition not included).

        >>> from dsl import load
        >>> model = load('plan "x" { currency CNY }\\nlet sales = 100元\\npayout "a" = sales * 2% + sales').model
        >>> [(s.line, s.column) for s in model.uses_of(model.symbols["sales"])]
        [(3, 14), (3, 27)]
        """
        return tuple(u.span for u in self.uses if u.symbol.key == symbol.key and u.symbol.kind == symbol.kind)

    def symbol(self, key: str) -> Optional[Symbol]:
        """The symbol with this key (see `Symbol.key`), or None."""
        return self.symbols.get(key)
