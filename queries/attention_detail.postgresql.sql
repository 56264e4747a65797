-- attention_detail
-- One row per child and reason of the attention list, in the order to act on it, with what a
-- caller needs before phoning: how often the child was tried and when last.
--
-- Answers   Which children need action first, how many visits were tried, when was the last?
-- Params    as_of (D), district (a code, or null for the whole city), cohort (or null for both)
-- Grain     the rows of attention_list.sql (its conditions, below). Row order is free
--           (the runner sorts by the text and date columns); sort by severity, then since.
-- Order     severity, since, child_id, reason
--           (the first rows a page shows, in the order of action)
-- Columns
--   child_id        text    the child's pseudonymous id
--   district_code   text    the child's district
--   cohort          text    the child's cohort
--   reason          text    unreachable or high_risk_no_referral
--   since           date    as in attention_list
--   attempts        count   counted visits up to D (listed_on <= visit_date <= D)
--   last_visit_on   date    the latest counted visit up to D; null when there is none
--   severity        integer 1 to 4, the order of action: repeat_report before neglect_risk,
--                           and within a cohort high_risk_no_referral before unreachable
-- This file is attention_detail.sql for PostgreSQL. The same list, cut at `-- first rows` for a
-- page's first rows (the runner puts the order and limit there, so the top-N sort is done before
-- any visit is counted), and each child's visits are counted and their latest taken in one
-- read of the index of visits by child and date (a lateral subquery), where two subqueries read
-- it twice. The ids are compared in the visits index's collation: the derived tables' ids compare
-- bytewise (COLLATE "C"), and a comparison in that collation cannot use the index on
-- visits.child_id (the database's default collation), so PostgreSQL read every visit for each
-- child (10 to 15 s at scale 30). At scale 30 (48,950 rows on 10 March) the whole list took
-- 510-570 ms with two subqueries per row and the listed_on looked up for each, 260-275 ms now;
-- the first 1,000 rows 36-42 ms before, 30-39 ms now.
with
ranked as (
    -- include sql/attention_ranked
)

select
    -- Named, so that the order appended for the first rows is not ambiguous in SQLite.
    a.child_id as child_id,
    a.district_code as district_code,
    a.cohort as cohort,
    a.reason as reason,
    a.since as since,
    c.attempts as attempts,
    c.last_visit_on as last_visit_on,
    a.severity as severity
from ranked a
cross join lateral (
    select count(*) as attempts, max(v.visit_date) as last_visit_on
    from visits v
    where v.child_id = a.child_id collate "default" and v.visit_date <= :as_of
      and v.visit_date >= a.listed_on
) c
