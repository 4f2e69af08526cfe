"""Tier tables: checking a declaration's bands and values, and which bands share values.

A tier table is checked on its own, apart from the rest of the plan: its bounds
must be of one kind (money of one currency — a bare 0 beside them is fine — or
numbers/percents), its values of one type (or lookup records naming the same
values), its mode must fit its values (`marginal` and `whole` multiply, so they
need rates or per-unit amounts; a marginal table needs a finite lowest bound and
no `else` row), and no two bands may share a value (E109: the rate there would
be ambiguous). The evaluator and the linter take the resulting `ir.TierTable`.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Callable, Optional

from dsl.syntax import ast
from dsl import ir
from dsl.core.diagnostics import BAD_TIERS, DUPLICATE, TIER_OVERLAP
from dsl.check.expressions import const_value, describe
from dsl.core.source import SourceFile, Span
from dsl.core.types import ERROR, NUMBER, PERCENT, TEXT, RecordType, Type, is_money, is_numeric, is_textual
from dsl.core.display import format_number
from dsl.ir.analysis.intervals import Interval, low_key, shared as shared_values


class TierTableChecker:
    """Checks one `tiers` declaration; reports through `error(code, message, span, **kw)`."""

    def __init__(self, error: Callable, source: SourceFile, currency: str):
        self.error = error
        self.source = source
        self.currency = currency

    def tier_value(self, node, span) -> tuple[object, Type]:
        if isinstance(node, ast.RecordValue):
            values, types = {}, []
            for name, value_node in node.fields:
                if name in values:
                    self.error(DUPLICATE, f"'{name}' appears twice in this band", value_node.span)
                    continue
                value, value_type = const_value(value_node, self.currency)
                values[name] = value
                types.append((name, value_type))
            return values, RecordType(tuple(types))
        return const_value(node, self.currency)

    def check(self, decl: ast.TiersDecl) -> ir.TierTable:
        mode = decl.mode or "lookup"
        bands: list[ir.Band] = []
        categories: list[tuple[str, object, Span]] = []
        default, has_default = None, False
        key_types: list[tuple[Type, Span]] = []
        value_types: list[tuple[Type, Span]] = []
        broken = False
        for row in decl.rows:
            value, value_type = self.tier_value(row.value, row.span)
            value_types.append((value_type, row.value.span))
            if isinstance(row, ast.BandRow):
                band = row.band
                low = high = None
                for bound in (band.low, band.high):
                    if bound is not None:
                        bound_value, bound_type = const_value(bound, self.currency)
                        if not (is_money(bound_type) or is_numeric(bound_type)):
                            self.error(BAD_TIERS, f"a band bound must be an amount, number or percent, got {describe(bound_type)}", bound.span)
                            broken = True
                            continue
                        key_types.append((bound_type, bound.span))
                low = const_value(band.low, self.currency)[0] if band.low is not None else None
                high = const_value(band.high, self.currency)[0] if band.high is not None else None
                if low is not None and high is not None and isinstance(low, Decimal) and isinstance(high, Decimal):
                    if high < low or (high == low and not (band.low_closed and band.high_closed)):
                        self.error(BAD_TIERS, f"band {self.source.slice(band.span)} is empty: its upper bound is not above its lower bound", band.span)
                        broken = True
                bands.append(ir.Band(low, high, band.low_closed, band.high_closed, value, band.stated, row.span, self.source.slice(band.span)))
            elif isinstance(row, ast.CategoryRow):
                if any(key == row.key for key, _, _ in categories):
                    self.error(DUPLICATE, f"category '{row.key}' appears twice in '{decl.name}'", row.span)
                categories.append((row.key, value, row.span))
            else:
                if has_default:
                    self.error(DUPLICATE, f"'{decl.name}' has two 'else' rows", row.span)
                default, has_default = value, True
        if not decl.rows:
            self.error(BAD_TIERS, f"tier table '{decl.name}' has no rows", decl.span)
            broken = True
        if bands and categories:
            self.error(BAD_TIERS, f"tier table '{decl.name}' mixes bands and categories", decl.span)
            broken = True
        if has_default and mode == "marginal":
            self.error(BAD_TIERS, "a marginal table pays each band on the part of the amount inside it, so an 'else' row has no part to pay on; give a last band like [300万, ..) instead", decl.span)
            broken = True
        if categories and mode != "lookup":
            self.error(BAD_TIERS, f"a table keyed by category returns values: write 'tiers {decl.name} lookup'", decl.span)
            broken = True
        key_type = self.common_type(key_types, decl, "bounds") if bands else TEXT
        value_type = self.common_type(value_types, decl, "values")
        if key_type == ERROR or value_type == ERROR:
            broken = True
        if not broken and mode in ("marginal", "whole"):
            broken = not self.check_rate_table(decl, mode, key_type, value_type, bands)
        if not broken and bands:
            self.check_overlaps(decl, bands)
        return ir.TierTable(
            decl.name,
            mode,
            decl.mode is not None,
            ERROR if broken else key_type,
            value_type,
            tuple(bands),
            tuple(categories),
            default,
            has_default,
            decl.span,
        )

    def common_type(self, types: list[tuple[Type, Span]], decl, what: str) -> Type:
        """The one type of a table's bounds or values, or ERROR after reporting the mix.

        Money needs one currency (a bare 0 may stand beside it); numbers and percents
        mix freely (0 beside 2% is a percent); lookup records must name the same
        values, and each named value gets its own common type.
        """
        if not types:
            return ERROR
        kinds = [t for t, _ in types]

        def mixed(a: Type, b: Type, span: Span) -> Type:
            self.error(BAD_TIERS, f"the {what} of '{decl.name}' mix {describe(a)} and {describe(b)}", span)
            return ERROR

        money = [t for t in kinds if is_money(t)]
        if money:
            for t, span in types:
                if is_money(t) and t != money[0]:
                    self.error(BAD_TIERS, f"the {what} of '{decl.name}' mix {money[0].currency} and {t.currency}", span)
                    return ERROR
                if not is_money(t) and not (is_numeric(t) and self.is_zero(span)):
                    return mixed(money[0], t, span)
            return money[0]
        if all(is_numeric(t) for t in kinds):
            distinct = set(kinds)
            if len(distinct) == 1:
                return kinds[0]
            return PERCENT if PERCENT in distinct else NUMBER
        if all(isinstance(t, RecordType) for t in kinds):
            names = [n for n, _ in kinds[0].fields]
            for t, span in types:
                if [n for n, _ in t.fields] != names:
                    self.error(BAD_TIERS, f"every band of '{decl.name}' must name the same values ({', '.join(names)})", span)
                    return ERROR
            merged = [(n, self.common_type([(t.field(n), span) for t, span in types], decl, f"values named '{n}'")) for n in names]
            return ERROR if any(t == ERROR for _, t in merged) else RecordType(tuple(merged))
        for t, span in types[1:]:
            if t != kinds[0] and not (is_textual(t) and is_textual(kinds[0])):
                return mixed(kinds[0], t, span)
        return kinds[0]

    def is_zero(self, span: Span) -> bool:
        text = self.source.slice(span).strip()
        return text.lstrip("-").replace(".", "").strip("0") == "" and text != ""

    def check_rate_table(self, decl, mode, key_type, value_type, bands) -> bool:
        if not bands:
            self.error(BAD_TIERS, f"a {mode} table needs bands like [0, 50万) -> 2%", decl.span)
            return False
        if isinstance(value_type, RecordType) or not (is_numeric(value_type) or (is_money(value_type) and not is_money(key_type))):
            self.error(BAD_TIERS, f"a {mode} table multiplies by its band's value, so values must be rates (or amounts per unit), not {describe(value_type)}", decl.span, hint="use 'lookup' to return other values")
            return False
        if mode == "marginal":
            first = min(bands, key=lambda b: (b.low is not None, b.low if b.low is not None else 0))
            if first.low is None:
                self.error(BAD_TIERS, "a marginal table needs a finite lowest bound (usually 0): each band pays on the part of the amount inside it", first.span)
                return False
        return True

    def check_overlaps(self, decl, bands: list[ir.Band]) -> None:
        """Every pair of bands that share a value. Bands are taken from the lowest up, and
        each is compared only with the bands that start before it ends: once one starts
        after it, every later one does too. So a table of thousands of bands that meet
        end to end costs about one comparison per band, not one per pair."""
        ordered = sorted(((Interval.of_band(band), band) for band in bands), key=lambda pair: low_key(pair[0]))
        for i, (first, a) in enumerate(ordered):
            for j in range(i + 1, len(ordered)):
                second, b = ordered[j]
                if _starts_after(second, first):
                    break
                shared = _describe(shared_values(first, second))
                if shared:
                    self.error(
                        TIER_OVERLAP,
                        f"bands {a.text} and {b.text} of '{decl.name}' both contain {shared}",
                        b.span,
                        notes=((f"band {a.text}", a.span), (f"band {b.text}", b.span)),
                        hint="decide which band the shared value belongs to and make one bound open: ] → ) or [ → (",
                    )


def overlap(a: ir.Band, b: ir.Band) -> Optional[str]:
    """Describe the values two bands share, or None. Bounds are Decimals or None."""
    return _describe(shared_values(Interval.of_band(a), Interval.of_band(b)))


def _starts_after(later: Interval, interval: Interval) -> bool:
    """Whether `later` (no lower than `interval` in low_key order) begins past its end."""
    if later.lo is None or interval.hi is None:
        return False
    return later.lo > interval.hi or (later.lo == interval.hi and not (interval.hi_closed and later.lo_closed))


def _describe(both: Optional[Interval]) -> Optional[str]:
    if both is None:
        return None
    if both.is_point:
        return f"{_show(both.lo)}"
    return f"the values {both.bounds_text()}"


def _show(value: Decimal) -> str:
    return format_number(value)
