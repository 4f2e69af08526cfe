"""Results → files: CSV, JSON and xlsx of every payee's lines.
"""
