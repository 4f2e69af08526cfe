"""What the columnar backend refuses: a construct it does not lower yet.

Kept apart from the lowering so that the API and the CLI can name the error
without importing sqlglot or DuckDB.
"""
from __future__ import annotations


class NotLowered(NotImplementedError):
    """The plan (or the run) uses a construct the SQL lowering does not cover yet.

    The engine refuses the whole plan rather than compute part of it differently
    from the interpreter; `construct` names what is missing.

    >>> str(NotLowered("History (previous)"))
    'the duckdb engine does not lower History (previous) yet; run this plan with the interpreter'
    """

    def __init__(self, construct: str):
        super().__init__(f"the duckdb engine does not lower {construct} yet; run this plan with the interpreter")
        self.construct = construct


class SparkUnavailable(RuntimeError):
    """The spark engine cannot run here: pyspark (the `spark` extra) is not installed, or Spark did not start."""


class SparkOverflow(ArithmeticError):
    """On Spark, an intermediate value of the run went beyond DECIMAL(38, 0) (dsl/sql/spark.py says when)."""
