"""backstride: keep running without making low back pain worse."""

__version__ = "0.1.0"
