-- referral_delay
-- One row per district, cohort and referral kind, the days from a visit to the referral it led to.
--
-- Answers   How fast does a visit lead to a referral?
-- Params    as_of (D), district (a code, or null for the whole city), cohort (or null for both)
-- Grain     counted referrals (child on the list at D, referred_on <= D) that name a visit; only
--           combinations with at least one. A referral dated before its visit is a data error,
--           counted in before_visit and left out of mean_days.
-- Columns
--   district_code   text     the child's district
--   cohort          text     the child's cohort
--   kind            text     the referral's kind
--   referrals       count    counted referrals that name a visit
--   mean_days       number   mean days from visit_date to referred_on (not before the visit)
--   same_day        count    referred on the day of the visit
--   days_1_7        count    1 to 7 days after
--   days_8_30       count    8 to 30 days after
--   over_30         count    more than 30 days after
--   before_visit    count    referred before the visit (a data-quality finding)
-- This file is for SQLite; referral_delay.postgresql.sql differs only in the day difference.
with
listed_children as (
    select c.child_id, c.district_code, c.cohort
    from children c
    where c.listed_on <= :as_of
      and (c.removed_on is null or c.removed_on > :as_of)
      and (cast(:district as text) is null or c.district_code = :district)
      and (cast(:cohort as text) is null or c.cohort = :cohort)
),

delays as (
    select
        l.district_code,
        l.cohort,
        r.kind,
        cast(julianday(r.referred_on) - julianday(v.visit_date) as integer) as delay_days
    from listed_children l
    join referrals r on r.child_id = l.child_id
    join visits v on v.visit_id = r.visit_id
    where r.referred_on <= :as_of
)

select
    district_code,
    cohort,
    kind,
    count(*) as referrals,
    avg(case when delay_days >= 0 then cast(delay_days as double precision) end) as mean_days,
    sum(case when delay_days = 0 then 1 else 0 end) as same_day,
    sum(case when delay_days between 1 and 7 then 1 else 0 end) as days_1_7,
    sum(case when delay_days between 8 and 30 then 1 else 0 end) as days_8_30,
    sum(case when delay_days > 30 then 1 else 0 end) as over_30,
    sum(case when delay_days < 0 then 1 else 0 end) as before_visit
from delays
group by district_code, cohort, kind
