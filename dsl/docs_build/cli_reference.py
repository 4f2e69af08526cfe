"""The command-line reference page, read from the click commands of dsl/cli.

Every command's usage, description and options come from the command objects
themselves (the text `plan COMMAND --help` prints, and a table of the options),
so a new command or option is documented at the next build.

>>> page = cli_page()
>>> "## plan explain" in page and "`--payee TEXT`" in page
True
"""
from __future__ import annotations

import click

from dsl.cli.main import cli

INTRO = """# Command line

`plan COMMAND [OPTIONS] ARGS`. Exit codes: **0** ok, **1** findings, data errors or
failed tests, **2** a usage error (a bad option, a missing file, an unknown payee) or an
internal error. Diagnostics go to standard error, results to standard output, so
`plan run plan.plan > results.csv` never writes an error into the CSV.

This page is generated from the commands themselves (dsl/docs_build/cli_reference.py)
when the site is built; `plan COMMAND --help` prints the same text.
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def command_section(name: str, command: click.Command, parent: click.Context) -> str:
    """One command: its `--help` text and a table of its arguments and options."""
    ctx = click.Context(command, info_name=name, parent=parent)
    lines = [f"## plan {name}\n", "```text", command.get_help(ctx), "```\n"]
    rows = []
    for param in command.get_params(ctx):
        if isinstance(param, click.Argument):
            rows.append((f"`{_metavar(param, ctx)}`", "argument", "required" if param.required else "optional"))
            continue
        record = param.get_help_record(ctx)
        if record is None:
            continue
        flags, help_text = record
        rows.append((f"`{flags}`", "option", help_text))
    if rows:
        lines += ["| name | kind | meaning |", "|---|---|---|"]
        lines += [f"| {_cell(a)} | {b} | {_cell(c)} |" for a, b, c in rows]
    return "\n".join(lines) + "\n"


def _metavar(param: click.Argument, ctx: click.Context) -> str:
    try:
        return param.make_metavar(ctx)  # click 8.2 and later
    except TypeError:
        return param.make_metavar()  # click 8.1


def cli_page() -> str:
    """The whole reference: the group's help, then each command in alphabetical order."""
    # the width `plan --help` uses in a pipe (80 columns less click's margin of 2), whatever
    # the terminal that builds the site
    root = click.Context(cli, info_name="plan", terminal_width=78, **cli.context_settings)
    parts = [INTRO, "```text", cli.get_help(root), "```\n"]
    for name in cli.list_commands(root):
        parts.append(command_section(name, cli.get_command(root, name), root))
    return "\n".join(parts)
