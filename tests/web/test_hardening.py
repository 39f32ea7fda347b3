"""The hardened local server (issue 14): uploads that collide, hostile names, a full temp
folder, out-of-range ids and NUL bytes are 4xx (never 500); writes need the dashboard's
token or header and its own origin (port included); imports are limited; ``serve`` refuses
any address but loopback; slow clients are cut off."""

from __future__ import annotations

import errno
import re
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from backstride import service
from backstride.cli.app import app as cli_app
from backstride.web import uploads
from tests.conftest import DATA
from tests.web.conftest import DemoStore, client_for, token_of

RUN = DATA / "fit" / "fitparse__garmin-fenix-5-run.fit"
WALK = DATA / "fit" / "fitparse__garmin-fenix-5-walk.fit"
BOUNDARY = "bs-test-boundary"


def _multipart(parts: list[tuple[str, str | None, bytes]]) -> bytes:
    """A multipart body by hand (any file name, NUL bytes included): (field, filename, data)."""
    out = bytearray()
    for name, filename, data in parts:
        out += f"--{BOUNDARY}\r\n".encode()
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        out += f"Content-Disposition: {disposition}\r\n\r\n".encode("utf-8", "surrogateescape")
        out += data + b"\r\n"
    out += f"--{BOUNDARY}--\r\n".encode()
    return bytes(out)


def _post_multipart(client: TestClient, path: str, body: bytes, **headers: str) -> Any:
    return client.post(
        path,
        content=body,
        headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}", **headers},
    )


def _one_line(response: Any) -> str:
    detail = response.json()["detail"]
    assert isinstance(detail, str)
    assert detail
    assert "\n" not in detail
    return detail


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Uploads land in a temporary folder of this test's own."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


# --- uploads ---------------------------------------------------------------------------------


def test_two_uploads_with_the_same_name_are_both_imported(client: TestClient) -> None:
    files = [("files", ("a.fit", RUN.read_bytes())), ("files", ("a.fit", WALK.read_bytes()))]
    summary = client.post("/api/import", files=files).json()
    assert (summary["imported"], summary["failed"]) == (2, [])
    bad = [("files", ("b.fit", b"not a fit file")), ("files", ("b.fit", b"nor this"))]
    failed = client.post("/api/import", files=bad).json()["failed"]
    assert [f["path"] for f in failed] == ["b.fit", "b.fit"]  # each under its own name


@pytest.mark.parametrize(
    ("filename", "shown"),
    [
        ("../../../etc/passwd", "passwd"),
        ("..\\..\\windows\\run.fit", "run.fit"),
        ("/abs/olute.fit", "olute.fit"),
        ("nul\x00byte.fit", "nulbyte.fit"),
        ("tab\there\x1b.fit", "tabhere.fit"),
        ("..", "upload-0"),
        ("é" * 200 + ".fit", None),  # 400 bytes: cut, extension kept
        ("x" * 3000 + ".fit", None),
    ],
)
def test_hostile_file_names_are_cleaned_not_500(
    client: TestClient, private_tmp: Path, filename: str, shown: str | None
) -> None:
    body = _multipart([("files", filename, b"not an activity")])
    response = _post_multipart(client, "/api/import", body)
    assert response.status_code == 200, response.text
    (failed,) = response.json()["failed"]
    if shown is not None:
        assert failed["path"] == shown
    assert len(failed["path"].encode()) <= uploads.MAX_NAME_BYTES
    assert failed["path"].endswith(".fit") or shown in ("passwd", "upload-0")
    assert list(private_tmp.iterdir()) == []  # the upload's folder is removed


