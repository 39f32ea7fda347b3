"""Every page of the dashboard, found from the app's own routes (so a page added later is
walked too): the GET routes that answer HTML, outside /api and /static, with each path
parameter filled in from the store."""

from __future__ import annotations

from typing import Any

from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute

from backstride.config import Settings
from backstride.web import create_app


def page_paths() -> list[str]:
    """The page routes as declared (``/activities/{activity_id}`` included)."""
    app = create_app(Settings(database_url="sqlite://", jobs="1"))
    found: list[str] = []

    def walk(items: list[Any]) -> None:
        for route in items:
            if isinstance(route, APIRoute):
                html = (
                    route.response_class is HTMLResponse
                    or getattr(route.response_class, "value", None) is HTMLResponse
                )
                if "GET" in route.methods and html and not route.path.startswith("/api"):
                    found.append(route.path)
            elif hasattr(route, "original_router"):
                walk(route.original_router.routes)
            elif hasattr(route, "routes"):
                walk(route.routes)

    walk(app.routes)
    assert "/" in found, found
    assert "/activities/{activity_id}" in found, found
    return sorted(set(found))


#: Query strings that show a page with all of its data (the demo's runs go back years).
QUERIES = {"/load": "weeks=520", "/pain": "weeks=520"}


def page_urls(activity_ids: list[int], on: str) -> list[str]:
    """Every page, every activity's page among them, judged on ``on``."""
    urls = []
    for path in page_paths():
        paths = (
            [path.replace("{activity_id}", str(i)) for i in activity_ids]
            if "{activity_id}" in path
            else [path]
        )
        assert all("{" not in p for p in paths), f"a path parameter without a value: {path}"
        for p in paths:
            query = "&".join(q for q in (QUERIES.get(path, ""), f"on={on}") if q)
            urls.append(f"{p}?{query}")
    return urls
