"""The language diagnostics are shown in: Chinese (zh) or English (en).

A `Diagnostic` always holds its message in English — the API, the JSON and
SARIF reports and the tests read that text — and `render` translates it when it
prints. The messages are built by f-strings all over the checker, the data
readers and the evaluator, so a translation is a template: the English message
with its holes named, `unknown name '{name}'`, and its Chinese form with the
same holes, `未知的名称 '{name}'`. The text that fills a hole is translated too
when it is itself a known phrase (a type such as `a percent`, a look-alike
character's name, a nested message), so `cannot add money and a percent` reads
`不能把金额和百分比相加`. A message no template matches is shown in English:
a missing translation never hides a diagnostic.

    >>> translate("unknown name 'salse'", "zh")
    "未知的名称 'salse'"
    >>> translate("did you mean 'sales'?", "zh")
    "你是否想写 'sales'？"
    >>> translate("a message nobody translated", "zh")
    'a message nobody translated'

Which language a command uses: its `--lang` option, else `lang` in the
configuration file (`[tool.plan]` of pyproject.toml, or plan.toml), else the
locale (`LC_ALL`, then `LC_MESSAGES`, then `LANG`: one starting with `zh` is
Chinese), else English (`choose`).
"""
from __future__ import annotations

import functools
import re
from typing import Mapping, Optional

from dsl.core.i18n_zh import PHRASES, TEMPLATES

LANGS = ("zh", "en")
DEFAULT = "en"

# The fixed words of a rendered diagnostic.
WORDS: Mapping[str, Mapping[str, str]] = {
    "en": {"error": "error", "warning": "warning", "note": "note", "hint": "hint"},
    "zh": {"error": "错误", "warning": "警告", "note": "提示", "hint": "建议"},
}

_HOLE = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
# Holes a message may leave empty: a clause added at its end, like "; unless …".
_OPTIONAL = ("extra", "forfeit", "more")


def _quoted(english: str) -> frozenset:
    """The holes written in quotes, `'{name}'`: a name from the plan or the data, never translated
    (a table named 'table' stays 'table').

    >>> sorted(_quoted("input '{name}' has no field '{field}'; {why}"))
    ['field', 'name']
    """
    return frozenset(re.findall(r"""(?<=['"])\{([a-z_][a-z0-9_]*)\}(?=['"])""", english))


def _compile(english: str) -> re.Pattern:
    """`unknown name '{name}'` → a regex matching the whole message, one named group per hole."""
    parts, at, seen = [], 0, set()
    for hole in _HOLE.finditer(english):
        parts.append(re.escape(english[at:hole.start()]))
        name = hole.group(1)
        wild = ".*?" if name in _OPTIONAL else ".+?"
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>{wild})")
        seen.add(name)
        at = hole.end()
    parts.append(re.escape(english[at:]))
    return re.compile("".join(parts), re.DOTALL)


@functools.lru_cache(maxsize=None)
def _compiled(code: str = "") -> tuple[tuple[re.Pattern, str], ...]:
    """The templates, those of `code` first: "{file} row {line}, column {column}: {what}" of an
    unreadable file must not be chosen for an unknown payee's row and column."""
    ordered = sorted(TEMPLATES, key=lambda entry: entry[0] != code) if code else TEMPLATES
    return tuple((_compile(english), chinese, _quoted(english)) for _, english, chinese in ordered)


@functools.lru_cache(maxsize=1)
def _phrases() -> tuple[tuple[re.Pattern, str, frozenset], ...]:
    return tuple((_compile(english), chinese, _quoted(english)) for english, chinese in PHRASES)


def _fill(chinese: str, match: re.Match, depth: int, quoted: frozenset) -> str:
    def filled(hole: re.Match) -> str:
        value = match.group(hole.group(1))
        return value if hole.group(1) in quoted else _hole(value, depth)

    return _HOLE.sub(filled, chinese)


def _hole(value: str, depth: int) -> str:
    """The text that filled a hole, translated when it is a known phrase or message."""
    if depth > 3 or not value:
        return value
    shown = _phrase(value, depth)
    if shown is not None:
        return shown
    for pattern, chinese, quoted in _compiled():
        match = pattern.fullmatch(value)
        if match:
            return _fill(chinese, match, depth + 1, quoted)
    if ", " in value:
        return _listing(value, depth)
    return value


def _listing(value: str, depth: int) -> str:
    """A list of phrases, "a name, an amount like 50万 or 3000元, '}'", each translated (the longest
    phrase first, since a phrase may hold a comma) and joined with 、; any other text with a comma in
    it, such as a band [0, 50万), is left as it is."""
    parts, out, at, changed = value.split(", "), [], 0, False
    while at < len(parts):
        for end in range(len(parts), at, -1):
            piece = ", ".join(parts[at:end])
            shown = _phrase(piece, depth)
            if shown is not None or end == at + 1:
                changed = changed or shown is not None
                out.append(piece if shown is None else shown)
                at = end
                break
    return "、".join(out) if changed else value


def _phrase(value: str, depth: int) -> Optional[str]:
    for pattern, chinese, quoted in _phrases():
        match = pattern.fullmatch(value)
        if match:
            return _fill(chinese, match, depth + 1, quoted)
    return None


def match(message: str, code: str = "") -> Optional[str]:
    """The Chinese form of an English message (of diagnostic `code`), or None when no template matches it."""
    for pattern, chinese, quoted in _compiled(code):
        found = pattern.fullmatch(message)
        if found:
            return _fill(chinese, found, 0, quoted)
    return None


def translate(message: str, lang: str, code: str = "") -> str:
    """`message` (of diagnostic `code`) in `lang`; English, and any message without a translation, unchanged."""
    if lang != "zh" or not message:
        return message
    return match(message, code) or message


def word(key: str, lang: str) -> str:
    """A fixed word of the rendered frame: error, warning, note, hint."""
    return WORDS.get(lang, WORDS[DEFAULT]).get(key, key)


def from_locale(environ: Mapping[str, str]) -> Optional[str]:
    """The language the locale asks for: the first of LC_ALL, LC_MESSAGES, LANG that is set decides.

    >>> from_locale({"LANG": "zh_CN.UTF-8"}), from_locale({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}), from_locale({})
    ('zh', 'en', None)
    """
    for key in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(key, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return None


def choose(option: Optional[str], configured: Optional[str], environ: Mapping[str, str]) -> str:
    """The language to use: the option, else the configuration, else the locale, else English.

    >>> choose("en", "zh", {"LANG": "zh_CN.UTF-8"}), choose(None, "zh", {"LANG": "en_US"}), choose(None, None, {"LANG": "zh_TW"})
    ('en', 'zh', 'zh')
    >>> choose(None, None, {})
    'en'
    """
    return option or configured or from_locale(environ) or DEFAULT
