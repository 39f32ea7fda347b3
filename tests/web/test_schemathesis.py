"""schemathesis over the OpenAPI schema (issue 14): every operation of /api/openapi.json
gets requests that fit its schema and requests that do not (negative mode), in-process
through the ASGI app, on a copy of the demo store. No answer may be a 5xx, every JSON error
has a one-line ``detail``, and the run makes at least 2,000 requests in well under a minute.
"""

from __future__ import annotations

import shutil
import time
from collections import Counter
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from backstride.config import Settings
from backstride.web import create_app
from tests.web.conftest import DemoStore

#: What a script of the dashboard sends: its host and the write header.
HEADERS = {"host": "127.0.0.1:8000", "x-backstride": "1"}
#: Examples per operation and generation mode; the report renders a PDF, so fewer.
EXAMPLES = 60
FEWER = {"GET /api/report": 25, "POST /api/import": 40}
MIN_REQUESTS = 2000
#: About 25 s on an idle 2-core machine, 50 s on a busy one; the bound leaves room.
MAX_SECONDS = 90


def _is_json(response: Any) -> bool:
    values = response.headers.get("content-type") or [""]
    value = values[0] if isinstance(values, list) else values
    return str(value).startswith("application/json")


def detail_not_one_line(response: Any) -> bool:
    """Whether a JSON error answer's ``detail`` is not the one line every error must be
    (the clinic server's fuzzing checks the same)."""
    if response.status_code < 400 or not _is_json(response):
        return False
    detail = response.json().get("detail")
    return not isinstance(detail, str) or not detail or "\n" in detail


def _fuzz(operation: Any, mode: Any, codes: Counter[tuple[str, int]], problems: list[str]) -> None:
    """Up to the operation's number of examples in one generation mode."""
    label = operation.label

    @settings(
        max_examples=FEWER.get(label, EXAMPLES),
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        response = case.call(headers=HEADERS)
        codes[(label, response.status_code)] += 1
        where = f"{label} {mode}: {case.path_parameters} {case.query} {case.body!r:.200}"
        if response.status_code >= 500:
            problems.append(f"{response.status_code} {where}: {response.text[:200]}")
        elif detail_not_one_line(response):
            problems.append(f"detail not one line {where}: {response.text[:200]}")

    try:
        run()
    except Unsatisfiable:
        # No parameters and no body: nothing can break the schema (negative mode).
        assert mode is GenerationMode.NEGATIVE, label


def test_no_request_the_schema_allows_or_refuses_is_a_5xx(
    demo_db: DemoStore, tmp_path: Path
) -> None:
    target = tmp_path / "fuzz.db"
    shutil.copy(demo_db.path, target)
    app = create_app(Settings(database_url=f"sqlite:///{target}", jobs="1"))
    # The intervals.icu connection check goes to a closed port of this machine, never out.
    app.state.syncs.options["intervals_base_url"] = "http://127.0.0.1:9"
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app, headers=HEADERS)
    codes: Counter[tuple[str, int]] = Counter()
    problems: list[str] = []
    start = time.monotonic()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode, codes, problems)
    seconds = time.monotonic() - start
    total = sum(codes.values())
    assert problems == [], problems[:10]
    assert total >= MIN_REQUESTS, (total, codes)
    assert seconds < MAX_SECONDS, (seconds, total)
    assert not any(code >= 500 for _, code in codes)
