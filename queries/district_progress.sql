-- district_progress
-- One row per district and cohort, the progress of the home visits as of day D (inclusive).
--
-- Answers   Will each district finish by the deadline? Which districts are behind, by how much?
-- Params    as_of (D), as_of_minus_6 (D-6), district (a code, or null for the whole city),
--           cohort (or null for both), plan_rate ((D-S+1)/(T-S+1) clipped to 0..1, computed in
--           Python), days_to_deadline (T-D when D is before T, else null)
-- Grain     every district of the districts table times both cohorts, even with nothing listed
--           (then listed 0 and the rates null). A child counts when on the list at D, a visit
--           when listed_on <= visit_date <= D (see metrics.md).
-- Columns
--   district_code          text     the district's MOIS code
--   cohort                 text     repeat_report or neglect_risk
--   listed                 count    children on the list at D
--   seen                   count    of those, children with a first seen date
--   attempted_not_seen     count    children with a counted visit and none seen
--   not_attempted          count    children with no counted visit
--   completion_rate        rate     seen / listed, null when nothing is listed
--   plan_rate              rate     the share a straight-line plan expects done by D
--   pace_7d                rate     children first seen in D-6 .. D, divided by 7
--   required_pace          rate     (listed - seen) / (T - D) before the deadline, else null
--   projected_completion   date     see below
--   two_person_rate        rate     repeat_report only, share of counted seen visits made by two
--   unreachable            count    three or more counted visits and none seen
-- Helper column projected_days (dropped by queries/run.py, which adds it to D to give
-- projected_completion when some children are left) is ceil(7 (listed - seen) / seen_7d), that is
-- ceil((listed - seen) / pace_7d) in exact integer arithmetic. When nobody is left,
-- projected_completion is the latest first seen date, here directly.
-- The counts come from district_day_facts (data/day_facts.sql): each is the sum of its daily
-- changes up to D, a few thousand rows whatever the number of children. The one value that is
-- not such a sum, the latest first seen date of the children listed at D, is needed only when
-- every listed child is seen, and is then read from child_status for that district alone.
with
cohorts as (
    select 'repeat_report' as cohort
    union all
    select 'neglect_risk' as cohort
),

scoped_districts as (
    select d.district_code
    from districts d
    where (cast(:district as text) is null or d.district_code = :district)
),

district_counts as (
    select
        f.district_code,
        f.cohort,
        sum(f.listed) as listed,
        sum(f.seen) as seen,
        sum(f.attempted) as attempted,
        sum(f.seen) - sum(f.seen_before_week) as seen_7d,
        sum(f.unreachable) as unreachable,
        sum(f.seen_visits) as seen_visits,
        sum(f.two_person_visits) as two_person_visits
    from district_day_facts f
    where f.day <= :as_of
      and (cast(:district as text) is null or f.district_code = :district)
      and (cast(:cohort as text) is null or f.cohort = :cohort)
    group by f.district_code, f.cohort
),

filled as (
    select
        d.district_code,
        k.cohort,
        coalesce(c.listed, 0) as listed,
        coalesce(c.seen, 0) as seen,
        coalesce(c.attempted - c.seen, 0) as attempted_not_seen,
        coalesce(c.listed - c.attempted, 0) as not_attempted,
        coalesce(c.seen_7d, 0) as seen_7d,
        coalesce(c.seen_visits, 0) as seen_visits,
        coalesce(c.two_person_visits, 0) as two_person_visits,
        coalesce(c.unreachable, 0) as unreachable
    from scoped_districts d
    cross join cohorts k
    left join district_counts c
        on c.district_code = d.district_code
        and c.cohort = k.cohort
    where (cast(:cohort as text) is null or k.cohort = :cohort)
)

select
    f.district_code,
    f.cohort,
    f.listed,
    f.seen,
    f.attempted_not_seen,
    f.not_attempted,
    case when f.listed > 0
        then cast(f.seen as double precision) / f.listed
    end as completion_rate,
    cast(:plan_rate as double precision) as plan_rate,
    cast(f.seen_7d as double precision) / 7 as pace_7d,
    case when cast(:days_to_deadline as integer) > 0
        then cast(f.listed - f.seen as double precision) / cast(:days_to_deadline as integer)
    end as required_pace,
    case when f.listed > 0 and f.listed = f.seen then (
        select max(s.first_seen_on)
        from child_status s
        where s.district_code = f.district_code
          and s.cohort = f.cohort
          and s.first_seen_on <= :as_of
          and s.listed_on <= :as_of
          and (s.removed_on is null or s.removed_on > :as_of)
    ) end as projected_completion,
    case when f.cohort = 'repeat_report' and f.seen_visits > 0
        then cast(f.two_person_visits as double precision) / f.seen_visits
    end as two_person_rate,
    f.unreachable,
    case when f.listed > f.seen and f.seen_7d > 0
        then (7 * (f.listed - f.seen) + f.seen_7d - 1) / f.seen_7d
    end as projected_days
from filled f
