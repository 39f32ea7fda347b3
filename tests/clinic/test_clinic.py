"""A clinician's side (service.clinic, service.notes): the athlete list by urgency computed
from each athlete's status on the view their share gives, notes, and the clearance of a red
flag by a clinician; on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import pytest

from backstride import service
from backstride.errors import InputError, PermissionDeniedError
from backstride.model import Account, ImportReport
from backstride.service import clinic, notes, sharing
from backstride.service.clock import local_today
from backstride.service.decoding import Decoded
from backstride.service.pipeline import athlete_id_for
from backstride.service.storing import Source, import_hashed
from backstride.store import Store
from backstride.views import note_view
from tests.clinic import strava
from tests.clinic.accounts import make_account
from tests.conftest import make_activity

AS_OF = date(2025, 6, 15)


def own_run(store: Store, athlete: str, day: int, km: float) -> None:
    """A run of the athlete's own watch file on June ``day``, 2025 (``km`` long)."""
    activity = make_activity(
        start=f"2025-06-{day:02d}T07:00:00+00:00", seconds=round(km * 1000 / 3)
    )
    name = f"{athlete}-{day}.fit"
    report = ImportReport()
    import_hashed(
        store, athlete_id_for(store, athlete), hashlib.sha256(name.encode()).hexdigest(),
        lambda: Decoded(activities=[activity]), Source(display=name, file_name=name), report,
    )  # fmt: skip
    assert report.imported == 1


@pytest.fixture
def clinic_people(store: Store) -> dict[str, Account]:
    """Five athletes sharing with cara: rita (a red flag), paul (pain worse by a change
    that matters), sam (a spike in his own files), stella (the same spike, but the long run
    only on Strava), ann (nothing); zed shared and revoked."""
    people = {n: make_account(store, n) for n in ("rita", "paul", "sam", "stella", "ann", "zed")}
    people["cara"] = make_account(store, "cara", "clinician")
    people["dov"] = make_account(store, "dov", "clinician")
    for name in ("rita", "paul", "sam", "stella", "ann"):
        sharing.share_with(store, people[name], "cara", "summaries" if name == "sam" else "all")
    gone = sharing.share_with(store, people["zed"], "cara", "all")
    sharing.revoke_share(store, people["zed"], gone.id)
    service.take_screen(store, {"saddle_numbness": True}, day=date(2025, 6, 10), athlete="rita")
    for day, nrs in ((date(2025, 5, 12), 2), (date(2025, 5, 13), 2)):
        service.log_pain(store, nrs, moment="next_morning", day=day, athlete="paul")
    for day, nrs in ((date(2025, 6, 13), 5), (date(2025, 6, 14), 5)):
        service.log_pain(store, nrs, moment="next_morning", day=day, athlete="paul")
    for athlete in ("sam", "stella"):
        own_run(store, athlete, 1, 5.0)
        own_run(store, athlete, 5, 5.0)
    own_run(store, "sam", 12, 8.0)  # 60% longer than the longest of 30 days: L1 high
    strava.connect(store, "stella")
    strava.synced(
        store, "stella", 77, start=datetime(2025, 6, 12, 7, 0, tzinfo=UTC), seconds=2667,
        distance_m=8001.0, name="Long one",
    )  # fmt: skip
    return people


