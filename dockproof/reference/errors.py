"""Docker's error answers, with the exact texts of Docker Engine 20.10 (engine-facts §2.1).

Each helper builds the `DockerError` the daemon returns for one refusal, so every text lives in
one place and tests can compare it byte for byte. ``<id>`` in Docker's texts is the full 64-hex
container ID and ``<name>`` the reference the caller passed.
"""

from __future__ import annotations


class DockerError(Exception):
    """Raise a refusal from the daemon: an HTTP status code and Docker's message.

    >>> str(DockerError(409, "Container abc is not running"))
    'Container abc is not running'
    """

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message

    def __str__(self) -> str:
        return self.message


def no_such_container(ref: str) -> DockerError:
    """Answer a reference that names no container (404)."""
    return DockerError(404, f"No such container: {ref}")


def no_such_image(ref: str) -> DockerError:
    """Answer an image that is not in the local store (404; the CLI first prints
    ``Unable to find image '<ref>' locally``)."""
    return DockerError(404, f"No such image: {ref}")


def name_in_use(name: str, cid: str) -> DockerError:
    """Answer a `create` whose ``--name`` is taken (409)."""
    return DockerError(409, f'Conflict. The container name "/{name}" is already in use by '
                            f'container "{cid}". You have to remove (or rename) that container '
                            f'to be able to reuse that name.')


def not_running(cid: str) -> DockerError:
    """Answer pause (or a workload stimulus) on a container that is not running (409)."""
    return DockerError(409, f"Container {cid} is not running")


def kill_not_running(ref: str, cid: str) -> DockerError:
    """Answer kill on a container that is not running (409)."""
    return DockerError(409, f"Cannot kill container: {ref}: Container {cid} is not running")


def already_paused(cid: str) -> DockerError:
    """Answer pause on a paused container (409)."""
    return DockerError(409, f"Container {cid} is already paused")


def is_restarting(cid: str) -> DockerError:
    """Answer pause (or a stimulus) on a restarting container (409)."""
    return DockerError(409, f"Container {cid} is restarting, wait until the container is running")


def not_paused(cid: str) -> DockerError:
    """Answer unpause on a container that is not paused (500: a plain error, no errdefs class)."""
    return DockerError(500, f"Container {cid} is not paused")


def start_paused() -> DockerError:
    """Answer start on a paused container (409)."""
    return DockerError(409, "cannot start a paused container, try unpause instead")


def marked_for_removal() -> DockerError:
    """Answer start on a dead container (409)."""
    return DockerError(409, "container is marked for removal and cannot be started")


def restart_failed(ref: str, cause: DockerError) -> DockerError:
    """Wrap a restart failure; the wrapping loses the error class, hence 500 (§2.1)."""
    return DockerError(500, f"Cannot restart container {ref}: {cause.message}")


def remove_live(kind: str, cid: str) -> DockerError:
    """Answer rm without -f on a running, paused or restarting container (409)."""
    if kind == "paused":
        return DockerError(409, f"You cannot remove a paused container {cid}. Unpause and then "
                                f"stop the container before attempting removal or force remove")
    return DockerError(409, f"You cannot remove a {kind} container {cid}. Stop the container "
                            f"before attempting removal or force remove")


def removal_failed(cid: str) -> DockerError:
    """Answer rm when the file system cannot be removed (an immutable file, §1.4 e16b)."""
    return DockerError(500, f"unable to remove filesystem for {cid}: unlinkat "
                            f"/var/lib/docker/containers/{cid}/res-immutable: "
                            f"operation not permitted")


def paused_exec(ref: str) -> DockerError:
    """Answer a workload stimulus on a paused container, as Docker answers exec (409)."""
    return DockerError(409, f"Container {ref} is paused, unpause the container before exec")


def pause_hung(cid: str) -> DockerError:
    """Answer pause on a container blocked in memcg OOM: the freezer cannot freeze a D-state
    task (§4.3, e10)."""
    return DockerError(500, f"Cannot pause container {cid}: OCI runtime pause failed: "
                            f"unable to freeze: unknown")


def workload_hung(cid: str) -> DockerError:
    """Answer a stimulus to a workload that is blocked at its memory limit (S8).

    Not a Docker text: the reference's workload cannot act while it sleeps in D state.
    """
    return DockerError(409, f"the workload of container {cid} is hung at its memory limit "
                            f"(memory.oom_control under_oom 1)")


def host_exhausted(cid: str, asked: int, free: int) -> DockerError:
    """Answer an allocation the host cannot back (S9): the reference refuses it (ENOMEM)."""
    return DockerError(507, f"cannot allocate memory in container {cid}: asked for {asked} "
                            f"units, the host has {free} free")
