"""The clinic server's result cache on PostgreSQL (issue 17, the load test's two causes):
an athlete's results stay cached while other athletes import, clinicians' views are
audited and sessions are touched, since they are keyed on the athlete's data version
(migration 0012); and the clinician's athlete list computes a status only for an athlete
whose data changed since the last view."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from backstride import __version__, service
from backstride.errors import StorageError
from backstride.service import clinic as clinic_service
from backstride.service import sharing
from backstride.service.cache import ResultCache
from backstride.service.clock import local_today
from backstride.store import Store, results
from backstride.store.schema import cached_results
from tests.conftest import DATA
from tests.web.clinic.conftest import Clinic

pytestmark = pytest.mark.postgres

RUN = DATA / "fit" / "workoutizer__run_with_coordinates.fit"
ROW = re.compile(r'<a href="/\?athlete=(\d+)')


def _cache(clinic: Clinic) -> ResultCache:
    found: ResultCache = clinic.app.state.results
    return found


def test_an_athletes_status_stays_cached_while_another_imports(clinic: Clinic) -> None:
    ana = clinic.account("ana", "athlete")
    clinic.account("ben", "athlete")
    clinic.account("cleo", "clinician")
    sharing.share_with(clinic.store, ana, "cleo", "all")
    ben = clinic.signed_in("ben")
    cache = _cache(clinic)
    first = ben.get("/api/status").json()
    misses, hits = cache.misses, cache.hits
    assert ben.get("/api/status").json() == first
    assert cache.misses == misses  # the status (and the red flags beside it) from the cache
    assert cache.hits > hits
    # Other work on the server: ana imports a run, her clinician looks at her (audit rows,
    # a session), her own status is computed.
    report = service.import_paths(clinic.store, [RUN], athlete="ana")
    assert report.imported == 1
    cleo = clinic.signed_in("cleo")
    assert cleo.get(f"/api/status?athlete={ana.id}").status_code == 200
    misses = cache.misses
    hits = cache.hits
    assert ben.get("/api/status").json() == first
    assert cache.misses == misses  # ben's, from the cache
    assert cache.hits > hits
    # ana's own: computed after her import.
    assert clinic.signed_in("ana").get("/api/status").json()["last_run"] is not None
    assert cache.misses > misses


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The athletes whose status the athlete list computes (service.clinic.get_status)."""
    calls: list[str] = []
    real = clinic_service.get_status

    def counted(store: Store, **kwargs: object) -> service.Status:
        calls.append(str(kwargs["athlete"]))
        return real(store, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(clinic_service, "get_status", counted)
    return calls


def test_the_athlete_list_computes_only_what_changed(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = {n: clinic.account(n, "athlete") for n in ("ana", "ben", "cyd")}
    clinic.account("cleo", "clinician")
    for person in people.values():
        sharing.share_with(clinic.store, person, "cleo", "all")
    cleo = clinic.signed_in("cleo")
    calls = _counting(monkeypatch)

    def order() -> list[int]:
        page = cleo.get("/")
        assert page.status_code == 200
        return [int(i) for i in ROW.findall(page.text)]

    by_name = [people[n].id for n in ("ana", "ben", "cyd")]
    assert order() == by_name  # nothing urgent: by name
    assert sorted(calls) == ["ana", "ben", "cyd"]
    calls.clear()
    assert order() == by_name
    assert calls == []  # nothing changed: no status computed
    # cyd reports a fever (R2): she goes first, and only her status is computed again.
    service.take_screen(clinic.store, {"fever": True}, day=local_today(), athlete="cyd")
    assert order() == [people["cyd"].id, people["ana"].id, people["ben"].id]
    assert calls == ["cyd"]
    # Another day asked for is another row (the day is part of the key).
    calls.clear()
    assert cleo.get("/?on=2026-01-05").status_code == 200
    assert sorted(calls) == ["ana", "ben", "cyd"]


def test_the_list_and_a_clinicians_page_are_kept_apart_per_view(clinic: Clinic) -> None:
    """Two clinicians with different scopes on one athlete: each row and each status is
    computed on (and cached under) the viewer's own view."""
    ana = clinic.account("ana", "athlete")
    clinic.account("cleo", "clinician")
    clinic.account("dora", "clinician")
    sharing.share_with(clinic.store, ana, "cleo", "all")
    sharing.share_with(clinic.store, ana, "dora", "summaries")
    cache = _cache(clinic)
    cleo, dora = clinic.signed_in("cleo"), clinic.signed_in("dora")
    assert cleo.get("/").status_code == 200
    misses = cache.misses
    assert dora.get("/").status_code == 200
    assert cache.misses == misses + 1  # not cleo's row: another view
    assert cleo.get(f"/api/status?athlete={ana.id}").status_code == 200
    misses = cache.misses
    assert dora.get(f"/api/status?athlete={ana.id}").status_code == 200
    assert cache.misses > misses  # computed on her view, not cleo's status


#: The JSON answers and pages an athlete and their clinician read (what the cache serves).
ATHLETE_READS = (
    "/api/status",
    "/api/load/chart?weeks=12",
    "/api/activities",
    "/",
    "/load",
    "/pain",
    "/activities",
)


def test_a_restarted_process_serves_every_result_the_other_computed(clinic: Clinic) -> None:
    """The results are kept in the database (migration 0014) for every web process: a
    process that has computed nothing yet (another one, or this one restarted) answers
    every page seen before from there, the same answers, computing none of them."""
    ana = clinic.account("ana", "athlete")
    clinic.account("cleo", "clinician")
    sharing.share_with(clinic.store, ana, "cleo", "summaries")
    assert service.import_paths(clinic.store, [RUN], athlete="ana").imported == 1
    reads = [(clinic.signed_in("ana"), path) for path in ATHLETE_READS]
    cleo = clinic.signed_in("cleo")
    reads += [(cleo, f"{p}{'&' if '?' in p else '?'}athlete={ana.id}") for p in ATHLETE_READS]
    reads.append((cleo, "/"))  # her athlete list (a standing per athlete)

    def answers() -> list[object]:
        found = []
        for browser, path in reads:
            answer = browser.get(path)
            assert answer.status_code == 200, path
            found.append(answer.json() if path.startswith("/api/") else None)
        return found

    first = answers()
    assert _cache(clinic).misses > 0
    with clinic.store.engine.connect() as conn:
        stored = conn.execute(sa.select(sa.func.count()).select_from(cached_results)).scalar()
    assert stored is not None
    assert stored >= 10
    restarted = ResultCache(clinic.store, size=1024)
    clinic.app.state.results = restarted
    assert answers() == first
    assert restarted.misses == 0  # every result from the database
    assert restarted.shared_hits >= stored
    assert answers() == first
    assert restarted.misses == 0  # and then from the process's memory
    # ana logs pain: her results are computed again once, by whichever process asks first.
    service.log_pain(clinic.store, 6, day=local_today(), athlete="ana")
    other = ResultCache(clinic.store, size=1024)
    clinic.app.state.results = other
    answers()
    computed = other.misses
    assert computed > 0
    clinic.app.state.results = restarted
    answers()
    assert restarted.misses == 0  # what `other` computed after the change


def test_a_stored_result_never_goes_back_to_an_older_version(clinic: Clinic) -> None:
    ana = clinic.account("ana", "athlete")
    assert ana.athlete_id is not None
    a = ana.athlete_id
    engine = clinic.store.engine
    results.keep(engine, a, "old", 2, b"two")
    results.keep(engine, a, "k", 3, b"three")  # version 3: version 2's rows go
    results.keep(engine, a, "k", 2, b"late two")  # a slow computation of version 2 ends
    with engine.connect() as conn:
        rows = dict(conn.execute(sa.select(cached_results.c.key, cached_results.c.value)).all())
    # Kept: version 3's "k"; dropped: "old" (version 2 can no longer be served).
    assert rows == {"k": b"three"}


def test_a_stored_result_that_does_not_load_is_computed_again(
    clinic: Clinic, caplog: pytest.LogCaptureFixture
) -> None:
    ana = clinic.account("ana", "athlete")
    assert ana.athlete_id is not None
    cache = ResultCache(clinic.store)
    assert cache.get("answer", lambda: 41, athlete_id=ana.athlete_id) == 41
    # The row as another release, or a damaged row, would leave it.
    with clinic.store.engine.begin() as conn:
        conn.execute(sa.update(cached_results).values(value=b"\x80\x05not a pickle"))
    fresh = ResultCache(clinic.store)
    assert fresh.get("answer", lambda: 42, athlete_id=ana.athlete_id) == 42
    assert fresh.misses == 1
    assert "did not load" in caplog.text
    # The key holds the release: another release's rows are never read.
    with clinic.store.engine.connect() as conn:
        keys = conn.execute(sa.select(cached_results.c.key)).scalars().all()
    assert keys == [f"{__version__}|'answer'"]


def test_a_result_the_database_refuses_to_keep_is_still_the_answer(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    ana = clinic.account("ana", "athlete")
    assert ana.athlete_id is not None

    def refused(*args: object, **kwargs: object) -> None:
        raise StorageError("result not stored: the disk is full")

    monkeypatch.setattr(results, "keep", refused)
    cache = ResultCache(clinic.store)
    assert cache.get("answer", lambda: 41, athlete_id=ana.athlete_id) == 41
    assert "not shared" in caplog.text
    assert cache.get("answer", lambda: 42, athlete_id=ana.athlete_id) == 41  # this process's


def test_a_red_flag_reaches_every_process_at_once(clinic: Clinic) -> None:
    """Safety wins everywhere at once, whichever process answers: two web processes (two
    result caches) have the athlete's overview and the clinician's list cached without a
    flag; the athlete reports a fever through one; the very next answers of both carry the
    red flag, none served from a stored result of before."""
    ana = clinic.account("ana", "athlete")
    clinic.account("cleo", "clinician")
    sharing.share_with(clinic.store, ana, "cleo", "all")
    assert service.import_paths(clinic.store, [RUN], athlete="ana").imported == 1
    athlete, cleo = clinic.signed_in("ana"), clinic.signed_in("cleo")
    one, two = ResultCache(clinic.store, size=1024), ResultCache(clinic.store, size=1024)

    def answers(cache: ResultCache) -> tuple[dict[str, object], str, str]:
        clinic.app.state.results = cache
        status = athlete.get("/api/status").json()
        overview = cleo.get(f"/?athlete={ana.id}").text
        listing = cleo.get("/").text
        return status, overview, listing

    for cache in (one, two):
        status, overview, listing = answers(cache)
        assert "red_flags" not in status  # the key is there while there are any
        assert "Red flag: see a clinician" not in overview
        assert "red flag (training suspended)" not in listing
    service.take_screen(clinic.store, {"fever": True}, day=local_today(), athlete="ana")
    for cache in (two, one):
        status, overview, listing = answers(cache)
        assert [f["rule"] for f in status["red_flags"]] == ["R2"]  # type: ignore[attr-defined]
        assert status["training_suspended"] is True
        assert "Red flag: see a clinician" in overview
        assert "red flag (training suspended)" in listing
