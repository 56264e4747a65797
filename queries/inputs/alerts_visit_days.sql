-- alerts_visit_days
-- Per district, the days from window_start to D with at least one visit recorded (any
-- outcome, counted or not), from data/day_facts.sql's district_visit_days: the stale-data rule
-- looks for working days without one. Read by queries/alerts.py. Every row of that table has
-- a visit (it counts the visits grouped by district and day), so the day and district alone
-- are read, from the table's index without the table (4 to 2.7 ms at scale 1).
-- Params    as_of (D), window_start
-- Columns
--   district_code     text
--   visit_date        date
select f.district_code, f.day as visit_date
from district_visit_days f
where f.day >= :window_start
  and f.day <= :as_of
