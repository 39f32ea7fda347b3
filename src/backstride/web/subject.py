"""Whose data a request is about: the one place every page and ``/api`` route asks.

The local dashboard (``backstride serve``) has one athlete, ``local``, who may write. The
clinic server (``backstride server``) decides per request: the signed-in account and the
``?athlete=<account id>`` of the URL go through ``service.sharing.access`` (THE access
decision, done by :mod:`backstride.web.policy` before the route runs), whose answer says
which athlete, on which store (a clinician gets a restricted view: no Strava-API-only data,
no GPS for "summaries") and whether writes are allowed. Routes then hand
``subject.store`` and ``athlete=subject.athlete`` to every service call, so no route can
forget which athlete it serves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request

from backstride.errors import PermissionDeniedError
from backstride.service import Store

#: The athlete of a local install (``store.athletes.DEFAULT_ATHLETE``; tests check they agree).
LOCAL_ATHLETE = "local"
#: The query parameter naming the athlete a clinician looks at.
ATHLETE_PARAM = "athlete"


@dataclass(frozen=True)
class Subject:
    """The athlete a request reads or writes, and how.

    ``store``: what to hand to the service functions (the store itself for the athlete's own
    data, a restricted view for a clinician). ``athlete``: the ``athletes`` row's name, the
    service functions' ``athlete=``. ``view``: ``own``, ``all`` or ``summaries`` (the share's
    scope), part of every cached result's key since a view changes what the store returns.
    ``params``: what every link, form and redirect keeps (``athlete=ID`` for a clinician).
    ``access``: the sharing decision (clinic mode), with the viewer's account.
    """

    store: Store
    athlete: str
    can_write: bool
    view: str = "own"
    params: tuple[tuple[str, str], ...] = ()
    access: Any = None

    @property
    def account_id(self) -> int | None:
        """The athlete's account id (clinic mode), as ``?athlete=`` names it."""
        return None if self.access is None else int(self.access.athlete.id)

    @property
    def athlete_id(self) -> int | None:
        """The ``athletes`` row's id (clinic mode): whose data version keys the cached
        results (``service.cache``); None for the local dashboard (one athlete)."""
        return None if self.access is None else self.access.athlete.athlete_id

    @property
    def by_clinician(self) -> bool:
        return self.access is not None and self.access.viewer.role == "clinician"


def local_subject(request: Request) -> Subject:
    """The local dashboard's one athlete, who may write."""
    return Subject(store=request.app.state.store, athlete=LOCAL_ATHLETE, can_write=True)


def is_clinic(request: Request) -> bool:
    return bool(getattr(request.app.state, "clinic", False))


def token_of(request: Request) -> str:
    """The token this request's forms carry (``web/guard.py``): the app's (local), or on the
    clinic server the session's (signed in) or the sign-in form's own (``web/sessions.py``);
    "" when there is none."""
    if is_clinic(request):
        return str(getattr(request.state, "csrf_token", "") or "")
    token: str = request.app.state.csrf_token
    return token


def current(request: Request) -> Subject | None:
    """The request's subject when it has one (None: a clinic page about no athlete, such as
    the admin's or the clinician's athlete list)."""
    found = getattr(request.state, "subject", None)
    if isinstance(found, Subject):
        return found
    if is_clinic(request):
        return None
    made = local_subject(request)
    request.state.subject = made
    return made


def subject(request: Request) -> Subject:
    """The athlete this request is about (see the module's docstring)."""
    found = current(request)
    if found is None:
        # The route table (web/policy.py) gave this route no athlete: a bug, refused.
        raise PermissionDeniedError("this page is about no athlete you may see")
    return found


def writer(request: Request) -> Subject:
    """The subject of a write: refused (403) when the viewer may only read (a clinician)."""
    found = subject(request)
    if not found.can_write:
        raise PermissionDeniedError(
            "read-only: a clinician sees a shared athlete's data but cannot change it",
            hint="only notes and the clearance of a red flag can be added by a clinician",
        )
    return found


def query_of(request: Request, on: Any = None, **more: str) -> str:
    """``?athlete=..&on=..`` (empty when nothing is to be kept): what the templates' links
    and forms append, so a clinician stays on the athlete and every page on its day."""
    found = current(request)
    params = list(found.params) if found is not None else []
    if on is not None:
        params.append(("on", on.isoformat() if hasattr(on, "isoformat") else str(on)))
    params.extend(more.items())
    return "?" + urlencode(params) if params else ""


def keep_params(request: Request) -> dict[str, str]:
    """The subject's URL parameters as a dict, for ``include_query_params`` on redirects."""
    found = current(request)
    return dict(found.params) if found is not None else {}
