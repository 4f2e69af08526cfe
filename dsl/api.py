"""The pipeline composed in one place: read → parse → check → bind data → evaluate.

Each stage returns its product and a list of diagnostics; this module threads
them together and stops at the first stage that reports an error. The CLI and
the tests call these functions rather than the stages one by one.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from dsl.syntax import ast
from dsl import ir
from dsl.check.checker import check
from dsl.ir.passes import run_passes
from dsl.data.readers import Dataset, load_data
from dsl.core.diagnostics import Diagnostic, has_errors
from dsl.run.results import RunResult
from dsl.run.interpreter import evaluate
from dsl.syntax.parser import parse, parse_file
from dsl.core.source import SourceFile


def parse_text(text: str, file: str = "<plan>") -> tuple[Optional[ast.PlanFile], list[Diagnostic]]:
    return parse(text, file)


def check_text(text: str, file: str = "<plan>") -> tuple[Optional[ir.Plan], list[Diagnostic]]:
    """Parse and check plan text; never raises on bad input."""
    plan_file, diagnostics = parse(text, file)
    if plan_file is None:
        return None, diagnostics
    plan, more = check(plan_file, SourceFile(file, text))
    return run_passes(plan), diagnostics + more


def load_plan_text(text: str, file: str = "<plan>") -> tuple[Optional[ir.Plan], list[Diagnostic], SourceFile]:
    plan, diagnostics = check_text(text, file)
    return plan, diagnostics, SourceFile(file, text)


def load_plan(path: str | Path) -> tuple[Optional[ir.Plan], list[Diagnostic], SourceFile]:
    """Read, parse and check a .plan file."""
    plan_file, diagnostics, source = parse_file(path)
    if plan_file is None:
        return None, diagnostics, source
    plan, more = check(plan_file, source)
    return run_passes(plan), diagnostics + more, source


def run_plan(
    plan: ir.Plan, data_path: str | Path, trace: bool = True, payees: Optional[list[str]] = None, progress_bar=None
) -> tuple[Optional[Dataset], Optional[RunResult], list[Diagnostic]]:
    """Bind data to the plan's inputs and evaluate.

    `progress_bar(length)`, if given, returns a context manager with `update(n)`
    (click.progressbar fits) that is advanced once per payee.
    """
    dataset, diagnostics = load_data(data_path, plan.inputs, plan.currency)
    if dataset is None or has_errors(diagnostics):
        return dataset, None, diagnostics
    if progress_bar is not None:
        with progress_bar(len(payees or dataset.payees)) as bar:
            result = evaluate(plan, dataset, trace=trace, payees=payees, progress=bar.update)
    else:
        result = evaluate(plan, dataset, trace=trace, payees=payees)
    return dataset, result, diagnostics + list(result.diagnostics)
