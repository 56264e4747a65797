"""The case database's tables, defined once for SQLite and PostgreSQL.

The tables and columns are those of ../shared/spec/extract-format.md, in the same order, so that
the loader and the exporter can be driven by this metadata. Two tables are the project's own and
are never part of an extract: `dataset_info` (is this database synthetic, when was it made) and
`audit_log` (who looked at what).
"""
from sqlalchemy import (
    Boolean, CheckConstraint, Column, Date, DateTime, ForeignKey, Index,
    Integer, MetaData, String, Table, Text, text,
)

ID = String(32)
metadata = MetaData()

programme = Table(
    "programme", metadata,
    # One row: the extract has no key, so a load replaces the single row.
    Column("programme_key", Integer, primary_key=True, default=1),
    Column("start_date", Date, nullable=False),
    Column("deadline", Date, nullable=False),
    Column("reports_per_official", Integer, nullable=False),
    CheckConstraint("programme_key = 1", name="programme_single_row"),
)

districts = Table(
    "districts", metadata,
    Column("district_code", String(5), primary_key=True),
    Column("name_ko", Text, nullable=False),
    Column("name_en", Text, nullable=False),
    Column("child_population", Integer, nullable=False),
)

agencies = Table(
    "agencies", metadata,
    Column("agency_id", ID, primary_key=True),
    Column("name", Text, nullable=False),
    Column("operator", String(16), nullable=False),
    Column("district_code", String(5), ForeignKey("districts.district_code"), nullable=False),
)

staff = Table(
    "staff", metadata,
    Column("staff_id", ID, primary_key=True),
    Column("district_code", String(5), ForeignKey("districts.district_code"), nullable=False),
    Column("role", String(16), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date),
    Index("ix_staff_district_role", "district_code", "role"),
)

staffing_targets = Table(
    "staffing_targets", metadata,
    Column("district_code", String(5), ForeignKey("districts.district_code"), primary_key=True),
    Column("role", String(16), primary_key=True),
    Column("effective_on", Date, primary_key=True),
    Column("target", Integer, nullable=False),
)

children = Table(
    "children", metadata,
    Column("child_id", ID, primary_key=True),
    Column("district_code", String(5), ForeignKey("districts.district_code"), nullable=False),
    Column("cohort", String(16), nullable=False),
    Column("birth_year", Integer, nullable=False),
    Column("listed_on", Date, nullable=False),
    Column("removed_on", Date),
    Index("ix_children_district_cohort", "district_code", "cohort"),
    # The data-quality findings "listed after D" and "removed after D" pick a few children.
    Index("ix_children_listed", "listed_on"),
    Index("ix_children_removed", "removed_on"),
)

reports = Table(
    "reports", metadata,
    Column("report_id", ID, primary_key=True),
    Column("district_code", String(5), ForeignKey("districts.district_code"), nullable=False),
    Column("received_on", Date, nullable=False),
    Column("channel", String(16), nullable=False),
    Column("child_id", ID, ForeignKey("children.child_id")),
    Index("ix_reports_district_received", "district_code", "received_on"),
    Index("ix_reports_received", "received_on"),
)

visits = Table(
    "visits", metadata,
    Column("visit_id", ID, primary_key=True),
    Column("child_id", ID, ForeignKey("children.child_id"), nullable=False),
    Column("visit_date", Date, nullable=False),
    Column("staff_id", ID, ForeignKey("staff.staff_id"), nullable=False),
    Column("second_staff_id", ID, ForeignKey("staff.staff_id")),
    Column("outcome", String(16), nullable=False),
    Column("risk_level", String(16)),
    Column("abuse_suspected", Boolean),
    Index("ix_visits_child_date", "child_id", "visit_date"),
    Index("ix_visits_date", "visit_date"),
    # Covers the per-child visit figures of queries/ (counted visits, first seen, two-person
    # share), so both databases read the index alone instead of every visit row.
    Index("ix_visits_child_status", "child_id", "visit_date", "outcome", "second_staff_id"),
)

