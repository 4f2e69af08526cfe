"""The static types of the language and the schemas of plan inputs.

Types are small frozen values compared by equality. Money carries its currency,
so `CNY + USD` is caught before any data is read. Percent and number are both
dimensionless scalars (85% is the number 0.85); they differ in how they are
shown and in which mistakes the checker reports (money + percent is an error,
money × percent is a commission).
"""
from __future__ import annotations

import datetime
import enum
from typing import Optional, Union

import attrs


class InputKind(enum.StrEnum):
    """How a declared input's rows relate to payees."""

    TABLE = "table"  # many rows; the column of type payee (if any) says whose row it is
    RECORD = "record"  # one row per payee (the roster when present)
    PARAMS = "params"  # one row for the whole plan


class ClauseKind(enum.StrEnum):
    """The clauses a payout line may carry (`when`, `cap at`, `floor at`, `round`)."""

    WHEN = "when"
    CAP = "cap"
    FLOOR = "floor"
    ROUND = "round"


@attrs.frozen
class MoneyType:
    currency: str

    def __str__(self) -> str:
        return f"money({self.currency})"


@attrs.frozen
class ScalarType:
    """number, percent, int, bool, text, date, payee."""

    name: str

    def __str__(self) -> str:
        return self.name


@attrs.frozen
class EnumType:
    values: tuple[str, ...]

    def __str__(self) -> str:
        return "enum(" + ", ".join(f'"{v}"' for v in self.values) + ")"


@attrs.frozen
class RecordType:
    """The value of a lookup band that returns several named values."""

    fields: tuple[tuple[str, "Type"], ...]

    def field(self, name: str) -> "Type | None":
        for field_name, field_type in self.fields:
            if field_name == name:
                return field_type
        return None

    def __str__(self) -> str:
        return "{" + ", ".join(f"{n}: {t}" for n, t in self.fields) + "}"


@attrs.frozen
class MoneyPower:
    """Money raised to a power other than 0 and 1 (money × money, 1 ÷ money).

    Only an intermediate of a chain of products and quotients whose whole comes
    back to money or a ratio (`bonus * sales / target`); a chain that ends as a
    MoneyPower is a type error.
    """

    currency: str
    power: int

    def __str__(self) -> str:
        return f"money({self.currency})^{self.power}"


Type = Union[MoneyType, ScalarType, EnumType, RecordType, MoneyPower]

NUMBER = ScalarType("number")
PERCENT = ScalarType("percent")
INT = ScalarType("int")
BOOL = ScalarType("bool")
TEXT = ScalarType("text")
DATE = ScalarType("date")
PAYEE = ScalarType("payee")
PERIOD = ScalarType("period")  # a concrete period: 2026-07, 2026-Q3, a stated range
ERROR = ScalarType("<error>")  # the type of an expression already reported as wrong

SCALAR_NAMES = {
    "number": NUMBER,
    "percent": PERCENT,
    "int": INT,
    "integer": INT,
    "count": INT,
    "bool": BOOL,
    "text": TEXT,
    "date": DATE,
    "payee": PAYEE,
    "period": PERIOD,
    "month": PERIOD,
    "quarter": PERIOD,
}


def is_money(t: Type) -> bool:
    return isinstance(t, MoneyType)


def is_numeric(t: Type) -> bool:
    """Dimensionless numbers: number, percent, int."""
    return t in (NUMBER, PERCENT, INT)


def is_textual(t: Type) -> bool:
    return t in (TEXT, PAYEE) or isinstance(t, EnumType)


def unit_of_product(op: str, left: Type, right: Type) -> Type | None:
    """The type of `left op right` for op `*` or `/`: the one unit algebra.

    Money counts with a power (number, percent and count have power 0): the
    result's power is the sum (×) or difference (÷) of the operands'. Power 1 is
    money, power 0 after money cancelled is a ratio (a percent), any other power
    a MoneyPower, valid only inside a longer chain. Without money: count × count
    is a count, a product with a percent a percent, anything else a number.
    None: no product of these (text, dates, two currencies).

    >>> unit_of_product("*", MoneyType("CNY"), PERCENT)
    MoneyType(currency='CNY')
    >>> unit_of_product("/", MoneyType("CNY"), MoneyType("CNY"))
    ScalarType(name='percent')
    >>> unit_of_product("/", unit_of_product("*", MoneyType("CNY"), MoneyType("CNY")), MoneyType("CNY"))
    MoneyType(currency='CNY')
    >>> unit_of_product("*", MoneyType("CNY"), MoneyType("USD")) is None
    True
    """
    if is_numeric(left) and is_numeric(right):
        if op == "/":
            return NUMBER
        if left == INT and right == INT:
            return INT
        return PERCENT if PERCENT in (left, right) else NUMBER
    powers, currencies = [], set()
    for t in (left, right):
        if isinstance(t, MoneyType):
            powers.append(1)
            currencies.add(t.currency)
        elif isinstance(t, MoneyPower):
            powers.append(t.power)
            currencies.add(t.currency)
        elif is_numeric(t):
            powers.append(0)
        else:
            return None
    if len(currencies) != 1:
        return None
    power = powers[0] + powers[1] if op == "*" else powers[0] - powers[1]
    currency = currencies.pop()
    if power == 1:
        return MoneyType(currency)
    if power == 0:
        return PERCENT  # a ratio of amounts (attainment, collection rate) reads as a percent
    return MoneyPower(currency, power)


