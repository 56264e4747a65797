-- forecast_units
-- One row per district and cohort with children on the list at D: the counts the forecast
-- starts from. Read by queries/forecast.py, not a figure of its own.
--
-- Params    as_of (D), start_date (S)
-- Columns
--   district_code     text
--   cohort            text
--   listed            count    children on the list at D
--   seen              count    of those, first seen by D
--   not_attempted     count    no counted visit by D
--   added             count    joined the list after S
--   last_seen_on      date     the latest first seen date by D
select
    s.district_code,
    s.cohort,
    count(*) as listed,
    sum(case when s.first_seen_on <= :as_of then 1 else 0 end) as seen,
    sum(case when s.first_visit_on <= :as_of then 0 else 1 end) as not_attempted,
    sum(case when s.listed_on > :start_date then 1 else 0 end) as added,
    max(case when s.first_seen_on <= :as_of then s.first_seen_on end) as last_seen_on
from child_status s
where s.listed_on <= :as_of
  and (s.removed_on is null or s.removed_on > :as_of)
group by s.district_code, s.cohort
