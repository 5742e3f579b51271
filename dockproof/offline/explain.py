"""Explain why no model step explains an event, in the engine's words: what the container was
(as `docker inspect` names it), which command or signal the event would need, and the exit-code
rule it breaks; the model's detail (its states and guards) is kept for ``-v``.

>>> from dockproof.spec.parsing import Scope, parse
>>> from dockproof.spec.types import BOOL, EnumType
>>> st = EnumType("status", ("created", "running"))
>>> scope = Scope(vars={"status": (0, st), "hung": (1, BOOL)})
>>> show(parse("status == 'running' and not hung", scope))
"status == 'running' and not hung"
"""

from __future__ import annotations

from dataclasses import dataclass

from ..engines.compiled import predicate
from ..spec.expr import And, Arith, Cmp, Const, Expr, Implies, Ite, Label, Not, Or, Ref
from ..spec.types import EnumType
from ..spec.types import show as show_value
from .automaton import IDLE, NOSIG, Automaton, signals_of
from .inspect import inspect_view


@dataclass
class Rejection:
    """The first event the model cannot explain, with what was known before it."""

    file: str
    line: int
    container: str
    name: str
    event: dict
    action: str
    exit_code: int | None
    inspect: dict          # docker inspect field -> the values it may have had
    reasons: list[str]     # in the engine's words
    detail: list[str]      # the model's: guards and words
    states: dict           # the model states before it (summarize)
    history: list[str]
    removed_at: int | None = None

    def to_json(self) -> dict:
        return {"file": self.file, "line": self.line, "container": self.container,
                "name": self.name, "action": self.action, "exit_code": self.exit_code,
                "event": self.event, "inspect_before": self.inspect, "reasons": self.reasons,
                "model_detail": self.detail, "states_before": self.states,
                "history": self.history, "removed_at": self.removed_at}


def rejection(auto: Automaton, file, line, cid, name, obj, action, code, sid, history,
              tomb) -> Rejection:
    states = before_states(auto, sid)
    removed = -tomb if tomb is not None else None
    if removed is not None:
        why = [f"it was removed at line {removed} ({auto.d.name}'s destroy); after that only "
               "a new create of the same id can happen"]
    else:
        why = reasons(auto, sid, action, code, history)
    return Rejection(file, line, cid, name, obj, action, code,
                     inspect_view(auto, current_states(auto, sid)),
                     why, detail(auto, sid, action), summarize(auto, states),
                     [f"line {n} {a}" for n, a in history], removed)


_CLI = {"rm_force": "`{engine} rm -f`", "daemon_restart": "the daemon's shutdown"}
_CLASS = {"zero": "0", "killed": "137", "nonzero": "non-zero (not 137)"}


def command_of(auto: Automaton, a: int) -> str:
    """Name a model action as the engine's user or the engine itself would say it."""
    act = auto.model.actions[a]
    if act.actor == "user" and act.command:
        return _CLI.get(act.command, "`{engine} " + act.command + "`").format(
            engine=auto.d.name)
    return {"daemon": "the daemon", "kernel": "the kernel",
            "process": "the container's process"}.get(act.actor, act.actor) + f" ({act.name})"


def current_states(auto: Automaton, sid: int) -> list[tuple]:
    """Return the states the container may be in now, as `docker inspect` would show it: the
    idle ones (with their internal successors); if a command is under way in every case, the
    state the engine has in the middle of its events (see `Automaton.observed_at`)."""
    idle, busy = _split(auto, sid)
    if idle:
        return [auto.states[x] for x in {x for s in idle for x in auto.closure(s)}]
    return list({auto.observed_at(c) for c in busy})


def before_states(auto: Automaton, sid: int) -> list[int]:
    """Return the model states a set stands for: idle ones with their internal successors, and
    the states before the actions under way."""
    idle, busy = _split(auto, sid)
    seen = {x: None for s in sorted(idle) for x in auto.closure(s)}
    for c in busy:
        seen.setdefault(auto.configs[c][0], None)
    return sorted(seen)


