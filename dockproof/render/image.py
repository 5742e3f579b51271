"""Render DOT to svg/png/pdf with the graphviz binary (``dot`` or ``sfdp``)."""

from __future__ import annotations

import shutil
import subprocess

from ..errors import InternalError, UnavailableError

IMAGE_FORMATS = ("svg", "png", "pdf")
TIMEOUT = 300  # seconds; sfdp on thousands of labelled boxes can take minutes


def render(dot_source: str, fmt: str, engine: str = "dot") -> bytes:
    """Lay out and draw DOT source as an image; the binary must be on PATH."""
    binary = shutil.which(engine)
    if binary is None:
        raise UnavailableError(
            f"the graphviz binary '{engine}' is not on PATH, so no {fmt} image: install the "
            "Debian package graphviz (apt-get install graphviz); the dot, mermaid and json "
            "formats work without it")
    try:
        proc = subprocess.run([binary, f"-T{fmt}"], input=dot_source.encode(),
                              capture_output=True, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise UnavailableError(f"{engine} -T{fmt} did not finish in {TIMEOUT} s: draw fewer "
                               "states (--config, --view around, --collapse auto)") from None
    if proc.returncode != 0:
        msg = proc.stderr.decode(errors="replace").strip().splitlines()
        raise InternalError(f"{engine} -T{fmt} failed (exit {proc.returncode}): "
                            f"{msg[-1] if msg else 'no message'}")
    return proc.stdout


def version(engine: str = "dot") -> str | None:
    """Return the graphviz version string (``2.43.0``), or None without the binary."""
    binary = shutil.which(engine)
    if binary is None:
        return None
    proc = subprocess.run([binary, "-V"], capture_output=True, text=True, check=False)
    words = proc.stderr.split()
    return words[words.index("version") + 1] if "version" in words else None
