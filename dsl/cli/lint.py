"""The `plan lint` and `plan fmt` commands (registered into dsl.cli's group).

    plan lint FILE|DIR... [--format text|json|sarif|github] [--fail-on error|warning|note] [--config FILE] [-q] [--lang zh|en]
              (or `plan lint - --stdin-filename NAME`: the plan on stdin, reported as NAME)
    plan fmt  FILE|DIR... [--check] [--diff] [-q] [--lang zh|en]  (or `plan fmt -`: stdin → stdout)

lint exits 1 when a finding is at or above the --fail-on severity (default:
error), 0 otherwise. fmt rewrites files in place; with --check it only lists
the files it would change, with --diff it prints the changes; either exits 1
when a file is not formatted. --lang chooses the language of the text findings
and of syntax errors; json, sarif and github keep the English messages. A file that does not parse is reported with its
syntax error and never rewritten (exit 1). A bad configuration file, or a path
that does not exist, exits 2.
"""
from __future__ import annotations

import difflib
import sys
from pathlib import Path

import click

import dsl
from dsl.cli.common import FORMAT, LANG, QUIET, STDIN_FILENAME

RANK = {"note": 0, "warning": 1, "error": 2}


def register(cli) -> None:
    cli.add_command(lint_command)
    cli.add_command(fmt_command)


def _configs(files, config_path):
    from dsl.cli.common import UsageError

    try:
        if config_path:
            fixed = dsl.lint_config(files[0] if files else ".", config_path)
            return {path: fixed for path in files}
        cache: dict = {}
        return {path: dsl.lint_config(path, cache=cache) for path in files}
    except dsl.LintConfigError as exc:
        raise UsageError(str(exc)) from None


@click.command("lint")
@click.argument("paths", nargs=-1, required=True)
@FORMAT
@click.option("--fail-on", type=click.Choice(["error", "warning", "note"]), default="error", show_default=True, help="Exit 1 when a finding is at least this severe.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, exists=True), help="Use this plan.toml/pyproject.toml instead of searching upward.")
@QUIET
@STDIN_FILENAME
@LANG
def lint_command(paths, output, fail_on, config_path, quiet, stdin_filename, lang):
    """Check plans, then look for likely mistakes: gaps, cliffs, dead caps, units, failing plan tests."""
    from dsl.cli.common import diagnostics_lang, plan_files, report, stdin_plan, summary

    piped = stdin_plan(paths, stdin_filename)
    if piped is not None:
        files = [Path(piped.source.name)]
        configs = _configs(files, config_path)
        compilations = [(files[0], piped)]
    else:
        files = plan_files(paths)
        configs = _configs(files, config_path)
        compilations = [(path, dsl.load(path, str(path))) for path in files]
    diagnostics, sources, suppressed = [], {}, []
    for path, compilation in compilations:
        diagnostics += list(compilation.diagnostics) + dsl.lint(compilation, configs[path], suppressed)
        sources[compilation.source.name] = compilation.source
    docs_url = next(iter(configs.values())).docs_url if configs else ""
    chosen = lang or next((c.lang for c in configs.values() if c.lang), None) or diagnostics_lang(None, files[0])
    report(diagnostics, output, sources, files, docs_url, stream=sys.stdout, suppressed=suppressed, lang=chosen)
    if output == "text":
        counts = {level: sum(d.severity == level for d in diagnostics) for level in ("error", "warning", "note")}
        summary(f"linted {len(files)} plan(s): {counts['error']} error(s), {counts['warning']} warning(s), {counts['note']} note(s)", quiet,
                lang=chosen)
    failing = any(RANK.get(d.severity, 2) >= RANK[fail_on] for d in diagnostics)
    sys.exit(1 if failing else 0)


def _format_stdin(lang: str) -> None:
    from dsl.cli.common import emit
    from dsl.core.source import SourceFile

    text = sys.stdin.buffer.read().decode("utf-8")
    formatted, diagnostics = dsl.format(text, "<stdin>")
    if formatted is None:
        source = SourceFile("<stdin>", text)
        emit(diagnostics, {source.name: source}, lang=lang)
        sys.exit(1)
    _verify(text, formatted, "<stdin>")
    sys.stdout.buffer.write(formatted.encode("utf-8"))
    sys.stdout.flush()
    sys.exit(0)


def _verify(original: str, formatted: str, name: str) -> None:
    """The formatter must not change meaning; if it would, write nothing (exit 2)."""
    before, _ = dsl.parse(original, name)
    after, _ = dsl.parse(formatted, name)
    if after is None or before != after:
        raise RuntimeError(f"formatting {name} would change its meaning; nothing was written")


@click.command("fmt")
@click.argument("paths", nargs=-1, required=True)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 and list the files that are not formatted.")
@click.option("--diff", "show_diff", is_flag=True, help="Write nothing; print what would change as a unified diff.")
@QUIET
@LANG
def fmt_command(paths, check, show_diff, quiet, lang):
    """Rewrite plans in the canonical layout (comments kept)."""
    from dsl.cli.common import UsageError, diagnostics_lang, emit, plan_files, summary
    from dsl.core.source import SourceFile

    if "-" in paths:
        if len(paths) > 1:
            raise UsageError("'-' (standard input) cannot be combined with other paths")
        _format_stdin(diagnostics_lang(lang, "."))
    unformatted, broken = [], 0
    files = plan_files(paths)
    lang = diagnostics_lang(lang, files[0])
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            click.echo(f"{path}: cannot read: {exc}", err=True)
            broken += 1
            continue
        formatted, diagnostics = dsl.format(text, str(path))
        if formatted is None:
            emit(diagnostics, {str(path): SourceFile(str(path), text)}, sys.stderr, lang=lang)
            broken += 1
            continue
        if formatted == text:
            continue
        _verify(text, formatted, str(path))
        unformatted.append(path)
        if show_diff:
            diff = difflib.unified_diff(
                text.splitlines(keepends=True), formatted.splitlines(keepends=True), f"{path}", f"{path} (formatted)"
            )
            click.echo("".join(diff), nl=False)
        if check:
            click.echo(f"would reformat {path}")
        if not (check or show_diff):
            Path(path).write_text(formatted, encoding="utf-8")
            summary(f"reformatted {path}", quiet, lang=lang)
    verb = "would reformat" if (check or show_diff) else "reformatted"
    summary(f"{len(files)} plan(s): {verb} {len(unformatted)}, {broken} could not be parsed", quiet, lang=lang)
    sys.exit(1 if broken or ((check or show_diff) and unformatted) else 0)
