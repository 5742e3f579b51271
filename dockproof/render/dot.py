"""Write a Diagram as DOT text (no dependency): deterministic, byte-identical for one model."""

from __future__ import annotations

from html import escape

from . import style
from .ir import Diagram, Edge, Node

FONT = "Helvetica"


def to_dot(d: Diagram) -> str:
    """Return the DOT source of a diagram, legend and notes included.

    >>> from dockproof.render.ir import Diagram, Node
    >>> print(to_dot(Diagram("m", "full", "t", (Node("s0", "none", initial=True),), ())))
    ... # doctest: +ELLIPSIS
    digraph "m_full" {
    ...
    """
    lines = [f'digraph "{d.model}_{d.view}" {{', *_graph_attrs(d)]
    lines += _body(d)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _graph_attrs(d: Diagram) -> list[str]:
    lr = d.view == "lifecycle"
    head = [f'<font point-size="16"><b>{escape(d.title)}</b></font>'] + \
        [escape(n) for n in d.notes]
    label = ('<table border="0" cellspacing="4"><tr><td>' + _html_lines(head) +
             f"</td></tr><tr><td>{legend(d)}</td></tr></table>")
    attrs = [f'  graph [fontname="{FONT}" label=<{label}> labelloc=t fontsize=11 '
             f'rankdir={"LR" if lr else "TB"} nodesep=0.35 ranksep={0.9 if lr else 0.5} '
             'newrank=true compound=true outputorder=edgesfirst'
             + (' overlap=prism splines=false' if d.engine == "sfdp" else '') + ']',
             f'  node [fontname="{FONT}" fontsize=12 shape=box style="rounded,filled" '
             'penwidth=1.2 margin="0.12,0.06"]',
             f'  edge [fontname="{FONT}" fontsize=10 arrowsize=0.8]']
    return attrs


def _html_lines(parts: list[str]) -> str:
    return "<br/>".join(parts)


def _body(d: Diagram) -> list[str]:
    out = []
    by_group: dict[str | None, list[Node]] = {}
    for n in d.nodes:
        by_group.setdefault(n.group, []).append(n)
    for g in d.groups:
        out.append(f'  subgraph "cluster_{g.id}" {{')
        out.append(f'    graph [label=<<b>{escape(g.label)}</b>> style="rounded,dashed" '
                   'color="#7f8c8d" fontsize=13]')
        out += ["  " + _node(n, d) for n in by_group.get(g.id, [])]
        out.append("  }")
    out += [_node(n, d) for n in by_group.get(None, [])]
    starts = [n for n in d.nodes if n.initial]
    for n in starts:
        out.append(f'  "start_{n.id}" [shape=point width=0.18 style=filled fillcolor=black '
                   'label=""]')
        out.append(f'  "start_{n.id}" -> "{n.id}" [penwidth=1.5]')
    order = {n.id: k for k, n in enumerate(d.nodes)}
    out += [_edge(e, d, order) for e in d.edges]
    return out


def _node(n: Node, d: Diagram) -> str:
    fill = style.status_fill(n.status) if n.status is not None else "#ffffff"
    attrs = [f'label=<{node_label(n)}>', f'fillcolor="{fill}"']
    looks = ["rounded", "filled"] + (["dashed"] if n.frontier else [])
    attrs.append(f'style="{",".join(looks)}"')
    if n.terminal:
        attrs.append("peripheries=2")
    if n.focus:
        attrs.append(f'color="{style.FOCUS_COLOUR}" penwidth=3.5')
    tip = f"{n.count} states" if n.count > 1 else n.id
    attrs.append(f'tooltip="{tip}"')
    return f'  "{n.id}" [{" ".join(attrs)}]'


def node_label(n: Node) -> str:
    """Return the HTML-like label of a node: title, resource badges, details."""
    rows = [f'<tr><td colspan="{max(len(n.badges), 1)}"><b>{escape(n.title)}</b></td></tr>']
    if n.badges:
        rows.append("<tr>" + "".join(_badge(r, how) for r, how in n.badges) + "</tr>")
    for line in n.details:
        rows.append(f'<tr><td colspan="{max(len(n.badges), 1)}"><font point-size="10">'
                    f"{escape(line)}</font></td></tr>")
    return '<table border="0" cellborder="0" cellspacing="1" cellpadding="1">' + \
        "".join(rows) + "</table>"


