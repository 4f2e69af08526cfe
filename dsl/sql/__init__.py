"""The columnar backend: the IR lowered to SQL (sqlglot expressions) and run on embedded DuckDB.

    program.py   SQL values being built (`X`) and straight-line bindings in layers (`Block`)
    numeric.py   the numeric policy in SQL: exact decimals as (coefficient, exponent, sign)
    wide.py      integers beyond 128 bits, for the rare quotient that needs them
    lower.py     IR → bindings per stage (rows, payees), errors as values in evaluation order
    query.py     the stages put together as one query, planned backward from its outputs
    load.py      a Dataset's needed columns into DuckDB relations
    engine.py    run it period by period; rows → the interpreter's RunResult (the ledger: dsl/run/ledger.py) and R001s
    teams.py     a pool's largest-remainder allocation and a ranking's order in SQL (the rest of pools: dsl/run/pools.py)

docs/engines.md describes the representation, what is lowered and how to choose an engine. Nothing
here is imported by `import dsl`: sqlglot and DuckDB load when the engine runs.
"""
from dsl.sql.errors import NotLowered

__all__ = ["NotLowered", "evaluate"]


def evaluate(plan, dataset, **options):
    """`engine.evaluate`: every payee's lines computed in DuckDB (see dsl/sql/engine.py)."""
    from dsl.sql.engine import evaluate as run

    return run(plan, dataset, **options)