def test_a_full_temp_folder_is_507_and_nothing_is_kept(
    client: TestClient, private_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class FullDisk:
        def __init__(self, path: Path) -> None:
            self.file = path.open("xb")

        def write(self, data: bytes) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

        def close(self) -> None:
            self.file.close()

    monkeypatch.setattr(uploads, "create_file", FullDisk)
    before = len(client.get("/api/activities").json())
    files = [("files", ("a.fit", RUN.read_bytes()))]
    response = client.post("/api/import", files=files)
    assert response.status_code == 507
    assert "no space left" in _one_line(response)
    page = client.post("/import", files=files)
    assert page.status_code == 507
    assert "no space left" in page.text
    assert len(client.get("/api/activities").json()) == before
    assert list(private_tmp.iterdir()) == []


def test_an_upload_takes_its_size_in_temp_space_once(
    client: TestClient, private_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each file is written once, straight to its own file: no spooled copy beside it."""
    import starlette.formparsers

    def no_spool(*args: object, **kwargs: object) -> None:
        raise AssertionError("the upload was spooled to a temporary file first")

    monkeypatch.setattr(starlette.formparsers, "SpooledTemporaryFile", no_spool)
    seen: list[int] = []
    real = service.import_paths

    def measure(store: Any, paths: Any, **kwargs: Any) -> Any:
        seen.append(sum(p.stat().st_size for p in private_tmp.rglob("*") if p.is_file()))
        return real(store, paths, **kwargs)

    monkeypatch.setattr(service, "import_paths", measure)
    big = b"\x00" * (3 * 1024 * 1024)
    response = client.post("/api/import", files=[("files", ("big.fit", big))])
    assert response.status_code == 200
    assert seen == [len(big)]


def test_a_name_too_long_for_a_part_header_is_one_line(client: TestClient) -> None:
    body = _multipart([("files", "x" * 20_000 + ".fit", b"data")])
    response = _post_multipart(client, "/api/import", body)
    assert response.status_code == 400
    assert "multipart" in _one_line(response)


@pytest.mark.parametrize(
    "path",
    [
        "/api/activities/9223372036854775808",
        "/api/activities/99999999999999999999999",
        "/api/activities/2147483648",
        "/api/activities/0",
        "/api/activities/-1",
        "/api/activities/2147483648/streams",
        "/activities/9223372036854775808",
    ],
)
def test_ids_out_of_range_are_422(ro_client: TestClient, path: str) -> None:
    response = ro_client.get(path)
    assert response.status_code == 422, response.text


def test_the_largest_id_is_an_unknown_activity(ro_client: TestClient) -> None:
    assert ro_client.get("/api/activities/2147483647").status_code == 404


def test_out_of_range_ids_and_nul_bytes_in_writes_are_4xx(client: TestClient) -> None:
    before = client.get("/api/pain?weeks=520").json()["entries"]
    for body in (
        {"nrs": 3, "activity_id": 2**63},
        {"nrs": 3, "activity_id": 2**31},
        {"nrs": 3, "note": "a\x00b"},
        {"nrs": 3, "when": "after\x00"},
    ):
        response = client.post("/api/pain", json=body)
        assert response.status_code == 422, (body, response.text)
        _one_line(response)
    clearance = client.post("/api/screen/clearance", json={"by": "Dr\x00Lee"})
    assert clearance.status_code == 422
    for form in ({"nrs": "3", "activity_id": str(2**70)}, {"nrs": "3", "note": "x\x00"}):
        assert client.post("/pain/log", data=form).status_code == 400, form
    assert client.post("/pain/clearance", data={"by": "\x00"}).status_code == 400
    assert client.get("/api/pain?weeks=520").json()["entries"] == before


# --- writes: token, header, origin -----------------------------------------------------------


@pytest.fixture
def bare(db: DemoStore) -> Iterator[TestClient]:
    """A client that sends no X-Backstride header, as a browser's form does not."""
    with client_for(db.url, proof=False) as c:
        yield c


def test_every_form_carries_the_token(bare: TestClient) -> None:
    token = token_of(bare)
    assert re.fullmatch(r"[0-9a-f]{64}", token)
    for path in ("/pain", "/import"):
        html = bare.get(path).text
        forms = re.findall(r'<form [^>]*method="post"[^>]*>\s*<input [^>]*>', html)
        assert forms, path
        for form in forms:
            assert f'name="csrf_token" value="{token}"' in form, (path, form)


def test_a_form_post_needs_the_token(bare: TestClient) -> None:
    before = len(bare.get("/api/pain?weeks=520").json()["entries"])
    for form in (
        {"nrs": "4"},
        {"nrs": "4", "csrf_token": "0" * 64},
        {"nrs": "4", "csrf_token": ""},
    ):
        refused = bare.post("/pain/log", data=form)
        assert refused.status_code == 403, form
        assert "token" in refused.text
    assert bare.post("/pain/screen", data={"fever": "yes"}).status_code == 403
    assert bare.post("/pain/clearance", data={"by": "me"}).status_code == 403
    assert len(bare.get("/api/pain?weeks=520").json()["entries"]) == before
    ok = bare.post(
        "/pain/log", data={"nrs": "4", "csrf_token": token_of(bare)}, follow_redirects=False
    )
    assert ok.status_code == 303
    assert len(bare.get("/api/pain?weeks=520").json()["entries"]) == before + 1


def test_an_import_form_needs_the_token_before_its_files(
    bare: TestClient, private_tmp: Path
) -> None:
    token = token_of(bare).encode()
    data = RUN.read_bytes()
    cases: list[list[tuple[str, str | None, bytes]]] = [
        [("files", "a.fit", data)],
        [("files", "a.fit", data), ("csrf_token", None, token)],
        [("csrf_token", None, b"f" * 64), ("files", "a.fit", data)],
    ]
    for parts in cases:
        response = _post_multipart(bare, "/import", _multipart(parts))
        assert response.status_code == 403, parts[0]
        assert list(private_tmp.iterdir()) == []
    assert len(bare.get("/api/activities").json()) == 8  # nothing stored
    ok = _post_multipart(
        bare, "/import", _multipart([("csrf_token", None, token), ("files", "a.fit", data)])
    )
    assert ok.status_code == 200
    assert "Imported 1" in ok.text


def test_an_api_write_needs_the_header_or_the_token(bare: TestClient) -> None:
    refused = bare.post("/api/pain", json={"nrs": 2})
    assert refused.status_code == 403
    assert "X-Backstride" in _one_line(refused)
    assert bare.post("/api/import", files=[("files", ("a.fit", b"x"))]).status_code == 403
    wrong = bare.post("/api/pain", json={"nrs": 2}, headers={"x-backstride": "0"})
    assert wrong.status_code == 403
    header = bare.post("/api/pain", json={"nrs": 2}, headers={"x-backstride": "1"})
    assert header.status_code == 201
    token = bare.post("/api/pain", json={"nrs": 2}, headers={"x-csrf-token": token_of(bare)})
    assert token.status_code == 201
    assert bare.get("/api/status").status_code == 200  # reading needs neither


def test_another_port_of_this_machine_is_another_site(client: TestClient) -> None:
    before = len(client.get("/api/pain?weeks=520").json()["entries"])
    for origin in (
        "http://127.0.0.1:9999",
        "http://localhost:3000",
        "http://127.0.0.1",
        "https://127.0.0.1:8000",
    ):
        refused = client.post("/api/pain", json={"nrs": 2}, headers={"origin": origin})
        assert refused.status_code == 403, origin
        assert "cross-site" in _one_line(refused)
        form = client.post("/pain/log", data={"nrs": "2"}, headers={"origin": origin})
        assert form.status_code == 403, origin
    for site in ("cross-site", "same-site"):
        refused = client.post("/api/pain", json={"nrs": 2}, headers={"sec-fetch-site": site})
        assert refused.status_code == 403, site
    assert len(client.get("/api/pain?weeks=520").json()["entries"]) == before
    for origin in ("http://127.0.0.1:8000", "http://localhost:8000"):
        ok = client.post(
            "/api/pain",
            json={"nrs": 2},
            headers={"origin": origin, "sec-fetch-site": "same-origin"},
        )
        assert ok.status_code == 201, origin


# --- limits ----------------------------------------------------------------------------------


def test_imports_beyond_the_limit_are_429_and_pages_still_answer(db: DemoStore) -> None:
    with client_for(db.url, max_imports=1) as c:
        slot = c.app.state.imports.take()  # type: ignore[attr-defined]
        files = [("files", ("a.fit", RUN.read_bytes()))]
        busy = c.post("/api/import", files=files)
        assert busy.status_code == 429
        assert "imports are already running" in _one_line(busy)
        assert c.post("/import", files=files).status_code == 429
        assert c.get("/static/app.css").status_code == 200
        assert c.get("/api/status").status_code == 200
        slot.release()
        assert c.post("/api/import", files=files).json()["imported"] == 1
        # The slot was given back when that import ended.
        assert c.post("/api/import", files=files).json()["duplicates"] == 1


def test_serve_refuses_any_address_but_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    started: list[object] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: started.append(a))
    for host in ("0.0.0.0", "::", "192.168.1.10", "runner.lan", "127.0.0.1.evil.example"):
        result = CliRunner().invoke(cli_app, ["--db", "sqlite:///x.db", "serve", "--host", host])
        assert result.exit_code == 2, host
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, lines
        assert "no login" in lines[0]
        assert "later feature" in lines[0]
    assert started == []


def _deadline_server(head_s: float, body_s: float) -> Iterator[int]:
    import uvicorn

    from backstride.web.server import DeadlineH11Protocol

    class Quick(DeadlineH11Protocol):
        head_timeout_s = head_s
        body_idle_timeout_s = body_s

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        more = True
        while more:
            message = await receive()
            more = message.get("more_body", False)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, http=Quick, log_level="error")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    yield port
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def deadline_port() -> Iterator[int]:
    yield from _deadline_server(0.5, 0.5)


