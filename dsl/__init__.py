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
"""
import sys as _sys
import types as _types

from dsl.api import (
    Compilation,
    LintConfigError,
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
    run_tests,
    write_results,
)
from dsl.check.model import SemanticModel, Symbol, SymbolKind, Use

__all__ = [
    "parse",
    "check",
    "load",
    "evaluate",
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
]


class _PublicAPI(_types.ModuleType):
    """The module `dsl` itself. Three API functions share their names with stage
    packages (`check`, `explain`, `lint`); importing `dsl.lint.config` for the first
    time would set the attribute `dsl.lint` to the package and hide the function.
    The function is kept: the packages stay reachable as `sys.modules["dsl.lint"]`
    and through `import dsl.lint.config` / `from dsl.lint import …`."""

    def __setattr__(self, name: str, value) -> None:
        if name in __all__ and isinstance(value, _types.ModuleType) and not isinstance(self.__dict__.get(name), _types.ModuleType):
            return
        super().__setattr__(name, value)


_sys.modules[__name__].__class__ = _PublicAPI
