"""The ingest sanity checks reach the import report and the store (issue 14)."""

from __future__ import annotations

import re
from pathlib import Path

from backstride import service
from backstride.store import Store
from tests.conftest import DATA
from tests.ingest.catalogue import file_bytes
from tests.ingest.test_sanity import treadmill_tcx


def test_checks_are_import_warnings_and_made_up_routes_fail_with_one_line(
    store: Store, tmp_path: Path
) -> None:
    treadmill = tmp_path / "treadmill.tcx"
    treadmill.write_bytes(treadmill_tcx(134, watts=0))
    night = tmp_path / "night-run.gpx"
    untyped = re.sub(
        rb"<type>[^<]*</type>", b"", file_bytes(DATA / "gpx" / "workoutizer__garmin_example.gpx")
    )
    night.write_bytes(untyped)
    route = tmp_path / "route.gpx"
    route.write_bytes(re.sub(rb"<time>[^<]*</time>", b"<time>2024-05-01T06:00:00Z</time>", untyped))
    report = service.import_paths(store, [treadmill, night, route])
    assert report.imported == 2
    (failure,) = report.failed
    assert failure.path.endswith("route.gpx")
    assert "made-up times: all 602 points have the same time" in failure.error
    assert "\n" not in failure.error
    said = [w.warning for w in report.warnings if w.path.endswith("treadmill.tcx")]
    assert any("already in steps/min (median 134" in w for w in said)
    assert any("power is 0 in every sample" in w for w in said)
    assert any(
        "taken as running" in w.warning for w in report.warnings if w.path.endswith("night-run.gpx")
    )
    runs = service.list_activities(store)
    assert [a.activity.sport for a in runs] == ["running", "running"]
    cadences = sorted(round(a.activity.summary.avg_cadence_spm or 0) for a in runs)
    assert cadences == [134, 147]  # the treadmill's 134 not doubled; the night run's 147
    assert all(a.activity.summary.avg_power_w is None for a in runs)
