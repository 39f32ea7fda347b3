"""schemathesis over the clinic server's OpenAPI schema with a signed-in session (issue 17):
every operation of /api/openapi.json gets requests that fit its schema and requests that do
not, in-process through the ASGI app, as a signed-in athlete (own data, writes with the
session's X-CSRF-Token) and, separately, as a clinician looking at the athlete who shares
with them (``?athlete=`` added to every request). No answer may be a 5xx
(``not_a_server_error``); every JSON error has a one-line ``detail``.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from backstride.service import accounts
from backstride.web import policy
from backstride.web.sessions import COOKIE
from tests.web.clinic.test_authorization_matrix import ROLES, expected
from tests.web.clinic.world import HOST, World, module_postgres_url, world
from tests.web.test_schemathesis import detail_not_one_line

__all__ = ["module_postgres_url", "world"]  # the module's fixtures

pytestmark = pytest.mark.postgres

#: Examples per operation and generation mode: the two runs stay well under a minute.
EXAMPLES = 6
FEWER = {"GET /api/report": 2, "POST /api/import": 2}
#: Each run takes about 25 s on a busy 2-core machine (about 350 requests); the bound leaves room.
MAX_SECONDS = 60


def _headers(world: World, name: str) -> dict[str, str]:
    """A browser's headers for a new session of ``name``: its cookie and its CSRF token."""
    new = accounts.start_session(world.store, world.accounts[name])
    return {"host": HOST, "cookie": f"{COOKIE}={new.token}", "x-csrf-token": new.csrf_token}


#: (role, operation) the authorization matrix expects refused (403) for the role's subject
#: (the athlete's own data, the shared athlete for the clinician).
REFUSED = {
    (role, f"{method} {path}")
    for (method, path), rule in policy.ROUTES.items()
    for role, subject in (("athlete", "own"), ("clinician", "shared"))
    if expected(rule.need, role, subject) == "refused"
}


def _run(world: World, role: str, query: dict[str, str]) -> tuple[Counter[Any], list[str]]:
    headers = _headers(world, str(ROLES[role]))
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", world.app, headers=headers)
    codes: Counter[tuple[str, int]] = Counter()
    problems: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode, role, headers, query, codes, problems)
    return codes, problems


def _fuzz(
    operation: Any,
    mode: Any,
    role: str,
    headers: dict[str, str],
    query: dict[str, str],
    codes: Counter[tuple[str, int]],
    problems: list[str],
) -> None:
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
        # The subject is fixed: the athlete's own data (no ?athlete=), the clinician's
        # shared athlete; the schema's other ids for it are the matrix's cells.
        generated = dict(case.query or {}) if isinstance(case.query, dict) else {}
        generated.pop("athlete", None)
        case.query = {**generated, **query}
        response = case.call(headers=headers)
        codes[(label, response.status_code)] += 1
        where = f"{label} {mode}: {case.path_parameters} {case.query} {case.body!r:.200}"
        try:
            case.validate_response(response, checks=[not_a_server_error], headers=headers)
        except (AssertionError, schemathesis.errors.FailureGroup) as e:
            problems.append(f"{response.status_code} {where}: {e} {response.text[:200]}")
        if response.status_code in (401, 403) and (role, label) not in REFUSED:
            # The session is valid and the athlete is the viewer's own or shares with them:
            # never signed out, never refused but where the rules refuse (the matrix's).
            problems.append(f"refused {where}: {response.text[:200]}")
        if detail_not_one_line(response):
            problems.append(f"detail not one line {where}: {response.text[:200]}")

    try:
        run()
    except Unsatisfiable:
        # No parameters and no body: nothing can break the schema (negative mode).
        assert mode is GenerationMode.NEGATIVE, label


def test_a_signed_in_athlete_gets_no_5xx(world: World) -> None:
    start = time.monotonic()
    codes, problems = _run(world, "athlete", {})
    seconds = time.monotonic() - start
    assert problems == [], problems[:10]
    assert not any(code >= 500 for _, code in codes)
    assert sum(codes.values()) >= 150, codes
    assert sum(n for (label, code), n in codes.items() if code < 300) >= 30, codes
    assert seconds < MAX_SECONDS, (seconds, sum(codes.values()))


def test_a_signed_in_clinician_with_a_share_gets_no_5xx(world: World) -> None:
    start = time.monotonic()
    codes, problems = _run(world, "clinician", {"athlete": str(world.id_of("sam"))})
    seconds = time.monotonic() - start
    assert problems == [], problems[:10]
    assert not any(code >= 500 for _, code in codes)
    assert sum(codes.values()) >= 150, codes
    reads = sum(n for (label, code), n in codes.items() if label.startswith("GET") and code < 300)
    assert reads >= 30, codes
    # Read-only: every write refused (403) but the clinician's clearance; a body that is
    # not JSON, or not readable at all, is refused (400, 422) before the route's rule is
    # asked. Never a write done.
    writes = {
        (label, code): n
        for (label, code), n in codes.items()
        if label.startswith("POST") and label != "POST /api/screen/clearance"
    }
    assert {code for _, code in writes} <= {400, 403, 422}, writes
    refused = sum(n for (_, code), n in writes.items() if code == 403)
    assert refused >= 15, writes
    assert seconds < MAX_SECONDS, (seconds, sum(codes.values()))
