"""A statement as one self-contained HTML page: inline CSS, no script, no external
resource, readable on screen and printed (@media print); and the index page of a
folder of statements. Each line row carries its label and kind as data
attributes so a reader can find a line without parsing the sentence."""
from __future__ import annotations

from html import escape

import attrs

from dsl.core.display import show_value
from dsl.statement.md import line_label
from dsl.statement.model import Statement, periods_total

STYLE = """
body{font-family:-apple-system,"Segoe UI","PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;color:#1d2430;margin:0;background:#f4f6f9}
main{max-width:980px;margin:24px auto;background:#fff;padding:28px 36px;border-radius:6px;box-shadow:0 1px 4px rgba(0,0,0,.08)}
h1{font-size:1.5em;margin:0 0 4px}h2{font-size:1.1em;margin:28px 0 8px;border-bottom:1px solid #dde2ea;padding-bottom:4px}
.who{color:#536075;margin:0 0 16px}.total{font-size:1.3em;margin:8px 0 20px}.total strong{font-size:1.4em}
table{border-collapse:collapse;width:100%;font-size:.95em}th,td{padding:6px 8px;border-bottom:1px solid #e7ebf0;text-align:left;vertical-align:top}
thead th{background:#eef2f7}td.num,th.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
tfoot th,tfoot td{font-weight:bold;border-top:2px solid #1d2430}.kind{color:#536075;font-size:.9em}code{font-size:.9em;color:#37474f}
ul{padding-left:1.2em}li{margin:3px 0}
@media print{body{background:#fff}main{box-shadow:none;margin:0;max-width:none;padding:0}h2{break-after:avoid}tr{break-inside:avoid}a{color:inherit;text-decoration:none}}
"""


def _numeric(type_name: str) -> bool:
    return type_name.startswith(("money", "number", "percent", "int"))


def _page(lang: str, title: str, body: list[str]) -> str:
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n" + "\n".join(body) + "\n</main>\n</body>\n</html>\n")


def render_html(statement: Statement) -> str:
    w = statement.words
    return _page(statement.lang, f"{w['statement']} · {statement.payee} · {statement.period}", _body(statement))


def render_periods_html(statements: list[Statement]) -> str:
    """One payee's statements of several periods on one page: each period's total (linking to its
    section) and the total over them, then each period's statement in a section of its own."""
    first = statements[0]
    w, money, e = first.words, first.money, escape
    total = periods_total(statements)
    body = [f"<h1>{e(w['statement'])}</h1>",
            f'<p class="who"><span class="payee">{e(first.payee)}</span> · {e(first.plan)} · {e(w["period"])} '
            f"{e(statements[0].period)} – {e(statements[-1].period)}</p>",
            f'<p class="total">{e(w["periods_total"])} <strong class="periods-total-value">{show_value(total, money)}</strong> {e(first.currency)}</p>',
            f'<table class="periods"><thead><tr><th>{e(w["period"])}</th><th class="num">{e(w["paid_total"])}</th></tr></thead><tbody>']
    body += [f'<tr data-period="{e(one.period)}"><td><a href="#period-{index}">{e(one.period)}</a></td>'
             f'<td class="num">{show_value(one.total, money)}</td></tr>' for index, one in enumerate(statements, 1)]
    body.append(f'</tbody><tfoot><tr class="total"><th>{e(w["total"])}</th><td class="num">{show_value(total, money)}</td></tr></tfoot></table>')
    for index, one in enumerate(statements, 1):
        body += [f'<section class="period" id="period-{index}" data-period="{e(one.period)}">', *_body(one, level=2), "</section>"]
    return _page(first.lang, f"{w['statement']} · {first.payee} · {statements[0].period} – {statements[-1].period}", body)


