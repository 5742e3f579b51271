"""The ``jsonl`` transport: an implementation in any language, as a child process.

One JSON request per line on the child's stdin, one JSON reply per line on its stdout (see
docs/adapter-protocol.md). Every read has a timeout; a reply that is not JSON, a child that
exits early or does not answer in time is one `UnavailableError` (exit 3) that names the
request and ends with the tail of the child's stderr. The child is killed then.
"""

from __future__ import annotations

import json
import queue
import shlex
import subprocess
import threading
from collections import deque
from typing import Any

from dockproof.errors import UnavailableError
from dockproof.sut.contract import (
    OK,
    RESOURCES,
    STATUSES,
    Command,
    Inconclusive,
    Observation,
    Outcome,
)

_EOF = object()

class JsonlAdapter:
    """Drive a child process over the jsonl protocol (satisfies the `Adapter` Protocol)."""

    def __init__(self, argv: list[str] | str, timeout: float = 10.0, cwd: str | None = None
                 ) -> None:
        self.argv = shlex.split(argv) if isinstance(argv, str) else list(argv)
        self.timeout = timeout
        self.name = "exec:" + " ".join(self.argv)
        self._stderr: deque[str] = deque(maxlen=20)
        try:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                         text=True, bufsize=1, cwd=cwd)
        except OSError as exc:
            raise UnavailableError(f"adapter {self.name}: cannot start it: {exc}") from None
        self._lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._pump, args=(self.proc.stdout, self._lines.put),
                         daemon=True).start()
        self._errors = threading.Thread(target=self._pump,
                                        args=(self.proc.stderr, self._stderr.append),
                                        daemon=True)
        self._errors.start()

    @staticmethod
    def _pump(stream, put) -> None:
        for line in stream:
            put(line.rstrip("\n"))
        put(_EOF)

    # -- the Protocol ------------------------------------------------------------------------

    def reset(self, host_units: int) -> None:
        self._expect_ok(self.request({"op": "reset", "host_units": host_units}), "reset")

    def apply(self, command: Command) -> Outcome:
        reply = self.request({"op": "apply", "command": command.to_json()})
        ok = reply.get("ok")
        if ok is True:
            return OK
        if ok is False:
            error = reply.get("error")
            return Outcome(False, error if isinstance(error, str) else None)
        raise self._garbage("apply", reply, 'an "ok" true or false')

    def settle(self) -> None:
        self._expect_ok(self.request({"op": "settle"}), "settle")

    def observe(self) -> Observation:
        reply = self.request({"op": "observe"})
        status, res, flags = reply.get("status"), reply.get("resources", []), \
            reply.get("flags", {})
        if status not in STATUSES:
            raise self._garbage("observe", reply, "a status among " + ", ".join(STATUSES))
        if not isinstance(res, list) or not set(res) <= set(RESOURCES):
            raise self._garbage("observe", reply, "resources among " + ", ".join(RESOURCES))
        if not isinstance(flags, dict):
            raise self._garbage("observe", reply, "flags as an object")
        return Observation(status, frozenset(res), flags)

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self._send({"op": "close"})
                self.proc.wait(timeout=self.timeout)
            except (OSError, subprocess.TimeoutExpired, UnavailableError):
                self.proc.kill()
                self.proc.wait()

    # -- the wire ----------------------------------------------------------------------------

    def request(self, message: dict[str, Any]) -> dict[str, Any]:
        """Send one request and return its reply (an object); raise on any protocol failure."""
        op = message["op"]
        self._send(message)
        try:
            line = self._lines.get(timeout=self.timeout)
        except queue.Empty:
            raise self._fail(f"did not reply to {op} within {self.timeout:g}s") from None
        if line is _EOF:
            code = self.proc.wait()
            raise self._fail(f"exited with status {code} before replying to {op}")
        try:
            reply = json.loads(line)
        except json.JSONDecodeError:
            raise self._fail(f"reply to {op} is not JSON: {line[:120]!r}") from None
        if not isinstance(reply, dict):
            raise self._fail(f"reply to {op} is not a JSON object: {line[:120]!r}")
        if "inconclusive" in reply:
            raise Inconclusive(f"{self.name}: {reply['inconclusive']}")
        return reply

    def _send(self, message: dict[str, Any]) -> None:
        if self.proc.poll() is not None:
            raise self._fail(f"exited with status {self.proc.returncode} before "
                             f"{message['op']}")
        try:
            self.proc.stdin.write(json.dumps(message) + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise self._fail(f"closed its stdin before {message['op']}") from None

    def _expect_ok(self, reply: dict, op: str) -> None:
        if reply.get("ok") is not True:
            raise self._fail(f"{op} failed: {reply.get('error', reply)!r}")

    def _garbage(self, op: str, reply: dict, wanted: str) -> UnavailableError:
        return self._fail(f"reply to {op} is not {wanted}: {json.dumps(reply)[:160]}")

    def _fail(self, what: str) -> UnavailableError:
        if self.proc.poll() is None:
            self.proc.kill()
        self._errors.join(timeout=1.0)  # let the child's last words arrive
        tail = "; ".join([x for x in self._stderr if isinstance(x, str)][-3:])
        return UnavailableError(f"adapter {self.name} {what}"
                                + (f" (stderr: {tail})" if tail else ""))
