"""The behavioural difference of two models, over what the adapter contract shows.

Each model is seen through its own ``[conformance]`` table (an `Oracle`): what a container
shows in a state (status words, resources, flags), the `Config` a create sends, how a command
is answered (accepted, refused with which error text and CLI exit status), and, when the model
has an event vocabulary, the events a step logs. Two models are run side by side from initial
states that send the same `Config` and agree on the parameters both declare: the search is a
breadth-first walk of the product of their *settled* states (after each command both let their
internal steps run, as the harness's ``settle()`` does), in which every command either both
models know is given to both. A difference is met at a product state when the two answer a
command differently, log different events for it, or show different observations after it.

Differences are grouped into classes by what differs (the dimension), the command, the statuses
the two containers showed before it and the two values; BFS order makes the first trace met of
a class a shortest one. A command whose answer or resulting observation differs is not
followed further (what comes after would differ for the same reason); a different error text,
exit status or event word leaves the two containers alike, and the search goes on. So every
class found is reached by a trace along which the models' answers and observations agreed
until its last step. Facts one model states and the other leaves open (an exit status, an
error text, a flag only one maps, a command only one has) are listed apart as *unstated*: they
do not make the models differ.

Two models with no difference class are equivalent over the contract: every command sequence,
from every pair of matching configurations, each command given once the implementation has
settled, gets the same answers, events and observations. Commands that meet a transient state
(the harness's unsettled steps, ``exit 0 &; stop``: an exit not handled yet) are not searched:
what happens there is decided by the implementation's timing, and the two models' transient
states need not correspond.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from ..conformance.oracle import Key, Oracle, Response
from ..engines.compiled import predicate
from ..spec.model import Model
from .events import Vocabulary

#: The dimensions a difference can be in, in the order reports list them.
DIMENSIONS = ("answer", "error", "exit-status", "events", "observation")
#: Differences after which the two containers are no longer alike: the search goes no
#: further from there (a text or the events logged differ, and the states still agree).
DIVERGING = frozenset({"answer", "observation"})


@dataclass(frozen=True)
class Difference:
    """One class of distinguishing traces, with the shortest trace met."""

    name: str
    dimension: str
    verb: str
    before: tuple[str, str]            # the statuses each container showed before the step
    values: tuple[str, str]            # what each model says (rendered)
    trace: tuple[str, ...]             # the commands, the last one distinguishes
    count: int = 1                     # product states at which this class was met

    def to_json(self) -> dict:
        return {"name": self.name, "dimension": self.dimension, "verb": self.verb,
                "before": list(self.before), "values": list(self.values),
                "trace": list(self.trace), "commands": "; ".join(self.trace),
                "states": self.count}


@dataclass
class Comparison:
    """What `compare` found."""

    a: Model
    b: Model
    differences: list[Difference] = field(default_factory=list)
    unstated: dict[str, list[str]] = field(default_factory=dict)
    pairs: int = 0                     # product states explored
    configs: int = 0                   # initial pairs (matching configurations)
    events: bool = False               # whether both models have an event vocabulary

    @property
    def equivalent(self) -> bool:
        return not self.differences


def _answer(r: Response) -> str:
    # quiet: the model refuses, Docker answers 304; to a client it is a success that changes
    # nothing, as an accepted no-op step is
    return "refused" if r.kind == "refused" else "accepted"


def _statuses(o: Oracle, i: int) -> str:
    return "/".join(o.expected[i].statuses)


class _Side:
    """One model's oracle with what the product needs of it."""

    def __init__(self, model: Model, vocab: Vocabulary | None) -> None:
        self.o = Oracle(model)
        self.vocab = vocab
        acts = model.actions
        self.cases = [tuple((predicate(c.when), c.message, c.status) for c in a.errors)
                      for a in acts]
        self.key_of = self.o.key_of
        self.params = {p.name: p for p in model.params}

    def refusal(self, i: int, key: Key) -> tuple[str | None, int | None]:
        """Return the error text and exit status the model gives for refusing ``key``."""
        s = self.o.space.states[i]
        for a, k in enumerate(self.key_of):
            if k == key:
                for when, message, status in self.cases[a]:
                    if when(s):
                        return message, status
        return None, None

    def step(self, i: int, key: Key) -> tuple[int, list[tuple[int, int]]]:
        """Return the settled state after ``key`` and the edges taken (action, source)."""
        r = self.o.respond(i, key)
        if not r.accepted:
            return i, []
        d, edges = self.o.primary(r)
        taken = [(a, src) for src, a, _ in edges]
        seen = {d}
        while (n := self._settle_edge(d)) is not None and n[1] not in seen:
            taken.append((n[0], d))
            d = n[1]
            seen.add(d)
        return d, taken

    def _settle_edge(self, i: int) -> tuple[int, int] | None:
        for a, d in self.o.out[i]:
            if a in self.o.map.settle:
                return a, d
        return None

    def events(self, taken: list[tuple[int, int]]) -> str | None:
        if self.vocab is None:
            return None
        return self.vocab.render([(a, self.o.space.states[src]) for a, src in taken])


