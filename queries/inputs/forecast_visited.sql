-- forecast_visited
-- Children on the list at D with a first visit by D, per district, cohort and day of the first
-- visit: every one first visited in the window (the recent pace), and the ones not yet seen
-- whenever first visited (how long each has waited). Read by queries/forecast.py.
-- Params    as_of (D), window_start (the first day of the window)
-- Columns
--   district_code     text
--   cohort            text
--   first_visit_on    date
--   children          count    first visited that day (complete only from window_start on)
--   open              count    of those, not seen by D
select
    s.district_code,
    s.cohort,
    s.first_visit_on,
    count(*) as children,
    sum(case when s.first_seen_on <= :as_of then 0 else 1 end) as open
from child_status s
where s.listed_on <= :as_of
  and (s.removed_on is null or s.removed_on > :as_of)
  and s.first_visit_on <= :as_of
  and (s.first_visit_on >= :window_start or s.first_seen_on is null
       or s.first_seen_on > :as_of)
group by s.district_code, s.cohort, s.first_visit_on
