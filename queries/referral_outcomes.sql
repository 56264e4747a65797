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
with
listed_children as (
    select c.child_id, c.district_code, c.cohort
    from children c
    where c.listed_on <= :as_of
      and (c.removed_on is null or c.removed_on > :as_of)
      and (cast(:district as text) is null or c.district_code = :district)
      and (cast(:cohort as text) is null or c.cohort = :cohort)
),

counted_referrals as (
    select
        l.district_code,
        l.cohort,
        r.child_id,
        r.kind,
        case when r.closed_on is null or r.closed_on > :as_of then 'open' else r.result end
            as outcome
    from listed_children l
    join referrals r on r.child_id = l.child_id
    where r.referred_on <= :as_of
)

select
    district_code,
    cohort,
    kind,
    outcome,
    count(*) as referrals,
    count(distinct child_id) as children
from counted_referrals
group by district_code, cohort, kind, outcome
