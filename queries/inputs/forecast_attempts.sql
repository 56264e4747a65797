-- forecast_attempts
-- First visits of the recent window, per cohort (all districts pooled), by the day of the
-- first visit and the first seen date (null when not seen by D): the weekday pattern and what
-- becomes of a failed visit. Read by queries/forecast.py.
-- Summed from first_visit_facts (data/day_facts.sql), as forecast_visited.sql.
-- Params    as_of (D), window_start (the first day of the window)
-- Columns
--   cohort            text
--   first_visit_on    date
--   first_seen_on     date     null when not seen by D
--   children          count    on the list at D
select f.cohort, f.first_visit_on, f.first_seen_on, sum(f.children) as children
from first_visit_facts f
where f.day <= :as_of
  and f.first_visit_on >= :window_start
  and f.first_visit_on <= :as_of
group by f.cohort, f.first_visit_on, f.first_seen_on
having sum(f.children) > 0
