"""The DuckDB engine's queries on Spark: the same lowering, transpiled to Spark SQL, run by pyspark.

    the engine's statement (DuckDB SQL, from the one lowering) ──sqlglot──> tree ──spark_tree──> Spark SQL
        CREATE TABLE r AS SELECT …   → a DataFrame, materialised, registered as the temporary view r
        SELECT …                     → rows, as DuckDB's Python API returns them (HUGEINT → int)
        DROP TABLE IF EXISTS r       → the view dropped
        read_csv('file', …)          → the file read by Spark's CSV reader, every cell as text, then cast

`SparkConnection` answers the engine's `execute(sql).fetchall()` as DuckDB's connection does, so
dsl/sql/engine.py, load.py and teams.py run unchanged on either. What differs is arithmetic:

- DuckDB's HUGEINT is Spark's DECIMAL(38, 0). Every value of a plan fits it (|value × 10^18| < 10^38,
  DESIGN.md's numeric policy), and the lowering keeps every intermediate below 10^38 where a value
  is in range (dsl/sql/numeric.py: products and quotients split before they reach 38 digits, bounds
  compared as 10^38 − 1). The one thing DECIMAL(38, 0) cannot hold is 10^38 itself, the last power
  of the table `_p10`: here it is NULL, and a division or remainder by it is written out
  (x ÷ 10^38 is 0 and leaves x, as |x| < 10^38), a product with it is 0 when the other factor is.
  Spark runs in ANSI mode, so an intermediate beyond 38 digits (only on the way to a value the policy
  reports as an overflow anyway) stops the run with Spark's error instead of computing a wrong
  value: `SparkOverflow`, which the CLI reports, and DuckDB computes the payee's R001.
- Integer division (DuckDB's `//` on HUGEINT, truncating) is exact in Spark only through a decimal
  quotient that is itself an integer: (a − a % b) / b, in two steps of 19 digits when the quotient
  could have more than the 32 integer digits Spark's decimal division keeps (`_exact_div`).
- An arithmetic shift by 64 and a mask of the low 64 bits (the halves of exact sums) are a floor
  division and a nonnegative remainder by 2^64; `q & 1` (half-even's parity) is pmod(q, 2).
- `list_extract(_p10, k)` is `element_at(_p10, k)`.
- Spark's `abs(x)` and `-x` of a DECIMAL round the result to 34 digits without a word
  (abs(−12345678901234567890123456789012345678) is …012350000): both are written as a subtraction
  from 0, which is exact.

pyspark is an optional dependency (the `spark` extra); nothing here imports it until a session is made.
"""
from __future__ import annotations

import itertools
from pathlib import Path
from typing import Optional

import sqlglot
from sqlglot import exp

from dsl.sql.errors import NotLowered, SparkOverflow, SparkUnavailable

_DECIMAL38 = "DECIMAL(38, 0)"
_BIG = 10**38  # the first integer DECIMAL(38, 0) cannot hold
_SPLIT = 10**19
_TWO64 = 2**64


def session(master: str = "local[2]", config: Optional[dict] = None):
    """A local SparkSession set as the engine needs it: ANSI arithmetic (overflow is an error, never NULL),
    UTC, no UI, few shuffle partitions (the data of one run on one machine); `config` adds Spark settings
    (`{"spark.sql.codegen.factoryMode": "NO_CODEGEN"}` saves compiling code for small data). The caller stops it."""
    import warnings

    try:
        with warnings.catch_warnings():  # pyspark warns on import about versions of pandas it has not been tried with
            warnings.simplefilter("ignore", FutureWarning)
            from pyspark.sql import SparkSession
    except ImportError:
        raise SparkUnavailable("the spark engine needs pyspark, which is not installed: install the `spark` extra (pip install 'plan-dsl[spark]')") from None
    logging = f"-Dlog4j2.configurationFile={(Path(__file__).with_name('spark-log4j2.properties')).as_uri()}"
    builder = (SparkSession.builder.master(master).appName("plan")
               .config("spark.driver.extraJavaOptions", logging)  # Spark's own log lines stay off the diagnostics' stderr
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.ansi.enabled", "true")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.shuffle.partitions", "4")
               .config("spark.sql.adaptive.enabled", "true")
               .config("spark.driver.memory", "2g")
               .config("spark.sql.codegen.wholeStage", "true")
               .config("spark.sql.legacy.timeParserPolicy", "CORRECTED"))
    for key, value in (config or {}).items():
        builder = builder.config(key, value)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            spark = builder.getOrCreate()
    except Exception as exc:  # the JVM did not start (no Java 17, say)
        raise SparkUnavailable(f"Spark did not start ({str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}); the spark engine needs Java 17") from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark


