"""What every `plan` subcommand shares: exit codes, usage errors, finding plan
files on the command line (or one plan on standard input), printing
diagnostics (on standard error, in colour on a terminal) and the options every
checking command takes (--format, --quiet, --stdin-filename, --lang: the language of diagnostics)."""
from __future__ import annotations

import fnmatch
import os
import re
import sys
from pathlib import Path
from typing import Optional, Sequence

import click

import dsl
from dsl.core import i18n
from dsl.core.diagnostics import Diagnostic, has_errors, render
from dsl.core.i18n import translate
from dsl.core.source import SourceFile

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
REPORT_FORMATS = ("text", "json", "github", "sarif")
STDIN = "-"


class UsageError(Exception):
    """A problem with how the command was called (exit code 2)."""


def existing_plan(raw) -> Path:
    """A PLAN_FILE argument that must name a file: a missing one is a usage error (exit 2) in every command."""
    path = Path(raw)
    if not path.is_file():
        raise UsageError(f"{'is a directory, not a plan file' if path.is_dir() else 'no such file'}: {raw}")
    return path


def _excluded(path: Path, top: Path, patterns: tuple[str, ...]) -> bool:
    """A hidden folder (`.git`, `.venv`, any name starting with '.') below `top`, or a path matching an `exclude` glob."""
    relative = path.relative_to(top)
    if any(part.startswith(".") for part in relative.parts[:-1]):
        return True
    shown = relative.as_posix()
    return any(fnmatch.fnmatch(shown, pattern) or fnmatch.fnmatch(path.name, pattern)
               or any(fnmatch.fnmatch(part, pattern) for part in relative.parts[:-1])
               for pattern in patterns)


def plan_files(paths) -> list[Path]:
    """FILE or DIR arguments → .plan files. Directories are searched recursively, past hidden
    folders and the `exclude` globs of the folder's configuration ([tool.plan] in
    pyproject.toml or plan.toml, found as lint finds it); a file named explicitly is always kept."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            try:
                patterns = dsl.lint_config(path).exclude
            except dsl.LintConfigError as exc:
                raise UsageError(str(exc)) from None
            found = sorted(p for p in path.rglob("*.plan") if p.is_file() and not _excluded(p, path, patterns))
            if not found:
                # A CI step pointed at the wrong folder must not pass by checking nothing.
                raise UsageError(f"no .plan files in {raw}")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise UsageError(f"no such file or directory: {raw}")
    return files


def stdin_plan(paths, stdin_filename: Optional[str]) -> Optional[dsl.Compilation]:
    """`-` among the paths: the plan text on standard input, checked as if it were the file
    `--stdin-filename` names (its diagnostics name that file, modules are found beside it).
    None when the plan comes from files."""
    if STDIN not in paths:
        if stdin_filename:
            raise UsageError("--stdin-filename names the plan read from standard input: give '-' as the path")
        return None
    if len(paths) > 1:
        raise UsageError("'-' (standard input) cannot be combined with other paths")
    try:
        text = sys.stdin.buffer.read().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"standard input is not UTF-8 text: {exc}") from None
    return dsl.load(text, stdin_filename or "<stdin>")


def default_data(plan_path: Path, data: Optional[str]) -> str:
    """The data to run on: --data, else the data/ folder beside the plan."""
    if data:
        return data
    beside = plan_path.parent / "data"
    if beside.exists():
        return str(beside)
    raise UsageError(f"no --data given and no data/ folder beside {plan_path}")


# ---- colour ----------------------------------------------------------------------

_COLOURS = {"error": "31", "warning": "33", "note": "36"}  # red, yellow, cyan
_HEADER = re.compile(r"^(?P<head>(?:\S.*?: )?)(?P<level>error|warning|note)(?P<tail>: )")
_CARETS = re.compile(r"^(?P<gutter>\s*\|\s*)(?P<carets>\^[\^~]*)")


def use_colour(stream) -> bool:
    """Colour when `stream` is a terminal; NO_COLOR (any value) turns it off, FORCE_COLOR (any value) on even when piped."""
    if "NO_COLOR" in os.environ:
        return False
    if "FORCE_COLOR" in os.environ:
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _paint(code: str, text: str) -> str:
    return f"\x1b[{code}m{text}\x1b[0m"


def coloured(text: str, severity: str) -> str:
    """A rendered diagnostic with its severity word and its carets in the severity's colour (bold red for errors)."""
    colour = _COLOURS.get(severity, "0")
    out = []
    for line in text.split("\n"):
        line = _HEADER.sub(lambda m: m["head"] + _paint("1;" + colour, m["level"]) + m["tail"], line, count=1)
        line = _CARETS.sub(lambda m: m["gutter"] + _paint("1;" + colour, m["carets"]), line, count=1)
        out.append(line)
    return "\n".join(out)


