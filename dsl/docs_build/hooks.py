"""mkdocs hooks (mkdocs.yml: `hooks: [dsl/docs_build/hooks.py]`): the generated pages.

- `on_config` checks that Pygments finds the `plan` lexer (the package's entry
  point, so ```plan blocks are highlighted) and fills the Cookbook section of the
  nav with one entry per plan folder;
- `on_files` adds the generated pages (cookbook/, cli.md, rules/index.md) to the
  site as files that exist only in the build;
- `on_page_markdown` replaces each `<!-- plan-output: ARGS -->` line of a page
  with the real output of `plan ARGS`, and each `<!-- plan-file: PATH -->` with
  the file as a ```plan block (cookbook.expand_directives).

Build from the repository root (`mkdocs build --strict`): the cookbook's commands
name plan files relative to it, as a reader types them.
"""
from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from mkdocs.plugins import event_priority

log = logging.getLogger("mkdocs.hooks.plan")

COOKBOOK_INDEX = "cookbook/index.md"


def _root(config) -> Path:
    return Path(config.config_file_path).resolve().parent


def _folders(config) -> list[Path]:
    from dsl.docs_build.cookbook import folders

    return folders(_root(config) / "plans")


def on_config(config):
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    from dsl.docs_build.cookbook import title

    try:
        get_lexer_by_name("plan")
    except ClassNotFound:
        raise RuntimeError("Pygments has no `plan` lexer: install the package first (pip install -e '.[dev]')") from None
    entries = [{title(folder): f"cookbook/{folder.name}.md"} for folder in _folders(config)]
    config.nav = [_fill(item, entries) for item in (config.nav or [])]
    return config


def _fill(item, entries):
    """The nav item `Cookbook: cookbook/index.md` becomes a section: the index, then every plan."""
    if isinstance(item, dict):
        (label, value), = item.items()
        if value == COOKBOOK_INDEX:
            return {label: [COOKBOOK_INDEX, *entries]}
        if isinstance(value, list):
            return {label: [_fill(child, entries) for child in value]}
    return item


def _language(config) -> tuple[str, str]:
    """(language, folder) of the build under way: the i18n plugin builds the site once per
    language, the default one at the top of the site and each other under its code (zh/)."""
    i18n = config.plugins.get("i18n")
    if i18n is None:
        return "en", ""
    if i18n.is_default_language_build:
        return i18n.current_language, ""
    return i18n.current_language, i18n.current_language


@event_priority(-110)  # after the i18n plugin (-100) has chosen each language's pages: these are added as they are
def on_files(files, config):
    from mkdocs.structure.files import File

    from dsl.docs_build.cli_reference import cli_page
    from dsl.docs_build.cookbook import cookbook_page, index_page, title
    from dsl.docs_build.rules_index import rules_page

    root = _root(config)
    if Path.cwd().resolve() != root:
        raise RuntimeError(f"build the docs from the repository root ({root}): the cookbook runs the plans there")
    language, folder_of_language = _language(config)
    started = time.perf_counter()
    pages = {}
    index = []
    for folder in _folders(config):
        pages[f"cookbook/{folder.name}.md"] = cookbook_page(folder.relative_to(root), root, language)
        index.append((title(folder), f"{folder.name}.md"))
    pages[COOKBOOK_INDEX] = index_page(index, language)
    cookbook_seconds = time.perf_counter() - started
    pages["cli.md"] = cli_page()
    pages["rules/index.md"] = rules_page()
    for uri, content in pages.items():
        if (Path(config.docs_dir) / uri).exists():
            raise RuntimeError(f"docs/{uri} exists, but the build generates it: remove the file")
        page = File.generated(config, uri, content=content)
        if folder_of_language:  # where the i18n plugin puts this language's pages
            page.dest_path = f"{folder_of_language}/{page.dest_path}"
            page.abs_dest_path = os.path.normpath(os.path.join(config.site_dir, page.dest_path))
            page.url = page._get_url(config.use_directory_urls)
        files.append(page)
    log.info("generated %d %s pages (cookbook: %d plan folders in %.2f s)", len(pages), language, len(index), cookbook_seconds)
    return files


def on_page_markdown(markdown, page, config, files):
    from dsl.docs_build.cookbook import expand_directives

    return expand_directives(markdown)