@attrs.frozen
class FieldSchema:
    name: str
    type: Type
    default: object = None  # a Decimal/str/bool/date default, or None for required
    has_default: bool = False
    points: bool = False  # `percent(points)`: the data writes 85 for 85% (a number without % is in points)


@attrs.frozen
class InputSchema:
    """A declared input; its kind (an InputKind) says how its rows relate to payees."""

    name: str
    kind: InputKind = attrs.field(converter=InputKind)
    fields: tuple[FieldSchema, ...]
    period_field: Optional[str] = None  # `input deals: table by month`: the field that places a row in a period

    def field(self, name: str) -> FieldSchema | None:
        for field in self.fields:
            if field.name == name:
                return field
        return None

    @property
    def payee_field(self) -> str | None:
        for field in self.fields:
            if field.type == PAYEE:
                return field.name
        return None


class PeriodUnit(enum.StrEnum):
    """The length of a plan's period, as the header names it (`period quarter`)."""

    MONTH = "month"
    QUARTER = "quarter"
    HALF_YEAR = "half_year"
    YEAR = "year"
    WEEK = "week"
    DAY = "day"


@attrs.frozen
class Period:
    """A plan's period: a unit (`period quarter`) or a stated date range
    (`period 2024-06-16 .. 2024-08-01`); with neither, the whole run.

    The text form is what the header says, so outputs quote it unchanged.
    A concrete period (2026-07, 2026-Q3, a campaign stage) is a value of this type
    too: a unit with the dates it covers, shown as analysts write it.

    >>> str(Period(PeriodUnit.QUARTER)), str(Period(None, datetime.date(2024, 6, 16), datetime.date(2024, 8, 1)))
    ('quarter', '2024-06-16..2024-08-01')
    >>> str(Period(PeriodUnit.MONTH, datetime.date(2026, 7, 1), datetime.date(2026, 7, 31)))
    '2026-07'
    >>> str(WHOLE_RUN)
    'run'
    """

    unit: Optional[PeriodUnit] = None
    start: Optional[datetime.date] = None
    end: Optional[datetime.date] = None  # inclusive

    def __str__(self) -> str:
        start, end, unit = self.start, self.end, self.unit
        if start is None:
            return unit.value if unit is not None else "run"
        if unit is None:
            return f"{start.isoformat()}..{end.isoformat()}"
        if unit == PeriodUnit.MONTH:
            return f"{start.year:04d}-{start.month:02d}"
        if unit == PeriodUnit.QUARTER:
            return f"{start.year:04d}-Q{(start.month - 1) // 3 + 1}"
        if unit == PeriodUnit.HALF_YEAR:
            return f"{start.year:04d}-H{1 if start.month <= 6 else 2}"
        if unit == PeriodUnit.YEAR:
            return f"{start.year:04d}"
        if unit == PeriodUnit.WEEK:
            iso = start.isocalendar()
            return f"{iso.year:04d}-W{iso.week:02d}"
        return start.isoformat()

    def _key(self):
        return (self.start or datetime.date.min, self.end or datetime.date.max)

    # periods are ordered by the dates they cover (2026-06 < 2026-07; a day before its month ends)
    def __lt__(self, other: "Period") -> bool:
        return self._key() < other._key()

    def __le__(self, other: "Period") -> bool:
        return self._key() <= other._key()

    def __gt__(self, other: "Period") -> bool:
        return self._key() > other._key()

    def __ge__(self, other: "Period") -> bool:
        return self._key() >= other._key()

    @property
    def concrete(self) -> bool:
        """Does it cover known dates (2026-07, a stated range), rather than name a length or the whole run?"""
        return self.start is not None


WHOLE_RUN = Period()  # every row of the data, until data carry period columns


class _Missing:
    """A field a plan test left out. Reading it is an evaluation error that names the field."""

    def __repr__(self) -> str:
        return "MISSING"

    def __reduce__(self):  # one MISSING, also after pickling or copying a plan
        return "MISSING"


MISSING = _Missing()


def fits(value_type: Type, declared: Type) -> bool:
    """Can a constant of value_type stand where declared is expected (defaults, test rows)?

    Like a cell of a data file, a bare number in a money field is an amount in
    that field's currency.
    """
    if value_type == declared:
        return True
    if is_money(declared) and value_type == NUMBER:
        return True
    if is_numeric(declared) and value_type == NUMBER:
        return True
    if declared == PERCENT and value_type == PERCENT:
        return True
    if is_textual(declared) and value_type == TEXT:
        return True
    return False
