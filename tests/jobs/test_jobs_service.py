"""service.jobs and backstride.jobs.submit on PostgreSQL, without a worker: job rows,
uploads, the queued task in the same transaction, per-athlete reads, and the import run
in-process (a failing file is a line of the result, not a failed job)."""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa

from backstride import service
from backstride.config import load_settings
from backstride.errors import ConfigError, InputError, NotFoundError
from backstride.jobs import queue, submit
from backstride.jobs.app import build_app
from backstride.service import jobs as job_service
from backstride.store import Store
from tests.jobs.conftest import FILES, count, snapshot

pytestmark = pytest.mark.postgres


def _files(*paths: object) -> list[tuple[str, io.BytesIO]]:
    return [(p.name, io.BytesIO(p.read_bytes())) for p in paths]  # type: ignore[attr-defined]


def test_an_import_job_keeps_its_files_and_queues_its_task_in_one_transaction(
    pg_store: Store, jobs_url: str
) -> None:
    settings = load_settings({}, database_url=jobs_url)
    job_id = submit.import_upload(pg_store, settings, athlete="ann", files=_files(*FILES[:2]))
    view = job_service.get_job(pg_store, job_id, athlete="ann")
    assert view is not None
    value = view.to_json()
    assert (value["kind"], value["state"], value["done"], value["total"]) == (
        "import",
        "queued",
        0,
        2,
    )
    assert value["attempts"] == 0
    assert value["result"] is None
    with pg_store.engine.connect() as conn:
        queued = conn.execute(
            sa.text("select task_name, args, status from procrastinate_jobs")
        ).one()
        uploads = conn.execute(
            sa.text("select file_name, size, data from uploads where job_id = :j order by id"),
            {"j": job_id},
        ).all()
        queue_id = conn.execute(
            sa.text("select queue_job_id from jobs where id = :j"), {"j": job_id}
        ).scalar_one()
    assert queued.task_name == queue.IMPORT_UPLOAD
    assert queued.args == {"job_id": job_id}
    assert queued.status == "todo"
    assert queue_id is not None
    assert [(u.file_name, u.size, bytes(u.data)) for u in uploads] == [
        (p.name, p.stat().st_size, p.read_bytes()) for p in FILES[:2]
    ]


def test_a_refused_queue_leaves_no_job_row(pg_store: Store) -> None:
    def refuse(connection: object, job_id: int) -> int:
        raise RuntimeError("the queue is gone")

    with pytest.raises(RuntimeError):
        job_service.create_import_job(
            pg_store, athlete="ann", files=_files(FILES[0]), enqueue=refuse
        )
    assert count(pg_store, "select count(*) from jobs") == 0
    assert count(pg_store, "select count(*) from uploads") == 0


def test_an_empty_upload_is_refused(pg_store: Store) -> None:
    with pytest.raises(InputError, match="no files") as caught:
        job_service.create_import_job(pg_store, athlete="ann", files=[])
    assert caught.value.field == "files"
    assert count(pg_store, "select count(*) from jobs") == 0


def test_an_athlete_sees_only_their_own_jobs(pg_store: Store) -> None:
    ann = job_service.create_import_job(pg_store, athlete="ann", files=_files(FILES[0]))
    bob = job_service.create_import_job(pg_store, athlete="bob", files=_files(FILES[1]))
    assert job_service.get_job(pg_store, bob, athlete="ann") is None
    assert job_service.get_job(pg_store, ann, athlete="bob") is None
    assert job_service.get_job(pg_store, ann + bob + 100, athlete="ann") is None
    assert job_service.get_job(pg_store, ann, athlete="nobody") is None
    assert [v.id for v in job_service.list_jobs(pg_store, athlete="ann")] == [ann]
    assert [v.id for v in job_service.list_jobs(pg_store, athlete="bob")] == [bob]
    assert job_service.list_jobs(pg_store, athlete="nobody") == []
    with pytest.raises(NotFoundError) as foreign:
        job_service.job_output(pg_store, bob, athlete="ann")
    with pytest.raises(NotFoundError) as missing:
        job_service.job_output(pg_store, 10_000, athlete="ann")
    assert foreign.value.message == f"job {bob} has no output"  # no hint that it exists
    assert missing.value.message == "job 10000 has no output"


