"""The local web dashboard and its JSON API: a thin shell over :mod:`backstride.service`
(docs/web.md). Start it with ``backstride serve``; build it with :func:`create_app`."""

from backstride.web.app import create_app

__all__ = ["create_app"]