def emit(diagnostics: list[Diagnostic], sources: dict[str, SourceFile], stream=None, lang: str = "en") -> None:
    """Print diagnostics in `lang`, on standard error unless `stream` says otherwise: results
    go to standard output, so `plan run > out.csv` never writes an error into the CSV.
    In colour when the stream is a terminal (see `use_colour`)."""
    target = stream if stream is not None else sys.stderr
    paint = use_colour(target)
    for diag in diagnostics:
        text = render(diag, sources, lang)
        click.echo(coloured(text, diag.severity) if paint else text, file=stream, err=stream is None, color=paint)


def version() -> str:
    from importlib.metadata import PackageNotFoundError, version as installed

    try:
        return installed("plan-dsl")
    except PackageNotFoundError:
        return ""


def report(diagnostics: list[Diagnostic], output: str, sources: dict[str, SourceFile], files=(), docs_url: str = "",
           stream=None, suppressed=(), lang: str = "en") -> None:
    """Diagnostics in the --format the user chose: text (rendered, on `stream`), or json, sarif or
    github on standard output (the one renderer of each is dsl.lint_report's). SARIF also lists
    the `suppressed` (finding, reason) pairs, marked as suppressed in the source."""
    if output == "text":
        emit(diagnostics, sources, stream, lang)
        return
    if output == "json":
        click.echo(dsl.lint_report(diagnostics, "json"))
    elif output == "sarif":
        click.echo(dsl.lint_report(diagnostics, "sarif", version=version(), files=[str(f) for f in files], docs_url=docs_url,
                                   suppressed=suppressed))
    else:
        text = dsl.lint_report(diagnostics, "github")
        if text:
            click.echo(text)


def summary(text: str, quiet: bool, err: bool = True, lang: str = "en") -> None:
    """The closing count of a command, in `lang`; --quiet leaves only the findings."""
    if not quiet:
        click.echo(i18n.translate(text, lang), err=err)


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
FORMAT = click.option("--format", "output", type=click.Choice(REPORT_FORMATS), default="text", show_default=True,
                      help="How findings are printed: text, json, github (workflow annotations) or sarif (2.1.0).")
QUIET = click.option("-q", "--quiet", is_flag=True, help="Print only the findings, no summary line (exit codes unchanged).")
STDIN_FILENAME = click.option("--stdin-filename", metavar="NAME",
                              help="With '-' as the path: the plan read from standard input is reported as NAME, "
                                   "and its modules are found beside it.")


LANG = click.option(
    "--lang", "lang", type=click.Choice(list(i18n.LANGS)), default=None,
    help="The language of diagnostics (and of the output's words where it has them): zh or en. "
         "Default: lang in [tool.plan] of the nearest pyproject.toml or plan.toml, else the locale "
         "(LC_ALL, LC_MESSAGES, LANG starting with zh), else en.")


def usage_lang(argv: Sequence[str]) -> str:
    """The language of a usage error, decided before (or without) a command's own options are
    parsed: `--lang X` among the arguments, else the configuration found from the first argument
    that is an existing path (else the working folder), else the locale, else English."""
    option = None
    for at, arg in enumerate(argv):
        if arg == "--lang" and at + 1 < len(argv):
            option = argv[at + 1]
        elif arg.startswith("--lang="):
            option = arg.partition("=")[2]
    if option in i18n.LANGS:
        return option
    start = next((Path(arg) for arg in argv if not arg.startswith("-") and Path(arg).exists()), Path.cwd())
    try:
        configured = dsl.lint_config(start).lang
    except (dsl.LintConfigError, OSError):
        configured = None
    return i18n.choose(None, configured, os.environ)


