"""Export archives: members listed and read exactly, hostile archives refused up front.

Archives are assembled here from the real activity files in tests/data/activities, in the
Strava and Garmin layouts of shared/design/exports.md; hostile ones are made from good ones
by patching bytes of the central directory (offsets from APPNOTE.TXT section 4.3.12).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import re
import struct
import tempfile
import tracemalloc
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backstride.errors import (
    ArchiveLimitError,
    ConfigError,
    CorruptFileError,
    InputError,
    NotFoundError,
    UnsupportedFormatError,
)
from backstride.ingest.archive import Archive, ArchiveLimits, Member, is_archive, open_archive
from backstride.ingest.archive_paths import member_path
from tests.conftest import DATA

FIT = DATA / "fit" / "sweatpy__6471559601_ACTIVITY.fit"
BIG_FIT = DATA / "fit" / "fitparse__activity-large-fenxi2-multisport.fit"
GPX = DATA / "gpx" / "workoutizer__example.gpx"
GPX_GZ = DATA / "gpx" / "sweatpy__4801048867_strava.gpx.gz"
TCX_GZ = DATA / "tcx" / "sweatpy__3173437224.tcx.gz"
PART = "DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip"

# Central-directory field offsets (APPNOTE 4.3.12), from the entry's PK\1\2 signature.
CD_FLAGS, CD_CRC, CD_USIZE, CD_EXTERNAL, CD_OFFSET = 8, 16, 24, 38, 42


def strava_members() -> dict[str, bytes]:
    return {
        "activities.csv": (
            b'Activity ID,Activity Date,Filename\n1,"Jul 5, 2024",activities/1.fit.gz\n'
        ),
        "activities/1.fit.gz": gzip.compress(FIT.read_bytes()),
        "activities/2.gpx": GPX.read_bytes(),
        "activities/3.gpx.gz": GPX_GZ.read_bytes(),
        "activities/4.tcx.gz": TCX_GZ.read_bytes(),
    }


def zip_bytes(
    members: dict[str, bytes] | list[tuple[str | zipfile.ZipInfo, bytes]],
    *,
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    buffer = io.BytesIO()
    items = members.items() if isinstance(members, dict) else members
    with zipfile.ZipFile(buffer, "w", compression) as zf:
        for name, data in items:
            zf.writestr(name, data)
    return buffer.getvalue()


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def central_entry(data: bytes, name: str) -> int:
    """Offset of the central-directory entry for ``name``."""
    encoded = name.encode()
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        (name_length,) = struct.unpack_from("<H", data, at + 28)
        if data[at + 46 : at + 46 + name_length] == encoded:
            return at
        at = data.find(b"PK\x01\x02", at + 4)
    raise AssertionError(f"no central entry for {name!r}")


def patch_central(data: bytes, name: str, field: int, fmt: str, value: int) -> bytes:
    patched = bytearray(data)
    struct.pack_into(fmt, patched, central_entry(data, name) + field, value)
    return bytes(patched)


def refusal(excinfo: pytest.ExceptionInfo[InputError], shown: str) -> str:
    """The message, checked to be one line that names the member as ``repr`` shows it."""
    message = str(excinfo.value)
    assert "\n" not in message
    assert "\r" not in message
    assert repr(shown) in message
    return message


def drain(stream: BinaryIO, *, chunk: int) -> None:
    while stream.read(chunk):
        pass


def contents(archive: Archive) -> dict[str, bytes]:
    return {m.path: archive.read(m) for m in archive.members()}


# --- reading -------------------------------------------------------------------------------


def test_a_flat_zip_and_the_same_folder_give_the_same_members_and_bytes(tmp_path: Path) -> None:
    members = strava_members()
    folder = tmp_path / "export_123"
    for name, data in members.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    zipped = write(tmp_path / "export_123.zip", zip_bytes(members))

    with open_archive(zipped) as from_zip, open_archive(folder) as from_folder:
        assert from_zip.members() == from_folder.members()
        assert [m.path for m in from_zip.members()] == sorted(members)
        assert contents(from_zip) == contents(from_folder) == members
        assert from_zip.name == "export_123.zip"
        assert from_folder.name == "export_123"
    assert all(m.nested_in is None for m in from_zip.members())


@pytest.mark.parametrize("nested_compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_a_nested_garmin_zip_is_listed_in_place_and_read_exactly(
    tmp_path: Path, nested_compression: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    spools: list[tempfile.SpooledTemporaryFile[bytes]] = []
    real_spool = tempfile.SpooledTemporaryFile

    def spool(max_size: int) -> tempfile.SpooledTemporaryFile[bytes]:
        spools.append(real_spool(max_size=max_size))
        return spools[-1]

    monkeypatch.setattr(tempfile, "SpooledTemporaryFile", spool)
    fit = FIT.read_bytes()
    gpx = GPX.read_bytes()
    part = zip_bytes({"123_ACTIVITY.fit": fit, "sub/456_ACTIVITY.gpx": gpx})
    outer = io.BytesIO()
    with zipfile.ZipFile(outer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("DI_CONNECT/DI-Connect-Fitness/x_0_summarizedActivities.json", b"[]")
        zf.writestr(PART, part, compress_type=nested_compression)
    path = write(tmp_path / "garmin.zip", outer.getvalue())

    with open_archive(path) as archive:
        assert archive.members() == [
            Member("DI_CONNECT/DI-Connect-Fitness/x_0_summarizedActivities.json", 2),
            Member(f"{PART}/123_ACTIVITY.fit", len(fit), nested_in=PART),
            Member(f"{PART}/sub/456_ACTIVITY.gpx", len(gpx), nested_in=PART),
        ]
        assert archive.read(archive.members()[1]) == fit
        with archive.open(archive.members()[2]) as stream:
            assert stream.read() == gpx
    # A stored nested zip is read in place; a compressed one is spooled, and deleted on close.
    assert len(spools) == (0 if nested_compression == zipfile.ZIP_STORED else 1)
    assert all(spool.closed for spool in spools)


def test_a_zip_inside_a_folder_is_a_nested_archive(tmp_path: Path) -> None:
    folder = tmp_path / "unpacked"
    (folder / "DI_CONNECT").mkdir(parents=True)
    write(folder / "DI_CONNECT" / "Part1.ZIP", zip_bytes({"1_ACTIVITY.fit": FIT.read_bytes()}))
    with open_archive(folder) as archive:
        (member,) = archive.members()
        assert member == Member(
            "DI_CONNECT/Part1.ZIP/1_ACTIVITY.fit", FIT.stat().st_size, "DI_CONNECT/Part1.ZIP"
        )
        assert archive.read(member) == FIT.read_bytes()


def test_nested_zips_read_in_any_order_keep_at_most_two_open(tmp_path: Path) -> None:
    files = sorted(p for p in (DATA / "fit").glob("*.fit"))[:9]
    outer = io.BytesIO()
    with zipfile.ZipFile(outer, "w") as zf:
        for part in range(3):
            chunk = files[part * 3 : part * 3 + 3]
            inner = zip_bytes({f"{i}_ACTIVITY.fit": p.read_bytes() for i, p in enumerate(chunk)})
            zf.writestr(f"Uploaded/Part{part}.zip", inner, compress_type=zipfile.ZIP_DEFLATED)
    expected = [p.read_bytes() for p in files]
    with open_archive(write(tmp_path / "g.zip", outer.getvalue())) as archive:
        members = archive.members()
        assert len(members) == 9
        for order in (members, members[::-1], members[::2] + members[1::2]):
            for member in order:
                assert archive.read(member) == expected[members.index(member)]
                assert len(archive._open) <= 2


def test_a_stream_left_open_pins_its_nested_zip(tmp_path: Path) -> None:
    outer = io.BytesIO()
    with zipfile.ZipFile(outer, "w", zipfile.ZIP_DEFLATED) as zf:
        for part in range(4):
            zf.writestr(f"Part{part}.zip", zip_bytes({"a.fit": BIG_FIT.read_bytes()}))
    with open_archive(write(tmp_path / "g.zip", outer.getvalue())) as archive:
        first, *others = archive.members()
        with archive.open(first) as stream:
            head = stream.read(100)  # 1 MB member: most of it is still to be inflated
            for member in others:
                assert archive.read(member) == BIG_FIT.read_bytes()
            assert head + stream.read() == BIG_FIT.read_bytes()


def test_allowing_three_levels_reads_a_zip_in_a_zip_in_a_zip(tmp_path: Path) -> None:
    innermost = zip_bytes({"x.fit": FIT.read_bytes()})
    middle = zip_bytes([("B.zip", innermost)], compression=zipfile.ZIP_STORED)
    path = write(tmp_path / "a.zip", zip_bytes({"A.zip": middle}))
    with open_archive(path, limits=ArchiveLimits(max_depth=3)) as archive:
        (member,) = archive.members()
        assert member == Member("A.zip/B.zip/x.fit", FIT.stat().st_size, nested_in="A.zip/B.zip")
        assert archive.read(member) == FIT.read_bytes()


def test_junk_and_folder_entries_are_skipped(tmp_path: Path) -> None:
    data = zip_bytes(
        {
            "activities/": b"",
            "activities/1.fit": FIT.read_bytes(),
            "__MACOSX/activities/._1.fit": b"\x00\x05\x16\x07",
            "activities/.DS_Store": b"Bud1",
            "activities/._2.fit": b"\x00\x05\x16\x07",
        }
    )
    with open_archive(write(tmp_path / "mac.zip", data)) as archive:
        assert [m.path for m in archive.members()] == ["activities/1.fit"]


def test_names_are_normalised_to_plain_posix_paths(tmp_path: Path) -> None:
    data = zip_bytes({"a/./b.fit": b"1", "c//d.fit": b"2", "e\\f.fit": b"3", "g/h/../i.fit": b"4"})
    with open_archive(write(tmp_path / "n.zip", data)) as archive:
        assert contents(archive) == {
            "a/b.fit": b"1",
            "c/d.fit": b"2",
            "e/f.fit": b"3",
            "g/i.fit": b"4",
        }


def test_an_empty_zip_has_no_members(tmp_path: Path) -> None:
    path = write(tmp_path / "empty.zip", zip_bytes({}))
    assert is_archive(path)
    with open_archive(path) as archive:
        assert archive.members() == []


def test_is_archive_knows_zips_and_folders_by_content(tmp_path: Path) -> None:
    assert is_archive(write(tmp_path / "renamed.fit", zip_bytes({"a": b"1"})))
    assert is_archive(tmp_path)
    assert not is_archive(FIT)
    assert not is_archive(GPX_GZ)
    assert not is_archive(tmp_path / "missing.zip")


def test_a_member_of_another_archive_or_a_closed_archive_cannot_be_read(tmp_path: Path) -> None:
    archive = open_archive(write(tmp_path / "a.zip", zip_bytes({"a.fit": b"1"})))
    with pytest.raises(NotFoundError, match=r"has no member 'b\.fit'"):
        archive.read(Member("b.fit", 1))
    archive.close()
    archive.close()
    with pytest.raises(ValueError, match="closed"):
        archive.read(Member("a.fit", 1))


def test_limits_must_be_positive() -> None:
    with pytest.raises(ConfigError, match="max_ratio must be positive; got 0"):
        ArchiveLimits(max_ratio=0)
    with pytest.raises(ConfigError, match="max_depth"):
        ArchiveLimits(max_depth=0)


# --- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../evil.fit", "escapes the archive folder (zip-slip)"),
        ("a/../../evil.fit", "escapes the archive folder (zip-slip)"),
        ("..\\..\\evil.fit", "escapes the archive folder (zip-slip)"),
        ("/etc/x", "absolute path"),
        ("C:\\x", "absolute path"),
        ("c:x.fit", "absolute path"),
        ("\\\\server\\share\\x", "absolute path"),
        ("a/b\x1b[2Jc.fit", "control characters"),
        ("./", "names no file"),
    ],
)
def test_unsafe_names_refuse_the_whole_archive(tmp_path: Path, name: str, reason: str) -> None:
    data = zip_bytes({"activities/1.fit": FIT.read_bytes(), name: b"evil"})
    with pytest.raises(ArchiveLimitError) as excinfo:
        open_archive(write(tmp_path / "slip.zip", data))
    message = refusal(excinfo, name)
    assert reason in message
    assert message.endswith("refusing the whole archive")


def test_unsafe_names_inside_a_nested_zip_are_shown_under_it(tmp_path: Path) -> None:
    data = zip_bytes({PART: zip_bytes({"../../evil.fit": b"x"})})
    with pytest.raises(ArchiveLimitError, match="zip-slip") as excinfo:
        open_archive(write(tmp_path / "g.zip", data))
    refusal(excinfo, f"{PART}/../../evil.fit")


_TRICKY = st.text(alphabet=st.sampled_from(["a", ".", "/", "\\", ":", "C", " ", "\x00", "\n", "é"]))
_ANY = st.text(alphabet=st.characters(exclude_categories=["Cs"]))


@given(_TRICKY | _ANY)
def test_a_name_is_either_refused_or_normalised_inside_the_root(name: str) -> None:
    try:
        path = member_path(name)
    except ArchiveLimitError as e:
        refused: ArchiveLimitError | None = e
    else:
        refused = None
    if refused is not None:
        assert "\n" not in str(refused)
        assert repr(name) in str(refused)
        return
    parts = path.split("/")
    assert path
    assert not path.startswith("/")
    assert "\\" not in path
    assert ".." not in parts
    assert "" not in parts
    assert "." not in parts
    assert not re.match("[A-Za-z]:", path)


@given(_TRICKY.filter(lambda name: name.split("\0")[0] != ""))  # zipfile cannot write ""
def test_through_a_real_zip_a_name_is_refused_or_stays_inside(name: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder) / "names.zip", zip_bytes([("ok.fit", b"ok"), (name, b"x")]))
        try:
            archive = open_archive(path)
        except ArchiveLimitError as e:
            message = str(e)
        else:
            message = ""
            with archive:
                for member in archive.members():
                    assert not member.path.startswith("/")
                    assert ".." not in member.path.split("/")
                    assert archive.read(member) in (b"ok", b"x")
        assert "\n" not in message


def test_a_nul_in_a_stored_name_refuses_the_archive(tmp_path: Path) -> None:
    # zipfile shows "evil.fit" for "evil.fit\0.exe", the trick its own comment warns about;
    # the name as stored is what is judged.
    data = zip_bytes({"evil.fitX.exe": b"x"}).replace(b"evil.fitX.exe", b"evil.fit\0.exe")
    with pytest.raises(ArchiveLimitError, match="control characters") as excinfo:
        open_archive(write(tmp_path / "nul.zip", data))
    refusal(excinfo, "evil.fit\0.exe")


# --- links, encryption, duplicates, overlap --------------------------------------------------


def test_a_symlink_member_refuses_the_archive(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("activities/passwd.fit")
    link.external_attr = 0o120777 << 16
    data = zip_bytes([("activities/1.fit", FIT.read_bytes()), (link, b"/etc/passwd")])
    with pytest.raises(ArchiveLimitError, match="symbolic link") as excinfo:
        open_archive(write(tmp_path / "link.zip", data))
    refusal(excinfo, "activities/passwd.fit")


@pytest.mark.parametrize("target", ["/etc/passwd", "/etc"])
def test_a_symlink_in_a_folder_refuses_the_folder(tmp_path: Path, target: str) -> None:
    folder = tmp_path / "export"
    (folder / "activities").mkdir(parents=True)
    (folder / "activities" / "1.fit").write_bytes(FIT.read_bytes())
    os.symlink(target, folder / "activities" / "2.fit")
    with pytest.raises(ArchiveLimitError, match="symbolic link") as excinfo:
        open_archive(folder)
    refusal(excinfo, "activities/2.fit")


def test_an_encrypted_member_refuses_the_archive(tmp_path: Path) -> None:
    data = zip_bytes({"a.fit": FIT.read_bytes(), "secret.fit": FIT.read_bytes()})
    data = patch_central(data, "secret.fit", CD_FLAGS, "<H", 0x1)
    with pytest.raises(ArchiveLimitError, match="encrypted") as excinfo:
        open_archive(write(tmp_path / "enc.zip", data))
    refusal(excinfo, "secret.fit")


def test_a_name_twice_refuses_the_archive(tmp_path: Path) -> None:
    with pytest.warns(UserWarning, match="Duplicate name"):
        data = zip_bytes([("a/1.fit", b"one"), ("a\\1.fit", b"two"), ("a/1.fit", b"three")])
    with pytest.raises(ArchiveLimitError, match="appears twice") as excinfo:
        open_archive(write(tmp_path / "dup.zip", data))
    refusal(excinfo, "a\\1.fit")


def test_entries_sharing_bytes_refuse_the_archive(tmp_path: Path) -> None:
    data = zip_bytes({"a.fit": FIT.read_bytes(), "b.fit": FIT.read_bytes()})
    data = patch_central(data, "b.fit", CD_OFFSET, "<L", 0)
    with pytest.raises(ArchiveLimitError, match="overlaps") as excinfo:
        open_archive(write(tmp_path / "overlap.zip", data))
    refusal(excinfo, "a.fit")


# --- sizes, bombs, counts, depth -------------------------------------------------------------


def zeros(megabytes: int) -> Iterator[bytes]:
    block = bytes(1 << 20)
    for _ in range(megabytes):
        yield block


def test_a_real_ratio_bomb_is_refused_without_inflating_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("activities/1.fit", FIT.read_bytes())
        with zf.open("activities/bomb.fit", "w") as member:
            for block in zeros(50):
                member.write(block)
    assert path.stat().st_size < 200_000

    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("a member was opened before the archive was validated")

    monkeypatch.setattr(zipfile.ZipFile, "open", no_reading)
    with pytest.raises(ArchiveLimitError, match="decompression bomb") as excinfo:
        open_archive(path)
    refusal(excinfo, "activities/bomb.fit")


def test_the_ratio_limit_applies_above_one_mebibyte_only(tmp_path: Path) -> None:
    text = GPX.read_bytes() * 40  # 2.5 MB of real GPX, which deflates about 10x
    path = write(tmp_path / "gpx.zip", zip_bytes({"small.gpx": GPX.read_bytes(), "big.gpx": text}))
    with open_archive(path) as archive:
        assert len(archive.members()) == 2
    with pytest.raises(ArchiveLimitError, match="inflates") as excinfo:
        open_archive(path, limits=ArchiveLimits(max_ratio=5))
    refusal(excinfo, "big.gpx")


def test_a_member_over_the_size_limit_refuses_the_archive(tmp_path: Path) -> None:
    data = zip_bytes({"a.fit": b"x" * 100, "big.fit": BIG_FIT.read_bytes()})
    with pytest.raises(ArchiveLimitError, match="over the limit of 1000") as excinfo:
        open_archive(write(tmp_path / "big.zip", data), limits=ArchiveLimits(max_member_bytes=1000))
    refusal(excinfo, "big.fit")


def test_a_total_over_the_limit_refuses_the_archive(tmp_path: Path) -> None:
    data = zip_bytes({f"{i}.fit": FIT.read_bytes() for i in range(5)})
    limits = ArchiveLimits(max_total_bytes=3 * FIT.stat().st_size)
    with pytest.raises(ArchiveLimitError, match="bytes uncompressed") as excinfo:
        open_archive(write(tmp_path / "total.zip", data), limits=limits)
    refusal(excinfo, "3.fit")


def test_too_many_members_is_refused_from_the_end_record_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "many.zip", zip_bytes({f"{i}.fit": b"x" for i in range(10)}))
    monkeypatch.setattr(zipfile, "ZipFile", None)  # parsing the directory would fail loudly
    with pytest.raises(ArchiveLimitError, match="declares 10 entries") as excinfo:
        open_archive(path, limits=ArchiveLimits(max_members=5))
    refusal(excinfo, "many.zip")


def test_members_of_nested_zips_count_towards_the_limit(tmp_path: Path) -> None:
    part = zip_bytes({f"{i}_ACTIVITY.fit": b"x" for i in range(6)})
    path = write(tmp_path / "g.zip", zip_bytes({"a.json": b"{}", PART: part}))
    with open_archive(path, limits=ArchiveLimits(max_members=8)) as archive:
        assert len(archive.members()) == 7
    with pytest.raises(ArchiveLimitError, match="past the limit of 7 entries") as excinfo:
        open_archive(path, limits=ArchiveLimits(max_members=7))
    refusal(excinfo, PART)


def test_too_many_files_in_a_folder_refuses_it(tmp_path: Path) -> None:
    for i in range(6):
        write(tmp_path / f"{i}.fit", b"x")
    with pytest.raises(ArchiveLimitError, match="past 5 entries") as excinfo:
        open_archive(tmp_path, limits=ArchiveLimits(max_members=5))
    refusal(excinfo, tmp_path.name)


@pytest.mark.slow
def test_a_zip64_end_record_is_read_for_the_member_count(tmp_path: Path) -> None:
    path = tmp_path / "zip64.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for i in range(66_000):  # past 65535 entries zipfile writes a zip64 end record
            zf.writestr(f"{i}", b"")
    with pytest.raises(ArchiveLimitError, match="declares 66000 entries"):
        open_archive(path, limits=ArchiveLimits(max_members=65_999))
    with open_archive(path, limits=ArchiveLimits(max_members=66_000)) as archive:
        assert len(archive.members()) == 66_000


def test_a_zip_three_levels_deep_is_refused(tmp_path: Path) -> None:
    innermost = zip_bytes({"x.fit": FIT.read_bytes()})
    path = write(tmp_path / "a.zip", zip_bytes({"A.zip": zip_bytes({"B.zip": innermost})}))
    with pytest.raises(ArchiveLimitError, match="nested 3 deep; at most 2") as excinfo:
        open_archive(path)
    refusal(excinfo, "A.zip/B.zip")


def test_max_depth_one_refuses_any_nested_zip(tmp_path: Path) -> None:
    path = write(tmp_path / "g.zip", zip_bytes({PART: zip_bytes({"1.fit": b"x"})}))
    with pytest.raises(ArchiveLimitError, match="nested 2 deep") as excinfo:
        open_archive(path, limits=ArchiveLimits(max_depth=1))
    refusal(excinfo, PART)


# --- lying headers and damage ----------------------------------------------------------------


@pytest.mark.parametrize("compression", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_a_header_that_under_declares_is_refused_while_reading(
    tmp_path: Path, compression: int
) -> None:
    payload = BIG_FIT.read_bytes()  # 1 MB, claimed to be 1000 bytes
    data = zip_bytes({"ok.fit": FIT.read_bytes(), "liar.fit": payload}, compression=compression)
    data = patch_central(data, "liar.fit", CD_USIZE, "<L", 1000)
    with open_archive(write(tmp_path / "liar.zip", data)) as archive:
        ok, liar = sorted(archive.members(), key=lambda m: m.path != "ok.fit")
        assert liar.size == 1000
        with pytest.raises(ArchiveLimitError, match="more than the 1000 bytes") as excinfo:
            archive.read(liar)
        refusal(excinfo, "liar.fit")
        with archive.open(liar) as stream, pytest.raises(ArchiveLimitError):
            drain(stream, chunk=100)
        assert archive.read(ok) == FIT.read_bytes()
        # The bound is the archive's own, not that of a Member a caller built.
        with pytest.raises(ArchiveLimitError):
            archive.read(Member("liar.fit", len(payload)))


def test_a_header_that_over_declares_is_corrupt(tmp_path: Path) -> None:
    data = zip_bytes({"short.fit": FIT.read_bytes()})
    data = patch_central(data, "short.fit", CD_USIZE, "<L", FIT.stat().st_size + 10)
    with open_archive(write(tmp_path / "short.zip", data)) as archive:
        with pytest.raises(CorruptFileError) as excinfo:
            archive.read(archive.members()[0])
        refusal(excinfo, "short.fit")


def test_a_bad_crc_fails_that_member_only(tmp_path: Path) -> None:
    fit = FIT.read_bytes()
    data = bytearray(zip_bytes({"a.fit": fit, "b.fit": fit}, compression=zipfile.ZIP_STORED))
    data[data.find(fit) + 500] ^= 0xFF  # inside a.fit's stored bytes
    with open_archive(write(tmp_path / "crc.zip", bytes(data))) as archive:
        a, b = archive.members()
        with pytest.raises(CorruptFileError, match="damaged: Bad CRC-32") as excinfo:
            archive.read(a)
        refusal(excinfo, "a.fit")
        assert archive.read(b) == fit


def test_bytes_that_are_not_a_zip_are_corrupt(tmp_path: Path) -> None:
    path = write(tmp_path / "export.zip", FIT.read_bytes())
    assert not is_archive(path)
    with pytest.raises(CorruptFileError, match="is not a zip archive") as excinfo:
        open_archive(path)
    refusal(excinfo, "export.zip")


def test_a_truncated_zip_is_corrupt(tmp_path: Path) -> None:
    data = zip_bytes(strava_members())
    path = write(tmp_path / "cut.zip", data[: len(data) // 2])
    assert is_archive(path)
    with pytest.raises(CorruptFileError) as excinfo:
        open_archive(path)
    refusal(excinfo, "cut.zip")


@pytest.mark.parametrize("nested_compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_a_damaged_nested_zip_refuses_the_archive(tmp_path: Path, nested_compression: int) -> None:
    part = zip_bytes({"1_ACTIVITY.fit": FIT.read_bytes()})
    data = zip_bytes([(PART, part[:-30])], compression=nested_compression)
    with pytest.raises(CorruptFileError, match="not a zip archive or is damaged") as excinfo:
        open_archive(write(tmp_path / "g.zip", data))
    refusal(excinfo, PART)


def test_a_stored_nested_zip_with_two_sizes_refuses_the_archive(tmp_path: Path) -> None:
    data = zip_bytes([(PART, zip_bytes({"1.fit": b"x"}))], compression=zipfile.ZIP_STORED)
    data = patch_central(data, PART, CD_USIZE, "<L", 100)
    with pytest.raises(CorruptFileError, match="declares 100 bytes") as excinfo:
        open_archive(write(tmp_path / "g.zip", data))
    refusal(excinfo, PART)


def test_an_unsupported_compression_method_fails_that_member_only(tmp_path: Path) -> None:
    path = tmp_path / "bz.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("a.fit", FIT.read_bytes(), compress_type=zipfile.ZIP_BZIP2)
        zf.writestr("b.fit", FIT.read_bytes(), compress_type=zipfile.ZIP_DEFLATED)
    with open_archive(path) as archive:
        a, b = archive.members()
        with pytest.raises(UnsupportedFormatError, match="compression method 12") as excinfo:
            archive.read(a)
        refusal(excinfo, "a.fit")
        assert archive.read(b) == FIT.read_bytes()


def _small_garmin_zip(nested_compression: int) -> bytes:
    part = zip_bytes({"1_ACTIVITY.fit": FIT.read_bytes()[:2000], "2_ACTIVITY.fit": b"x" * 300})
    return zip_bytes([("a.csv", b"x,y\n" * 50), (PART, part)], compression=nested_compression)


_GARMIN = {
    method: _small_garmin_zip(method) for method in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
}


@settings(max_examples=300)
@given(
    st.sampled_from(sorted(_GARMIN)),
    st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), min_size=1, max_size=4),
    st.integers(min_value=1),
)
def test_damaged_archives_raise_only_backstride_errors(
    nested_compression: int, flips: list[tuple[int, int]], keep: int
) -> None:
    data = bytearray(_GARMIN[nested_compression])
    for at, value in flips:
        data[at % len(data)] = value
    del data[max(keep % (len(data) + 200), 1) :]  # sometimes not cut at all
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder) / "damaged.zip", bytes(data))
        try:
            archive = open_archive(path)
        except InputError:
            return
        with archive:
            for member in archive.members():
                try:
                    archive.read(member)
                except InputError:  # the member's own failure, recorded by the caller
                    continue


def test_a_folder_file_grown_since_listing_is_refused_while_reading(tmp_path: Path) -> None:
    write(tmp_path / "a.fit", FIT.read_bytes())
    with open_archive(tmp_path) as archive:
        (member,) = archive.members()
        with (tmp_path / "a.fit").open("ab") as file:
            file.write(b"more")
        with pytest.raises(ArchiveLimitError, match="more than the") as excinfo:
            archive.read(member)
        refusal(excinfo, "a.fit")


# --- memory --------------------------------------------------------------------------------


def test_reading_a_big_member_in_chunks_keeps_memory_small(tmp_path: Path) -> None:
    block = BIG_FIT.read_bytes()  # 1 MB of real FIT, longer than deflate's 32 KB window
    repeats = 40
    path = tmp_path / "big.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for i in range(300):
            zf.writestr(f"activities/{i}.fit", FIT.read_bytes()[: 100 + i])
        with zf.open("DI_CONNECT/x_0_summarizedActivities.json", "w") as member:
            for _ in range(repeats):
                member.write(block)
    expected = hashlib.sha256(block * repeats).hexdigest()
    size = len(block) * repeats

    tracemalloc.start()
    try:
        with open_archive(path) as archive:
            big = max(archive.members(), key=lambda m: m.size)
            assert big.size == size
            digest = hashlib.sha256()
            with archive.open(big) as stream:
                while chunk := stream.read(64 * 1024):
                    digest.update(chunk)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert digest.hexdigest() == expected
    assert peak < size // 10, f"peak {peak} bytes while streaming a {size}-byte member"
