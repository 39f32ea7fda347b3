"""Every link and form of a clinician's pages keeps the athlete (``?athlete=ID``): a
clinician who follows them stays on the athlete they chose (issue 17)."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from backstride import service
from backstride.service import sharing
from tests.conftest import DATA
from tests.web.clinic.conftest import Clinic

pytestmark = pytest.mark.postgres

RUN = DATA / "fit" / "fitparse__garmin-fenix-5-run.fit"
#: Links that are about no athlete: the athlete list, the schema, the static files.
NOT_ABOUT_AN_ATHLETE = ("/", "/api/openapi.json", "/login", "/logout")


def test_a_clinicians_links_and_forms_keep_the_athlete(clinic: Clinic) -> None:
    ana = clinic.account("ana", "athlete")
    clinic.account("cleo", "clinician")
    service.import_paths(clinic.store, [RUN], athlete="ana")
    service.log_pain(clinic.store, 3, moment="after", athlete="ana")
    sharing.share_with(clinic.store, ana, "cleo", "all")
    cleo = clinic.signed_in("cleo")
    [run] = service.list_activities(clinic.store, athlete="ana")
    start = f"/?athlete={ana.id}"
    pages = [start, *(f"{p}?athlete={ana.id}" for p in
             ("/load", "/pain", "/form", "/shoes", "/plan", "/activities", f"/activities/{run.id}",
              "/report", "/notes", "/glossary"))]  # fmt: skip
    checked = 0
    for url in pages:
        page = cleo.get(url)
        assert page.status_code == 200, (url, page.text[:300])
        # Links, and where forms that post go (a GET form keeps it as a hidden field).
        targets = re.findall(r'href="([^"]+)"', page.text)
        targets += re.findall(r'<form[^>]*method="post"[^>]*action="([^"]+)"', page.text)
        for target in map(unescape, targets):
            parts = urlsplit(target)
            if parts.netloc or not parts.path.startswith("/") or parts.path.startswith("/static/"):
                continue
            if parts.path in NOT_ABOUT_AN_ATHLETE and not parts.query:
                continue
            assert parse_qs(parts.query).get("athlete") == [str(ana.id)], (url, target)
            checked += 1
        forms = re.findall(r'<form[^>]*method="get"[^>]*>(.*?)</form>', page.text, re.S)
        for form in forms:
            assert f'name="athlete" value="{ana.id}"' in form, (url, form[:200])
    assert checked > 50


def test_a_clinicians_athlete_list_offers_only_links_that_answer(clinic: Clinic) -> None:
    """On the athlete list no athlete is looked at: the athlete's pages (which need
    ``?athlete=``) are not in its navigation, and every link it has answers."""
    ana = clinic.account("ana", "athlete")
    clinic.account("cleo", "clinician")
    sharing.share_with(clinic.store, ana, "cleo", "all")
    cleo = clinic.signed_in("cleo")
    page = cleo.get("/")
    assert page.status_code == 200
    nav = re.search(r'<nav aria-label="Pages">(.*?)</nav>', page.text, re.S)
    assert nav is not None
    links = [unescape(h) for h in re.findall(r'href="([^"]+)"', nav.group(1))]
    assert links == ["/", "/account", "/glossary"]
    for target in re.findall(r'href="(/[^"]*)"', page.text):
        target = unescape(target)
        if target.startswith("/static/"):
            continue
        answer = cleo.get(target, follow_redirects=False)
        assert answer.status_code == 200, (target, answer.status_code)
    looked = cleo.get(f"/?athlete={ana.id}").text
    assert f'href="/load?athlete={ana.id}"' in looked