referrals = Table(
    "referrals", metadata,
    Column("referral_id", ID, primary_key=True),
    Column("child_id", ID, ForeignKey("children.child_id"), nullable=False),
    Column("visit_id", ID, ForeignKey("visits.visit_id")),
    Column("referred_on", Date, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("agency_id", ID, ForeignKey("agencies.agency_id")),
    Column("closed_on", Date),
    Column("result", String(32)),
    Index("ix_referrals_child", "child_id"),
    Index("ix_referrals_referred", "referred_on"),
)

# Tables of the extract, in an order in which every reference points backwards.
EXTRACT_TABLES = [
    programme, districts, agencies, staff, staffing_targets, children, reports, visits, referrals,
]

dataset_info = Table(
    "dataset_info", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

audit_log = Table(
    "audit_log", metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=True),
    Column("logged_at", DateTime(timezone=True), nullable=False),
    Column("subject", Text, nullable=False),
    Column("role", String(32), nullable=False),
    Column("district_code", String(5)),
    Column("page", Text, nullable=False),
    Column("action", String(32), nullable=False),
    Column("detail", Text, nullable=False, default=""),
    Column("rows", Integer),
    Index("ix_audit_logged_at", "logged_at"),
)


def _bytewise(kind: String):
    """On PostgreSQL, compared byte by byte (collation "C") instead of by the server's locale:
    sorting and grouping ids and codes got several times faster, and the order is Python's (the
    runner's), on both databases (SQLite compares bytes anyway)."""
    return kind.with_variant(String(kind.length, collation="C"), "postgresql")


C_ID, C_CODE, C_TAG = _bytewise(String(32)), _bytewise(String(5)), _bytewise(String(16))


# Derived, never part of an extract: per child, the dates its figures turn on (and the child's
# district, cohort and list dates, copied), rebuilt by
# data/status.py whenever the extract tables change. A visit counts when listed_on <= visit_date
# <= D, and every date here is over the visits with listed_on <= visit_date and no limit D, so
# "as of D" reduces to comparing these dates with D (see data/child_status.sql). Null: never.
child_status = Table(
    "child_status", metadata,
    # No foreign key: every row is made from a children row by the refresh, and checking one
    # per row cost more than the rest of a refresh at scale 30 (9 of 30 s).
    Column("child_id", C_ID, primary_key=True),
    # Copies of the child's own columns, so that the figures read this one table: joining a
    # million children to their status cost more than all the rest of a figure.
    Column("district_code", C_CODE, nullable=False),
    Column("cohort", C_TAG, nullable=False),
    Column("listed_on", Date, nullable=False),
    Column("removed_on", Date),
    Column("first_visit_on", Date),                 # earliest counted visit
    Column("third_visit_on", Date),                 # date of the third counted visit
    Column("first_seen_on", Date),                  # earliest counted visit with outcome seen
    Column("first_high_risk_on", Date),             # earliest counted seen visit at high risk
    Column("first_protective_referral_on", Date),   # earliest police/protection referral
    # Not a figure but a data-quality finding: the earliest visit dated before the listing, so
    # that the few children with one are found without comparing every visit with its child.
    Column("first_unlisted_visit_on", Date),
    # The same for referrals dated before the visit they name (earliest such referred_on).
    Column("first_early_referral_on", Date),
    # Covers district_progress, staffing, city_progress_daily and never_visited_past_midpoint:
    # SQLite then reads the index (in group order) instead of the table plus a sort (80 ms to
    # 30 ms at scale 1).
    Index("ix_child_status_progress", "district_code", "cohort", "listed_on", "removed_on",
          "first_seen_on", "first_visit_on", "third_visit_on", "child_id"),
    # The attention list, the daily briefing and the findings pick few children by these dates.
    Index("ix_child_status_third_visit", "third_visit_on"),
    # Covering for the first-seen events of city_progress_daily and newly_seen of daily_changes.
    Index("ix_child_status_first_seen", "first_seen_on", "cohort", "district_code", "listed_on",
          "removed_on"),
    Index("ix_child_status_first_high_risk", "first_high_risk_on"),
    # The findings' never_visited_past_midpoint picks the children with no counted visit by D
    # (first_visit_on null or after D: a thirtieth of them at scale 1) here, instead of every
    # child not seen (SQLite: 15 to 3 ms at scale 1; PostgreSQL: 5 times fewer rows at scale 30).
    # Covering: in mid-programme they are a third of the children (10,300 at scale 1 on 10
    # March), and the whole list (the download) then reads no table row (SQLite: 18 to 10 ms).
    Index("ix_child_status_first_visit", "first_visit_on", "listed_on", "removed_on",
          "district_code", "cohort", "child_id"),
    # Partial: almost every value is null, and a full index made SQLite's statistics judge it
    # useless (thousands of rows per value) and scan the table instead.
    Index("ix_child_status_first_unlisted_visit", "first_unlisted_visit_on",
          sqlite_where=text("first_unlisted_visit_on is not null"),
          postgresql_where=text("first_unlisted_visit_on is not null")),
    Index("ix_child_status_first_early_referral", "first_early_referral_on",
          sqlite_where=text("first_early_referral_on is not null"),
          postgresql_where=text("first_early_referral_on is not null")),
)

# Derived, never part of an extract: per district, cohort and day, how each "as of D" count of
# the figures changes on that day, rebuilt with child_status (data/status.py, data/day_facts.sql).
# A count as of D is the sum of its column over the rows with day <= D, so a figure for any day
# reads a few thousand rows instead of a million children. The columns up to two_person_visits
# are such changes; the four from newly_seen on are what happened on that day itself (summed
# over day = D only). See data/day_facts.sql for what each column counts.
district_day_facts = Table(
    "district_day_facts", metadata,
    Column("district_code", C_CODE, nullable=False),
    Column("cohort", C_TAG, nullable=False),
    Column("day", Date, nullable=False),
    Column("listed", Integer, nullable=False),
    Column("seen", Integer, nullable=False),
    Column("attempted", Integer, nullable=False),
    Column("unreachable", Integer, nullable=False),
    Column("seen_before_week", Integer, nullable=False),
    Column("seen_visits", Integer, nullable=False),
    Column("two_person_visits", Integer, nullable=False),
    Column("newly_seen", Integer, nullable=False),
    Column("new_high_risk", Integer, nullable=False),
    Column("new_referrals", Integer, nullable=False),
    Column("new_police_referrals", Integer, nullable=False),
    # One row per key; the day leads, so that "day <= D" and "day = D" read a range of it.
    Index("ix_district_day_facts_day", "day", "district_code", "cohort", unique=True),
)

# The same for referrals, per district, cohort, kind and outcome (open, or the result of a
# referral closed by D): `referrals` and `children` (distinct) change on the day a referral
# starts to count, closes or its child leaves the list; the delay columns are those of
# queries/referral_delay.sql, for the referrals that name a visit.
referral_day_facts = Table(
    "referral_day_facts", metadata,
    Column("district_code", C_CODE, nullable=False),
    Column("cohort", C_TAG, nullable=False),
    Column("kind", _bytewise(String(32)), nullable=False),
    Column("outcome", _bytewise(String(32))),
    Column("day", Date, nullable=False),
    Column("referrals", Integer, nullable=False),
    Column("children", Integer, nullable=False),
    Column("named_visit", Integer, nullable=False),
    Column("delay_days", Integer, nullable=False),
    Column("same_day", Integer, nullable=False),
    Column("days_1_7", Integer, nullable=False),
    Column("days_8_30", Integer, nullable=False),
    Column("over_30", Integer, nullable=False),
    Column("before_visit", Integer, nullable=False),
    Index("ix_referral_day_facts_day", "day", "district_code", "cohort", "kind", "outcome"),
)

# Derived, for the completion forecast (queries/forecast.py): children on the list counted by
# the day of their first counted visit and of their first seen visit as known on each day, as
# changes per day (data/day_facts.sql says which). Summed over day <= D it gives, per district
# and cohort, the children on the list at D by first visit day and first seen day (nulls: none
# by D): a few tens of thousands of rows instead of a million children at scale 30. listed_on is
# kept so that the forecast can tell the children who joined after the programme's start.
first_visit_facts = Table(
    "first_visit_facts", metadata,
    Column("district_code", C_CODE, nullable=False),
    Column("cohort", C_TAG, nullable=False),
    Column("listed_on", Date, nullable=False),
    Column("first_visit_on", Date),
    Column("first_seen_on", Date),
    Column("day", Date, nullable=False),
    Column("children", Integer, nullable=False),
    # The forecast sums every row up to D for its children on the list, from the states below,
    # but from this table only those who joined after the programme's start (listed_on after
    # it): an eighth of the rows at scale 1, a quarter at scale 30. Picked by this index, not a
    # read of the whole table (SQLite at scale 1: 7 to 1.5 ms).
    Index("ix_first_visit_facts_listed", "listed_on"),
)

# Derived, for the completion forecast: first_visit_facts added up once per group. Per district,
# cohort, first visit day and first seen day, the children on the list over the days
# [starts_on, ends_on) (ends_on null: from then on). Only intervals with children: the groups on
# the list at D are the rows with starts_on <= D < ends_on (42,000 at scale 30). The forecast
# reads them added up further (first_visit_groups, first_visit_attempts below). listed_on is left
# out (the facts keep it): the children who joined after the programme's start are counted from
# the facts, per district and cohort.
first_visit_states = Table(
    "first_visit_states", metadata,
    Column("district_code", C_CODE, nullable=False),
    Column("cohort", C_TAG, nullable=False),
    Column("first_visit_on", Date),
    Column("first_seen_on", Date),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date),
    Column("children", Integer, nullable=False),
    # No index: only read whole, to build the groups below.
)

