"""The exception tree of backstride.

Every error a user can cause derives from :class:`BackstrideError`, which carries a one-line
``message`` (what and why) and an optional ``hint`` (what to do). Each edge (CLI, web)
translates these once; nothing below the edges prints or exits.

::

    BackstrideError(message, hint=None)
    ├── InputError(field=None)     the user's input (a file, a value) cannot be used; field:
    │                              the service parameter at fault (each edge names it its way)
    │   ├── UnsupportedFormatError the bytes are not a format backstride reads
    │   ├── CorruptFileError       the format is right but the content is broken beyond use
    │   ├── EmptyActivityError     the file is readable but holds no activity
    │   └── ArchiveLimitError      an export archive breaks a safety limit (zip-slip, bomb...)
    ├── NotFoundError              an id or a path that does not exist
    ├── ConfigError                a setting or database URL that cannot be used
    ├── StorageError               the database refused an import's write (a full disk, a
    │                              lost connection): that file is not stored
    ├── AuthenticationError        the clinic server's sign-in refused: a wrong name or
    │   │                          password, an expired session, a used or expired link
    │   └── ThrottledError         too many failed attempts: wait ``retry_after_s``
    └── PermissionDeniedError      the signed-in account may not do this, or may not see
                                   this athlete's data
"""

from __future__ import annotations


class BackstrideError(Exception):
    """Base of every error backstride raises on purpose."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class InputError(BackstrideError):
    """The user's input cannot be used.

    ``field`` names the service parameter at fault (``days_per_week``), never an edge's
    spelling of it: the CLI turns it into its option (``--days-per-week``), the web API into
    its query or body parameter, each in its one error translator.
    """

    def __init__(self, message: str, *, hint: str | None = None, field: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.field = field


class UnsupportedFormatError(InputError):
    """The bytes are not in a format backstride reads."""


class CorruptFileError(InputError):
    """The format is recognised but the content is broken beyond recovery."""


class EmptyActivityError(InputError):
    """The file is readable but holds no activity (no samples, no summary)."""


class ArchiveLimitError(InputError):
    """An export archive breaks a safety limit (a name escaping it, a symbolic link, a bomb).

    Raised when the archive is opened, it refuses the whole archive; raised while one member is
    read (it inflates past the size its header declares), it fails that member only.
    """


class NotFoundError(BackstrideError):
    """An id or a path that does not exist."""


class ConfigError(BackstrideError):
    """A setting or a database URL that cannot be used."""


class StorageError(BackstrideError):
    """The database refused an import's write or its commit (a full disk, a lost connection).

    Raised after the transaction was rolled back: nothing of it is stored, and an import counts
    that file as failed.
    """


class AuthenticationError(BackstrideError):
    """The clinic server refused a sign-in: a wrong name or password (one message for both,
    so names cannot be probed), an expired session, a used or expired one-time link."""


class ThrottledError(AuthenticationError):
    """Too many failed attempts (sign-ins, invite codes): refused without checking until
    ``retry_after_s`` seconds have passed."""

    def __init__(self, message: str, *, retry_after_s: int, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.retry_after_s = retry_after_s


class PermissionDeniedError(BackstrideError):
    """The signed-in account may not do this, or may not see this athlete's data (not
    shared with it, shared and revoked, or an admin asking for health data)."""
