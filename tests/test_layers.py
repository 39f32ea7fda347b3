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
    "sync": {"model", "units", "errors", "ingest", "sync"},
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
        "sync",
    },
    "cli": {
        "service",
        "model",
        "units",
        "errors",
        "config",
        "views",
        "cli",
        "report",
        "jobs",
        "__init__",
    },
    "web": {
        "service",
        "model",
        "units",
        "errors",
        "config",
        "views",
        "web",
        "report",
        "jobs",  # the clinic server submits uploads, syncs and reports (web/queue.py)
        "__init__",
    },
    "jobs": {"service", "model", "errors", "config", "views", "report", "jobs"},
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
    # The job queue: the jobs shell, and migration 0011 (procrastinate's schema SQL).
    "procrastinate": {"jobs", "store"},
    "fastapi": {"web"},
    "starlette": {"web"},
    "fitdecode": {"ingest"},
    "lxml": {"ingest"},
    "defusedxml": {"ingest"},
    "stravalib": {"sync"},
    "requests": {"sync"},
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


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULE_NAMES = {_module_name(p): p for p in MODULES}


def _imported_modules(path: Path, source: str | None = None) -> set[str]:
    """The backstride modules ``path`` imports anywhere: at the top, in functions, under
    ``TYPE_CHECKING``. ``from package import name`` counts as the submodule when ``name`` is
    one, else as the package (its ``__init__``)."""
    this = _module_name(path)
    package = this if path.name == "__init__.py" else this.rpartition(".")[0]
    text = path.read_text() if source is None else source
    found: set[str] = set()
    for node in ast.walk(ast.parse(text, filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in MODULE_NAMES)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            for alias in node.names:
                if f"{module}.{alias.name}" in MODULE_NAMES:
                    found.add(f"{module}.{alias.name}")
                elif module in MODULE_NAMES:
                    found.add(module)
    found.discard(this)
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every group of modules that import each other, directly or round a loop (Tarjan's
    strongly connected components, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, targets = work[-1]
            target = next(targets, None)
            if target is not None:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def test_no_module_imports_itself_round_a_loop() -> None:
    # Issue 13: service/importing <-> service/archives was hidden by an import inside a
    # function (web/errors imported web/render the same way); those count here too.
    graph = {name: _imported_modules(path) for name, path in MODULE_NAMES.items()}
    loops = [
        " -> ".join(f"{m} (imports {sorted(graph[m] & set(group))})" for m in group)
        for group in _cycles(graph)
    ]
    assert not loops, "import cycles:\n" + "\n".join(loops)


def test_the_cycle_check_finds_a_loop_through_three_modules() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e"}}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_the_cycle_check_sees_imports_inside_functions_and_relative_ones() -> None:
    source = (
        "from __future__ import annotations\n"
        "from . import render\n"
        "from ..service import archives, Store\n"
        "def respond():\n"
        "    from backstride.web.pages import router\n"
    )
    assert _imported_modules(SRC / "web" / "errors.py", source) == {
        "backstride.web.render",
        "backstride.service.archives",
        "backstride.service",
        "backstride.web.pages",
    }
