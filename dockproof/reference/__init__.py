"""The reference interpreter: a mini Docker daemon written independently of the model (design §5).

It runs containers on a simulated host (`Host`, `Kernel`: cgroups, freezer, OOM killer), answers
Docker's commands with Docker's texts (`Daemon`, `DockerError`), logs ``docker events`` records
(`EventLog`) and serves as the ``reference`` adapter and the ``dockproof repl`` oracle. It must
never import ``dockproof.spec`` or ``dockproof.engines`` nor read the model files: two
independent semantics that agree are the point.
"""

from .container import Container, HostConfig
from .daemon import Daemon
from .errors import DockerError
from .events import Event, EventLog
from .kernel import Host, Kernel
from .restart import RestartManager, RestartPolicy, parse_policy

__all__ = ["Container", "Daemon", "DockerError", "Event", "EventLog", "Host", "HostConfig",
           "Kernel", "RestartManager", "RestartPolicy", "parse_policy"]
