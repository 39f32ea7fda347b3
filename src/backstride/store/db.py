"""Engines, dialect settings and schema migrations.

Every difference between SQLite and PostgreSQL lives here: SQLite runs in WAL mode with
foreign keys on and upgrades its schema itself when opened (a local file has no
administrator); PostgreSQL is upgraded only on request (``backstride db upgrade``), because a
shared server's schema should change when its operator says so.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, Self

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, DatabaseError, NoSuchModuleError, OperationalError

from backstride.errors import ConfigError, PermissionDeniedError, StorageError
from backstride.model import FormFill

if TYPE_CHECKING:  # Alembic is imported only to migrate or check a schema (start-up, issue 15)
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


@dataclass(frozen=True)
class View:
    """What the activity reads of a store leave out (a clinician's view of an athlete).

    ``hide_strava_api``: the activities that came only from Strava's API are left out, and
    what Strava added to the others (name, description, private note, perceived exertion,
    Strava's gear, the Strava id) is blank: Strava's API Agreement lets a runner's Strava
    data be shown to that runner only (docs/sync.md). ``positions`` False: streams come
    without latitude and longitude (a share of summaries, no GPS). The reads in
    ``store/activities.py``, ``store/form.py``, ``store/gear.py`` and ``store/pain.py`` obey
    it (``store/restricted.py``); the default view leaves nothing out.
    """

    hide_strava_api: bool = False
    positions: bool = True


#: The view of a store opened on a database: everything.
FULL_VIEW = View()
#: The execution option that carries a :class:`View` on a view's connections.
VIEW_OPTION = "backstride_view"


@dataclass(frozen=True)
class Store:
    """An opened store: the engine and what kind of database is behind it.

    A context manager: ``with open_store(url) as store:`` closes it on the way out, as
    :meth:`close` does. ``view`` is what its activity reads leave out (:meth:`restricted`).
    """

    engine: Engine
    view: View = FULL_VIEW
    #: The store this one is a restricted view of (None: a store opened on a database). A
    #: view shares its base store's engine and connection pool, which the base store closes.
    base: Store | None = field(default=None, repr=False, compare=False)
    #: The restricted views of this store, made once per :class:`View` (:meth:`restricted`).
    _views: dict[View, Store] = field(default_factory=dict, init=False, repr=False, compare=False)
    _views_lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )

    @property
    def owns_engine(self) -> bool:
        """Whether closing this store disposes the engine (a view's is its base store's)."""
        return self.base is None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def display_url(self) -> str:
        """The database URL with any password hidden."""
        return self.engine.url.render_as_string(hide_password=True)

    def restricted(self, *, hide_strava_api: bool = True, positions: bool = True) -> Store:
        """A view of this store whose every connection carries the restriction (the
        engine's execution option :data:`VIEW_OPTION`), so the service functions run on it
        unchanged and read only what the view shows. Same database, same pool; closing the
        view closes nothing. Restricting a view adds to its restrictions.

        The base store makes each view once and hands the same one to every later caller
        (a clinician's every request asks for one, ``service.sharing.Access.store``; there
        are only a few views): an option engine and its listener per request would cost
        each page a little, for nothing. Thread-safe (the web server answers from a pool of
        threads); the views go with the base store's :meth:`close`."""
        view = View(
            hide_strava_api=hide_strava_api or self.view.hide_strava_api,
            positions=positions and self.view.positions,
        )
        if view == self.view:
            return self
        if self.base is not None:
            return self.base.restricted(
                hide_strava_api=view.hide_strava_api, positions=view.positions
            )
        found = self._views.get(view)
        if found is not None:
            return found
        with self._views_lock:
            found = self._views.get(view)
            if found is None:
                engine = self.engine.execution_options(**{VIEW_OPTION: view})
                sa.event.listen(engine, "before_cursor_execute", _refuse_writes)  # this view's
                found = self._views[view] = Store(engine, view, self)
        return found

    def close(self) -> None:
        if self.base is not None:
            return
        with self._views_lock:
            self._views.clear()
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


#: What a restricted view may write: the form summaries derived from streams it reads (a
#: cache of numbers without positions, the same for every view).
_VIEW_WRITES = re.compile(
    r"\s*(?:INSERT\s+INTO\s+form_summaries\b|(?!INSERT|UPDATE|DELETE|MERGE))", re.IGNORECASE
)


def _refuse_writes(
    _conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool
) -> None:
    """A restricted view reads: its writes would be made from what it hides (a plan saved
    without the hidden runs). The clinic's writes (notes, clearances, audit) go to the
    base store after ``service.sharing.access`` allowed them."""
    if not _VIEW_WRITES.match(statement):
        raise PermissionDeniedError("a restricted view of an athlete's data is read-only")


#: How long a SQLite statement waits for another process's write lock before failing.
_BUSY_TIMEOUT_MS = 10_000
#: How long opening a SQLite database waits for another process migrating it (an old
#: database's migration copies tables, so it may take a while).
_MIGRATION_WAIT_MS = 600_000
#: PostgreSQL advisory lock keys (two int4, class then object): the schema migration, and the
#: writes of one athlete's import (object: the athlete's id).
_LOCK_SCHEMA = (0x6273_0001, 0)
_LOCK_IMPORT = 0x6273_0002


def _switch_to_wal(cursor: Any) -> None:
    """``PRAGMA journal_mode=WAL``, retried while another process holds the lock it needs:
    SQLite answers "database is locked" at once, without waiting the busy timeout, when two
    processes open a new file at the same moment. Once one has switched, the mode is the
    file's, and the others' switch does nothing."""
    deadline = time.monotonic() + _BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # The busy timeout first: switching a new file to WAL needs a lock another process opening
    # it at the same moment may hold. WAL lets the dashboard read while an import writes;
    # foreign keys are off by default in SQLite and the schema relies on ON DELETE CASCADE.
    cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
    _switch_to_wal(cursor)
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def upsert(conn: Connection, table: sa.Table) -> Any:
    """``INSERT ... ON CONFLICT`` for ``table`` on this connection's backend (SQLite and
    PostgreSQL spell it the same; SQLAlchemy builds it per dialect)."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


#: A pooled PostgreSQL connection idle for longer than this is checked with a round trip
#: before it is handed out (the server may have restarted, or dropped it, meanwhile).
PING_AFTER_IDLE_S = 1.0


def _ping_when_idle(engine: Engine) -> None:
    """SQLAlchemy's ``pool_pre_ping``, but only for connections that have been idle: the
    clinic server hands out a connection several times per page, each a few milliseconds
    after it came back, and a round trip before each was an eighth of a page's time under
    load. A connection that fails its ping is replaced (the pool retries the checkout)."""

    def fresh(_dbapi: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    def check(dbapi: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is not None and time.monotonic() - idle_since < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi)
        except engine.dialect.loaded_dbapi.Error as e:
            raise sa.exc.DisconnectionError(f"a pooled connection failed its ping: {e}") from e

    sa.event.listen(engine, "connect", fresh)
    sa.event.listen(engine, "checkin", fresh)
    sa.event.listen(engine, "checkout", check)


def create_engine(url: str) -> Engine:
    """An engine for ``url`` with backstride's dialect settings; creates SQLite's folder."""
    try:
        parsed = sa.engine.make_url(url)
    except ArgumentError as e:
        raise ConfigError(
            f"database URL {url!r} is not a valid URL",
            hint="use sqlite:///path/to/file.db or postgresql+psycopg://user@host/dbname",
        ) from e
    if parsed.drivername == "postgresql":
        # psycopg 3 is the driver we ship; SQLAlchemy's bare "postgresql" means psycopg2.
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(
            f"database {parsed.get_backend_name()!r} is not supported",
            hint="backstride runs on SQLite (default) or PostgreSQL",
        )
    try:
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                _private_file(Path(parsed.database).expanduser())
            engine = sa.create_engine(parsed)
            sa.event.listen(engine, "connect", _on_sqlite_connect)
        else:
            engine = sa.create_engine(parsed)
            _ping_when_idle(engine)
    except (NoSuchModuleError, ImportError) as e:
        raise ConfigError(f"no database driver for {parsed.drivername!r}: {e}") from e
    return engine


def _private_file(path: Path) -> None:
    """A new SQLite file (and a new folder for it) readable by its owner only: it holds
    health data. SQLite gives its -wal and -shm files the database file's permissions."""
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:  # another process made it meanwhile: theirs stands
            pass


class UpgradeProgress(Protocol):
    """What a migration that works through stored rows reports (the CLI draws a bar)."""

    def add_total(self, count: int) -> None: ...

    def advance(self, label: str) -> None: ...


def _alembic_config(connection: Connection, **attributes: Any) -> Config:
    """Alembic's configuration for migrating on ``connection``; ``attributes`` are what the
    migrations may use (``form_fill``: a :class:`~backstride.model.FormFill`;
    ``progress``: an object with ``add_total(count)`` and ``advance(label)``)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    config.attributes.update(attributes)
    return config


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def known_revisions() -> set[str]:
    """Every schema revision this version of backstride has a migration for."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return {r.revision for r in ScriptDirectory.from_config(config).walk_revisions()}


def newest_revision_on_disk() -> str:
    """The newest migration's revision id, from the file names alone (``0007_*.py`` is
    revision ``0007``): what a current schema has, known without importing Alembic.
    tests/store/test_migrations_fast.py checks that it is Alembic's head."""
    return max(p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("[0-9]*_*.py"))


def _is_current(engine: Engine) -> bool:
    """Whether the schema is at the newest revision, read with one plain query (no Alembic):
    the ``alembic_version`` table holds exactly that one row. Anything else (no such table,
    several rows, an older or unknown revision) is left to the full check with Alembic,
    which also says what is wrong; failing to connect is raised, as that check would."""
    with engine.connect() as conn:
        try:
            rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
        except DatabaseError:
            return False
    return [tuple(r) for r in rows] == [(newest_revision_on_disk(),)]


@dataclass(frozen=True)
class Check:
    """What ``backstride db check`` found: the schema revision against this version's, and
    the database's own integrity check (SQLite ``PRAGMA integrity_check``)."""

    url: str
    revision: str | None
    head: str | None
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems and self.revision == self.head


def check(url: str) -> Check:
    """Check a database without changing it: readable, its schema known, its pages intact."""
    parsed = sa.engine.make_url(url) if "://" in url else None
    if parsed is not None and parsed.get_backend_name() == "sqlite" and parsed.database:
        path = Path(parsed.database).expanduser()
        if parsed.database != ":memory:" and not path.exists():
            return Check(url, None, head_revision(), (f"there is no database file at {path}",))
    engine = create_engine(url)
    shown = engine.url.render_as_string(hide_password=True)
    from alembic.runtime.migration import MigrationContext

    try:
        with engine.connect() as conn:
            revision = MigrationContext.configure(conn).get_current_revision()
            problems: list[str] = []
            if engine.dialect.name == "sqlite":
                rows = conn.exec_driver_sql("PRAGMA integrity_check(20)").scalars().all()
                problems = [str(r) for r in rows if str(r) != "ok"]
    except DatabaseError as e:
        reason = str(e.orig).strip().splitlines()[0] if e.orig else str(e)
        return Check(shown, None, head_revision(), (reason,))
    finally:
        engine.dispose()
    if revision is not None and revision not in known_revisions():
        problems.append(f"schema {revision} is newer than this backstride knows")
    return Check(shown, revision, head_revision(), tuple(problems))


def upgrade(
    engine: Engine, *, form_fill: FormFill | None = None, progress: UpgradeProgress | None = None
) -> None:
    """Bring the schema to the newest migration (idempotent, and serialised across processes).

    ``form_fill`` (a :class:`~backstride.model.FormFill`) lets migration 0009 compute
    the form summaries of stored runs; ``progress`` hears of that work (``add_total``,
    ``advance``), so a command line can draw a bar.

    The migration runs in one transaction that first takes the schema lock: a PostgreSQL
    advisory lock, or SQLite's exclusive write lock (``BEGIN EXCLUSIVE``, waiting up to
    ``_MIGRATION_WAIT_MS`` for another process). Alembic reads the revision after that, so of
    two processes opening a new or old database at once one migrates and the other finds the
    schema at head and does nothing.
    """
    from alembic import command

    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql(f"PRAGMA busy_timeout={_MIGRATION_WAIT_MS}")
            try:
                conn.exec_driver_sql("BEGIN EXCLUSIVE")
            finally:
                conn.exec_driver_sql(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        else:
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(*_LOCK_SCHEMA)))
        config = _alembic_config(conn, form_fill=form_fill, progress=progress)
        command.upgrade(config, "head")


def open_store(
    url: str,
    *,
    upgrade_schema: bool | None = None,
    form_fill: FormFill | None = None,
    progress: UpgradeProgress | None = None,
) -> Store:
    """Open the database at ``url``; SQLite is upgraded on open, PostgreSQL must be current.

    ``upgrade_schema`` forces the choice either way (tests and ``backstride db upgrade``);
    ``form_fill`` and ``progress`` go to :func:`upgrade` when it runs.
    """
    engine = create_engine(url)
    store = Store(engine)
    should_upgrade = store.dialect == "sqlite" if upgrade_schema is None else upgrade_schema
    try:
        if _is_current(engine):
            return store
        found = current_revision(engine)
        if found is not None and found not in known_revisions():
            raise ConfigError(
                f"the database at {store.display_url} has schema {found}, newer than this "
                f"backstride knows (up to {head_revision()})",
                hint="upgrade backstride (pip install -U backstride); nothing was changed",
            )
        if should_upgrade and found != head_revision():
            upgrade(engine, form_fill=form_fill, progress=progress)
        elif found != head_revision():
            raise ConfigError(
                f"the database schema at {store.display_url} is not up to date",
                hint="run `backstride db upgrade` once to create or migrate it",
            )
    except DatabaseError as e:  # not a database, damaged, locked, unreachable ...
        engine.dispose()
        reason = str(e.orig).strip().splitlines()[0] if e.orig else str(e)
        raise ConfigError(
            f"cannot open database {store.display_url}: {reason}",
            hint="if the file is damaged, restore a backup; `backstride db check` says more",
        ) from e
    except BaseException:
        engine.dispose()
        raise
    return store


@contextmanager
def transaction(store: Store) -> Iterator[Connection]:
    """One database transaction: committed when the block ends, rolled back on error."""
    with store.engine.begin() as conn:
        yield conn


@contextmanager
def single_reads(store: Store) -> Iterator[Connection]:
    """A connection whose statements each run as a transaction of their own (autocommit),
    held for many one-statement reads: an import's check of each file's hash, without a
    pool checkout and a BEGIN and COMMIT around each (three round trips on PostgreSQL)."""
    with store.engine.connect() as conn:
        yield conn.execution_options(isolation_level="AUTOCOMMIT")


@contextmanager
def import_transaction(store: Store, athlete_id: int) -> Iterator[Connection]:
    """A transaction of an import's writes for one athlete, one such at a time.

    It holds the athlete's import lock from its first statement to its commit, so what it
    reads (is this file stored? is there a twin?) stays true until its writes are committed:
    of two processes importing the same run at once, the second sees the first's activity.
    PostgreSQL: a transaction-level advisory lock per athlete (``pg_advisory_xact_lock``);
    SQLite: the database's write lock, taken at the start (``BEGIN IMMEDIATE``; SQLite has one
    writer at a time anyway, and a deferred transaction that reads first could not upgrade to
    a write while another process writes). A failure to write or commit (a full disk, a lost
    connection) is raised as :class:`~backstride.errors.StorageError`, after rollback.
    """
    if store.view != FULL_VIEW:
        # An import reads what a view hides (twins, stored parts): it would store doubles.
        raise PermissionDeniedError("a restricted view of a store cannot import")
    try:
        with store.engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_LOCK_IMPORT, athlete_id)))
            yield conn
    except OperationalError as e:
        reason = str(e.orig).strip().splitlines()[0] if e.orig else str(e)
        raise StorageError(f"not stored, the database refused the write: {reason}") from e


def view_of(conn: Connection) -> View:
    """The view a connection reads through (:meth:`Store.restricted`)."""
    found = conn.get_execution_options().get(VIEW_OPTION, FULL_VIEW)
    assert isinstance(found, View)
    return found


def insert_or_ignore(conn: Connection, table: sa.Table, *conflict_columns: str) -> Any:
    """``INSERT ... ON CONFLICT (columns) DO NOTHING`` for ``table`` on this backend: for
    rows that two processes may insert at once (the second one's insert does nothing)."""
    return upsert(conn, table).on_conflict_do_nothing(index_elements=list(conflict_columns))
