-- findings_dated: the data-quality findings about dated rows, the part of
-- data_quality_findings.sql (see its header for each kind) that is not
-- never_visited_past_midpoint. Few rows in a sound extract: data_quality_findings_first.sql
-- numbers them all.
-- Columns
--   child_id        text   the child's pseudonymous id
--   district_code   text   the child's district
--   cohort          text   the child's cohort
--   finding         text   the kind of finding
--   finding_on      date   the date the finding is about
-- The *_after_as_of kinds are looked for only when D is the newest day of the data: that test
-- is a subquery without a row of its own, which both databases evaluate once, before reading
-- any row (as a joined table, SQLite read every visit after a past D, each with its child,
-- before finding that D was not the newest day: 15 ms at scale 1).
-- findings_dated.postgresql.sql differs only in comparing child ids in the collation of the
-- visits and referrals indexes.
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
    join visits v on v.child_id = s.child_id
    where s.first_unlisted_visit_on is not null
      and v.visit_date < s.listed_on
      and v.visit_date <= :as_of
      and (cast(:district as text) is null or s.district_code = :district)
      and (cast(:cohort as text) is null or s.cohort = :cohort)

    union all
    select s.child_id, s.district_code, s.cohort, 'referral_before_visit', r.referred_on
    from child_status s
    join referrals r on r.child_id = s.child_id
    join visits v on v.visit_id = r.visit_id
    where s.first_early_referral_on is not null
      and r.referred_on < v.visit_date
      and r.referred_on <= :as_of
      and (cast(:district as text) is null or s.district_code = :district)
      and (cast(:cohort as text) is null or s.cohort = :cohort)

    union all
    select c.child_id, c.district_code, c.cohort, 'listed_after_as_of', c.listed_on
    from children c
    where c.listed_on > :as_of
      and :as_of >= (select newest_on from newest)
      and (cast(:district as text) is null or c.district_code = :district)
      and (cast(:cohort as text) is null or c.cohort = :cohort)

    union all
    select c.child_id, c.district_code, c.cohort, 'removed_after_as_of', c.removed_on
    from children c
    where c.removed_on > :as_of
      and :as_of >= (select newest_on from newest)
      and (cast(:district as text) is null or c.district_code = :district)
      and (cast(:cohort as text) is null or c.cohort = :cohort)

    union all
    select c.child_id, c.district_code, c.cohort, 'visit_after_as_of', v.visit_date
    from visits v
    join children c on c.child_id = v.child_id
    where v.visit_date > :as_of
      and :as_of >= (select newest_on from newest)
      and (cast(:district as text) is null or c.district_code = :district)
      and (cast(:cohort as text) is null or c.cohort = :cohort)

    union all
    select c.child_id, c.district_code, c.cohort, 'referral_after_as_of', r.referred_on
    from referrals r
    join children c on c.child_id = r.child_id
    where r.referred_on > :as_of
      and :as_of >= (select newest_on from newest)
      and (cast(:district as text) is null or c.district_code = :district)
      and (cast(:cohort as text) is null or c.cohort = :cohort)

    union all
    select c.child_id, c.district_code, c.cohort, 'closure_after_as_of', r.closed_on
    from referrals r
    join children c on c.child_id = r.child_id
    where r.closed_on > :as_of
      and :as_of >= (select newest_on from newest)
      and (cast(:district as text) is null or c.district_code = :district)
      and (cast(:cohort as text) is null or c.cohort = :cohort)
)

select child_id, district_code, cohort, finding, finding_on
from findings
