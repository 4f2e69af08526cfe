"""What-if values: `--set input.field=value` replaces one field of an input in every row.

An analyst asks "what if every rep's quota were 120万?" without editing the data
files: `parse_overrides` reads each `input.field=value` against the plan's declared
inputs (the value in the data cell grammar, read by the loader's own `parse_cell`,
so `120万`, `85%`, `是` and `2026-07-01` mean what they mean in a CSV cell), and
`apply_overrides` returns a new dataset whose rows of that input all carry the
value. The data as read is not changed, and the rows keep their provenance (an
explanation still points at the file and row the rest of the row came from).

Only declared input fields are set here. A `let` is a formula of the plan, and the
plan's passes may fold it into the lines that use it, so it is not replaced in the
checked plan: `dsl.api.set_lets` redefines it in a copy of the plan's text and checks
that copy again, as an analyst editing the plan would. The payee field cannot be set:
it says whose row it is, and setting it would hand every row to one payee.
"""
from __future__ import annotations

from typing import Iterable, Sequence

import attrs

from dsl.core.diagnostics import did_you_mean
from dsl.core.types import InputSchema
from dsl.data.dataset import Dataset, Table
from dsl.data.readers import parse_cell


class OverrideError(ValueError):
    """An `--set` that names no declared field, or whose value does not read as the field's type."""


@attrs.frozen
class Override:
    """One what-if value: `input`'s `field` is `value` in every row."""

    input: str
    field: str
    value: object
    option: str  # as written: `reps.quota=120万`


def _hinted(message: str, name: str, candidates: Iterable[str]) -> OverrideError:
    hint = did_you_mean(name, candidates)
    return OverrideError(message + (f"; {hint}" if hint else ""))


def parse_override(text: str, schemas: Sequence[InputSchema], currency: str, lets: Iterable[str] = ()) -> Override:
    """`input.field=value` → an `Override`, its value typed as the field is declared.

    `lets` (the plan's let names) only improve the message when one is named.

    >>> from dsl.core.types import FieldSchema, InputSchema, PAYEE, PERCENT
    >>> reps = InputSchema("reps", "record", (FieldSchema("rep", PAYEE), FieldSchema("renewal_rate", PERCENT)))
    >>> parse_override("reps.renewal_rate=79%", [reps], "CNY").value
    Decimal('0.79')
    >>> parse_override("reps.renewal_rat=79%", [reps], "CNY")
    Traceback (most recent call last):
    ...
    dsl.data.overrides.OverrideError: --set reps.renewal_rat=79%: input reps has no field 'renewal_rat'; did you mean 'renewal_rate'?
    """
    name, equals, value = text.partition("=")
    name = name.strip()
    prefix = f"--set {text}"
    if not equals:
        raise OverrideError(f"{prefix}: write input.field=value, e.g. --set reps.quota=120万")
    input_name, dot, field_name = name.partition(".")
    inputs = {schema.name: schema for schema in schemas}
    if not dot:
        if name in set(lets):
            raise OverrideError(f"{prefix}: '{name}' is a let of the plan, and these overrides set input fields (input.field=value): "
                                f"a let is set in a copy of the plan by 'dsl.api.set_lets', which 'plan run --set {name}=VALUE' calls")
        raise _hinted(f"{prefix}: name an input and its field (input.field=value); the inputs are {', '.join(inputs) or 'none'}",
                      name, inputs)
    schema = inputs.get(input_name)
    if schema is None:
        raise _hinted(f"{prefix}: the plan has no input '{input_name}' (its inputs: {', '.join(inputs) or 'none'})", input_name, inputs)
    field = schema.field(field_name)
    if field is None:
        raise _hinted(f"{prefix}: input {input_name} has no field '{field_name}'", field_name, [f.name for f in schema.fields])
    if field.name == schema.payee_field:
        raise OverrideError(f"{prefix}: {input_name}.{field_name} says whose row it is; it cannot be set for every row")
    try:
        typed = parse_cell(value, field, currency)
    except ValueError as exc:
        raise OverrideError(f"{prefix}: the value '{value.strip()}' does not read as {field.type}: {exc}") from None
    return Override(input_name, field.name, typed, text)


def parse_overrides(texts: Iterable[str], schemas: Sequence[InputSchema], currency: str, lets: Iterable[str] = ()) -> tuple[Override, ...]:
    """Every `--set` of a command, in order (a later one for the same field wins when applied)."""
    lets = tuple(lets)
    return tuple(parse_override(text, schemas, currency, lets) for text in texts)


def apply_overrides(dataset, overrides: Sequence[Override]) -> Dataset:
    """A new dataset in which each override's field holds its value in every row of its input.

    The dataset given is not changed. An input with no rows in the data cannot be
    set (an `OverrideError`): nothing would change, and the run would silently
    ignore the option.

    >>> from decimal import Decimal
    >>> from dsl.core.types import FieldSchema, NUMBER, PAYEE
    >>> schema = InputSchema("reps", "record", (FieldSchema("rep", PAYEE), FieldSchema("quota", NUMBER)))
    >>> data = Dataset({"reps": Table(schema, "reps.csv", {"rep": ["甲", "乙"], "quota": [Decimal(1), Decimal(2)]}, [2, 3], {})}, ["甲", "乙"])
    >>> apply_overrides(data, [Override("reps", "quota", Decimal(7), "reps.quota=7")]).tables["reps"].columns["quota"]
    [Decimal('7'), Decimal('7')]
    >>> data.tables["reps"].columns["quota"]
    [Decimal('1'), Decimal('2')]
    """
    if not overrides:
        return dataset
    if hasattr(dataset, "to_dataset"):  # read by DuckDB: the rows as Python values, to set them
        dataset = dataset.to_dataset()
    tables = dict(dataset.tables)
    for override in overrides:
        table = tables.get(override.input)
        if table is None or not len(table):
            raise OverrideError(f"--set {override.option}: input {override.input} has no rows in the data, so there is nothing to set")
        columns = dict(table.columns)
        columns[override.field] = [override.value] * len(table)
        changed = Table(table.schema, table.file, columns, table.row_numbers, table.labels)
        changed.period_rows = table.period_rows  # rows already placed in periods stay where they were
        tables[override.input] = changed
    return Dataset(tables, dataset.payees, dataset.periods)
