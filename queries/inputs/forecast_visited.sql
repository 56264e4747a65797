-- forecast_visited
-- Children on the list at D, in two parts of one result (one reading of first_visit_facts for
-- both; read by queries/forecast.py, not a figure of its own):
--   part 'visited'   per district, cohort and day of the first counted visit (null: none by
--                    D): the counts the forecast starts from, the recent pace of first visits,
--                    and how long each child still not seen has waited since the first visit;
--   part 'attempts'  per cohort (all districts pooled), first visit day in the recent window
--                    and first seen day (null: not seen by D): the weekday pattern and what
--                    becomes of a failed visit.
-- Summed from the per-day changes of first_visit_facts (data/day_facts.sql), which count the
-- children on the list under the first visit and first seen days known on each day: tens of
-- thousands of rows at scale 30 instead of a million children.
-- Sorted, nulls first on both databases: the forecast adds these rows up in floating point, so
-- their order is fixed rather than left to the database's plan.
-- Params    as_of (D), start_date (S), window_start (the first day of the recent window)
-- Columns
--   part              text     'visited' or 'attempts'
--   district_code     text     null in part 'attempts'
--   cohort            text
--   first_visit_on    date     null when no counted visit by D
--   first_seen_on     date     'visited': the latest first seen date by D; 'attempts': the
--                              first seen date, null when not seen by D
--   children          count    on the list at D
--   open              count    of those, not seen by D ('attempts': 0)
--   added             count    of those, joined the list after S ('attempts': 0)
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
),

visited as (
    select
        'visited' as part,
        district_code,
        cohort,
        first_visit_on,
        max(first_seen_on) as first_seen_on,
        sum(children) as children,
        sum(case when first_seen_on is null then children else 0 end) as open,
        sum(added) as added
    from on_the_list
    group by district_code, cohort, first_visit_on
),

attempts as (
    -- A first visit is on or before D (the facts count from it), so the window ends at D.
    select
        'attempts' as part,
        cast(null as text) as district_code,
        cohort,
        first_visit_on,
        first_seen_on,
        sum(children) as children,
        0 as open,
        0 as added
    from on_the_list
    where first_visit_on >= :window_start
    group by cohort, first_visit_on, first_seen_on
)

select part, district_code, cohort, first_visit_on, first_seen_on, children, open, added
from visited
union all
select part, district_code, cohort, first_visit_on, first_seen_on, children, open, added
from attempts
order by part desc, district_code, cohort, first_visit_on nulls first, first_seen_on nulls first
