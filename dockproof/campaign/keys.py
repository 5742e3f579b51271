"""The digests that say which model and which divergence entries a ledger row is about.

A row counts for the model's *semantic digest* (`model_digest`): a hash of the model's TOML
tables without the prose (comments, and the keys no engine, oracle or adapter reads: the
model's ``title``, ``source`` and ``doc``, each parameter's, variable's and action's ``doc``
and ``cites``). Rewording a comment or moving a cited file keeps the ledger's runs; a changed
guard, effect, error text or conformance mapping does not. Rows written before the semantic
digest carry only the file's hash (``model_sha256_16``); the ledger's folder maps those to
semantic digests in `ALIASES`.

The divergence entries are hashed as their parsed tables (comments do not count), the
engine's whole set (`entries_hash`) and, per configuration, the part that can apply in it
(`config_entries_hashes`).
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path

from dockproof import builtin
from dockproof.conformance import known
from dockproof.errors import DockproofError
from dockproof.spec.model import Model

#: The ledger row's fields that say which model, divergence entries and adapter it is about:
#: the model file's hash (as the `--json` report's ``meta.model_file``), the model's semantic
#: digest (rows from before it have the file's hash only), the engine's entries (DIV_KEY),
#: those of them that can apply in the row's configuration (CFG_DIV_KEY; rows from before it
#: have DIV_KEY only).
MODEL_KEY, SEMANTIC_KEY = "model_sha256_16", "model_semantic_16"
DIV_KEY, CFG_DIV_KEY = "divergences_sha256_16", "config_divergences_sha256_16"
#: Beside a ledger: a JSON object mapping model file hashes to semantic digests, for the
#: rows written before rows carried the semantic digest.
ALIASES = "model-digests.json"
#: The prose of a model: per table, the keys that change no run.
PROSE = {"model": ("title", "source", "doc")}
PROSE_PER_ENTRY = {"parameters": ("doc", "cites"), "variables": ("doc", "cites"),
                   "actions": ("doc", "cites")}


def file_hash(path: Path | None) -> str:
    """Return the first 16 hex digits of a file's sha256 (as the model's hash), or "none"."""
    if path is None:
        return "none"
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _digest(data) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


def model_digest(path: Path) -> str:
    """Return the model's semantic digest: its tables without comments and `PROSE`.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     f = Path(d) / "m.toml"
    ...     _ = f.write_text('[model]\\nname = "m"\\nsource = "a.md"\\n')
    ...     a = model_digest(f)
    ...     _ = f.write_text('# reworded\\n[model]\\nname = "m"\\nsource = "docs/b.md"\\n')
    ...     b = model_digest(f)
    ...     _ = f.write_text('[model]\\nname = "n"\\n')
    ...     (a == b, a == model_digest(f))
    (True, False)
    """
    data = tomllib.loads(path.read_text())
    for table, keys in PROSE.items():
        if isinstance(data.get(table), dict):
            data[table] = {k: v for k, v in data[table].items() if k not in keys}
    for table, keys in PROSE_PER_ENTRY.items():
        entries = data.get(table)
        if isinstance(entries, dict):
            data[table] = {name: {k: v for k, v in body.items() if k not in keys}
                           if isinstance(body, dict) else body
                           for name, body in entries.items()}
    return _digest(data)


def aliases(ledger: Path) -> dict[str, str]:
    """Return the `ALIASES` file beside ``ledger`` (model file hash -> semantic digest), or
    nothing."""
    f = ledger.parent / ALIASES
    if not f.is_file():
        return {}
    data = json.loads(f.read_text())
    return {k: v for k, v in data.items() if isinstance(v, str)} if isinstance(data, dict) else {}


def entries_hash(path: Path | None, engine: str) -> str:
    """Return a hash of the divergence entries about ``engine`` (the others do not change
    how its runs are judged), or "none"."""
    if path is None:
        return "none"
    try:
        rows = tomllib.loads(path.read_text()).get("divergence", [])
    except (OSError, ValueError):
        return file_hash(path)
    return entries_digest([r for r in rows if isinstance(r, dict) and r.get("engine") == engine])


def entries_digest(rows: list[dict]) -> str:
    """Return the hash of divergence entries (their TOML tables, in file order): one formula
    for the engine's whole set and a configuration's part, so equal sets hash alike.

    >>> entries_digest([])
    '4f53cda18c2baa0c'
    """
    return hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()[:16]


def config_entries_hashes(path: Path | None, engine: str, model: Model, parts: list) -> list[str]:
    """Return, per configuration (``parts``: each one's part of the reachable graph), a hash of
    the engine's divergence entries that can apply in it: those whose ``when`` holds in some
    state of the part. An entry is consulted only for a step whose state satisfies its
    ``when`` (`known.Entry.applies`), so the others cannot change how the configuration's runs
    are judged; an entry without ``when`` applies everywhere. A file that does not load gives
    every configuration the whole file's hash."""
    if path is None:
        return ["none"] * len(parts)
    try:
        rows = {r.get("id"): r for r in tomllib.loads(path.read_text()).get("divergence", [])
                if isinstance(r, dict)}
        mine = [e for e in known.load(path, model).entries if e.engine == engine]
    except (OSError, ValueError, DockproofError):  # a bad file: its error is the child's
        return [file_hash(path)] * len(parts)
    return [entries_digest([rows[e.id] for e in mine
                            if e.when is None or any(e.when(s) for s in part.states)])
            for part in parts]


def divergences_file(model_path: Path, model_name: str) -> Path | None:
    """Return the divergences file `dockproof conform` judges with by default (as its
    `_catalogue`: properties/divergences.toml beside the model, else the built-in one, when
    it is about this model)."""
    for folder in (model_path.resolve().parent.parent / "properties",
                   builtin.root() / "properties"):
        f = folder / "divergences.toml"
        if f.is_file() and known.about(f) == model_name:
            return f
    return None
