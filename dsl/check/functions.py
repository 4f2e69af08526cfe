"""Functions of the plan language: their signatures, their checking, and their inlining.

`fn 封顶达成(实际: money, 目标: money) -> percent = clamp(实际 / 目标, 0%, 150%)` is pure,
first-order and typed. A call is not kept in the IR: the checker checks the body again
at every call, with each parameter standing for the argument's checked expression, so
the interpreter and the SQL lowering see only the body (DESIGN.md: passes inline
functions). The inlined body's top node carries an `ir.CallSite` in its `via` note, so
an explanation shows the call and its arguments above the body's steps.

Checks: the argument count (E105), each argument's type against its parameter's
(E103, naming the parameter), the body's type against the declared result (E103), a
function that calls itself, directly or through others (E107, naming the chain). A
body's own mistakes are reported once, at the definition, never again at each call.
"""
from __future__ import annotations

import attrs

from dsl import ir
from dsl.check.expressions import describe as _describe
from dsl.core.diagnostics import ARGUMENT_COUNT, CYCLE, DUPLICATE, SYNTAX, TYPE_MISMATCH, diagnostic
from dsl.ir.walk import children
from dsl.syntax.parser import MAX_NESTING
from dsl.core.source import Span
from dsl.core.types import ERROR, INT, NUMBER, EnumType, Type, is_money, is_textual
from dsl.syntax import ast


# How many functions may be inlined one inside another. With the parser's bound on each
# expression (MAX_NESTING), the expanded expression is also held to MAX_NESTING levels:
# every later stage walks it by recursion, as it walks a written expression.
MAX_CALL_DEPTH = 25


