"""The `plan` command line.

    plan check FILE|DIR...                 static checks
    plan run FILE [--data PATH]            every payee's lines → CSV, JSON or xlsx (--engine auto|duckdb|interpreter)
    plan explain FILE --payee ID           one payee's lines, traced to the data
    plan test PATH...                      run the tests written inside plans
    plan statement FILE --payee ID|--all   a rep's pay statement as HTML, Markdown or xlsx (statement.py)
    plan diff OLD NEW | FILE --rev REV     two runs compared per payee and line (diff.py)
    plan lint / plan fmt                   (lint.py)

The commands call only the public API (`dsl`), and `dsl.core` for printing
diagnostics.

Exit codes: 0 ok; 1 findings, data errors or failed tests; 2 usage or internal
error. No traceback reaches the user: an unexpected exception is reported as an
internal error with exit code 2.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional, Sequence

import click

import dsl
from dsl.cli import diff as diff_commands
from dsl.cli import lint as lint_commands
from dsl.cli import statement as statement_command
from dsl.cli.common import ENCODING, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError, default_data, emit, plan_files
from dsl.core.diagnostics import did_you_mean, has_errors


def load_or_report(path: Path) -> dsl.Compilation:
    compilation = dsl.load(path)
    emit(list(compilation.diagnostics), {compilation.source.name: compilation.source})
    return compilation


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="plan-dsl")
def cli():
    """Plan-as-code for sales compensation: check, run, explain and test .plan files."""


@cli.command()
@click.argument("paths", nargs=-1, required=True)
def check(paths):
    """Check plans for syntax, name and type errors."""
    failed = 0
    files = plan_files(paths)
    for path in files:
        if not load_or_report(path).ok:
            failed += 1
    click.echo(f"checked {len(files)} plan(s): {failed} with errors", err=True)
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)


def run_or_report(path: Path, data: Optional[str], trace: bool, payees=None, periods: Optional[str] = None, prior: Optional[str] = None,
                  engine: str = "interpreter", encoding: Optional[str] = None, overrides: Sequence[str] = (),
                  compilation: Optional[dsl.Compilation] = None):
    """Load (unless `compilation` is given), read the data (default: beside `path`), apply the
    `--set` overrides and evaluate; on errors print the diagnostics and exit."""
    compilation = load_or_report(path) if compilation is None else compilation
    plan = compilation.plan
    if plan is None:
        sys.exit(EXIT_FINDINGS)
    sources = {compilation.source.name: compilation.source}
    dataset, read = dsl.read_data(plan, default_data(path, data), engine=engine, payees=payees, encoding=encoding)
    if dataset is None or has_errors(read):
        emit(read, sources)
        sys.exit(EXIT_FINDINGS)
    if overrides:
        try:
            dataset = dsl.api.what_if(plan, dataset, overrides)
        except ValueError as exc:  # an unknown input or field, a value that does not read
            raise UsageError(str(exc)) from None
    try:
        if sys.stderr.isatty() and payees is None:
            # Only on a terminal: CI logs and redirected output stay clean.
            with click.progressbar(length=len(dataset.payees), label="computing payees", file=sys.stderr, show_pos=True) as bar:
                result = dsl.evaluate(plan, dataset, periods=periods, trace=trace, payees=payees, progress=bar.update, prior=prior, engine=engine)
        else:
            result = dsl.evaluate(plan, dataset, periods=periods, trace=trace, payees=payees, prior=prior, engine=engine)
    except dsl.api.NotLowered as exc:
        raise UsageError(str(exc)) from None
    run_diags = list(read) + list(result.diagnostics)
    usage = [d for d in run_diags if d.code == "R002"]
    emit([d for d in run_diags if d.code != "R002"], sources)
    if usage:
        raise UsageError("; ".join(d.message + (f" ({d.hint})" if d.hint else "") for d in usage))
    if has_errors(run_diags):
        sys.exit(EXIT_FINDINGS)
    return plan, result


@cli.command()
@click.argument("plan_file", type=click.Path(dir_okay=False))
@click.option("--data", "data", help="A folder of CSV files, an .xlsx workbook or a .json file (default: data/ beside the plan).")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "xlsx"]), default="csv", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), help="Write here instead of standard output (required for xlsx).")
@click.option("--period", "period", help="Run one period: 2026-07, 2026-Q3, 2026 (default: the periods the data cover).")
@click.option("--periods", "periods", help="Run a sequence of periods in order, carrying the ledger: 2026-01..2026-12.")
@click.option("--prior", "prior", type=click.Path(dir_okay=False), help="Continue an earlier run: the JSON results it wrote (its balances and lines).")
@click.option("--engine", type=click.Choice(["auto", "interpreter", "duckdb"]), default="auto", show_default=True,
              help="Compute with the reference interpreter or with the plan lowered to SQL on embedded DuckDB (the same results); "
                   "auto runs DuckDB on large data when the plan lowers.")
@ENCODING
@click.option("--set", "overrides", multiple=True, metavar="INPUT.FIELD=VALUE",
              help="What if: this field of this input holds VALUE (written as in a data cell: 120万, 85%, 是) in every row. Repeatable.")
def run(plan_file, data, fmt, out, period, periods, prior, engine, encoding, overrides):
    """Compute every payee's payout lines (per period, with the ledger's postings and balances)."""
    if fmt == "xlsx" and not out:
        raise UsageError("--format xlsx writes a workbook: give it a file with --out results.xlsx")
    plan, result = run_or_report(Path(plan_file), data, trace=False, periods=_periods(period, periods), prior=prior, engine=engine,
                                 encoding=encoding, overrides=overrides)
    if out:
        dsl.write_results(plan, result, out, fmt)
        click.echo(f"wrote {len(result.payees)} payee(s) to {out}", err=True)
    else:
        click.echo(dsl.render_results(plan, result, fmt), nl=False)


@cli.command()
@click.argument("plan_file", type=click.Path(dir_okay=False))
@click.option("--data", "data", help="A folder of CSV files, an .xlsx workbook or a .json file (default: data/ beside the plan).")
@click.option("--payee", required=True, help="Whose payout to explain.")
@click.option("--line", "line", help="Only this payout line or flag.")
@click.option("--format", "fmt", type=click.Choice(["text", "md", "json"]), default="text", show_default=True)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--period", "period", help="Explain this period (default: the last period of the run).")
@click.option("--periods", "periods", help="The periods to run before explaining (default: the periods the data cover).")
@click.option("--prior", "prior", type=click.Path(dir_okay=False), help="Continue an earlier run: the JSON results it wrote.")
@click.option("--rows", "rows", is_flag=True, help="Also list the rows each `where` left out (text and md; JSON always has them).")
@ENCODING
def explain(plan_file, data, payee, line, fmt, lang, period, periods, prior, rows, encoding):
    """Explain one payee's payout line by line, down to the input rows."""
    plan, result = run_or_report(Path(plan_file), data, trace=True, payees=[payee], periods=periods, prior=prior, encoding=encoding)
    # the payee's rows again, read as the run read them, so the explanation names them by their own columns
    dataset = dsl.read_data(plan, default_data(Path(plan_file), data), payees=[payee], encoding=encoding)[0] if fmt != "json" else None
    if not result.payees:
        raise UsageError(f"payee '{payee}' has no computed period")
    payee_result = result.payees[-1]
    if period is not None:
        chosen = [p for p in result.payees if str(p.period) == period.strip()]
        if not chosen:
            ran = ", ".join(str(p.period) for p in result.payees)
            raise UsageError(f"the run has no period {period} (it ran {ran}); runs start at the first period the data cover, or give --periods")
        payee_result = chosen[0]
    if line is not None:
        labels = [l.label for l in payee_result.lines + payee_result.accruals] + [f.label for f in payee_result.flags]
        if line not in labels:
            hint = did_you_mean(line, labels)
            raise UsageError(f'the plan has no line "{line}"' + (f"; {hint}" if hint else ""))
    click.echo(dsl.explain(plan, payee_result, line=line, format=fmt, lang=lang, dataset=dataset, rows=rows), nl=False)