def _closed_after(sock: socket.socket, limit: float) -> float:
    """Seconds until the server closes ``sock`` (fails past ``limit``)."""
    start = time.monotonic()
    sock.settimeout(limit)
    while True:
        data = sock.recv(1024)
        if not data:
            return time.monotonic() - start


def test_a_slow_request_head_or_body_is_cut_off(deadline_port: int) -> None:
    with socket.create_connection(("127.0.0.1", deadline_port)) as slow_head:
        slow_head.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        for _ in range(3):  # a byte now and then does not keep it open
            time.sleep(0.2)
            try:
                slow_head.sendall(b"X")
            except OSError:
                break
        assert _closed_after(slow_head, 5) < 3
    with socket.create_connection(("127.0.0.1", deadline_port)) as slow_body:
        slow_body.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\nab")
        assert _closed_after(slow_body, 5) < 3
    with socket.create_connection(("127.0.0.1", deadline_port)) as fine:
        fine.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        fine.settimeout(5)
        assert fine.recv(1024).startswith(b"HTTP/1.1 200")


def test_a_burst_of_imports_leaves_the_pages_and_static_files_served(
    db: DemoStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ten uploads at once on a real server: two import (held here until released), eight
    are told 429 at once, and meanwhile a static file and the pages answer (within seconds)."""
    import httpx
    import uvicorn

    from backstride.config import Settings
    from backstride.web import create_app

    running = threading.Semaphore(0)
    release = threading.Event()
    real = service.import_paths

    def held(store: Any, paths: Any, **kwargs: Any) -> Any:
        running.release()
        release.wait(30)
        return real(store, paths, **kwargs)

    monkeypatch.setattr(service, "import_paths", held)
    app = create_app(Settings(database_url=db.url, jobs="1"), max_imports=2)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    base = f"http://127.0.0.1:{port}"
    codes: list[int] = []

    def upload(i: int) -> None:
        files = [("files", (f"{i}.fit", RUN.read_bytes()))]
        response = httpx.post(
            f"{base}/api/import?stream=true",
            files=files,
            headers={"x-backstride": "1"},
            timeout=60,
        )
        codes.append(response.status_code)

    try:
        uploads_ = [threading.Thread(target=upload, args=(i,)) for i in range(10)]
        for t in uploads_:
            t.start()
        assert running.acquire(timeout=20)
        assert running.acquire(timeout=20)
        deadline = time.monotonic() + 20
        while len(codes) < 8 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert codes == [429] * 8
        for path in ("/static/app.css", "/", "/api/status"):
            start = time.monotonic()
            assert httpx.get(f"{base}{path}", timeout=10).status_code == 200
            assert time.monotonic() - start < 3.0, path
        release.set()
        for t in uploads_:
            t.join(60)
        assert sorted(codes) == [200, 200] + [429] * 8
    finally:
        release.set()
        server.should_exit = True
        thread.join(10)


def test_the_token_comes_from_the_apps_secret(db: DemoStore) -> None:
    from backstride.web import guard

    with client_for(db.url) as one, client_for(db.url) as two:
        assert token_of(one) != token_of(two)  # a new secret at every start
        stale = two.post(
            "/pain/log",
            data={"nrs": "2", "csrf_token": token_of(one)},
            headers={"x-backstride": ""},
        )
        assert stale.status_code == 403
    shared = {guard.SECRET_ENV: "ab" * 32}
    assert guard.app_secret(shared) == bytes.fromhex("ab" * 32)
    with pytest.raises(ValueError, match="32 hex digits"):
        guard.app_secret({guard.SECRET_ENV: "not hex"})
    assert len(guard.app_secret({})) == 32


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (_multipart([(f"f{i}", None, b"x") for i in range(30)]), "too many form fields"),
        (_multipart([("note", None, b"x" * 10_000)]), "too long"),
        (_multipart([("other", "a.fit", b"data")]), "no files in the upload"),
        (_multipart([("files", "", b"")]), "no files in the upload"),
        (b"--bs-test-boundary\r\nContent-Disposition: form-data\r\n\r\nx\r\n", "no files"),
        (b"garbage without any boundary", "not a valid multipart form"),
        (b"", "no files in the upload"),
    ],
)
def test_a_malformed_upload_is_one_line_and_leaves_nothing(
    client: TestClient, private_tmp: Path, body: bytes, words: str
) -> None:
    response = _post_multipart(client, "/api/import", body)
    assert response.status_code == 400, response.text
    assert words in _one_line(response)
    assert list(private_tmp.iterdir()) == []