def _badge(resource: str, how: str) -> str:
    text = resource.upper()
    if how == "held":
        return (f'<td bgcolor="{style.HELD_FILL}"><font color="{style.HELD_TEXT}" '
                f'point-size="9">{text}</font></td>')
    if how == "some":
        return (f'<td bgcolor="{style.SOME_FILL}"><font color="{style.SOME_TEXT}" '
                f'point-size="9">~{text}</font></td>')
    return f'<td><font color="{style.NONE_TEXT}" point-size="9">{text}</font></td>'


def _edge(e: Edge, d: Diagram, order: dict[str, int]) -> str:
    colour, line = style.ACTOR_STYLE[e.actor]
    names = "\n".join(e.actions) if d.view == "lifecycle" else ", ".join(e.actions)
    attrs = [f'color="{colour}"', f'fontcolor="{colour}"', f'style="{line}"']
    if e.steps:
        marks = ", ".join(f"#{n}" for n in e.steps)
        attrs += [f'label=<<b>{escape(marks)}</b> {_br(names)}>', "penwidth=4",
                  f'color="{colour}:{style.FOCUS_COLOUR}:{colour}"']
    else:
        attrs.append(f'label=<{_br(names)}>')
    if d.view == "lifecycle" and order[e.dst] < order[e.src]:
        # Rank the statuses in the order exploration first reaches them (none, created,
        # running, ...) so the picture reads left to right like a whiteboard; steps back do
        # not pull. (Tried on the state views too: dot's edge routing breaks down there.)
        attrs.append("constraint=false")
    return f'  "{e.src}" -> "{e.dst}" [{" ".join(a for a in attrs if a)}]'


def _br(text: str) -> str:
    return "<br/>".join(escape(x) for x in text.split("\n"))


def legend(d: Diagram) -> str:
    """Return the legend as one HTML-like table: actors, badges, the markers in use."""
    cells = []
    for actor, (colour, line) in style.ACTOR_STYLE.items():
        border = 3 if line == "bold" else 2
        dash = f' style="{line}"' if line in ("dashed", "dotted") else ""
        sample = (f'<table border="0" cellspacing="0" cellpadding="0"><tr><td width="44" '
                  f'height="7" sides="B" border="{border}" color="{colour}"{dash}></td></tr>'
                  '<tr><td height="7"></td></tr></table>')
        cells.append(f'<td>{sample}</td>'
                     f'<td align="left"><font color="{colour}"><b>{actor}</b></font>: '
                     f'{escape(style.ACTOR_MEANING[actor])}</td>')
    actors = _table("".join(f"<tr>{c}</tr>" for c in cells))
    res = d.resources or style.DEFAULT_RESOURCES
    sample = "".join(_badge(r, ("held", "some", "none")[min(k, 2)]) for k, r in enumerate(res))
    unit = "status" if d.view == "lifecycle" else \
        "group of states" if any(n.count > 1 for n in d.nodes) else "state"
    badges = ('<table border="0" cellspacing="1" cellpadding="1"><tr>'
              f'<td>{_table(sample)}</td><td align="left"> dark = resource held, ~ = held in '
              'some of its states, pale = not held</td></tr></table>')
    boxes = _table(f'<tr><td align="left">a box is a {unit}, filled in the colour of its '
                   f'status; its badges:</td></tr><tr><td align="left">{badges}</td></tr>' +
                   "".join(f'<tr><td align="left">{m}</td></tr>' for m in _markers(d)))
    rows = [f'<tr><td valign="top">{actors}</td><td valign="top">{boxes}</td></tr>']
    return ('<table border="1" color="#bdc3c7" cellborder="0" cellspacing="2" cellpadding="2">'
            + "".join(rows) + "</table>")


def _table(rows: str) -> str:
    if not rows.startswith("<tr>"):
        rows = f"<tr>{rows}</tr>"
    return f'<table border="0" cellspacing="1" cellpadding="1">{rows}</table>'


def _markers(d: Diagram) -> list[str]:
    out = ["\u25cf\u2192 initial state"]
    if any(n.terminal for n in d.nodes):
        out.append("double border: terminal (no step leaves it)")
    if d.highlights:
        out.append(f'<font color="{style.FOCUS_COLOUR}"><b>orange</b></font>: the state asked '
                   "for / the trace (#n: its step n)")
    if any(n.frontier for n in d.nodes):
        out.append("dashed border: has steps to states not drawn")
    return out
