"""Text → AST: the grammar, the syntax tree, the parser (comments captured per call)
and the printer (the formatter). Knows nothing of types or data.
"""
