"""The `plan` command line.

    plan check FILE|DIR... [--format F]    static checks (F: text, json, github, sarif; -q: no summary)
    plan run FILE [--data PATH]            every payee's lines → CSV, JSON or xlsx (--engine auto|duckdb|interpreter|spark)
    plan explain FILE --payee ID           one payee's lines, traced to the data
    plan test PATH... [--junit FILE]       run the tests written inside plans (and --format, -q)
    plan statement FILE --payee ID|--all   a rep's pay statement as HTML, Markdown or xlsx (statement.py)
    plan diff OLD NEW | FILE --rev REV     two runs compared per payee and line (diff.py)
    plan lint / plan fmt                   (lint.py)

The commands call only the public API (`dsl`), and `dsl.core` for printing
diagnostics.

check, lint and test read the plan from standard input given `-` (and
`--stdin-filename NAME` to report it as NAME). A plan file that does not exist
is a usage error in every command.
Every command that prints diagnostics takes `--lang zh|en` (dsl.cli.common.LANG):
the option, else `lang` in the configuration file, else the locale, else English.

Exit codes: 0 ok; 1 findings, data errors or failed tests; 2 usage or internal
error. No traceback reaches the user: an unexpected exception is reported as an
internal error with exit code 2.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import click

import dsl
from dsl.cli import diff as diff_commands
from dsl.cli import lint as lint_commands
from dsl.cli import statement as statement_command
from dsl.cli.common import (ENCODING, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, FORMAT, LANG, QUIET, STDIN_FILENAME, UsageError,
                            diagnostics_lang, emit, plan_files, report, run_or_report, stdin_plan, summary, usage_lang,
                            usage_text)
from dsl.core.diagnostics import did_you_mean
from dsl.core.i18n import translate


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="plan-dsl")
def cli():
    """Plan-as-code for sales compensation: check, run, explain and test .plan files."""


def _compilations(paths, stdin_filename: Optional[str]) -> list[tuple[Path, dsl.Compilation]]:
    """The plans a checking command works on: the one on standard input (`-`), or the files and directories given."""
    piped = stdin_plan(paths, stdin_filename)
    if piped is not None:
        return [(Path(piped.source.name), piped)]
    return [(path, dsl.load(path)) for path in plan_files(paths)]


def _docs_url(path: Path) -> str:
    try:
        return dsl.lint_config(path).docs_url
    except dsl.LintConfigError as exc:
        raise UsageError(str(exc)) from None


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@FORMAT
@QUIET
@STDIN_FILENAME
@LANG
def check(paths, output, quiet, stdin_filename, lang):
    """Check plans for syntax, name and type errors."""
    failed = 0
    compilations = _compilations(paths, stdin_filename)
    diagnostics, sources = [], {}
    for path, compilation in compilations:
        diagnostics += compilation.diagnostics
        sources[compilation.source.name] = compilation.source
        if not compilation.ok:
            failed += 1
    files = [path for path, _ in compilations]
    lang = diagnostics_lang(lang, files[0])
    report(diagnostics, output, sources, files, _docs_url(files[0]) if output == "sarif" else "", lang=lang)
    summary(f"checked {len(files)} plan(s): {failed} with errors", quiet, lang=lang)
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)


@cli.command()
@click.argument("plan_file", type=click.Path(dir_okay=False))
@click.option("--data", "data", help="A folder of CSV files, an .xlsx workbook or a .json file (default: data/ beside the plan).")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "xlsx"]), default="csv", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), help="Write here instead of standard output (required for xlsx).")
@click.option("--period", "period", help="Run one period: 2026-07, 2026-Q3, 2026 (default: the periods the data cover).")
@click.option("--periods", "periods", help="Run a sequence of periods in order, carrying the ledger: 2026-01..2026-12.")
@click.option("--prior", "prior", type=click.Path(dir_okay=False), help="Continue an earlier run: the JSON results it wrote (its balances and lines).")
@click.option("--engine", type=click.Choice(["auto", "interpreter", "duckdb", "spark"]), default="auto", show_default=True,
              help="Compute with the reference interpreter, with the plan lowered to SQL on embedded DuckDB, or with the same SQL "
                   "on Spark in local mode (the `spark` extra; the same results); auto runs DuckDB on large data when the plan lowers.")
@ENCODING
@click.option("--set", "overrides", multiple=True, metavar="INPUT.FIELD=VALUE|LET=VALUE",
              help="What if: this field of this input holds VALUE (written as in a data cell: 120万, 85%, 是) in every row, "
                   "or this let of the plan is VALUE (written as in the plan). Repeatable.")
@click.option("--totals", is_flag=True, help="CSV: after each payee's rows of a period, a row of kind `total` with what the payee is paid.")
@click.option("--bom", is_flag=True, help="CSV: start with a UTF-8 byte order mark, so Excel reads Chinese text correctly.")
@LANG
def run(plan_file, data, fmt, out, period, periods, prior, engine, encoding, overrides, totals, bom, lang):
    """Compute every payee's payout lines (per period, with the ledger's postings and balances)."""
    if fmt == "xlsx" and not out:
        raise UsageError("--format xlsx writes a workbook: give it a file with --out results.xlsx")
    if (totals or bom) and fmt != "csv":
        raise UsageError("--totals and --bom are options of --format csv")
    plan, result, _ = run_or_report(Path(plan_file), data, trace=False, periods=_periods(period, periods), prior=prior, engine=engine,
                                 encoding=encoding, overrides=overrides, lang=diagnostics_lang(lang, plan_file))
    if out:
        dsl.write_results(plan, result, out, fmt, totals=totals, bom=bom)
        click.echo(f"wrote {len(result.payees)} payee(s) to {out}", err=True)
    else:
        click.echo(dsl.render_results(plan, result, fmt, totals=totals, bom=bom), nl=False)


@cli.command()
@click.argument("plan_file", type=click.Path(dir_okay=False))
@click.option("--data", "data", help="A folder of CSV files, an .xlsx workbook or a .json file (default: data/ beside the plan).")
@click.option("--payee", required=True, help="Whose payout to explain.")
@click.option("--line", "line", help="Only this payout line or flag.")
@click.option("--format", "fmt", type=click.Choice(["text", "md", "json"]), default="text", show_default=True)
@LANG
@click.option("--period", "period", help="Explain this period (default: the last period of the run).")
@click.option("--periods", "periods", help="The periods to run before explaining (default: the periods the data cover).")
@click.option("--prior", "prior", type=click.Path(dir_okay=False), help="Continue an earlier run: the JSON results it wrote.")
@click.option("--rows", "rows", is_flag=True, help="Also list the rows each `where` left out (text and md; JSON always has them).")
@ENCODING
def explain(plan_file, data, payee, line, fmt, lang, period, periods, prior, rows, encoding):
    """Explain one payee's payout line by line, down to the input rows (in Chinese unless --lang en)."""
    plan, result, dataset = run_or_report(Path(plan_file), data, trace=True, payees=[payee], periods=periods, prior=prior,
                                          encoding=encoding, lang=diagnostics_lang(lang, plan_file))
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
    click.echo(dsl.explain(plan, payee_result, line=line, format=fmt, lang=lang or "zh", dataset=dataset if fmt != "json" else None, rows=rows), nl=False)


