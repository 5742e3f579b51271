"""The one exception real-engine code raises for an engine that cannot be used."""

from dockproof.errors import UnavailableError


class EngineUnavailable(UnavailableError, RuntimeError):
    """The engine is missing, will not come up, or stopped answering (the CLI's exit 3).

    The message says what is missing, or ends with the tail of the daemon's log, or (for an
    engine that died mid-run) lists the containers left behind and how to remove them. It is
    a `DockproofError`, so the CLI prints it as one ``error: …`` line, never a traceback.
    """