def usage_text(exc, lang: str) -> str:
    """A usage error as printed: `plan: error: …` (`plan：错误：…` in zh), or click's own usage
    line, its help pointer and the problem, each in `lang`."""
    colon = "：" if lang == "zh" else ": "
    if isinstance(exc, UsageError):
        return f"plan{colon}{i18n.word('error', lang)}{colon}{i18n.translate(str(exc), lang)}"
    if type(exc).__name__ == "NoArgsIsHelpError":  # `plan` alone, or a group without its command: the help itself
        return exc.format_message()
    lines = []
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        usage = ctx.get_usage()
        if usage.startswith("Usage:") and lang == "zh":
            usage = i18n.translate("Usage:", lang) + usage[len("Usage:"):].lstrip()
        lines.append(usage)
        if ctx.command.get_help_option(ctx) is not None:
            lines.append(i18n.translate(f"Try '{ctx.command_path} --help' for help.", lang))
        lines.append("")
    lines.append(f"{i18n.word('error', lang).capitalize()}{colon}{i18n.translate(exc.format_message(), lang)}")
    return "\n".join(lines)


def diagnostics_lang(option: Optional[str], start) -> str:
    """The language of diagnostics: `--lang`, else the configuration found from `start`
    (a plan file or folder), else the locale, else English."""
    configured = None
    if option is None:
        try:
            configured = dsl.lint_config(start).lang
        except dsl.LintConfigError as exc:
            raise UsageError(str(exc)) from None
    return i18n.choose(option, configured, os.environ)


def load_or_report(path: Path, lang: str = "en") -> dsl.Compilation:
    compilation = dsl.load(existing_plan(path))
    emit(list(compilation.diagnostics), {compilation.source.name: compilation.source}, lang=lang)
    return compilation


def run_or_report(path: Path, data: Optional[str], trace: bool, payees=None, periods: Optional[str] = None, prior: Optional[str] = None,
                  engine: str = "interpreter", encoding: Optional[str] = None, overrides: Sequence[str] = (),
                  compilation: Optional[dsl.Compilation] = None, lang: str = "en"):
    """Load (unless `compilation` is given), read the data (default: beside `path`), apply the
    `--set` overrides and evaluate; on errors print the diagnostics (in `lang`) and exit.
    Returns the plan, the run's results and the dataset it computed from (an explanation and a
    statement name the rows by their columns from it, without reading the files again)."""
    compilation = load_or_report(path, lang) if compilation is None else compilation
    if compilation.plan is not None and overrides:
        try:  # a let named by --set is redefined in a copy of the plan, checked again; the rest set data fields
            compilation, overrides = dsl.api.set_lets(compilation, overrides)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    plan = compilation.plan
    if plan is None:
        sys.exit(EXIT_FINDINGS)
    sources = {compilation.source.name: compilation.source}
    dataset, read = dsl.read_data(plan, default_data(path, data), engine=engine, payees=payees, encoding=encoding)
    if dataset is None or has_errors(read):
        emit(read, sources, lang=lang)
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
    except (dsl.api.NotLowered, dsl.api.SparkUnavailable, dsl.api.SparkOverflow) as exc:
        raise UsageError(str(exc)) from None
    run_diags = list(read) + list(result.diagnostics)
    usage = [d for d in run_diags if d.code == "R002"]
    emit([d for d in run_diags if d.code != "R002"], sources, lang=lang)
    if usage:
        raise UsageError("; ".join(translate(d.message, lang, d.code) + (f" ({translate(d.hint, lang, d.code)})" if d.hint else "") for d in usage))
    if has_errors(run_diags):
        sys.exit(EXIT_FINDINGS)
    return plan, result, dataset
