"""Explain why no model step explains an event: the states before it, the guards that fail.

>>> from dockproof.spec.parsing import Scope, parse
>>> from dockproof.spec.types import BOOL, EnumType
>>> st = EnumType("status", ("created", "running"))
>>> scope = Scope(vars={"status": (0, st), "hung": (1, BOOL)})
>>> show(parse("status == 'running' and not hung", scope))
"status == 'running' and not hung"
"""

from __future__ import annotations

from ..engines.compiled import predicate
from ..spec.expr import And, Arith, Cmp, Const, Expr, Implies, Ite, Label, Not, Or, Ref
from ..spec.types import EnumType
from ..spec.types import show as show_value
from .automaton import IDLE, Automaton


def show(e: Expr, top: bool = True) -> str:
    """Render an IR expression in the modelling language's own syntax."""
    match e:
        case Const(value=v, type=t):
            return repr(t.members[v]) if isinstance(t, EnumType) else str(v).lower() \
                if isinstance(v, bool) else str(v)
        case Ref(name=n, post=p):
            return f"post.{n}" if p else n
        case Label(which=w):
            return w
        case Not(arg=x):
            return f"not {show(x, False)}"
        case And(args=xs):
            return _wrap(" and ".join(show(x, False) for x in xs), top)
        case Or(args=xs):
            if xs and all(isinstance(x, Cmp) and x.op == "==" and isinstance(x.left, Ref)
                          and x.left == xs[0].left for x in xs):
                return f"{show(xs[0].left)} in ({', '.join(show(x.right) for x in xs)})"
            return _wrap(" or ".join(show(x, False) for x in xs), top)
        case Implies(left=a, right=b):
            return f"implies({show(a)}, {show(b)})"
        case Cmp(op=op, left=a, right=b):
            return f"{show(a, False)} {op} {show(b, False)}"
        case Arith(op=op, left=a, right=b):
            return _wrap(f"{show(a, False)} {op} {show(b, False)}", top)
        case Ite(cond=c, then=a, other=b):
            return _wrap(f"{show(a, False)} if {show(c, False)} else {show(b, False)}", top)
    return repr(e)


def _wrap(text: str, top: bool) -> str:
    return text if top else f"({text})"


def conjuncts(e: Expr) -> list[Expr]:
    """Split a guard into its top-level conjuncts (predicates are already inlined)."""
    if isinstance(e, And):
        return [y for x in e.args for y in conjuncts(x)]
    return [e]


def summarize(auto: Automaton, states: list[int]) -> dict:
    """Describe a set of model states: the values they share, and what varies."""
    m = auto.model
    shared, varying = {}, {}
    for v in m.variables:
        vals = sorted({auto.states[s][v.slot] for s in states})
        shown = [show_value(v.type, x) for x in vals]
        if len(vals) == 1:
            shared[v.name] = shown[0]
        else:
            varying[v.name] = shown
    return {"count": len(states), "shared": shared, "varying": varying}


def render_summary(summary: dict) -> list[str]:
    lines = [" ".join(f"{k}={v}" for k, v in summary["shared"].items())]
    if summary["varying"]:
        lines.append("varying over: " + "; ".join(f"{k} in {{{', '.join(v)}}}"
                                                 for k, v in summary["varying"].items()))
    return lines


def reasons(auto: Automaton, sid: int, name: str, cls: int | None) -> list[str]:
    """Say, for every model step that could have emitted ``name``, why it cannot have."""
    idle, busy = _split(auto, sid)
    out = [_busy_reason(auto, c, name) for c in sorted(busy)]
    out = sorted(set(out))
    if idle:
        out += _idle_reasons(auto, idle, name, cls)
    return out or [f"no step of the model emits '{name}'"]


def before_states(auto: Automaton, sid: int) -> list[int]:
    """Return the model states a set stands for: idle ones with their internal successors, and
    the states that in-progress actions have already reached."""
    idle, busy = _split(auto, sid)
    seen = {x: None for s in sorted(idle) for x in auto.closure(s)}
    for c in busy:
        s, a, _, _ = auto.configs[c]
        seen.setdefault(auto.post(s, a), None)
    return sorted(seen)


def _split(auto: Automaton, sid: int):
    idle, busy = set(), set()
    for c in auto.sets[sid]:
        s, a, _, _ = auto.configs[c]
        (idle.add(s) if a == IDLE else busy.add(c))
    return idle, busy


def _busy_reason(auto: Automaton, c: int, name: str) -> str:
    s, a, w, pos = auto.configs[c]
    word = auto.d.words[a][w]
    act = auto.model.actions[a].name
    return (f"in the middle of {act} (events: {word}); it expects "
            f"{' or '.join(repr(x) for x in auto.expected_next(c))} next, not '{name}'")


def _idle_reasons(auto: Automaton, idle: set[int], name: str, cls: int | None) -> list[str]:
    states = sorted({x for s in idle for x in auto.closure(s)})
    out = []
    if name in auto.d.observe:
        out.append(f"'{name}' needs {auto.d.observe_text[name]}, which is false in all "
                   f"{len(states)} possible states")
    for a, _act in enumerate(auto.model.actions):
        ws = auto.d.words[a]
        if ws is None or not any(_starts_with(w.tokens, name) for w in ws):
            continue
        out.append(_action_reason(auto, a, states, name, cls))
    return out


def _starts_with(tokens, name: str) -> bool:
    for t in tokens:
        if t.name == name:
            return True
        if not t.optional:
            return False
    return False


def _action_reason(auto: Automaton, a: int, states: list[int], name: str,
                   cls: int | None) -> str:
    act = auto.model.actions[a]
    enabled = [s for s in states if auto.space.compiled.steps[a](auto.states[s]) is not None]
    if not enabled:
        failing = []
        for part in conjuncts(act.guard):
            f = predicate(part)
            bad = sum(1 for s in states if not f(auto.states[s]))
            if bad:
                failing.append(f"{show(part)} (false in {bad} of {len(states)})")
        return f"{act.name}: its guard fails: " + "; ".join(failing)
    ws = auto.d.words[a]
    starting = [s for s in enabled
                if any(_starts_with(ws[i].tokens, name) for i in auto.words_at(s, a))]
    if not starting:
        return (f"{act.name}: where it is enabled it emits another word: "
                + "; ".join(f"{ws[i]} when {ws[i].when_text}" for i in
                            sorted({i for s in enabled for i in auto.words_at(s, a)})))
    exit_var = auto.model.variables[auto.d.exit_slot]
    left = sorted({show_value(exit_var.type, auto.states[auto.post(s, a)][auto.d.exit_slot])
                   for s in starting})
    got = show_value(exit_var.type, cls) if cls is not None else "?"
    return (f"{act.name}: it leaves {exit_var.name} in {{{', '.join(left)}}}, the event's exit "
            f"code is of class {got}")
