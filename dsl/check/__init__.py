"""AST → semantic model: names resolved, types and units checked, tier tables
validated, tests typed; the typed IR is built here.
"""