class _Result:
    def __init__(self, rows: list):
        self.rows = rows

    def fetchall(self) -> list:
        return self.rows

    def fetchone(self):
        return self.rows[0] if self.rows else None


class SparkConnection:
    """DuckDB's `execute(sql).fetchall()` on a SparkSession; the views it makes are dropped by `close`.

    A SELECT's CTEs become views one by one, each analysed on its own: Spark's analyser, given a lowered
    plan's query whole (dozens to hundreds of nested layers), takes seconds and can give up (its fixed
    point of 100 iterations), while a view already analysed is not analysed again. A view read by two
    later ones, and every `_CHECKPOINT`-th, is computed once there and then (`localCheckpoint`), so no
    layer is computed twice and no plan grows deeper than that. A statement's Spark SQL is kept by its
    DuckDB text: a lowering reused over periods is parsed and transpiled once.
    """

    _CHECKPOINT = 8

    def __init__(self, spark):
        self.spark = spark
        self.views: set[str] = set()
        self._names = itertools.count()
        self._compiled: dict[str, tuple] = {}

    def execute(self, sql: str, parameters=None) -> _Result:
        if parameters:
            raise NotLowered("a parameterised statement (data read by DuckDB itself) on Spark")
        compiled = self._compiled.get(sql)
        if compiled is None:
            compiled = self._compile(sqlglot.parse_one(sql, read="duckdb"))
            if compiled[0] != "read":
                self._compiled[sql] = compiled
        kind, *rest = compiled
        if kind == "drop":
            for name in rest[0]:
                self.spark.catalog.dropTempView(name)
                self.views.discard(name)
            return _Result([])
        if kind == "nothing":
            return _Result([])
        if kind == "read":  # a statement reading a file: the file is read now (its content differs each time)
            tree, name = rest
            steps = self._steps(tree.transform(self._read_files))
        else:
            steps, name = rest
        frame = self._run(steps)
        if name is None:
            return _Result(self._rows(frame))
        frame.localCheckpoint(eager=True).createOrReplaceTempView(name)  # computed once, here: later statements read it
        self.views.add(name)
        return _Result([])

    def close(self) -> None:
        for name in self.views | {f"_csv{i}" for i in range(next(self._names))}:
            self.spark.catalog.dropTempView(name)
        self.views.clear()

    # ---- statements

    def _compile(self, tree: exp.Expression) -> tuple:
        if isinstance(tree, exp.Drop):
            return ("drop", [table.name for table in tree.expressions])
        if isinstance(tree, exp.Set):
            return ("nothing",)  # DuckDB's optimizer settings
        name = tree.this.name if isinstance(tree, exp.Create) else None
        select = tree.expression if isinstance(tree, exp.Create) else tree
        if any(isinstance(t.this, exp.ReadCSV) for t in select.find_all(exp.Table)):
            return ("read", select, name)
        return ("query", self._steps(select), name)

    def _steps(self, select: exp.Expression) -> list[tuple[Optional[str], str, bool]]:
        """(view name or None for the result, its Spark SQL, whether it is computed there and then)."""
        key = "with_" if "with_" in select.arg_types else "with"  # sqlglot's name for the WITH clause
        ctes = select.args.get(key)
        if ctes is None:
            return [(None, spark_sql(select), False)]
        select = select.copy()
        select.set(key, None)
        readers: dict[str, int] = {}
        for part in [cte.this for cte in ctes.expressions] + [select]:
            for table in {t.name for t in part.find_all(exp.Table)}:
                readers[table] = readers.get(table, 0) + 1
        steps = [(cte.alias, spark_sql(cte.this), readers.get(cte.alias, 0) > 1 or i % self._CHECKPOINT == self._CHECKPOINT - 1)
                 for i, cte in enumerate(ctes.expressions)]
        return steps + [(None, spark_sql(select), False)]

    def _run(self, steps):
        frame = None
        for name, text, materialise in steps:
            try:
                frame = self.spark.sql(text)
                if name is not None:
                    if materialise:
                        frame = frame.localCheckpoint(eager=True)
                    frame.createOrReplaceTempView(name)
                    self.views.add(name)
            except Exception as exc:
                raise _translated(exc) from exc
        return frame

    def _rows(self, frame) -> list[tuple]:
        from pyspark.sql.types import DecimalType

        integers = [isinstance(f.dataType, DecimalType) and f.dataType.scale == 0 for f in frame.schema.fields]
        try:
            found = frame.collect()
        except Exception as exc:
            raise _translated(exc) from exc
        return [tuple(int(v) if whole and v is not None else v for v, whole in zip(row, integers)) for row in found]

    def _read_files(self, node: exp.Expression) -> exp.Expression:
        """`read_csv('file', header = …, columns = {'name': 'TYPE', …})` → a view of the file read by Spark."""
        if not (isinstance(node, exp.Table) and isinstance(node.this, exp.ReadCSV)):
            return node
        path = node.this.this.name
        options = {a.this.name.lower(): a.expression for a in node.this.expressions if isinstance(a, (exp.EQ, exp.PropertyEQ))}
        header = isinstance(options.get("header"), exp.Boolean) and options["header"].this
        columns = [(p.this.name, p.expression.name) for p in options["columns"].expressions]
        from pyspark.sql.types import StringType, StructField, StructType

        schema = StructType([StructField(f"_{i}", StringType()) for i in range(len(columns))])
        frame = self.spark.read.csv(path, schema=schema, header=bool(header), quote='"', escape='"', multiLine=True,
                                    mode="FAILFAST", emptyValue="", nullValue=None, enforceSchema=True, encoding="UTF-8")
        typed = [_typed(f"_{i}", sql_type, name) for i, (name, sql_type) in enumerate(columns)]
        view = f"_csv{next(self._names)}"
        frame.selectExpr(*typed).localCheckpoint(eager=True).createOrReplaceTempView(view)
        replaced = exp.to_table(view)
        if node.alias:
            replaced.set("alias", exp.TableAlias(this=exp.to_identifier(node.alias)))
        return replaced


