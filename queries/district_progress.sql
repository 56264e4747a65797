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
-- Per-child facts come from child_status (data/child_status.sql): each is a date computed over
-- the visits with listed_on <= visit_date, so "by D" is that date compared with D.
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

listed_children as (
    select
        s.child_id,
        s.district_code,
        s.cohort,
        case when s.first_seen_on <= :as_of then s.first_seen_on end as first_seen_on,
        case when s.first_visit_on <= :as_of then 1 else 0 end as attempted,
        case when s.third_visit_on <= :as_of then 1 else 0 end as visited_thrice
    from child_status s
    where s.listed_on <= :as_of
      and (s.removed_on is null or s.removed_on > :as_of)
      and (cast(:district as text) is null or s.district_code = :district)
      and (cast(:cohort as text) is null or s.cohort = :cohort)
),

district_counts as (
    select
        l.district_code,
        l.cohort,
        count(*) as listed,
        sum(case when l.first_seen_on is not null then 1 else 0 end) as seen,
        sum(case when l.first_seen_on is null and l.attempted = 1 then 1 else 0 end)
            as attempted_not_seen,
        sum(case when l.attempted = 0 then 1 else 0 end) as not_attempted,
        sum(case when l.first_seen_on >= :as_of_minus_6 then 1 else 0 end) as seen_7d,
        max(l.first_seen_on) as last_first_seen_on,
        sum(case when l.first_seen_on is null and l.visited_thrice = 1 then 1 else 0 end)
            as unreachable
    from listed_children l
    group by l.district_code, l.cohort
),

-- The one figure that needs the visits themselves: how many counted seen visits, and how many
-- of them by two, for repeat_report only (a small cohort). Read from child_status directly, not
-- from listed_children, so that PostgreSQL need not materialise a CTE used twice; only children
-- seen by D have such visits.
two_person as (
    select
        s.district_code,
        s.cohort,
        count(*) as seen_visits,
        sum(case when v.second_staff_id is not null then 1 else 0 end) as two_person_visits
    from child_status s
    join visits v
        on v.child_id = s.child_id
        and v.visit_date >= s.listed_on
        and v.visit_date <= :as_of
    where s.cohort = 'repeat_report'
      and s.first_seen_on <= :as_of
      and s.listed_on <= :as_of
      and (s.removed_on is null or s.removed_on > :as_of)
      and (cast(:district as text) is null or s.district_code = :district)
      and (cast(:cohort as text) is null or s.cohort = :cohort)
      and v.outcome = 'seen'
    group by s.district_code, s.cohort
),

filled as (
    select
        d.district_code,
        k.cohort,
        coalesce(c.listed, 0) as listed,
        coalesce(c.seen, 0) as seen,
        coalesce(c.attempted_not_seen, 0) as attempted_not_seen,
        coalesce(c.not_attempted, 0) as not_attempted,
        coalesce(c.seen_7d, 0) as seen_7d,
        c.last_first_seen_on,
        coalesce(t.seen_visits, 0) as seen_visits,
        coalesce(t.two_person_visits, 0) as two_person_visits,
        coalesce(c.unreachable, 0) as unreachable
    from scoped_districts d
    cross join cohorts k
    left join district_counts c
        on c.district_code = d.district_code
        and c.cohort = k.cohort
    left join two_person t
        on t.district_code = d.district_code
        and t.cohort = k.cohort
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
    case when f.listed > 0 and f.listed = f.seen
        then f.last_first_seen_on
    end as projected_completion,
    case when f.cohort = 'repeat_report' and f.seen_visits > 0
        then cast(f.two_person_visits as double precision) / f.seen_visits
    end as two_person_rate,
    f.unreachable,
    case when f.listed > f.seen and f.seen_7d > 0
        then (7 * (f.listed - f.seen) + f.seen_7d - 1) / f.seen_7d
    end as projected_days
from filled f
