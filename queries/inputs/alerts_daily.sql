-- alerts_daily
-- Per district, cohort and day up to D, how children listed and children seen change that
-- day, from the per-day facts (data/day_facts.sql: listed counts on [listed_on, removed_on),
-- seen on [first_seen_on, removed_on)). Read by queries/alerts.py, which adds them up over both
-- cohorts and day by day into listed and seen as of every day (metrics.md's definitions); not
-- grouped here, which made SQLite sort the rows into a temporary tree first.
-- Params    as_of (D)
-- Columns
--   district_code     text
--   day               date
--   listed            count    the change of children on the list that day (one cohort)
--   seen              count    the change of those seen that day (one cohort)
select f.district_code, f.day, f.listed, f.seen
from district_day_facts f
where f.day <= :as_of
