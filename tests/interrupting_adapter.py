"""A reference adapter that sends its own process SIGINT at its 40th command, as a user's
Ctrl-C in the middle of a run; it notes its close() in the file $DP_CLOSED_LOG."""

from __future__ import annotations

import os
import signal

from dockproof.sut.reference import ReferenceAdapter

AT = 40
_count = {"n": 0}


class InterruptingAdapter(ReferenceAdapter):
    def apply(self, command):
        _count["n"] += 1
        if _count["n"] == AT:
            os.kill(os.getpid(), signal.SIGINT)
        return super().apply(command)

    def close(self):
        with open(os.environ["DP_CLOSED_LOG"], "a") as f:
            f.write("closed\n")
