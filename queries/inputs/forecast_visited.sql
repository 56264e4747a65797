-- forecast_visited
-- Children on the list at D per district, cohort and day of the first counted visit (null:
-- none by D): the counts the forecast starts from, the recent pace of first visits, and how
-- long each child still not seen has waited since the first visit. Read by queries/forecast.py,
-- which adds the days up per district; not a figure of its own.
-- Summed from the per-day changes of first_visit_facts (data/day_facts.sql), which count the
-- children on the list under the first visit and first seen days known on each day: tens of
-- thousands of rows at scale 30 instead of a million children.
-- Params    as_of (D), start_date (S)
-- Columns
--   district_code     text
--   cohort            text
--   first_visit_on    date     null when no counted visit by D
--   children          count    on the list at D
--   open              count    of those, not seen by D
--   added             count    of those, joined the list after S
--   last_seen_on      date     the latest first seen date by D
with
on_the_list as (
    -- Children on the list at D per first visit day and first seen day (null: none by D).
    select
        f.district_code,
        f.cohort,
        f.first_visit_on,
        f.first_seen_on,
        sum(f.children) as children,
        sum(case when f.listed_on > :start_date then f.children else 0 end) as added
    from first_visit_facts f
    where f.day <= :as_of
    group by f.district_code, f.cohort, f.first_visit_on, f.first_seen_on
    having sum(f.children) > 0
)

select
    district_code,
    cohort,
    first_visit_on,
    sum(children) as children,
    sum(case when first_seen_on is null then children else 0 end) as open,
    sum(added) as added,
    max(first_seen_on) as last_seen_on
from on_the_list
group by district_code, cohort, first_visit_on
