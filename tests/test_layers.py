"""Dependencies point one way (docs/architecture.md): checked by reading every import."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "backstride"

# Which backstride parts each part may import. A part is the first name under backstride.
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "units": set(),
    "model": {"units"},
    "config": set(),
    "ingest": {"model", "units", "errors", "ingest"},
    "analysis": {"model", "units", "errors", "analysis"},
    "rules": {"analysis", "model", "units", "errors", "rules"},
    "coach": {"rules", "analysis", "model", "units", "errors", "coach"},
    "store": {"model", "units", "errors", "store"},
    "views": {"model", "units"},
    "service": {
        "config",
        "errors",
        "ingest",
        "model",
        "store",
        "units",
        "analysis",
        "rules",
        "coach",
        "views",
    },
    "cli": {"service", "model", "units", "errors", "config", "views", "cli", "report", "__init__"},
    "web": {
        "service",
        "model",
        "units",
        "errors",
        "config",
        "views",
        "web",
        "report",
        "__init__",
    },
    "report": {"service", "model", "units", "errors", "config", "views", "report"},
    "__main__": {"cli"},
    "__init__": set(),
}

# Third-party frameworks stay in their layer.
FRAMEWORKS: dict[str, set[str]] = {
    "typer": {"cli"},
    "rich": {"cli"},
    "click": {"cli"},
    "sqlalchemy": {"store"},
    "alembic": {"store"},
    "psycopg": {"store"},
    "fastapi": {"web"},
    "starlette": {"web"},
    "fitdecode": {"ingest"},
    "lxml": {"ingest"},
    "defusedxml": {"ingest"},
}


def _part(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0].removesuffix(".py")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            if node.module == "backstride":
                names.update(
                    f"backstride.{alias.name}"
                    for alias in node.names
                    if (SRC / alias.name).is_dir() or (SRC / f"{alias.name}.py").is_file()
                )
    return names


MODULES = sorted(SRC.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_module_imports_only_what_its_layer_may(path: Path) -> None:
    part = _part(path)
    assert part in ALLOWED, f"{part} is a new part: add it to ALLOWED and docs/architecture.md"
    for name in _imports(path):
        top, _, rest = name.partition(".")
        if top == "backstride":
            if not rest:
                continue
            target = rest.split(".")[0]
            assert target in ALLOWED[part] | {part}, f"{part} must not import backstride.{target}"
        elif top in FRAMEWORKS:
            assert part in FRAMEWORKS[top], f"{top} belongs in {FRAMEWORKS[top]}, not {part}"


def test_the_check_sees_every_part() -> None:
    assert {_part(p) for p in MODULES} >= {"store", "ingest", "cli", "service", "model"}
