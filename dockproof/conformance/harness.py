"""Run a generated test against an adapter; judge every step against the model.

Per step: apply the command; unless the next command must meet the state before the
implementation acts (``Step.settle`` false), call ``settle()`` and ``observe()``. A command
that follows such a step is judged from every state the implementation may have reached by
its own internal steps in the meantime (it may have handled an exit, or restarted). The
verdict:

- **pass**: the outcome is what the model says (accepted; refused with its error text; for a
  ``quiet`` refusal either) and the observation matches a state the model reaches from the
  expected post-state through internal actions (the model is synchronised to it);
- **fail**: anything else: the first divergence, shown expected-versus-observed;
- **inconclusive**: the adapter raised `Inconclusive` or flagged the observation
  ``inconclusive`` (its time window elapsed); the rest of that segment is skipped;
- **known**: a failure a recorded divergence of this engine explains (`known`); the run goes
  on as the entry says (fields ignored for the rest of the segment, the model stays, or the
  rest of the segment is skipped).

A divergence on a real engine carries the kernel's evidence (`evidence`): cgroup files read
at the moment it was met.

A divergence is shrunk to a shortest one: the same command, from the nearest state (fewest
commands after a reset) in which the model answers it the same way, replayed until it fails.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ..spec.model import Model
from ..sut.contract import Adapter, Observation, Outcome
from ..verdict import StepVerdict
from . import judge
from .coverage import Coverage
from .evidence import collect
from .generate import Test, shortest_segment
from .known import Catalogue, applicable, explain
from .mapping import Expected
from .oracle import Key, Oracle, Response, Segment


class Inconclusive(Exception):
    """Raised by an adapter that cannot tell what happened within its declared window."""


@dataclass(frozen=True)
class JudgedStep:
    """One judged step."""

    segment: int
    index: int
    command: str
    verdict: StepVerdict
    kind: str     # the model's answer: ok | triggered | refused | quiet
    state: int    # model state before the command
    after: int | None
    note: str = ""
    #: an inconclusive step's kernel readings when it was judged (real engines)
    evidence: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Divergence:
    """The first step the model cannot explain, with everything needed to replay it."""

    segment: Segment        # the reset, the steps up to and including the failing one
    commands: tuple[str, ...]  # replayable: `Command` texts, "&" = no settle before the next
    state: int              # the model state before the failing command
    key: Key
    response: Response
    candidates: tuple[int, ...]
    outcome: Outcome
    observed: Observation | None
    reasons: tuple[str, ...]
    model_steps: tuple[tuple[str | None, int], ...]  # the model's run up to `state`
    evidence: tuple[tuple[str, str], ...] = ()  # kernel readings when it was met

    @property
    def length(self) -> int:
        return len(self.segment.steps)

    def expected(self, oracle: Oracle) -> list[Expected]:
        return [oracle.expected[c] for c in self.candidates]


@dataclass
class Run:
    """The result of running a test: verdicts, the first divergence, coverage."""

    test: Test
    verdicts: list[JudgedStep] = field(default_factory=list)
    divergence: Divergence | None = None
    original: Divergence | None = None  # the divergence as first met, before shrinking
    coverage: Coverage | None = None
    seconds: float = 0.0
    top_up: int = 0  # segments added after a tour for transitions it did not take
    #: Set when Ctrl-C / SIGTERM ended the run early (what ended it): the verdicts are the
    #: steps run before it, and no verdict of the whole test can be given.
    interrupted: str | None = None
    #: The (name, version) of the engine judged, and the recorded divergences with the
    #: counts this run gave them (None: judged without a catalogue).
    engine: tuple[str, str] = ("", "")
    catalogue: Catalogue | None = None

    @property
    def inconclusive(self) -> int:
        return sum(v.verdict is StepVerdict.INCONCLUSIVE for v in self.verdicts)

    @property
    def passed(self) -> int:
        return sum(v.verdict is StepVerdict.PASS for v in self.verdicts)

    @property
    def known(self) -> list[JudgedStep]:
        """Return the steps a recorded divergence explained (``note``: the entry's id)."""
        return [v for v in self.verdicts if v.verdict is StepVerdict.KNOWN]

    @property
    def exit_code(self) -> int:
        """0 only when every step conformed; an inconclusive step is not conformance; 3 for
        a run interrupted before its end (as the CLI's Ctrl-C)."""
        if self.divergence is not None or self.inconclusive:
            return 1
        return 3 if self.interrupted else 0


def interrupted(exc: KeyboardInterrupt, run: Run) -> None:
    """Attach the run so far to an interrupt on its way out (``exc.partial_run``), so that
    the CLI can report the steps that ran once the engine's containers are removed."""
    if getattr(exc, "partial_run", None) is None:
        run.interrupted = str(exc) or "Ctrl-C"
        exc.partial_run = run  # type: ignore[attr-defined]


class _Abandon(Exception):
    """Stop the current segment (inconclusive, the model cannot be synchronised)."""


class Harness:
    """Judge adapters against one model's oracle."""

    def __init__(self, oracle: Oracle, on_step: Callable[[JudgedStep], None] | None = None,
                 shrink_budget: int = 256, known: Catalogue | None = None,
                 engine: tuple[str, str] = ("", "")) -> None:
        self.oracle = oracle
        self.on_step = on_step
        self.shrink_budget = shrink_budget
        #: Recorded divergences, and the (name, version) of the engine they are matched on.
        self.known = known
        self.engine = engine
        self._carried: list = []  # entries about the last step when it was not observed

    @property
    def model(self) -> Model:
        return self.oracle.model

    def run(self, test: Test, adapter: Adapter, shrink: bool = True) -> Run:
        """Run every segment; stop at the first divergence (then shrink it)."""
        t0 = time.perf_counter()
        run = Run(test, coverage=Coverage(self.oracle))
        try:
            for n, seg in enumerate(test.segments):
                div = self._segment(n, seg, adapter, run)
                if div is not None:
                    self.conclude(run, div, adapter, shrink)
                    break
        except KeyboardInterrupt as exc:
            run.seconds = time.perf_counter() - t0
            interrupted(exc, run)
            raise
        run.seconds = time.perf_counter() - t0
        return run

    def conclude(self, run: Run, div: Divergence, adapter: Adapter, shrink: bool) -> None:
        """Record a divergence just met: its kernel evidence now, then shrink it."""
        div = replace(div, evidence=collect(adapter))
        run.original = run.divergence = div  # as met, should Ctrl-C end the shrinking
        if shrink:
            run.divergence = self.shrink(div, adapter)

    def run_segment(self, seg: Segment, adapter: Adapter) -> Divergence | None:
        """Run one segment on its own; return its divergence, if any."""
        return self._segment(0, seg, adapter, Run(Test("replay", (seg,)),
                                                  coverage=Coverage(self.oracle)))

    # -- one segment ---------------------------------------------------------------------------

    def _segment(self, n: int, seg: Segment, adapter: Adapter, run: Run) -> Divergence | None:
        o = self.oracle
        adapter.reset(o.map.host_units)
        state = seg.initial
        run.coverage.visit(state)
        walk = judge.Walk(n, seg, adapter, run.coverage, [(None, state)])
        for i, step in enumerate(seg.steps):
            hurried = i > 0 and not seg.steps[i - 1].settle
            try:
                verdict, state, div = self.judge(walk, i, step, state, hurried)
            except Inconclusive as exc:
                self._emit(run, JudgedStep(n, i, str(o.command(state, step.key)),
                                           StepVerdict.INCONCLUSIVE, "", state, None, str(exc),
                                           collect(adapter)))
                return None
            self._emit(run, verdict)
            if div is not None or verdict.verdict is not StepVerdict.PASS \
                    and verdict.after is None:
                return div
        return None

    def _emit(self, run: Run, v: JudgedStep) -> None:
        run.verdicts.append(v)
        if self.on_step is not None:
            self.on_step(v)

    def judge(self, walk: judge.Walk, i: int, step, state: int, hurried: bool = False):
        """Perform and judge step ``i`` of the walk's segment from model state ``state``;
        return (verdict, the synchronised state, the divergence or None). The walk's trail
        gets the model's (action, state) steps, its coverage the transitions passed through,
        its ``ignore`` the fields a known divergence takes out of the comparison.

        ``hurried``: the previous command did not settle, so the implementation may or may
        not have taken its own internal steps (handled an exit, restarted) before this
        command arrived: the command is judged from each state the model reaches from
        ``state`` through internal actions, nearest first, and the first that explains the
        outcome and the observation is the one the model follows."""
        o, n, adapter, cov = self.oracle, walk.n, walk.adapter, walk.cov
        pres = o.closure(state) if hurried else ((state, ()),)
        # entries about the previous, unobserved step: what it did shows only now
        carried, self._carried = (self._carried if hurried else []), []
        r = o.respond(state, step.key)
        cmd = o.command(state, step.key)
        outcome = adapter.apply(cmd)
        problems = [(pre, path, o.respond(pre, step.key)) for pre, path in pres]
        problems = [(pre, path, rp, judge.outcome_problem(rp, outcome, step.key[0]))
                    for pre, path, rp in problems]
        bad_outcome = problems[0][3]
        observed = None
        if step.settle or all(p[3] for p in problems):
            adapter.settle()
            observed = adapter.observe()
        flagged = observed is not None and bool(observed.flags.get("inconclusive"))
        unsure = judge.unsure_note(observed) if flagged else ""
        readings = collect(adapter) if flagged else ()
        if observed is None:  # not observed: the next command meets the raw post-state
            pre, path, rp, _ = next(p for p in problems if not p[3])
            self._carried = applicable(self.known, self.engine, step.key[0],
                                       o.space.states[pre], rp, count=False)
            dst, edges = o.primary(rp)
            cov.take(path + edges)
            walk.follow(o, path + edges)
            return JudgedStep(n, i, str(cmd), StepVerdict.PASS, rp.kind, pre, dst,
                              "not observed: the next command follows at once"), dst, None
        for pre, path, rp, problem in problems:
            match = None if problem else judge.match(o, judge.candidates(o, rp), observed,
                                                     frozenset(walk.ignore))
            if match is not None:
                applicable(self.known, self.engine, step.key[0], o.space.states[pre], rp)
                j, edges = match
                cov.take(path + edges)
                if not rp.accepted:
                    cov.refused(pre, step.key[0])
                walk.follow(o, path + edges)
                verdict = StepVerdict.INCONCLUSIVE if flagged else StepVerdict.PASS
                return JudgedStep(n, i, str(cmd), verdict, rp.kind, pre, j,
                                  unsure, readings), j, None
        if flagged:
            return JudgedStep(n, i, str(cmd), StepVerdict.INCONCLUSIVE, r.kind, state, None,
                              unsure, readings), state, None
        candidates = judge.candidates(o, r)
        reasons = judge.reasons(o, r, candidates, outcome, observed, bad_outcome)
        for pre, path, rp, _problem in problems:
            entries = applicable(self.known, self.engine, step.key[0], o.space.states[pre], rp,
                                 count=False)
            entries += [e for e in carried if e not in entries]
            hit = explain(entries, o, pre, rp, judge.candidates(o, rp),
                          judge.outcome_field(rp, outcome), observed, frozenset(walk.ignore))
            if hit is not None:
                cov.take(path)
                walk.follow(o, path)
                return self._known(hit, walk, i, cmd, rp, pre, reasons)
        seg = walk.seg
        steps = seg.steps[:i + 1]
        div = Divergence(Segment(seg.initial, steps),
                         tuple(_commands(o, seg.initial, steps)), state, step.key, r,
                         tuple(c for c, _ in candidates), outcome, observed, tuple(reasons),
                         tuple(walk.trail))
        return JudgedStep(n, i, str(cmd), StepVerdict.FAIL, r.kind, state, None,
                          reasons[0]), state, div

    def _known(self, hit, walk: judge.Walk, i: int, cmd, r: Response, state: int,
               reasons: list[str]):
        """Record a step a recorded divergence explains; go on as the entry says."""
        entry, j, edges, n, cov = *hit, walk.n, walk.cov
        for eid in entry.id.split("+"):  # a combined entry (known._together) counts each
            self.known.occurred[eid] = self.known.occurred.get(eid, 0) + 1
            self.known.applied[eid] = self.known.applied.get(eid, 0) + 1
        note = f"{entry.id}: {reasons[0]}"
        if j is None or entry.then == "refused":  # the command's own transitions not taken
            cov.divert((edges[0] for _dst, edges in r.posts if edges), entry.id.split("+"),
                       final=not entry.intermittent)
        if j is None:  # then = reset: the model cannot follow this container any further
            return JudgedStep(n, i, str(cmd), StepVerdict.KNOWN, r.kind, state, None,
                              note), state, None
        if entry.then == "ignore":
            walk.ignore |= entry.fields
        cov.take(edges)
        walk.follow(self.oracle, edges)
        return JudgedStep(n, i, str(cmd), StepVerdict.KNOWN, r.kind, state, j, note), j, None

    # -- shrinking -----------------------------------------------------------------------------

    def shrink(self, div: Divergence, adapter: Adapter) -> Divergence:
        """Return a shortest divergence: the same answer to the same command, nearer a reset."""
        o = self.oracle
        dist, _prev = o.distances(list(o.space.initial))
        same = _signature(o, div.state, div.key)
        candidates = sorted((d, i) for i, d in dist.items()
                            if d + 1 < div.length and _signature(o, i, div.key) == same)
        for _d, i in candidates[:self.shrink_budget]:
            found = self.run_segment(shortest_segment(o, i, div.key), adapter)
            if found is not None and found.length < div.length:
                return found
        return div


def _signature(o: Oracle, i: int, key: Key) -> tuple:
    r = o.respond(i, key)
    return r.kind, tuple(sorted({e[1] for _d, edges in r.posts for e in edges}))


def _commands(o: Oracle, initial: int, steps) -> list[str]:
    """Render the steps as replayable commands; ``&``: the next one follows without settle."""
    out, state = [], initial
    for step in steps:
        out.append(str(o.command(state, step.key)) + ("" if step.settle else " &"))
        r = o.respond(state, step.key)
        state = o.settled(o.primary(r)[0]) if step.settle else o.primary(r)[0]
    return out
