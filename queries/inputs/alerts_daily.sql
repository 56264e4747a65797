-- alerts_daily
-- Per district, cohort and day up to D, how children listed and children seen change that
-- day, from the per-day facts (data/day_facts.sql: listed counts on [listed_on, removed_on),
-- seen on [first_seen_on, removed_on)). Read by queries/alerts.py, which adds them up over both
-- cohorts and day by day into listed and seen as of every day (metrics.md's definitions); not
-- grouped here, which made SQLite sort the rows into a temporary tree first. A row where
-- neither changes (a day with other news only) adds nothing and is left out: a quarter of the
-- rows, each read into Python at a cost (6 to 3.5 ms at scale 1).
-- Params    as_of (D)
-- Columns
--   district_code     text
--   day               date
--   listed            count    the change of children on the list that day (one cohort)
--   seen              count    the change of those seen that day (one cohort)
select f.district_code, f.day, f.listed, f.seen
from district_day_facts f
where f.day <= :as_of
  and (f.listed <> 0 or f.seen <> 0)
