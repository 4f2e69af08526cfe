"""Pages of the documentation site that are generated while mkdocs builds it.

`hooks.py` is named in mkdocs.yml (`hooks:`); it adds, as pages that exist only in
the built site (nothing is written under docs/):

- `cookbook/<folder>.md`, one per bundled plan folder (cookbook.py): the plan, and
  the real output of `plan run` and `plan explain` for one payee, produced by
  running the `plan` command in the build's own process;
- `cli.md`, the command-line reference, from the click commands (cli_reference.py);
- `rules/index.md`, the table of every diagnostic and lint code (rules_index.py).

and replaces `<!-- plan-output: ARGS -->` / `<!-- plan-file: PATH -->` lines of any
page with the real output of `plan ARGS` / the file as a ```plan block.

The site is built in English and in Chinese (mkdocs-static-i18n: `x.zh.md` is the
Chinese page of `x.md`); the generated pages are made once per language, the
cookbook's explanations with `--lang zh` on the Chinese site.

A new plan folder, command, option or code appears on the site at the next build.
"""
