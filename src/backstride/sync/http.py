"""The HTTP session type the clients take (``requests``), named here so the service layer
can pass one through (tests route it to local fake servers) without importing ``requests``."""

from __future__ import annotations

import requests

Session = requests.Session
