"""An account's data rights (issue 17): download everything, delete everything.

:func:`export_account` is a zip of every row of theirs (``store/data_rights.py`` finds them
from the schema: a table added later is exported without a change here) as JSON, one file
per table, the original files they uploaded byte for byte, and each activity's streams as
JSON. :func:`delete_account` deletes every row of theirs in one transaction and keeps the
audit log (who did what, never health data), recording ``account_deleted`` in it.
"""

from __future__ import annotations

import base64
import io
import json
import math
import re
import zipfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import numpy as np

from backstride.model import Account
from backstride.store import Store, transaction
from backstride.store import audit as audit_rows
from backstride.store import data_rights as rows
from backstride.store.streams import decode_streams

README = """\
backstride: everything stored for the account {name}, exported {at}.

tables/<table>.json   every row of yours in that table, as a list of objects (times in UTC
                      with a Z, dates as YYYY-MM-DD; bytes as base64). Left out: password and
                      token hashes, your Strava/intervals.icu tokens (connect again after an
                      import elsewhere), a job's rendered output and the bytes written below.
streams/<id>.json     the per-sample streams of activity <id>: "elapsed_s" (seconds since its
                      start) and one list per channel, unit in the name; null where a sample
                      has no value.
files/<id>-<name>     the files you uploaded, exactly as uploaded.

The audit log (tables/audit_log.json) lists who saw or changed your data. It stays when the
account is deleted; it holds the action and the page, never health data.
"""


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _floats(values: np.ndarray) -> list[float | None]:
    return [float(v) if math.isfinite(v) else None for v in values.tolist()]


def _safe_name(name: str) -> str:
    """A file name without folders or characters a zip reader might trip on."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return re.sub(r"[^A-Za-z0-9._ -]", "_", base).strip(" .") or "file"


def export_account(
    store: Store, account: Account, *, now: Callable[[], datetime] = _utc_now
) -> bytes:
    """Everything stored for ``account``, as the bytes of a zip (see the module docstring
    and the README inside). Read in one transaction, so the parts agree."""
    buffer = io.BytesIO()
    at = now()
    with (
        transaction(store) as conn,
        zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        archive.writestr("README.txt", README.format(name=account.name, at=_json_value(at)))
        for table in rows.tables():
            found = rows.read_owned(conn, table, account)
            data = [{k: _json_value(v) for k, v in r.items()} for r in found]
            archive.writestr(
                f"tables/{table.name}.json", json.dumps(data, indent=1, ensure_ascii=False)
            )
        for activity_id, codec, blob in rows.read_stream_blobs(conn, account):
            streams = decode_streams(blob, codec)
            doc: dict[str, Any] = {"elapsed_s": _floats(streams.elapsed_s)}
            doc.update({c.value: _floats(v) for c, v in streams.channels.items()})
            doc.update({f"extra:{n}": _floats(v) for n, v in streams.extra.items()})
            archive.writestr(f"streams/{activity_id}.json", json.dumps(doc))
        for upload_id, name, data_bytes in rows.read_uploads(conn, account):
            archive.writestr(f"files/{upload_id}-{_safe_name(name)}", data_bytes)
    return buffer.getvalue()


def delete_account(
    store: Store, account: Account, *, now: Callable[[], datetime] = _utc_now
) -> dict[str, int]:
    """Delete the account and every row of theirs (their athlete's data, shares, invite
    codes, sessions, links, notes on them, jobs and uploaded files) in one transaction;
    the audit log stays, with ``account_deleted`` added. Returns the rows deleted per
    table. The web ends the session that asked (its row is gone)."""
    with transaction(store) as conn:
        counts = rows.delete_owned(conn, account)
        audit_rows.add_entry(
            conn,
            at=now(),
            actor_account_id=account.id,
            actor_name=account.name,
            athlete_account_id=account.id,
            action="account_deleted",
            detail="the account and all its data were deleted",
        )
    return counts
