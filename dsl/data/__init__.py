"""Data files → typed, exact tables: the cell grammar, the readers (CSV, xlsx,
JSON) and the dataset with its payee index and row provenance.
"""
