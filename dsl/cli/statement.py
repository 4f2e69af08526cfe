"""`plan statement`: what a rep receives about their pay, per payee, as HTML, Markdown or a workbook.

    plan statement PLAN --payee ID --format html|md|xlsx [--lang zh|en] [--out FILE]   (--lang: the statement's words, zh
                                                                        unless given, and its diagnostics)
    plan statement PLAN --all --format html|md|xlsx --out DIR   (one file per payee; html adds index.html)

The run is traced (the interpreter), as for `plan explain`; the statement is of
the last period the run covers, or of --period. An unknown payee is the
diagnostic R002 with its did-you-mean hint, exit code 1.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

import click

from dsl.cli.common import ENCODING, LANG, UsageError, diagnostics_lang, existing_plan, run_or_report
from dsl.statement import build_statement
from dsl.statement.html import render_html, render_index, render_periods_html
from dsl.statement.md import render_markdown, render_periods_markdown
from dsl.statement.xlsx import write_periods_xlsx, write_xlsx

SUFFIX = {"html": "html", "md": "md", "xlsx": "xlsx"}


@click.command("statement")
@click.argument("plan_file", type=click.Path(dir_okay=False))
@click.option("--data", "data", help="A folder of CSV files, an .xlsx workbook or a .json file (default: data/ beside the plan).")
@click.option("--payee", help="Whose statement to write.")
@click.option("--all", "everyone", is_flag=True, help="Every payee's statement, one file each in --out DIR.")
@click.option("--format", "fmt", type=click.Choice(list(SUFFIX)), required=True)
@LANG
@click.option("--out", help="The file to write (a folder with --all); md and html go to standard output without it.")
@click.option("--period", "period", help="The statement of this period (default: the last period of the run).")
@click.option("--periods", "periods", help="The periods to run; the statement is of the last (default: the periods the data cover).")
@click.option("--every-period", "every_period", is_flag=True,
              help="One document per payee with a statement for each period of the run, after a table of each period's total.")
@ENCODING
def statement(plan_file, data, payee, everyone, fmt, lang, out, period, periods, every_period, encoding):
    """Write pay statements: each line in plain words, the rows credited, attainment, caps, gates and holds."""
    if bool(payee) == everyone:
        raise UsageError("give --payee ID for one statement or --all for every payee")
    if period and periods:
        raise UsageError("give --period (the statement's period) or --periods (the periods to run), not both")
    if every_period and period:
        raise UsageError("--every-period writes every period of the run: give --periods (the periods to run), not --period")
    if everyone and not out:
        raise UsageError("--all writes one file per payee: give a folder with --out DIR")
    if fmt == "xlsx" and not out:
        raise UsageError("--format xlsx writes a workbook: give it a file with --out statement.xlsx")
    path = existing_plan(plan_file)
    shown = diagnostics_lang(lang, path)
    lang = lang or "zh"
    plan, result, dataset = run_or_report(path, data, trace=True, payees=[payee] if payee else None, periods=periods,
                                          encoding=encoding, lang=shown)
    if every_period:
        statements = [[build_statement(plan, one, dataset, lang) for one in results] for results in _by_payee(result.payees).values()]
    else:
        statements = [build_statement(plan, _of_period(results, period), dataset, lang) for results in _by_payee(result.payees).values()]
    if not statements:
        raise UsageError("the run computed no payee")
    if not everyone:
        _write_one(statements[0], fmt, out)
        return
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    names = _file_names([(s[0] if isinstance(s, list) else s).payee for s in statements])
    for one, name in zip(statements, names):
        _write_one(one, fmt, str(folder / f"{name}.{SUFFIX[fmt]}"))
    if fmt == "html":
        (folder / "index.html").write_text(render_index(statements, [f"{n}.html" for n in names]), encoding="utf-8")
    click.echo(f"wrote {len(statements)} statement(s) to {folder}", err=True)


def _write_one(one, fmt: str, out: Optional[str]) -> None:
    """One payee's statement, or (a list) his statements of every period in one document."""
    several = isinstance(one, list)
    if fmt == "xlsx":
        (write_periods_xlsx if several else write_xlsx)(one, out)
        return
    if fmt == "html":
        text = render_periods_html(one) if several else render_html(one)
    else:
        text = render_periods_markdown(one) if several else render_markdown(one)
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


def _by_payee(results) -> dict:
    grouped: dict = {}
    for one in results:
        grouped.setdefault(one.payee, []).append(one)
    return grouped


def _of_period(results: list, period: Optional[str]):
    if period is None:
        return results[-1]
    for one in results:
        if str(one.period) == period.strip():
            return one
    ran = ", ".join(str(one.period) for one in results)
    raise UsageError(f"the run has no period {period} (it ran {ran}); runs start at the first period the data cover, or give --periods")


def _file_names(payees: list[str]) -> list[str]:
    """A file name per payee: characters no file system takes become _, and a name two payees share gets a number."""
    names, used = [], set()
    for payee in payees:
        base = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", payee).strip(". ") or "_"
        name, n = base, 2
        while name.lower() in used:
            name, n = f"{base}-{n}", n + 1
        used.add(name.lower())
        names.append(name)
    return names