def _split(auto: Automaton, sid: int):
    idle, busy = set(), set()
    for c in auto.sets[sid]:
        s, a = auto.configs[c][:2]
        (idle.add(s) if a == IDLE else busy.add(c))
    return idle, busy


# ---------------------------------------------------------------- the engine's words


def reasons(auto: Automaton, sid: int, name: str, code, history) -> list[str]:
    """Say, in a few lines, why ``name`` cannot happen: the command under way and what it
    emits next, or the commands that emit it and why none can have."""
    idle, busy = _split(auto, sid)
    out: dict[str, None] = {}
    by_why: dict[str, dict[str, None]] = {}
    for c in sorted(busy):
        cmd, why = _busy_reason(auto, c, name, code, history)
        by_why.setdefault(why, {})[cmd] = None
    for why, cmds in by_why.items():
        names = list(cmds)
        who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        out[f"{who} was under way{why}"] = None
    if idle:
        for r in _idle_reasons(auto, idle, name, code):
            out[r] = None
    # the specific rules first (an exit code, a signal), then what comes next
    ranked = sorted(out, key=lambda r: "next comes" in r or "logs '" in r)
    return ranked[:4] or [f"no command of {auto.d.name} logs '{name}'"]


def _busy_reason(auto, c: int, name: str, code, history) -> str:
    s, a, w, pos, sig = auto.configs[c]
    cmd = command_of(auto, a)
    toks = auto.d.words[a][w].tokens
    nxt = auto.expected_next(c)
    for t in toks[pos:]:
        if t.name == name:
            why = _token_failure(auto, s, a, sig, t, name, code, history)
            if why:
                return cmd, f": {why}"
        if not t.optional:
            break
    return cmd, (f" (it logs {auto.d.words[a][w]}): next comes "
                 f"{' or '.join(repr(x) for x in nxt)}, not '{name}'")


def _token_failure(auto, s, a, sig, t, name, code, history) -> str:
    if not auto.signal_matches(s, sig, name, code):
        return _signal_rule(auto, s, sig, code, history)
    if not auto.token_matches(t, name, code):
        if name in auto.d.exit_events:
            return f"its '{name}' carries exit code {_CLASS.get(t.cls_text, t.cls_text)}, " \
                f"not {code}"
        return f"its '{name}' carries signal {t.cls_text}, not {_num(auto, name, code)}"
    if not auto.exit_matches(s, a, name, code):
        return f"its '{name}' carries exit code {_exit_left(auto, s, a)}, not {code}"
    return ""


def _num(auto, name: str, code) -> str:
    return "none" if code is None else str(code)


def _exit_left(auto, s: int, a: int) -> str:
    v = auto.model.variables[auto.d.exit_slot]
    got = show_value(v.type, auto.states[auto.post(s, a)][auto.d.exit_slot])
    return _CLASS.get(got, got)


def _signal_rule(auto, s: int, sig: int, code, history) -> str:
    sg = auto.d.signals
    first, later = signals_of(sig)
    kills = [f"line {n}" for n, a in history if a in sg.events]
    seen = f"kill signal={first}" + (f" then signal={sg.kill}" if later else "") + \
        (f" ({', '.join(kills[-2:])})" if kills else "")
    killed = 128 + sg.kill
    if first == sg.kill:
        return (f"after {seen} a process that had not exited by itself exits {killed} "
                f"(128+{sg.kill}, SIGKILL), not {code}")
    st = auto.states[s]
    if sg.dies(st):
        also = f" or {killed} after the SIGKILL" if later else ""
        return (f"after {seen} a process that dies of signal {first} exits {128 + first} "
                f"(128+{first}){also}, not {code}")
    return (f"after {seen} a process that ignores signal {first} exits only by SIGKILL "
            f"({killed}), not {code}")