def _typed(column: str, sql_type: str, name: str) -> str:
    spark_type = {"HUGEINT": _DECIMAL38, "VARCHAR": "STRING", "INTEGER": "INT", "BIGINT": "BIGINT",
                  "BOOLEAN": "BOOLEAN", "DATE": "DATE", "DOUBLE": "DOUBLE"}[sql_type.upper()]
    if spark_type == "STRING":
        return f"`{column}` AS `{name}`"
    return f"CAST(`{column}` AS {spark_type}) AS `{name}`"


def _translated(exc: Exception) -> Exception:
    text = str(exc)
    if any(mark in text for mark in ("NUMERIC_VALUE_OUT_OF_RANGE", "ARITHMETIC_OVERFLOW", "DIVIDE_BY_ZERO", "CANNOT_CHANGE_DECIMAL_PRECISION")):
        first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
        return SparkOverflow(f"an intermediate value of this run does not fit Spark's DECIMAL(38, 0) ({first}); "
                             "--engine duckdb computes it and reports the payee's overflow")
    return exc


# ---------------------------------------------------------------- the SQL


def spark_sql(tree: exp.Expression) -> str:
    """A DuckDB-dialect tree of the lowering as Spark SQL (the rewrites are the module docstring's)."""
    return _rewrite(tree.copy()).sql("spark", copy=False)


def _is_p10(node: exp.Expression) -> bool:
    """Whether `node` is a lookup in the powers of ten (`list_extract(_p10, k)`)."""
    return (isinstance(node, exp.Anonymous) and node.name.lower() in ("list_extract", "element_at")
            and isinstance(node.expressions[0], exp.Column) and node.expressions[0].name == "_p10")


def _big(node: exp.Expression) -> bool:
    return isinstance(node, exp.Literal) and node.is_int and abs(int(node.this)) >= _BIG


