-- staffing
-- One row per district, its staff in post and its workload as of day D.
--
-- Answers   Is each district's staffing enough for its reports and its remaining neglect-risk
--           children? Are the new officials where the work is?
-- Params    as_of (D), as_of_minus_364 (D-364), district (a code, or null for the whole city).
--           The cohort filter does not apply (staff serve both cohorts).
-- Grain     every district of the districts table.
-- Columns
--   district_code                   text      the district's MOIS code
--   abuse_officials                 count     abuse officials in post at D
--   welfare_planners                count     welfare planners in post at D
--   abuse_officials_target          integer   target of the latest abuse_official target row
--                                             effective on or before D, null if none
--   reports_12m                     count     reports received in D-364 .. D
--   reports_per_official            rate      reports_12m / abuse_officials, null without one
--   teams_of_two                    count     floor(abuse_officials / 2)
--   neglect_remaining_per_planner   rate      neglect_risk children listed and not seen at D,
--                                             per welfare planner, null without one
-- In post means start_date <= D and (end_date null or end_date >= D); end_date is the last day.
-- Listed and not yet seen at D is listed minus seen, each the sum of its daily changes up to D in
-- district_day_facts (data/day_facts.sql).
with
scoped_districts as (
    select d.district_code
    from districts d
    where (cast(:district as text) is null or d.district_code = :district)
),

staff_in_post as (
    select
        s.district_code,
        sum(case when s.role = 'abuse_official' then 1 else 0 end) as abuse_officials,
        sum(case when s.role = 'welfare_planner' then 1 else 0 end) as welfare_planners
    from staff s
    where s.start_date <= :as_of
      and (s.end_date is null or s.end_date >= :as_of)
    group by s.district_code
),

latest_target as (
    select t.district_code, t.target
    from staffing_targets t
    where t.role = 'abuse_official'
      and t.effective_on = (
          select max(t2.effective_on)
          from staffing_targets t2
          where t2.district_code = t.district_code
            and t2.role = 'abuse_official'
            and t2.effective_on <= :as_of
      )
),

reports_12m as (
    select r.district_code, count(*) as reports_12m
    from reports r
    where r.received_on >= :as_of_minus_364
      and r.received_on <= :as_of
    group by r.district_code
),

neglect_remaining as (
    select f.district_code, sum(f.listed) - sum(f.seen) as remaining
    from district_day_facts f
    where f.cohort = 'neglect_risk'
      and f.day <= :as_of
    group by f.district_code
),

joined as (
    select
        d.district_code,
        coalesce(p.abuse_officials, 0) as abuse_officials,
        coalesce(p.welfare_planners, 0) as welfare_planners,
        t.target as abuse_officials_target,
        coalesce(r.reports_12m, 0) as reports_12m,
        coalesce(n.remaining, 0) as neglect_remaining
    from scoped_districts d
    left join staff_in_post p on p.district_code = d.district_code
    left join latest_target t on t.district_code = d.district_code
    left join reports_12m r on r.district_code = d.district_code
    left join neglect_remaining n on n.district_code = d.district_code
)

select
    district_code,
    abuse_officials,
    welfare_planners,
    abuse_officials_target,
    reports_12m,
    case when abuse_officials > 0
        then cast(reports_12m as double precision) / abuse_officials
    end as reports_per_official,
    abuse_officials / 2 as teams_of_two,
    case when welfare_planners > 0
        then cast(neglect_remaining as double precision) / welfare_planners
    end as neglect_remaining_per_planner
from joined