def depth(expr) -> int:
    """The levels of an IR expression (a leaf is 1), found without recursion."""
    deepest, stack = 0, [(expr, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children(node))
    return deepest


def accepts(declared: Type, given: Type) -> bool:
    """May a value of type `given` be passed where `declared` is expected?

    >>> from dsl.core.types import MoneyType, PERCENT
    >>> accepts(MoneyType("CNY"), MoneyType("CNY")), accepts(MoneyType("CNY"), MoneyType("USD")), accepts(NUMBER, INT)
    (True, False, True)
    >>> accepts(PERCENT, NUMBER)
    False
    """
    if declared == given:
        return True
    if declared == NUMBER:
        return given == INT
    if isinstance(declared, EnumType):
        return isinstance(given, EnumType) and set(given.values) <= set(declared.values)
    if is_textual(declared) and not isinstance(declared, EnumType):
        return is_textual(given)
    return False


@attrs.frozen
class Signature:
    name: str
    params: tuple[tuple[str, Type], ...]
    result: Type
    decl: ast.FnDecl


class Functions:
    """The functions one file defines, checked and inlined by that file's checker.

    `owner` is the file's PlanChecker: its ExprChecker checks the bodies (so a body
    sees the file's own tier tables, definitions and functions), its `resolve_type`
    reads the parameter types. `stack` holds the functions being inlined, one inside
    another, and is how a call of a function by itself is found.
    """

    def __init__(self, owner, decls: dict[str, ast.FnDecl]):
        self.owner = owner
        self.decls = decls
        self.signatures: dict[str, Signature] = {}
        self.state: dict[str, str] = {}  # name -> checking | ok | bad
        self.stack: list[str] = []
        self.cycles: set[frozenset] = set()

    def names(self) -> list[str]:
        return list(self.decls)

    def signature(self, name: str) -> Signature:
        if name not in self.signatures:
            decl = self.decls[name]
            params = tuple((p.name, self.owner.resolve_type(p.type)) for p in decl.params)
            self.signatures[name] = Signature(name, params, self.owner.resolve_type(decl.result), decl)
        return self.signatures[name]

    # ---- the definition, checked once
    def check_definition(self, name: str) -> bool:
        """Check a function's body with each parameter a placeholder of its declared type;
        report its mistakes (once). True when it checks."""
        if name in self.state:
            return self.state[name] != "bad"
        self.state[name] = "checking"
        signature = self.signature(name)
        decl = signature.decl
        exprs = self.owner.exprs
        seen: dict[str, Span] = {}
        ok = True
        for param in decl.params:
            if param.name in seen:
                self.owner.error(DUPLICATE, f"parameter '{param.name}' of '{name}' is declared twice", param.span,
                                 notes=(("first declared here", seen[param.name]),))
                ok = False
            seen[param.name] = param.span
        placeholders = tuple(ir.LetRef(p, t, s.span, p) for (p, t), s in zip(signature.params, decl.params))
        saved = exprs.diagnostics
        exprs.diagnostics = self.owner.diagnostics  # the definition's mistakes are reported
        try:
            body = self._body(signature, placeholders)
        finally:
            exprs.diagnostics = saved
        if ERROR in (body.type, signature.result) or any(t == ERROR for _, t in signature.params):
            ok = False
        elif not accepts(signature.result, body.type):
            self.owner.error(TYPE_MISMATCH, f"function '{name}' is declared to return {_describe(signature.result)}, "
                             f"but its body is {_describe(body.type)}", decl.body.span)
            ok = False
        self.state[name] = "ok" if ok else "bad"
        return ok

    def _body(self, signature: Signature, args: tuple) -> ir.Expr:
        """The body checked with the parameters standing for `args` (a cycle is reported here)."""
        exprs = self.owner.exprs
        outer = exprs.params
        exprs.params = {p: a for (p, _), a in zip(signature.params, args)}
        self.stack.append(signature.name)
        try:
            return exprs.check(signature.decl.body)
        finally:
            self.stack.pop()
            exprs.params = outer

    # ---- a call
    def call(self, name: str, shown: str, node: ast.Call, args: list[ir.Expr], caller) -> ir.Expr:
        """The body of `name` with `args` in place of its parameters, noted as called at `node`.

        `shown` is the function as the call writes it (`阶梯.提成`); `caller` the ExprChecker
        of the file that calls (its diagnostics are where argument mistakes go)."""
        decl = self.decls[name]
        if name in self.stack:
            self._cycle(name, node.span)
            return caller.bad(node)
        if len(self.stack) >= MAX_CALL_DEPTH:
            caller.error(SYNTAX, f"calls nest more than {MAX_CALL_DEPTH} functions deep here", node.span,
                         hint="compute a step of the chain in a let and pass it on")
            return caller.bad(node)
        signature = self.signature(name)
        if len(args) != len(signature.params):
            wanted = ", ".join(f"{p}: {_describe(t)}" for p, t in signature.params)
            caller.error(ARGUMENT_COUNT, f"function '{shown}' takes {len(signature.params)} argument(s) ({wanted}), got {len(args)}",
                         node.span, notes=((f"'{shown}' is defined here", decl.name_span),))
            return caller.bad(node)
        given = []
        for (param, declared), arg, arg_node in zip(signature.params, args, node.args):
            if arg.type == ERROR:
                return caller.bad(node)
            arg = caller.coerce_zero(arg, declared) if declared != ERROR else arg
            if declared == INT and isinstance(arg, ir.Const) and arg.type == NUMBER and arg.value == arg.value.to_integral_value():
                arg = attrs.evolve(arg, type=INT)  # a whole number written as a literal is a count
            if declared != ERROR and not accepts(declared, arg.type):
                caller.error(TYPE_MISMATCH, f"argument '{param}' of '{shown}' must be {_describe(declared)}, got {_describe(arg.type)}",
                             arg_node.span, notes=((f"'{shown}' is defined here", decl.name_span),))
                return caller.bad(node)
            given.append(arg)
        if not self.check_definition(name):
            return caller.bad(node)
        exprs = self.owner.exprs
        saved = exprs.diagnostics
        exprs.diagnostics = quiet = []  # the body's own mistakes were reported at the definition
        try:
            body = self._body(signature, tuple(given))
        finally:
            exprs.diagnostics = saved
        if body.type == ERROR:
            if quiet:
                caller.error(TYPE_MISMATCH, f"'{shown}' does not check with these arguments: {quiet[0].message}", node.span,
                             notes=(("the body's step", quiet[0].span),))
            return caller.bad(node)
        if depth(body) > MAX_NESTING:
            caller.error(SYNTAX, f"'{shown}' here expands to an expression nesting more than {MAX_NESTING} levels deep", node.span,
                         hint="compute the arguments, or a step of the body, in lets")
            return caller.bad(node)
        site = ir.CallSite(shown, tuple(p for p, _ in signature.params), tuple(given), node.span, caller.text(node.span))
        return attrs.evolve(body, via=(site,) + body.via)

    def _cycle(self, name: str, span: Span) -> None:
        chain = self.stack[self.stack.index(name):] + [name]
        key = frozenset(chain)
        if key in self.cycles:
            return
        self.cycles.add(key)
        decl = self.decls[name]
        self.owner.diagnostics.append(diagnostic(
            CYCLE, f"function '{name}' calls itself: {' → '.join(chain)}", span,
            notes=((f"'{name}' is defined here", decl.name_span),),
            hint="a function may call other functions, never itself (directly or through others)"))

