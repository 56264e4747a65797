-- data_quality_findings
-- One row per finding about one child, the valid but suspicious rows of the extract.
--
-- Answers   Which rows of the data should a district check and correct?
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
--   child_id        text   the child's pseudonymous id
--   district_code   text   the child's district
--   cohort          text   the child's cohort
--   finding         text   one of the findings above
--   date            date   the date the finding is about
-- Per-child dates come from child_status (data/child_status.sql).
-- This file is data_quality_findings.sql but for the collation: child_status's ids compare
-- bytewise (COLLATE "C"), and a comparison in that collation cannot use the indexes on
-- visits.child_id and referrals.child_id (the database's default collation), so PostgreSQL read
-- every visit for the few children with a finding (0.7 s at scale 30). Compared in the default
-- collation, each child is a few index entries.
-- At a past as-of day the view counts only what the database held up to that day: a finding
-- about a dated row needs that date on or before D, and the *_after_as_of findings (dates after
-- the extract was made) are looked for only on the newest day of the data (the latest visit,
-- referral or report, as the default as-of day), since at a past day later rows are later work.
with
newest as (
    select max(d) as newest_on from (
        select max(visit_date) as d from visits
        union all select max(referred_on) from referrals
        union all select max(received_on) from reports
    ) latest
),

findings as (
    -- Each branch starts from what its index picks (few rows), not from every child.
    select s.child_id, s.district_code, s.cohort, 'visit_before_listed' as finding,
        v.visit_date as finding_on
    from child_status s
    join visits v on v.child_id = s.child_id collate "default"
    where s.first_unlisted_visit_on is not null
      and v.visit_date < s.listed_on
      and v.visit_date <= :as_of
      and (cast(:district as text) is null or s.district_code = :district)
      and (cast(:cohort as text) is null or s.cohort = :cohort)

    union all
    select s.child_id, s.district_code, s.cohort, 'referral_before_visit', r.referred_on
    from child_status s
    join referrals r on r.child_id = s.child_id collate "default"
    join visits v on v.visit_id = r.visit_id
    where s.first_early_referral_on is not null
      and r.referred_on < v.visit_date
      and r.referred_on <= :as_of
      and (cast(:district as text) is null or s.district_code = :district)
      and (cast(:cohort as text) is null or s.cohort = :cohort)

    union all
    select c.child_id, c.district_code, c.cohort, 'listed_after_as_of', c.listed_on
    from children c
    cross join newest n
    where c.listed_on > :as_of
      and :as_of >= n.newest_on
      and (cast(:district as text) is null or c.district_code = :district)
      and (cast(:cohort as text) is null or c.cohort = :cohort)

    union all
    select c.child_id, c.district_code, c.cohort, 'removed_after_as_of', c.removed_on
    from children c
    cross join newest n
    where c.removed_on > :as_of
      and :as_of >= n.newest_on
      and (cast(:district as text) is null or c.district_code = :district)
      and (cast(:cohort as text) is null or c.cohort = :cohort)

    union all
    select c.child_id, c.district_code, c.cohort, 'visit_after_as_of', v.visit_date
    from visits v
    join children c on c.child_id = v.child_id
    cross join newest n
    where v.visit_date > :as_of
      and :as_of >= n.newest_on
      and (cast(:district as text) is null or c.district_code = :district)
      and (cast(:cohort as text) is null or c.cohort = :cohort)

    union all
    select c.child_id, c.district_code, c.cohort, 'referral_after_as_of', r.referred_on
    from referrals r
    join children c on c.child_id = r.child_id
    cross join newest n
    where r.referred_on > :as_of
      and :as_of >= n.newest_on
      and (cast(:district as text) is null or c.district_code = :district)
      and (cast(:cohort as text) is null or c.cohort = :cohort)

    union all
    select c.child_id, c.district_code, c.cohort, 'closure_after_as_of', r.closed_on
    from referrals r
    join children c on c.child_id = r.child_id
    cross join newest n
    where r.closed_on > :as_of
      and :as_of >= n.newest_on
      and (cast(:district as text) is null or c.district_code = :district)
      and (cast(:cohort as text) is null or c.cohort = :cohort)

    union all
    -- Past the midpoint and never visited: no counted visit up to D, which the index on
    -- first_visit_on picks (few children) instead of a read of every child. Not seen by D
    -- follows from it (a first seen visit is a counted visit); said as well, it made the
    -- planners pick every child not seen by the index on first_seen_on (five times as many).
    select s.child_id, s.district_code, s.cohort, 'never_visited_past_midpoint', s.listed_on
    from child_status s
    where s.listed_on <= :midpoint
      and :midpoint <= :as_of
      and (s.removed_on is null or s.removed_on > :as_of)
      and (s.first_visit_on is null or s.first_visit_on > :as_of)
      and (cast(:district as text) is null or s.district_code = :district)
      and (cast(:cohort as text) is null or s.cohort = :cohort)
)

select child_id, district_code, cohort, finding, finding_on as date
from findings