def compare(a: Model, b: Model, vocab_a: Vocabulary | None = None,
            vocab_b: Vocabulary | None = None,
            progress: Callable[[int], None] | None = None) -> Comparison:
    """Return the difference classes of models ``a`` and ``b`` (see the module docstring)."""
    A, B = _Side(a, vocab_a), _Side(b, vocab_b)
    out = Comparison(a, b, events=vocab_a is not None and vocab_b is not None)
    keys_a, keys_b = set(A.o.keys), set(B.o.keys)
    keys = sorted(keys_a & keys_b, key=lambda k: (k[0], k[1] or 0))
    for k in sorted(keys_a ^ keys_b, key=lambda k: (k[0], k[1] or 0)):
        who = a.name if k in keys_a else b.name
        out.unstated.setdefault("commands", []).append(f"{_key_text(k)}: only {who} has it")
    starts = _initial_pairs(A, B, out)
    classes: dict[tuple, Difference] = {}
    seen: dict[tuple[int, int], tuple] = {}
    queue: deque = deque()
    for pair in starts:
        if pair not in seen:
            seen[pair] = ()
            queue.append(pair)
    notes: dict[str, set[str]] = {}
    while queue:
        pa, pb = queue.popleft()
        trace = seen[(pa, pb)]
        out.pairs += 1
        if progress is not None and out.pairs % 1000 == 0:
            progress(out.pairs)
        for key in keys:
            cmd = str(A.o.command(pa, key))
            found = _differ(A, B, pa, pb, key, notes)
            for dim, values in found:
                _record(classes, dim, key, (_statuses(A.o, pa), _statuses(B.o, pb)),
                        values, trace + (cmd,), (a.name, b.name))
            if any(dim in DIVERGING for dim, _ in found):
                continue
            da, _ = A.step(pa, key)
            db, _ = B.step(pb, key)
            if (da, db) not in seen:
                seen[(da, db)] = trace + (cmd,)
                queue.append((da, db))
    out.differences = sorted(classes.values(), key=lambda d: (DIMENSIONS.index(d.dimension),
                                                              d.verb, d.name))
    for k, v in sorted(notes.items()):
        out.unstated[k] = sorted(v)
    return out


def _initial_pairs(A: _Side, B: _Side, out: Comparison) -> list[tuple[int, int]]:
    """Pair initial states that send the same `Config` and agree on shared parameters."""
    shared = [n for n in A.params if n in B.params
              and A.params[n].type == B.params[n].type]

    def sig(side: _Side, i: int):
        s = side.o.space.states[i]
        return (side.o.map.config(s),
                tuple(s[side.params[n].slot] for n in shared))

    by_sig: dict = {}
    for j in sorted(B.o.space.initial):
        by_sig.setdefault(sig(B, j), []).append(j)
    pairs = []
    for i in sorted(A.o.space.initial):
        for j in by_sig.get(sig(A, i), []):
            pairs.append((A.o.settled(i), B.o.settled(j)))
    out.configs = len(pairs)
    if not pairs:
        out.unstated.setdefault("configurations", []).append(
            "no configuration of one model sends the Config of one of the other")
    return pairs


