-- alerts_visit_days
-- Per district, the days from window_start to D with at least one visit recorded (any
-- outcome): the stale-data rule looks for working days without one. Read by queries/alerts.py.
-- Params    as_of (D), window_start
-- Columns
--   district_code     text
--   visit_date        date
--   visits            count
select c.district_code, v.visit_date, count(*) as visits
from visits v
join children c on c.child_id = v.child_id
where v.visit_date >= :window_start
  and v.visit_date <= :as_of
group by c.district_code, v.visit_date
