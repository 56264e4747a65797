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
-- Every count is a sum of its daily changes up to D in referral_day_facts (data/day_facts.sql,
-- which works out each referral's days once); summed over the outcomes, since a counted
-- referral has exactly one outcome on any day. delay_days there is the total of the delays
-- that are not negative, so the mean divides it by the referrals not dated before the visit.
with
delays as (
    select
        f.district_code,
        f.cohort,
        f.kind,
        sum(f.named_visit) as referrals,
        sum(f.delay_days) as delay_days,
        sum(f.same_day) as same_day,
        sum(f.days_1_7) as days_1_7,
        sum(f.days_8_30) as days_8_30,
        sum(f.over_30) as over_30,
        sum(f.before_visit) as before_visit
    from referral_day_facts f
    where f.day <= :as_of
      and (cast(:district as text) is null or f.district_code = :district)
      and (cast(:cohort as text) is null or f.cohort = :cohort)
    group by f.district_code, f.cohort, f.kind
)

select
    district_code,
    cohort,
    kind,
    referrals,
    case when referrals > before_visit
        then cast(delay_days as double precision) / (referrals - before_visit)
    end as mean_days,
    same_day,
    days_1_7,
    days_8_30,
    over_30,
    before_visit
from delays
where referrals > 0
