"""Exceptions of the worker that user code can meet."""


class UsageError(Exception):
    """A magic used the wrong way, or not known: shown as one line, without a traceback."""
