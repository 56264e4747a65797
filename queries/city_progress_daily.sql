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
-- Cost grows with children, not days times children. Each child gives a few dated events
-- (listed +1 on listed_on, -1 on removed_on; seen +1 on its first seen date, -1 on removed_on
-- when it was seen before leaving); events are summed per cohort and date, and each day adds up
-- the events dated on or before it. The first seen date does not depend on d (a counted visit
-- needs listed_on <= visit_date), so one per child serves every day: child_status.first_seen_on
-- (data/child_status.sql), kept when it is on or before D.
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

-- Events per cohort and date, each branch one pass over child_status that groups at once (a
-- million children give a few hundred rows; no per-child row is kept in between).
daily_events (cohort, event_on, listed_change, seen_change) as (
    select s.cohort, s.listed_on, count(*), 0
    from child_status s
    where s.listed_on <= :as_of
      and (cast(:district as text) is null or s.district_code = :district)
      and (cast(:cohort as text) is null or s.cohort = :cohort)
    group by s.cohort, s.listed_on
    union all
    -- Leaving the list; a child seen before it left also leaves the seen count.
    select s.cohort, s.removed_on, -count(*),
        -sum(case when s.first_seen_on < s.removed_on then 1 else 0 end)
    from child_status s
    where s.removed_on <= :as_of
      and s.listed_on <= :as_of
      and (cast(:district as text) is null or s.district_code = :district)
      and (cast(:cohort as text) is null or s.cohort = :cohort)
    group by s.cohort, s.removed_on
    union all
    -- First seen (on or after listed_on by definition), while still on the list.
    select s.cohort, s.first_seen_on, 0, count(*)
    from child_status s
    where s.first_seen_on <= :as_of
      and (s.removed_on is null or s.first_seen_on < s.removed_on)
      and (cast(:district as text) is null or s.district_code = :district)
      and (cast(:cohort as text) is null or s.cohort = :cohort)
    group by s.first_seen_on, s.cohort
),

daily_counts as (
    select
        d.day,
        d.day_number,
        k.cohort,
        coalesce(sum(e.listed_change), 0) as listed,
        coalesce(sum(e.seen_change), 0) as seen
    from days d
    cross join cohorts k
    left join daily_events e
        on e.cohort = k.cohort
        and e.event_on <= d.day
    where (cast(:cohort as text) is null or k.cohort = :cohort)
    group by d.day, d.day_number, k.cohort
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
