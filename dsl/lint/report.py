"""Lint findings → text, JSON, SARIF 2.1.0 and GitHub workflow commands; plan tests → JUnit XML.

text is the one renderer of dsl.diagnostics (location, message, code, source
line, caret). json is a list of `Diagnostic.to_json()`. SARIF lists the whole
catalogue of codes (checker, data, test and lint) as rules, each with its
help text and an absolute `helpUri` to its page on the published docs (the
`docs_url` setting), and one result per finding, a suppressed finding with
its `# plan: ignore[...]` reason as an in-source suppression; columns
are counted in Unicode code points and SARIF's `endColumn` is one past the last
character. github prints `::error file=…,line=…::message` lines that GitHub
Actions turns into annotations on the pull request.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Optional
from urllib.parse import quote

from dsl.core.diagnostics import Code, Diagnostic, render
from dsl.core.source import SourceFile
from dsl.lint.catalogue import all_codes
from dsl.lint.config import DOCS_URL

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_LEVELS = {"error": "error", "warning": "warning", "note": "note"}
GITHUB_COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}


def doc_page(code: str) -> str:
    """The docs page of a code, relative to the repository root.

    >>> doc_page("L001"), doc_page("E109")
    ('docs/rules/L001-tier-gap.md', 'docs/rules/E109-tier-overlap.md')
    """
    entry = all_codes()[code]
    return f"docs/rules/{entry.code}-{entry.name}.md"


def doc_url(code: str, docs_url: str = DOCS_URL) -> str:
    """The published page of a code: mkdocs serves docs/rules/X.md at rules/X/.

    >>> doc_url("L001")
    'https://plan.example.org/rules/L001-tier-gap/'
    """
    page = doc_page(code)[len("docs/"):-len(".md")]
    return docs_url.rstrip("/") + "/" + quote(page) + "/"


def help_text(entry: Code) -> str:
    """A rule's summary, then the first paragraph of its page's "What it finds" when the docs are beside the package."""
    page = Path(__file__).resolve().parents[2] / doc_page(entry.code)
    try:
        text = page.read_text(encoding="utf-8")
    except OSError:
        return entry.summary
    _, found, rest = text.partition("## What it finds")
    paragraph = " ".join(rest.strip().split("\n\n")[0].split()) if found else ""
    return f"{entry.summary}\n\n{paragraph}" if paragraph and not paragraph.startswith("#") else entry.summary


def catalogue() -> list[Code]:
    """Every code (checker, data, test and lint), sorted: the rules of the SARIF driver."""
    return sorted(all_codes().values(), key=lambda c: c.code)


def as_text(diagnostics: Iterable[Diagnostic], sources: dict[str, SourceFile]) -> str:
    return "\n".join(render(d, sources) for d in diagnostics)


def as_json(diagnostics: Iterable[Diagnostic]) -> str:
    return json.dumps([d.to_json() for d in diagnostics], ensure_ascii=False, indent=2)


def _uri(file: str) -> str:
    path = Path(file)
    try:
        path = path.resolve().relative_to(Path.cwd().resolve())
    except (ValueError, OSError):
        pass
    return quote(path.as_posix())


def _location(diag: Diagnostic, fallback_file: Optional[str]) -> list:
    span = diag.span
    file = span.file if span else fallback_file
    if not file:
        return []
    physical: dict = {"artifactLocation": {"uri": _uri(file)}}
    if span and span.line > 0:
        physical["region"] = {
            "startLine": span.line,
            "startColumn": max(1, span.column),
            "endLine": max(span.end_line, span.line),
            "endColumn": max(span.end_column, span.column) + 1,
        }
    return [{"physicalLocation": physical}]


def as_sarif(diagnostics: Iterable[Diagnostic], version: str = "", files: Iterable[str] = (), docs_url: str = "",
             suppressed: Iterable[tuple[Diagnostic, str]] = ()) -> str:
    """`suppressed`: (finding, reason) pairs that `# plan: ignore[...]` comments accepted."""
    codes = catalogue()
    index = {c.code: i for i, c in enumerate(codes)}
    rules = [
        {
            "id": c.code,
            "name": c.name,
            "shortDescription": {"text": c.summary},
            "defaultConfiguration": {"level": SARIF_LEVELS.get(c.severity, "warning")},
            "helpUri": doc_url(c.code, docs_url or DOCS_URL),
            "help": {"text": help_text(c)},
            "properties": {"group": c.group},
        }
        for c in codes
    ]
    results = []
    everything = [(d, None) for d in diagnostics] + list(suppressed)
    for diag, reason in everything:
        result = {
            "ruleId": diag.code,
            "level": SARIF_LEVELS.get(diag.severity, "warning"),
            "message": {"text": diag.message + (f" (hint: {diag.hint})" if diag.hint else "")},
            "locations": _location(diag, None),
        }
        if diag.code in index:
            result["ruleIndex"] = index[diag.code]
        if reason is not None:
            result["suppressions"] = [{"kind": "inSource", "justification": reason}]
        results.append(result)
    driver = {"name": "plan", "rules": rules}
    if version:
        driver["version"] = version
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "columnKind": "unicodeCodePoints",
                "artifacts": [{"location": {"uri": _uri(f)}} for f in files],
                "results": results,
            }
        ],
    }
    return json.dumps(log, ensure_ascii=False, indent=2)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def as_github(diagnostics: Iterable[Diagnostic]) -> str:
    lines = []
    for diag in diagnostics:
        command = GITHUB_COMMANDS.get(diag.severity, "warning")
        props = []
        span = diag.span
        if span:
            props.append(f"file={_escape_property(Path(span.file).as_posix())}")
            if span.line > 0:
                props += [
                    f"line={span.line}",
                    f"col={max(1, span.column)}",
                    f"endLine={max(span.end_line, span.line)}",
                    f"endColumn={max(span.end_column, span.column)}",
                ]
        props.append(f"title={_escape_property(f'{diag.code} {diag.name}'.strip())}")
        message = diag.message + (f" (hint: {diag.hint})" if diag.hint else "")
        lines.append(f"::{command} {','.join(props)}::{_escape_data(message)}")
    return "\n".join(lines)


def as_junit(suites: Iterable[tuple[str, list[tuple[str, Optional[int], list[Diagnostic]]]]]) -> str:
    """Plan tests as JUnit XML: one <testsuite> per plan file, one <testcase> per test
    (`(name, line, failures)`), a <failure> per failing expectation with its message and
    file:line. No times or host names, so the same run writes the same bytes."""
    import xml.etree.ElementTree as ET

    root = ET.Element("testsuites", name="plan test")
    total = failed = 0
    for file, cases in suites:
        suite = ET.SubElement(root, "testsuite", name=file, tests=str(len(cases)),
                              failures=str(sum(bool(f) for _, _, f in cases)), errors="0", skipped="0")
        for name, line, failures in cases:
            case = ET.SubElement(suite, "testcase", name=name, classname=file, file=file)
            if line is not None:
                case.set("line", str(line))
            for diag in failures:
                where = f"{diag.span.file}:{diag.span.line}" if diag.span else file
                failure = ET.SubElement(case, "failure", message=diag.message, type=f"{diag.code} {diag.name}".strip())
                failure.text = f"{where}: {diag.message}" + (f" (hint: {diag.hint})" if diag.hint else "")
        total += len(cases)
        failed += sum(bool(f) for _, _, f in cases)
    root.set("tests", str(total))
    root.set("failures", str(failed))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
