-- police_linkage
-- One row per district, how many at-risk repeat-report children have been linked to the police.
--
-- Answers   How many repeatedly reported children found at risk are in a police investigation?
-- Params    as_of (D), district (a code, or null for the whole city). The cohort filter does not
--           apply; this figure is about cohort repeat_report only.
-- Grain     every district of the districts table. Children on the list at D only. At risk means
--           a counted seen visit with risk high or emergency, or abuse suspected; linked means a
--           counted referral (referred_on <= D) of kind police_investigation, open or closed.
-- Columns
--   district_code              text    the district's MOIS code
--   children_at_risk           count   repeat_report children on the list found at risk
--   children_police_referred   count   of those, children with a counted police referral
--   police_linkage_rate        rate    children_police_referred / children_at_risk, null when none
-- At risk by D means child_status.first_high_risk_on <= D (data/child_status.sql).
with
scoped_districts as (
    select d.district_code
    from districts d
    where (cast(:district as text) is null or d.district_code = :district)
),

at_risk as (
    select s.child_id, s.district_code
    from child_status s
    where s.cohort = 'repeat_report'
      and s.listed_on <= :as_of
      and (s.removed_on is null or s.removed_on > :as_of)
      and (cast(:district as text) is null or s.district_code = :district)
      and s.first_high_risk_on <= :as_of
),

linked as (
    select
        a.district_code,
        count(*) as children_at_risk,
        sum(case when exists (
            select 1
            from referrals r
            where r.child_id = a.child_id
              and r.referred_on <= :as_of
              and r.kind = 'police_investigation'
        ) then 1 else 0 end) as children_police_referred
    from at_risk a
    group by a.district_code
)

select
    d.district_code,
    coalesce(l.children_at_risk, 0) as children_at_risk,
    coalesce(l.children_police_referred, 0) as children_police_referred,
    case when l.children_at_risk > 0
        then cast(l.children_police_referred as double precision) / l.children_at_risk
    end as police_linkage_rate
from scoped_districts d
left join linked l on l.district_code = d.district_code
