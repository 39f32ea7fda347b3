"""Resource bounds on every input, in one place (the reasoning is in docs/importing.md).

Each limit is far above what a real device or export writes and low enough that an import
stays under 500 MB of memory and a few seconds of CPU per file whatever the bytes. The code
reads them as ``limits.NAME`` when it runs, so a test can lower one on a small scale.
A file or member over a limit fails alone, with one line naming the limit.
"""

from __future__ import annotations

#: Largest activity file read, as stored (a loose file, an archive member) and once
#: decompressed: a day-long run recorded every second is 5-30 MB as FIT or GPX. Decoding
#: takes several times the file's size (an lxml tree, FIT columns), which this bounds.
MAX_ACTIVITY_BYTES = 32 << 20
#: A gzip file (or a ``.gz`` archive member) inflating more than this many times its
#: compressed size is refused as a bomb, once past GZIP_RATIO_FROM_BYTES of output: real
#: FIT compresses 2-5 times and GPX 5-20 times; deflate's maximum is about 1,030.
MAX_GZIP_RATIO = 250.0
#: Output below this is never judged by its ratio (tiny files compress extremely well).
GZIP_RATIO_FROM_BYTES = 1 << 20
#: Tags (``<`` bytes, start and end tags both) in a GPX or TCX file, counted before it is
#: parsed: lxml's tree costs about 130 bytes a tag, so this bounds the tree near 200 MB.
#: A GPX track point with heart rate and cadence is 14 tags: 100,000 points per 1.4 M.
MAX_XML_TAGS = 1_500_000
#: Track points in a GPX file's tracks or a TCX file's activities (the error counts every
#: one in the file): 55 hours recorded every second.
MAX_TRACK_POINTS = 200_000
#: Chained FIT files in one file (a multisport file chains a few).
MAX_FIT_PARTS = 1_000
#: Definition messages a FIT file may hold beyond one per data message (devices redefine
#: their layouts every ~30 messages at most; a file of definitions alone is a CPU bomb).
FIT_FREE_DEFINITIONS = 4_096
#: Data messages in a FIT file: memory grows with them (positions, then a float64 per field
#: and message), about 200 bytes each. A million is 5 days of records and HRV every second.
MAX_FIT_MESSAGES = 1_000_000
#: Distinct message layouts (definitions with different bytes) in a FIT file: real files have
#: a few dozen. Each costs up to 255 columns when decoded, about 2 ms and 90 KB: 8,000 one-
#: message layouts in 7 MB took 19 s and 700 MB.
MAX_FIT_LAYOUTS = 1_000
#: Field warnings kept per FIT file (a repeated bad definition would repeat its warning).
MAX_FIT_WARNINGS = 100
#: Bytes of one activity object in a Garmin summarizedActivities JSON (real ones are 2-5 KB)
#: and of a whole ``*_gear.json`` (a few KB). JSON nested deeper than Python's recursion
#: limit (about 1,000; real exports nest 3 deep) fails its file alone too.
MAX_JSON_OBJECT_BYTES = 1 << 20
#: Characters in one row of a Strava CSV, quoted newlines included: rows are cut out before
#: the csv module sees them, so its field limit (131,072 characters) is never reached and a
#: longer row (a runaway quoted field) fails alone.
MAX_CSV_ROW_CHARS = 128 << 10
#: Bytes of an index file read whole (Strava's activities.csv, shoes.csv, a Garmin gear JSON):
#: ten years of daily activities with notes is a few MB.
MAX_INDEX_BYTES = 64 << 20
#: Rows of activities.csv and activities of a Garmin summaries JSON: 27 years of ten a day.
#: Each costs about a kilobyte of Python objects while the archive is imported.
MAX_INDEX_ROWS = 100_000

#: What a whole export archive may hold before it is refused whole (``ArchiveLimits``, checked
#: before anything is stored): entries (a heavy Garmin export has tens of thousands), one
#: member's size, the total, the compression ratio of a member over 1 MB (deflate's maximum
#: is about 1,030; exports compress a few times), and zips nested in zips (Garmin's Part
#: zips are one level).
ARCHIVE_MAX_MEMBERS = 500_000
ARCHIVE_MAX_MEMBER_BYTES = 1 << 30
ARCHIVE_MAX_TOTAL_BYTES = 64 << 30
ARCHIVE_MAX_RATIO = 250.0
ARCHIVE_MAX_DEPTH = 2


def without_nul(text: str) -> str:
    """``text`` without NUL characters, which PostgreSQL cannot store in text."""
    return text.replace("\x00", "") if "\x00" in text else text