def _body(statement: Statement, level: int = 1) -> list[str]:
    """The statement's elements; `level` 2 when it is one period's section of a longer page."""
    w, money, e = statement.words, statement.money, escape
    total = show_value(statement.total, money)
    body = [f"<h1>{e(w['statement'])} · {e(statement.period)}</h1>" if level > 1 else f"<h1>{e(w['statement'])}</h1>",
            f'<p class="who"><span class="payee">{e(statement.payee)}</span> · {e(statement.plan)} · {e(w["period"])} {e(statement.period)}</p>',
            f'<p class="total">{e(w["paid_total"])} <strong class="total-value">{total}</strong> {e(statement.currency)}</p>',
            f'<table class="lines"><thead><tr><th>{e(w["line"])}</th><th class="num">{e(w["value"])}</th><th>{e(w["explanation"])}</th></tr></thead><tbody>']
    for line in statement.lines:
        kind = statement.kind_word(line.kind)
        label = e(line.label) + (f' <span class="kind">({e(kind)})</span>' if kind else "")
        body.append(f'<tr data-label="{e(line.label)}" data-kind="{e(line.kind)}"><td>{label}</td>'
                    f'<td class="num">{show_value(line.value, money)}</td><td>{e(line.sentence)}</td></tr>')
    body.append(f'</tbody><tfoot><tr class="total" data-kind="total"><th>{e(w["total"])}</th><td class="num">{total}</td><td></td></tr></tfoot></table>')
    for title, items in ((w["notes"], statement.notes), (w["progress"], [p.sentence for p in statement.progress]), (w["balances"], statement.balances), (w["pools"], statement.pools)):
        if items:
            body += [f"<h2>{e(title)}</h2>", "<ul>" + "".join(f"<li>{e(item)}</li>" for item in items) + "</ul>"]
    if statement.figures:
        body += [f"<h2>{e(w['figures'])}</h2>", f'<table class="figures"><thead><tr><th>{e(w["name"])}</th><th class="num">{e(w["value"])}</th><th>{e(w["plan"])}</th></tr></thead><tbody>']
        body += [f'<tr><td>{e(f.name)}</td><td class="num">{e(show_value(f.value, f.type))}</td><td><code>{e(f.formula)}</code></td></tr>' for f in statement.figures]
        body.append("</tbody></table>")
    if statement.flags:
        body += [f"<h2>{e(w['flags'])}</h2>", '<table class="flags"><tbody>']
        body += [f'<tr data-label="{e(f.label)}"><td>{e(f.label)}</td><td class="num">{e(show_value(f.value, f.type))}</td></tr>' for f in statement.flags]
        body.append("</tbody></table>")
    for table in statement.credited:
        heads = "".join(f'<th class="num">{e(c)}</th>' if _numeric(t) else f"<th>{e(c)}</th>" for c, t in zip(table.columns, table.types))
        body += [f"<h2>{e(w['credited'])}: {e(table.input)}</h2>", f'<table class="credited"><thead><tr>{heads}</tr></thead><tbody>']
        for row in table.rows:
            cells = "".join(f'<td class="num">{e(show_value(v, t))}</td>' if _numeric(t) else f"<td>{e(show_value(v, t))}</td>" for v, t in zip(row, table.types))
            body.append(f"<tr>{cells}</tr>")
        body.append("</tbody></table>")
    if level > 1:  # headings one level down: <h1> → <h2>, <h2> → <h3>
        body = [line.replace("<h2>", "<h3>").replace("</h2>", "</h3>").replace("<h1>", "<h2>").replace("</h1>", "</h2>") for line in body]
    return body


def render_index(statements: list, files: list[str]) -> str:
    """The page that lists a folder's statements: payee, period and total, each linking to its file
    (a payee's statements of every period, a list, show the periods' span and their total)."""
    statements = [_spanned(s) if isinstance(s, list) else s for s in statements]
    first = statements[0]
    w, e = first.words, escape
    body = [f"<h1>{e(w['statements'])}</h1>", f'<p class="who">{e(first.plan)}</p>',
            f'<table class="index"><thead><tr><th>{e(w["payee"])}</th><th>{e(w["period"])}</th><th class="num">{e(w["paid_total"])}</th></tr></thead><tbody>']
    body += [f'<tr><td><a href="{e(name)}">{e(s.payee)}</a></td><td>{e(s.period)}</td><td class="num">{show_value(s.total, s.money)}</td></tr>'
             for s, name in zip(statements, files)]
    body.append("</tbody></table>")
    return _page(first.lang, f"{w['statements']} · {first.plan}", body)


def _spanned(statements: list[Statement]) -> Statement:
    """A stand-in for the index: the payee, the first – last period and the total over them."""
    return attrs.evolve(statements[-1], period=f"{statements[0].period} – {statements[-1].period}", total=periods_total(statements))
