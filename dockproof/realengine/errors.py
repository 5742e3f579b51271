"""The one exception real-engine code raises for an engine that cannot be used."""


class EngineUnavailable(RuntimeError):
    """The engine's binary is missing or its daemon will not come up (the CLI's exit 3).

    The message says what is missing, or ends with the tail of the daemon's log.
    """
