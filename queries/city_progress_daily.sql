-- city_progress_daily
-- One row per day from the programme start S to D, and cohort, each day's values as of that day.
--
-- Answers   How did the city's progress grow, day by day, against the straight-line plan?
-- Params    as_of (D), start_date (S), plan_days (T - S + 1), district (a code, or null for the
--           whole city), cohort (or null for both)
-- Grain     days S .. D times both cohorts (a cohort with nobody listed still has its rows, with
--           listed 0). No rows when D is before S or the programme is unknown.
-- Columns
--   date              date     the day d
--   cohort            text     repeat_report or neglect_risk
--   listed            count    children on the list at d
--   seen              count    of those, children whose first seen date is on or before d
--   completion_rate   rate     seen / listed, null when nothing is listed
--   plan_rate         rate     (d - S + 1) / (T - S + 1), at most 1
-- Cost grows with districts times days, not children: listed and seen as of a day are the sums
-- of their daily changes up to that day in district_day_facts (data/day_facts.sql).
-- This file is for SQLite; city_progress_daily.postgresql.sql differs only in date arithmetic.
with recursive
cohorts as (
    select 'repeat_report' as cohort
    union all
    select 'neglect_risk' as cohort
),

days (day, day_number) as (
    select :start_date, 0
    where :start_date <= :as_of
    union all
    select date(day, '+1 day'), day_number + 1
    from days
    where day < :as_of
),

-- Changes per cohort and day; those dated before S count on S, so that each day of S .. D
-- finds its own row and a running sum gives the value as of that day.
daily_changes (cohort, event_on, listed_change, seen_change) as (
    select f.cohort, case when f.day < :start_date then :start_date else f.day end,
        sum(f.listed), sum(f.seen)
    from district_day_facts f
    where f.day <= :as_of
      and (cast(:district as text) is null or f.district_code = :district)
      and (cast(:cohort as text) is null or f.cohort = :cohort)
    group by f.cohort, case when f.day < :start_date then :start_date else f.day end
),

daily_counts as (
    select
        d.day,
        d.day_number,
        k.cohort,
        sum(coalesce(e.listed_change, 0)) over (
            partition by k.cohort order by d.day rows unbounded preceding) as listed,
        sum(coalesce(e.seen_change, 0)) over (
            partition by k.cohort order by d.day rows unbounded preceding) as seen
    from days d
    cross join cohorts k
    left join daily_changes e
        on e.cohort = k.cohort
        and e.event_on = d.day
    where (cast(:cohort as text) is null or k.cohort = :cohort)
)

select
    day as date,
    cohort,
    listed,
    seen,
    case when listed > 0 then cast(seen as double precision) / listed end as completion_rate,
    case when day_number + 1 >= cast(:plan_days as integer) then 1.0
        else cast(day_number + 1 as double precision) / cast(:plan_days as integer)
    end as plan_rate
from daily_counts
