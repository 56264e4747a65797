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

-- What happened on D itself, per district: the day-only columns of district_day_facts
-- (data/day_facts.sql), which count only children on the list that day.
changes as (
    select
        f.district_code,
        sum(f.newly_seen) as newly_seen,
        sum(f.new_referrals) as new_referrals,
        sum(f.new_police_referrals) as new_police_referrals,
        sum(f.new_high_risk) as new_high_risk
    from district_day_facts f
    where f.day = :as_of
      and (cast(:district as text) is null or f.district_code = :district)
      and (cast(:cohort as text) is null or f.cohort = :cohort)
    group by f.district_code
)

select
    d.district_code,
    coalesce(c.newly_seen, 0) as newly_seen,
    coalesce(c.new_referrals, 0) as new_referrals,
    coalesce(c.new_police_referrals, 0) as new_police_referrals,
    coalesce(c.new_high_risk, 0) as new_high_risk
from scoped_districts d
left join changes c on c.district_code = d.district_code
