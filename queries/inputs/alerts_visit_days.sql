-- alerts_visit_days
-- Per district, the days from window_start to D with at least one visit recorded (any
-- outcome, counted or not), from data/day_facts.sql's district_visit_days: the stale-data rule
-- looks for working days without one. Read by queries/alerts.py.
-- Params    as_of (D), window_start
-- Columns
--   district_code     text
--   visit_date        date
--   visits            count
select f.district_code, f.day as visit_date, f.visits
from district_visit_days f
where f.day >= :window_start
  and f.day <= :as_of
  and f.visits > 0