def _idle_reasons(auto: Automaton, idle: set[int], name: str, code) -> list[str]:
    states = sorted({x for s in idle for x in auto.closure(s)})
    now = _statuses(auto, states)
    out = []
    if name in auto.d.observe:
        out.append(f"'{name}' happens only when {auto.d.observe_text[name]}; the container "
                   f"was {now}")
    for a, _act in enumerate(auto.model.actions):
        ws = auto.d.words[a]
        if ws is None:
            continue
        starts = any(_starts_with(w.tokens, name) for w in ws)
        inside = not starts and any(t.name == name for w in ws for t in w.tokens)
        if inside:
            word = next(w for w in ws if any(t.name == name for t in w.tokens))
            out.append(f"'{name}' is logged only inside {command_of(auto, a)} ({word}), "
                       "which was not under way")
        elif starts:
            out.append(_action_reason(auto, a, states, name, code, now))
    return out


def _statuses(auto: Automaton, states) -> str:
    v = auto.model.var("status")
    return " or ".join(sorted({show_value(v.type, auto.states[s][v.slot]) for s in states}))


def _starts_with(tokens, name: str) -> bool:
    for t in tokens:
        if t.name == name:
            return True
        if not t.optional:
            return False
    return False


def _action_reason(auto, a: int, states: list[int], name: str, code, now: str) -> str:
    cmd = command_of(auto, a)
    steps = auto.space.compiled.steps[a]
    ws = auto.d.words[a]
    starting = [s for s in states if steps(auto.states[s]) is not None
                and any(_starts_with(ws[i].tokens, name) for i in auto.words_at(s, a))]
    if not starting:
        where = [s for s in range(len(auto.states)) if steps(auto.states[s]) is not None
                 and any(_starts_with(ws[i].tokens, name) for i in auto.words_at(s, a))]
        need = _statuses(auto, where) if where else "a state it never reaches"
        if need == now or set(now.split(" or ")) <= set(need.split(" or ")):
            return f"{cmd} logs '{name}' only under other conditions (-v shows them)"
        return f"{cmd} logs '{name}' when the container is {need}; it was {now}"
    t = next(t for s in starting[:1] for i in auto.words_at(s, a)
             for t in ws[i].tokens if t.name == name)
    s = starting[0]
    why = _token_failure(auto, s, a, NOSIG, t, name, code, [])
    return f"{cmd}: {why or 'its word does not fit'}"


# ---------------------------------------------------------------- the model's detail (-v)


def detail(auto: Automaton, sid: int, name: str) -> list[str]:
    """The model-level explanation: actions under way with their words, guards that fail."""
    idle, busy = _split(auto, sid)
    out = sorted({f"in the middle of {auto.model.actions[auto.configs[c][1]].name} (events: "
                  f"{auto.d.words[auto.configs[c][1]][auto.configs[c][2]]}); it expects "
                  f"{' or '.join(auto.expected_next(c))} next" for c in busy})
    states = sorted({x for s in idle for x in auto.closure(s)})
    for a, act in enumerate(auto.model.actions):
        ws = auto.d.words[a]
        if not idle or ws is None or not any(t.name == name for w in ws for t in w.tokens):
            continue
        failing = []
        for part in conjuncts(act.guard):
            f = predicate(part)
            n = sum(1 for s in states if not f(auto.states[s]))
            if n:
                failing.append(f"{show(part)} (false in {n} of {len(states)})")
        words = "; ".join(str(w) + (f" when {w.when_text}" if w.when_text else "") for w in ws)
        out.append(f"{act.name}: guard {show(act.guard)}" + (
            f"; fails: {'; '.join(failing)}" if failing else "") + f"; words: {words}")
    return out


def summarize(auto: Automaton, states: list[int]) -> dict:
    """Describe a set of model states: the values they share, and what varies."""
    shared, varying = {}, {}
    for v in auto.model.variables:
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
        lines.append("varying: " + "; ".join(f"{k} in {{{', '.join(v)}}}"
                                             for k, v in summary["varying"].items()))
    return lines


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
