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

-- First seen on D: child_status.first_seen_on = D (data/child_status.sql), few children,
-- found by the index on first_seen_on.
newly_seen as (
    select s.district_code, count(*) as newly_seen
    from child_status s
    where s.first_seen_on = :as_of
      and s.listed_on <= :as_of
      and (s.removed_on is null or s.removed_on > :as_of)
      and (cast(:district as text) is null or s.district_code = :district)
      and (cast(:cohort as text) is null or s.cohort = :cohort)
    group by s.district_code
),

-- High risk on D needs the visits of D themselves (found by the index on visit_date).
high_risk_today as (
    select c.district_code, count(distinct c.child_id) as new_high_risk
    from visits v
    join children c on c.child_id = v.child_id
    where v.visit_date = :as_of
      and v.outcome = 'seen'
      and (v.risk_level in ('high', 'emergency') or v.abuse_suspected = true)
      and c.listed_on <= :as_of
      and (c.removed_on is null or c.removed_on > :as_of)
      and (cast(:district as text) is null or c.district_code = :district)
      and (cast(:cohort as text) is null or c.cohort = :cohort)
    group by c.district_code
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
    coalesce(n.newly_seen, 0) as newly_seen,
    coalesce(r.new_referrals, 0) as new_referrals,
    coalesce(r.new_police_referrals, 0) as new_police_referrals,
    coalesce(h.new_high_risk, 0) as new_high_risk
from scoped_districts d
left join newly_seen n on n.district_code = d.district_code
left join high_risk_today h on h.district_code = d.district_code
left join referral_counts r on r.district_code = d.district_code
