"""Pay statements: one payee's period as a rep reads it (model.py), rendered as
Markdown (md.py), a self-contained HTML page (html.py) or a workbook (xlsx.py)."""
from dsl.statement.model import Statement, build_statement

__all__ = ["Statement", "build_statement"]
