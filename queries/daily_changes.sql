-- daily_changes
-- One row per district, what changed on day D itself (the morning briefing).
--
-- Answers   What changed since yesterday, and where?
-- Params    as_of (D), district (a code, or null for the whole city), cohort (or null for both)
-- Grain     every district of the districts table (zeros where nothing happened). Only children
--           on the list at D count.
-- Columns
--   district_code          text    the district's MOIS code
--   newly_seen             count   children whose first seen date is D
--   new_referrals          count   counted referrals with referred_on = D
--   new_police_referrals   count   those of kind police_investigation
--   new_high_risk          count   children with a counted seen visit on D at risk high or
--                                  emergency, or with abuse suspected
with
scoped_districts as (
    select d.district_code
    from districts d
    where (cast(:district as text) is null or d.district_code = :district)
),

listed_children as (
    select c.child_id, c.district_code, c.listed_on
    from children c
    where c.listed_on <= :as_of
      and (c.removed_on is null or c.removed_on > :as_of)
      and (cast(:district as text) is null or c.district_code = :district)
      and (cast(:cohort as text) is null or c.cohort = :cohort)
),

seen_today as (
    select
        l.child_id,
        l.district_code,
        l.listed_on,
        max(case when v.risk_level in ('high', 'emergency') or v.abuse_suspected = true
            then 1 else 0 end) as is_high_risk
    from listed_children l
    join visits v on v.child_id = l.child_id
    where v.visit_date = :as_of
      and v.outcome = 'seen'
    group by l.child_id, l.district_code, l.listed_on
),

seen_before as (
    select distinct s.child_id
    from seen_today s
    join visits e on e.child_id = s.child_id
    where e.outcome = 'seen'
      and e.visit_date >= s.listed_on
      and e.visit_date < :as_of
),

seen_counts as (
    select
        s.district_code,
        sum(case when b.child_id is null then 1 else 0 end) as newly_seen,
        sum(s.is_high_risk) as new_high_risk
    from seen_today s
    left join seen_before b on b.child_id = s.child_id
    group by s.district_code
),

referral_counts as (
    select
        l.district_code,
        count(*) as new_referrals,
        sum(case when r.kind = 'police_investigation' then 1 else 0 end) as new_police_referrals
    from listed_children l
    join referrals r on r.child_id = l.child_id
    where r.referred_on = :as_of
    group by l.district_code
)

select
    d.district_code,
    coalesce(s.newly_seen, 0) as newly_seen,
    coalesce(r.new_referrals, 0) as new_referrals,
    coalesce(r.new_police_referrals, 0) as new_police_referrals,
    coalesce(s.new_high_risk, 0) as new_high_risk
from scoped_districts d
left join seen_counts s on s.district_code = d.district_code
left join referral_counts r on r.district_code = d.district_code
