-- forecast_attempts
-- First visits of the recent window, per cohort (all districts pooled), by the day of the
-- first visit and the first seen date (null when not seen by D): the weekday pattern and what
-- becomes of a failed visit. Read by queries/forecast.py.
-- Params    as_of (D), window_start (the first day of the window)
-- Columns
--   cohort            text
--   first_visit_on    date
--   first_seen_on     date     null when not seen by D
--   children          count
select
    s.cohort,
    s.first_visit_on,
    case when s.first_seen_on <= :as_of then s.first_seen_on end as first_seen_on,
    count(*) as children
from child_status s
where s.first_visit_on >= :window_start
  and s.first_visit_on <= :as_of
  and s.listed_on <= :as_of
  and (s.removed_on is null or s.removed_on > :as_of)
group by s.cohort, s.first_visit_on, case when s.first_seen_on <= :as_of then s.first_seen_on end
