"""The per-team steps of pools and rankings, in SQL: the largest-remainder allocation and the ranking order.

dsl/run/pools.py splits each pool and ranks each team; it calls `allocate` and `rank_places` for the two
steps that decide the amounts and places. The DuckDB engine computes both in SQL on its connection
(`TeamSteps`), on the values its period query computed:

- allocation: a pool of W units split by weights put on one denominator D (n_i / D, adding up to 1):
  each part's floor ⌊W·n_i / D⌋ and remainder (W·n_i mod D) in HUGEINT arithmetic, the units left over
  (W − Σ floors) going one each to the first rows of ROW_NUMBER() OVER (ORDER BY remainder DESC, then the
  pool's tie order, then the part's position);
- ranking: RANK() OVER (ORDER BY measure DESC) when ties share the best rank, else ROW_NUMBER() OVER
  (ORDER BY measure DESC, tie-breaker DESC, payee id), the measures as DECIMAL(38, 18) (exact).

Both are `allocate`'s and `rank_places`'s results exactly (tests/test_sql_teams.py checks them against each
other on generated pools and rankings). What a query cannot hold exactly — a common denominator of 2^63 or
more, so that W·n_i mod D would pass 128 bits, or a measure beyond DECIMAL(38, 18) — is computed by those
functions themselves.
"""
from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from typing import Sequence

import sqlglot
from sqlglot import exp

from dsl.core.numeric import SCALE
from dsl.run.pools import Allocated, allocate, allocation_units, rank_places

_HUGEINT = exp.DataType.build("HUGEINT")
_DECIMAL = exp.DataType.build(f"DECIMAL(38, {SCALE})")
_LIMIT = Decimal(1).scaleb(38 - SCALE)  # what DECIMAL(38, 18) holds: |x| < 10^20 (exact, without the thread context)

_ALLOCATION = """
SELECT idx, fl + CASE WHEN rn <= lft THEN 1 ELSE 0 END, rn <= lft FROM (
  SELECT idx, fl, ROW_NUMBER() OVER (ORDER BY rem DESC, g, v, t, idx) AS rn, W - SUM(fl) OVER () AS lft FROM (
    SELECT idx, g, v, t, (W // D) * n + ((W % D) * n) // D AS fl, ((W % D) * n) % D AS rem FROM cells))
ORDER BY idx
"""

_RANKING = "SELECT idx, PLACE AS place FROM keys ORDER BY v DESC, t DESC, p, idx"
_SHARED = "RANK() OVER (ORDER BY v DESC)"
_BROKEN = "ROW_NUMBER() OVER (ORDER BY v DESC, t DESC, p, idx)"


class TeamSteps:
    """`allocate` and `rank_places` computed by queries on the DuckDB connection `con`."""

    def __init__(self, con):
        self.con = con

    def allocate(self, total: Decimal, weights: Sequence[Fraction], unit: Decimal, order: Sequence[tuple]) -> list[Allocated]:
        """`dsl.run.pools.allocate(total, weights, unit, order)`, in SQL. `order` holds the keys split_pool
        gives its parts: (group, payee or fund) or (group, measure, payee), compared in that order."""
        sign, whole = allocation_units(total, weights, unit)
        denominator = math.lcm(*(w.denominator for w in weights)) if weights else 1
        if denominator >= 2**63 or not all(_exact(key[1]) for key in order if len(key) == 3):
            return allocate(total, weights, unit, order)
        rows = []
        for i, (weight, key) in enumerate(zip(weights, order)):
            group, *middle, text = key
            value = _decimal(middle[0]) if middle else exp.cast(exp.null(), _DECIMAL)
            rows.append(exp.Tuple(expressions=[exp.Literal.number(i), _hugeint(weight.numerator * (denominator // weight.denominator)),
                                               exp.Literal.number(group), value, exp.Literal.string(str(text))]))
        query = sqlglot.parse_one(_ALLOCATION, read="duckdb")
        query = query.transform(lambda node: _hugeint(whole) if _named(node, "W") else _hugeint(denominator) if _named(node, "D") else node)
        found = self.con.execute(_with_values(query, "cells", ["idx", "n", "g", "v", "t"], rows).sql("duckdb")).fetchall()
        unit_fraction = Fraction(unit)
        return [Allocated(Decimal(sign * int(units)) * unit, sign * whole * weights[i] * unit_fraction, bool(bumped))
                for i, units, bumped in found]

    def rank(self, keys: Sequence[tuple], shared: bool) -> list[tuple[int, int]]:
        """`dsl.run.pools.rank_places(keys, shared)`, in SQL."""
        if not keys:
            return []
        if not all(_exact(value) and _exact(tie) for _, value, tie in keys):
            return rank_places(keys, shared)
        rows = [exp.Tuple(expressions=[exp.Literal.number(i), _decimal(value), _decimal(tie), exp.Literal.string(payee)])
                for i, (payee, value, tie) in enumerate(keys)]
        place = sqlglot.parse_one(_SHARED if shared else _BROKEN, read="duckdb")
        query = sqlglot.parse_one(_RANKING, read="duckdb").transform(lambda node: place.copy() if _named(node, "PLACE") else node)
        found = self.con.execute(_with_values(query, "keys", ["idx", "v", "t", "p"], rows).sql("duckdb")).fetchall()
        return [(int(i), int(p)) for i, p in found]


def _named(node, name: str) -> bool:
    return isinstance(node, exp.Column) and not node.table and node.name == name


def _exact(value) -> bool:
    """Whether DECIMAL(38, 18) holds `value` exactly."""
    value = Decimal(value)
    return value.is_finite() and abs(value) < _LIMIT and value.as_tuple().exponent >= -SCALE


def _decimal(value) -> exp.Expression:
    return exp.cast(exp.Literal.string(str(Decimal(value))), _DECIMAL)


def _hugeint(value: int) -> exp.Expression:
    return exp.cast(exp.Literal.string(str(value)), _HUGEINT)


def _with_values(query: exp.Expression, name: str, columns: list[str], rows: list) -> exp.Expression:
    """`query` reading the relation `name` (its `columns`) made of `rows`."""
    values = exp.Values(expressions=rows, alias=exp.TableAlias(this=exp.to_identifier(name),
                                                                columns=[exp.to_identifier(c) for c in columns]))
    table = exp.select(*columns).from_(values)
    return query.with_(name, as_=table)