# Derived, for the forecast's read (queries/inputs/forecast_visited.sql): first_visit_states added
# up per district, cohort and first visit day (null: none), over the days [starts_on, ends_on)
# on which the group's states stay the same: the children on the list, those not seen, and the
# latest first seen day among them (data/day_facts.sql). A reading keeps the rows holding D.
first_visit_groups = Table(
    "first_visit_groups", metadata,
    Column("district_code", C_CODE, nullable=False),
    Column("cohort", C_TAG, nullable=False),
    Column("first_visit_on", Date),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date),
    Column("children", Integer, nullable=False),
    Column("open", Integer, nullable=False),
    Column("first_seen_on", Date),
    # No index: a reading scans the table (a seventh of it holds D), faster than an index on
    # starts_on that keeps half of it (SQLite, scale 1: 2.2 against 3.1 ms).
)

# Derived, for the same read: first_visit_facts added up per cohort, first visit day and first
# seen day (null: not seen), every district together, as intervals like first_visit_states.
first_visit_attempts = Table(
    "first_visit_attempts", metadata,
    Column("cohort", C_TAG, nullable=False),
    Column("first_visit_on", Date, nullable=False),
    Column("first_seen_on", Date),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date),
    Column("children", Integer, nullable=False),
)

# Derived, for the stale-data alert (queries/alerts.py): visits recorded per district and day,
# any outcome and whether they count or not, so the rule reads a few thousand rows instead of
# every visit joined to its child.
district_visit_days = Table(
    "district_visit_days", metadata,
    Column("district_code", C_CODE, nullable=False),
    Column("day", Date, nullable=False),
    Column("visits", Integer, nullable=False),
    Index("ix_district_visit_days_day", "day", "district_code", unique=True),
)

