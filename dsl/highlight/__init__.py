"""Highlighting of .plan text: the vocabulary read from the grammar, a Pygments
lexer (registered under the name `plan`) and the TextMate grammar for editors,
both built from that one vocabulary."""
