"""The store: the only package that speaks SQL.

Functions here take a SQLAlchemy ``Connection`` first and return ``model`` objects; the
service layer owns transactions through :func:`transaction`.
"""

from backstride.store.db import Store, open_store, transaction

__all__ = ["Store", "open_store", "transaction"]