# Derived, for the two child alerts (queries/alerts.py): the runs of days over which a child rule
# holds with the same date to count from, the children of each district, cohort, since_on and
# ends_on together (data/day_facts.sql says which). A run holds on D for since_on <= D < ends_on
# (null: never ends), and its alert stands from since_on plus the rule's days. The alerts of any
# day read the 3,000 groups holding that day (21,000 in all at scale 30) instead of looking up
# the latest visit of each unseen child (1.3 s), or reading their 80,000 runs one per child
# (150 ms for the database to group them again).
child_alert_runs = Table(
    "child_alert_runs", metadata,
    Column("rule", _bytewise(String(32)), nullable=False),
    Column("district_code", C_CODE, nullable=False),
    Column("cohort", C_TAG, nullable=False),
    Column("since_on", Date, nullable=False),
    Column("ends_on", Date),
    # The children's ids, separated by one space, in no order: an id is letters, digits, - and
    # _ only (extract-format.md, checked by the loader), and a reader wants all of a group's.
    Column("child_ids", Text, nullable=False),
    # No key: one row per (rule, district_code, cohort, since_on, ends_on), but ends_on is null
    # for a run that never ends, which no primary key allows. No index either: the alerts of a
    # day late in the programme read most rows.
)


# Derived, for table_freshness: the rows and newest date of the three big extract tables the
# rebuild reads (children, visits, referrals), counted once per load instead of on every view
# (counting 1.7 million visits took most of a second at scale 30).
table_counts = Table(
    "table_counts", metadata,
    Column("table_name", _bytewise(String(32)), primary_key=True),
    Column("newest_date", Date),
    Column("row_count", Integer, nullable=False),
)

# Derived, for the attention list (queries/attention_list.sql and the queries that include it):
# per child and reason, the days the child is on the list for that reason, [starts_on, ends_on)
# (ends_on null: still on it). Only the children who are ever on the list are here (a tenth of
# them at scale 30), so a list as of D reads this narrow table instead of picking its children
# out of every child's status (a third of attention_detail's time at scale 30). See
# data/day_facts.sql for the two intervals.
attention_spans = Table(
    "attention_spans", metadata,
    Column("child_id", C_ID, primary_key=True),
    Column("reason", _bytewise(String(32)), primary_key=True),
    Column("district_code", C_CODE, nullable=False),
    Column("cohort", C_TAG, nullable=False),
    Column("listed_on", Date, nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date),
)

# Derived, for the attention list's details (queries/attention_detail.sql): each row of
# attention_spans cut at the child's counted visit days, [starts_on, ends_on), with the attempts
# (counted visits up to then) and the latest of them, which stay the same until the next visit
# day. A list as of D reads the one step holding D of each child and reason; counting each
# child's visits up to D instead took 340 of 440 ms for the 84,000 children at scale 30.
# since_on is the span's own start (the list's "since").
attention_steps = Table(
    "attention_steps", metadata,
    Column("child_id", C_ID, primary_key=True),
    Column("reason", _bytewise(String(32)), primary_key=True),
    Column("starts_on", Date, primary_key=True),
    Column("ends_on", Date),
    Column("district_code", C_CODE, nullable=False),
    Column("cohort", C_TAG, nullable=False),
    Column("since_on", Date, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_visit_on", Date, nullable=False),
)
