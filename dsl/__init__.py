"""A plan-as-code language for sales compensation: the public API.

The stages, one package each, composed in `dsl/api.py` (docs/architecture.md maps them):

    text ──parse──> AST ──check──> semantic model (IR, symbols, uses) ──evaluate──> RunResult + traces
                     ├──format──> canonical text                           └──explain / render_results──> text, Markdown, JSON, CSV, xlsx
                     └──lint──> findings ──lint_report──> text, JSON, SARIF, GitHub

`load` does parse and check in one call and never raises: what went wrong is in
`diagnostics`, and `plan` is the IR only when the plan checks.

>>> import dsl
>>> compilation = dsl.load('plan "x" { currency CNY }\\nlet sales = 100元\\npayout "a" = sales * 2%')
>>> compilation.ok, [p.label for p in compilation.plan.payouts]
(True, ['a'])
>>> model = compilation.model
>>> model.symbols["sales"].kind.value, [(s.line, s.column) for s in model.uses_of(model.symbols["sales"])]
('let', [(3, 14)])
>>> from dsl.data.dataset import Dataset
>>> result = dsl.evaluate(compilation.plan, Dataset({}, ["甲"]))
>>> [(p.payee, str(p.total)) for p in result.payees]
[('甲', '2.00')]
>>> dsl.load('plan "x" { currency CNY }\\npayout "a" = 100元 + 2%').diagnostics[0].message
'cannot add money and a percent'

`run` does it all in one call, from files or from Python values (docs/embedding.md):

>>> text = 'plan "x" { currency CNY }\\ninput deals: table { rep: payee, amount: money }\\npayout "a" = sum(deals.amount) * 2%'
>>> dsl.run(text, {"deals": [{"rep": "甲", "amount": "1,200.00"}]}).totals()  # 1,200 × 2% = 24
{'甲': Decimal('24.00')}
"""
import sys as _sys
import types as _types

from dsl.api import (
    Compilation,
    LintConfigError,
    Results,
    check,
    evaluate,
    explain,
    format,
    lint,
    lint_config,
    lint_report,
    load,
    parse,
    read_data,
    render_results,
    run,
    run_tests,
    write_results,
)
from dsl.check.model import SemanticModel, Symbol, SymbolKind, Use

__all__ = [
    "parse",
    "check",
    "load",
    "evaluate",
    "run",
    "Results",
    "explain",
    "lint",
    "format",
    "Compilation",
    "SemanticModel",
    "Symbol",
    "SymbolKind",
    "Use",
    "read_data",
    "run_tests",
    "render_results",
    "write_results",
    "lint_config",
    "lint_report",
    "LintConfigError",
    "__version__",
]

__version__: str  # the installed package's version, read from its metadata when first asked for


def __getattr__(name: str) -> str:
    if name != "__version__":
        raise AttributeError(f"module 'dsl' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version  # 20 ms: only when asked, so `plan check` starts fast

    try:
        found = version("plan-dsl")
    except PackageNotFoundError:  # a source tree that is not installed
        found = "0+unknown"
    globals()["__version__"] = found
    return found


class _PublicAPI(_types.ModuleType):
    """The module `dsl` itself. Four API functions share their names with stage
    packages (`check`, `explain`, `lint`, `run`); importing `dsl.lint.config` for the first
    time would set the attribute `dsl.lint` to the package and hide the function.
    The function is kept: the packages stay reachable as `sys.modules["dsl.lint"]`
    and through `import dsl.lint.config` / `from dsl.lint import …`."""

    def __setattr__(self, name: str, value) -> None:
        if name in __all__ and isinstance(value, _types.ModuleType) and not isinstance(self.__dict__.get(name), _types.ModuleType):
            return
        super().__setattr__(name, value)


_sys.modules[__name__].__class__ = _PublicAPI