@cli.command("test")
@click.argument("paths", nargs=-1, required=True)
@FORMAT
@QUIET
@STDIN_FILENAME
@click.option("--junit", "junit", type=click.Path(dir_okay=False), metavar="FILE",
              help="Also write the results as JUnit XML (one testsuite per plan file, one testcase per test).")
@LANG
def test_command(paths, output, quiet, stdin_filename, junit, lang):
    """Run the tests written inside plans (files or directories)."""
    passed = failed = 0
    text = output == "text"
    diagnostics, sources, suites = [], {}, []
    compilations = _compilations(paths, stdin_filename)
    lang = diagnostics_lang(lang, compilations[0][0])
    for path, compilation in compilations:
        sources[compilation.source.name] = compilation.source
        if compilation.plan is None:
            if text:
                emit(list(compilation.diagnostics), sources, lang=lang)
                click.echo(translate(f"FAIL {path}: the plan does not check", lang))
            diagnostics += compilation.diagnostics
            suites.append((str(path), [("the plan checks", None, [d for d in compilation.diagnostics if d.is_error])]))
            failed += 1
            continue
        cases = []
        for test, outcome in zip(compilation.plan.tests, dsl.run_tests(compilation.plan)):
            cases.append((outcome.name, test.span.line, list(outcome.failures)))
            diagnostics += outcome.failures
            if outcome.passed:
                passed += 1
                if text and not quiet:
                    click.echo(translate(f"ok   {path} :: {outcome.name} ({outcome.checked} expectations)", lang))
            else:
                failed += 1
                if text:
                    click.echo(translate(f"FAIL {path} :: {outcome.name}", lang))
                    emit(list(outcome.failures), sources, lang=lang)
        suites.append((str(path), cases))
    if not text:
        report(diagnostics, output, sources, [p for p, _ in compilations], _docs_url(compilations[0][0]) if output == "sarif" else "")
    if junit:
        Path(junit).write_text(dsl.api.junit_report(suites), encoding="utf-8")
    summary(f"{passed} passed, {failed} failed", quiet, err=not text, lang=lang)
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)


def _periods(period: Optional[str], periods: Optional[str]) -> Optional[str]:
    if period and periods:
        raise UsageError("give --period (one) or --periods (a sequence), not both")
    return period or periods


lint_commands.register(cli)
cli.add_command(statement_command.statement)
cli.add_command(diff_commands.command(_periods))


def main(argv=None):
    try:
        cli.main(args=argv, prog_name="plan", standalone_mode=False)
    except (UsageError, click.ClickException) as exc:
        click.echo(usage_text(exc, usage_lang(sys.argv[1:] if argv is None else list(argv))), err=True)
        sys.exit(EXIT_USAGE)
    except click.exceptions.Abort:
        click.echo("plan: aborted", err=True)
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
