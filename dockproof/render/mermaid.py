"""Write a Diagram as Mermaid: stateDiagram-v2 for the lifecycle, a flowchart for the others.

Mermaid renders on code-hosting sites, so the README can embed the lifecycle diagram. State
diagrams cannot style transitions, so their labels name the actor; flowcharts style each link
in its actor's colour and line style, as the DOT pictures do.
"""

from __future__ import annotations

from . import style
from .ir import Diagram, Node

_DASH = {"solid": "", "dashed": ",stroke-dasharray:6 4", "dotted": ",stroke-dasharray:2 3",
         "bold": ""}
_WIDTH = {"bold": 3}


def to_mermaid(d: Diagram) -> str:
    """Return Mermaid source for a diagram (deterministic, like the DOT)."""
    return _state_diagram(d) if d.view == "lifecycle" else _flowchart(d)


def _text(s: str) -> str:
    return s.replace('"', "'").replace(": ", " - ").replace(":", " ").replace("#", "no.")


def _state_diagram(d: Diagram) -> str:
    out = ["---", f"title: {_text(d.title)}", "---", "stateDiagram-v2", "    direction LR"]
    for n in d.nodes:
        out.append(f'    state "{_text(n.title)}<br/>{style.badge_text(n.badges)}" as {n.id}')
    out += [f"    [*] --> {n.id}" for n in d.nodes if n.initial]
    for e in d.edges:
        out.append(f"    {e.src} --> {e.dst}: {', '.join(e.actions)} ({e.actor})")
    out += [f"    {n.id} --> [*]" for n in d.nodes if n.terminal]
    for n in d.nodes:
        if n.group and n.group != f"grp_{n.id}":
            host = n.group.removeprefix("grp_")
            out.append(f"    note right of {n.id}: a condition of {host}")
    fills = sorted({n.status for n in d.nodes if n.status is not None})
    out += [f"    classDef st{i} fill:{style.status_fill(i)}" for i in fills]
    out += [f"    class {n.id} st{n.status}" for n in d.nodes if n.status is not None]
    out.append(f"    %% legend: actors are named on each transition; badges: "
               f"{'; '.join(_notes(d))}")
    return "\n".join(out) + "\n"


def _notes(d: Diagram) -> list[str]:
    return ["CPU = held in every state of the box, ~CPU = in some, absent = in none",
            *d.notes]


def _flowchart(d: Diagram) -> str:
    out = ["---", f"title: {_text(d.title)}", "---", "flowchart TB"]
    by_group: dict[str | None, list[Node]] = {}
    for n in d.nodes:
        by_group.setdefault(n.group, []).append(n)
    for g in d.groups:
        out.append(f'    subgraph {g.id}["{_text(g.label)}"]')
        out += ["    " + _fnode(n) for n in by_group.get(g.id, [])]
        out.append("    end")
    out += [_fnode(n) for n in by_group.get(None, [])]
    for n in d.nodes:
        if n.initial:
            out.append(f"    start_{n.id}(( )) --> {n.id}")
    links = []
    for e in d.edges:
        label = (", ".join(f"#{k}" for k in e.steps) + " " if e.steps else "") + \
            ", ".join(e.actions)
        arrow = "==>" if e.steps else "-->"
        out.append(f'    {e.src} {arrow}|"{_text(label)}"| {e.dst}')
        links.append(e)
    out += _styles(d, links)
    out += _legend(d, len(links) + sum(n.initial for n in d.nodes))
    return "\n".join(out) + "\n"


def _fnode(n: Node) -> str:
    lines = [f"<b>{_text(n.title)}</b>", style.badge_text(n.badges), *map(_text, n.details)]
    shape = ('(["', '"])') if n.terminal else ('("', '")')
    return f"    {n.id}{shape[0]}{'<br/>'.join(lines)}{shape[1]}"


def _styles(d: Diagram, links) -> list[str]:
    out = []
    for k, e in enumerate(links):
        colour, line = style.ACTOR_STYLE[e.actor]
        width = 5 if e.steps else _WIDTH.get(line, 1.5)
        out.append(f"    linkStyle {k} stroke:{colour},stroke-width:{width}px{_DASH[line]}")
    for n in d.nodes:
        fill = style.status_fill(n.status) if n.status is not None else "#ffffff"
        extra = f",stroke:{style.FOCUS_COLOUR},stroke-width:4px" if n.focus else \
            (",stroke-dasharray:5 3" if n.frontier else "")
        out.append(f"    style {n.id} fill:{fill}{extra}")
    return out


def _legend(d: Diagram, first_link: int) -> list[str]:
    """Draw the legend as a subgraph: one sample link per actor, the markers in words."""
    out = ['    subgraph legend["legend"]', "    direction LR"]
    for actor in style.ACTOR_STYLE:
        meaning = _text(style.ACTOR_MEANING[actor])
        out.append(f'    lg_{actor}_a[" "] -->|"{actor}"| lg_{actor}_b["{meaning}"]')
    marks = ["(( )) --> initial state", "stadium shape = terminal (no step leaves it)",
             "badges - CPU held by all its states, ~CPU by some, absent by none"]
    if d.highlights:
        marks.append("orange border and thick links = the state asked for / the trace "
                     "(no.n = step n)")
    if any(n.frontier for n in d.nodes):
        marks.append("dashed border = has steps to states not drawn")
    marks += list(d.notes)
    out.append(f'    lg_marks["{"<br/>".join(_text(m) for m in marks)}"]')
    out.append("    end")
    for k, (colour, line) in enumerate(style.ACTOR_STYLE.values()):
        width = _WIDTH.get(line, 1.5)
        out.append(f"    linkStyle {first_link + k} stroke:{colour},stroke-width:{width}px"
                   f"{_DASH[line]}")
    return out
