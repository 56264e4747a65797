-- data_quality_counts
-- One row per district and kind of finding, how many suspicious rows the extract holds.
--
-- Answers   How much of each district's data needs checking, and of what kind?
-- Same findings as data_quality_findings.sql (keep the two in step), counted; only kinds with
-- at least one finding. never_visited_past_midpoint is the last branch here, apart.
-- Params    as_of (D, the newest extract day by default), midpoint (S + floor((T - S) / 2), the
--           plan's midpoint), district (a code, or null for the whole city), cohort (or null)
-- Grain     every child of the district and cohort, on the list at D or not, except for
--           never_visited_past_midpoint. Findings
--             visit_before_listed       a visit dated before the child was listed (date = visit)
--             referral_before_visit     a referral dated before the visit it names (date = referral)
--             listed_after_as_of        listed_on after D (date = listed_on)
--             removed_after_as_of       removed_on after D (date = removed_on)
--             visit_after_as_of         a visit dated after D (date = visit)
--             referral_after_as_of      a referral dated after D (date = referred_on)
--             closure_after_as_of       a referral closed after D (date = closed_on)
--             never_visited_past_midpoint   on the list at D, listed on or before the midpoint, and
--                                       no counted visit up to D; only once D has reached the
--                                       midpoint (date = listed_on)
-- Columns
--   district_code   text    the children's district
--   finding         text    the kind of finding
--   findings        count   how many findings (rows)
--   children        count   how many distinct children
-- Per-child dates come from child_status (data/child_status.sql).
with
findings as (
    -- Each branch starts from what its index picks (few rows), not from every child.
    select s.child_id, s.district_code, s.cohort, 'visit_before_listed' as finding,
        v.visit_date as finding_on
    from child_status s
    join visits v on v.child_id = s.child_id
    where s.first_unlisted_visit_on is not null
      and v.visit_date < s.listed_on
      and (cast(:district as text) is null or s.district_code = :district)
      and (cast(:cohort as text) is null or s.cohort = :cohort)

    union all
    select s.child_id, s.district_code, s.cohort, 'referral_before_visit', r.referred_on
    from child_status s
    join referrals r on r.child_id = s.child_id
    join visits v on v.visit_id = r.visit_id
    where s.first_early_referral_on is not null
      and r.referred_on < v.visit_date
      and (cast(:district as text) is null or s.district_code = :district)
      and (cast(:cohort as text) is null or s.cohort = :cohort)

    union all
    select c.child_id, c.district_code, c.cohort, 'listed_after_as_of', c.listed_on
    from children c
    where c.listed_on > :as_of
      and (cast(:district as text) is null or c.district_code = :district)
      and (cast(:cohort as text) is null or c.cohort = :cohort)

    union all
    select c.child_id, c.district_code, c.cohort, 'removed_after_as_of', c.removed_on
    from children c
    where c.removed_on > :as_of
      and (cast(:district as text) is null or c.district_code = :district)
      and (cast(:cohort as text) is null or c.cohort = :cohort)

    union all
    select c.child_id, c.district_code, c.cohort, 'visit_after_as_of', v.visit_date
    from visits v
    join children c on c.child_id = v.child_id
    where v.visit_date > :as_of
      and (cast(:district as text) is null or c.district_code = :district)
      and (cast(:cohort as text) is null or c.cohort = :cohort)

    union all
    select c.child_id, c.district_code, c.cohort, 'referral_after_as_of', r.referred_on
    from referrals r
    join children c on c.child_id = r.child_id
    where r.referred_on > :as_of
      and (cast(:district as text) is null or c.district_code = :district)
      and (cast(:cohort as text) is null or c.cohort = :cohort)

    union all
    select c.child_id, c.district_code, c.cohort, 'closure_after_as_of', r.closed_on
    from referrals r
    join children c on c.child_id = r.child_id
    where r.closed_on > :as_of
      and (cast(:district as text) is null or c.district_code = :district)
      and (cast(:cohort as text) is null or c.cohort = :cohort)
)

select district_code, finding, count(*) as findings, count(distinct child_id) as children
from findings
group by district_code, finding

union all

-- One row per child by construction, so counted apart without count(distinct): at scale 30 this
-- kind alone has hundreds of thousands of rows, and sorting them for distinct took seconds.
select s.district_code, 'never_visited_past_midpoint' as finding, count(*) as findings,
    count(*) as children
from child_status s
where s.listed_on <= :midpoint
  and :midpoint <= :as_of
  and (s.removed_on is null or s.removed_on > :as_of)
  and (s.first_visit_on is null or s.first_visit_on > :as_of)
  and (cast(:district as text) is null or s.district_code = :district)
  and (cast(:cohort as text) is null or s.cohort = :cohort)
group by s.district_code
