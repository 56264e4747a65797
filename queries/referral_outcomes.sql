-- referral_outcomes
-- One row per district, cohort, referral kind and outcome, as of day D.
--
-- Answers   How many children have been linked to the police, to agencies, to services, and
--           what came of it?
-- Params    as_of (D), district (a code, or null for the whole city), cohort (or null for both)
-- Grain     only combinations with at least one referral. A referral counts when its child is on
--           the list at D and referred_on <= D; it is open when closed_on is null or after D,
--           otherwise its outcome is its result.
-- Columns
--   district_code   text    the child's district
--   cohort          text    the child's cohort
--   kind            text    the referral's kind
--   outcome         text    open, or the result of a referral closed on or before D
--   referrals       count   how many referrals
--   children        count   how many distinct children
-- Both counts are sums of their daily changes up to D in referral_day_facts (data/day_facts.sql),
-- which counts a child once per kind and outcome however many referrals it has.
select
    f.district_code,
    f.cohort,
    f.kind,
    f.outcome,
    sum(f.referrals) as referrals,
    sum(f.children) as children
from referral_day_facts f
where f.day <= :as_of
  and (cast(:district as text) is null or f.district_code = :district)
  and (cast(:cohort as text) is null or f.cohort = :cohort)
group by f.district_code, f.cohort, f.kind, f.outcome
having sum(f.referrals) > 0
