"""What goes wrong with a connected service, each a one-line :class:`BackstrideError` with a
hint saying what to do."""

from __future__ import annotations

from backstride.errors import BackstrideError


class SyncError(BackstrideError):
    """A service could not be reached or answered something unusable."""


class AccessError(SyncError):
    """The service refused our credentials: revoked, expired or wrong. Connecting again is
    the cure, so the hint says how."""