@cli.command("test")
@click.argument("paths", nargs=-1, required=True)
def test_command(paths):
    """Run the tests written inside plans (files or directories)."""
    passed = failed = 0
    for path in plan_files(paths):
        compilation = dsl.load(path)
        sources = {compilation.source.name: compilation.source}
        if compilation.plan is None:
            emit(list(compilation.diagnostics), sources)
            click.echo(f"FAIL {path}: the plan does not check")
            failed += 1
            continue
        for outcome in dsl.run_tests(compilation.plan):
            if outcome.passed:
                passed += 1
                click.echo(f"ok   {path} :: {outcome.name} ({outcome.checked} expectations)")
            else:
                failed += 1
                click.echo(f"FAIL {path} :: {outcome.name}")
                emit(list(outcome.failures), sources)
    click.echo(f"{passed} passed, {failed} failed")
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)


def _periods(period: Optional[str], periods: Optional[str]) -> Optional[str]:
    if period and periods:
        raise UsageError("give --period (one) or --periods (a sequence), not both")
    return period or periods


lint_commands.register(cli)
cli.add_command(statement_command.statement)
cli.add_command(diff_commands.command(run_or_report, _periods))


def main(argv=None):
    try:
        cli.main(args=argv, prog_name="plan", standalone_mode=False)
    except UsageError as exc:
        click.echo(f"plan: error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except click.exceptions.Abort:
        click.echo("plan: aborted", err=True)
        sys.exit(EXIT_USAGE)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_USAGE)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # the last line of defence: never a traceback
        click.echo(f"plan: internal error: {type(exc).__name__}: {exc}", err=True)
        click.echo("please report this with the plan and data that caused it", err=True)
        sys.exit(EXIT_USAGE)
    sys.exit(EXIT_OK)


if __name__ == "__main__":
    main()
