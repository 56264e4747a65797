-- forecast_visited
-- Children on the list at D, in three parts of one result (read by queries/forecast.py, not a
-- figure of its own):
--   part 'visited'   per district, cohort and day of the first counted visit (null: none by
--                    D): the counts the forecast starts from, the recent pace of first visits,
--                    and how long each child still not seen has waited since the first visit;
--   part 'attempts'  per cohort (all districts pooled), first visit day in the recent window
--                    and first seen day (null: not seen by D): the weekday pattern and what
--                    becomes of a failed visit;
--   part 'added'     per district and cohort, those who joined the list after the programme's
--                    start S (the daily arrivals).
-- The first two from first_visit_groups and first_visit_attempts (data/day_facts.sql): the
-- children on the list counted per group as intervals of days, added up once at load from
-- first_visit_states, so D picks the groups that hold it (1,500 and 650 rows at scale 1 on 10
-- March) instead of adding up the 6,000 states that hold it on every reading. The third sums
-- first_visit_facts' changes up to D for the children listed after S (into a hundred groups; S
-- is a parameter, so not built in).
-- Sorted, nulls first on both databases: the forecast adds these rows up in floating point, so
-- their order is fixed rather than left to the database's plan.
-- Params    as_of (D), start_date (S), window_start (the first day of the recent window)
-- Columns
--   part              text     'visited', 'attempts' or 'added'
--   district_code     text     null in part 'attempts'
--   cohort            text
--   first_visit_on    date     null when no counted visit by D ('added': null)
--   first_seen_on     date     'visited': the latest first seen date by D; 'attempts': the
--                              first seen date, null when not seen by D ('added': null)
--   children          count    on the list at D ('added': of those, joined after S)
--   open              count    of those, not seen by D ('attempts', 'added': 0)
with
visited as (
    select
        'visited' as part,
        district_code,
        cohort,
        first_visit_on,
        first_seen_on,
        children,
        open
    from first_visit_groups
    where starts_on <= :as_of and (ends_on is null or ends_on > :as_of)
),

attempts as (
    -- A first visit is on or before D (the facts count from it), so the window ends at D.
    select
        'attempts' as part,
        cast(null as text) as district_code,
        cohort,
        first_visit_on,
        first_seen_on,
        children,
        0 as open
    from first_visit_attempts
    where starts_on <= :as_of and (ends_on is null or ends_on > :as_of)
      and first_visit_on >= :window_start
),

added as (
    -- A count on the list at D is the sum of its changes up to D (never below zero per group,
    -- so a district and cohort with none sums to 0 and is left out).
    select
        'added' as part,
        f.district_code,
        f.cohort,
        cast(null as date) as first_visit_on,
        cast(null as date) as first_seen_on,
        sum(f.children) as children,
        0 as open
    from first_visit_facts f
    where f.day <= :as_of and f.listed_on > :start_date
    group by f.district_code, f.cohort
    having sum(f.children) > 0
)

select part, district_code, cohort, first_visit_on, first_seen_on, children, open
from visited
union all
select part, district_code, cohort, first_visit_on, first_seen_on, children, open
from attempts
union all
select part, district_code, cohort, first_visit_on, first_seen_on, children, open
from added
order by part desc, district_code, cohort, first_visit_on nulls first, first_seen_on nulls first
