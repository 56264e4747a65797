-- alerts_daily
-- Per district and day up to D, how children listed and children seen (both cohorts) change
-- that day, from the per-day facts (data/day_facts.sql: listed counts on [listed_on,
-- removed_on), seen on [first_seen_on, removed_on)). Read by queries/alerts.py, which adds them
-- up day by day into listed and seen as of every day (metrics.md's definitions).
-- Params    as_of (D)
-- Columns
--   district_code     text
--   day               date
--   listed            count    the change of children on the list that day
--   seen              count    the change of those seen that day
select f.district_code, f.day, sum(f.listed) as listed, sum(f.seen) as seen
from district_day_facts f
where f.day <= :as_of
group by f.district_code, f.day
