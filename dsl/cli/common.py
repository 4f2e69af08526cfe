"""What every `plan` subcommand shares: exit codes, usage errors, finding plan
files on the command line, the language of diagnostics (`--lang`) and printing
them (on standard error)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import click

from dsl.core import i18n
from dsl.core.diagnostics import Diagnostic, render
from dsl.core.source import SourceFile

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A problem with how the command was called (exit code 2)."""


def plan_files(paths) -> list[Path]:
    """FILE or DIR arguments → .plan files (directories searched recursively)."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*.plan") if p.is_file())
            if not found:
                # A CI step pointed at the wrong folder must not pass by checking nothing.
                raise UsageError(f"no .plan files in {raw}")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise UsageError(f"no such file or directory: {raw}")
    return files


def default_data(plan_path: Path, data: Optional[str]) -> str:
    """The data to run on: --data, else the data/ folder beside the plan."""
    if data:
        return data
    beside = plan_path.parent / "data"
    if beside.exists():
        return str(beside)
    raise UsageError(f"no --data given and no data/ folder beside {plan_path}")


def emit(diagnostics: list[Diagnostic], sources: dict[str, SourceFile], stream=None, lang: str = "en") -> None:
    """Print diagnostics in `lang`, on standard error unless `stream` says otherwise: results
    go to standard output, so `plan run > out.csv` never writes an error into the CSV."""
    for diag in diagnostics:
        click.echo(render(diag, sources, lang), file=stream, err=stream is None)


LANG = click.option(
    "--lang", "lang", type=click.Choice(list(i18n.LANGS)), default=None,
    help="The language of diagnostics (and of the output's words where it has them): zh or en. "
         "Default: lang in [tool.plan] of the nearest pyproject.toml or plan.toml, else the locale "
         "(LC_ALL, LC_MESSAGES, LANG starting with zh), else en.")


def diagnostics_lang(option: Optional[str], start) -> str:
    """The language of diagnostics: `--lang`, else the configuration found from `start`
    (a plan file or folder), else the locale, else English."""
    configured = None
    if option is None:
        import dsl

        try:
            configured = dsl.lint_config(start).lang
        except dsl.LintConfigError as exc:
            raise UsageError(str(exc)) from None
    return i18n.choose(option, configured, os.environ)


def _check_encoding(ctx, param, value):
    from dsl.api import encoding_problem

    problem = encoding_problem(value)
    if problem:
        raise click.BadParameter(problem)
    return value


ENCODING = click.option(
    "--encoding", default=None, callback=_check_encoding, metavar="NAME",
    help="The encoding of the data's text files (CSV, JSON), e.g. big5 or latin-1 "
         "(default: UTF-8, with or without a BOM, or GB18030; anything else is refused).")