def _dec(value: int) -> exp.Expression:
    return exp.cast(exp.Literal.number(value), exp.DataType.build(_DECIMAL38, dialect="spark"))


def _as_int(node: exp.Expression) -> exp.Expression:
    return exp.cast(exp.paren(node, copy=False), exp.DataType.build(_DECIMAL38, dialect="spark"))


def _mod(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    return exp.Mod(this=exp.paren(a.copy(), copy=False), expression=exp.paren(b.copy(), copy=False))


def _quot(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    """(a − a % b) / b: an exact quotient (an integer), as DECIMAL(38, 0); |result| < 10^32."""
    exact = exp.Div(this=exp.paren(exp.Sub(this=exp.paren(a.copy(), copy=False), expression=_mod(a, b)), copy=False),
                    expression=exp.paren(b.copy(), copy=False))
    return _as_int(exact)


def _exact_div(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    """a // b truncated, exact for |a|, |b| < 10^38: directly when |b| ≥ 10^19 (the quotient is below 10^19),
    else in two steps — a = h·10^19 + l; h // b, then (h % b)·10^19 + l, below 10^38, by b."""
    split = _dec(_SPLIT)
    low = _mod(a, split)
    high = _quot(exp.Sub(this=exp.paren(a.copy(), copy=False), expression=low.copy()), split)
    high_q, high_r = _quot(high, b), _mod(high, b)
    rest = exp.Add(this=exp.Mul(this=exp.paren(high_r, copy=False), expression=split.copy()), expression=low.copy())
    two_step = exp.Add(this=exp.Mul(this=exp.paren(high_q, copy=False), expression=split.copy()), expression=_quot(rest, b))
    direct = _quot(a, b)
    return exp.Case(ifs=[exp.If(this=exp.GTE(this=exp.Abs(this=b.copy()), expression=split.copy()), true=direct)],
                    default=_as_int(two_step))


def _rewrite(tree: exp.Expression) -> exp.Expression:
    def visit(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.DataType) and node.this == exp.DataType.Type.INT128:
            return exp.DataType.build(_DECIMAL38, dialect="spark")
        if isinstance(node, exp.Cast) and _big(_unsigned(node.this)) and node.to.is_type(exp.DataType.Type.DOUBLE):
            # a magnitude estimate's constant beyond 38 digits, as Spark reads a DOUBLE
            return exp.cast(exp.Literal.string(str(int(node.this.sql("duckdb")))), exp.DataType.build("DOUBLE"))
        if isinstance(node, exp.Cast) and _big(_unsigned(node.this)):
            if isinstance(node.parent, exp.Array) and int(node.this.this) == _BIG:  # the last power of ten: NULL here
                return exp.cast(exp.null(), exp.DataType.build(_DECIMAL38, dialect="spark"))
            raise NotLowered(f"the constant {_unsigned(node.this).this}, beyond DECIMAL(38, 0), on Spark")
        if isinstance(node, exp.Literal) and node.is_int and abs(int(node.this)) >= 2**31 and not _typed_by_cast(node):
            # DuckDB widens integer arithmetic as HUGEINT values need; Spark's BIGINT would overflow (a count × 10^18)
            if _big(node):
                raise NotLowered(f"the constant {node.this}, beyond DECIMAL(38, 0), on Spark")
            return _dec(int(node.this))
        if isinstance(node, (exp.Floor, exp.Ceil)) and not node.args.get("decimals"):
            # Spark's floor and ceil of a DOUBLE are BIGINT: the whole number as DECIMAL(38, 0) instead
            # (a DOUBLE from 2^52 up is whole already; below, the cast is compared back and moved by one)
            x = node.this
            whole = exp.TryCast(this=x.copy(), to=exp.DataType.build(_DECIMAL38, dialect="spark"))
            floor = isinstance(node, exp.Floor)
            moved = (exp.GT if floor else exp.LT)(this=exp.cast(whole.copy(), "DOUBLE"), expression=x.copy())
            step = exp.Case(ifs=[exp.If(this=moved, true=_dec(1))], default=_dec(0))
            return _as_int((exp.Sub if floor else exp.Add)(this=whole, expression=step))
        if isinstance(node, exp.Abs):
            # Spark's abs and unary minus of a DECIMAL round to 34 digits, silently: a subtraction from 0 is exact
            x = node.this
            return exp.Case(ifs=[exp.If(this=exp.LT(this=x.copy(), expression=exp.Literal.number(0)), true=_negated(x))], default=x.copy())
        if isinstance(node, exp.Neg) and not isinstance(_unparen(node.this), exp.Literal):
            return _negated(node.this)
        if isinstance(node, exp.IntDiv):
            a, b = node.this, node.expression
            quotient = _exact_div(a, b)
            if _is_p10(_unparen(b)):  # ÷ 10^38 (the NULL power): 0, as |a| < 10^38
                return exp.Coalesce(this=quotient, expressions=[exp.Case(ifs=[exp.If(this=exp.Is(this=a.copy(), expression=exp.null()), true=exp.null())], default=_dec(0))])
            return quotient
        if isinstance(node, exp.Mod) and _is_p10(_unparen(node.expression)):  # mod 10^38 (the NULL power): the value
            return exp.Coalesce(this=node.copy(), expressions=[node.this.copy()])
        if isinstance(node, exp.Mul) and (_is_p10(_unparen(node.expression)) or _is_p10(_unparen(node.this))):
            other = node.this if _is_p10(_unparen(node.expression)) else node.expression
            return exp.Case(ifs=[exp.If(this=exp.EQ(this=other.copy(), expression=exp.Literal.number(0)), true=_as_int(other.copy()))],
                            default=node.copy())
        if isinstance(node, exp.BitwiseRightShift):
            bits = int(node.expression.this) if isinstance(node.expression, exp.Literal) else None
            if bits != 64:
                raise NotLowered("a shift other than the sums' 64 bits on Spark")
            a, two = node.this, _dec(_TWO64)
            # floor(a / 2^64): the truncated quotient (no intermediate beyond |a|), one less when the remainder is negative
            below = exp.Case(ifs=[exp.If(this=exp.LT(this=_mod(a, two), expression=exp.Literal.number(0)), true=_dec(1))], default=_dec(0))
            return _as_int(exp.Sub(this=_quot(a, two), expression=below))
        if isinstance(node, exp.BitwiseAnd):
            mask = node.expression
            mask = mask.this if isinstance(mask, exp.Cast) else mask
            mask = _unparen(mask)
            value = int(mask.this) if isinstance(mask, exp.Literal) and mask.is_int else None
            if value is None or value & (value + 1):
                raise NotLowered("a bitwise and other than a low-bits mask on Spark")
            return _as_int(exp.Anonymous(this="pmod", expressions=[exp.paren(node.this.copy(), copy=False), _dec(value + 1)]))
        if isinstance(node, exp.Add) and isinstance(node.expression, exp.Anonymous) and node.expression.name.lower() == "to_months":
            return exp.Anonymous(this="add_months", expressions=[node.this, exp.cast(node.expression.expressions[0], "INT")])
        if _is_p10(node) and node.name.lower() == "list_extract":
            return exp.Anonymous(this="element_at", expressions=[node.expressions[0], exp.cast(node.expressions[1], "INT")])
        return node

    # children first (reversed pre-order): a rewrite sees its operands already rewritten
    for node in reversed(list(tree.dfs())):
        new = visit(node)
        if new is not node:
            if node is tree:
                tree = new
            else:
                node.replace(new)
    return tree


def _negated(x: exp.Expression) -> exp.Expression:
    return exp.paren(exp.Sub(this=exp.Literal.number(0), expression=exp.paren(x.copy(), copy=False)), copy=False)


def _unsigned(node: exp.Expression) -> exp.Expression:
    return node.this if isinstance(node, exp.Neg) else node


def _typed_by_cast(node: exp.Expression) -> bool:
    """Whether a literal is the operand of a CAST (through a minus sign or parentheses): its type is the CAST's."""
    parent = node.parent
    while isinstance(parent, (exp.Neg, exp.Paren)):
        parent = parent.parent
    return isinstance(parent, exp.Cast)


def _unparen(node: exp.Expression) -> exp.Expression:
    while isinstance(node, exp.Paren):
        node = node.this
    return node


__all__ = ["SparkConnection", "SparkOverflow", "SparkUnavailable", "session", "spark_sql"]
