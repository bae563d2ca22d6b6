"""Error types. Every message says what happened and what to try."""


class CustodesError(Exception):
    """Base class: the CLI prints `Error: <message>` and exits 1."""

    exit_code = 1


class InputError(CustodesError):
    """The user's input (a file, an argument) is not usable."""


class ConfigError(CustodesError):
    """A setting or configuration file is invalid."""


class NotFound(CustodesError):
    """A requested record does not exist in the store."""


class StoreBusy(CustodesError):
    """Another process holds the store's write lock."""

    exit_code = 3


class BackendError(CustodesError):
    """The database engine failed; the message names the query."""
