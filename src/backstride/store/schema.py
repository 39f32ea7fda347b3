"""The tables, as SQLAlchemy Core ``Table`` objects.

Every row belongs to an athlete. Per-activity summaries are rows of ``activities``; the
per-sample streams of one activity are one compressed blob in ``streams`` (see
``store/streams.py``), so a backup of the database is a backup of everything.

``activity_sources`` records every file (by SHA-256 of its bytes, and the session's index in
the file) that was found to hold an activity, including twins that were merged into an
existing one; ``source_files`` marks a file whose every session has been stored, so a
re-import can skip it without decoding. ``gear`` holds shoes and bikes; an activity points
at its gear (``gear_source`` says whether the archive, a default rule or the athlete chose
it), and ``gear_defaults`` names the default gear per sport. ``pain_entries`` is the
back-pain diary (NRS 0-10, the moment relative to a run, leg symptoms); ``screenings`` keeps
each red-flag screen's answers (JSON) and outcome with its date; ``questionnaire_scores``
the ODI/RMDQ/STarT Back scores entered from a clinician; ``clinician_clearances`` the days a
clinician saw the runner (red flags up to then stop pausing training); ``routine_log`` the
core, warm-up,
cool-down and cross-training sessions logged as done, and ``planned_sessions`` the plan as
last generated. ``form_summaries`` keeps each run's form numbers computed from its
streams (``analysis.form.form_summary``, with the analysis ``version``), keyed by the
``streams`` row so they go when the streams are replaced or deleted. ``sync_connections``
and ``sync_items`` are the connected services (Strava, intervals.icu) and what came from
them. The clinic server's tables (accounts, sessions, shares, audit, notes, jobs,
uploads) are described where they are defined below, and so is ``data_versions`` (a
counter per athlete the result cache is keyed on) and ``cached_results`` (the results
themselves, shared by the clinic server's processes). Migrations ``0001`` to ``0014`` create
these tables; a change here needs a new numbered migration.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from backstride.store.types import JSONList, UTCDateTime

metadata = MetaData()

athletes = Table(
    "athletes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
)

activities = Table(
    "activities",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("athlete_id", Integer, ForeignKey("athletes.id", ondelete="CASCADE"), nullable=False),
    Column("sport", String(64), nullable=False),
    Column("sub_sport", String(64)),
    Column("start_at", UTCDateTime, nullable=False),
    Column("utc_offset_s", Integer),
    Column("local_date", Date, nullable=False),
    Column("elapsed_s", Float, nullable=False),
    Column("timer_s", Float),
    Column("distance_m", Float),
    Column("avg_speed_mps", Float),
    Column("avg_hr_bpm", Float),
    Column("max_hr_bpm", Float),
    Column("avg_cadence_spm", Float),
    Column("avg_power_w", Float),
    Column("total_ascent_m", Float),
    Column("calories_kcal", Float),
    Column("device", String(200)),
    Column("name", Text),
    Column("source_format", String(8), nullable=False),
    Column("source_name", Text, nullable=False),
    Column("session_index", Integer, nullable=False),
    Column("channels", JSONList, nullable=False),
    Column("sample_count", Integer, nullable=False),
    Column("lap_count", Integer, nullable=False),
    Column("warnings", JSONList, nullable=False),
    Column("imported_at", UTCDateTime, nullable=False),
    # From an export archive (0002): what the platform knows beyond the file.
    Column("vendor_type", String(64)),
    Column("description", Text),
    Column("private_note", Text),
    Column("rpe", Integer),
    Column("external_id", String(64)),
    Column("gear_id", Integer, ForeignKey("gear.id", ondelete="SET NULL")),
    Column("gear_source", String(16)),
    Index("ix_activities_athlete_start", "athlete_id", "start_at"),
)

gear = Table(
    "gear",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("athlete_id", Integer, ForeignKey("athletes.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("name", String(200), nullable=False),
    Column("brand", String(200)),
    Column("model", String(200)),
    Column("start_date", Date),
    Column("initial_distance_m", Float, nullable=False),
    Column("retired", Boolean, nullable=False),
    Column("inspect_at_m", Float),
    Column("replace_at_m", Float),
    UniqueConstraint("athlete_id", "kind", "name", name="uq_gear_name"),
)

gear_defaults = Table(
    "gear_defaults",
    metadata,
    Column(
        "athlete_id",
        Integer,
        ForeignKey("athletes.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("sport", String(64), primary_key=True),
    Column("gear_id", Integer, ForeignKey("gear.id", ondelete="CASCADE"), nullable=False),
)

laps = Table(
    "laps",
    metadata,
    Column(
        "activity_id",
        Integer,
        ForeignKey("activities.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("lap_index", Integer, primary_key=True),
    Column("start_at", UTCDateTime, nullable=False),
    Column("elapsed_s", Float, nullable=False),
    Column("timer_s", Float),
    Column("distance_m", Float),
    Column("avg_speed_mps", Float),
    Column("avg_hr_bpm", Float),
    Column("max_hr_bpm", Float),
    Column("avg_cadence_spm", Float),
    Column("avg_power_w", Float),
    Column("intensity", String(32)),
)

streams = Table(
    "streams",
    metadata,
    Column(
        "activity_id",
        Integer,
        ForeignKey("activities.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("codec", String(32), nullable=False),
    Column("data", LargeBinary, nullable=False),
)

activity_sources = Table(
    "activity_sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("athlete_id", Integer, ForeignKey("athletes.id", ondelete="CASCADE"), nullable=False),
    Column(
        "activity_id",
        Integer,
        ForeignKey("activities.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("sha256", String(64), nullable=False),
    Column("session_index", Integer, nullable=False),
    Column("file_name", Text, nullable=False),
    Column("imported_at", UTCDateTime, nullable=False),
    UniqueConstraint("athlete_id", "sha256", "session_index", name="uq_activity_sources_part"),
    Index("ix_activity_sources_activity", "activity_id"),
)

source_files = Table(
    "source_files",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("athlete_id", Integer, ForeignKey("athletes.id", ondelete="CASCADE"), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("file_name", Text, nullable=False),
    Column("activity_count", Integer, nullable=False),
    Column("imported_at", UTCDateTime, nullable=False),
    UniqueConstraint("athlete_id", "sha256", name="uq_source_files_sha"),
)


pain_entries = Table(
    "pain_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("athlete_id", Integer, ForeignKey("athletes.id", ondelete="CASCADE"), nullable=False),
    Column("local_date", Date, nullable=False),
    Column("moment", String(16), nullable=False),
    Column("nrs", Integer, nullable=False),
    Column("activity_id", Integer, ForeignKey("activities.id", ondelete="SET NULL")),
    Column("leg_symptoms", String(16), nullable=False),
    Column("note", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_pain_entries_athlete_date", "athlete_id", "local_date"),
)

screenings = Table(
    "screenings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("athlete_id", Integer, ForeignKey("athletes.id", ondelete="CASCADE"), nullable=False),
    Column("local_date", Date, nullable=False),
    Column("answers", Text, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)


# 0007: the runner's record that a clinician has seen them (``backstride screen clear``):
# the day, optionally who and what they advised. Red flags of screens up to that day stop
# pausing training (evidence.md §5.2, "Clinician clearance").
clinician_clearances = Table(
    "clinician_clearances",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("athlete_id", Integer, ForeignKey("athletes.id", ondelete="CASCADE"), nullable=False),
    Column("local_date", Date, nullable=False),
    Column("clinician", String(200)),
    Column("note", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_clinician_clearances_athlete_date", "athlete_id", "local_date"),
)


questionnaire_scores = Table(
    "questionnaire_scores",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("athlete_id", Integer, ForeignKey("athletes.id", ondelete="CASCADE"), nullable=False),
    Column("local_date", Date, nullable=False),
    Column("instrument", String(16), nullable=False),
    Column("score", Float, nullable=False),
    Column("distress", Float),
    Column("created_at", UTCDateTime, nullable=False),
)


# 0005: what the runner logged as done (core, warm-up, cool-down, cross-training), and the
# sessions of the plan as last generated (one row per session; days after the day of
# generation are replaced each time, past days stay so review can show done and missed).
routine_log = Table(
    "routine_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("athlete_id", Integer, ForeignKey("athletes.id", ondelete="CASCADE"), nullable=False),
    Column("local_date", Date, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("minutes", Float),
    Column("rpe", Integer),
    Column("sport", String(32)),
    Column("note", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_routine_log_athlete_date", "athlete_id", "local_date"),
)

planned_sessions = Table(
    "planned_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("athlete_id", Integer, ForeignKey("athletes.id", ondelete="CASCADE"), nullable=False),
    Column("local_date", Date, nullable=False),
    Column("position", Integer, nullable=False),
    Column("mode", String(16), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("title", Text, nullable=False),
    Column("intensity", String(16), nullable=False),
    Column("duration_s", Float),
    Column("distance_m", Float),
    Column("run_s", Integer),
    Column("walk_s", Integer),
    Column("repeats", Integer),
    Column("routine", String(32)),
    Column("warmup", String(32)),
    Column("cooldown", String(32)),
    Column("sport", String(32)),
    Column("rules", JSONList, nullable=False),
    Column("why", Text, nullable=False),
    Column("stage", Integer),
    Column("lighter", Boolean, nullable=False),
    Column("generated_at", UTCDateTime, nullable=False),
    UniqueConstraint("athlete_id", "local_date", "position", name="uq_planned_day_position"),
)


# 0006: each run's form numbers over its steady running (analysis.form.form_summary), so the
# form rules need not decode a year of streams on every view (issue 7). Keyed by the streams
# row: a twin that replaces the streams, or a deleted activity, takes its summary along.
# ``version`` is the analysis's (service.deriving.FORM_SUMMARY_VERSION): another one is
# recomputed. NaN is stored as NULL; the per-minute chunks as little-endian float64 bytes.
form_summaries = Table(
    "form_summaries",
    metadata,
    Column(
        "activity_id",
        Integer,
        ForeignKey("streams.activity_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("version", Integer, nullable=False),
    Column("steady_s", Float, nullable=False),
    Column("speed_mps", Float),
    Column("cadence_spm", Float),
    Column("step_length_m", Float),
    Column("vertical_oscillation_m", Float),
    Column("vertical_ratio_pct", Float),
    Column("stance_time_s", Float),
    Column("balance_left_pct", Float),
    Column("power_w", Float),
    Column("flat_share", Float),
    Column("chunk_speed_mps", LargeBinary, nullable=False),
    Column("chunk_cadence_spm", LargeBinary, nullable=False),
)


# 0008: the services a runner connected (Strava, intervals.icu) and what was synced from
# them. ``credentials`` is the service's JSON (OAuth tokens, or an API key): one row per
# athlete and service, so in a clinic every runner has their own, readable by the database's
# owner only like the health data beside it. ``state`` is the sync's own JSON (Strava gear
# ids seen, where an interrupted backfill stood). ``sync_items`` maps each remote activity to
# the stored one, with a fingerprint of the remote summary: a changed fingerprint is an edit,
# a remote id missing from the service's list a deletion.
sync_connections = Table(
    "sync_connections",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("athlete_id", Integer, ForeignKey("athletes.id", ondelete="CASCADE"), nullable=False),
    Column("service", String(16), nullable=False),
    Column("remote_athlete", String(64), nullable=False),
    Column("remote_name", Text),
    Column("credentials", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("connected_at", UTCDateTime, nullable=False),
    Column("last_sync_at", UTCDateTime),
    Column("last_error", Text),
    Column("last_error_at", UTCDateTime),
    UniqueConstraint("athlete_id", "service", name="uq_sync_connections_service"),
)

sync_items = Table(
    "sync_items",
    metadata,
    Column(
        "connection_id",
        Integer,
        ForeignKey("sync_connections.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("remote_id", String(64), primary_key=True),
    Column("activity_id", Integer, ForeignKey("activities.id", ondelete="SET NULL")),
    Column("fingerprint", String(64), nullable=False),
    Column("synced_at", UTCDateTime, nullable=False),
)


# 0010: the clinic server (issue 17, docs/clinic.md). Accounts sign in; an athlete account
# owns one ``athletes`` row (its data), a clinician or an admin account owns none.
# ``password_hash`` is argon2id (NULL until the invited person sets one through their
# link); ``web_sessions`` are server-side sessions keyed by the SHA-256 of the cookie's
# token (the token itself is never stored), each with its own CSRF token;
# ``login_failures`` feeds the login throttle; ``account_tokens`` are the one-time links an
# admin issues (``invite``: set a first password, ``reset``: set a new one), also stored
# only as SHA-256. An athlete shares with a clinician (``shares``: ``scope`` ``all`` or
# ``summaries``, without GPS streams; revoked by setting ``revoked_at``), directly by the
# clinician's account name or through a one-time invite code (``share_invites``, stored as
# SHA-256). ``audit_log`` keeps who did what on whose data and is never deleted with an
# account (no foreign keys, no health data: the action and the route). ``clinician_notes``
# are a clinician's dated notes on an athlete. ``jobs`` is what the background workers do
# (uploads, syncs, reports; procrastinate runs them, this row is what the pages show:
# state, progress, result, the rendered output); ``uploads`` holds an upload's files in
# the database so a worker on any machine can read them.
accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("display_name", Text),
    Column("password_hash", Text),
    Column("athlete_id", Integer, ForeignKey("athletes.id", ondelete="SET NULL"), unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("password_changed_at", UTCDateTime),
    Column("disabled_at", UTCDateTime),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Index("ix_web_sessions_account", "account_id"),
)

login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False),
    Column("address", String(64), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_login_failures_name_at", "name", "at"),
    Index("ix_login_failures_address_at", "address", "at"),
)

account_tokens = Table(
    "account_tokens",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("purpose", String(16), nullable=False),
    Column("created_by", Integer, ForeignKey("accounts.id", ondelete="SET NULL")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime),
)

shares = Table(
    "shares",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "athlete_account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    ),
    Column(
        "clinician_account_id",
        Integer,
        ForeignKey("accounts.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("scope", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    Index("ix_shares_clinician", "clinician_account_id"),
    Index("ix_shares_athlete", "athlete_account_id"),
)

share_invites = Table(
    "share_invites",
    metadata,
    Column("id", String(64), primary_key=True),
    Column(
        "athlete_account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    ),
    Column("scope", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("redeemed_at", UTCDateTime),
    Column("redeemed_by", Integer, ForeignKey("accounts.id", ondelete="SET NULL")),
    Column("revoked_at", UTCDateTime),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor_account_id", Integer),
    Column("actor_name", String(64), nullable=False),
    Column("athlete_account_id", Integer),
    Column("action", String(32), nullable=False),
    Column("detail", Text, nullable=False),
    Index("ix_audit_log_athlete_at", "athlete_account_id", "at"),
)

clinician_notes = Table(
    "clinician_notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("athlete_id", Integer, ForeignKey("athletes.id", ondelete="CASCADE"), nullable=False),
    Column("author_account_id", Integer, ForeignKey("accounts.id", ondelete="SET NULL")),
    Column("author_name", String(64), nullable=False),
    Column("local_date", Date, nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_clinician_notes_athlete_date", "athlete_id", "local_date"),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("athlete_id", Integer, ForeignKey("athletes.id", ondelete="CASCADE")),
    Column("kind", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("done", Integer, nullable=False),
    Column("total", Integer),
    Column("message", Text),
    Column("result", Text),
    Column("output", LargeBinary),
    Column("output_type", String(64)),
    Column("attempts", Integer, nullable=False),
    Column("queue_job_id", Integer),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # 0013: the clinician who asked for the job (a report made from their share's view), so
    # that only they are given it; None for the athlete's own jobs.
    Column("requested_by", Integer, ForeignKey("accounts.id", ondelete="SET NULL")),
    Index("ix_jobs_athlete", "athlete_id"),
)

uploads = Table(
    "uploads",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("job_id", Integer, ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
    Column("athlete_id", Integer, ForeignKey("athletes.id", ondelete="CASCADE"), nullable=False),
    Column("file_name", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_uploads_job", "job_id"),
)


# 0012: a counter per athlete that PostgreSQL's triggers bump after every statement writing
# their data (the tables of ``store.changes``; the migration's docstring says which tables
# and why some are left out). The result cache keys an athlete's results on it
# (``store/changes.py``), so other athletes' writes, audit rows and session touches leave
# them cached. A missing row is version 0. SQLite has the table but no triggers: a local
# install keeps the database-wide ``PRAGMA data_version``.
data_versions = Table(
    "data_versions",
    metadata,
    Column(
        "athlete_id",
        Integer,
        ForeignKey("athletes.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("version", BigInteger, nullable=False),
)


# 0014: results derived from an athlete's data (status, charts, the pain overview ...), kept
# for every process of the clinic server under the data version they were computed from
# (``store/results.py``, ``service/cache.py``). Derived, rebuilt on demand; no trigger bumps
# the version on writing them. ``key`` says which result: the view, the page, the day asked.
cached_results = Table(
    "cached_results",
    metadata,
    Column(
        "athlete_id",
        Integer,
        ForeignKey("athletes.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("key", Text, primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("value", LargeBinary, nullable=False),
    Column("stored_at", UTCDateTime, nullable=False),
)
