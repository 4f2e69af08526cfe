"""The `plan` command line.

    plan check FILE|DIR...                 static checks
    plan run FILE [--data PATH]            every payee's lines → CSV or JSON
    plan explain FILE --payee ID           one payee's lines, traced to the data
    plan test PATH...                      run the tests written inside plans
    plan lint / plan fmt                   (lint.py, fmt.py)

Exit codes: 0 ok; 1 findings, data errors or failed tests; 2 usage or internal
error. No traceback reaches the user: an unexpected exception is reported as an
internal error with exit code 2.
"""
from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Optional

import click

from dsl.core.diagnostics import Diagnostic, did_you_mean, has_errors, render
from dsl.run.results import RunResult
from dsl.explain.renderers import render_json, render_markdown, render_text
from dsl.api import load_plan, run_plan
from dsl.cli.common import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError, emit, plan_files
from dsl.cli import lint as lint_commands
from dsl.core.source import SourceFile
from dsl.run.trace import json_value





def default_data(plan_path: Path, data: Optional[str]) -> str:
    if data:
        return data
    beside = plan_path.parent / "data"
    if beside.exists():
        return str(beside)
    raise UsageError(f"no --data given and no data/ folder beside {plan_path}")


def load_or_report(path: Path):
    plan, diagnostics, source = load_plan(path)
    emit(diagnostics, {source.name: source})
    return plan, diagnostics, source


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
        plan, diagnostics, _ = load_or_report(path)
        if has_errors(diagnostics):
            failed += 1
    click.echo(f"checked {len(files)} plan(s): {failed} with errors", err=True)
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)


def run_or_report(path: Path, data: Optional[str], trace: bool, payees=None):
    plan, diagnostics, source = load_or_report(path)
    if plan is None or has_errors(diagnostics):
        sys.exit(EXIT_FINDINGS)
    bar = None
    if sys.stderr.isatty() and payees is None:
        # Only on a terminal: CI logs and redirected output stay clean.
        bar = lambda length: click.progressbar(length=length, label="computing payees", file=sys.stderr, show_pos=True)  # noqa: E731
    _, result, run_diags = run_plan(plan, default_data(path, data), trace=trace, payees=payees, progress_bar=bar)
    usage = [d for d in run_diags if d.code == "R002"]
    emit([d for d in run_diags if d.code != "R002"], {source.name: source})
    if usage:
        raise UsageError("; ".join(d.message + (f" ({d.hint})" if d.hint else "") for d in usage))
    if result is None or has_errors(run_diags):
        sys.exit(EXIT_FINDINGS)
    return plan, result


def result_rows(result: RunResult):
    for payee in result.payees:
        for line in payee.lines:
            yield {"payee": payee.payee, "line": line.label, "kind": line.kind, "value": json_value(line.value)}
        for flag in payee.flags:
            value = json_value(flag.value)
            if isinstance(value, bool):  # as in the JSON output, not Python's True/False
                value = "true" if value else "false"
            yield {"payee": payee.payee, "line": flag.label, "kind": "flag", "value": value}


@cli.command()
@click.argument("plan_file", type=click.Path(dir_okay=False))
@click.option("--data", "data", help="A folder of CSV files, an .xlsx workbook or a .json file (default: data/ beside the plan).")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "xlsx"]), default="csv", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), help="Write here instead of standard output (required for xlsx).")
def run(plan_file, data, fmt, out):
    """Compute every payee's payout lines."""
    if fmt == "xlsx" and not out:
        raise UsageError("--format xlsx writes a workbook: give it a file with --out results.xlsx")
    plan, result = run_or_report(Path(plan_file), data, trace=False)
    if fmt == "xlsx":
        from dsl.render.xlsx import write_workbook

        lines = [["payee", "line", "kind", "value"]]
        for payee in result.payees:
            lines += [[payee.payee, l.label, l.kind, l.value] for l in payee.lines]
            lines += [[payee.payee, f.label, "flag", f.value] for f in payee.flags]
        totals = [["payee", "total"]] + [[p.payee, p.total] for p in result.payees]
        write_workbook(out, {"lines": lines, "totals": totals})
        click.echo(f"wrote {len(result.payees)} payee(s) to {out}", err=True)
        return
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=["payee", "line", "kind", "value"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(result_rows(result))
        text = buffer.getvalue()
    else:
        text = json.dumps(
            {
                "plan": plan.name,
                "period": str(plan.period),
                "currency": plan.currency,
                "payees": [
                    {
                        "payee": p.payee,
                        "total": json_value(p.total),
                        "lines": [{"line": l.label, "kind": l.kind, "value": json_value(l.value)} for l in p.lines],
                        "flags": [{"flag": f.label, "value": json_value(f.value)} for f in p.flags],
                    }
                    for p in result.payees
                ],
            },
            ensure_ascii=False,
            indent=2,
        ) + "\n"
    if out:
        Path(out).write_text(text, encoding="utf-8")
        click.echo(f"wrote {len(result.payees)} payee(s) to {out}", err=True)
    else:
        click.echo(text, nl=False)


@cli.command()
@click.argument("plan_file", type=click.Path(dir_okay=False))
@click.option("--data", "data", help="A folder of CSV files, an .xlsx workbook or a .json file (default: data/ beside the plan).")
@click.option("--payee", required=True, help="Whose payout to explain.")
@click.option("--line", "line", help="Only this payout line or flag.")
@click.option("--format", "fmt", type=click.Choice(["text", "md", "json"]), default="text", show_default=True)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
def explain(plan_file, data, payee, line, fmt, lang):
    """Explain one payee's payout line by line, down to the input rows."""
    plan, result = run_or_report(Path(plan_file), data, trace=True, payees=[payee])
    payee_result = result.payees[0]
    if line is not None:
        labels = [l.label for l in payee_result.lines] + [f.label for f in payee_result.flags]
        if line not in labels:
            hint = did_you_mean(line, labels)
            raise UsageError(f'the plan has no line "{line}"' + (f"; {hint}" if hint else ""))
    if fmt == "text":
        click.echo(render_text(plan, payee_result, line, lang), nl=False)
    elif fmt == "md":
        click.echo(render_markdown(plan, payee_result, line, lang), nl=False)
    else:
        click.echo(render_json(plan, payee_result, line), nl=False)


@cli.command("test")
@click.argument("paths", nargs=-1, required=True)
def test_command(paths):
    """Run the tests written inside plans (files or directories)."""
    from dsl.run.testing import run_tests

    passed = failed = 0
    for path in plan_files(paths):
        plan, diagnostics, source = load_plan(path)
        sources = {source.name: source}
        if plan is None or has_errors(diagnostics):
            emit(diagnostics, sources)
            click.echo(f"FAIL {path}: the plan does not check")
            failed += 1
            continue
        for outcome in run_tests(plan):
            if outcome.passed:
                passed += 1
                click.echo(f"ok   {path} :: {outcome.name} ({outcome.checked} expectations)")
            else:
                failed += 1
                click.echo(f"FAIL {path} :: {outcome.name}")
                emit(list(outcome.failures), sources)
    click.echo(f"{passed} passed, {failed} failed")
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)


lint_commands.register(cli)


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
