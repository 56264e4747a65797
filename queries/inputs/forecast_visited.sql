-- forecast_visited
-- Children on the list at D per district, cohort and day of the first counted visit (null:
-- none by D): the counts the forecast starts from, the recent pace of first visits, and how
-- long each child still not seen has waited since the first visit. Read by queries/forecast.py,
-- which adds the days up per district; not a figure of its own.
-- Params    as_of (D), start_date (S)
-- Columns
--   district_code     text
--   cohort            text
--   first_visit_on    date     null when no counted visit by D
--   children          count    on the list at D
--   open              count    of those, not seen by D
--   added             count    of those, joined the list after S
--   last_seen_on      date     the latest first seen date by D
select
    s.district_code,
    s.cohort,
    case when s.first_visit_on <= :as_of then s.first_visit_on end as first_visit_on,
    count(*) as children,
    sum(case when s.first_seen_on <= :as_of then 0 else 1 end) as open,
    sum(case when s.listed_on > :start_date then 1 else 0 end) as added,
    max(case when s.first_seen_on <= :as_of then s.first_seen_on end) as last_seen_on
from child_status s
where s.listed_on <= :as_of
  and (s.removed_on is null or s.removed_on > :as_of)
group by s.district_code, s.cohort,
    case when s.first_visit_on <= :as_of then s.first_visit_on end
