"""Lint configuration: which rules run, and at what severity.

Settings live in `[tool.plan]` of a `pyproject.toml`, or at the top level of a
`plan.toml`. For each plan file the nearest such file, searching upward from
the plan's folder, wins (in one folder `plan.toml` comes before
`pyproject.toml`; a `pyproject.toml` without `[tool.plan]` is passed over):

    [tool.plan]
    disable = ["missing-rounding"]         # codes or names; "all" turns every rule off
    enable = ["tier-gap"]                  # applied after disable
    lang = "zh"                            # the language of diagnostics: zh | en
    [tool.plan.severity]
    tier-gap = "error"                     # error | warning | note | off

Two settings are not about rules: `exclude = ["drafts/*", "old_*.plan"]` (glob
patterns, matched against a path below the folder a command walks, its file
name or any folder name on the way) keeps files out of a directory walk, and
`docs_url = "https://plans.example.com/"` is where the rule pages are
published, so SARIF links each finding to its rule (default `DOCS_URL`).

Only lint rules (L codes) can be configured: checker errors mean the plan does
not work, and are always reported. `lang` is read by every command that prints
diagnostics; its `--lang` option wins over it, and it wins over the locale
(dsl.core.i18n). A bad file raises `ConfigError` naming it.
Rule names are checked against a catalogue (by default the lint catalogue,
`dsl.lint.catalogue.CATALOGUE`), passed in rather than looked up globally.
"""
from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Optional

import attrs

from dsl.core.diagnostics import REGISTRY, SEVERITIES, did_you_mean
from dsl.core.i18n import LANGS
from dsl.lint.catalogue import CATALOGUE
from dsl.lint.registry import Catalogue

KEYS = ("enable", "disable", "severity", "exclude", "docs_url", "lang")
DOCS_URL = "https://plan.example.org/"
LEVELS = (*SEVERITIES, "off")


class ConfigError(Exception):
    """A configuration file that cannot be used (exit code 2)."""


@attrs.frozen
class Config:
    """Resolved lint settings. `Config()` is the default: every rule on, at its own severity."""

    enable: tuple[str, ...] = ()  # rule codes
    disable: tuple[str, ...] = ()
    severity: tuple[tuple[str, str], ...] = ()  # (code, level)
    path: Optional[str] = None  # where it came from
    exclude: tuple[str, ...] = ()  # glob patterns a directory walk skips
    docs_url: str = DOCS_URL  # where docs/ is published (the rule pages are under rules/)
    lang: Optional[str] = None  # the language of diagnostics, when the file sets one

    def severity_of(self, code: str, default: str) -> Optional[str]:
        """The severity a rule reports at, or None when it is switched off."""
        level = dict(self.severity).get(code)
        if level == "off":
            return None
        on = True
        if "all" in self.disable or code in self.disable:
            on = False
        if "all" in self.enable or code in self.enable:
            on = True
        if code in REGISTRY:
            on = True  # checker, data and test codes are never switched off
            level = None
        return (level or default) if on else None


def _rule_codes(values, where: str, key: str, catalogue: Catalogue) -> tuple[str, ...]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ConfigError(f"{where}: '{key}' must be a list of rule codes or names, e.g. {key} = [\"tier-gap\"]")
    codes = []
    for value in values:
        if value.strip().lower() == "all":
            codes.append("all")
            continue
        codes.append(_one_code(value, where, key, catalogue))
    return tuple(codes)


def _one_code(value: str, where: str, key: str, catalogue: Catalogue) -> str:
    found = catalogue.find(value)
    if found is not None:
        return found.code
    if value.upper() in REGISTRY:
        raise ConfigError(f"{where}: '{key}' names {value.upper()}, a checker diagnostic; only lint rules (L codes) can be configured")
    names = [r.name for r in catalogue] + [r.code for r in catalogue]
    hint = did_you_mean(value, names)
    raise ConfigError(f"{where}: '{key}' names an unknown rule '{value}'" + (f"; {hint}" if hint else ""))


def from_table(table: dict, where: str, catalogue: Catalogue = CATALOGUE) -> Config:
    """Validate one settings table (the `[tool.plan]` table or a plan.toml) against the rules of `catalogue`.

    >>> from_table({"disable": ["tier-gap"], "severity": {"L018": "error"}}, "plan.toml")
    Config(enable=(), disable=('L001',), severity=(('L018', 'error'),), path='plan.toml', exclude=(), docs_url='https://plan.example.org/', lang=None)
    """
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [tool.plan] must be a table")
    for key in table:
        if key not in KEYS:
            hint = did_you_mean(key, KEYS)
            raise ConfigError(f"{where}: unknown setting '{key}'" + (f"; {hint}" if hint else f" (known: {', '.join(KEYS)})"))
    enable = _rule_codes(table.get("enable", []), where, "enable", catalogue)
    disable = _rule_codes(table.get("disable", []), where, "disable", catalogue)
    severity = table.get("severity", {})
    if not isinstance(severity, dict):
        raise ConfigError(f"{where}: 'severity' must be a table of rule = level, e.g. [tool.plan.severity] tier-gap = \"error\"")
    levels = []
    for key, level in severity.items():
        if level not in LEVELS:
            raise ConfigError(f"{where}: severity of '{key}' must be one of {', '.join(LEVELS)}, not {level!r}")
        levels.append((_one_code(key, where, "severity", catalogue), level))
    exclude = table.get("exclude", [])
    if not isinstance(exclude, list) or not all(isinstance(v, str) for v in exclude):
        raise ConfigError(f"{where}: 'exclude' must be a list of glob patterns, e.g. exclude = [\"drafts/*\"]")
    docs_url = table.get("docs_url", DOCS_URL)
    if not isinstance(docs_url, str) or not docs_url.startswith(("https://", "http://")):
        raise ConfigError(f"{where}: 'docs_url' must be an absolute http(s) address, e.g. docs_url = \"{DOCS_URL}\"")
    lang = table.get("lang")
    if lang is not None and lang not in LANGS:
        raise ConfigError(f"{where}: 'lang' must be one of {', '.join(LANGS)}, not {lang!r}")
    return Config(enable, disable, tuple(levels), where, tuple(exclude), docs_url if docs_url.endswith("/") else docs_url + "/", lang)


def read_config(path: str | Path) -> Optional[Config]:
    """Read one file. Returns None for a pyproject.toml without [tool.plan]."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        if not isinstance(tool, dict) or "plan" not in tool:
            return None
        return from_table(tool["plan"], f"{path} [tool.plan]")
    return from_table(data, str(path))


def find_config(start: str | Path, _cache: Optional[dict] = None) -> Config:
    """The configuration for a plan file or folder: nearest file upward wins."""
    start = Path(start).resolve()
    folder = start if start.is_dir() else start.parent
    cache = _cache if _cache is not None else {}
    visited = []
    found: Optional[Config] = None
    for directory in (folder, *folder.parents):
        if directory in cache:
            found = cache[directory]
            break
        visited.append(directory)
        for name in ("plan.toml", "pyproject.toml"):
            candidate = directory / name
            if candidate.is_file():
                found = read_config(candidate)
                if found is not None:
                    break
        if found is not None:
            break
    result = found or Config()
    for directory in visited:
        cache[directory] = result
    return result
