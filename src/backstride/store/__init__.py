"""The store: the only package that speaks SQL.

Functions here take a SQLAlchemy ``Connection`` first and return ``model`` objects; the
service layer owns transactions through :func:`transaction`.
"""

from sqlalchemy.engine import Connection

from backstride.store.db import Store, import_transaction, open_store, transaction

# Connection is re-exported so the service layer can type the connections it gets from
# transaction() without importing SQLAlchemy itself.
__all__ = ["Connection", "Store", "import_transaction", "open_store", "transaction"]