def test_a_clinician_is_given_only_the_jobs_they_asked_for(pg_store: Store) -> None:
    """A report job is made from its asker's view (migration 0013, ``requested_by``): the
    athlete sees every job of theirs, a clinician only their own requests."""
    from backstride.service import accounts

    lee = accounts.create_account(pg_store, "dr.lee", "clinician", password="a long password 1")
    kim = accounts.create_account(pg_store, "dr.kim", "clinician", password="a long password 2")
    own = job_service.create_report_job(pg_store, athlete="ann")
    asked = job_service.create_report_job(pg_store, athlete="ann", requested_by=lee.id)
    with pg_store.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE jobs SET output = :pdf, output_type = 'application/pdf'"),
            {"pdf": b"%PDF-1.7 test"},
        )
    ids = [v.id for v in job_service.list_jobs(pg_store, athlete="ann")]
    assert sorted(ids) == sorted([own, asked])
    assert [v.id for v in job_service.list_jobs(pg_store, athlete="ann", clinician=lee.id)] == [
        asked
    ]
    assert job_service.list_jobs(pg_store, athlete="ann", clinician=kim.id) == []
    assert job_service.get_job(pg_store, own, athlete="ann", clinician=lee.id) is None
    assert job_service.get_job(pg_store, asked, athlete="ann", clinician=kim.id) is None
    assert job_service.get_job(pg_store, asked, athlete="ann", clinician=lee.id) is not None
    assert job_service.job_output(pg_store, asked, athlete="ann", clinician=lee.id)[0].startswith(
        b"%PDF"
    )
    for job, clinician in ((own, lee.id), (asked, kim.id)):
        with pytest.raises(NotFoundError) as refused:
            job_service.job_output(pg_store, job, athlete="ann", clinician=clinician)
        assert refused.value.message == f"job {job} has no output"  # as for a missing one
    assert job_service.job_output(pg_store, asked, athlete="ann")[0].startswith(b"%PDF")


def test_a_clinicians_listing_reaches_past_the_athletes_newer_jobs(pg_store: Store) -> None:
    """The clinician's filter is applied before the listing's limit: an athlete with more
    jobs of their own than the limit, all newer than the clinician's one report, still leaves
    that report in the clinician's listing (filtered after the limit, it was cut off)."""
    from backstride.service import accounts
    from backstride.store import jobs as job_rows
    from backstride.store import transaction

    lee = accounts.create_account(pg_store, "dr.lee", "clinician", password="a long password 1")
    asked = job_service.create_report_job(pg_store, athlete="ann", requested_by=lee.id)
    own = [job_service.create_report_job(pg_store, athlete="ann") for _ in range(4)]
    limit = 3
    assert [v.id for v in job_service.list_jobs(pg_store, athlete="ann", limit=limit)] == [
        own[3],
        own[2],
        own[1],
    ]
    for n in (limit, 1, 20):
        listed = job_service.list_jobs(pg_store, athlete="ann", limit=n, clinician=lee.id)
        assert [v.id for v in listed] == [asked], n
    assert len(job_service.list_jobs(pg_store, athlete="ann", limit=20)) == 5
    with transaction(pg_store) as conn:
        ann = job_rows.find_athlete(conn, "ann")
        assert ann is not None
        mine = job_rows.list_jobs(conn, ann, limit=1, requested_by=lee.id)
        everyone = job_rows.list_jobs(conn, ann, limit=1)
    assert [(r.id, r.requested_by) for r in mine] == [(asked, lee.id)]
    assert [(r.id, r.requested_by) for r in everyone] == [(own[3], None)]