def _differ(A: _Side, B: _Side, pa: int, pb: int, key: Key,
            notes: dict[str, set[str]]) -> list[tuple[str, tuple[str, str]]]:
    """Return the dimensions in which ``key`` tells the two states apart, with the values."""
    ra, rb = A.o.respond(pa, key), B.o.respond(pb, key)
    verb = _key_text(key)
    xa, xb = _answer(ra), _answer(rb)
    if xa != xb:
        return [("answer", (xa, xb))]
    found = []
    if xa == "refused" and ra.kind == rb.kind == "refused":
        (ma, sa), (mb, sb) = A.refusal(pa, key), B.refusal(pb, key)
        if ma is not None and mb is not None and ma != mb:
            found.append(("error", (ma, mb)))
        elif (ma is None) != (mb is None):
            notes.setdefault("error texts", set()).add(
                f"{verb}: only {A.o.model.name if ma else B.o.model.name} states one")
        if sa is not None and sb is not None and sa != sb:
            found.append(("exit-status", (str(sa), str(sb))))
        elif (sa is None) != (sb is None):
            who = A.o.model.name if sa is not None else B.o.model.name
            notes.setdefault("exit statuses", set()).add(
                f"{verb}: only {who} states one ({sa if sa is not None else sb})")
        return found
    da, ta = A.step(pa, key)
    db, tb = B.step(pb, key)
    ea, eb = A.events(ta), B.events(tb)
    if ea is not None and eb is not None and ea != eb:
        found.append(("events", (ea or "(none)", eb or "(none)")))
    for field_, va, vb in _observation(A, B, da, db, notes):
        found.append(("observation", (f"{field_}={va}", f"{field_}={vb}")))
    return found


def _observation(A: _Side, B: _Side, da: int, db: int, notes: dict[str, set[str]]):
    xa, xb = A.o.expected[da], B.o.expected[db]
    if set(xa.statuses) != set(xb.statuses):
        yield "status", "/".join(xa.statuses), "/".join(xb.statuses)
    if xa.resources != xb.resources:
        yield "resources", "{" + ",".join(sorted(xa.resources)) + "}", \
            "{" + ",".join(sorted(xb.resources)) + "}"
    for k in sorted(set(xa.flags) | set(xb.flags)):
        if k not in xa.flags or k not in xb.flags:
            who = A.o.model.name if k in xa.flags else B.o.model.name
            notes.setdefault("flags", set()).add(f"{k}: only {who} shows it")
        elif repr(xa.flags[k]) != repr(xb.flags[k]):
            yield k, repr(xa.flags[k]), repr(xb.flags[k])


def _record(classes: dict, dim: str, key: Key, before: tuple[str, str],
            values: tuple[str, str], trace: tuple[str, ...], names: tuple[str, str]) -> None:
    verb = _key_text(key)
    k = (dim, verb, before, values)
    old = classes.get(k)
    if old is not None:
        classes[k] = Difference(old.name, dim, verb, before, values, old.trace, old.count + 1)
        return
    where = before[0] if before[0] == before[1] else f"{before[0]} / {before[1]}"
    article = "an" if where[:1] in "aeiou" else "a"
    name = f"{dim}: {verb} of {article} {where} container: {names[0]} {values[0]}, " \
           f"{names[1]} {values[1]}"
    classes[k] = Difference(name, dim, verb, before, values, trace)


def _key_text(key: Key) -> str:
    return key[0] if key[1] is None else f"{key[0]} {key[1]}"