def test_athlete_list_by_urgency_on_the_shared_view(
    store: Store, clinic_people: dict[str, Account]
) -> None:
    cara = clinic_people["cara"]
    rows = clinic.athlete_list(store, cara, AS_OF)
    assert [(r.name, r.urgency.level, r.scope) for r in rows] == [
        ("rita", "red_flag", "all"),
        ("paul", "pain_worsening", "all"),
        ("sam", "load_spike", "summaries"),
        ("ann", "routine", "all"),
        ("stella", "routine", "all"),  # her spike is Strava's: not on the clinician's view
    ]
    rita, paul, sam = rows[0], rows[1], rows[2]
    assert rita.urgency.reasons == ("R1 emergency on 2025-06-10",)
    assert rita.training_suspended
    assert paul.urgency.reasons == ("P4 worsened on 2025-06-15",)
    # 8 km after at most 5 km in 30 days (+60%), and 8 km in a week after 5 km (over L2's 30%).
    assert sam.urgency.reasons == ("L1 high on 2025-06-12", "L2 steep on 2025-06-15")
    assert (sam.last_run, rows[4].last_run) == (date(2025, 6, 12), date(2025, 6, 5))
    assert rows[0].to_json()["urgency"] == {
        "level": "red_flag",
        "words": "red flag",
        "reasons": ["R1 emergency on 2025-06-10"],
        "rules": ["R1"],
    }
    # On her own data Stella's Strava run counts: the same spike as Sam's.
    own = service.get_status(store, as_of=AS_OF, athlete="stella")
    assert [f.outcome for f in own.findings if f.rule == "L1" and f.date == date(2025, 6, 12)] == [
        "high"
    ]
    assert clinic.athlete_list(store, clinic_people["dov"], AS_OF) == []
    # Today (the screen still the latest): the red flag from the status's own findings.
    today = clinic.athlete_list(store, cara, local_today())
    assert (today[0].name, today[0].urgency.level) == ("rita", "red_flag")
    assert today[0].urgency.reasons == ("R1 emergency on 2025-06-10",)


def test_clearance_by_the_clinician_moves_the_athlete_down(
    store: Store, clinic_people: dict[str, Account]
) -> None:
    cara, rita = clinic_people["cara"], clinic_people["rita"]
    seen = sharing.access(store, cara, rita.id)
    visit = clinic.record_clearance(store, seen, day=date(2025, 6, 11), note="no CES signs")
    assert (visit.day, visit.by, visit.note) == (date(2025, 6, 11), "cara", "no CES signs")
    rows = clinic.athlete_list(store, cara, AS_OF)
    assert [r.name for r in rows][:3] == ["paul", "sam", "ann"]
    assert service.active_red_flags(store, as_of=AS_OF, athlete="rita") == []
    with pytest.raises(PermissionDeniedError):
        clinic.record_clearance(store, sharing.access(store, rita, None), day=AS_OF)


def test_notes_by_a_clinician_read_by_the_athlete(
    store: Store, clinic_people: dict[str, Account]
) -> None:
    cara, paul, sam = clinic_people["cara"], clinic_people["paul"], clinic_people["sam"]
    seen = sharing.access(store, cara, paul.id)
    first = notes.add_note(store, seen, date(2025, 6, 14), "  Flare after the 10k.  ", today=AS_OF)
    notes.add_note(store, seen, date(2025, 6, 15), "Walk-run for a week.", today=AS_OF)
    assert (first.text, first.author_name, first.day) == (
        "Flare after the 10k.", "cara", date(2025, 6, 14),
    )  # fmt: skip
    own = sharing.access(store, paul, None)
    assert [n.text for n in notes.list_notes(store, own)] == [
        "Walk-run for a week.",
        "Flare after the 10k.",
    ]
    assert notes.list_notes(store, sharing.access(store, cara, sam.id)) == []
    assert note_view(first) == {
        "id": first.id,
        "date": "2025-06-14",
        "author": "cara",
        "text": "Flare after the 10k.",
        "created_at": first.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
    }
    with pytest.raises(PermissionDeniedError):
        notes.add_note(store, own, AS_OF, "my own note", today=AS_OF)  # athletes log a diary
    for text, day in (("", AS_OF), ("x" * 5001, AS_OF), ("later", date(2025, 6, 16))):
        with pytest.raises(InputError):
            notes.add_note(store, seen, day, text, today=AS_OF)
    # Written to the base store: a restricted view refuses the write.
    with pytest.raises(PermissionDeniedError):
        notes.add_note(seen.store(store), seen, AS_OF, "through the view", today=AS_OF)
