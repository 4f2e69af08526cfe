"""The LALR parser built from grammar.lark, and its on-disk cache.

Building the parse tables from the grammar takes most of a `plan check`'s
start-up (about 0.2 s); loading them from a saved copy takes a tenth of that.
`build_parser` therefore keeps a saved copy in a cache directory:

- the file name carries a SHA-256 of everything the tables depend on (the
  grammar text, the Lark options, Lark's version and Python's), so a changed
  grammar, an upgraded Lark or another Python never reads tables built for
  something else: it simply finds no file under its own name and builds;
- the copy is written to a temporary file and renamed into place, so another
  process starting at the same moment reads either nothing or a whole file;
- a directory that cannot be written (a read-only install, no home directory)
  or a file that cannot be read back only costs the build: parsing is never
  affected.

The cache directory is `$XDG_CACHE_HOME/plan-dsl`, else the platform's user
cache directory (`~/.cache/plan-dsl` on Linux). It is per user, never the shared
temporary directory, because a saved parser is a pickle and must not be
readable from a place other users can write to.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Optional

import lark

GRAMMAR = Path(__file__).with_name("grammar.lark")

# The options every plan parser is built with: spans need positions; optional
# parts that are absent are left out rather than filled with None.
OPTIONS = {"parser": "lalr", "propagate_positions": True, "maybe_placeholders": False}


def cache_key(grammar: str) -> str:
    """A digest of everything a built parser depends on.

    >>> cache_key('start: "a"') == cache_key('start: "a"')
    True
    >>> cache_key('start: "a"') == cache_key('start: "b"')
    False
    """
    parts = [grammar, repr(sorted(OPTIONS.items())), lark.__version__, "%d.%d" % sys.version_info[:2]]
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


def cache_path(grammar: str, cache_dir: Path) -> Path:
    """Where the parser built from `grammar` is saved in `cache_dir`.

    >>> cache_path('start: "a"', Path("/c")).name.startswith("grammar-")
    True
    """
    return cache_dir / f"grammar-{cache_key(grammar)[:32]}.lark.pickle"


def default_cache_dir() -> Optional[Path]:
    """The per-user cache directory for saved parsers; None when there is no home."""
    base = os.environ.get("XDG_CACHE_HOME")
    if base and os.path.isabs(base):  # a relative value is to be ignored (XDG Base Directory spec)
        return Path(base) / "plan-dsl"
    try:
        home = Path.home()
    except (RuntimeError, KeyError):
        return None
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local") / "plan-dsl" / "cache"
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "plan-dsl"
    return home / ".cache" / "plan-dsl"


def build_parser(grammar: str, cache_dir: Optional[Path]) -> lark.Lark:
    """The LALR parser of `grammar`: loaded from `cache_dir` if it was saved there,
    else built (and saved there, if the directory can be written).

    >>> parser = build_parser('start: "a"+', None)
    >>> parser.parse("aaa").data
    Token('RULE', 'start')
    """
    path = cache_path(grammar, cache_dir) if cache_dir is not None else None
    if path is not None:
        loaded = _load(path)
        if loaded is not None:
            return loaded
    parser = lark.Lark(grammar, **OPTIONS)
    if path is not None:
        _save(parser, path)
    return parser


def _load(path: Path) -> Optional[lark.Lark]:
    try:
        with open(path, "rb") as saved:
            return lark.Lark.load(saved)
    except FileNotFoundError:
        return None
    except Exception:  # unreadable or damaged: build instead (and replace it)
        return None


def _save(parser: lark.Lark, path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".grammar-", suffix=".tmp", dir=path.parent)
    except OSError:
        return  # not writable: this run and the next simply build
    try:
        with os.fdopen(handle, "wb") as out:
            parser.save(out)
        os.replace(temporary, path)
    except (OSError, pickle.PicklingError):
        try:
            os.unlink(temporary)
        except OSError:
            pass
