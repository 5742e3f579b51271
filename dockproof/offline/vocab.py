"""Load an event vocabulary: how one engine's event stream shows a model's actions.

The vocabulary is data (``dockproof/offline/events.toml``): per dialect (``docker``,
``podman``), each model action's *word* of events, the observation events that change no state,
and the container actions and event types that are not lifecycle steps (each with its reason).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..engines.compiled import predicate
from ..spec.model import Model
from ..spec.source import Source, read_toml
from ..spec.types import EnumType
from .inspect import load_inspect

DEFAULT = Path(__file__).with_name("events.toml")
DIALECTS = ("docker", "podman")
_QUANTS = ("?", "*")
_EXIT_MEMBERS: tuple[str, ...] = ()   # the exit variable's members, while a file is loaded


@dataclass(frozen=True)
class Token:
    """One event of a word: its name and ``""`` (exactly once), ``"?"`` or ``"*"``."""

    name: str
    quant: str = ""
    cls: int | None = None     # ``die=killed``: only an exit code of this class;
    cls_text: str = ""         # ``kill=9``: only this signal (a number: the event's signal)

    @property
    def optional(self) -> bool:
        return self.quant in _QUANTS

    def __str__(self) -> str:
        return self.name + (f"={self.cls_text}" if self.cls_text else "") + self.quant


@dataclass(frozen=True)
class Word:
    """The events an action emits from the states where ``when`` holds."""

    tokens: tuple[Token, ...]
    when: Callable[[tuple], bool] | None = None
    when_text: str = ""

    def __str__(self) -> str:
        return " ".join(map(str, self.tokens)) or "(no event)"


@dataclass(frozen=True)
class Signals:
    """How a word's kill events tie the exit code of its exit event (``[<dialect>.signals]``):
    the predicates are over the model's state before the action."""

    events: frozenset[str]                     # events whose number is a signal
    kill: int                                  # SIGKILL: it cannot be caught
    already_exited: Callable[[tuple], bool]    # the process had exited before the command
    dies: Callable[[tuple], bool]              # the default action: exit 128 + n
    ignores: Callable[[tuple], bool]           # only SIGKILL ends it
    text: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Dialect:
    """One engine's vocabulary, compiled against a model."""

    name: str
    words: tuple[tuple[Word, ...] | None, ...]   # by action index; None: the engine lacks it
    observe: dict[str, Callable[[tuple], bool]]
    observe_text: dict[str, str]
    exit_events: frozenset[str]
    ignore_actions: dict[str, str]
    ignore_types: dict[str, str]
    exit_slot: int
    exit_classes: dict[int, int]     # exit code -> member index of the exit variable
    exit_other: int
    exit_unset: int
    known: frozenset[str] = field(default=frozenset())   # every event name some word uses
    signals: Signals | None = None
    label_prefix: str = ""        # create labels NAME=VALUE under it narrow the parameters
    inspect: tuple = ()           # inspect.Field: how messages show a state
    stopped_status: int | None = None    # the status between a word's exit and its end
    resume_events: frozenset[str] = frozenset()   # events that start the container again
    observe_inside: bool = True   # observations may come inside a command's word

    def exit_class(self, code: int) -> int:
        """Return the exit variable's member index for an exit code."""
        return self.exit_classes.get(code, self.exit_other)


def load_dialect(model: Model, dialect: str, path: str | Path = DEFAULT) -> Dialect:
    """Load and check one dialect of a vocabulary file against ``model``."""
    src = read_toml(path)
    d = src.data
    src.check_keys(d, "", ("meta", "exit_code", "config", "inspect") + DIALECTS,
                   required=("exit_code", dialect))
    meta = src.table(d.get("meta", {}), "meta")
    if meta.get("model", model.name) != model.name:
        raise src.error("meta.model", "DP420", f"this vocabulary is for model "
                        f"'{meta.get('model')}', not '{model.name}'")
    slot, classes, other, unset = _exit_code(src, d["exit_code"], model)
    global _EXIT_MEMBERS
    _EXIT_MEMBERS = model.variables[slot].type.members
    body = src.table(d[dialect], dialect)
    src.check_keys(body, dialect, ("exit_events", "words", "observe", "ignore", "signals",
                                   "stopped_status", "resume_events", "observe_inside"),
                   required=("words",))
    inside = body.get("observe_inside", True)
    if not isinstance(inside, bool):
        raise src.error(f"{dialect}.observe_inside", "DP103", "expected true or false")
    stopped = None
    if "stopped_status" in body:
        members = model.var("status").type.members
        if body["stopped_status"] not in members:
            raise src.error(f"{dialect}.stopped_status", "DP104", "unknown status "
                            f"'{body['stopped_status']}'", f"values: {', '.join(members)}")
        stopped = members.index(body["stopped_status"])
    words = _words(src, src.table(body["words"], f"{dialect}.words"), f"{dialect}.words", model)
    observe, texts = _observe(src, src.table(body.get("observe", {}), f"{dialect}.observe"),
                              f"{dialect}.observe", model)
    ignore = src.table(body.get("ignore", {}), f"{dialect}.ignore")
    src.check_keys(ignore, f"{dialect}.ignore", ("actions", "types"))
    known = frozenset(t.name for ws in words if ws for w in ws for t in w.tokens)
    return Dialect(dialect, words, observe, texts,
                   frozenset(src.string_list(body.get("exit_events", []),
                                             f"{dialect}.exit_events")),
                   _reasons(src, ignore.get("actions", {}), f"{dialect}.ignore.actions"),
                   _reasons(src, ignore.get("types", {}), f"{dialect}.ignore.types"),
                   slot, classes, other, unset, known | frozenset(observe),
                   _signals(src, body.get("signals"), f"{dialect}.signals", model),
                   _label_prefix(src, d.get("config", {})),
                   load_inspect(src, d.get("inspect", {}), model), stopped,
                   frozenset(src.string_list(body.get("resume_events", []),
                                             f"{dialect}.resume_events")), inside)


