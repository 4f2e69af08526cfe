"""Lint rules, one module per rule or small family of rules.

Each rule is a `Rule` value made with the `@rule(...)` decorator of
`dsl.lint.registry`; defining one registers nothing. `dsl.lint.catalogue`
lists every rule of these modules in one tuple, so adding a rule is a function
here, one line there, and its page under docs/rules/.
"""
