"""The one athlete of a local install, by name (a module of its own, importing nothing, so a
command's fast path can name them without SQLAlchemy: ``store.kept_output``)."""

DEFAULT_ATHLETE = "local"