def _signals(src: Source, table, key: str, model: Model) -> Signals | None:
    if table is None:
        return None
    t = src.table(table, key)
    preds = ("already_exited", "dies", "ignores")
    src.check_keys(t, key, ("events", "kill") + preds, required=("events", "kill") + preds)
    if not isinstance(t["kill"], int) or isinstance(t["kill"], bool) or not 0 < t["kill"] < 128:
        raise src.error(f"{key}.kill", "DP103", "SIGKILL's number, 1..127")
    fs = {p: predicate(src.expr(f"{key}.{p}", t[p], model.scope())) for p in preds}
    return Signals(frozenset(src.string_list(t["events"], f"{key}.events")), t["kill"],
                   fs["already_exited"], fs["dies"], fs["ignores"],
                   {p: str(t[p]) for p in preds})


def _label_prefix(src: Source, table) -> str:
    t = src.table(table, "config")
    src.check_keys(t, "config", ("label_prefix",))
    prefix = t.get("label_prefix", "")
    if not isinstance(prefix, str):
        raise src.error("config.label_prefix", "DP103", "expected a string")
    return prefix


def _exit_code(src: Source, table, model: Model):
    t = src.table(table, "exit_code")
    src.check_keys(t, "exit_code", ("var", "classes", "other", "unset"),
                   required=("var", "classes", "other", "unset"))
    var = next((v for v in model.state_vars if v.name == t["var"]), None)
    if var is None or not isinstance(var.type, EnumType):
        raise src.error("exit_code.var", "DP421", f"'{t['var']}' is not an enum state variable "
                        "of the model")
    members = var.type.members

    def member(value, key):
        if value not in members:
            raise src.error(key, "DP104", f"unknown {var.name} '{value}'",
                            f"values: {', '.join(members)}")
        return members.index(value)
    classes = {}
    for code, value in src.table(t["classes"], "exit_code.classes").items():
        if not code.isdigit():
            raise src.error("exit_code.classes", "DP103", f"'{code}' is not an exit code")
        classes[int(code)] = member(value, "exit_code.classes")
    return (var.slot, classes, member(t["other"], "exit_code.other"),
            member(t["unset"], "exit_code.unset"))


def _words(src: Source, table: dict, key: str, model: Model):
    names = [a.name for a in model.actions]
    for name in table:
        if name not in names:
            from ..errors import did_you_mean
            raise src.error(f"{key}.{name}", "DP105", f"unknown action '{name}'",
                            did_you_mean(name, names))
    out = []
    for a in model.actions:
        if a.name not in table:
            raise src.error(key, "DP422", f"action '{a.name}' has no word",
                            "list every action; \"\" for a step the log does not show, false "
                            "for one this engine lacks")
        out.append(_action_words(src, table[a.name], f"{key}.{a.name}", model))
    return tuple(out)


def _action_words(src: Source, value, key: str, model: Model):
    if value is False:
        return None
    if isinstance(value, str):
        return (Word(_tokens(src, value, key)),)
    if not isinstance(value, list):
        raise src.error(key, "DP103", "expected a word (a string), false, or a list of "
                        "{ when, word } tables")
    out = []
    for i, item in enumerate(value):
        k = f"{key}[{i}]"
        item = src.table(item, k)
        src.check_keys(item, k, ("when", "word"), required=("when", "word"))
        e = src.expr(k, item["when"], model.scope())
        out.append(Word(_tokens(src, item["word"], k), predicate(e), str(item["when"])))
    return tuple(out)


def _tokens(src: Source, text, key: str) -> tuple[Token, ...]:
    if not isinstance(text, str):
        raise src.error(key, "DP103", "a word is a string of event names")
    out = []
    for part in text.split():
        quant = part[-1] if part[-1] in _QUANTS else ""
        name = part[:-1] if quant else part
        name, _, cls = name.partition("=")
        if not name or not all(c.isalnum() or c in "_-" for c in name):
            raise src.error(key, "DP423", f"'{part}' is not an event name (optionally with "
                            "=<exit class> or =<signal>, then ? or *)")
        if cls.isdigit():  # a kill event's signal
            out.append(Token(name, quant, int(cls), cls))
            continue
        if cls and cls not in _EXIT_MEMBERS:
            raise src.error(key, "DP104", f"unknown exit class '{cls}' in '{part}'",
                            f"classes: {', '.join(_EXIT_MEMBERS)}, or a signal number")
        out.append(Token(name, quant, _EXIT_MEMBERS.index(cls) if cls else None, cls))
    return tuple(out)


def _observe(src: Source, table: dict, key: str, model: Model):
    preds, texts = {}, {}
    for name, text in table.items():
        preds[name] = predicate(src.expr(f"{key}.{name}", text, model.scope()))
        texts[name] = str(text)
    return preds, texts


def _reasons(src: Source, table, key: str) -> dict[str, str]:
    t = src.table(table, key)
    for name, reason in t.items():
        if not isinstance(reason, str) or not reason:
            raise src.error(f"{key}.{name}", "DP103", "expected the reason, a string")
    return dict(t)
