"""Modules and imports: `import 阶梯`, `import 阶梯 as J`, then `阶梯.提成(sales)`.

A module is a .plan file that opens with `module "名称"` instead of a plan header and
holds functions, tier tables, definitions (constants), imports of other modules and
tests. `import NAME` finds `NAME.plan` beside the importing file, else in the bundled
standard library (`dsl/stdlib/`, the `stdlib/` folder of the docs). The module is
checked once per check of a plan, by its own checker, in the plan's currency; its
tier tables and definitions join the plan's IR under the module's name
(`阶梯.提成比例`), and its functions are inlined at each call (check/functions.py).

Errors: a module that cannot be found (E118, did-you-mean over the modules beside
the file and in the stdlib), a plan's item in a module (E118), modules importing each
other in a circle (E107, naming both files' import lines).

The `ModuleLoader` is made for one check and passed down to every module it loads:
it holds which modules are loaded and which are being loaded; nothing is global.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from dsl import ir
from dsl.core.diagnostics import BAD_MODULE, CYCLE, Diagnostic, diagnostic, did_you_mean
from dsl.core.source import SourceFile, Span
from dsl.syntax import ast
from dsl.syntax.parser import parse_file

STDLIB = Path(__file__).resolve().parent.parent / "stdlib"

# what a module may hold: everything else (inputs, payout lines, the ledger, teams) belongs to a plan
MODULE_ITEMS = (ast.ModuleHeader, ast.ImportDecl, ast.FnDecl, ast.TiersDecl, ast.LetDecl, ast.TestDecl)


def stdlib_modules() -> list[str]:
    """The names of the bundled modules.

    >>> "达成" in stdlib_modules()
    True
    """
    return sorted(p.stem for p in STDLIB.glob("*.plan"))


def search_path(folder: Optional[Path]) -> list[Path]:
    """Where `import NAME` looks, in order: the importing file's folder, then the stdlib."""
    return ([folder] if folder is not None else []) + [STDLIB]


def shown(path: Path) -> str:
    """A module's file as diagnostics and explanations name it: a bundled one as `stdlib/NAME.plan`
    (wherever the package is installed), another relative to the working folder when it is below it."""
    if path.parent == STDLIB:
        return f"stdlib/{path.name}"
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def folder_of(source: SourceFile) -> Optional[Path]:
    """The folder of the file being checked, if it is a file (a plan given as text has none)."""
    path = Path(source.name)
    return path.resolve().parent if path.is_file() else None


class Module:
    """An imported module, as the importing file's checker sees it."""

    def __init__(self, name: str, path: Path, checker):
        self.name = name
        self.path = path
        self.checker = checker  # the module's own PlanChecker (prefix `name.`), already run
        self.functions = checker.functions
        self.prefix = checker.prefix

    def names(self) -> list[str]:
        """What `NS.` may be followed by: the module's functions, tier tables and definitions."""
        own = [n for n in self.checker.tiers if "." not in n]
        return list(self.functions.decls) + own + list(self.checker.let_decls)

    def example(self) -> str:
        names = self.names()
        return names[0] if names else "name"

    def tier_key(self, name: str) -> Optional[str]:
        return self.prefix + name if name in self.checker.tiers and "." not in name else None

    def constant(self, name: str) -> Optional[ir.Expr]:
        let = self.checker.lets.get(name)
        if let is None:
            return None
        return ir.LetRef(let.name, let.expr.type)

    def tiers(self) -> dict:
        """The module's tier tables (and those of the modules it imports) by their names in the importing plan."""
        return {(n if "." in n else self.prefix + n): t for n, t in self.checker.tiers.items()}

    def lets(self) -> list[ir.Let]:
        return list(self.checker.let_order)


class ModuleLoader:
    """Finds, parses and checks the modules one check imports (each once), and finds circles."""

    def __init__(self, currency: str, checker_class):
        self.currency = currency
        self.checker_class = checker_class  # the plan checker, which checks a module as it checks a plan
        self.loaded: dict[Path, Module] = {}
        self.loading: list[tuple[Path, Optional[Span]]] = []  # the files being checked, with the import that asked for each
        self.prefixes: dict[str, Path] = {}

    def find(self, name: str, folder: Optional[Path]) -> Optional[Path]:
        for place in search_path(folder):
            candidate = place / f"{name}.plan"
            if candidate.is_file():
                return candidate.resolve()
        return None

    def start(self, source: SourceFile) -> None:
        """The file being checked opens the chain of imports (a module that imports it back is a circle)."""
        path = Path(source.name)
        if path.is_file():
            self.loading.append((path.resolve(), None))

    def load(self, decl: ast.ImportDecl, folder: Optional[Path], diagnostics: list[Diagnostic]) -> Optional[Module]:
        path = self.find(decl.module, folder)
        if path is None:
            known = sorted({p.stem for place in search_path(folder) for p in place.glob("*.plan")})
            where = " or ".join(shown(place / f"{decl.module}.plan") for place in search_path(folder))
            diagnostics.append(diagnostic(BAD_MODULE, f"unknown module '{decl.module}': there is no {where}", decl.span,
                                          hint=did_you_mean(decl.module, known) or f"the modules are: {', '.join(known)}"))
            return None
        for index, (loading, span) in enumerate(self.loading):
            if loading == path:
                chain = [p.name for p, _ in self.loading[index:]] + [path.name]
                # the other end of the circle: where this module imports the next one
                onward = self.loading[index + 1] if index + 1 < len(self.loading) else None
                first = ((f"{path.name} imports {onward[0].name} here", onward[1]),) if onward is not None else ()
                diagnostics.append(diagnostic(
                    CYCLE, f"modules import each other in a circle: {' → '.join(chain)}", decl.span, notes=first,
                    hint="move what both need into a third module that imports neither"))
                return None
        if path in self.loaded:
            return self.loaded[path]

        syntax, errors, source = parse_file(path, shown(path))
        if syntax is None:
            diagnostics.extend(errors)
            return None
        if syntax.header() is not None or syntax.module_header() is None:
            diagnostics.append(diagnostic(BAD_MODULE, f"{path.name} is not a module: a module file opens with module \"{decl.module}\" "
                                          "and has no plan header", decl.span))
            return None
        prefix = decl.module
        while prefix in self.prefixes and self.prefixes[prefix] != path:  # two modules of one name, from two folders
            prefix += "'"
        self.prefixes[prefix] = path
        self.loading.append((path, decl.span))
        try:
            checker = self.checker_class(syntax, source, currency=self.currency, loader=self, prefix=prefix + ".")
            checker.run()
        finally:
            self.loading.pop()
        diagnostics.extend(checker.diagnostics)
        module = Module(decl.module, path, checker)
        self.loaded[path] = module
        return module


def misplaced(item) -> Optional[str]:
    """Why a module cannot hold `item` (None when it can)."""
    if isinstance(item, MODULE_ITEMS):
        return None
    if isinstance(item, ast.PlanHeader):
        return "a file has a plan header or a module header, not both"
    if isinstance(item, ast.LetDecl) or isinstance(item, ast.ColumnDecl):
        return "a module's definitions are constants; computed columns belong to a plan's inputs"
    return "a module holds functions, tier tables, definitions, imports and tests; inputs and lines belong to a plan"
