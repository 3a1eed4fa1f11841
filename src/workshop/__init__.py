"""workshop: a self-hosted workshop facilitation toolkit."""

__version__ = "0.1.0"
