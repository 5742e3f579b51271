"""dockproof: the Docker container lifecycle as a checked, executable formal model."""

__version__ = "0.1.0"
