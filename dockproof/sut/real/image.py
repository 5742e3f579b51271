"""Build the test image from Debian's busybox-static, with the workload as its init.

No registry is reachable (design §7): the image is a tarball of a root folder holding
``/bin/busybox``, the applet links the workload uses, and ``/dp/init`` (workload.sh),
imported as `dockproof-busybox:latest` with its CMD and the unit size set by ``--change``.
"""

from __future__ import annotations

import io
import os
import shutil
import tarfile
from pathlib import Path

from dockproof.sut.real import workload
from dockproof.sut.real.errors import EngineUnavailable

IMAGE = "dockproof-busybox:latest"
BUSYBOX = Path("/bin/busybox")
#: The applets workload.sh runs, plus a few for a person debugging inside the container.
APPLETS = ("sh", "sleep", "dd", "cat", "echo", "true", "false", "head", "ls", "mkfifo",
           "mv", "rm", "mkdir", "ps")
#: Dockerfile instructions for `import --change`.
CHANGES = ('CMD ["/dp/init"]', f"ENV DP_UNIT_BYTES={workload.UNIT_BYTES}")


def _add_dir(tar: tarfile.TarFile, name: str, mode: int = 0o755) -> None:
    info = tarfile.TarInfo(name)
    info.type, info.mode = tarfile.DIRTYPE, mode
    tar.addfile(info)


def _add_file(tar: tarfile.TarFile, name: str, data: bytes, mode: int = 0o755) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), mode
    tar.addfile(info, io.BytesIO(data))


def rootfs_tar() -> bytes:
    """Return the image's root file system as an uncompressed tarball.

    Built in memory with fixed metadata (mtime 0, root-owned), so it is deterministic.
    """
    if not BUSYBOX.is_file():
        raise EngineUnavailable(f"{BUSYBOX} not found (apt-get install busybox-static)")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for d in ("bin", "dp", "dev", "proc", "sys", "tmp", "etc"):
            _add_dir(tar, d, 0o1777 if d == "tmp" else 0o755)
        _add_file(tar, "bin/busybox", BUSYBOX.read_bytes())
        for applet in APPLETS:
            link = tarfile.TarInfo(f"bin/{applet}")
            link.type, link.linkname, link.mode = tarfile.SYMTYPE, "busybox", 0o777
            tar.addfile(link)
        _add_file(tar, "dp/init", workload.SCRIPT.read_bytes())
    return buf.getvalue()


def import_docker(client) -> str:
    """Import the image into the daemon behind `client` (docker SDK); return its id."""
    repo, tag = IMAGE.split(":")
    client.api.import_image_from_data(rootfs_tar(), repository=repo, tag=tag,
                                      changes=list(CHANGES))
    return client.images.get(IMAGE).id


def import_podman(podman) -> str:
    """Import the image into a `PrivatePodman` context; return its id."""
    argv = ["import"]
    for change in CHANGES:
        argv += ["--change", change]
    done = podman.run([*argv, "-", IMAGE], input=rootfs_tar())
    if done.returncode != 0:
        raise EngineUnavailable(f"podman import failed: {done.stderr.decode().strip()}")
    return done.stdout.decode().strip().splitlines()[-1]


def have_busybox() -> bool:
    """Return whether busybox-static is installed where the image expects it."""
    return BUSYBOX.is_file() and os.access(BUSYBOX, os.X_OK) and shutil.which("sh") is not None


