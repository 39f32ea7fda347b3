"""Units and rounding a runner reads (issue 18): durations as h:mm, heart rate in whole
beats per minute, on the demo store of real device files."""

from __future__ import annotations

import re
from typing import Any

from tests.web.conftest import DemoStore
from tests.web.page_walk import page_urls


def _text(html: str) -> str:
    return " ".join(
        re.sub(r"<[^>]+>", " ", re.sub(r"<script\b.*?</script>", " ", html, flags=re.S)).split()
    )


def test_an_activity_reads_in_a_runners_units(ro_client: Any) -> None:
    for detail in ro_client.get("/api/activities").json():
        summary = ro_client.get(f"/api/activities/{detail['id']}").json()
        text = _text(ro_client.get(f"/activities/{detail['id']}").text)
        timer = summary.get("timer_s")
        if timer:
            minutes = round(timer / 60)
            assert f"Moving time {minutes // 60}:{minutes % 60:02d} h:mm" in text, text[:300]
        hr = summary.get("avg_hr_bpm")
        if hr:
            assert f"Heart rate {round(hr)} bpm avg" in text
        assert not re.search(r"Heart rate \d+\.\d", text)
        assert not re.search(r"\d+\.\d min", text)


def test_no_page_shows_a_heart_rate_or_duration_with_decimals(
    ro_client: Any, demo_db: DemoStore
) -> None:
    ids = [a["id"] for a in ro_client.get("/api/activities").json()]
    for url in page_urls(ids, demo_db.as_of.isoformat()):
        text = _text(ro_client.get(url).text)
        assert not re.search(r"\b\d+\.\d+ (bpm|min)\b", text), url
