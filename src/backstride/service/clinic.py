"""A clinician's side of the clinic server (issue 17): the list of athletes who shared with
them, ordered by urgency, and the clearance of a red flag.

The list makes no verdict: each athlete's status is the one ``get_status`` computes, on the
view the share gives (``Access.store``: no Strava API data, no positions for summaries),
with the red flags that count on the day (``service.safety``); ``rules.urgency`` orders
them. What the list needs of that status (:class:`Standing`) is small and changes only with
the athlete's data: the clinic server keeps it in its result cache per athlete data version,
view and day (``standings_of``), so a list view after nothing changed computes no status.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from backstride.errors import PermissionDeniedError
from backstride.model import Account, ClearanceRecord, ShareScope
from backstride.rules.urgency import Urgency, by_urgency, urgency
from backstride.service.clock import local_today
from backstride.service.safety import active_red_flags
from backstride.service.screening import clear
from backstride.service.sharing import Access, access, shared_with
from backstride.service.status import get_status
from backstride.store import Store


@dataclass(frozen=True)
class AthleteRow:
    """One athlete in a clinician's list."""

    account_id: int
    name: str
    display_name: str | None
    scope: ShareScope
    share_id: int
    urgency: Urgency
    last_run: date | None
    training_suspended: bool

    def to_json(self) -> dict[str, object]:
        return {
            "account_id": self.account_id,
            "name": self.name,
            "display_name": self.display_name,
            "scope": self.scope,
            "share_id": self.share_id,
            "urgency": self.urgency.to_json(),
            "last_run": None if self.last_run is None else self.last_run.isoformat(),
            "training_suspended": self.training_suspended,
        }


@dataclass(frozen=True)
class Standing:
    """What the list shows of one athlete's status on a day, on the share's view."""

    urgency: Urgency
    last_run: date | None
    training_suspended: bool


def standing(store: Store, seen: Access, as_of: date) -> Standing:
    """The athlete's urgency, last run and whether training is paused on ``as_of``, from
    ``get_status`` on the view ``seen`` gives of ``store``. Depends on the athlete's data,
    the view, ``as_of`` and whether ``as_of`` is today (a cache key must name all four)."""
    view = seen.store(store)
    status = get_status(view, as_of=as_of, athlete=seen.athlete_name)
    # A red flag raised since counts on a view of an earlier day (service.safety); on
    # today's the status's findings hold the active ones already.
    flags = (
        active_red_flags(view, as_of=as_of, athlete=seen.athlete_name)
        if as_of < local_today()
        else []
    )
    return Standing(
        urgency=urgency([*flags, *status.findings], as_of=as_of),
        last_run=status.last_run,
        training_suspended=status.training_suspended,
    )


#: How the list gets its athletes' standings: (the shares' accesses, the day) -> one
#: Standing per access, in order.
StandingsOf = Callable[[Sequence[Access], date], list[Standing]]


def athlete_list(
    store: Store, clinician: Account, as_of: date, *, standings_of: StandingsOf | None = None
) -> list[AthleteRow]:
    """The athletes who share with ``clinician`` on ``as_of``, most urgent first
    (``rules.urgency``: active red flags, pain worsening, load spikes, the rest; then by
    name). ``standings_of`` gives the athletes' :class:`Standing` (the web's goes through
    its result cache); by default :func:`standing` computes each."""
    shares = shared_with(store, clinician)
    seen = [access(store, clinician, share.athlete_account_id) for share in shares]
    found = (
        standings_of(seen, as_of)
        if standings_of is not None
        else [standing(store, s, as_of) for s in seen]
    )
    rows = []
    for one, row in zip(seen, found, strict=True):
        assert one.share_id is not None
        assert one.scope != "own"
        rows.append(
            AthleteRow(
                account_id=one.athlete.id,
                name=one.athlete.name,
                display_name=one.athlete.display_name,
                scope=one.scope,
                share_id=one.share_id,
                urgency=row.urgency,
                last_run=row.last_run,
                training_suspended=row.training_suspended,
            )
        )
    return by_urgency(rows, lambda r: (r.urgency, r.display_name or r.name))


def record_clearance(
    store: Store, seen: Access, *, day: date | None = None, note: str | None = None
) -> ClearanceRecord:
    """A clinician with a share records that they saw the athlete (``service.screening.
    clear`` with the clinician's account name as ``by``), on the base store: red flags of
    screens up to ``day`` stop pausing training."""
    if seen.share_id is None or seen.viewer.role != "clinician":
        raise PermissionDeniedError("only a clinician the athlete shared with records a visit")
    return clear(store, day=day, by=seen.viewer.name, note=note, athlete=seen.athlete_name)