def test_a_listing_of_one_kind_reaches_past_newer_jobs_of_others(pg_store: Store) -> None:
    """The kind is chosen before the limit too: the Sync page's listing of sync jobs is not
    emptied by newer report jobs (filtered after the limit, it was)."""
    sync = job_service.create_sync_job(pg_store, athlete="ann")
    assert sync is not None
    reports = [job_service.create_report_job(pg_store, athlete="ann") for _ in range(3)]
    newest = job_service.list_jobs(pg_store, athlete="ann", limit=2)
    assert [v.id for v in newest] == [reports[2], reports[1]]
    syncs = job_service.list_jobs(pg_store, athlete="ann", limit=2, kind="sync")
    assert [(v.id, v.to_json()["kind"]) for v in syncs] == [(sync, "sync")]
    assert [v.id for v in job_service.list_jobs(pg_store, athlete="ann", kind="report")] == [
        reports[2],
        reports[1],
        reports[0],
    ]


def test_a_failing_file_is_a_line_of_the_result_and_the_job_is_done(
    pg_store: Store, tmp_path: object
) -> None:
    files = [*_files(FILES[0]), ("notes.fit", io.BytesIO(b"this is not a FIT file"))]
    job_id = job_service.create_import_job(pg_store, athlete="ann", files=files)
    job = job_service.start_job(pg_store, job_id)
    assert job is not None
    assert job.athlete == "ann"
    assert job.record.attempts == 1
    report = job_service.run_import_job(pg_store, job)
    view = job_service.get_job(pg_store, job_id, athlete="ann")
    assert view is not None
    value = view.to_json()
    assert value["state"] == "done"
    assert (value["done"], value["total"]) == (2, 2)
    assert value["result"]["imported"] == 1 == report.imported
    assert [f["path"] for f in value["result"]["failed"]] == ["notes.fit"]  # its own name
    assert value["message"] == "2 files: 1 imported, 0 duplicates, 1 failed"
    # the uploaded files stay: they are the runner's originals (the data export)
    assert count(pg_store, f"select count(*) from uploads where job_id = {job_id}") == 2
    # a second delivery of the finished job does nothing
    assert job_service.start_job(pg_store, job_id) is None


def test_the_import_stores_what_a_file_import_stores(pg_store: Store) -> None:
    job_id = job_service.create_import_job(pg_store, athlete="local", files=_files(*FILES[:3]))
    job = job_service.start_job(pg_store, job_id)
    assert job is not None
    job_service.run_import_job(pg_store, job)
    direct = service.import_paths(pg_store, FILES[:3])
    assert direct.imported == 0
    assert direct.duplicates == 3
    assert len(snapshot(pg_store)) == 3


def test_sqlite_has_no_job_queue(tmp_path: object) -> None:
    settings = load_settings({}, database_url=f"sqlite:///{tmp_path}/s.db")
    with pytest.raises(ConfigError, match="background jobs need PostgreSQL") as caught:
        build_app(settings)
    assert "\n" not in caught.value.message


def test_a_report_job_checks_its_period_before_queueing(pg_store: Store) -> None:
    from datetime import date

    with pytest.raises(InputError, match="starts after it ends"):
        job_service.create_report_job(
            pg_store, athlete="ann", start=date(2026, 3, 1), end=date(2026, 2, 1)
        )
    assert count(pg_store, "select count(*) from jobs") == 0
    job_id = job_service.create_report_job(pg_store, athlete="ann")
    view = job_service.get_job(pg_store, job_id, athlete="ann")
    assert view is not None
    assert view.to_json()["kind"] == "report"
    assert json.dumps(view.to_json())  # plain JSON


def test_a_sync_job_names_a_known_service(pg_store: Store) -> None:
    with pytest.raises(InputError, match="unknown service 'garmin'") as caught:
        job_service.create_sync_job(pg_store, athlete="ann", service="garmin")
    assert caught.value.field == "service"
    assert count(pg_store, "select count(*) from jobs") == 0
    from backstride.service.sync import SERVICES

    assert job_service.SYNC_SERVICES == SERVICES  # the same list, without the HTTP clients
